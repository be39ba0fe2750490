//! Test harness for the NoC blocks in rust-hdl simulation: queues of flits into numbered
//! input ports, recorded flits out of numbered output ports, one clock cycle per `step`.
//!
//! The harness also checks the output handshake contract on every cycle: an offered flit
//! (`valid` high, not taken) is offered again, unchanged, in the next cycle.
use crate::flit::{flit, Message, FLIT_BITS};
use rust_hdl::prelude::*;
use std::collections::VecDeque;

/// A block with numbered flit ports (input p and output p belong to the same port).
pub trait Ports: Block {
    fn ports(&self) -> usize;
    fn clock_mut(&mut self) -> &mut Signal<In, Clock>;
    fn reset_mut(&mut self) -> &mut Signal<In, Bit>;
    /// Drive input port `p` (`valid`, `flit`) and the `ready` of output port `p`.
    fn drive(&mut self, p: usize, valid: bool, flit: u32, ready: bool);
    /// `(in_ready, out_valid, out_flit)` of port `p`.
    fn sample(&self, p: usize) -> (bool, bool, u32);
    /// A flit left through a tied-off edge (meshes only).
    fn dropped(&self) -> bool {
        false
    }
}

pub struct Harness<T: Ports> {
    pub uut: T,
    /// Flits waiting to enter each input port.
    pub src: Vec<VecDeque<u32>>,
    /// Flits that left each output port, with the cycle they left in.
    pub got: Vec<Vec<(u64, u32)>>,
    /// Cycle in which each input port took its flits.
    pub taken: Vec<Vec<u64>>,
    pub cycle: u64,
    offered: Vec<Option<u32>>,
}

impl<T: Ports> Harness<T> {
    pub fn new(mut uut: T) -> Harness<T> {
        uut.connect_all();
        let n = uut.ports();
        let mut h = Harness {
            uut,
            src: vec![VecDeque::new(); n],
            got: vec![vec![]; n],
            taken: vec![vec![]; n],
            cycle: 0,
            offered: vec![None; n],
        };
        h.settle();
        h.reset();
        h.got.iter_mut().for_each(|g| g.clear());
        h.taken.iter_mut().for_each(|g| g.clear());
        h.cycle = 0;
        h
    }

    fn settle(&mut self) {
        assert!(simulate(&mut self.uut, 200), "circuit did not settle");
    }

    /// One cycle with `reset` high and no output ready; offers may be dropped by it.
    pub fn reset(&mut self) {
        let n = self.uut.ports();
        self.uut.reset_mut().next = true;
        self.step(&vec![false; n]);
        self.uut.reset_mut().next = false;
        self.offered.iter_mut().for_each(|o| *o = None);
    }

    /// Queue a message's flits at input port `p`.
    pub fn send(&mut self, p: usize, m: &Message) {
        self.src[p].extend(m.to_flits());
    }

    /// One clock cycle with output readiness `ready[p]`.
    pub fn step(&mut self, ready: &[bool]) {
        let n = self.uut.ports();
        assert_eq!(ready.len(), n, "one `ready` per port");
        for (p, &r) in ready.iter().enumerate() {
            let f = self.src[p].front().copied();
            self.uut.drive(p, f.is_some(), f.unwrap_or(0), r);
        }
        self.settle();
        for (p, &r) in ready.iter().enumerate() {
            let (in_ready, out_valid, out_flit) = self.uut.sample(p);
            assert!(out_flit < 1 << FLIT_BITS);
            if let Some(f) = self.offered[p] {
                assert!(
                    out_valid && out_flit == f,
                    "cycle {}: port {p} withdrew or changed offer {f:#x}",
                    self.cycle
                );
            }
            self.offered[p] = None;
            if out_valid && r {
                self.got[p].push((self.cycle, out_flit));
            } else if out_valid {
                self.offered[p] = Some(out_flit);
            }
            if in_ready && !self.src[p].is_empty() {
                self.src[p].pop_front();
                self.taken[p].push(self.cycle);
            }
        }
        self.uut.clock_mut().next = Clock::from(true);
        self.settle();
        self.uut.clock_mut().next = Clock::from(false);
        self.settle();
        self.cycle += 1;
    }

    /// Step with every output ready until all inputs are empty and nothing moved for `quiet`
    /// cycles, or `limit` cycles pass.
    pub fn drain(&mut self, limit: u64) {
        let n = self.uut.ports();
        let start = self.cycle;
        let mut quiet = 0;
        while self.cycle - start < limit {
            let before: usize = self.got.iter().map(|g| g.len()).sum();
            self.step(&vec![true; n]);
            let after: usize = self.got.iter().map(|g| g.len()).sum();
            let idle = before == after && self.src.iter().all(|s| s.is_empty());
            quiet = if idle { quiet + 1 } else { 0 };
            if quiet > 4 {
                return;
            }
        }
    }

    /// The packets that left output `p`, split at `last` bits and decoded. Panics on a flit
    /// sequence that is not a well-formed message (interleaved or damaged packets).
    pub fn messages(&self, p: usize) -> Vec<Message> {
        let mut out = vec![];
        let mut cur = vec![];
        for &(_, f) in &self.got[p] {
            cur.push(f);
            if f >> crate::flit::LAST_BIT & 1 == 1 {
                out.push(
                    Message::from_flits(&cur).unwrap_or_else(|e| panic!("port {p}: {e}: {cur:x?}")),
                );
                cur.clear();
            }
        }
        assert!(cur.is_empty(), "port {p}: unfinished packet {cur:x?}");
        out
    }
}

/// rust-hdl flit value for a driver.
pub fn to_flit(v: u32) -> crate::flit::Flit {
    flit(v)
}
