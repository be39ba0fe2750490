//! Driver for the exported networks of routers and NIs (`network2x2`, `network4x4`) on
//! Verilator: enclave-side agents (config writes, sends with their payload streamed on
//! `tx_word`/`tx_next`, mailbox drains) at every node, a record of every event, and a reference
//! model of the capability semantics to check it against.
use crate::verilator::{BuildError, BuildOptions, Design, InPort, Model, ModelError, PortId};
use std::collections::VecDeque;

/// Status codes (castle_noc::ni).
pub use castle_noc::ni::{
    entry, DELIVERED, KIND_DATA, KIND_DROP, KIND_GRANT, MAILBOX, REFUSED, REJECTED, SLOTS,
};

/// The Verilated design of `network2x2` or `network4x4`.
pub fn design(name: &str, opts: &BuildOptions) -> Result<Design, BuildError> {
    Design::from_named_block(name, opts)
}

/// One send as an enclave asks for it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Send {
    pub slot: u8,
    /// `send_kind`: [`KIND_DATA`], [`KIND_GRANT`], [`KIND_DROP`] (3 is refused).
    pub kind: u8,
    pub words: Vec<u32>,
    pub give: u8,
    pub mask: u8,
}

impl Send {
    pub fn data(slot: u8, words: &[u32]) -> Send {
        Send {
            slot,
            kind: KIND_DATA,
            words: words.to_vec(),
            give: 0,
            mask: 0,
        }
    }
    pub fn grant(slot: u8, give: u8, mask: u8) -> Send {
        Send {
            slot,
            kind: KIND_GRANT,
            words: vec![],
            give,
            mask,
        }
    }
    /// Clear own slot `slot`.
    pub fn drop(slot: u8) -> Send {
        Send {
            slot,
            kind: KIND_DROP,
            words: vec![],
            give: 0,
            mask: 0,
        }
    }
}

/// A finished send: what, when it was taken, when its status came, and the code.
#[derive(Clone, Debug)]
pub struct Done {
    pub node: usize,
    pub send: Send,
    /// Cycle the send was queued by the test (for latency under load).
    pub queued: u64,
    pub taken: u64,
    pub status_at: u64,
    pub code: u8,
    /// `tx_next` pulses between the send being taken and its status.
    pub tx_pulses: usize,
}

/// A message drained from a mailbox.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Got {
    pub node: usize,
    pub badge: u16,
    pub grant: bool,
    pub slot: u8,
    pub words: Vec<u32>,
    /// Cycle `mb_valid` first showed this message at the head.
    pub seen: u64,
}

struct NodePorts {
    cfg_valid: InPort,
    cfg_slot: InPort,
    cfg_entry: InPort,
    cfg_ready: PortId,
    send_valid: InPort,
    send_ready: PortId,
    send_kind: InPort,
    send_slot: InPort,
    send_len: InPort,
    send_give: InPort,
    send_mask: InPort,
    tx_word: InPort,
    tx_next: PortId,
    status_valid: PortId,
    status_code: PortId,
    mb_valid: PortId,
    mb_badge: PortId,
    mb_grant: PortId,
    mb_len: PortId,
    mb_slot: PortId,
    mb_sel: InPort,
    mb_word: PortId,
    mb_pop: InPort,
}

/// What one node's agent is doing.
#[derive(Default)]
struct Agent {
    cfg: VecDeque<(u8, u32)>,
    sends: VecDeque<(u64, Send)>,
    /// The send being offered or awaiting its status: (queued, taken cycle, send).
    current: Option<(u64, Option<u64>, Send)>,
    /// `tx_next` pulses since the current send was taken: the payload word shown on `tx_word`.
    tx_i: usize,
    /// Mailbox drain: the head's word index being read, and its words so far.
    drain_phase: Option<(usize, Got)>,
    head_seen: Option<u64>,
}

/// The network on Verilator with an agent per node.
pub struct Network {
    pub model: Model,
    ports: Vec<NodePorts>,
    dropped: PortId,
    agents: Vec<Agent>,
    pub nodes: usize,
    pub width: usize,
    pub cycle: u64,
    /// Probability (per cycle) that a node drains its mailbox head; 0 never drains.
    pub drain: Vec<f64>,
    /// Nodes that read only word 0 of each message (fast drain for benchmarks).
    pub fast_drain: bool,
    pub done: Vec<Done>,
    pub got: Vec<Got>,
    pub dropped_flits: u64,
    rng: u64,
}

