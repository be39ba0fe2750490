//! The cluster top: nodes on a mesh, sized from a manifest (docs/cluster.md).
//!
//! A [`Node`] is a router with, unless the node is empty, a network interface (NI) behind its
//! local port, and behind the NI either an enclave core or a device (a console: its mailbox is
//! read through the cluster's device port). The [`Cluster`] links the nodes' routers into a
//! `columns x rows` mesh (node i at (i % columns, i / columns)) and exposes one privileged
//! loader port and one device port, each addressed by node number.
//!
//! # Cluster ports (all synchronous to `clock`)
//! - `reset`: synchronous, to every node.
//! - Loader (privileged: the only path to any node's memories and c-list): `sel` (6 bits)
//!   names the node; `ld_valid`, `ld_target`, `ld_addr`, `ld_data`: the enclave's load port
//!   (`castle_enclave::core::enclave::LoadTarget`); `cfg_valid`, `cfg_slot`, `cfg_entry`,
//!   `cfg_ready` (out): its NI's c-list port; `start`, `start_func`, `start_sp`: start a run;
//!   `peek_target`, `peek_addr` → `peek_data` one cycle later (hold `sel` for both cycles):
//!   the enclave's peek port, and with target [`PEEK_STATS`] the node's message counters
//!   ([`STAT_DELIVERED`] ...). `trap_cause`, `trap_pc`, `result`: of node `sel`.
//! - Status, one bit per node: `busy` (a run is in progress), `waiting` (blocked in
//!   `castle.recv` with an empty mailbox), `trapped`.
//! - Devices: `dev_ready` (one bit per node: a device with a message waiting); `dev_sel`
//!   names the device node for `dev_badge`, `dev_len`, `dev_grant`, `dev_mb_sel` →
//!   `dev_word` (one cycle later) and `dev_pop`, its NI's mailbox port; and for
//!   `dev_send_valid`, `dev_send_slot`, `dev_send_len`, `dev_tx_word` → `dev_send_ready`,
//!   `dev_tx_next`, `dev_status_valid`, `dev_status_code`, its NI's send port for data
//!   messages (`castle_noc::ni`), which the NI checks against the device's own c-list (empty
//!   unless the manifest gives the device capabilities: the UART gateway). Hold `dev_sel`
//!   from the send until its status.
//! - `dropped`: a flit left the mesh through an edge (never, since NIs refuse destinations
//!   outside the cluster; kept as an error output).
//!
//! Enclaves cannot reach any of these ports: an enclave's core talks only to its own NI, whose
//! c-list it cannot read or write, and the mesh carries words, never addresses.
use castle_enclave::compact::core::Compact;
use castle_enclave::core::enclave::Enclave;
use castle_noc::flit::Flit;
use castle_noc::ni::Ni;
use castle_noc::router::Router;
use rust_hdl::prelude::*;

/// Peek target of a node's message counters (word `addr` = [`STAT_DELIVERED`] ...).
pub const PEEK_STATS: u64 = 8;
/// Counter words behind [`PEEK_STATS`]: outcomes of the enclave's `send` and `grant` calls,
/// and messages it received.
pub const STAT_DELIVERED: u32 = 0;
pub const STAT_REJECTED: u32 = 1;
pub const STAT_REFUSED: u32 = 2;
pub const STAT_RECEIVED: u32 = 3;

/// Most nodes a cluster has (the status masks are 64 bits; the flit format allows 4x4).
pub const MAX_NODES: usize = 64;

/// A size parameter kept in a block for `update`'s loop bounds; no hardware (it is a `Block`
/// only so that `#[derive(LogicBlock)]` accepts it, and is invisible to probes and Verilog).
#[derive(Debug, Clone, Copy, Default)]
pub struct Param(pub usize);

impl Logic for Param {
    fn update(&mut self) {}
}

impl Block for Param {
    fn connect_all(&mut self) {}
    fn update_all(&mut self) {}
    fn has_changed(&self) -> bool {
        false
    }
    fn accept(&self, _name: &str, _probe: &mut dyn Probe) {}
}

/// Which enclave core a cluster's enclave nodes have: the same ports, the same image
/// contract and ABI (docs/compact.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CoreKind {
    /// `castle_enclave::core` (`SimNodeEnclave`): CPI about 1.3.
    #[default]
    Fast,
    /// `castle_enclave::compact` (`NodeCompact`): single-ported memories, a small datapath.
    Compact,
}

impl CoreKind {
    /// Names a manifest may give, in order: `fast`, `compact`.
    pub const NAMES: &'static [&'static str] = &["fast", "compact"];

    pub fn name(self) -> &'static str {
        match self {
            CoreKind::Fast => "fast",
            CoreKind::Compact => "compact",
        }
    }

    pub fn by_name(name: &str) -> Option<CoreKind> {
        match name {
            "fast" => Some(CoreKind::Fast),
            "compact" => Some(CoreKind::Compact),
            _ => None,
        }
    }
}

/// What sits behind a node's router.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NodeKind {
    /// An enclave core on an NI.
    Enclave,
    /// A device (console, LEDs): an NI whose mailbox the cluster's device port reads; what
    /// the device does with a message is the device server's (the host harness, the board
    /// top).
    Device,
    /// Nothing: the router only forwards.
    Empty,
}

/// Counts of one node's capability-call outcomes (the core's `abi_event` pulses), 32 bits
/// each, wrapping.
#[derive(LogicBlock, Default)]
pub struct NodeStats {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    /// 1 delivered, 2 rejected, 3 refused, 4 received.
    pub outcome: Signal<In, Bits<3>>,
    /// Counter `sel` ([`STAT_DELIVERED`] ...), combinational.
    pub sel: Signal<In, Bits<2>>,
    pub count: Signal<Out, Bits<32>>,
    delivered: DFF<Bits<32>>,
    rejected: DFF<Bits<32>>,
    refused: DFF<Bits<32>>,
    received: DFF<Bits<32>>,
}

