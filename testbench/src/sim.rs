//! A manifest's cluster on either engine — the Verilated cluster ([`crate::cluster`]) or the
//! message-level model (`castle_enclave::model::cluster`) — with one report shape, so that
//! `castle sim`, `castle demo` and the example tests can print and compare them.
use crate::cluster::{self as vcluster, ClusterError, VerilatedCluster, PROFILE};
use crate::verilator::BuildOptions;
use castle_enclave::image::Profile;
use castle_enclave::model::cluster::{Cap, Cluster, Counts, LedOutput, NodeSpec, Outcome};
use castle_rtl::manifest::{build_images, DeviceKind, Manifest, ManifestError};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Default cycle budget of a Verilated run (and instruction budget per enclave of a model
/// run, which has no clock).
pub const DEFAULT_CYCLES: u64 = 10_000_000;

/// Which executor runs the cluster.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Verilator,
    Model,
}

impl Engine {
    pub fn name(self) -> &'static str {
        match self {
            Engine::Verilator => "verilator",
            Engine::Model => "model",
        }
    }
}

/// How to run.
#[derive(Debug, Clone)]
pub struct SimOptions {
    pub engine: Engine,
    /// Cycle budget (the model: instructions per enclave).
    pub cycles: u64,
    /// Write a VCD trace of the whole run (Verilator only).
    pub vcd: Option<PathBuf>,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            engine: Engine::Verilator,
            cycles: DEFAULT_CYCLES,
            vcd: None,
        }
    }
}

/// What happened to one enclave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnclaveSummary {
    pub name: String,
    pub node: usize,
    pub outcome: Outcome,
    pub instructions: u64,
    /// Cycles its core was busy (waiting in `recv` included); the model has no clock.
    pub cycles: Option<u64>,
    pub counts: Counts,
    /// Where a trap happened in the module: "module offset 0x.., func N".
    pub trap_where: Option<String>,
}

/// Where `outcome`'s trap lies in `image`, if it is a trap.
fn trap_where(image: &castle_enclave::image::Image, outcome: &Outcome) -> Option<String> {
    let Outcome::Trapped(trap) = outcome else {
        return None;
    };
    let offset = image
        .pc_to_module_offset(trap.pc)
        .map_or("in a trap stub".to_string(), |o| {
            format!("module offset {o:#x}")
        });
    let func = image
        .func_at_pc(trap.pc)
        .map_or("no function".to_string(), |f| format!("func {f}"));
    Some(format!("{offset}, {func}"))
}

/// One console line, with the enclave(s) that hold a console capability with its badge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleLine {
    pub badge: u16,
    pub from: String,
    pub text: String,
}

/// One write to an LED device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedWrite {
    /// The device's name.
    pub device: String,
    pub badge: u16,
    /// The enclave(s) holding a capability to the device with this badge.
    pub from: String,
    /// Bits `[7:0]` of the message's first word (1 = lit).
    pub value: u8,
}

/// A finished run.
#[derive(Debug, Clone)]
pub struct SimReport {
    pub engine: Engine,
    /// Clock cycles simulated (Verilator).
    pub cycles: Option<u64>,
    pub enclaves: Vec<EnclaveSummary>,
    /// Console lines in the order they were completed (unfinished lines last).
    pub console: Vec<ConsoleLine>,
    /// Console lines per badge: what two engines must agree on.
    pub console_by_badge: BTreeMap<u16, Vec<String>>,
    /// LED writes in the order they arrived.
    pub leds: Vec<LedWrite>,
    /// LED values per (device node, badge): what two engines must agree on.
    pub leds_by_writer: BTreeMap<(usize, u16), Vec<u8>>,
    /// Wall-clock time of the run (building excluded).
    pub wall: Duration,
    /// A flit left the mesh through an edge (Verilator; never expected).
    pub dropped: bool,
}

