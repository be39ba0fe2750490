//! Meshes of routers, each with its network interface: [`Network2x2`] and [`Network4x4`].
//!
//! Node `i` is at `(x, y) = (i % W, i / W)`: a [`Router`] and an [`Ni`] joined at the router's
//! local port (NI `net_out` into router `in_l`, router `out_l` into NI `net_in`). Routers are
//! linked as in [`crate::mesh`] (edges tied off, a flit leaving through an edge raises
//! `dropped`). The enclave-side and config ports of every NI are exposed as arrays indexed by
//! node (Verilog `send_valid$i`, ...): `cfg_*`, `send_*`, `tx_word`, `tx_next`, `status_*`,
//! `mb_*`, with the meaning and timing given in [`crate::ni`]. Every NI's node mask (`nodes`)
//! is the mesh's nodes, so a c-list entry pointing outside the mesh is refused at the sender.
//! Plus `clock`, `reset` (synchronous, to every router and NI) and `dropped`.
//!
//! Latency: an NI's flit taken by its router in cycle t is offered to the NI of a node h hops
//! away in cycle t + 1 + h (one cycle per router).
use crate::ni::{mesh_nodes, Ni};
use crate::router::Router;
use rust_hdl::prelude::*;

macro_rules! network {
    ($(#[$doc:meta])* $name:ident, $w:tt, $h:tt, $k:tt) => {
        $(#[$doc])*
        #[derive(LogicBlock)]
        pub struct $name {
            pub clock: Signal<In, Clock>,
            pub reset: Signal<In, Bit>,
            pub cfg_valid: [Signal<In, Bit>; $k],
            pub cfg_slot: [Signal<In, Bits<4>>; $k],
            pub cfg_entry: [Signal<In, Bits<25>>; $k],
            pub cfg_ready: [Signal<Out, Bit>; $k],
            pub send_valid: [Signal<In, Bit>; $k],
            pub send_ready: [Signal<Out, Bit>; $k],
            pub send_kind: [Signal<In, Bits<2>>; $k],
            pub send_slot: [Signal<In, Bits<4>>; $k],
            pub send_len: [Signal<In, Bits<3>>; $k],
            pub send_give: [Signal<In, Bits<4>>; $k],
            pub send_mask: [Signal<In, Bits<2>>; $k],
            pub tx_word: [Signal<In, Bits<32>>; $k],
            pub tx_next: [Signal<Out, Bit>; $k],
            pub status_valid: [Signal<Out, Bit>; $k],
            pub status_code: [Signal<Out, Bits<2>>; $k],
            pub mb_valid: [Signal<Out, Bit>; $k],
            pub mb_badge: [Signal<Out, Bits<16>>; $k],
            pub mb_grant: [Signal<Out, Bit>; $k],
            pub mb_len: [Signal<Out, Bits<3>>; $k],
            pub mb_slot: [Signal<Out, Bits<4>>; $k],
            pub mb_sel: [Signal<In, Bits<2>>; $k],
            pub mb_word: [Signal<Out, Bits<32>>; $k],
            pub mb_pop: [Signal<In, Bit>; $k],
            /// A flit left the mesh through an edge port (a destination outside the mesh).
            pub dropped: Signal<Out, Bit>,
            routers: Vec<Router>,
            nis: Vec<Ni>,
            edge_x: [Signal<Local, Bit>; $h],
            edge_y: [Signal<Local, Bit>; $w],
        }

        impl Default for $name {
            fn default() -> Self {
                Self {
                    clock: Default::default(),
                    reset: Default::default(),
                    cfg_valid: Default::default(),
                    cfg_slot: Default::default(),
                    cfg_entry: Default::default(),
                    cfg_ready: Default::default(),
                    send_valid: Default::default(),
                    send_ready: Default::default(),
                    send_kind: Default::default(),
                    send_slot: Default::default(),
                    send_len: Default::default(),
                    send_give: Default::default(),
                    send_mask: Default::default(),
                    tx_word: Default::default(),
                    tx_next: Default::default(),
                    status_valid: Default::default(),
                    status_code: Default::default(),
                    mb_valid: Default::default(),
                    mb_badge: Default::default(),
                    mb_grant: Default::default(),
                    mb_len: Default::default(),
                    mb_slot: Default::default(),
                    mb_sel: Default::default(),
                    mb_word: Default::default(),
                    mb_pop: Default::default(),
                    dropped: Default::default(),
                    routers: (0..$k).map(|i| Router::new(i % $w, i / $w)).collect(),
                    nis: (0..$k).map(|i| Ni::new(i % $w, i / $w, mesh_nodes($w, $h))).collect(),
                    edge_x: Default::default(),
                    edge_y: Default::default(),
                }
            }
        }

        impl $name {
            /// Mesh width (columns) and height (rows).
            pub const WIDTH: usize = $w;
            pub const HEIGHT: usize = $h;
            pub const NODES: usize = $k;
        }

        impl Logic for $name {
            #[hdl_gen]
            fn update(&mut self) {
                for i in 0..$k {
                    self.routers[i].clock.next = self.clock.val();
                    self.routers[i].reset.next = self.reset.val();
                    self.nis[i].clock.next = self.clock.val();
                    self.nis[i].reset.next = self.reset.val();
                    self.routers[i].in_l_valid.next = self.nis[i].net_out_valid.val();
                    self.routers[i].in_l_flit.next = self.nis[i].net_out_flit.val();
                    self.nis[i].net_out_ready.next = self.routers[i].in_l_ready.val();
                    self.nis[i].net_in_valid.next = self.routers[i].out_l_valid.val();
                    self.nis[i].net_in_flit.next = self.routers[i].out_l_flit.val();
                    self.routers[i].out_l_ready.next = self.nis[i].net_in_ready.val();
                    self.nis[i].cfg_valid.next = self.cfg_valid[i].val();
                    self.nis[i].cfg_slot.next = self.cfg_slot[i].val();
                    self.nis[i].cfg_entry.next = self.cfg_entry[i].val();
                    self.cfg_ready[i].next = self.nis[i].cfg_ready.val();
                    self.nis[i].send_valid.next = self.send_valid[i].val();
                    self.send_ready[i].next = self.nis[i].send_ready.val();
                    self.nis[i].send_kind.next = self.send_kind[i].val();
                    self.nis[i].send_slot.next = self.send_slot[i].val();
                    self.nis[i].send_len.next = self.send_len[i].val();
                    self.nis[i].send_give.next = self.send_give[i].val();
                    self.nis[i].send_mask.next = self.send_mask[i].val();
                    self.nis[i].tx_word.next = self.tx_word[i].val();
                    self.tx_next[i].next = self.nis[i].tx_next.val();
                    self.status_valid[i].next = self.nis[i].status_valid.val();
                    self.status_code[i].next = self.nis[i].status_code.val();
                    self.mb_valid[i].next = self.nis[i].mb_valid.val();
                    self.mb_badge[i].next = self.nis[i].mb_badge.val();
                    self.mb_grant[i].next = self.nis[i].mb_grant.val();
                    self.mb_len[i].next = self.nis[i].mb_len.val();
                    self.mb_slot[i].next = self.nis[i].mb_slot.val();
                    self.nis[i].mb_sel.next = self.mb_sel[i].val();
                    self.mb_word[i].next = self.nis[i].mb_word.val();
                    self.nis[i].mb_pop.next = self.mb_pop[i].val();
                }
                // East-west links: node a = y*W+x and its east neighbour a+1.
                for y in 0..$h {
                    for x in 0..($w - 1) {
                        self.routers[y * $w + x + 1].in_w_valid.next = self.routers[y * $w + x].out_e_valid.val();
                        self.routers[y * $w + x + 1].in_w_flit.next = self.routers[y * $w + x].out_e_flit.val();
                        self.routers[y * $w + x].out_e_ready.next = self.routers[y * $w + x + 1].in_w_ready.val();
                        self.routers[y * $w + x].in_e_valid.next = self.routers[y * $w + x + 1].out_w_valid.val();
                        self.routers[y * $w + x].in_e_flit.next = self.routers[y * $w + x + 1].out_w_flit.val();
                        self.routers[y * $w + x + 1].out_w_ready.next = self.routers[y * $w + x].in_e_ready.val();
                    }
                }
                // North-south links: node a = y*W+x and its south neighbour a+W.
                for y in 0..($h - 1) {
                    for x in 0..$w {
                        self.routers[y * $w + x + $w].in_n_valid.next = self.routers[y * $w + x].out_s_valid.val();
                        self.routers[y * $w + x + $w].in_n_flit.next = self.routers[y * $w + x].out_s_flit.val();
                        self.routers[y * $w + x].out_s_ready.next = self.routers[y * $w + x + $w].in_n_ready.val();
                        self.routers[y * $w + x].in_s_valid.next = self.routers[y * $w + x + $w].out_n_valid.val();
                        self.routers[y * $w + x].in_s_flit.next = self.routers[y * $w + x + $w].out_n_flit.val();
                        self.routers[y * $w + x + $w].out_n_ready.next = self.routers[y * $w + x].in_s_ready.val();
                    }
                }
                // Edges: no flit comes in, anything going out is taken (and reported). The edge
                // input's `valid` and `flit` are written as `ready & false` and `out_flit & 0`:
                // constants that yosys folds away, but they read the tied-off port's `ready`
                // and `flit`, which Verilator's -Wall would otherwise report as unused.
                for y in 0..$h {
                    self.routers[y * $w].in_w_valid.next = self.routers[y * $w].in_w_ready.val() & false;
                    self.routers[y * $w].in_w_flit.next = self.routers[y * $w].out_w_flit.val() & bits::<17>(0);
                    self.routers[y * $w].out_w_ready.next = true;
                    self.routers[y * $w + $w - 1].in_e_valid.next = self.routers[y * $w + $w - 1].in_e_ready.val() & false;
                    self.routers[y * $w + $w - 1].in_e_flit.next = self.routers[y * $w + $w - 1].out_e_flit.val() & bits::<17>(0);
                    self.routers[y * $w + $w - 1].out_e_ready.next = true;
                    self.edge_x[y].next = self.routers[y * $w].out_w_valid.val()
                        | self.routers[y * $w + $w - 1].out_e_valid.val();
                }
                for x in 0..$w {
                    self.routers[x].in_n_valid.next = self.routers[x].in_n_ready.val() & false;
                    self.routers[x].in_n_flit.next = self.routers[x].out_n_flit.val() & bits::<17>(0);
                    self.routers[x].out_n_ready.next = true;
                    self.routers[x + $w * ($h - 1)].in_s_valid.next = self.routers[x + $w * ($h - 1)].in_s_ready.val() & false;
                    self.routers[x + $w * ($h - 1)].in_s_flit.next = self.routers[x + $w * ($h - 1)].out_s_flit.val() & bits::<17>(0);
                    self.routers[x + $w * ($h - 1)].out_s_ready.next = true;
                    self.edge_y[x].next = self.routers[x].out_n_valid.val()
                        | self.routers[x + $w * ($h - 1)].out_s_valid.val();
                }
                self.dropped.next = false;
                for y in 0..$h {
                    if self.edge_x[y].val() {
                        self.dropped.next = true;
                    }
                }
                for x in 0..$w {
                    if self.edge_y[x].val() {
                        self.dropped.next = true;
                    }
                }
            }
        }
    };
}

network!(
    /// A 2x2 mesh of routers with an NI at each node (nodes 0..4 at (0,0), (1,0), (0,1), (1,1)).
    Network2x2, 2, 2, 4
);
network!(
    /// A 4x4 mesh of routers with an NI at each node (node i at (i % 4, i / 4)).
    Network4x4, 4, 4, 16
);