impl Logic for NodeStats {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, delivered, rejected, refused, received);
        match self.outcome.val().index() {
            1 => {
                self.delivered.d.next = self.delivered.q.val() + 1;
            }
            2 => {
                self.rejected.d.next = self.rejected.q.val() + 1;
            }
            3 => {
                self.refused.d.next = self.refused.q.val() + 1;
            }
            4 => {
                self.received.d.next = self.received.q.val() + 1;
            }
            _ => {}
        }
        if self.reset.val() {
            self.delivered.d.next = 0.into();
            self.rejected.d.next = 0.into();
            self.refused.d.next = 0.into();
            self.received.d.next = 0.into();
        }
        match self.sel.val().index() {
            0 => {
                self.count.next = self.delivered.q.val();
            }
            1 => {
                self.count.next = self.rejected.q.val();
            }
            2 => {
                self.count.next = self.refused.q.val();
            }
            _ => {
                self.count.next = self.received.q.val();
            }
        }
    }
}

/// One node: a router and, by [`NodeKind`], an NI with an enclave core or a console behind
/// it. Ports: the router's four links (`n_*`, `e_*`, `s_*`, `w_*`: `*_in_valid`, `*_in_flit`,
/// `*_in_ready` out; `*_out_valid`, `*_out_flit` out, `*_out_ready`) and the node's share of the
/// cluster ports (see the module documentation), each meaningful only for its kind.
#[derive(LogicBlock)]
pub struct Node<
    const CODE_A: usize,
    const SIDE_A: usize,
    const VS_A: usize,
    const CS_A: usize,
    const FN_A: usize,
    const TAB_A: usize,
    const MEM_A: usize,
    const KP_A: usize,
    const KPC_A: usize,
    const KS_A: usize,
    const KM_A: usize,
> {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    pub n_in_valid: Signal<In, Bit>,
    pub n_in_flit: Signal<In, Flit>,
    pub n_in_ready: Signal<Out, Bit>,
    pub n_out_valid: Signal<Out, Bit>,
    pub n_out_flit: Signal<Out, Flit>,
    pub n_out_ready: Signal<In, Bit>,
    pub e_in_valid: Signal<In, Bit>,
    pub e_in_flit: Signal<In, Flit>,
    pub e_in_ready: Signal<Out, Bit>,
    pub e_out_valid: Signal<Out, Bit>,
    pub e_out_flit: Signal<Out, Flit>,
    pub e_out_ready: Signal<In, Bit>,
    pub s_in_valid: Signal<In, Bit>,
    pub s_in_flit: Signal<In, Flit>,
    pub s_in_ready: Signal<Out, Bit>,
    pub s_out_valid: Signal<Out, Bit>,
    pub s_out_flit: Signal<Out, Flit>,
    pub s_out_ready: Signal<In, Bit>,
    pub w_in_valid: Signal<In, Bit>,
    pub w_in_flit: Signal<In, Flit>,
    pub w_in_ready: Signal<Out, Bit>,
    pub w_out_valid: Signal<Out, Bit>,
    pub w_out_flit: Signal<Out, Flit>,
    pub w_out_ready: Signal<In, Bit>,
    pub ld_valid: Signal<In, Bit>,
    pub ld_target: Signal<In, Bits<4>>,
    pub ld_addr: Signal<In, Bits<24>>,
    pub ld_data: Signal<In, Bits<64>>,
    pub cfg_valid: Signal<In, Bit>,
    pub cfg_slot: Signal<In, Bits<4>>,
    pub cfg_entry: Signal<In, Bits<25>>,
    pub cfg_ready: Signal<Out, Bit>,
    pub start: Signal<In, Bit>,
    pub start_func: Signal<In, Bits<16>>,
    pub start_sp: Signal<In, Bits<16>>,
    pub peek_target: Signal<In, Bits<4>>,
    pub peek_addr: Signal<In, Bits<24>>,
    pub peek_data: Signal<Out, Bits<32>>,
    pub busy: Signal<Out, Bit>,
    pub waiting: Signal<Out, Bit>,
    pub trapped: Signal<Out, Bit>,
    pub trap_cause: Signal<Out, Bits<4>>,
    pub trap_pc: Signal<Out, Bits<16>>,
    pub result: Signal<Out, Bits<32>>,
    pub dev_ready: Signal<Out, Bit>,
    pub dev_badge: Signal<Out, Bits<16>>,
    pub dev_len: Signal<Out, Bits<3>>,
    pub dev_grant: Signal<Out, Bit>,
    pub dev_mb_sel: Signal<In, Bits<2>>,
    pub dev_word: Signal<Out, Bits<32>>,
    pub dev_pop: Signal<In, Bit>,
    pub dev_send_valid: Signal<In, Bit>,
    pub dev_send_slot: Signal<In, Bits<4>>,
    pub dev_send_len: Signal<In, Bits<3>>,
    pub dev_tx_word: Signal<In, Bits<32>>,
    pub dev_send_ready: Signal<Out, Bit>,
    pub dev_tx_next: Signal<Out, Bit>,
    pub dev_status_valid: Signal<Out, Bit>,
    pub dev_status_code: Signal<Out, Bits<2>>,
    router: Router,
    /// One NI unless the node is empty.
    ni: Vec<Ni>,
    /// One core (and its counters) for an enclave node: a fast one in `core` or a compact one
    /// in `compact`.
    core: Vec<Enclave<CODE_A, SIDE_A, VS_A, CS_A, FN_A, TAB_A, MEM_A>>,
    compact: Vec<Compact<KP_A, KPC_A, KS_A, KM_A>>,
    stats: Vec<NodeStats>,
    /// The peek target of the previous cycle (counters or the core's port).
    peek_sel: DFF<Bits<4>>,
    /// Constant 0 that reads every input a node of some kind leaves unused, so that
    /// Verilator's -Wall sees them read (yosys folds it away).
    unused: Signal<Local, Bit>,
}

