//! Figures of the cluster, reported by `castle bench --only cluster`: simulation speed of
//! Verilated clusters running the example systems, the cost of the capability calls and a
//! ping-pong round trip in cycles, and the network's latency against the link bound.
use crate::bench::BenchError;
use crate::cluster::{CoreKind, VerilatedCluster, PROFILE};
use crate::network::{design as network_design, entry, Network, Send};
use crate::sim::{self, Engine, SimOptions};
use crate::verilator::BuildOptions;
use castle_enclave::image::{build, BuildOptions as ImageOptions};
use castle_enclave::model::cluster::{Cap, NodeSpec, Outcome};
use castle_rtl::manifest::Manifest;
use std::path::Path;

/// Simulation speed of one manifest on the Verilated cluster.
#[derive(Clone, Debug, serde::Serialize)]
pub struct SpeedRow {
    pub manifest: String,
    pub mesh: String,
    pub enclaves: usize,
    pub cycles: u64,
    pub seconds: f64,
    pub cycles_per_s: f64,
}

/// Cycles of the capability calls between two neighbours, measured on the Verilated cluster
/// as the difference between a program with the calls and the same program without them.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CallCosts {
    /// `send` of 0..4 words to a neighbour waiting in `recv`: from the call to its return.
    pub send_words: Vec<u64>,
    /// `recv` of a 1-word message already in the mailbox.
    pub recv_waiting_1_word: u64,
    /// `try_recv` on an empty mailbox.
    pub try_recv_empty: u64,
    /// `drop` of a full slot.
    pub drop: u64,
    /// `grant` of a slot to a neighbour.
    pub grant: u64,
    /// One round trip: ping's `send` called, pong's `recv` returns, pong sends the word straight
    /// back (a `drop` and three constants between its calls), ping's `recv` returns.
    pub round_trip: u64,
    /// The loop of apps/pairs (1000 round trips, each actor's loop instructions included):
    /// cycles per round.
    pub loop_cycles_per_round: f64,
    /// At 50 MHz, from `round_trip`.
    pub round_trips_per_s_at_50mhz: f64,
    /// Messages per second per pair at 50 MHz (two per round trip).
    pub messages_per_s_at_50mhz: f64,
}

/// Send taken to `mb_valid` at the receiver, against the link bound `flits + hops + 3`.
#[derive(Clone, Debug, serde::Serialize)]
pub struct LatencyRow {
    pub words: usize,
    pub hops: usize,
    pub cycles: u64,
    pub bound: u64,
}

/// Everything `castle bench --only cluster` reports.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ClusterFigures {
    pub speed: Vec<SpeedRow>,
    pub calls: CallCosts,
    pub latency: Vec<LatencyRow>,
}

/// Manifests whose Verilated runs are timed (relative to the repository).
pub const SPEED_MANIFESTS: &[&str] = &[
    "apps/pairs/pairs2x2.toml",
    "apps/pingpong/pingpong.toml",
    "apps/kvstore/kvstore.toml",
    "apps/demo/demo.toml",
    "apps/pairs/pairs4x4.toml",
];

fn sim_error(e: impl std::fmt::Display) -> BenchError {
    BenchError::Other(e.to_string())
}

