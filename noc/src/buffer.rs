//! The router's input buffer: a 2-entry skid buffer that also holds the head flit's route.
//!
//! Interface (all synchronous to `clock`):
//! - `reset`: synchronous; empties the buffer (the next flit taken starts a packet).
//! - `in_valid`/`in_flit`/`in_ready`: upstream side; a flit is taken when `in_valid & in_ready`.
//!   `in_ready` is a register output (`!skid_valid`): it never depends on `out_ready` in the same
//!   cycle, so ready paths do not chain from router to router.
//! - `out_valid`/`out_flit`/`out_ready`: the head of the buffer, straight from a register;
//!   popped when `out_valid & out_ready`. `out_ready` may depend on `out_valid` and `out_flit`.
//! - `next_dst` (out, 4 bits) / `next_route` (in, 5 bits): the destination field (bits 3:0)
//!   of the flit that enters the head register if it loads this cycle (the skid flit if there
//!   is one, else `in_flit`), and the output the router's routing function picks for it
//!   (one-hot, combinational from `next_dst`).
//! - `out_req` (5 bits): `next_route` as registered with the head flit, and zero unless the head
//!   is valid and the first flit of a packet: the head's request to the output arbiters,
//!   straight from flip-flops. Routing on the way into the head register takes the route
//!   lookup off the arbitration path (route, then arbitrate, then pop, in one cycle).
//!
//! Latency: a flit taken in cycle t is at the head in cycle t+1. Throughput: one flit per cycle
//! in and out at the same time; when the head is not popped one more flit goes to the skid
//! register and `in_ready` falls the next cycle. Capacity: 2 flits.
use crate::flit::{Flit, LAST_BIT};
use rust_hdl::prelude::*;

#[derive(LogicBlock, Default)]
pub struct SkidBuffer {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    pub in_valid: Signal<In, Bit>,
    pub in_ready: Signal<Out, Bit>,
    pub in_flit: Signal<In, Flit>,
    pub out_valid: Signal<Out, Bit>,
    pub out_ready: Signal<In, Bit>,
    pub out_flit: Signal<Out, Flit>,
    pub next_dst: Signal<Out, Bits<4>>,
    pub next_route: Signal<In, Bits<5>>,
    pub out_req: Signal<Out, Bits<5>>,
    /// The head flit.
    head: DFF<Flit>,
    head_valid: DFF<Bit>,
    /// The head flit's request (see `out_req`).
    req: DFF<Bits<5>>,
    /// The last flit loaded into the head was not `last`: the next one is a body flit.
    mid: DFF<Bit>,
    /// The flit that arrived while the head was stalled.
    skid: DFF<Flit>,
    skid_valid: DFF<Bit>,
    /// The head register takes a new value (it is empty or being popped).
    load: Signal<Local, Bit>,
    /// The flit that enters the head register if it loads.
    next_flit: Signal<Local, Flit>,
    /// A flit enters the head register this cycle.
    next_valid: Signal<Local, Bit>,
}

// `last` is bit 16 of a flit (written as a literal below: hdl_gen wants literals).
const _: () = assert!(LAST_BIT == 16);

impl Logic for SkidBuffer {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, head, head_valid, req, mid, skid, skid_valid);
        self.in_ready.next = !self.skid_valid.q.val();
        self.out_valid.next = self.head_valid.q.val();
        self.out_flit.next = self.head.q.val();
        self.out_req.next = self.req.q.val();
        self.load.next = !self.head_valid.q.val() | self.out_ready.val();
        self.next_flit.next = self.in_flit.val();
        if self.skid_valid.q.val() {
            self.next_flit.next = self.skid.q.val();
        }
        self.next_dst.next = self.next_flit.val().get_bits::<4>(0);
        self.next_valid.next = self.skid_valid.q.val() | self.in_valid.val();
        if self.load.val() {
            self.head.d.next = self.next_flit.val();
            self.head_valid.d.next = self.next_valid.val();
            // in_ready is low while the skid is full: nothing arrives this cycle.
            self.skid_valid.d.next = false;
            self.req.d.next = bits::<5>(0);
            if self.next_valid.val() {
                self.mid.d.next = !self.next_flit.val().get_bit(16);
                if !self.mid.q.val() {
                    self.req.d.next = self.next_route.val();
                }
            }
        } else if self.in_valid.val() & !self.skid_valid.q.val() {
            self.skid.d.next = self.in_flit.val();
            self.skid_valid.d.next = true;
        }
        if self.reset.val() {
            self.head_valid.d.next = false;
            self.skid_valid.d.next = false;
            self.req.d.next = bits::<5>(0);
            self.mid.d.next = false;
        }
    }
}