impl<
        const CODE_A: usize,
        const SIDE_A: usize,
        const VS_A: usize,
        const CS_A: usize,
        const FN_A: usize,
        const TAB_A: usize,
        const MEM_A: usize,
        const KP_A: usize,
        const KPC_A: usize,
        const KS_A: usize,
        const KM_A: usize,
    > Node<CODE_A, SIDE_A, VS_A, CS_A, FN_A, TAB_A, MEM_A, KP_A, KPC_A, KS_A, KM_A>
{
    /// The node at (x, y) of kind `kind`, an enclave with a `core` core; `nodes` is the mask
    /// of the cluster's nodes with an NI (bit y*4+x), the destinations its NI accepts.
    pub fn new(x: u8, y: u8, kind: NodeKind, nodes: u16, core: CoreKind) -> Self {
        let has_ni = kind != NodeKind::Empty;
        let is_enclave = kind == NodeKind::Enclave;
        Node {
            clock: Default::default(),
            reset: Default::default(),
            n_in_valid: Default::default(),
            n_in_flit: Default::default(),
            n_in_ready: Default::default(),
            n_out_valid: Default::default(),
            n_out_flit: Default::default(),
            n_out_ready: Default::default(),
            e_in_valid: Default::default(),
            e_in_flit: Default::default(),
            e_in_ready: Default::default(),
            e_out_valid: Default::default(),
            e_out_flit: Default::default(),
            e_out_ready: Default::default(),
            s_in_valid: Default::default(),
            s_in_flit: Default::default(),
            s_in_ready: Default::default(),
            s_out_valid: Default::default(),
            s_out_flit: Default::default(),
            s_out_ready: Default::default(),
            w_in_valid: Default::default(),
            w_in_flit: Default::default(),
            w_in_ready: Default::default(),
            w_out_valid: Default::default(),
            w_out_flit: Default::default(),
            w_out_ready: Default::default(),
            ld_valid: Default::default(),
            ld_target: Default::default(),
            ld_addr: Default::default(),
            ld_data: Default::default(),
            cfg_valid: Default::default(),
            cfg_slot: Default::default(),
            cfg_entry: Default::default(),
            cfg_ready: Default::default(),
            start: Default::default(),
            start_func: Default::default(),
            start_sp: Default::default(),
            peek_target: Default::default(),
            peek_addr: Default::default(),
            peek_data: Default::default(),
            busy: Default::default(),
            waiting: Default::default(),
            trapped: Default::default(),
            trap_cause: Default::default(),
            trap_pc: Default::default(),
            result: Default::default(),
            dev_ready: Default::default(),
            dev_badge: Default::default(),
            dev_len: Default::default(),
            dev_grant: Default::default(),
            dev_mb_sel: Default::default(),
            dev_word: Default::default(),
            dev_pop: Default::default(),
            dev_send_valid: Default::default(),
            dev_send_slot: Default::default(),
            dev_send_len: Default::default(),
            dev_tx_word: Default::default(),
            dev_send_ready: Default::default(),
            dev_tx_next: Default::default(),
            dev_status_valid: Default::default(),
            dev_status_code: Default::default(),
            router: Router::new(x, y),
            ni: if has_ni {
                vec![Ni::new(x, y, nodes)]
            } else {
                vec![]
            },
            core: if is_enclave && core == CoreKind::Fast {
                vec![Default::default()]
            } else {
                vec![]
            },
            compact: if is_enclave && core == CoreKind::Compact {
                vec![Default::default()]
            } else {
                vec![]
            },
            stats: if is_enclave {
                vec![Default::default()]
            } else {
                vec![]
            },
            peek_sel: Default::default(),
            unused: Default::default(),
        }
    }
}

