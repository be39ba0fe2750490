//! One router output: round-robin arbitration among the inputs that can reach it, and the
//! wormhole lock that keeps it with one input from a packet's first flit to its `last` flit.
//!
//! Sources are numbered as router ports: 0 local, 1 north, 2 east, 3 south, 4 west. The
//! constant `sources` (a Verilog `localparam`, set by [`OutputArbiter::new`]) lists those that
//! can reach this output at all (XY routing forbids some turns); yosys removes the others'
//! logic, including their round-robin pointer flip-flops.
//!
//! Interface (all synchronous to `clock`):
//! - `reset`: synchronous; releases the output and resets the round-robin pointer.
//! - `req` (5 bits): source i's head flit is the first flit of a packet routed here.
//! - `valid`, `last` (5 bits each): source i has a head flit / its head flit is a `last` flit.
//! - `ready`: the downstream side takes a flit this cycle if one is offered.
//! - `grant` (5 bits, one-hot or zero): the source whose head flit is offered this cycle;
//!   combinational. `out_valid = grant != 0`. Source i is popped when `grant[i] & ready`.
//!
//! Free output: `grant` is the first requester after the last winner in the cyclic order
//! 0,1,2,3,4 (round robin: among persistent requesters each waits at most 4 packets). As soon
//! as a flit is offered the output is locked to its source, so an offer is never withdrawn or
//! changed before it is taken; while locked, `grant` is that source whenever it has a head
//! flit (only that source's flits can be offered: packets never interleave on a link). Taking
//! a `last` flit frees the output.
//! Latency: none (combinational grant); the lock changes at the clock edge after an offer.
//!
//! State: `locked`, the one-hot `owner` (the crossbar select while locked, and the round-robin
//! pointer), and `above`, the sources after the owner as a thermometer code in its own
//! flip-flops (computed from the grant when the owner is, not from `owner` in the pick path:
//! with the requests also straight from flip-flops, the pick starts from registers only).
//! The pick is plain logic (`x & !(x << 1 | x << 2 | ...)`, no carry chain).
use rust_hdl::prelude::*;

#[derive(LogicBlock)]
pub struct OutputArbiter {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    pub req: Signal<In, Bits<5>>,
    pub valid: Signal<In, Bits<5>>,
    pub last: Signal<In, Bits<5>>,
    pub ready: Signal<In, Bit>,
    pub grant: Signal<Out, Bits<5>>,
    pub out_valid: Signal<Out, Bit>,
    /// Sources that can be routed to this output, one bit each.
    pub sources: Constant<Bits<5>>,
    /// The output is in the middle of a packet from `owner`.
    locked: DFF<Bit>,
    /// One-hot: the source holding the output, or the last one that did (round-robin pointer).
    owner: DFF<Bits<5>>,
    /// Sources strictly above `owner` in the order 0..4 (a thermometer code kept in flip-flops,
    /// so that the round-robin pick starts from registers).
    above: DFF<Bits<5>>,
    /// Requests from sources that can reach this output.
    rs: Signal<Local, Bits<5>>,
    /// Requests from sources after `owner` in the cyclic order.
    masked: Signal<Local, Bits<5>>,
    /// Round-robin winner among `req`.
    pick: Signal<Local, Bits<5>>,
}

impl OutputArbiter {
    /// An arbiter among the sources whose bits are set in `sources`.
    pub fn new(sources: u8) -> OutputArbiter {
        OutputArbiter {
            clock: Default::default(),
            reset: Default::default(),
            req: Default::default(),
            valid: Default::default(),
            last: Default::default(),
            ready: Default::default(),
            grant: Default::default(),
            out_valid: Default::default(),
            sources: Constant::new(bits(sources as u64 & 31)),
            locked: Default::default(),
            owner: Default::default(),
            above: Default::default(),
            rs: Default::default(),
            masked: Default::default(),
            pick: Default::default(),
        }
    }
}

impl Logic for OutputArbiter {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, locked, owner, above);
        // Requests from sources strictly above the one-hot owner; none when owner is 0, which
        // falls through to the plain lowest-first pick. Lowest set bit of x: x & !(x << 1 |
        // x << 2 | ...), plain logic rather than the carry chain of x & (!x + 1).
        self.rs.next = self.req.val() & self.sources.val();
        self.masked.next = self.rs.val() & self.above.q.val();
        if self.masked.val().any() {
            self.pick.next = self.masked.val()
                & !((self.masked.val() << 1)
                    | (self.masked.val() << 2)
                    | (self.masked.val() << 3)
                    | (self.masked.val() << 4));
        } else {
            self.pick.next = self.rs.val()
                & !((self.rs.val() << 1)
                    | (self.rs.val() << 2)
                    | (self.rs.val() << 3)
                    | (self.rs.val() << 4));
        }
        if self.locked.q.val() {
            self.grant.next = (self.owner.q.val() & self.valid.val()) & self.sources.val();
        } else {
            self.grant.next = self.pick.val();
        }
        self.out_valid.next = self.grant.val().any();
        // An offered flit holds the output (so `out_valid` and the flit stay until taken);
        // only taking a `last` flit frees it.
        if self.out_valid.val() {
            self.owner.d.next = self.grant.val();
            self.above.d.next = (self.grant.val() << 1)
                | (self.grant.val() << 2)
                | (self.grant.val() << 3)
                | (self.grant.val() << 4);
            self.locked.d.next =
                !(self.ready.val() & ((self.grant.val() & self.last.val()) != bits::<5>(0)));
        }
        if self.reset.val() {
            self.locked.d.next = false;
            self.owner.d.next = bits::<5>(0);
            self.above.d.next = bits::<5>(0);
        }
    }
}