/// Measures the cluster figures; `progress` hears what is being measured.
pub fn cluster(root: &Path, progress: &dyn Fn(&str)) -> Result<ClusterFigures, BenchError> {
    let mut speed = Vec::new();
    let mut loop_cycles_per_round = 0.0;
    for path in SPEED_MANIFESTS {
        progress(&format!("{path} on Verilator"));
        let m = Manifest::load(&root.join(path)).map_err(sim_error)?;
        let r = sim::run(
            &m,
            &SimOptions {
                engine: Engine::Verilator,
                ..SimOptions::default()
            },
            &mut |_| {},
        )
        .map_err(sim_error)?;
        if r.enclaves
            .iter()
            .any(|e| !matches!(e.outcome, Outcome::Returned(_)))
        {
            return Err(BenchError::Other(format!(
                "{path}: an enclave did not return"
            )));
        }
        let cycles = r.cycles.unwrap_or(0);
        if *path == "apps/pairs/pairs2x2.toml" {
            let ping = r.enclaves.iter().find(|e| e.name == "ping0");
            loop_cycles_per_round = ping.and_then(|e| e.cycles).unwrap_or(0) as f64 / 1000.0;
        }
        speed.push(SpeedRow {
            manifest: path.to_string(),
            mesh: format!("{}x{}", m.columns, m.rows),
            enclaves: m.enclaves.len(),
            cycles,
            seconds: r.wall.as_secs_f64(),
            cycles_per_s: cycles as f64 / r.wall.as_secs_f64().max(1e-9),
        });
    }
    progress("capability call costs");
    let calls = call_costs(loop_cycles_per_round)?;
    progress("latency per message length and hops (network4x4)");
    let latency = latency_table()?;
    Ok(ClusterFigures {
        speed,
        calls,
        latency,
    })
}

const IMPORTS: &str = r#"
    (import "castle" "send" (func $send (param i32 i32 i32) (result i32)))
    (import "castle" "recv" (func $recv (param i32) (result i32)))
    (import "castle" "try_recv" (func $try_recv (param i32) (result i32)))
    (import "castle" "grant" (func $grant (param i32 i32 i32) (result i32)))
    (import "castle" "drop" (func $drop (param i32) (result i32)))
    (memory 1)"#;

/// Busy cycles of node 0's `main` (`body`) with node 1 running `pong` on a 2x1 cluster.
fn busy_cycles(d: &crate::verilator::Design, body: &str, pong: &str) -> Result<u64, BenchError> {
    let enclave = |body: &str, to: usize| -> Result<NodeSpec, BenchError> {
        let wat = format!("(module {IMPORTS} (func (export \"main\") (result i32) {body}))");
        let image = build(wat.as_bytes(), &ImageOptions::default(), &PROFILE).map_err(sim_error)?;
        Ok(NodeSpec::Enclave {
            image: Box::new(image),
            entry: "main".into(),
            clist: vec![
                Cap {
                    node: to,
                    send: true,
                    grant: true,
                    badge: 1,
                },
                Cap {
                    node: to,
                    send: true,
                    grant: false,
                    badge: 2,
                },
            ],
        })
    };
    let specs = vec![enclave(body, 1)?, enclave(pong, 0)?];
    let mut c = VerilatedCluster::new(d, 2, &specs, CoreKind::Fast).map_err(sim_error)?;
    c.run(100_000, &mut |_| {});
    if matches!(c.reports()[1].outcome, Outcome::Trapped(_)) {
        return Err(BenchError::Other(format!("the partner trapped: {pong}")));
    }
    let busy = c.busy_cycles(0);
    if !matches!(c.reports()[0].outcome, Outcome::Returned(_)) {
        return Err(BenchError::Other(format!(
            "call-cost program did not return: {body}"
        )));
    }
    Ok(busy)
}