impl<
        const CODE_A: usize,
        const SIDE_A: usize,
        const VS_A: usize,
        const CS_A: usize,
        const FN_A: usize,
        const TAB_A: usize,
        const MEM_A: usize,
        const KP_A: usize,
        const KPC_A: usize,
        const KS_A: usize,
        const KM_A: usize,
    > Logic for Node<CODE_A, SIDE_A, VS_A, CS_A, FN_A, TAB_A, MEM_A, KP_A, KPC_A, KS_A, KM_A>
{
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, peek_sel);
        self.router.clock.next = self.clock.val();
        self.router.reset.next = self.reset.val();
        // Links.
        self.router.in_n_valid.next = self.n_in_valid.val();
        self.router.in_n_flit.next = self.n_in_flit.val();
        self.n_in_ready.next = self.router.in_n_ready.val();
        self.n_out_valid.next = self.router.out_n_valid.val();
        self.n_out_flit.next = self.router.out_n_flit.val();
        self.router.out_n_ready.next = self.n_out_ready.val();
        self.router.in_e_valid.next = self.e_in_valid.val();
        self.router.in_e_flit.next = self.e_in_flit.val();
        self.e_in_ready.next = self.router.in_e_ready.val();
        self.e_out_valid.next = self.router.out_e_valid.val();
        self.e_out_flit.next = self.router.out_e_flit.val();
        self.router.out_e_ready.next = self.e_out_ready.val();
        self.router.in_s_valid.next = self.s_in_valid.val();
        self.router.in_s_flit.next = self.s_in_flit.val();
        self.s_in_ready.next = self.router.in_s_ready.val();
        self.s_out_valid.next = self.router.out_s_valid.val();
        self.s_out_flit.next = self.router.out_s_flit.val();
        self.router.out_s_ready.next = self.s_out_ready.val();
        self.router.in_w_valid.next = self.w_in_valid.val();
        self.router.in_w_flit.next = self.w_in_flit.val();
        self.w_in_ready.next = self.router.in_w_ready.val();
        self.w_out_valid.next = self.router.out_w_valid.val();
        self.w_out_flit.next = self.router.out_w_flit.val();
        self.router.out_w_ready.next = self.w_out_ready.val();
        self.unused.next = (self.ld_valid.val()
            & self.ld_target.val().any()
            & self.ld_addr.val().any()
            & self.ld_data.val().any()
            & self.cfg_valid.val()
            & self.cfg_slot.val().any()
            & self.cfg_entry.val().any()
            & self.start.val()
            & self.start_func.val().any()
            & self.start_sp.val().any()
            & self.peek_addr.val().any()
            & self.dev_mb_sel.val().any()
            & self.dev_pop.val()
            & self.dev_send_valid.val()
            & self.dev_send_slot.val().any()
            & self.dev_send_len.val().any()
            & self.dev_tx_word.val().any())
            & false;
        // Defaults: an empty node's local port sends nothing and takes everything.
        self.router.in_l_valid.next = false;
        self.router.in_l_flit.next = self.router.out_l_flit.val() & bits::<17>(0);
        self.router.out_l_ready.next = true;
        self.cfg_ready.next = false;
        self.peek_data.next = 0.into();
        self.busy.next = false;
        self.waiting.next = false;
        self.trapped.next = false;
        self.trap_cause.next = 0.into();
        self.trap_pc.next = 0.into();
        self.result.next = 0.into();
        self.dev_ready.next = self.unused.val();
        self.dev_badge.next = 0.into();
        self.dev_len.next = 0.into();
        self.dev_grant.next = false;
        self.dev_word.next = 0.into();
        self.dev_send_ready.next = false;
        self.dev_tx_next.next = false;
        self.dev_status_valid.next = false;
        self.dev_status_code.next = 0.into();
        self.peek_sel.d.next = self.peek_target.val();
        for k in 0..self.ni.len() {
            // The NI on the router's local port; as a device, its mailbox and its send side
            // (data messages only, through its own c-list) are the device port.
            self.ni[k].clock.next = self.clock.val();
            self.ni[k].reset.next = self.reset.val();
            self.router.in_l_valid.next = self.ni[k].net_out_valid.val();
            self.router.in_l_flit.next = self.ni[k].net_out_flit.val();
            self.ni[k].net_out_ready.next = self.router.in_l_ready.val();
            self.ni[k].net_in_valid.next = self.router.out_l_valid.val();
            self.ni[k].net_in_flit.next = self.router.out_l_flit.val();
            self.router.out_l_ready.next = self.ni[k].net_in_ready.val();
            self.ni[k].cfg_valid.next = self.cfg_valid.val();
            self.ni[k].cfg_slot.next = self.cfg_slot.val();
            self.ni[k].cfg_entry.next = self.cfg_entry.val();
            self.cfg_ready.next = self.ni[k].cfg_ready.val();
            self.ni[k].send_valid.next = self.dev_send_valid.val();
            self.ni[k].send_kind.next = 0.into();
            self.ni[k].send_slot.next = self.dev_send_slot.val();
            self.ni[k].send_len.next = self.dev_send_len.val();
            self.ni[k].send_give.next = 0.into();
            self.ni[k].send_mask.next = 0.into();
            self.ni[k].tx_word.next = self.dev_tx_word.val();
            self.dev_send_ready.next = self.ni[k].send_ready.val();
            self.dev_tx_next.next = self.ni[k].tx_next.val();
            self.dev_status_valid.next = self.ni[k].status_valid.val();
            self.dev_status_code.next = self.ni[k].status_code.val();
            // (A device takes no grants' slots: `mb_slot` is read only to fold it away.)
            self.dev_ready.next =
                self.ni[k].mb_valid.val() | (self.unused.val() & self.ni[k].mb_slot.val().any());
            self.dev_badge.next = self.ni[k].mb_badge.val();
            self.dev_len.next = self.ni[k].mb_len.val();
            self.dev_grant.next = self.ni[k].mb_grant.val();
            self.ni[k].mb_sel.next = self.dev_mb_sel.val();
            self.dev_word.next = self.ni[k].mb_word.val();
            self.ni[k].mb_pop.next = self.dev_pop.val();
        }
        for k in 0..self.core.len() {
            // An enclave: its core drives the NI's enclave side (the device port stays idle).
            self.core[k].clock.next = self.clock.val();
            self.core[k].reset.next = self.reset.val();
            self.core[k].start.next = self.start.val();
            self.core[k].start_func.next = self.start_func.val();
            self.core[k].start_sp.next = self.start_sp.val();
            self.core[k].load_valid.next = self.ld_valid.val();
            self.core[k].load_target.next = self.ld_target.val();
            self.core[k].load_addr.next = self.ld_addr.val();
            self.core[k].load_data.next = self.ld_data.val();
            self.core[k].peek_target.next = self.peek_target.val();
            self.core[k].peek_addr.next = self.peek_addr.val();
            self.core[k].net_present.next = true;
            self.ni[k].send_valid.next = self.core[k].ni_send_valid.val();
            self.core[k].ni_send_ready.next = self.ni[k].send_ready.val();
            self.ni[k].send_kind.next = self.core[k].ni_send_kind.val();
            self.ni[k].send_slot.next = self.core[k].ni_send_slot.val();
            self.ni[k].send_len.next = self.core[k].ni_send_len.val();
            self.ni[k].send_give.next = self.core[k].ni_send_give.val();
            self.ni[k].send_mask.next = self.core[k].ni_send_mask.val();
            self.ni[k].tx_word.next = self.core[k].ni_tx_word.val();
            self.core[k].ni_tx_next.next = self.ni[k].tx_next.val();
            self.core[k].ni_status_valid.next = self.ni[k].status_valid.val();
            self.core[k].ni_status_code.next = self.ni[k].status_code.val();
            self.core[k].ni_mb_valid.next = self.ni[k].mb_valid.val();
            self.core[k].ni_mb_badge.next = self.ni[k].mb_badge.val();
            self.core[k].ni_mb_grant.next = self.ni[k].mb_grant.val();
            self.core[k].ni_mb_len.next = self.ni[k].mb_len.val();
            self.core[k].ni_mb_slot.next = self.ni[k].mb_slot.val();
            self.ni[k].mb_sel.next = self.core[k].ni_mb_sel.val();
            self.core[k].ni_mb_word.next = self.ni[k].mb_word.val();
            self.ni[k].mb_pop.next = self.core[k].ni_mb_pop.val();
            self.dev_ready.next = false;
            self.dev_badge.next = 0.into();
            self.dev_len.next = 0.into();
            self.dev_grant.next = false;
            self.dev_word.next = 0.into();
            self.dev_send_ready.next = false;
            self.dev_tx_next.next = false;
            self.dev_status_valid.next = false;
            self.dev_status_code.next = 0.into();
            self.stats[k].clock.next = self.clock.val();
            self.stats[k].reset.next = self.reset.val();
            self.stats[k].outcome.next = self.core[k].abi_event.val();
            self.stats[k].sel.next = bit_cast::<2, 24>(self.peek_addr.val());
            self.peek_data.next = self.core[k].peek_data.val();
            if self.peek_sel.q.val() == 8 {
                self.peek_data.next = self.stats[k].count.val();
            }
            // (`retire` and `retire_op` are for profiling the core alone.)
            self.busy.next = self.core[k].busy.val()
                | (self.core[k].retire.val() & self.core[k].retire_op.val().any() & false);
            self.waiting.next = self.core[k].waiting.val();
            self.trapped.next = self.core[k].trap_valid.val();
            self.trap_cause.next = self.core[k].trap_cause.val();
            self.trap_pc.next = self.core[k].trap_pc.val();
            self.result.next = self.core[k].result.val();
        }
        for k in 0..self.compact.len() {
            // The same wiring for a compact core (the ports are the fast core's).
            self.compact[k].clock.next = self.clock.val();
            self.compact[k].reset.next = self.reset.val();
            self.compact[k].start.next = self.start.val();
            self.compact[k].start_func.next = self.start_func.val();
            self.compact[k].start_sp.next = self.start_sp.val();
            self.compact[k].load_valid.next = self.ld_valid.val();
            self.compact[k].load_target.next = self.ld_target.val();
            self.compact[k].load_addr.next = self.ld_addr.val();
            self.compact[k].load_data.next = self.ld_data.val();
            self.compact[k].peek_target.next = self.peek_target.val();
            self.compact[k].peek_addr.next = self.peek_addr.val();
            self.compact[k].net_present.next = true;
            self.ni[k].send_valid.next = self.compact[k].ni_send_valid.val();
            self.compact[k].ni_send_ready.next = self.ni[k].send_ready.val();
            self.ni[k].send_kind.next = self.compact[k].ni_send_kind.val();
            self.ni[k].send_slot.next = self.compact[k].ni_send_slot.val();
            self.ni[k].send_len.next = self.compact[k].ni_send_len.val();
            self.ni[k].send_give.next = self.compact[k].ni_send_give.val();
            self.ni[k].send_mask.next = self.compact[k].ni_send_mask.val();
            self.ni[k].tx_word.next = self.compact[k].ni_tx_word.val();
            self.compact[k].ni_tx_next.next = self.ni[k].tx_next.val();
            self.compact[k].ni_status_valid.next = self.ni[k].status_valid.val();
            self.compact[k].ni_status_code.next = self.ni[k].status_code.val();
            self.compact[k].ni_mb_valid.next = self.ni[k].mb_valid.val();
            self.compact[k].ni_mb_badge.next = self.ni[k].mb_badge.val();
            self.compact[k].ni_mb_grant.next = self.ni[k].mb_grant.val();
            self.compact[k].ni_mb_len.next = self.ni[k].mb_len.val();
            self.compact[k].ni_mb_slot.next = self.ni[k].mb_slot.val();
            self.ni[k].mb_sel.next = self.compact[k].ni_mb_sel.val();
            self.compact[k].ni_mb_word.next = self.ni[k].mb_word.val();
            self.ni[k].mb_pop.next = self.compact[k].ni_mb_pop.val();
            self.dev_ready.next = false;
            self.dev_badge.next = 0.into();
            self.dev_len.next = 0.into();
            self.dev_grant.next = false;
            self.dev_word.next = 0.into();
            self.dev_send_ready.next = false;
            self.dev_tx_next.next = false;
            self.dev_status_valid.next = false;
            self.dev_status_code.next = 0.into();
            self.stats[k].clock.next = self.clock.val();
            self.stats[k].reset.next = self.reset.val();
            self.stats[k].outcome.next = self.compact[k].abi_event.val();
            self.stats[k].sel.next = bit_cast::<2, 24>(self.peek_addr.val());
            self.peek_data.next = self.compact[k].peek_data.val();
            if self.peek_sel.q.val() == 8 {
                self.peek_data.next = self.stats[k].count.val();
            }
            // (`retire` and `retire_op` are for profiling the core alone.)
            self.busy.next = self.compact[k].busy.val()
                | (self.compact[k].retire.val() & self.compact[k].retire_op.val().any() & false);
            self.waiting.next = self.compact[k].waiting.val();
            self.trapped.next = self.compact[k].trap_valid.val();
            self.trap_cause.next = self.compact[k].trap_cause.val();
            self.trap_pc.next = self.compact[k].trap_pc.val();
            self.result.next = self.compact[k].result.val();
        }
    }
}

