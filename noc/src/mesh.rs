//! Meshes of routers: [`Mesh2x2`] and [`Mesh4x4`], exposing only the local ports.
//!
//! Node `i` is the router at `(x, y) = (i % W, i / W)`; x grows eastwards, y southwards.
//! Interface (all synchronous to `clock`), for each node `i` (Verilog names `in_valid$i`, ...):
//! - `in_valid[i]`, `in_flit[i]`, `in_ready[i]` (out): flits into node i's router local port.
//! - `out_valid[i]` (out), `out_flit[i]` (out), `out_ready[i]`: flits out of node i's local
//!   port.
//! - `reset`: synchronous, to every router.
//!
//! Neighbouring routers are connected port to port (east of node i to west of node i+1,
//! south of node i to north of node i+W). Edge ports are tied off: edge inputs never carry
//! a flit; edge outputs are always ready, so a packet addressed outside the mesh (which the
//! routers send straight to the edge) is dropped there instead of blocking the link.
//! Every edge output's `valid` is ORed into `dropped`, an error output for the cluster.
//!
//! Latency: one cycle per router from a local input to a local output: a packet taken at
//! node a in cycle t offers its first flit at node b in cycle t + 1 + hops(a, b), where hops
//! is the Manhattan distance. One flit per cycle per link.
use crate::flit::Flit;
use crate::router::Router;
use rust_hdl::prelude::*;

