//! A cluster on Verilator (`castle_rtl::cluster::Cluster` of `SimNodeEnclave`s or
//! `NodeCompact`s, [`CoreKind`]): loads every image and c-list through the privileged loader
//! port, starts the enclaves, runs until the cluster is quiet or a cycle budget ends, drains
//! the devices (consoles, LEDs), and reports each enclave as the software model
//! ([`castle_enclave::model::cluster`]) does, so the two can be compared.
use crate::verilator::{BuildError, BuildOptions, Design, InPort, Model, ModelError, PortId};
use castle_enclave::compact::{load as compact_load, NODE_SIZES};
use castle_enclave::core::enclave::LoadTarget;
use castle_enclave::core::load::pack;
use castle_enclave::image::{FuncKind, Image, Profile};
use castle_enclave::model::cluster::{
    ConsoleOutput, Counts, EnclaveReport, LedOutput, NodeSpec, Outcome,
};
use castle_enclave::model::{Trap, TrapCause};
pub use castle_rtl::cluster::CoreKind;
use castle_rtl::cluster::{
    NodeKind, PEEK_STATS, STAT_DELIVERED, STAT_RECEIVED, STAT_REFUSED, STAT_REJECTED,
};
use std::path::Path;

/// The enclave of a simulated cluster and its profile.
pub const PROFILE: Profile = Profile::SIM_NODE;
/// Functions the cluster's core holds (`FN_A` = 8).
pub const MAX_FUNCS: usize = 1 << 8;
/// Cycles between two looks at the cluster's status.
const BATCH: u64 = 64;

pub use castle_rtl::cluster::SimCluster;

/// The Verilog of a `columns x rows` cluster with these node kinds and `core` cores (modules
/// merged).
pub fn verilog(
    columns: usize,
    rows: usize,
    kinds: &[NodeKind],
    core: CoreKind,
) -> Result<String, ClusterError> {
    castle_rtl::cluster::sim_verilog(columns, rows, kinds, core)
        .map_err(|e| ClusterError::Build(e.to_string()))
}

/// Why a cluster could not be built, loaded or run.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("building the Verilated cluster: {0}")]
    Build(String),
    #[error("node {node}: {message}")]
    Load { node: usize, message: String },
    #[error("simulator: {0}")]
    Simulator(String),
}

impl From<BuildError> for ClusterError {
    fn from(e: BuildError) -> Self {
        ClusterError::Build(e.to_string())
    }
}

impl From<ModelError> for ClusterError {
    fn from(e: ModelError) -> Self {
        ClusterError::Simulator(e.to_string())
    }
}

/// The kinds of the nodes `specs` describe.
pub fn kinds(specs: &[NodeSpec]) -> Vec<NodeKind> {
    specs
        .iter()
        .map(|s| match s {
            NodeSpec::Enclave { .. } => NodeKind::Enclave,
            NodeSpec::Console | NodeSpec::Led | NodeSpec::Uart { .. } => NodeKind::Device,
        })
        .collect()
}

/// Builds (or takes from the cache) the Verilated cluster for these nodes on `core` cores.
pub fn design(
    columns: usize,
    rows: usize,
    specs: &[NodeSpec],
    core: CoreKind,
    opts: &BuildOptions,
) -> Result<Design, ClusterError> {
    let v = verilog(columns, rows, &kinds(specs), core)?;
    let name = match core {
        CoreKind::Fast => format!("cluster{columns}x{rows}"),
        CoreKind::Compact => format!("cluster{columns}x{rows}_compact"),
    };
    Ok(Design::build(&name, &v, opts)?)
}

struct Ports {
    reset: InPort,
    sel: InPort,
    ld_valid: InPort,
    ld_target: InPort,
    ld_addr: InPort,
    ld_data: InPort,
    cfg_valid: InPort,
    cfg_slot: InPort,
    cfg_entry: InPort,
    cfg_ready: PortId,
    start: InPort,
    start_func: InPort,
    start_sp: InPort,
    peek_target: InPort,
    peek_addr: InPort,
    peek_data: PortId,
    trap_cause: PortId,
    trap_pc: PortId,
    result: PortId,
    busy: PortId,
    waiting: PortId,
    trapped: PortId,
    dev_ready: PortId,
    dev_sel: InPort,
    dev_badge: PortId,
    dev_len: PortId,
    dev_grant: PortId,
    dev_mb_sel: InPort,
    dev_word: PortId,
    dev_pop: InPort,
    dropped: PortId,
}