/// A cluster: `columns x rows` [`Node`]s on a mesh; see the module documentation.
#[derive(LogicBlock)]
pub struct Cluster<
    const CODE_A: usize,
    const SIDE_A: usize,
    const VS_A: usize,
    const CS_A: usize,
    const FN_A: usize,
    const TAB_A: usize,
    const MEM_A: usize,
    const KP_A: usize,
    const KPC_A: usize,
    const KS_A: usize,
    const KM_A: usize,
> {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    pub sel: Signal<In, Bits<6>>,
    pub ld_valid: Signal<In, Bit>,
    pub ld_target: Signal<In, Bits<4>>,
    pub ld_addr: Signal<In, Bits<24>>,
    pub ld_data: Signal<In, Bits<64>>,
    pub cfg_valid: Signal<In, Bit>,
    pub cfg_slot: Signal<In, Bits<4>>,
    pub cfg_entry: Signal<In, Bits<25>>,
    pub cfg_ready: Signal<Out, Bit>,
    pub start: Signal<In, Bit>,
    pub start_func: Signal<In, Bits<16>>,
    pub start_sp: Signal<In, Bits<16>>,
    pub peek_target: Signal<In, Bits<4>>,
    pub peek_addr: Signal<In, Bits<24>>,
    pub peek_data: Signal<Out, Bits<32>>,
    pub trap_cause: Signal<Out, Bits<4>>,
    pub trap_pc: Signal<Out, Bits<16>>,
    pub result: Signal<Out, Bits<32>>,
    pub busy: Signal<Out, Bits<64>>,
    pub waiting: Signal<Out, Bits<64>>,
    pub trapped: Signal<Out, Bits<64>>,
    pub dev_ready: Signal<Out, Bits<64>>,
    pub dev_sel: Signal<In, Bits<6>>,
    pub dev_badge: Signal<Out, Bits<16>>,
    pub dev_len: Signal<Out, Bits<3>>,
    pub dev_grant: Signal<Out, Bit>,
    pub dev_mb_sel: Signal<In, Bits<2>>,
    pub dev_word: Signal<Out, Bits<32>>,
    pub dev_pop: Signal<In, Bit>,
    pub dev_send_valid: Signal<In, Bit>,
    pub dev_send_slot: Signal<In, Bits<4>>,
    pub dev_send_len: Signal<In, Bits<3>>,
    pub dev_tx_word: Signal<In, Bits<32>>,
    pub dev_send_ready: Signal<Out, Bit>,
    pub dev_tx_next: Signal<Out, Bit>,
    pub dev_status_valid: Signal<Out, Bit>,
    pub dev_status_code: Signal<Out, Bits<2>>,
    pub dropped: Signal<Out, Bit>,
    nodes: Vec<Node<CODE_A, SIDE_A, VS_A, CS_A, FN_A, TAB_A, MEM_A, KP_A, KPC_A, KS_A, KM_A>>,
    columns: Param,
    rows: Param,
    sel_hot: Signal<Local, Bits<64>>,
    dev_hot: Signal<Local, Bits<64>>,
    busy_acc: Signal<Local, Bits<64>>,
    waiting_acc: Signal<Local, Bits<64>>,
    trapped_acc: Signal<Local, Bits<64>>,
    dev_acc: Signal<Local, Bits<64>>,
    drop_acc: Signal<Local, Bit>,
}