impl Network {
    /// `name` is `network2x2` or `network4x4`.
    pub fn new(design: &Design, name: &str) -> Result<Network, ModelError> {
        let (nodes, width) = if name == "network4x4" {
            (16, 4)
        } else {
            (4, 2)
        };
        let mut model = design.instantiate()?;
        let mut ports = vec![];
        for i in 0..nodes {
            let inp = |m: &Model, n: &str| m.input(&format!("{n}${i}"));
            let out = |m: &Model, n: &str| m.output(&format!("{n}${i}"));
            let m = &model;
            ports.push(NodePorts {
                cfg_valid: inp(m, "cfg_valid")?,
                cfg_slot: inp(m, "cfg_slot")?,
                cfg_entry: inp(m, "cfg_entry")?,
                cfg_ready: out(m, "cfg_ready")?,
                send_valid: inp(m, "send_valid")?,
                send_ready: out(m, "send_ready")?,
                send_kind: inp(m, "send_kind")?,
                send_slot: inp(m, "send_slot")?,
                send_len: inp(m, "send_len")?,
                send_give: inp(m, "send_give")?,
                send_mask: inp(m, "send_mask")?,
                tx_word: inp(m, "tx_word")?,
                tx_next: out(m, "tx_next")?,
                status_valid: out(m, "status_valid")?,
                status_code: out(m, "status_code")?,
                mb_valid: out(m, "mb_valid")?,
                mb_badge: out(m, "mb_badge")?,
                mb_grant: out(m, "mb_grant")?,
                mb_len: out(m, "mb_len")?,
                mb_slot: out(m, "mb_slot")?,
                mb_sel: inp(m, "mb_sel")?,
                mb_word: out(m, "mb_word")?,
                mb_pop: inp(m, "mb_pop")?,
            });
        }
        let dropped = model.output("dropped")?;
        let reset = model.input("reset")?;
        model.set(reset, 1);
        model.tick();
        model.set(reset, 0);
        model.eval();
        Ok(Network {
            model,
            ports,
            dropped,
            agents: (0..nodes).map(|_| Agent::default()).collect(),
            nodes,
            width,
            cycle: 0,
            drain: vec![1.0; nodes],
            fast_drain: false,
            done: vec![],
            got: vec![],
            dropped_flits: 0,
            rng: 0x9e37_79b9_7f4a_7c15,
        })
    }

    /// Node index of (x, y) and back.
    pub fn index(&self, x: u8, y: u8) -> usize {
        y as usize * self.width + x as usize
    }
    pub fn coords(&self, i: usize) -> (u8, u8) {
        ((i % self.width) as u8, (i / self.width) as u8)
    }

    fn chance(&mut self, p: f64) -> bool {
        if p >= 1.0 {
            return true;
        }
        // xorshift64*
        self.rng ^= self.rng >> 12;
        self.rng ^= self.rng << 25;
        self.rng ^= self.rng >> 27;
        let v = self.rng.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 11;
        (v as f64 / (1u64 << 53) as f64) < p
    }

    /// Queue a config write at node `k`.
    pub fn cfg(&mut self, k: usize, slot: u8, e: u32) {
        self.agents[k].cfg.push_back((slot, e));
    }

    /// Queue a send at node `k` (stamped with the current cycle).
    pub fn send(&mut self, k: usize, s: Send) {
        let c = self.cycle;
        self.agents[k].sends.push_back((c, s));
    }

    /// Nothing queued, offered or outstanding at any node (mailboxes may hold messages).
    pub fn quiet(&self) -> bool {
        self.agents
            .iter()
            .all(|a| a.cfg.is_empty() && a.sends.is_empty() && a.current.is_none())
    }

    /// Sends not yet finished at node k.
    pub fn backlog(&self, k: usize) -> usize {
        self.agents[k].sends.len() + self.agents[k].current.is_some() as usize
    }