impl Ports {
    fn new(m: &Model) -> Result<Ports, ModelError> {
        Ok(Ports {
            reset: m.input("reset")?,
            sel: m.input("sel")?,
            ld_valid: m.input("ld_valid")?,
            ld_target: m.input("ld_target")?,
            ld_addr: m.input("ld_addr")?,
            ld_data: m.input("ld_data")?,
            cfg_valid: m.input("cfg_valid")?,
            cfg_slot: m.input("cfg_slot")?,
            cfg_entry: m.input("cfg_entry")?,
            cfg_ready: m.output("cfg_ready")?,
            start: m.input("start")?,
            start_func: m.input("start_func")?,
            start_sp: m.input("start_sp")?,
            peek_target: m.input("peek_target")?,
            peek_addr: m.input("peek_addr")?,
            peek_data: m.output("peek_data")?,
            trap_cause: m.output("trap_cause")?,
            trap_pc: m.output("trap_pc")?,
            result: m.output("result")?,
            busy: m.output("busy")?,
            waiting: m.output("waiting")?,
            trapped: m.output("trapped")?,
            dev_ready: m.output("dev_ready")?,
            dev_sel: m.input("dev_sel")?,
            dev_badge: m.output("dev_badge")?,
            dev_len: m.output("dev_len")?,
            dev_grant: m.output("dev_grant")?,
            dev_mb_sel: m.input("dev_mb_sel")?,
            dev_word: m.output("dev_word")?,
            dev_pop: m.input("dev_pop")?,
            dropped: m.output("dropped")?,
        })
    }
}

/// Where an enclave is in its run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stage {
    /// Running its start function; the entry follows.
    Start,
    Entry,
    Done,
}

struct Enclave {
    node: usize,
    image: Image,
    entry: u32,
    stage: Stage,
    /// The stack pointer a run starts with (the compact core's value stack lies above the
    /// globals; the fast core's has its own memory).
    start_sp: u32,
}

/// A cluster on Verilator; see the module documentation.
pub struct VerilatedCluster {
    pub model: Model,
    ports: Ports,
    enclaves: Vec<Enclave>,
    /// Device nodes, each with whether it is an LED device (else a console).
    devices: Vec<(usize, bool)>,
    /// Clock cycles since the enclaves were started.
    pub cycle: u64,
    console: ConsoleOutput,
    leds: LedOutput,
    /// Console messages in the order they were drained: (cycle, badge, words).
    pub console_log: Vec<(u64, u16, Vec<u32>)>,
}

pub use castle_rtl::cluster::clist_entry;

impl VerilatedCluster {
    /// A fresh instance of `design` (a cluster of `core` cores) with `specs` loaded (images,
    /// c-lists), not started.
    pub fn new(
        design: &Design,
        columns: usize,
        specs: &[NodeSpec],
        core: CoreKind,
    ) -> Result<VerilatedCluster, ClusterError> {
        let model = design.instantiate()?;
        let ports = Ports::new(&model)?;
        let mut c = VerilatedCluster {
            model,
            ports,
            enclaves: vec![],
            devices: vec![],
            cycle: 0,
            console: ConsoleOutput::default(),
            leds: LedOutput::default(),
            console_log: vec![],
        };
        c.model.set(c.ports.reset, 1);
        c.model.tick();
        c.model.set(c.ports.reset, 0);
        // The NIs scrub their mailboxes after reset (16 cycles).
        c.model.ticks(20);
        for (node, spec) in specs.iter().enumerate() {
            match spec {
                NodeSpec::Console => c.devices.push((node, false)),
                NodeSpec::Led => c.devices.push((node, true)),
                NodeSpec::Uart { clist } => {
                    // Messages to the gateway are the host's console; its c-list is loaded so
                    // that the cluster is the board's, though nothing drives its send port here.
                    c.devices.push((node, false));
                    c.select(node);
                    c.load_clist(node, clist, specs.len(), columns)?;
                }
                NodeSpec::Enclave {
                    image,
                    entry,
                    clist,
                } => {
                    let load_error = |message: String| ClusterError::Load { node, message };
                    let entry_index = *image
                        .exports
                        .get(entry)
                        .ok_or_else(|| load_error(format!("no export named `{entry}`")))?;
                    let f = &image.functions[entry_index as usize];
                    if f.kind != FuncKind::Defined || f.params != 0 || f.results > 1 {
                        return Err(load_error(format!(
                            "`{entry}` must be a function without parameters"
                        )));
                    }
                    let (loads, start_sp) = match core {
                        CoreKind::Fast => pack(image, &PROFILE, MAX_FUNCS).map(|l| (l, 0)),
                        CoreKind::Compact => compact_load::pack(image, &PROFILE, &NODE_SIZES)
                            .map(|(l, layout)| (l, layout.vs_base)),
                    }
                    .map_err(|e| load_error(e.to_string()))?;
                    c.select(node);
                    for l in &loads {
                        c.load(l.target, l.addr, l.data);
                    }
                    // No instruction budget: the cycle budget of the run bounds it.
                    c.load(LoadTarget::Regs, 4, (1 << 48) - 1);
                    c.load_clist(node, clist, specs.len(), columns)?;
                    c.enclaves.push(Enclave {
                        node,
                        image: (**image).clone(),
                        entry: entry_index,
                        stage: Stage::Start,
                        start_sp,
                    });
                }
            }
        }
        Ok(c)
    }