impl<
        const CODE_A: usize,
        const SIDE_A: usize,
        const VS_A: usize,
        const CS_A: usize,
        const FN_A: usize,
        const TAB_A: usize,
        const MEM_A: usize,
        const KP_A: usize,
        const KPC_A: usize,
        const KS_A: usize,
        const KM_A: usize,
    > Cluster<CODE_A, SIDE_A, VS_A, CS_A, FN_A, TAB_A, MEM_A, KP_A, KPC_A, KS_A, KM_A>
{
    /// A `columns x rows` cluster whose node i (at (i % columns, i / columns)) is
    /// `kinds[i]`, its enclaves on `core` cores; nodes beyond `kinds` are empty.
    pub fn new(columns: usize, rows: usize, kinds: &[NodeKind], core: CoreKind) -> Self {
        let side = castle_noc::flit::MAX_SIDE as usize;
        assert!((1..=side).contains(&columns) && (1..=side).contains(&rows));
        assert!(kinds.len() <= columns * rows);
        let kind = |i: usize| kinds.get(i).copied().unwrap_or(NodeKind::Empty);
        let mut mask = 0u16;
        for i in 0..columns * rows {
            if kind(i) != NodeKind::Empty {
                mask |= 1 << ((i / columns) * side + i % columns);
            }
        }
        let nodes = (0..columns * rows)
            .map(|i| {
                let (x, y) = ((i % columns) as u8, (i / columns) as u8);
                Node::new(x, y, kind(i), mask, core)
            })
            .collect();
        Cluster {
            clock: Default::default(),
            reset: Default::default(),
            sel: Default::default(),
            ld_valid: Default::default(),
            ld_target: Default::default(),
            ld_addr: Default::default(),
            ld_data: Default::default(),
            cfg_valid: Default::default(),
            cfg_slot: Default::default(),
            cfg_entry: Default::default(),
            cfg_ready: Default::default(),
            start: Default::default(),
            start_func: Default::default(),
            start_sp: Default::default(),
            peek_target: Default::default(),
            peek_addr: Default::default(),
            peek_data: Default::default(),
            trap_cause: Default::default(),
            trap_pc: Default::default(),
            result: Default::default(),
            busy: Default::default(),
            waiting: Default::default(),
            trapped: Default::default(),
            dev_ready: Default::default(),
            dev_sel: Default::default(),
            dev_badge: Default::default(),
            dev_len: Default::default(),
            dev_grant: Default::default(),
            dev_mb_sel: Default::default(),
            dev_word: Default::default(),
            dev_pop: Default::default(),
            dev_send_valid: Default::default(),
            dev_send_slot: Default::default(),
            dev_send_len: Default::default(),
            dev_tx_word: Default::default(),
            dev_send_ready: Default::default(),
            dev_tx_next: Default::default(),
            dev_status_valid: Default::default(),
            dev_status_code: Default::default(),
            dropped: Default::default(),
            nodes,
            columns: Param(columns),
            rows: Param(rows),
            sel_hot: Default::default(),
            dev_hot: Default::default(),
            busy_acc: Default::default(),
            waiting_acc: Default::default(),
            trapped_acc: Default::default(),
            dev_acc: Default::default(),
            drop_acc: Default::default(),
        }
    }

    /// Number of nodes.
    pub fn nodes(&self) -> usize {
        self.nodes.len()
    }
}