    /// One clock cycle.
    pub fn step(&mut self) {
        let c = self.cycle;
        for k in 0..self.nodes {
            let p = &self.ports[k];
            let a = &mut self.agents[k];
            // Config.
            let cfg = a.cfg.front().copied();
            self.model.set(p.cfg_valid, cfg.is_some() as u64);
            if let Some((slot, e)) = cfg {
                self.model.set(p.cfg_slot, slot as u64);
                self.model.set(p.cfg_entry, e as u64);
            }
            // Send: offer the next one once the previous has its status.
            if a.current.is_none() && a.cfg.is_empty() {
                if let Some((q, s)) = a.sends.pop_front() {
                    a.current = Some((q, None, s));
                    a.tx_i = 0;
                }
            }
            let offer = matches!(a.current, Some((_, None, _)));
            self.model.set(p.send_valid, offer as u64);
            if let Some((_, None, s)) = &a.current {
                self.model.set(p.send_kind, s.kind as u64);
                self.model.set(p.send_slot, s.slot as u64);
                self.model.set(p.send_len, s.words.len() as u64);
                self.model.set(p.send_give, s.give as u64);
                self.model.set(p.send_mask, s.mask as u64);
            }
            // The payload word the enclave shows: word i after i `tx_next` pulses.
            let w = match &a.current {
                Some((_, _, s)) => s.words.get(a.tx_i).copied().unwrap_or(0),
                None => 0,
            };
            self.model.set(p.tx_word, w as u64);
        }
        // Mailbox drains (decided before sampling, with the outputs of this cycle).
        for k in 0..self.nodes {
            let drain_now = self.drain[k] > 0.0 && self.chance(self.drain[k]);
            let p = &self.ports[k];
            let valid = self.model.get(p.mb_valid) != 0;
            let a = &mut self.agents[k];
            let mut pop = false;
            let mut sel = 0u64;
            if valid && a.head_seen.is_none() {
                a.head_seen = Some(c);
            }
            match a.drain_phase.take() {
                None if valid && drain_now => {
                    let len = self.model.get(p.mb_len) as usize;
                    let g = Got {
                        node: k,
                        badge: self.model.get(p.mb_badge) as u16,
                        grant: self.model.get(p.mb_grant) != 0,
                        slot: self.model.get(p.mb_slot) as u8,
                        words: vec![],
                        seen: a.head_seen.unwrap(),
                    };
                    let len = if self.fast_drain { len.min(1) } else { len };
                    if len == 0 {
                        pop = true;
                        self.got.push(g);
                        a.head_seen = None;
                    } else {
                        sel = 0;
                        a.drain_phase = Some((len, g));
                    }
                }
                None => {}
                Some((len, mut g)) => {
                    // mb_word is the word selected in the previous cycle.
                    g.words.push(self.model.get(p.mb_word) as u32);
                    if g.words.len() == len {
                        pop = true;
                        self.got.push(g);
                        a.head_seen = None;
                    } else {
                        sel = g.words.len() as u64;
                        a.drain_phase = Some((len, g));
                    }
                }
            }
            self.model.set(p.mb_pop, pop as u64);
            self.model.set(p.mb_sel, sel);
        }
        self.model.eval();
        // Sample handshakes and status.
        for k in 0..self.nodes {
            let p = &self.ports[k];
            let a = &mut self.agents[k];
            if !a.cfg.is_empty() && self.model.get(p.cfg_ready) != 0 {
                a.cfg.pop_front();
            }
            if self.model.get(p.tx_next) != 0 {
                assert!(
                    matches!(a.current, Some((_, Some(t), _)) if t < c),
                    "cycle {c}: node {k} tx_next without a send outstanding"
                );
                a.tx_i += 1;
            }
            if let Some((_, taken @ None, _)) = &mut a.current {
                if self.model.get(p.send_ready) != 0 {
                    *taken = Some(c);
                }
            }
            if self.model.get(p.status_valid) != 0 {
                let code = self.model.get(p.status_code) as u8;
                match a.current.take() {
                    Some((queued, Some(taken), send)) if taken < c => self.done.push(Done {
                        node: k,
                        send,
                        queued,
                        taken,
                        status_at: c,
                        code,
                        tx_pulses: a.tx_i,
                    }),
                    other => panic!(
                        "cycle {c}: node {k} status {code} without a send outstanding ({other:?})"
                    ),
                }
            }
        }
        self.dropped_flits += (self.model.get(self.dropped) != 0) as u64;
        self.model.tick();
        self.cycle += 1;
    }