    /// Writes `clist` into the selected node `node`'s c-list (a cluster of `nodes` nodes,
    /// `columns` wide).
    fn load_clist(
        &mut self,
        node: usize,
        clist: &[castle_enclave::model::cluster::Cap],
        nodes: usize,
        columns: usize,
    ) -> Result<(), ClusterError> {
        let load_error = |message: String| ClusterError::Load { node, message };
        if clist.len() > castle_noc::ni::SLOTS {
            return Err(load_error(format!("{} capabilities", clist.len())));
        }
        for (slot, cap) in clist.iter().enumerate() {
            if cap.node >= nodes {
                return Err(load_error(format!(
                    "slot {slot} leads to node {}, which does not exist",
                    cap.node
                )));
            }
            self.configure(slot as u8, clist_entry(cap, columns))?;
        }
        Ok(())
    }

    fn select(&mut self, node: usize) {
        self.model.set(self.ports.sel, node as u64);
    }

    fn load(&mut self, target: LoadTarget, addr: u32, data: u64) {
        let p = &self.ports;
        let (v, t, a, d) = (p.ld_valid, p.ld_target, p.ld_addr, p.ld_data);
        self.model.set(v, 1);
        self.model.set(t, target as u64);
        self.model.set(a, addr as u64);
        self.model.set(d, data);
        self.model.tick();
        self.model.set(v, 0);
    }

    fn configure(&mut self, slot: u8, entry: u32) -> Result<(), ClusterError> {
        let p = &self.ports;
        let (v, s, e, r) = (p.cfg_valid, p.cfg_slot, p.cfg_entry, p.cfg_ready);
        self.model.set(s, slot as u64);
        self.model.set(e, entry as u64);
        self.model.set(v, 1);
        self.model.eval();
        if self.model.get(r) == 0 {
            return Err(ClusterError::Simulator("c-list port not ready".into()));
        }
        self.model.tick();
        self.model.set(v, 0);
        Ok(())
    }

    fn peek(&mut self, target: u64, addr: u32) -> u32 {
        let p = &self.ports;
        let (t, a, d) = (p.peek_target, p.peek_addr, p.peek_data);
        self.model.set(t, target);
        self.model.set(a, addr as u64);
        self.model.tick();
        self.model.get(d) as u32
    }

    fn start_run(&mut self, k: usize) {
        let e = &self.enclaves[k];
        let func = match (e.stage, e.image.start) {
            (Stage::Start, Some(f)) => f,
            _ => e.entry,
        };
        let (node, start_sp) = (e.node, e.start_sp);
        self.select(node);
        let p = &self.ports;
        let (f, sp, st) = (p.start_func, p.start_sp, p.start);
        self.model.set(f, func as u64);
        self.model.set(sp, start_sp as u64);
        self.model.set(st, 1);
        self.model.tick();
        self.model.set(st, 0);
        self.cycle += 1;
    }

    /// Starts every enclave (in node order, one per cycle), then runs until every enclave has
    /// halted or waits in `recv` with an empty mailbox, or `cycles` have passed. `progress`
    /// is called now and then with the cycle count.
    pub fn run(&mut self, cycles: u64, progress: &mut dyn FnMut(u64)) {
        for k in 0..self.enclaves.len() {
            if self.enclaves[k].image.start.is_none() {
                self.enclaves[k].stage = Stage::Entry;
            }
            self.start_run(k);
        }
        let mut last_report = 0;
        while self.cycle < cycles {
            // Stop as soon as a device has a message: draining one takes no longer than its
            // flits took to arrive, so the device's mailbox never fills and never rejects.
            let n = BATCH.min(cycles - self.cycle);
            let dev_ready = self.ports.dev_ready;
            self.cycle += self.model.ticks_until(n, Some(dev_ready));
            self.drain_devices();
            let busy = self.model.get(self.ports.busy);
            let waiting = self.model.get(self.ports.waiting);
            let trapped = self.model.get(self.ports.trapped);
            for k in 0..self.enclaves.len() {
                let bit = 1u64 << self.enclaves[k].node;
                if self.enclaves[k].stage == Stage::Done || busy & bit != 0 {
                    continue;
                }
                if self.enclaves[k].stage == Stage::Start && trapped & bit == 0 {
                    self.enclaves[k].stage = Stage::Entry;
                    self.start_run(k);
                } else {
                    self.enclaves[k].stage = Stage::Done;
                }
            }
            let quiet = self.enclaves.iter().all(|e| {
                let bit = 1u64 << e.node;
                e.stage == Stage::Done || waiting & bit != 0
            });
            if quiet && self.model.get(self.ports.dev_ready) == 0 {
                break;
            }
            if self.cycle - last_report >= 1 << 16 {
                last_report = self.cycle;
                progress(self.cycle);
            }
        }
        self.drain_devices();
    }