impl<
        const CODE_A: usize,
        const SIDE_A: usize,
        const VS_A: usize,
        const CS_A: usize,
        const FN_A: usize,
        const TAB_A: usize,
        const MEM_A: usize,
        const KP_A: usize,
        const KPC_A: usize,
        const KS_A: usize,
        const KM_A: usize,
    > Logic for Cluster<CODE_A, SIDE_A, VS_A, CS_A, FN_A, TAB_A, MEM_A, KP_A, KPC_A, KS_A, KM_A>
{
    // Loops over node indices whose bounds are the mesh size: rust-hdl unrolls them when it
    // writes the Verilog, and evaluates an index from loop variables only, so the width
    // `columns` enters the index arithmetic as the variable `w` of a one-pass loop.
    #[hdl_gen]
    fn update(&mut self) {
        self.sel_hot.next = bits::<64>(1) << bit_cast::<64, 6>(self.sel.val());
        self.dev_hot.next = bits::<64>(1) << bit_cast::<64, 6>(self.dev_sel.val());
        self.busy_acc.next = 0.into();
        self.waiting_acc.next = 0.into();
        self.trapped_acc.next = 0.into();
        self.dev_acc.next = 0.into();
        self.drop_acc.next = false;
        self.cfg_ready.next = false;
        self.peek_data.next = 0.into();
        self.trap_cause.next = 0.into();
        self.trap_pc.next = 0.into();
        self.result.next = 0.into();
        self.dev_badge.next = 0.into();
        self.dev_len.next = 0.into();
        self.dev_grant.next = false;
        self.dev_word.next = 0.into();
        self.dev_send_ready.next = false;
        self.dev_tx_next.next = false;
        self.dev_status_valid.next = false;
        self.dev_status_code.next = 0.into();
        for i in 0..self.nodes.len() {
            self.nodes[i].clock.next = self.clock.val();
            self.nodes[i].reset.next = self.reset.val();
            self.nodes[i].ld_valid.next = self.ld_valid.val() & self.sel_hot.val().get_bit(i);
            self.nodes[i].ld_target.next = self.ld_target.val();
            self.nodes[i].ld_addr.next = self.ld_addr.val();
            self.nodes[i].ld_data.next = self.ld_data.val();
            self.nodes[i].cfg_valid.next = self.cfg_valid.val() & self.sel_hot.val().get_bit(i);
            self.nodes[i].cfg_slot.next = self.cfg_slot.val();
            self.nodes[i].cfg_entry.next = self.cfg_entry.val();
            self.nodes[i].start.next = self.start.val() & self.sel_hot.val().get_bit(i);
            self.nodes[i].start_func.next = self.start_func.val();
            self.nodes[i].start_sp.next = self.start_sp.val();
            self.nodes[i].peek_target.next = self.peek_target.val();
            self.nodes[i].peek_addr.next = self.peek_addr.val();
            self.nodes[i].dev_mb_sel.next = self.dev_mb_sel.val();
            self.nodes[i].dev_pop.next = self.dev_pop.val() & self.dev_hot.val().get_bit(i);
            self.nodes[i].dev_send_valid.next =
                self.dev_send_valid.val() & self.dev_hot.val().get_bit(i);
            self.nodes[i].dev_send_slot.next = self.dev_send_slot.val();
            self.nodes[i].dev_send_len.next = self.dev_send_len.val();
            self.nodes[i].dev_tx_word.next = self.dev_tx_word.val();
            if self.sel_hot.val().get_bit(i) {
                self.cfg_ready.next = self.nodes[i].cfg_ready.val();
                self.peek_data.next = self.nodes[i].peek_data.val();
                self.trap_cause.next = self.nodes[i].trap_cause.val();
                self.trap_pc.next = self.nodes[i].trap_pc.val();
                self.result.next = self.nodes[i].result.val();
            }
            if self.dev_hot.val().get_bit(i) {
                self.dev_badge.next = self.nodes[i].dev_badge.val();
                self.dev_len.next = self.nodes[i].dev_len.val();
                self.dev_grant.next = self.nodes[i].dev_grant.val();
                self.dev_word.next = self.nodes[i].dev_word.val();
                self.dev_send_ready.next = self.nodes[i].dev_send_ready.val();
                self.dev_tx_next.next = self.nodes[i].dev_tx_next.val();
                self.dev_status_valid.next = self.nodes[i].dev_status_valid.val();
                self.dev_status_code.next = self.nodes[i].dev_status_code.val();
            }
            self.busy_acc.next = self.busy_acc.val().replace_bit(i, self.nodes[i].busy.val());
            self.waiting_acc.next = self
                .waiting_acc
                .val()
                .replace_bit(i, self.nodes[i].waiting.val());
            self.trapped_acc.next = self
                .trapped_acc
                .val()
                .replace_bit(i, self.nodes[i].trapped.val());
            self.dev_acc.next = self
                .dev_acc
                .val()
                .replace_bit(i, self.nodes[i].dev_ready.val());
        }
        self.busy.next = self.busy_acc.val();
        self.waiting.next = self.waiting_acc.val();
        self.trapped.next = self.trapped_acc.val();
        self.dev_ready.next = self.dev_acc.val();
        for w in self.columns.0..(self.columns.0 + 1) {
            // East-west links: node y*w+x and its east neighbour.
            for y in 0..self.rows.0 {
                for x in 0..(self.columns.0 - 1) {
                    self.nodes[y * w + x + 1].w_in_valid.next =
                        self.nodes[y * w + x].e_out_valid.val();
                    self.nodes[y * w + x + 1].w_in_flit.next =
                        self.nodes[y * w + x].e_out_flit.val();
                    self.nodes[y * w + x].e_out_ready.next =
                        self.nodes[y * w + x + 1].w_in_ready.val();
                    self.nodes[y * w + x].e_in_valid.next =
                        self.nodes[y * w + x + 1].w_out_valid.val();
                    self.nodes[y * w + x].e_in_flit.next =
                        self.nodes[y * w + x + 1].w_out_flit.val();
                    self.nodes[y * w + x + 1].w_out_ready.next =
                        self.nodes[y * w + x].e_in_ready.val();
                }
            }
            // North-south links: node y*w+x and its south neighbour.
            for y in 0..(self.rows.0 - 1) {
                for x in 0..self.columns.0 {
                    self.nodes[y * w + x + w].n_in_valid.next =
                        self.nodes[y * w + x].s_out_valid.val();
                    self.nodes[y * w + x + w].n_in_flit.next =
                        self.nodes[y * w + x].s_out_flit.val();
                    self.nodes[y * w + x].s_out_ready.next =
                        self.nodes[y * w + x + w].n_in_ready.val();
                    self.nodes[y * w + x].s_in_valid.next =
                        self.nodes[y * w + x + w].n_out_valid.val();
                    self.nodes[y * w + x].s_in_flit.next =
                        self.nodes[y * w + x + w].n_out_flit.val();
                    self.nodes[y * w + x + w].n_out_ready.next =
                        self.nodes[y * w + x].s_in_ready.val();
                }
            }
            // Edges: nothing comes in, anything going out is taken and reported. The inputs
            // are written as `ready & false` and `flit & 0` so that Verilator's -Wall sees
            // the tied-off ports read (yosys folds them away).
            for y in 0..self.rows.0 {
                self.nodes[y * w].w_in_valid.next = self.nodes[y * w].w_in_ready.val() & false;
                self.nodes[y * w].w_in_flit.next =
                    self.nodes[y * w].w_out_flit.val() & bits::<17>(0);
                self.nodes[y * w].w_out_ready.next = true;
                self.nodes[y * w + w - 1].e_in_valid.next =
                    self.nodes[y * w + w - 1].e_in_ready.val() & false;
                self.nodes[y * w + w - 1].e_in_flit.next =
                    self.nodes[y * w + w - 1].e_out_flit.val() & bits::<17>(0);
                self.nodes[y * w + w - 1].e_out_ready.next = true;
                self.drop_acc.next = self.drop_acc.val()
                    | self.nodes[y * w].w_out_valid.val()
                    | self.nodes[y * w + w - 1].e_out_valid.val();
            }
            for h in self.rows.0..(self.rows.0 + 1) {
                for x in 0..self.columns.0 {
                    self.nodes[x].n_in_valid.next = self.nodes[x].n_in_ready.val() & false;
                    self.nodes[x].n_in_flit.next = self.nodes[x].n_out_flit.val() & bits::<17>(0);
                    self.nodes[x].n_out_ready.next = true;
                    self.nodes[x + w * (h - 1)].s_in_valid.next =
                        self.nodes[x + w * (h - 1)].s_in_ready.val() & false;
                    self.nodes[x + w * (h - 1)].s_in_flit.next =
                        self.nodes[x + w * (h - 1)].s_out_flit.val() & bits::<17>(0);
                    self.nodes[x + w * (h - 1)].s_out_ready.next = true;
                    self.drop_acc.next = self.drop_acc.val()
                        | self.nodes[x].n_out_valid.val()
                        | self.nodes[x + w * (h - 1)].s_out_valid.val();
                }
            }
        }
        // (The one-hot selects are read whole so that Verilator's -Wall does not report the
        // bits above the node count; they fold away.)
        self.dropped.next =
            self.drop_acc.val() | (self.sel_hot.val().any() & self.dev_hot.val().any() & false);
    }
}