    /// Step until every queued send has finished (or `limit` cycles); true if quiet.
    pub fn run_until_quiet(&mut self, limit: u64) -> bool {
        for _ in 0..limit {
            if self.quiet() {
                return true;
            }
            self.step();
        }
        self.quiet()
    }

    /// Step `n` cycles.
    pub fn run(&mut self, n: u64) {
        for _ in 0..n {
            self.step();
        }
    }
}

/// The reference model of the capability semantics: per node a c-list of 16 slots. The
/// cluster's nodes are those of the `width` x `nodes / width` mesh; an entry pointing at
/// other coordinates is refused.
#[derive(Clone, Debug)]
pub struct RefNet {
    /// `clist[node][slot]`: the entry (as `cfg_entry`, valid bit included), 0 when empty.
    pub clist: Vec<[u32; SLOTS]>,
    pub width: usize,
}

/// What the model predicts for a send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    Refused,
    /// A drop of a valid slot: status delivered, the slot is empty afterwards.
    Dropped,
    /// Delivered to `node` with `badge` (or rejected there when its mailbox or c-list is full).
    /// For a grant, `entry` is the attenuated capability the receiver installs.
    To {
        node: usize,
        badge: u16,
        entry: Option<u32>,
    },
}

impl RefNet {
    pub fn new(nodes: usize, width: usize) -> RefNet {
        RefNet {
            clist: vec![[0; SLOTS]; nodes],
            width,
        }
    }

    pub fn cfg(&mut self, k: usize, slot: u8, e: u32) {
        self.clist[k][slot as usize] = if e & castle_noc::ni::ENTRY_VALID != 0 {
            e & 0x1ff_ffff
        } else {
            0
        };
    }

    /// The outcome the capability rules allow for `s` sent by node `k` (the c-list as it is;
    /// [`RefNet::take`] also applies a drop).
    pub fn expect(&self, k: usize, s: &Send) -> Expect {
        let e = self.clist[k][s.slot as usize];
        let valid = e & castle_noc::ni::ENTRY_VALID != 0;
        let grant = match s.kind {
            KIND_DATA => false,
            KIND_GRANT => true,
            KIND_DROP if valid => return Expect::Dropped,
            _ => return Expect::Refused,
        };
        let right = if grant {
            castle_noc::ni::ENTRY_GRANT
        } else {
            castle_noc::ni::ENTRY_SEND
        };
        let (x, y) = (((e >> 16) & 3) as usize, ((e >> 18) & 3) as usize);
        let in_mesh = x < self.width && y < self.clist.len() / self.width;
        if !valid || e & right == 0 || (!grant && s.words.len() > 4) || !in_mesh {
            return Expect::Refused;
        }
        let node = y * self.width + x;
        let badge = e as u16;
        if grant {
            let g = self.clist[k][s.give as usize];
            if g & castle_noc::ni::ENTRY_VALID == 0 {
                return Expect::Refused;
            }
            // Attenuation: rights ANDed with the mask, reserved rights dropped.
            let rights = (g >> 20) & 3 & s.mask as u32;
            return Expect::To {
                node,
                badge,
                entry: Some(castle_noc::ni::ENTRY_VALID | (g & 0xf_ffff) | rights << 20),
            };
        }
        Expect::To {
            node,
            badge,
            entry: None,
        }
    }

    /// [`RefNet::expect`], and a drop of a valid slot empties it.
    pub fn take(&mut self, k: usize, s: &Send) -> Expect {
        let e = self.expect(k, s);
        if e == Expect::Dropped {
            self.clist[k][s.slot as usize] = 0;
        }
        e
    }

    /// Install a delivered grant at `node`; returns the slot (lowest free), or None when full.
    pub fn install(&mut self, node: usize, e: u32) -> Option<u8> {
        let slot = self.clist[node].iter().position(|&x| x == 0)?;
        self.clist[node][slot] = e;
        Some(slot as u8)
    }
}