    /// Takes every message waiting at a device.
    fn drain_devices(&mut self) {
        while self.model.get(self.ports.dev_ready) != 0 {
            for k in 0..self.devices.len() {
                let (node, led) = self.devices[k];
                if self.model.get(self.ports.dev_ready) & 1 << node == 0 {
                    continue;
                }
                let p = &self.ports;
                let (ds, len_p, badge_p, grant_p, msel, word, pop) = (
                    p.dev_sel,
                    p.dev_len,
                    p.dev_badge,
                    p.dev_grant,
                    p.dev_mb_sel,
                    p.dev_word,
                    p.dev_pop,
                );
                self.model.set(ds, node as u64);
                self.model.eval();
                let len = self.model.get(len_p) as usize;
                let badge = self.model.get(badge_p) as u16;
                let grant = self.model.get(grant_p) != 0;
                let mut words = Vec::with_capacity(len);
                for j in 0..len {
                    self.model.set(msel, j as u64);
                    self.model.tick();
                    self.cycle += 1;
                    words.push(self.model.get(word) as u32);
                }
                self.model.set(pop, 1);
                self.model.tick();
                self.cycle += 1;
                self.model.set(pop, 0);
                match (grant, led) {
                    (true, _) => {}
                    (false, true) => self.leds.take(node, badge, &words),
                    (false, false) => {
                        self.console.take(badge, &words);
                        self.console_log.push((self.cycle, badge, words));
                    }
                }
            }
        }
    }

    /// Every enclave's report, in node order (as the model's `Cluster::reports`).
    pub fn reports(&mut self) -> Vec<EnclaveReport> {
        let busy = self.model.get(self.ports.busy);
        let waiting = self.model.get(self.ports.waiting);
        let trapped = self.model.get(self.ports.trapped);
        let mut out = vec![];
        for k in 0..self.enclaves.len() {
            let node = self.enclaves[k].node;
            let bit = 1u64 << node;
            self.select(node);
            self.model.eval();
            let outcome = if waiting & bit != 0 {
                Outcome::Waiting
            } else if busy & bit != 0 || self.enclaves[k].stage != Stage::Done {
                Outcome::Running
            } else if trapped & bit != 0 {
                let code = self.model.get(self.ports.trap_cause) as u8;
                Outcome::Trapped(Trap {
                    cause: TrapCause::from_code(code),
                    pc: self.model.get(self.ports.trap_pc) as u32,
                })
            } else {
                let e = &self.enclaves[k];
                let results = e.image.functions[e.entry as usize].results;
                let r = self.model.get(self.ports.result) as u32 as i32;
                Outcome::Returned((results == 1).then_some(r))
            };
            let wide = |c: &mut Self, i: u32| {
                c.peek(LoadTarget::Regs as u64, i) as u64
                    | (c.peek(LoadTarget::Regs as u64, i + 1) as u64) << 32
            };
            let instructions = wide(self, 0);
            let count = |c: &mut Self, i: u32| c.peek(PEEK_STATS, i) as u64;
            let delivered = count(self, STAT_DELIVERED);
            let rejected = count(self, STAT_REJECTED);
            let refused = count(self, STAT_REFUSED);
            let received = count(self, STAT_RECEIVED);
            out.push(EnclaveReport {
                node,
                outcome,
                counts: Counts {
                    sent: delivered + rejected + refused,
                    delivered,
                    rejected,
                    refused,
                    received,
                },
                instructions,
            });
        }
        out
    }

    /// Clock cycles enclave node `node`'s core has been busy (its current or last run).
    pub fn busy_cycles(&mut self, node: usize) -> u64 {
        self.select(node);
        self.peek(LoadTarget::Regs as u64, 2) as u64
            | (self.peek(LoadTarget::Regs as u64, 3) as u64) << 32
    }

    /// What the console devices printed.
    pub fn console(&self) -> &ConsoleOutput {
        &self.console
    }

    /// What the LED devices were set to.
    pub fn leds(&self) -> &LedOutput {
        &self.leds
    }

    /// Whether a flit ever left the mesh through an edge.
    pub fn dropped(&mut self) -> bool {
        self.model.get(self.ports.dropped) != 0
    }

    /// Starts a VCD trace (the design must be built with `trace`).
    pub fn trace_to(&mut self, path: &Path) -> Result<(), ClusterError> {
        Ok(self.model.trace_to(path)?)
    }
}
