//! The 5-port mesh router: local + north/east/south/west, XY routing, wormhole switching.
//!
//! Ports, for each direction `d` in `l` (local), `n`, `e`, `s`, `w` (all synchronous to `clock`):
//! - `in_d_valid`, `in_d_flit` (17 bits, see [`crate::flit`]), `in_d_ready` (out): flits
//!   arriving from direction `d` (from the node's network interface for `l`). A flit is taken
//!   when `valid & ready`; `in_d_ready` comes straight from a register.
//! - `out_d_valid`, `out_d_flit` (out), `out_d_ready` (in): flits leaving towards `d`.
//!   `out_d_valid` never depends on `out_d_ready`; `out_d_flit` is held while not taken.
//! - `reset`: synchronous; drops every buffered flit and frees every output.
//! - The router's own coordinates are the constants `my_x`, `my_y` (Verilog `localparam`s,
//!   set by [`Router::new`]).
//!
//! Routing (dimension order, X first): a packet whose first flit names `(dst_x, dst_y)` goes
//! east while `dst_x > my_x`, west while `dst_x < my_x`, then south while `dst_y > my_y`
//! (y grows southwards), north while `dst_y < my_y`, then out of the local port. Turns that XY
//! routing never makes (from the y dimension back to x, and U-turns) are absent from the
//! hardware: a packet that arrives from north or south only compares `dst_y`, one that arrives
//! from east or west continues straight while `dst_x != my_x`. A misaddressed packet therefore
//! runs straight to the mesh edge, where the mesh drops it, instead of wandering.
//!
//! Each input has a 2-flit skid buffer ([`crate::buffer::SkidBuffer`]) that also keeps the
//! head flit's route, computed here from the flit on its way into the head register; each
//! output has a round-robin arbiter with a wormhole lock ([`crate::arbiter::OutputArbiter`]).
//!
//! Latency: one cycle per hop. A flit taken into an input buffer in cycle t is offered on its
//! output in cycle t+1 (its route registered with it, then combinationally through arbiter
//! and crossbar) and, if taken
//! there, sits in the next router's buffer in cycle t+2. A local-to-local packet between
//! neighbours thus arrives 2 cycles after it was taken, plus one per extra hop. Throughput: one
//! flit per cycle on every output at once.
use crate::arbiter::OutputArbiter;
use crate::buffer::SkidBuffer;
use crate::flit::{Flit, COORD_BITS, LAST_BIT};
use rust_hdl::prelude::*;