/// The c-list entry (the NI's config port word) of capability `cap` in a cluster `columns`
/// wide: node i lies at (i % columns, i / columns).
pub fn clist_entry(cap: &castle_enclave::model::cluster::Cap, columns: usize) -> u32 {
    castle_noc::ni::entry(
        (cap.node % columns) as u8,
        (cap.node / columns) as u8,
        cap.send,
        cap.grant,
        cap.badge,
    )
}

/// The cluster top of a simulated cluster: nodes of
/// `castle_enclave::core::enclave::SimNodeEnclave` or `castle_enclave::compact::NodeCompact`
/// (profile `sim`, the same widths).
pub type SimCluster = Cluster<11, 12, 10, 6, 8, 8, 15, 14, 14, 11, 16>;

/// The Verilog of a simulated `columns x rows` cluster with these node kinds and `core`
/// cores, its identical modules merged ([`crate::export::dedup_modules`]).
pub fn sim_verilog(
    columns: usize,
    rows: usize,
    kinds: &[NodeKind],
    core: CoreKind,
) -> Result<String, crate::export::ExportError> {
    let mut top = SimCluster::new(columns, rows, kinds, core);
    let v = crate::export::verilog("cluster", &mut top)?;
    Ok(crate::export::dedup_modules(&v))
}

/// The node kinds of manifest `m`: its enclaves in order, then its devices.
pub fn kinds(m: &crate::manifest::Manifest) -> Vec<NodeKind> {
    let devices = m.devices.iter().map(|_| NodeKind::Device);
    std::iter::repeat_n(NodeKind::Enclave, m.enclaves.len())
        .chain(devices)
        .collect()
}
