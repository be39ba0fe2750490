//! Message-level software model of a whole cluster: enclaves running [`Instance`]s, their
//! c-lists, mailboxes and the devices (consoles, LEDs), with the capability calls of
//! docs/abi.md served in a fixed, deterministic order.
//!
//! It is the reference the Verilated cluster is checked against: both must give each enclave
//! the same console output, result or trap, and message counts. The model has no clock: a
//! message is in the receiver's mailbox as soon as it is sent, and the enclaves take turns
//! (round robin in node order, each running until it waits in `recv`, halts, or has executed
//! [`QUANTUM`] instructions). Programs whose outcome depends on timing (which sends find a
//! mailbox full, what `try_recv` finds) can differ between the two; the examples are written
//! so that they do not.
use super::{Error, Event, Instance, Run, Trap, TrapCause};
use crate::image::{Image, ImportKind, Profile};
use std::collections::{BTreeMap, VecDeque};

/// Slots of a c-list.
pub const SLOTS: usize = 16;
/// Most words in a message.
pub const MAX_WORDS: usize = 4;
/// Messages a mailbox holds.
pub const MAILBOX: usize = 4;
/// Bytes `recv` and `try_recv` may write at `ptr`.
pub const RECV_BYTES: u32 = 4 * MAX_WORDS as u32;

/// Status: the message is in the receiver's mailbox (a grant: in its c-list).
pub const DELIVERED: i32 = 0;
/// Status: the receiver's mailbox (or, for a grant, its c-list) was full.
pub const REJECTED: i32 = -1;
/// Status: nothing left the enclave (bad argument, empty slot, missing right).
pub const REFUSED: i32 = -2;
/// `try_recv`: the mailbox is empty.
pub const EMPTY: i32 = -1;

/// Instructions an enclave runs before the next one gets its turn.
pub const QUANTUM: u64 = 1000;

/// A capability in a c-list slot: where it leads, its rights and the badge the receiver sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cap {
    /// Destination node.
    pub node: usize,
    /// May send data messages.
    pub send: bool,
    /// May send grants.
    pub grant: bool,
    /// Badge stamped on every message sent through it.
    pub badge: u16,
}

impl Cap {
    /// The rights as the ABI's mask: bit 0 send, bit 1 grant.
    pub fn rights(&self) -> u8 {
        u8::from(self.send) | u8::from(self.grant) << 1
    }
}

/// What a node of the cluster is.
#[derive(Debug, Clone)]
pub enum NodeSpec {
    /// An enclave: its image, the export it runs, and its c-list (slot i = `clist[i]`).
    Enclave {
        image: Box<Image>,
        entry: String,
        clist: Vec<Cap>,
    },
    /// A console device: takes every message, prints its bytes.
    Console,
    /// An LED device: takes every message; a data message with at least one word sets the
    /// LEDs to bits `[7:0]` of its first word (1 = lit).
    Led,
    /// The host gateway: takes every message as a console does (for the host), and sends the
    /// host's messages ([`Cluster::host_send`]) through its own c-list.
    Uart { clist: Vec<Cap> },
}

/// Messages an enclave's capability calls produced, as `castle sim` reports them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// `send` and `grant` calls that returned a status.
    pub sent: u64,
    /// ... delivered.
    pub delivered: u64,
    /// ... rejected (mailbox or c-list full).
    pub rejected: u64,
    /// ... refused.
    pub refused: u64,
    /// Messages `recv` or `try_recv` took from the mailbox.
    pub received: u64,
}

/// Where an enclave's run stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The entry function returned (its result, if it has one).
    Returned(Option<i32>),
    /// It trapped.
    Trapped(Trap),
    /// It waits in `recv` for a message that nobody will send.
    Waiting,
    /// It was still running when its budget ended.
    Running,
}

/// One enclave's report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnclaveReport {
    pub node: usize,
    pub outcome: Outcome,
    pub counts: Counts,
    pub instructions: u64,
}

#[derive(Debug, Clone)]
struct Message {
    badge: u16,
    words: Vec<u32>,
    /// A grant, and the slot it was installed in.
    grant_slot: Option<u8>,
}

