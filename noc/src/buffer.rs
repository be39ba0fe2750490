//! The router's input buffer: a 2-entry skid buffer.
//!
//! Interface (all synchronous to `clock`):
//! - `reset`: synchronous; empties the buffer.
//! - `in_valid`/`in_flit`/`in_ready`: upstream side; a flit is taken when `in_valid & in_ready`.
//!   `in_ready` is a register output (`!skid_valid`): it never depends on `out_ready` in the same
//!   cycle, so ready paths do not chain from router to router.
//! - `out_valid`/`out_flit`/`out_ready`: the head of the buffer, straight from a register;
//!   popped when `out_valid & out_ready`. `out_ready` may depend on `out_valid` and `out_flit`.
//!
//! Latency: a flit taken in cycle t is at the head in cycle t+1. Throughput: one flit per cycle
//! in and out at the same time; when the head is not popped one more flit goes to the skid
//! register and `in_ready` falls the next cycle. Capacity: 2 flits.
use crate::flit::Flit;
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
    /// The head flit.
    head: DFF<Flit>,
    head_valid: DFF<Bit>,
    /// The flit that arrived while the head was stalled.
    skid: DFF<Flit>,
    skid_valid: DFF<Bit>,
    /// The head register takes a new value (it is empty or being popped).
    load: Signal<Local, Bit>,
}

impl Logic for SkidBuffer {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, head, head_valid, skid, skid_valid);
        self.in_ready.next = !self.skid_valid.q.val();
        self.out_valid.next = self.head_valid.q.val();
        self.out_flit.next = self.head.q.val();
        self.load.next = !self.head_valid.q.val() | self.out_ready.val();
        if self.load.val() {
            if self.skid_valid.q.val() {
                // in_ready is low: nothing arrives this cycle.
                self.head.d.next = self.skid.q.val();
                self.head_valid.d.next = true;
                self.skid_valid.d.next = false;
            } else {
                self.head.d.next = self.in_flit.val();
                self.head_valid.d.next = self.in_valid.val();
            }
        } else if self.in_valid.val() & !self.skid_valid.q.val() {
            self.skid.d.next = self.in_flit.val();
            self.skid_valid.d.next = true;
        }
        if self.reset.val() {
            self.head_valid.d.next = false;
            self.skid_valid.d.next = false;
        }
    }
}