macro_rules! mesh {
    ($(#[$doc:meta])* $name:ident, $w:tt, $h:tt, $k:tt) => {
        $(#[$doc])*
        #[derive(LogicBlock)]
        pub struct $name {
            pub clock: Signal<In, Clock>,
            pub reset: Signal<In, Bit>,
            pub in_valid: [Signal<In, Bit>; $k],
            pub in_ready: [Signal<Out, Bit>; $k],
            pub in_flit: [Signal<In, Flit>; $k],
            pub out_valid: [Signal<Out, Bit>; $k],
            pub out_ready: [Signal<In, Bit>; $k],
            pub out_flit: [Signal<Out, Flit>; $k],
            /// A flit left the mesh through an edge port (a packet addressed outside the mesh).
            pub dropped: Signal<Out, Bit>,
            routers: Vec<Router>,
            /// Per row: a flit leaves through the east or west edge.
            edge_x: [Signal<Local, Bit>; $h],
            /// Per column: a flit leaves through the north or south edge.
            edge_y: [Signal<Local, Bit>; $w],
        }

        impl Default for $name {
            fn default() -> Self {
                Self {
                    clock: Default::default(),
                    reset: Default::default(),
                    in_valid: Default::default(),
                    in_ready: Default::default(),
                    in_flit: Default::default(),
                    out_valid: Default::default(),
                    out_ready: Default::default(),
                    out_flit: Default::default(),
                    dropped: Default::default(),
                    routers: (0..$k).map(|i| Router::new(i % $w, i / $w)).collect(),
                    edge_x: Default::default(),
                    edge_y: Default::default(),
                }
            }
        }

        impl $name {
            /// Mesh width (columns) and height (rows).
            pub const WIDTH: usize = $w;
            pub const HEIGHT: usize = $h;
        }

        impl Logic for $name {
            #[hdl_gen]
            fn update(&mut self) {
                for i in 0..$k {
                    self.routers[i].clock.next = self.clock.val();
                    self.routers[i].reset.next = self.reset.val();
                    self.routers[i].in_l_valid.next = self.in_valid[i].val();
                    self.routers[i].in_l_flit.next = self.in_flit[i].val();
                    self.in_ready[i].next = self.routers[i].in_l_ready.val();
                    self.out_valid[i].next = self.routers[i].out_l_valid.val();
                    self.out_flit[i].next = self.routers[i].out_l_flit.val();
                    self.routers[i].out_l_ready.next = self.out_ready[i].val();
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

        #[cfg(test)]
        impl crate::testing::Ports for $name {
            fn ports(&self) -> usize {
                $k
            }
            fn clock_mut(&mut self) -> &mut Signal<In, Clock> {
                &mut self.clock
            }
            fn reset_mut(&mut self) -> &mut Signal<In, Bit> {
                &mut self.reset
            }
            fn drive(&mut self, p: usize, valid: bool, flit: u32, ready: bool) {
                self.in_valid[p].next = valid;
                self.in_flit[p].next = crate::testing::to_flit(flit);
                self.out_ready[p].next = ready;
            }
            fn dropped(&self) -> bool {
                self.dropped.val()
            }
            fn sample(&self, p: usize) -> (bool, bool, u32) {
                (self.in_ready[p].val(), self.out_valid[p].val(), self.out_flit[p].val().index() as u32)
            }
        }
    };
}

mesh!(
    /// A 2x2 mesh of [`Router`]s (nodes 0..4 at (0,0), (1,0), (0,1), (1,1)).
    Mesh2x2, 2, 2, 4
);
mesh!(
    /// A 4x4 mesh of [`Router`]s (node i at (i % 4, i / 4)).
    Mesh4x4, 4, 4, 16
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flit::{Kind, Message, Node};
    use crate::testing::{Harness, Ports};
    use rand::{Rng, SeedableRng};
    use std::collections::HashMap;

    fn node(i: usize, w: usize) -> Node {
        Node::new((i % w) as u8, (i / w) as u8)
    }

    /// Random messages from every local port to every node (itself included), random lengths,
    /// random stalls at the receivers: each message is delivered exactly once, at its
    /// destination, intact (so its flits were contiguous), in order per source-destination pair.
    fn random_traffic<M: Ports>(mesh: M, w: usize, per_node: usize, seed: u64, cycles: u64) {
        let k = mesh.ports();
        let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
        let mut h = Harness::new(mesh);
        let mut sent: Vec<Message> = vec![];
        for n in 0..per_node {
            for s in 0..k {
                let d = if n < k {
                    (s + n) % k
                } else {
                    rng.gen_range(0..k)
                };
                let badge = sent.len() as u16;
                let m = Message {
                    dst: node(d, w),
                    src: node(s, w),
                    kind: [Kind::Data, Kind::Grant, Kind::Status][rng.gen_range(0..3)],
                    badge,
                    payload: (0..rng.gen_range(0..5)).map(|_| rng.gen()).collect(),
                };
                h.send(s, &m);
                sent.push(m);
            }
        }
        for _ in 0..cycles {
            let ready: Vec<bool> = (0..k).map(|_| rng.gen_bool(0.7)).collect();
            h.step(&ready);
            assert!(!h.uut.dropped(), "a flit left the mesh");
        }
        h.drain(400);
        assert!(h.src.iter().all(|s| s.is_empty()), "inputs not drained");
        let mut seen = vec![false; sent.len()];
        let mut last: HashMap<(Node, Node), u16> = HashMap::new();
        for p in 0..k {
            for m in h.messages(p) {
                let b = m.badge as usize;
                assert_eq!(m, sent[b], "damaged or interleaved message");
                assert_eq!(m.dst, node(p, w), "delivered to the wrong node");
                assert!(!seen[b], "delivered twice: {m:?}");
                seen[b] = true;
                if let Some(prev) = last.insert((m.src, m.dst), m.badge) {
                    assert!(prev < m.badge, "out of order {:?}->{:?}", m.src, m.dst);
                }
            }
        }
        eprintln!(
            "{} messages, {} flits delivered by cycle {}",
            sent.len(),
            h.got.iter().map(|g| g.len()).sum::<usize>(),
            h.cycle
        );
        let lost: Vec<_> = seen
            .iter()
            .enumerate()
            .filter(|(_, s)| !**s)
            .map(|(i, _)| &sent[i])
            .collect();
        assert!(
            lost.is_empty(),
            "lost {} messages, first {:?}",
            lost.len(),
            lost[0]
        );
    }

    #[test]
    fn mesh2x2_random_all_pairs() {
        random_traffic(Mesh2x2::default(), 2, 12, 1, 600);
    }

    #[test]
    fn mesh4x4_random() {
        random_traffic(Mesh4x4::default(), 4, 4, 2, 300);
    }

    /// Latency: one cycle per router, from taken at the source to offered at the destination.
    #[test]
    fn mesh2x2_latency() {
        let mut h = Harness::new(Mesh2x2::default());
        let m = Message {
            dst: Node::new(1, 1),
            src: Node::new(0, 0),
            kind: Kind::Data,
            badge: 5,
            payload: vec![1, 2],
        };
        h.send(0, &m);
        h.drain(30);
        assert_eq!(h.messages(3), vec![m]);
        // Routers (0,0), (1,0), (1,1): offered at node 3 three cycles after node 0 took it.
        assert_eq!(h.got[3][0].0, h.taken[0][0] + 3);
    }

    /// A packet addressed outside the mesh is dropped at the edge and raises `dropped`;
    /// traffic behind it still flows.
    #[test]
    fn outside_address_is_dropped() {
        let mut h = Harness::new(Mesh2x2::default());
        let bad = Message {
            dst: Node::new(3, 0),
            src: Node::new(0, 0),
            kind: Kind::Data,
            badge: 1,
            payload: vec![9],
        };
        let good = Message {
            dst: Node::new(1, 0),
            src: Node::new(0, 0),
            kind: Kind::Data,
            badge: 2,
            payload: vec![],
        };
        h.send(0, &bad);
        h.send(0, &good);
        let mut dropped = 0;
        for _ in 0..20 {
            h.step(&[true; 4]);
            dropped += h.uut.dropped.val() as usize;
        }
        assert_eq!(dropped, bad.to_flits().len());
        assert_eq!(h.messages(1), vec![good]);
    }
}

/// `NOC_DUMP=DIR cargo test --release -p castle-noc dump_verilog -- --ignored` writes the
/// Verilog of the router (at (1,1)) and of both meshes for hand runs of yosys/nextpnr; the lint
/// and latch checks run in castle-rtl (`blocks::tests`).
#[cfg(test)]
#[test]
#[ignore]
fn dump_verilog() {
    fn dump<B: Block>(dir: &str, name: &str, mut b: B) {
        b.connect_all();
        std::fs::write(format!("{dir}/{name}.v"), generate_verilog(&b)).unwrap();
    }
    let dir = std::env::var("NOC_DUMP").expect("set NOC_DUMP=DIR");
    dump(&dir, "router", Router::new(1, 1));
    dump(&dir, "mesh2x2", Mesh2x2::default());
    dump(&dir, "mesh4x4", Mesh4x4::default());
}