fn call_costs(loop_cycles_per_round: f64) -> Result<CallCosts, BenchError> {
    let specs_kinds = [
        castle_rtl::cluster::NodeKind::Enclave,
        castle_rtl::cluster::NodeKind::Enclave,
    ];
    let v =
        castle_rtl::cluster::sim_verilog(2, 1, &specs_kinds, CoreKind::Fast).map_err(sim_error)?;
    let d = crate::verilator::Design::build("cluster2x1", &v, &BuildOptions::default())?;
    // Each cost is the difference between a program with the call and the same program with
    // a stand-in of the same stack effect: `drop drop` (2 cycles) for three arguments and a
    // result, nothing for one argument and a result.
    let cost =
        |with: &str, without: &str, stand_in: u64, partner: &str| -> Result<u64, BenchError> {
            Ok(busy_cycles(&d, with, partner)? + stand_in - busy_cycles(&d, without, partner)?)
        };
    let sink = "(loop $l (drop (call $recv (i32.const 0))) (br $l)) (i32.const 0)";
    let pong =
        "(drop (call $recv (i32.const 0))) (call $send (i32.const 0) (i32.const 0) (i32.const 1))";
    let three =
        |a: &str, b: &str, c: &str| format!("(i32.const {a}) (i32.const {b}) (i32.const {c})");
    let mut send_words = Vec::new();
    for n in 0..=4 {
        let args = three("0", "0", &n.to_string());
        send_words.push(cost(
            &format!("(drop (call $send {args})) (i32.const 0)"),
            &format!("(drop (drop (drop {args}))) (i32.const 0)"),
            2,
            sink,
        )?);
    }
    let args = three("0", "0", "1");
    let round_trip = cost(
        &format!("(drop (call $send {args})) (call $recv (i32.const 0))"),
        &format!("(drop (drop (drop {args}))) (i32.const 0)"),
        2,
        pong,
    )?;
    // The partner sends first; node 0 spins long enough for the message to be in its mailbox.
    let sender = "(call $send (i32.const 0) (i32.const 0) (i32.const 1))";
    let spin = "(local.set 0 (i32.const 100)) (loop $l (br_if $l (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))))";
    let with_local = |body: &str| format!("(local i32) {body}");
    let recv_waiting_1_word = cost(
        &with_local(&format!("{spin} (call $recv (i32.const 0))")),
        &with_local(&format!("{spin} (i32.const 0)")),
        0,
        sender,
    )?;
    let try_recv_empty = cost("(call $try_recv (i32.const 0))", "(i32.const 0)", 0, sink)?;
    let drop = cost("(call $drop (i32.const 1))", "(i32.const 1)", 0, sink)?;
    let gargs = three("0", "1", "1");
    let grant = cost(
        &format!("(drop (call $grant {gargs})) (i32.const 0)"),
        &format!("(drop (drop (drop {gargs}))) (i32.const 0)"),
        2,
        sink,
    )?;
    Ok(CallCosts {
        send_words,
        recv_waiting_1_word,
        try_recv_empty,
        drop,
        grant,
        round_trip,
        loop_cycles_per_round,
        round_trips_per_s_at_50mhz: 50e6 / round_trip as f64,
        messages_per_s_at_50mhz: 2.0 * 50e6 / round_trip as f64,
    })
}

/// Latency of 0..4-word messages over 1..6 hops in the 4x4 network (node 0 to (x, y)).
fn latency_table() -> Result<Vec<LatencyRow>, BenchError> {
    let d = network_design("network4x4", &BuildOptions::default())?;
    let mut n = Network::new(&d, "network4x4")?;
    let dsts = [1usize, 2, 3, 7, 11, 15];
    for (i, &dst) in dsts.iter().enumerate() {
        n.cfg(
            0,
            i as u8,
            entry((dst % 4) as u8, (dst / 4) as u8, true, false, i as u16),
        );
    }
    n.run_until_quiet(100);
    let mut rows = Vec::new();
    for words in 0..=4usize {
        for (h, _) in dsts.iter().enumerate() {
            let payload: Vec<u32> = (0..words as u32).collect();
            n.send(0, Send::data(h as u8, &payload));
            if !n.run_until_quiet(400) {
                return Err(BenchError::Other("latency run did not finish".into()));
            }
            n.run(10);
            let (done, got) = (n.done.last(), n.got.last());
            let (Some(done), Some(got)) = (done, got) else {
                return Err(BenchError::Other("latency message not delivered".into()));
            };
            let flits = 2 + 2 * words as u64;
            let hops = h + 1;
            rows.push(LatencyRow {
                words,
                hops,
                cycles: got.seen - done.taken,
                bound: flits + hops as u64 + 3,
            });
        }
    }
    Ok(rows)
}