#[derive(LogicBlock)]
pub struct Router {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    pub in_l_valid: Signal<In, Bit>,
    pub in_l_ready: Signal<Out, Bit>,
    pub in_l_flit: Signal<In, Flit>,
    pub in_n_valid: Signal<In, Bit>,
    pub in_n_ready: Signal<Out, Bit>,
    pub in_n_flit: Signal<In, Flit>,
    pub in_e_valid: Signal<In, Bit>,
    pub in_e_ready: Signal<Out, Bit>,
    pub in_e_flit: Signal<In, Flit>,
    pub in_s_valid: Signal<In, Bit>,
    pub in_s_ready: Signal<Out, Bit>,
    pub in_s_flit: Signal<In, Flit>,
    pub in_w_valid: Signal<In, Bit>,
    pub in_w_ready: Signal<Out, Bit>,
    pub in_w_flit: Signal<In, Flit>,
    pub out_l_valid: Signal<Out, Bit>,
    pub out_l_ready: Signal<In, Bit>,
    pub out_l_flit: Signal<Out, Flit>,
    pub out_n_valid: Signal<Out, Bit>,
    pub out_n_ready: Signal<In, Bit>,
    pub out_n_flit: Signal<Out, Flit>,
    pub out_e_valid: Signal<Out, Bit>,
    pub out_e_ready: Signal<In, Bit>,
    pub out_e_flit: Signal<Out, Flit>,
    pub out_s_valid: Signal<Out, Bit>,
    pub out_s_ready: Signal<In, Bit>,
    pub out_s_flit: Signal<Out, Flit>,
    pub out_w_valid: Signal<Out, Bit>,
    pub out_w_ready: Signal<In, Bit>,
    pub out_w_flit: Signal<Out, Flit>,
    pub my_x: Constant<Bits<COORD_BITS>>,
    pub my_y: Constant<Bits<COORD_BITS>>,
    /// Bit v set: a destination column v lies east of this router (v > my_x). Lookup tables
    /// rather than `<`/`>` against the constants, which Verilator -Wall flags as constant
    /// comparisons on the mesh's border routers.
    east_of: Constant<Bits<4>>,
    west_of: Constant<Bits<4>>,
    /// Bit v set: a destination row v lies south of this router (v > my_y).
    south_of: Constant<Bits<4>>,
    north_of: Constant<Bits<4>>,
    ib_l: SkidBuffer,
    ib_n: SkidBuffer,
    ib_e: SkidBuffer,
    ib_s: SkidBuffer,
    ib_w: SkidBuffer,
    oa_l: OutputArbiter,
    oa_n: OutputArbiter,
    oa_e: OutputArbiter,
    oa_s: OutputArbiter,
    oa_w: OutputArbiter,
    /// Head valid / head is `last`, by input (bit 0 l, 1 n, 2 e, 3 s, 4 w).
    hv: Signal<Local, Bits<5>>,
    hl: Signal<Local, Bits<5>>,
    /// Input d's head flit leaves this cycle.
    pop_l: Signal<Local, Bit>,
    pop_n: Signal<Local, Bit>,
    pop_e: Signal<Local, Bit>,
    pop_s: Signal<Local, Bit>,
    pop_w: Signal<Local, Bit>,
    /// Crossbar terms: `xo_o_i` is input i's head flit if output o grants it, else zero;
    /// output o is the OR of its terms (a one-hot AND-OR mux, two LUT levels for 5 sources).
    xo_l_l: Signal<Local, Flit>,
    xo_l_n: Signal<Local, Flit>,
    xo_l_e: Signal<Local, Flit>,
    xo_l_s: Signal<Local, Flit>,
    xo_l_w: Signal<Local, Flit>,
    xo_n_l: Signal<Local, Flit>,
    xo_n_e: Signal<Local, Flit>,
    xo_n_s: Signal<Local, Flit>,
    xo_n_w: Signal<Local, Flit>,
    xo_s_l: Signal<Local, Flit>,
    xo_s_n: Signal<Local, Flit>,
    xo_s_e: Signal<Local, Flit>,
    xo_s_w: Signal<Local, Flit>,
}

impl Router {
    /// A router at mesh coordinates `(x, y)`.
    pub fn new(x: u8, y: u8) -> Router {
        assert!(
            x < crate::flit::MAX_SIDE && y < crate::flit::MAX_SIDE,
            "router ({x},{y}) outside a 4x4 mesh"
        );
        Router {
            clock: Default::default(),
            reset: Default::default(),
            in_l_valid: Default::default(),
            in_l_ready: Default::default(),
            in_l_flit: Default::default(),
            in_n_valid: Default::default(),
            in_n_ready: Default::default(),
            in_n_flit: Default::default(),
            in_e_valid: Default::default(),
            in_e_ready: Default::default(),
            in_e_flit: Default::default(),
            in_s_valid: Default::default(),
            in_s_ready: Default::default(),
            in_s_flit: Default::default(),
            in_w_valid: Default::default(),
            in_w_ready: Default::default(),
            in_w_flit: Default::default(),
            out_l_valid: Default::default(),
            out_l_ready: Default::default(),
            out_l_flit: Default::default(),
            out_n_valid: Default::default(),
            out_n_ready: Default::default(),
            out_n_flit: Default::default(),
            out_e_valid: Default::default(),
            out_e_ready: Default::default(),
            out_e_flit: Default::default(),
            out_s_valid: Default::default(),
            out_s_ready: Default::default(),
            out_s_flit: Default::default(),
            out_w_valid: Default::default(),
            out_w_ready: Default::default(),
            out_w_flit: Default::default(),
            my_x: Constant::new(bits(x as u64)),
            my_y: Constant::new(bits(y as u64)),
            east_of: Constant::new(bits((0..4).filter(|&v| v > x).map(|v| 1 << v).sum())),
            west_of: Constant::new(bits((0..4).filter(|&v| v < x).map(|v| 1 << v).sum())),
            south_of: Constant::new(bits((0..4).filter(|&v| v > y).map(|v| 1 << v).sum())),
            north_of: Constant::new(bits((0..4).filter(|&v| v < y).map(|v| 1 << v).sum())),
            ib_l: Default::default(),
            ib_n: Default::default(),
            ib_e: Default::default(),
            ib_s: Default::default(),
            ib_w: Default::default(),
            // Sources by bit: 0 l, 1 n, 2 e, 3 s, 4 w.
            oa_l: OutputArbiter::new(0b11111),
            oa_n: OutputArbiter::new(0b11101),
            oa_e: OutputArbiter::new(0b10001),
            oa_s: OutputArbiter::new(0b10111),
            oa_w: OutputArbiter::new(0b00101),
            hv: Default::default(),
            hl: Default::default(),
            pop_l: Default::default(),
            pop_n: Default::default(),
            pop_e: Default::default(),
            pop_s: Default::default(),
            pop_w: Default::default(),
            xo_l_l: Default::default(),
            xo_l_n: Default::default(),
            xo_l_e: Default::default(),
            xo_l_s: Default::default(),
            xo_l_w: Default::default(),
            xo_n_l: Default::default(),
            xo_n_e: Default::default(),
            xo_n_s: Default::default(),
            xo_n_w: Default::default(),
            xo_s_l: Default::default(),
            xo_s_n: Default::default(),
            xo_s_e: Default::default(),
            xo_s_w: Default::default(),
        }
    }
}