impl Message {
    /// The header `recv` returns (docs/abi.md).
    fn header(&self) -> i32 {
        let (grant, slot) = self.grant_slot.map_or((0, 0), |s| (1, i32::from(s)));
        i32::from(self.badge) | (self.words.len() as i32) << 16 | grant << 19 | slot << 20
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// The module's start function; the entry runs after it.
    Start,
    Entry,
}

#[derive(Debug)]
enum Phase {
    /// A run in progress; `Some(ptr)`: stopped in a `recv` with buffer `ptr`.
    Active {
        run: Run,
        stage: Stage,
        waiting: Option<u32>,
    },
    Done(Outcome),
}

#[derive(Debug)]
struct Enclave {
    instance: Instance,
    entry: String,
    phase: Phase,
    clist: [Option<Cap>; SLOTS],
    mailbox: VecDeque<Message>,
    counts: Counts,
}

#[derive(Debug)]
enum Node {
    Enclave(Box<Enclave>),
    Console,
    Led,
    Uart(Box<[Option<Cap>; SLOTS]>),
    /// An enclave taken out while it has its turn.
    Away,
}

/// Console output: complete lines per badge in the order they were printed, and the text of
/// every badge's unfinished line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConsoleOutput {
    /// (badge, line) in the order the lines were completed.
    pub lines: Vec<(u16, String)>,
    partial: BTreeMap<u16, Vec<u8>>,
}

impl ConsoleOutput {
    /// Appends the bytes of one message sent with `badge` (its words little-endian, up to the
    /// first zero byte); a newline ends a line.
    pub fn take(&mut self, badge: u16, words: &[u32]) {
        let bytes = words.iter().flat_map(|w| w.to_le_bytes());
        for b in bytes.take_while(|&b| b != 0) {
            if b == b'\n' {
                let line = self.partial.remove(&badge).unwrap_or_default();
                self.lines
                    .push((badge, String::from_utf8_lossy(&line).into_owned()));
            } else {
                self.partial.entry(badge).or_default().push(b);
            }
        }
    }

    /// Lines per badge, unfinished ones last: what two runs must agree on (the order across
    /// badges depends on timing).
    pub fn by_badge(&self) -> BTreeMap<u16, Vec<String>> {
        let mut out: BTreeMap<u16, Vec<String>> = BTreeMap::new();
        for (b, l) in &self.lines {
            out.entry(*b).or_default().push(l.clone());
        }
        for (b, l) in &self.partial {
            out.entry(*b)
                .or_default()
                .push(String::from_utf8_lossy(l).into_owned());
        }
        out
    }

    /// Unfinished lines: (badge, text), for printing at the end of a run.
    pub fn unfinished(&self) -> Vec<(u16, String)> {
        self.partial
            .iter()
            .filter(|(_, l)| !l.is_empty())
            .map(|(b, l)| (*b, String::from_utf8_lossy(l).into_owned()))
            .collect()
    }
}

/// What the LED devices were set to: (device node, badge of the sender, value) in the order
/// the messages arrived.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedOutput {
    pub writes: Vec<(usize, u16, u8)>,
}

impl LedOutput {
    /// Takes one message for LED node `node` sent with `badge` (a grant has no words).
    pub fn take(&mut self, node: usize, badge: u16, words: &[u32]) {
        if let Some(w) = words.first() {
            self.writes.push((node, badge, *w as u8));
        }
    }

    /// Values per (device node, badge) in order: what two runs must agree on (the order across
    /// senders depends on timing).
    pub fn by_writer(&self) -> BTreeMap<(usize, u16), Vec<u8>> {
        let mut out: BTreeMap<(usize, u16), Vec<u8>> = BTreeMap::new();
        for &(node, badge, v) in &self.writes {
            out.entry((node, badge)).or_default().push(v);
        }
        out
    }

    /// What LED node `node` shows now (0, dark, before any write).
    pub fn now(&self, node: usize) -> u8 {
        self.writes
            .iter()
            .rev()
            .find(|w| w.0 == node)
            .map_or(0, |w| w.2)
    }
}

/// Why a cluster could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("node {node}: {source}")]
    Instance { node: usize, source: Error },
    #[error("node {node}: c-list slot {slot} leads to node {to}, which does not exist")]
    NoSuchNode { node: usize, slot: usize, to: usize },
    #[error("node {node}: {len} capabilities, a c-list has {SLOTS} slots")]
    ClistFull { node: usize, len: usize },
}

