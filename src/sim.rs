//! `castle sim`: a manifest's cluster on Verilator (or the model), its console and a summary.
use crate::progress;
use anyhow::Result;
use castle_enclave::model::cluster::Outcome;
use castle_rtl::manifest::Manifest;
use castle_testbench::sim::{self, Engine, SimOptions, SimReport};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// What `castle sim` was asked to do.
pub struct Request<'a> {
    pub manifest: &'a Path,
    pub engine: &'a str,
    pub cycles: Option<u64>,
    pub vcd: Option<PathBuf>,
    pub json: bool,
}

/// Runs the request; returns the exit status (0: the simulation ran, traps included).
pub fn run(req: &Request<'_>) -> Result<i32> {
    let m = Manifest::load(req.manifest)?;
    let engine = match req.engine {
        "model" => Engine::Model,
        _ => Engine::Verilator,
    };
    if engine == Engine::Model && req.vcd.is_some() {
        anyhow::bail!("--vcd is only for the verilator engine (the model has no signals)");
    }
    let opts = SimOptions {
        engine,
        cycles: req.cycles.unwrap_or(sim::DEFAULT_CYCLES),
        vcd: req.vcd.clone(),
    };
    let report = simulate(&m, &opts)?;
    if req.json {
        println!("{}", serde_json::to_string(&json(&m, &report))?);
    } else {
        print_report(&m, &report);
    }
    Ok(0)
}

/// Runs `m`, with a spinner while the cluster is built and a cycle count while it runs.
pub fn simulate(m: &Manifest, opts: &SimOptions) -> Result<SimReport> {
    let pb = progress::spinner(match opts.engine {
        Engine::Verilator => {
            "building and loading the Verilated cluster (cached after the first run)"
        }
        Engine::Model => "running the cluster model",
    });
    let report = sim::run(m, opts, &mut |cycle| {
        pb.set_message(format!("simulating: cycle {cycle}"));
    });
    pb.finish_and_clear();
    Ok(report?)
}

/// `returned 42`, `trapped: ...`, `waiting in recv`, `still running`.
pub fn outcome_text(e: &sim::EnclaveSummary) -> String {
    match &e.outcome {
        Outcome::Returned(Some(v)) => format!("returned {v}"),
        Outcome::Returned(None) => "returned".into(),
        Outcome::Trapped(t) => match &e.trap_where {
            Some(w) => format!("trapped: {t} ({w})"),
            None => format!("trapped: {t}"),
        },
        Outcome::Waiting => "waiting in recv".into(),
        Outcome::Running => "still running when the budget ended".into(),
    }
}

fn print_report(m: &Manifest, r: &SimReport) {
    println!(
        "{}: {} enclave(s), {} device(s) on a {}x{} mesh, engine {}",
        m.file.display(),
        m.enclaves.len(),
        m.devices.len(),
        m.columns,
        m.rows,
        r.engine.name()
    );
    for line in &r.console {
        println!("[{}] {}", line.from, line.text);
    }
    for w in &r.leds {
        println!(
            "[{}] {} = {:#04x} ({:08b})",
            w.from, w.device, w.value, w.value
        );
    }
    for e in &r.enclaves {
        if let Outcome::Trapped(_) = e.outcome {
            println!("{}: {}", e.name, outcome_text(e));
        }
    }
    println!();
    let w = r
        .enclaves
        .iter()
        .map(|e| e.name.len())
        .max()
        .unwrap_or(0)
        .max(7);
    println!(
        "{:w$}  {:>12} {:>10} {:>6} {:>9} {:>8} {:>7} {:>8}  outcome",
        "enclave", "instructions", "cycles", "sent", "delivered", "rejected", "refused", "received"
    );
    for e in &r.enclaves {
        let c = &e.counts;
        let cycles = e.cycles.map_or("-".to_string(), |c| c.to_string());
        println!(
            "{:w$}  {:>12} {:>10} {:>6} {:>9} {:>8} {:>7} {:>8}  {}",
            e.name,
            e.instructions,
            cycles,
            c.sent,
            c.delivered,
            c.rejected,
            c.refused,
            c.received,
            outcome_text(e)
        );
    }
    match r.cycles {
        Some(cycles) => println!(
            "{cycles} cycles in {:.2} s ({:.2} M cycles/s)",
            r.wall.as_secs_f64(),
            cycles as f64 / r.wall.as_secs_f64().max(1e-9) / 1e6
        ),
        None => println!("model run in {:.3} s", r.wall.as_secs_f64()),
    }
    if r.dropped {
        println!("warning: a flit left the mesh through an edge");
    }
}

#[derive(Serialize)]
struct Json<'a> {
    manifest: String,
    engine: &'static str,
    cycles: Option<u64>,
    wall_seconds: f64,
    enclaves: Vec<JsonEnclave<'a>>,
    console: Vec<JsonLine<'a>>,
    leds: Vec<JsonLed<'a>>,
}

#[derive(Serialize)]
struct JsonLed<'a> {
    device: &'a str,
    enclave: &'a str,
    badge: u16,
    value: u8,
}

#[derive(Serialize)]
struct JsonEnclave<'a> {
    name: &'a str,
    node: usize,
    outcome: &'static str,
    result: Option<i32>,
    trap: Option<JsonTrap>,
    instructions: u64,
    cycles: Option<u64>,
    sent: u64,
    delivered: u64,
    rejected: u64,
    refused: u64,
    received: u64,
}

#[derive(Serialize)]
struct JsonTrap {
    cause: String,
    pc: u32,
    location: Option<String>,
}

#[derive(Serialize)]
struct JsonLine<'a> {
    enclave: &'a str,
    badge: u16,
    line: &'a str,
}

fn json<'a>(m: &Manifest, r: &'a SimReport) -> Json<'a> {
    Json {
        manifest: m.file.display().to_string(),
        engine: r.engine.name(),
        cycles: r.cycles,
        wall_seconds: r.wall.as_secs_f64(),
        enclaves: r
            .enclaves
            .iter()
            .map(|e| JsonEnclave {
                name: &e.name,
                node: e.node,
                outcome: match e.outcome {
                    Outcome::Returned(_) => "returned",
                    Outcome::Trapped(_) => "trapped",
                    Outcome::Waiting => "waiting",
                    Outcome::Running => "running",
                },
                result: match e.outcome {
                    Outcome::Returned(v) => v,
                    _ => None,
                },
                trap: match &e.outcome {
                    Outcome::Trapped(t) => Some(JsonTrap {
                        cause: t.cause.to_string(),
                        pc: t.pc,
                        location: e.trap_where.clone(),
                    }),
                    _ => None,
                },
                instructions: e.instructions,
                cycles: e.cycles,
                sent: e.counts.sent,
                delivered: e.counts.delivered,
                rejected: e.counts.rejected,
                refused: e.counts.refused,
                received: e.counts.received,
            })
            .collect(),
        console: r
            .console
            .iter()
            .map(|l| JsonLine {
                enclave: &l.from,
                badge: l.badge,
                line: &l.text,
            })
            .collect(),
        leds: r
            .leds
            .iter()
            .map(|w| JsonLed {
                device: &w.device,
                enclave: &w.from,
                badge: w.badge,
                value: w.value,
            })
            .collect(),
    }
}