// The route flit carries dst_x in bits [1:0] and dst_y in [3:2]; `last` is bit 16 (LAST_BIT).
const _: () = assert!(LAST_BIT == 16 && COORD_BITS == 2);

impl Logic for Router {
    #[hdl_gen]
    fn update(&mut self) {
        clock!(self, clock, ib_l, ib_n, ib_e, ib_s, ib_w, oa_l, oa_n, oa_e, oa_s, oa_w);
        self.ib_l.reset.next = self.reset.val();
        self.ib_n.reset.next = self.reset.val();
        self.ib_e.reset.next = self.reset.val();
        self.ib_s.reset.next = self.reset.val();
        self.ib_w.reset.next = self.reset.val();
        self.oa_l.reset.next = self.reset.val();
        self.oa_n.reset.next = self.reset.val();
        self.oa_e.reset.next = self.reset.val();
        self.oa_s.reset.next = self.reset.val();
        self.oa_w.reset.next = self.reset.val();

        // Inputs into their buffers.
        self.ib_l.in_valid.next = self.in_l_valid.val();
        self.ib_l.in_flit.next = self.in_l_flit.val();
        self.in_l_ready.next = self.ib_l.in_ready.val();
        self.ib_n.in_valid.next = self.in_n_valid.val();
        self.ib_n.in_flit.next = self.in_n_flit.val();
        self.in_n_ready.next = self.ib_n.in_ready.val();
        self.ib_e.in_valid.next = self.in_e_valid.val();
        self.ib_e.in_flit.next = self.in_e_flit.val();
        self.in_e_ready.next = self.ib_e.in_ready.val();
        self.ib_s.in_valid.next = self.in_s_valid.val();
        self.ib_s.in_flit.next = self.in_s_flit.val();
        self.in_s_ready.next = self.ib_s.in_ready.val();
        self.ib_w.in_valid.next = self.in_w_valid.val();
        self.ib_w.in_flit.next = self.in_w_flit.val();
        self.in_w_ready.next = self.ib_w.in_ready.val();

        // Head flits: valid and last, by input.
        self.hv.next = bits::<5>(0)
            .replace_bit(0, self.ib_l.out_valid.val())
            .replace_bit(1, self.ib_n.out_valid.val())
            .replace_bit(2, self.ib_e.out_valid.val())
            .replace_bit(3, self.ib_s.out_valid.val())
            .replace_bit(4, self.ib_w.out_valid.val());
        self.hl.next = bits::<5>(0)
            .replace_bit(0, self.ib_l.out_flit.val().get_bit(16))
            .replace_bit(1, self.ib_n.out_flit.val().get_bit(16))
            .replace_bit(2, self.ib_e.out_flit.val().get_bit(16))
            .replace_bit(3, self.ib_s.out_flit.val().get_bit(16))
            .replace_bit(4, self.ib_w.out_flit.val().get_bit(16));

        // Route computation, on the flit about to enter each head register (the buffer keeps
        // the result with the flit, and only for a packet's first flit). One-hot outputs:
        // 1 l, 2 n, 4 e, 8 s, 16 w.
        if self
            .east_of
            .val()
            .get_bit(self.ib_l.next_dst.val().get_bits::<2>(0).index())
        {
            self.ib_l.next_route.next = bits::<5>(4); // east
        } else if self
            .west_of
            .val()
            .get_bit(self.ib_l.next_dst.val().get_bits::<2>(0).index())
        {
            self.ib_l.next_route.next = bits::<5>(16); // west
        } else if self
            .south_of
            .val()
            .get_bit(self.ib_l.next_dst.val().get_bits::<2>(2).index())
        {
            self.ib_l.next_route.next = bits::<5>(8); // south
        } else if self
            .north_of
            .val()
            .get_bit(self.ib_l.next_dst.val().get_bits::<2>(2).index())
        {
            self.ib_l.next_route.next = bits::<5>(2); // north
        } else {
            self.ib_l.next_route.next = bits::<5>(1); // local
        }
        // From the north, travelling south: only y is left to compare (dst_x is read in a
        // term that folds to zero, so that Verilator -Wall does not flag its bits as unused).
        if (self.ib_n.next_dst.val().get_bits::<2>(2)
            | (self.ib_n.next_dst.val().get_bits::<2>(0) & bits::<2>(0)))
            != self.my_y.val()
        {
            self.ib_n.next_route.next = bits::<5>(8); // south
        } else {
            self.ib_n.next_route.next = bits::<5>(1); // local
        }
        // From the south, travelling north.
        if (self.ib_s.next_dst.val().get_bits::<2>(2)
            | (self.ib_s.next_dst.val().get_bits::<2>(0) & bits::<2>(0)))
            != self.my_y.val()
        {
            self.ib_s.next_route.next = bits::<5>(2); // north
        } else {
            self.ib_s.next_route.next = bits::<5>(1); // local
        }
        // From the east, travelling west: straight on until x matches, then turn in y.
        if self.ib_e.next_dst.val().get_bits::<2>(0) != self.my_x.val() {
            self.ib_e.next_route.next = bits::<5>(16); // west
        } else if self
            .south_of
            .val()
            .get_bit(self.ib_e.next_dst.val().get_bits::<2>(2).index())
        {
            self.ib_e.next_route.next = bits::<5>(8); // south
        } else if self
            .north_of
            .val()
            .get_bit(self.ib_e.next_dst.val().get_bits::<2>(2).index())
        {
            self.ib_e.next_route.next = bits::<5>(2); // north
        } else {
            self.ib_e.next_route.next = bits::<5>(1); // local
        }
        // From the west, travelling east.
        if self.ib_w.next_dst.val().get_bits::<2>(0) != self.my_x.val() {
            self.ib_w.next_route.next = bits::<5>(4); // east
        } else if self
            .south_of
            .val()
            .get_bit(self.ib_w.next_dst.val().get_bits::<2>(2).index())
        {
            self.ib_w.next_route.next = bits::<5>(8); // south
        } else if self
            .north_of
            .val()
            .get_bit(self.ib_w.next_dst.val().get_bits::<2>(2).index())
        {
            self.ib_w.next_route.next = bits::<5>(2); // north
        } else {
            self.ib_w.next_route.next = bits::<5>(1); // local
        }

        // Requests per output, by source (bit 0 l, 1 n, 2 e, 3 s, 4 w), straight from the
        // buffers' registers. Turns XY routing never makes are constant zero here and excluded
        // by each arbiter's `sources`.
        self.oa_l.req.next = bits::<5>(0)
            .replace_bit(0, self.ib_l.out_req.val().get_bit(0))
            .replace_bit(1, self.ib_n.out_req.val().get_bit(0))
            .replace_bit(2, self.ib_e.out_req.val().get_bit(0))
            .replace_bit(3, self.ib_s.out_req.val().get_bit(0))
            .replace_bit(4, self.ib_w.out_req.val().get_bit(0));
        self.oa_n.req.next = bits::<5>(0)
            .replace_bit(0, self.ib_l.out_req.val().get_bit(1))
            .replace_bit(1, self.ib_n.out_req.val().get_bit(1))
            .replace_bit(2, self.ib_e.out_req.val().get_bit(1))
            .replace_bit(3, self.ib_s.out_req.val().get_bit(1))
            .replace_bit(4, self.ib_w.out_req.val().get_bit(1));
        self.oa_e.req.next = bits::<5>(0)
            .replace_bit(0, self.ib_l.out_req.val().get_bit(2))
            .replace_bit(1, self.ib_n.out_req.val().get_bit(2))
            .replace_bit(2, self.ib_e.out_req.val().get_bit(2))
            .replace_bit(3, self.ib_s.out_req.val().get_bit(2))
            .replace_bit(4, self.ib_w.out_req.val().get_bit(2));
        self.oa_s.req.next = bits::<5>(0)
            .replace_bit(0, self.ib_l.out_req.val().get_bit(3))
            .replace_bit(1, self.ib_n.out_req.val().get_bit(3))
            .replace_bit(2, self.ib_e.out_req.val().get_bit(3))
            .replace_bit(3, self.ib_s.out_req.val().get_bit(3))
            .replace_bit(4, self.ib_w.out_req.val().get_bit(3));
        self.oa_w.req.next = bits::<5>(0)
            .replace_bit(0, self.ib_l.out_req.val().get_bit(4))
            .replace_bit(1, self.ib_n.out_req.val().get_bit(4))
            .replace_bit(2, self.ib_e.out_req.val().get_bit(4))
            .replace_bit(3, self.ib_s.out_req.val().get_bit(4))
            .replace_bit(4, self.ib_w.out_req.val().get_bit(4));
        self.oa_l.valid.next = self.hv.val();
        self.oa_n.valid.next = self.hv.val();
        self.oa_e.valid.next = self.hv.val();
        self.oa_s.valid.next = self.hv.val();
        self.oa_w.valid.next = self.hv.val();
        self.oa_l.last.next = self.hl.val();
        self.oa_n.last.next = self.hl.val();
        self.oa_e.last.next = self.hl.val();
        self.oa_s.last.next = self.hl.val();
        self.oa_w.last.next = self.hl.val();
        self.oa_l.ready.next = self.out_l_ready.val();
        self.oa_n.ready.next = self.out_n_ready.val();
        self.oa_e.ready.next = self.out_e_ready.val();
        self.oa_s.ready.next = self.out_s_ready.val();
        self.oa_w.ready.next = self.out_w_ready.val();

        // Crossbar: each output shows its granted source's head (don't care when none is
        // granted: out_valid is low then). Outputs with 4 or 5 sources are one-hot AND-OR
        // muxes; east and west (2 sources) are a 2:1 mux on the grant of the second source.
        self.out_l_valid.next = self.oa_l.out_valid.val();
        self.xo_l_l.next = bits::<17>(0);
        if self.oa_l.grant.val().get_bit(0) {
            self.xo_l_l.next = self.ib_l.out_flit.val();
        }
        self.xo_l_n.next = bits::<17>(0);
        if self.oa_l.grant.val().get_bit(1) {
            self.xo_l_n.next = self.ib_n.out_flit.val();
        }
        self.xo_l_e.next = bits::<17>(0);
        if self.oa_l.grant.val().get_bit(2) {
            self.xo_l_e.next = self.ib_e.out_flit.val();
        }
        self.xo_l_s.next = bits::<17>(0);
        if self.oa_l.grant.val().get_bit(3) {
            self.xo_l_s.next = self.ib_s.out_flit.val();
        }
        self.xo_l_w.next = bits::<17>(0);
        if self.oa_l.grant.val().get_bit(4) {
            self.xo_l_w.next = self.ib_w.out_flit.val();
        }
        self.out_l_flit.next = self.xo_l_l.val()
            | self.xo_l_n.val()
            | self.xo_l_e.val()
            | self.xo_l_s.val()
            | self.xo_l_w.val();
        self.out_n_valid.next = self.oa_n.out_valid.val();
        self.xo_n_l.next = bits::<17>(0);
        if self.oa_n.grant.val().get_bit(0) {
            self.xo_n_l.next = self.ib_l.out_flit.val();
        }
        self.xo_n_e.next = bits::<17>(0);
        if self.oa_n.grant.val().get_bit(2) {
            self.xo_n_e.next = self.ib_e.out_flit.val();
        }
        self.xo_n_s.next = bits::<17>(0);
        if self.oa_n.grant.val().get_bit(3) {
            self.xo_n_s.next = self.ib_s.out_flit.val();
        }
        self.xo_n_w.next = bits::<17>(0);
        if self.oa_n.grant.val().get_bit(4) {
            self.xo_n_w.next = self.ib_w.out_flit.val();
        }
        self.out_n_flit.next =
            self.xo_n_l.val() | self.xo_n_e.val() | self.xo_n_s.val() | self.xo_n_w.val();
        self.out_s_valid.next = self.oa_s.out_valid.val();
        self.xo_s_l.next = bits::<17>(0);
        if self.oa_s.grant.val().get_bit(0) {
            self.xo_s_l.next = self.ib_l.out_flit.val();
        }
        self.xo_s_n.next = bits::<17>(0);
        if self.oa_s.grant.val().get_bit(1) {
            self.xo_s_n.next = self.ib_n.out_flit.val();
        }
        self.xo_s_e.next = bits::<17>(0);
        if self.oa_s.grant.val().get_bit(2) {
            self.xo_s_e.next = self.ib_e.out_flit.val();
        }
        self.xo_s_w.next = bits::<17>(0);
        if self.oa_s.grant.val().get_bit(4) {
            self.xo_s_w.next = self.ib_w.out_flit.val();
        }
        self.out_s_flit.next =
            self.xo_s_l.val() | self.xo_s_n.val() | self.xo_s_e.val() | self.xo_s_w.val();
        self.out_e_valid.next = self.oa_e.out_valid.val();
        self.out_e_flit.next = self.ib_l.out_flit.val();
        if self.oa_e.grant.val().get_bit(4) {
            self.out_e_flit.next = self.ib_w.out_flit.val();
        }
        self.out_w_valid.next = self.oa_w.out_valid.val();
        self.out_w_flit.next = self.ib_l.out_flit.val();
        if self.oa_w.grant.val().get_bit(2) {
            self.out_w_flit.next = self.ib_e.out_flit.val();
        }

        // Pops: an input is granted by at most one output at a time (terms for turns XY routing
        // never makes are constant zero).
        self.pop_l.next = (self.oa_l.grant.val().get_bit(0) & self.out_l_ready.val())
            | (self.oa_n.grant.val().get_bit(0) & self.out_n_ready.val())
            | (self.oa_e.grant.val().get_bit(0) & self.out_e_ready.val())
            | (self.oa_s.grant.val().get_bit(0) & self.out_s_ready.val())
            | (self.oa_w.grant.val().get_bit(0) & self.out_w_ready.val());
        self.pop_n.next = (self.oa_l.grant.val().get_bit(1) & self.out_l_ready.val())
            | (self.oa_n.grant.val().get_bit(1) & self.out_n_ready.val())
            | (self.oa_e.grant.val().get_bit(1) & self.out_e_ready.val())
            | (self.oa_s.grant.val().get_bit(1) & self.out_s_ready.val())
            | (self.oa_w.grant.val().get_bit(1) & self.out_w_ready.val());
        self.pop_e.next = (self.oa_l.grant.val().get_bit(2) & self.out_l_ready.val())
            | (self.oa_n.grant.val().get_bit(2) & self.out_n_ready.val())
            | (self.oa_e.grant.val().get_bit(2) & self.out_e_ready.val())
            | (self.oa_s.grant.val().get_bit(2) & self.out_s_ready.val())
            | (self.oa_w.grant.val().get_bit(2) & self.out_w_ready.val());
        self.pop_s.next = (self.oa_l.grant.val().get_bit(3) & self.out_l_ready.val())
            | (self.oa_n.grant.val().get_bit(3) & self.out_n_ready.val())
            | (self.oa_e.grant.val().get_bit(3) & self.out_e_ready.val())
            | (self.oa_s.grant.val().get_bit(3) & self.out_s_ready.val())
            | (self.oa_w.grant.val().get_bit(3) & self.out_w_ready.val());
        self.pop_w.next = (self.oa_l.grant.val().get_bit(4) & self.out_l_ready.val())
            | (self.oa_n.grant.val().get_bit(4) & self.out_n_ready.val())
            | (self.oa_e.grant.val().get_bit(4) & self.out_e_ready.val())
            | (self.oa_s.grant.val().get_bit(4) & self.out_s_ready.val())
            | (self.oa_w.grant.val().get_bit(4) & self.out_w_ready.val());
        self.ib_l.out_ready.next = self.pop_l.val();
        self.ib_n.out_ready.next = self.pop_n.val();
        self.ib_e.out_ready.next = self.pop_e.val();
        self.ib_s.out_ready.next = self.pop_s.val();
        self.ib_w.out_ready.next = self.pop_w.val();
    }
}