/// The cluster model; see the module documentation.
#[derive(Debug)]
pub struct Cluster {
    nodes: Vec<Node>,
    console: ConsoleOutput,
    leds: LedOutput,
}

impl Cluster {
    /// Instantiates every enclave on `profile` and starts it: its start function first (if
    /// any), then `entry`, each with `fuel` instructions.
    pub fn new(
        specs: Vec<NodeSpec>,
        profile: &Profile,
        fuel: u64,
    ) -> Result<Cluster, ClusterError> {
        let n = specs.len();
        let mut nodes = Vec::with_capacity(n);
        for (node, spec) in specs.into_iter().enumerate() {
            nodes.push(match spec {
                NodeSpec::Console => Node::Console,
                NodeSpec::Led => Node::Led,
                NodeSpec::Uart { clist: caps } => {
                    Node::Uart(Box::new(Self::clist(node, n, &caps)?))
                }
                NodeSpec::Enclave {
                    image,
                    entry,
                    clist: caps,
                } => {
                    let mut image = *image;
                    let clist = Self::clist(node, n, &caps)?;
                    let start = image.start.take();
                    let wrap = |source| ClusterError::Instance { node, source };
                    let mut instance = Instance::new(&image, profile).map_err(wrap)?;
                    let (run, stage) = match start {
                        Some(f) => (instance.start_index(f, &[], fuel), Stage::Start),
                        None => (instance.start(&entry, &[], fuel), Stage::Entry),
                    };
                    let phase = Phase::Active {
                        run: run.map_err(wrap)?,
                        stage,
                        waiting: None,
                    };
                    Node::Enclave(Box::new(Enclave {
                        instance,
                        entry,
                        phase,
                        clist,
                        mailbox: VecDeque::new(),
                        counts: Counts::default(),
                    }))
                }
            });
        }
        Ok(Cluster {
            nodes,
            console: ConsoleOutput::default(),
            leds: LedOutput::default(),
        })
    }

    /// The c-list of node `node` of `n`, slot i = `caps[i]`.
    fn clist(node: usize, n: usize, caps: &[Cap]) -> Result<[Option<Cap>; SLOTS], ClusterError> {
        if caps.len() > SLOTS {
            return Err(ClusterError::ClistFull {
                node,
                len: caps.len(),
            });
        }
        let mut clist = [None; SLOTS];
        for (slot, cap) in caps.iter().enumerate() {
            if cap.node >= n {
                return Err(ClusterError::NoSuchNode {
                    node,
                    slot,
                    to: cap.node,
                });
            }
            clist[slot] = Some(*cap);
        }
        Ok(clist)
    }

    /// The host sends `words` through slot `slot` of the gateway node `gateway`'s c-list, as a
    /// UART frame does on a board: the status an enclave's `send` would get (docs/abi.md).
    /// Not a gateway, an empty slot, no send right or more than [`MAX_WORDS`] words: refused.
    pub fn host_send(&mut self, gateway: usize, slot: usize, words: &[u32]) -> i32 {
        let cap = match self.nodes.get(gateway) {
            Some(Node::Uart(clist)) => clist.get(slot).copied().flatten(),
            _ => None,
        };
        match cap {
            Some(c) if c.send && words.len() <= MAX_WORDS => {
                let m = Message {
                    badge: c.badge,
                    words: words.to_vec(),
                    grant_slot: None,
                };
                self.post_to(c.node, m, None)
            }
            _ => REFUSED,
        }
    }

    /// Runs until no enclave can make progress: each has returned, trapped, used up its
    /// fuel, or waits in `recv` with an empty mailbox.
    pub fn run(&mut self) {
        loop {
            let mut progressed = false;
            for k in 0..self.nodes.len() {
                progressed |= self.turn(k);
            }
            if !progressed {
                break;
            }
        }
    }

    /// Enclave `k`'s turn: true if it did anything.
    fn turn(&mut self, k: usize) -> bool {
        if !matches!(self.nodes[k], Node::Enclave(_)) {
            return false;
        }
        let Node::Enclave(mut e) = std::mem::replace(&mut self.nodes[k], Node::Away) else {
            unreachable!("checked above")
        };
        let progressed = self.turn_of(k, &mut e);
        self.nodes[k] = Node::Enclave(e);
        progressed
    }