/// Why a run could not happen.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error(transparent)]
    Manifest(#[from] ManifestError),
    #[error(transparent)]
    Cluster(#[from] ClusterError),
    #[error(transparent)]
    Model(#[from] castle_enclave::model::cluster::ClusterError),
    #[error("{file}: profile `{profile}`: a simulated cluster runs profile `sim`")]
    Profile { file: String, profile: String },
}

/// The nodes of `m` with their images: enclaves first, in manifest order, then devices.
pub fn specs(m: &Manifest) -> Result<Vec<NodeSpec>, SimError> {
    if m.profile != PROFILE.name {
        return Err(SimError::Profile {
            file: m.file.display().to_string(),
            profile: m.profile.clone(),
        });
    }
    specs_for(m, &PROFILE)
}

/// The nodes of `m` with their images built for `profile` (a board's, say), whatever profile
/// the manifest names.
pub fn specs_for(m: &Manifest, profile: &Profile) -> Result<Vec<NodeSpec>, SimError> {
    let images = build_images(m, profile)?;
    let mut specs: Vec<NodeSpec> = m
        .enclaves
        .iter()
        .zip(images)
        .map(|(e, image)| NodeSpec::Enclave {
            image: Box::new(image),
            entry: e.entry.clone(),
            clist: e.caps.iter().map(cap).collect(),
        })
        .collect();
    specs.extend(m.devices.iter().map(|d| match d.kind {
        DeviceKind::Console => NodeSpec::Console,
        DeviceKind::Led => NodeSpec::Led,
        DeviceKind::Uart => NodeSpec::Uart {
            clist: d.caps.iter().map(cap).collect(),
        },
    }));
    Ok(specs)
}

fn cap(c: &castle_rtl::manifest::CapDecl) -> Cap {
    Cap {
        node: c.node,
        send: c.send,
        grant: c.grant,
        badge: c.badge,
    }
}

/// Who prints with each console badge: the enclaves holding a console capability with it.
pub fn console_names(m: &Manifest) -> BTreeMap<u16, String> {
    let consoles: Vec<usize> = (0..m.devices.len())
        .filter(|&i| matches!(m.devices[i].kind, DeviceKind::Console | DeviceKind::Uart))
        .map(|i| m.enclaves.len() + i)
        .collect();
    let mut names: BTreeMap<u16, Vec<&str>> = BTreeMap::new();
    for e in &m.enclaves {
        for c in e.caps.iter().filter(|c| consoles.contains(&c.node)) {
            let v = names.entry(c.badge).or_default();
            if !v.contains(&e.name.as_str()) {
                v.push(&e.name);
            }
        }
    }
    names.into_iter().map(|(b, v)| (b, v.join("/"))).collect()
}

/// Who holds a capability to node `node` with each badge.
fn holders(m: &Manifest, node: usize) -> BTreeMap<u16, String> {
    let mut names: BTreeMap<u16, Vec<&str>> = BTreeMap::new();
    for e in &m.enclaves {
        for c in e.caps.iter().filter(|c| c.node == node) {
            let v = names.entry(c.badge).or_default();
            if !v.contains(&e.name.as_str()) {
                v.push(&e.name);
            }
        }
    }
    names.into_iter().map(|(b, v)| (b, v.join("/"))).collect()
}

/// The LED writes of `leds`, named after the manifest's devices and enclaves.
fn led_writes(m: &Manifest, leds: &LedOutput) -> Vec<LedWrite> {
    leds.writes
        .iter()
        .map(|&(node, badge, value)| LedWrite {
            device: m.devices[node - m.enclaves.len()].name.clone(),
            badge,
            from: holders(m, node)
                .remove(&badge)
                .unwrap_or_else(|| format!("badge {badge}")),
            value,
        })
        .collect()
}

/// Builds the Verilated cluster of `m` (cached in target/), reporting `progress` while it
/// takes long.
pub fn build(
    m: &Manifest,
    specs: &[NodeSpec],
    trace: bool,
) -> Result<crate::verilator::Design, SimError> {
    let opts = BuildOptions {
        trace,
        ..Default::default()
    };
    Ok(vcluster::design(m.columns, m.rows, specs, m.core, &opts)?)
}

/// Runs `m` as `opts` say; `progress` gets the cycle count now and then (Verilator).
pub fn run(
    m: &Manifest,
    opts: &SimOptions,
    progress: &mut dyn FnMut(u64),
) -> Result<SimReport, SimError> {
    let specs = specs(m)?;
    let names = console_names(m);
    let from = |badge: u16| {
        names
            .get(&badge)
            .cloned()
            .unwrap_or_else(|| format!("badge {badge}"))
    };
    let enclave_name = |node: usize| m.enclaves[node].name.clone();
    let images: Vec<castle_enclave::image::Image> = specs
        .iter()
        .filter_map(|s| match s {
            NodeSpec::Enclave { image, .. } => Some((**image).clone()),
            NodeSpec::Console | NodeSpec::Led | NodeSpec::Uart { .. } => None,
        })
        .collect();
    let located = |node: usize, outcome: &Outcome| trap_where(&images[node], outcome);
    match opts.engine {
        Engine::Model => {
            let t = Instant::now();
            let mut c = Cluster::new(specs, &PROFILE, opts.cycles)?;
            c.run();
            let wall = t.elapsed();
            let console = c.console();
            Ok(SimReport {
                engine: Engine::Model,
                cycles: None,
                enclaves: c
                    .reports()
                    .into_iter()
                    .map(|r| EnclaveSummary {
                        name: enclave_name(r.node),
                        node: r.node,
                        trap_where: located(r.node, &r.outcome),
                        outcome: r.outcome,
                        instructions: r.instructions,
                        cycles: None,
                        counts: r.counts,
                    })
                    .collect(),
                console: lines(console, &from),
                console_by_badge: console.by_badge(),
                leds: led_writes(m, c.leds()),
                leds_by_writer: c.leds().by_writer(),
                wall,
                dropped: false,
            })
        }
        Engine::Verilator => {
            let design = build(m, &specs, opts.vcd.is_some())?;
            let mut c = VerilatedCluster::new(&design, m.columns, &specs, m.core)?;
            if let Some(path) = &opts.vcd {
                c.trace_to(path)?;
            }
            let t = Instant::now();
            c.run(opts.cycles, progress);
            let wall = t.elapsed();
            let reports = c.reports();
            let mut enclaves = Vec::new();
            for r in reports {
                let cycles = c.busy_cycles(r.node);
                enclaves.push(EnclaveSummary {
                    name: enclave_name(r.node),
                    node: r.node,
                    trap_where: located(r.node, &r.outcome),
                    outcome: r.outcome,
                    instructions: r.instructions,
                    cycles: Some(cycles),
                    counts: r.counts,
                });
            }
            let console = c.console().clone();
            let leds = c.leds().clone();
            Ok(SimReport {
                engine: Engine::Verilator,
                cycles: Some(c.cycle),
                enclaves,
                console: lines(&console, &from),
                console_by_badge: console.by_badge(),
                leds: led_writes(m, &leds),
                leds_by_writer: leds.by_writer(),
                wall,
                dropped: c.dropped(),
            })
        }
    }
}

fn lines(
    console: &castle_enclave::model::cluster::ConsoleOutput,
    from: &dyn Fn(u16) -> String,
) -> Vec<ConsoleLine> {
    console
        .lines
        .iter()
        .cloned()
        .chain(console.unfinished())
        .map(|(badge, text)| ConsoleLine {
            badge,
            from: from(badge),
            text,
        })
        .collect()
}

/// Where two runs of the same manifest disagree: each enclave's outcome (result or trap with
/// its pc), message counts and instruction count, and the console lines of every badge.
pub fn differences(a: &SimReport, b: &SimReport) -> Vec<String> {
    let mut out = vec![];
    for (x, y) in a.enclaves.iter().zip(&b.enclaves) {
        let (ea, eb) = (a.engine.name(), b.engine.name());
        if x.outcome != y.outcome {
            out.push(format!(
                "{}: {ea} {:?}, {eb} {:?}",
                x.name, x.outcome, y.outcome
            ));
        }
        if x.counts != y.counts {
            out.push(format!(
                "{}: {ea} {:?}, {eb} {:?}",
                x.name, x.counts, y.counts
            ));
        }
        if x.instructions != y.instructions {
            out.push(format!(
                "{}: {ea} {} instructions, {eb} {}",
                x.name, x.instructions, y.instructions
            ));
        }
    }
    if a.enclaves.len() != b.enclaves.len() {
        out.push("different numbers of enclaves".into());
    }
    if a.console_by_badge != b.console_by_badge {
        out.push(format!(
            "console: {:?} against {:?}",
            a.console_by_badge, b.console_by_badge
        ));
    }
    if a.leds_by_writer != b.leds_by_writer {
        out.push(format!(
            "LEDs (device node, badge): {:?} against {:?}",
            a.leds_by_writer, b.leds_by_writer
        ));
    }
    out
}