/// Port numbers used by tests and the meshes: 0 local, 1 north, 2 east, 3 south, 4 west.
pub const L: usize = 0;
pub const N: usize = 1;
pub const E: usize = 2;
pub const S: usize = 3;
pub const W: usize = 4;

#[cfg(test)]
impl crate::testing::Ports for Router {
    fn ports(&self) -> usize {
        5
    }
    fn clock_mut(&mut self) -> &mut Signal<In, Clock> {
        &mut self.clock
    }
    fn reset_mut(&mut self) -> &mut Signal<In, Bit> {
        &mut self.reset
    }
    fn drive(&mut self, p: usize, valid: bool, flit: u32, ready: bool) {
        let f = crate::testing::to_flit(flit);
        let (v, d, r) = match p {
            L => (
                &mut self.in_l_valid,
                &mut self.in_l_flit,
                &mut self.out_l_ready,
            ),
            N => (
                &mut self.in_n_valid,
                &mut self.in_n_flit,
                &mut self.out_n_ready,
            ),
            E => (
                &mut self.in_e_valid,
                &mut self.in_e_flit,
                &mut self.out_e_ready,
            ),
            S => (
                &mut self.in_s_valid,
                &mut self.in_s_flit,
                &mut self.out_s_ready,
            ),
            _ => (
                &mut self.in_w_valid,
                &mut self.in_w_flit,
                &mut self.out_w_ready,
            ),
        };
        v.next = valid;
        d.next = f;
        r.next = ready;
    }
    fn sample(&self, p: usize) -> (bool, bool, u32) {
        let (r, v, d) = match p {
            L => (&self.in_l_ready, &self.out_l_valid, &self.out_l_flit),
            N => (&self.in_n_ready, &self.out_n_valid, &self.out_n_flit),
            E => (&self.in_e_ready, &self.out_e_valid, &self.out_e_flit),
            S => (&self.in_s_ready, &self.out_s_valid, &self.out_s_flit),
            _ => (&self.in_w_ready, &self.out_w_valid, &self.out_w_flit),
        };
        (r.val(), v.val(), d.val().index() as u32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flit::{Kind, Message, Node};
    use crate::testing::Harness;
    use rand::{Rng, SeedableRng};

    fn msg(src: Node, dst: Node, badge: u16, len: usize) -> Message {
        Message {
            dst,
            src,
            kind: Kind::Data,
            badge,
            payload: (0..len as u32)
                .map(|i| ((badge as u32) << 16) | (i * 0x0101) | 0x8000_0000)
                .collect(),
        }
    }

    /// Every legal (input, destination) case leaves through the XY output, intact, one cycle
    /// after it entered.
    #[test]
    fn routes_each_direction() {
        let me = Node::new(1, 1);
        let n = Node::new;
        #[rustfmt::skip]
        let cases = [
            (L, n(2, 1), E), (L, n(3, 0), E), (L, n(0, 1), W), (L, n(0, 3), W),
            (L, n(1, 0), N), (L, n(1, 3), S), (L, n(1, 1), L),
            (W, n(2, 1), E), (W, n(3, 2), E), (W, n(1, 0), N), (W, n(1, 2), S), (W, n(1, 1), L),
            (E, n(0, 1), W), (E, n(0, 0), W), (E, n(1, 0), N), (E, n(1, 3), S), (E, n(1, 1), L),
            (N, n(1, 2), S), (N, n(1, 3), S), (N, n(1, 1), L),
            (S, n(1, 0), N), (S, n(1, 1), L),
        ];
        let mut h = Harness::new(Router::new(me.x, me.y));
        for (i, &(from, dst, to)) in cases.iter().enumerate() {
            let m = msg(Node::new(0, 0), dst, i as u16, i % 5);
            h.send(from, &m);
            h.drain(40);
            for p in 0..5 {
                let got = h.messages(p);
                if p == to {
                    assert_eq!(got, vec![m.clone()], "case {i}: from {from} to {dst:?}");
                } else {
                    assert!(
                        got.is_empty(),
                        "case {i}: from {from} to {dst:?} leaked to port {p}"
                    );
                }
            }
            // One cycle per hop: the first flit leaves the cycle after it was taken.
            assert_eq!(h.got[to][0].0, h.taken[from][0] + 1, "case {i}: latency");
            // Back to back: one flit per cycle.
            let cycles: Vec<u64> = h.got[to].iter().map(|g| g.0).collect();
            assert!(
                cycles.windows(2).all(|w| w[1] == w[0] + 1),
                "case {i}: bubbles {cycles:?}"
            );
            h.got.iter_mut().for_each(|g| g.clear());
            h.taken.iter_mut().for_each(|g| g.clear());
        }
    }

    /// Two inputs streaming packets to one output take turns, packet by packet; so do four.
    #[test]
    fn round_robin_alternates() {
        let mut h = Harness::new(Router::new(1, 1));
        for k in 0..4 {
            h.send(L, &msg(Node::new(1, 1), Node::new(2, 1), 100 + k, 1));
            h.send(W, &msg(Node::new(0, 1), Node::new(3, 1), 200 + k, 2));
        }
        h.drain(100);
        let order: Vec<u16> = h.messages(E).iter().map(|m| m.badge / 100).collect();
        assert_eq!(order.len(), 8);
        assert!(
            order.windows(2).all(|w| w[0] != w[1]),
            "not alternating: {order:?}"
        );

        // Output north has four possible sources: l, e, s, w.
        let mut h = Harness::new(Router::new(1, 2));
        for k in 0..3 {
            h.send(L, &msg(Node::new(1, 2), Node::new(1, 0), 100 + k, 0));
            h.send(E, &msg(Node::new(3, 2), Node::new(1, 1), 200 + k, 1));
            h.send(S, &msg(Node::new(1, 3), Node::new(1, 0), 300 + k, 2));
            h.send(W, &msg(Node::new(0, 2), Node::new(1, 1), 400 + k, 3));
        }
        h.drain(200);
        let order: Vec<u16> = h.messages(N).iter().map(|m| m.badge / 100).collect();
        assert_eq!(order.len(), 12);
        for round in order.chunks(4) {
            let mut r = round.to_vec();
            r.sort();
            assert_eq!(
                r,
                vec![1, 2, 3, 4],
                "a source was skipped or served twice: {order:?}"
            );
        }
    }

    /// Outputs that are not ready hold their flits; with random stalls on every output and
    /// all inputs busy, every packet arrives once, intact, in order per input.
    #[test]
    fn back_pressure_loses_nothing() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let me = Node::new(1, 1);
        let mut h = Harness::new(Router::new(me.x, me.y));
        // Destinations reachable from each input under XY routing.
        let dests: [Vec<Node>; 5] = [
            vec![
                Node::new(2, 1),
                Node::new(0, 1),
                Node::new(1, 0),
                Node::new(1, 2),
                me,
            ],
            vec![Node::new(1, 2), me],
            vec![Node::new(0, 1), Node::new(1, 0), Node::new(1, 2), me],
            vec![Node::new(1, 0), me],
            vec![Node::new(2, 1), Node::new(1, 0), Node::new(1, 2), me],
        ];
        let mut sent = vec![];
        for k in 0..40u16 {
            let from = rng.gen_range(0..5);
            let d = dests[from][rng.gen_range(0..dests[from].len())];
            let m = msg(Node::new(from as u8 % 4, 0), d, k, rng.gen_range(0..5));
            h.send(from, &m);
            sent.push((from, m));
        }
        // A full stall first: nothing may leave, inputs fill up and stop.
        for _ in 0..10 {
            h.step(&[false; 5]);
        }
        assert!(h.got.iter().all(|g| g.is_empty()));
        let taken: usize = h.taken.iter().map(|t| t.len()).sum();
        assert!(
            taken <= 10,
            "more flits taken ({taken}) than 5 buffers of 2 hold"
        );
        for _ in 0..600 {
            let ready: Vec<bool> = (0..5).map(|_| rng.gen_bool(0.4)).collect();
            h.step(&ready);
        }
        h.drain(200);
        let mut got: Vec<Message> = (0..5).flat_map(|p| h.messages(p)).collect();
        assert_eq!(got.len(), sent.len());
        got.sort_by_key(|m| m.badge);
        for (g, (_, s)) in got.iter().zip(&sent) {
            assert_eq!(g, s);
        }
        // In order per input port and output: badges increase.
        for p in 0..5 {
            for from in 0..5 {
                let b: Vec<u16> = h
                    .messages(p)
                    .iter()
                    .filter(|m| sent[m.badge as usize].0 == from)
                    .map(|m| m.badge)
                    .collect();
                assert!(
                    b.windows(2).all(|w| w[0] < w[1]),
                    "out {p} from {from}: {b:?}"
                );
            }
        }
    }

    /// Reset drops buffered flits and frees a locked output.
    #[test]
    fn reset_frees_everything() {
        let mut h = Harness::new(Router::new(1, 1));
        h.send(L, &msg(Node::new(1, 1), Node::new(2, 1), 1, 4));
        for _ in 0..3 {
            h.step(&[false; 5]);
        }
        h.src[L].clear();
        h.reset();
        h.got.iter_mut().for_each(|g| g.clear());
        h.step(&[true; 5]);
        assert!(h.got.iter().all(|g| g.is_empty()), "flits survived reset");
        let m = msg(Node::new(0, 1), Node::new(2, 1), 2, 1);
        h.send(W, &m);
        h.drain(30);
        assert_eq!(h.messages(E), vec![m]);
    }
}