    fn turn_of(&mut self, k: usize, e: &mut Enclave) -> bool {
        if let Phase::Done(_) = e.phase {
            return false;
        }
        let Phase::Active {
            mut run,
            stage,
            waiting,
        } = std::mem::replace(&mut e.phase, Phase::Done(Outcome::Running))
        else {
            return false;
        };
        let active = |run, waiting| Phase::Active {
            run,
            stage,
            waiting,
        };
        if let Some(ptr) = waiting {
            let Some(m) = e.mailbox.pop_front() else {
                e.phase = active(run, waiting);
                return false;
            };
            let header = deliver(e, ptr, &m);
            e.instance.complete_import(&mut run, header);
        }
        let mut budget = QUANTUM;
        while budget > 0 {
            let before = e.instance.counters().instructions;
            let event = e.instance.resume(&mut run, budget);
            budget -= (e.instance.counters().instructions - before).min(budget);
            match event {
                Event::Paused => break,
                Event::Returned(results) if stage == Stage::Start => {
                    let fuel = run.fuel();
                    e.phase = match e.instance.start(&e.entry.clone(), &[], fuel) {
                        Ok(run) => Phase::Active {
                            run,
                            stage: Stage::Entry,
                            waiting: None,
                        },
                        Err(_) => Phase::Done(Outcome::Returned(results.first().copied())),
                    };
                    return true;
                }
                Event::Returned(results) => {
                    e.phase = Phase::Done(Outcome::Returned(results.first().copied()));
                    return true;
                }
                Event::Trapped(trap) => {
                    e.phase = Phase::Done(match trap.cause {
                        TrapCause::FuelExhausted => Outcome::Running,
                        _ => Outcome::Trapped(trap),
                    });
                    return true;
                }
                Event::Import { kind, args, pc } => match self.call(k, e, kind, &args, pc) {
                    Call::Done(result) => e.instance.complete_import(&mut run, result),
                    Call::Wait(ptr) => {
                        e.phase = active(run, Some(ptr));
                        return true;
                    }
                    Call::Trap(trap) => {
                        e.phase = Phase::Done(Outcome::Trapped(trap));
                        return true;
                    }
                },
            }
        }
        e.phase = active(run, None);
        true
    }

    /// Serves capability call `kind` of enclave `k` (docs/abi.md).
    fn call(&mut self, k: usize, e: &mut Enclave, kind: ImportKind, args: &[i32], pc: u32) -> Call {
        let oob = Call::Trap(Trap {
            cause: TrapCause::MemOutOfBounds,
            pc,
        });
        let arg = |i: usize| args.get(i).copied().unwrap_or(0) as u32;
        let slot = |v: u32| (v < SLOTS as u32).then_some(v as usize);
        match kind {
            ImportKind::Send => {
                let (cap, ptr, len) = (slot(arg(0)), arg(1), arg(2));
                let (Some(cap), true) = (cap, len as usize <= MAX_WORDS) else {
                    return status(e, REFUSED);
                };
                if len > 0 && !e.instance.range_ok(ptr, 4 * len) {
                    return oob;
                }
                let words = e.instance.read_words(ptr, len as usize);
                match e.clist[cap] {
                    Some(c) if c.send => {
                        let m = Message {
                            badge: c.badge,
                            words,
                            grant_slot: None,
                        };
                        let code = self.post(k, e, c.node, m, None);
                        status(e, code)
                    }
                    _ => status(e, REFUSED),
                }
            }
            ImportKind::Grant => {
                let (cap, give, rights) = (slot(arg(0)), slot(arg(1)), arg(2));
                let (Some(cap), Some(give), true) = (cap, give, rights <= 3) else {
                    return status(e, REFUSED);
                };
                match (e.clist[cap], e.clist[give]) {
                    (Some(c), Some(g)) if c.grant => {
                        let copy = Cap {
                            send: g.send && rights & 1 != 0,
                            grant: g.grant && rights & 2 != 0,
                            ..g
                        };
                        let m = Message {
                            badge: c.badge,
                            words: vec![],
                            grant_slot: Some(0),
                        };
                        let code = self.post(k, e, c.node, m, Some(copy));
                        status(e, code)
                    }
                    _ => status(e, REFUSED),
                }
            }
            ImportKind::Drop => Call::Done(match slot(arg(0)).map(|s| e.clist[s].take()) {
                Some(Some(_)) => DELIVERED,
                _ => REFUSED,
            }),
            ImportKind::Recv | ImportKind::TryRecv => {
                let ptr = arg(0);
                if !e.instance.range_ok(ptr, RECV_BYTES) {
                    return oob;
                }
                match e.mailbox.pop_front() {
                    Some(m) => Call::Done(deliver(e, ptr, &m)),
                    None if kind == ImportKind::TryRecv => Call::Done(EMPTY),
                    None => Call::Wait(ptr),
                }
            }
        }
    }

    /// Puts a message (and for a grant the capability) into node `to`; `e` is the sender,
    /// node `k`, which may send to itself.
    fn post(
        &mut self,
        k: usize,
        e: &mut Enclave,
        to: usize,
        m: Message,
        grant: Option<Cap>,
    ) -> i32 {
        if to == k {
            return enqueue(e, m, grant);
        }
        self.post_to(to, m, grant)
    }

    /// Puts a message into node `to`, which is not the sender.
    fn post_to(&mut self, to: usize, m: Message, grant: Option<Cap>) -> i32 {
        match self.nodes.get_mut(to) {
            Some(Node::Enclave(t)) => enqueue(t, m, grant),
            Some(Node::Console | Node::Uart(_)) => {
                if grant.is_none() {
                    self.console.take(m.badge, &m.words);
                }
                DELIVERED
            }
            Some(Node::Led) => {
                if grant.is_none() {
                    self.leds.take(to, m.badge, &m.words);
                }
                DELIVERED
            }
            None | Some(Node::Away) => REFUSED,
        }
    }

    /// Every enclave's report, in node order.
    pub fn reports(&self) -> Vec<EnclaveReport> {
        self.nodes
            .iter()
            .enumerate()
            .filter_map(|(node, n)| match n {
                Node::Console | Node::Led | Node::Uart(_) | Node::Away => None,
                Node::Enclave(e) => Some(EnclaveReport {
                    node,
                    outcome: match &e.phase {
                        Phase::Done(o) => o.clone(),
                        Phase::Active {
                            waiting: Some(_), ..
                        } => Outcome::Waiting,
                        Phase::Active { .. } => Outcome::Running,
                    },
                    counts: e.counts,
                    instructions: e.instance.counters().instructions,
                }),
            })
            .collect()
    }

    /// What the console devices printed.
    pub fn console(&self) -> &ConsoleOutput {
        &self.console
    }

    /// What the LED devices were set to.
    pub fn leds(&self) -> &LedOutput {
        &self.leds
    }

    /// The instance of enclave node `node` (memory, globals, counters).
    pub fn instance(&self, node: usize) -> Option<&Instance> {
        match self.nodes.get(node) {
            Some(Node::Enclave(e)) => Some(&e.instance),
            _ => None,
        }
    }
}

/// Counts the status of a send or grant of `e` and returns it.
fn status(e: &mut Enclave, code: i32) -> Call {
    e.counts.sent += 1;
    match code {
        DELIVERED => e.counts.delivered += 1,
        REJECTED => e.counts.rejected += 1,
        _ => e.counts.refused += 1,
    }
    Call::Done(code)
}

enum Call {
    Done(i32),
    Wait(u32),
    Trap(Trap),
}

/// Writes message `m` at `ptr` of enclave `e` (checked by the caller) and counts it.
/// Puts message `m` (and for a grant the capability) into enclave `target`'s mailbox.
fn enqueue(target: &mut Enclave, mut m: Message, grant: Option<Cap>) -> i32 {
    if target.mailbox.len() >= MAILBOX {
        return REJECTED;
    }
    if let Some(cap) = grant {
        let Some(free) = target.clist.iter().position(Option::is_none) else {
            return REJECTED;
        };
        target.clist[free] = Some(cap);
        m.grant_slot = Some(free as u8);
    }
    target.mailbox.push_back(m);
    DELIVERED
}

fn deliver(e: &mut Enclave, ptr: u32, m: &Message) -> i32 {
    e.instance.write_words(ptr, &m.words);
    e.counts.received += 1;
    m.header()
}
