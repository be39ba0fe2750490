//! Benchmarks of the harness itself, reported by `castle bench`.
use crate::leb128::{design, HdlLeb128, LebIn, LebOut, VerilatedLeb128};
use crate::verilator::{verilator_version, BuildError, BuildOptions};
use castle_enclave::leb128::Leb128Decoder;
use rand::{rngs::StdRng, SeedableRng};
use rust_hdl::prelude::*;
use std::time::{Duration, Instant};

/// Why a benchmark could not run.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    #[error(transparent)]
    Build(#[from] BuildError),
    #[error(transparent)]
    Model(#[from] crate::verilator::ModelError),
    #[error("{0}")]
    Other(String),
}

/// Speed and build times of the Verilator harness on the LEB128 decoder.
#[derive(Clone, Debug, serde::Serialize)]
pub struct HarnessFigures {
    pub block: &'static str,
    pub verilator: String,
    /// Cycles per second through the harness (drive 5 inputs, read 5 outputs, tick).
    pub verilator_cycles_per_s: f64,
    /// The same loop in rust-hdl's simulator.
    pub rust_hdl_cycles_per_s: f64,
    /// verilator / rust-hdl, measured in the same run.
    pub ratio: f64,
    /// The same loop written as rust-hdl's `Simulation` testbench (a clock thread and a
    /// testbench thread), the way rust-hdl's own examples drive a block.
    pub rust_hdl_testbench_cycles_per_s: f64,
    /// verilator / rust-hdl `Simulation`.
    pub ratio_testbench: f64,
    /// Verilate + compile + link into an empty cache.
    pub cold_build_s: f64,
    /// The same build again, from the cache (includes loading the library).
    pub cached_build_s: f64,
}

/// Run `step` in chunks until `budget` has passed; return cycles per second.
fn rate(budget: Duration, mut step: impl FnMut(usize)) -> f64 {
    let start = Instant::now();
    let mut cycles = 0usize;
    while start.elapsed() < budget {
        for _ in 0..1000 {
            step(cycles);
            cycles += 1;
        }
    }
    cycles as f64 / start.elapsed().as_secs_f64()
}

/// Measure the harness. `progress` hears what is being measured.
pub fn harness(progress: &dyn Fn(&str)) -> Result<HarnessFigures, BenchError> {
    let scratch = tempfile::tempdir().map_err(|source| BuildError::Io {
        what: "creating a scratch cache".into(),
        source,
    })?;
    let opts = BuildOptions {
        cache_dir: Some(scratch.path().to_path_buf()),
        ..Default::default()
    };
    progress("cold Verilator build of leb128");
    let t = Instant::now();
    design(&opts)?;
    let cold_build_s = t.elapsed().as_secs_f64();
    progress("cached build");
    let t = Instant::now();
    let d = design(&opts)?;
    let cached_build_s = t.elapsed().as_secs_f64();

    let mut rng = StdRng::seed_from_u64(1);
    let inputs: Vec<LebIn> = (0..4096).map(|_| LebIn::random(&mut rng)).collect();
    let mut sink = LebOut::default();
    progress("Verilator cycles/s");
    let mut v = VerilatedLeb128::new(&d)?;
    let verilator_cycles_per_s = rate(Duration::from_secs(2), |c| {
        v.drive(inputs[c % inputs.len()]);
        sink.out_value ^= v.sample().out_value;
        v.tick();
    });
    progress("rust-hdl cycles/s");
    let mut h = HdlLeb128::default();
    let rust_hdl_cycles_per_s = rate(Duration::from_secs(2), |c| {
        h.drive(inputs[c % inputs.len()]);
        sink.out_value ^= h.sample().out_value;
        h.tick();
    });
    progress("rust-hdl Simulation testbench cycles/s");
    let rust_hdl_testbench_cycles_per_s = testbench_rate(inputs, 20_000);
    std::hint::black_box(sink);
    Ok(HarnessFigures {
        block: "leb128",
        verilator: verilator_version()?,
        verilator_cycles_per_s,
        rust_hdl_cycles_per_s,
        ratio: verilator_cycles_per_s / rust_hdl_cycles_per_s,
        rust_hdl_testbench_cycles_per_s,
        ratio_testbench: verilator_cycles_per_s / rust_hdl_testbench_cycles_per_s,
        cold_build_s,
        cached_build_s,
    })
}

/// Cycles per second of `cycles` cycles driven through rust-hdl's `Simulation`.
fn testbench_rate(inputs: Vec<LebIn>, cycles: usize) -> f64 {
    let mut sim: Simulation<Leb128Decoder> = Simulation::new();
    sim.add_clock(5, |x: &mut Box<Leb128Decoder>| {
        x.clock.next = !x.clock.val()
    });
    let inputs = std::sync::Arc::new(inputs);
    sim.add_testbench(move |mut sim: Sim<Leb128Decoder>| {
        let mut x = sim.init()?;
        let mut acc = 0u64;
        for c in 0..cycles {
            let i = inputs[c % inputs.len()];
            x.reset.next = i.reset;
            x.is_signed.next = i.is_signed;
            x.in_valid.next = i.in_valid;
            x.in_byte.next = (i.in_byte as u64).into();
            x.out_ready.next = i.out_ready;
            wait_clock_cycle!(sim, clock, x);
            acc ^= x.out_value.val().to_u64();
        }
        std::hint::black_box(acc);
        sim.done(x)
    });
    let mut uut = Leb128Decoder::default();
    uut.connect_all();
    let start = Instant::now();
    // Ten time units a cycle; the bound only stops a runaway.
    let ok = sim.run(Box::new(uut), 10 * cycles as u64 + 100).is_ok();
    let rate = cycles as f64 / start.elapsed().as_secs_f64();
    if ok {
        rate
    } else {
        f64::NAN
    }
}

/// Speed of the 2x2 mesh (8,289 lines of Verilog, 4 routers) on both simulators.
#[derive(Clone, Debug, serde::Serialize)]
pub struct MeshFigures {
    pub block: &'static str,
    pub verilator_cycles_per_s: f64,
    pub rust_hdl_cycles_per_s: f64,
    pub ratio: f64,
}

/// Measure the mesh: each cycle drives 12 inputs, reads 13 outputs and ticks.
pub fn mesh(progress: &dyn Fn(&str)) -> Result<MeshFigures, BenchError> {
    use crate::mesh::{design, HdlMesh, NodeIn, VerilatedMesh, NODES};
    use rand::Rng;
    progress("building mesh2x2");
    let d = design(&BuildOptions::default())?;
    let mut v = VerilatedMesh::new(&d)?;
    let mut rng = StdRng::seed_from_u64(2);
    let inputs: Vec<[NodeIn; NODES]> = (0..4096)
        .map(|_| {
            std::array::from_fn(|_| NodeIn {
                in_valid: rng.gen_ratio(1, 2),
                in_flit: rng.gen_range(0..1 << 17),
                out_ready: rng.gen_ratio(3, 4),
            })
        })
        .collect();
    let mut sink = 0u32;
    progress("mesh2x2 Verilator cycles/s");
    let verilator_cycles_per_s = rate(Duration::from_secs(2), |c| {
        v.drive(&inputs[c % inputs.len()]);
        sink ^= v.sample().nodes[0].2;
        v.tick();
    });
    progress("mesh2x2 rust-hdl cycles/s");
    let mut h = HdlMesh::default();
    let rust_hdl_cycles_per_s = rate(Duration::from_secs(2), |c| {
        h.drive(&inputs[c % inputs.len()]);
        sink ^= h.sample().nodes[0].2;
        h.tick();
    });
    std::hint::black_box(sink);
    Ok(MeshFigures {
        block: "mesh2x2",
        verilator_cycles_per_s,
        rust_hdl_cycles_per_s,
        ratio: verilator_cycles_per_s / rust_hdl_cycles_per_s,
    })
}

/// One C benchmark on the Verilated core.
#[derive(Clone, Debug, serde::Serialize)]
pub struct ProgramCpi {
    pub program: &'static str,
    pub arg: i32,
    pub instructions: u64,
    pub cycles: u64,
    pub cpi: f64,
}

/// Cycles per executed opcode over all the benchmarks.
#[derive(Clone, Debug, serde::Serialize)]
pub struct OpCycles {
    pub opcode: String,
    pub count: u64,
    pub cycles: u64,
    pub cycles_per_op: f64,
}

/// The enclave core's figures: CPI on apps/bench, cycles per opcode, simulation speed.
#[derive(Clone, Debug, serde::Serialize)]
pub struct EnclaveFigures {
    pub programs: Vec<ProgramCpi>,
    /// Total cycles / total instructions over `programs`.
    pub cpi_overall: f64,
    /// Mean of the per-program CPIs.
    pub cpi_mean: f64,
    pub ops: Vec<OpCycles>,
    /// One enclave on Verilator (fib, no profiling), cycles per second.
    pub verilator_cycles_per_s: f64,
    /// The same core in rust-hdl's simulator.
    pub rust_hdl_cycles_per_s: f64,
    pub ratio: f64,
    /// yosys synth_ice40 of `enclave_hx8k` (the core with 256-deep memories).
    pub ice40_synthesis: Ice40Cells,
    /// The compact core on the same programs.
    pub compact: CoreCpi,
    /// One compact core on Verilator (fib), cycles per second.
    pub compact_verilator_cycles_per_s: f64,
}

/// Cycles per instruction of one core on the benchmark programs.
#[derive(Clone, Debug, serde::Serialize)]
pub struct CoreCpi {
    pub programs: Vec<ProgramCpi>,
    pub cpi_overall: f64,
    pub cpi_mean: f64,
    pub ops: Vec<OpCycles>,
}

/// yosys cell counts after synth_ice40, before packing.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Ice40Cells {
    pub luts: u32,
    pub flip_flops: u32,
    pub carries: u32,
    pub brams: u32,
}

/// The benchmark programs and the argument each runs with (fib(20) as in the PicoRV32
/// comparison).
pub const CPI_PROGRAMS: &[(&str, i32)] = &[
    ("fib", 20),
    ("sieve", 7999),
    ("crc32", 1023),
    ("qsort", 499),
    ("matmul", 3),
    ("vending", 255),
];

fn opcode_name(op: usize) -> String {
    let name = match op {
        0x00 => "unreachable",
        0x01 => "nop",
        0x02 => "block",
        0x03 => "loop",
        0x04 => "if",
        0x05 => "else",
        0x0b => "end",
        0x0c => "br",
        0x0d => "br_if",
        0x0e => "br_table",
        0x0f => "return",
        0x10 => "call",
        0x11 => "call_indirect",
        0x1a => "drop",
        0x1b => "select",
        0x20 => "local.get",
        0x21 => "local.set",
        0x22 => "local.tee",
        0x23 => "global.get",
        0x24 => "global.set",
        0x28 => "i32.load",
        0x2c => "i32.load8_s",
        0x2d => "i32.load8_u",
        0x2e => "i32.load16_s",
        0x2f => "i32.load16_u",
        0x36 => "i32.store",
        0x3a => "i32.store8",
        0x3b => "i32.store16",
        0x3f => "memory.size",
        0x40 => "memory.grow",
        0x41 => "i32.const",
        0x45 => "i32.eqz",
        0x46..=0x4f => "i32 comparison",
        0x67..=0x69 => "i32.clz/ctz/popcnt",
        0x6a | 0x6b => "i32.add/sub",
        0x6c => "i32.mul",
        0x6d..=0x70 => "i32.div/rem",
        0x71..=0x73 => "i32.and/or/xor",
        0x74..=0x78 => "i32 shift/rotate",
        256 => "(function entry)",
        _ => return format!("0x{op:02x}"),
    };
    name.to_string()
}

/// Measure the enclave core. Compiles apps/bench with scripts/c2wasm.sh.
pub fn enclave(progress: &dyn Fn(&str)) -> Result<EnclaveFigures, String> {
    use crate::core::CoreEngine;
    use crate::engine::Engine;
    use castle_enclave::image::{build, BuildOptions, Profile};
    let dir = tempfile::tempdir().map_err(|e| format!("scratch folder: {e}"))?;
    let mut core = CoreEngine::new().map_err(|e| e.to_string())?;
    let mut images = Vec::new();
    for (name, _) in CPI_PROGRAMS {
        progress(&format!("compiling apps/bench/{name}.c"));
        let wasm = crate::suites::c_programs::compile(name, dir.path())?;
        images.push(
            build(&wasm, &BuildOptions::default(), &Profile::SIM)
                .map_err(|e| format!("{name}: {e}"))?,
        );
    }
    let CoreCpi {
        programs,
        ops: groups,
        cpi_overall,
        cpi_mean,
    } = cpi_of(&mut core, &images, progress)?;
    let mut compact_core = CoreEngine::compact().map_err(|e| e.to_string())?;
    let compact = cpi_of(&mut compact_core, &images, progress)?;

    progress("simulation speed: Verilator");
    let fib = &images[0];
    core.instantiate(fib).map_err(|e| e.to_string())?;
    let started = std::time::Instant::now();
    let mut cycles = 0;
    while started.elapsed() < Duration::from_secs(2) {
        cycles += core
            .invoke_export(fib, "run", &[22], 1 << 40)
            .map_err(|e| e.to_string())?
            .cycles;
    }
    let verilator_cycles_per_s = cycles as f64 / started.elapsed().as_secs_f64();
    compact_core.instantiate(fib).map_err(|e| e.to_string())?;
    let started = std::time::Instant::now();
    let mut cycles = 0;
    while started.elapsed() < Duration::from_secs(2) {
        cycles += compact_core
            .invoke_export(fib, "run", &[22], 1 << 40)
            .map_err(|e| e.to_string())?
            .cycles;
    }
    let compact_verilator_cycles_per_s = cycles as f64 / started.elapsed().as_secs_f64();
    progress("simulation speed: rust-hdl (loading the image takes a while)");
    let mut hdl = CoreEngine::rust_hdl();
    hdl.instantiate(fib).map_err(|e| e.to_string())?;
    let started = std::time::Instant::now();
    let out = hdl
        .invoke_export(fib, "run", &[12], 1 << 40)
        .map_err(|e| e.to_string())?;
    let rust_hdl_cycles_per_s = out.cycles as f64 / started.elapsed().as_secs_f64();
    progress("yosys synth_ice40 of enclave_hx8k (about a minute)");
    let verilog = castle_rtl::blocks::export("enclave_hx8k").map_err(|e| e.to_string())?;
    let r = castle_rtl::synth::ice40("enclave_hx8k", &verilog).map_err(|e| e.to_string())?;
    let ice40_synthesis = Ice40Cells {
        luts: r.luts,
        flip_flops: r.flip_flops,
        carries: r.carries,
        brams: r.brams,
    };
    Ok(EnclaveFigures {
        ice40_synthesis,
        cpi_overall,
        cpi_mean,
        programs,
        ops: groups,
        compact,
        compact_verilator_cycles_per_s,
        verilator_cycles_per_s,
        rust_hdl_cycles_per_s,
        ratio: verilator_cycles_per_s / rust_hdl_cycles_per_s,
    })
}

/// CPI of `core` on the benchmark `images` (`CPI_PROGRAMS`), per program and per opcode.
fn cpi_of(
    core: &mut crate::core::CoreEngine,
    images: &[castle_enclave::image::Image],
    progress: &dyn Fn(&str),
) -> Result<CoreCpi, String> {
    use crate::core::OpProfile;
    use crate::engine::Engine;
    let mut programs = Vec::new();
    let mut total = OpProfile::default();
    for ((name, arg), image) in CPI_PROGRAMS.iter().zip(images) {
        progress(&format!(
            "profiling {name}({arg}) on the {} core",
            core.name()
        ));
        core.instantiate(image).map_err(|e| e.to_string())?;
        core.profile = Some(OpProfile::default());
        let out = core
            .invoke_export(image, "run", &[*arg], 1 << 40)
            .map_err(|e| e.to_string())?;
        out.result.map_err(|t| format!("{name}: {t}"))?;
        let p = core.profile.take().expect("profile");
        for op in 0..p.count.len() {
            total.count[op] += p.count[op];
            total.cycles[op] += p.cycles[op];
        }
        programs.push(ProgramCpi {
            program: name,
            arg: *arg,
            instructions: out.instructions,
            cycles: out.cycles,
            cpi: out.cycles as f64 / out.instructions as f64,
        });
    }
    let mut groups: Vec<OpCycles> = Vec::new();
    for op in 0..total.count.len() {
        if total.cycles[op] == 0 {
            continue;
        }
        let name = opcode_name(op);
        match groups.iter_mut().find(|g| g.opcode == name) {
            Some(g) => {
                g.count += total.count[op];
                g.cycles += total.cycles[op];
            }
            None => groups.push(OpCycles {
                opcode: name,
                count: total.count[op],
                cycles: total.cycles[op],
                cycles_per_op: 0.0,
            }),
        }
    }
    for g in &mut groups {
        g.cycles_per_op = g.cycles as f64 / g.count.max(1) as f64;
    }
    groups.sort_by_key(|g| std::cmp::Reverse(g.cycles));
    let (ti, tc) = programs
        .iter()
        .fold((0, 0), |(i, c), p| (i + p.instructions, c + p.cycles));
    Ok(CoreCpi {
        cpi_overall: tc as f64 / ti as f64,
        cpi_mean: programs.iter().map(|p| p.cpi).sum::<f64>() / programs.len() as f64,
        programs,
        ops: groups,
    })
}

/// One point of a latency-versus-load curve.
#[derive(Clone, Debug, serde::Serialize)]
pub struct LoadPoint {
    /// Offered load: new messages per node per cycle (Bernoulli at every node).
    pub offered: f64,
    /// Accepted throughput: messages delivered to a mailbox per node per cycle.
    pub accepted: f64,
    /// Mean and 99th-percentile cycles from a message's creation (queued at its sender) to
    /// its arrival at the head of the receiver's mailbox, for messages delivered in the window.
    pub mean_latency: f64,
    pub p99_latency: f64,
    /// Sends rejected (hotspot mailbox full) per node per cycle.
    pub rejected: f64,
}

/// Latency-versus-offered-load on the 4x4 network of routers and NIs (Verilator).
#[derive(Clone, Debug, serde::Serialize)]
pub struct NocLatency {
    pub message_words: usize,
    pub warmup_cycles: u64,
    pub window_cycles: u64,
    pub uniform: Vec<LoadPoint>,
    /// Hotspot: `hotspot_fraction` of the messages go to node `hotspot`, the rest uniform.
    pub hotspot: Vec<LoadPoint>,
    pub hotspot_node: usize,
    pub hotspot_fraction: f64,
    /// Highest accepted throughput seen, messages per node per cycle (and flits: x10).
    pub saturation_uniform: f64,
    pub saturation_hotspot: f64,
    /// The SVG figure (docs/noc-latency.svg).
    #[serde(skip)]
    pub svg: String,
}

/// Offered loads measured, messages per node per cycle.
pub const NOC_LOADS: &[f64] = &[
    0.002, 0.005, 0.01, 0.015, 0.02, 0.025, 0.03, 0.035, 0.04, 0.05, 0.06,
];

/// Measure the curves: uniform random destinations (never the sender itself) and a hotspot,
/// 4-word messages, every receiver drains its mailbox as fast as the port allows.
pub fn noc_latency(progress: &dyn Fn(&str)) -> Result<NocLatency, BenchError> {
    use crate::network::{design, entry, Network, Send, DELIVERED, REJECTED};
    use rand::Rng;
    let (warmup, window) = (1_000u64, 5_000u64);
    let (hot, frac) = (5usize, 0.25);
    progress("building network4x4");
    let d = design("network4x4", &BuildOptions::default())?;
    let run = |load: f64, hotspot: bool| -> Result<LoadPoint, BenchError> {
        let mut rng = StdRng::seed_from_u64((load * 1e6) as u64 ^ hotspot as u64);
        let mut n = Network::new(&d, "network4x4")?;
        n.fast_drain = true;
        for k in 0..16 {
            for j in 0..16 {
                n.cfg(
                    k,
                    j as u8,
                    entry(
                        (j % 4) as u8,
                        (j / 4) as u8,
                        true,
                        false,
                        (k << 8 | j) as u16,
                    ),
                );
            }
        }
        let mut queued = std::collections::HashMap::new();
        let mut id = 0u32;
        for c in 0..warmup + window {
            for k in 0..16 {
                if rng.gen_bool(load) {
                    let mut dst = if hotspot && rng.gen_bool(frac) {
                        hot
                    } else {
                        rng.gen_range(0..15)
                    };
                    if !(hotspot && dst == hot) && dst >= k {
                        dst = (dst + 1) % 16;
                    }
                    if dst == k {
                        continue;
                    }
                    id += 1;
                    queued.insert(id, c);
                    n.send(k, Send::data(dst as u8, &[id, 0, 0, 0]));
                }
            }
            n.step();
        }
        let mut lat: Vec<u64> = n
            .got
            .iter()
            .filter_map(|g| {
                queued
                    .get(&g.words[0])
                    .filter(|&&q| q >= warmup)
                    .map(|&q| g.seen - q)
            })
            .collect();
        lat.sort_unstable();
        let in_window = |t: u64| t >= warmup;
        let delivered = n
            .done
            .iter()
            .filter(|x| x.code == DELIVERED && in_window(x.status_at))
            .count();
        let rejected = n
            .done
            .iter()
            .filter(|x| x.code == REJECTED && in_window(x.status_at))
            .count();
        let per = |x: usize| x as f64 / (16.0 * window as f64);
        Ok(LoadPoint {
            offered: load,
            accepted: per(delivered),
            mean_latency: if lat.is_empty() {
                f64::NAN
            } else {
                lat.iter().sum::<u64>() as f64 / lat.len() as f64
            },
            p99_latency: lat.get(lat.len() * 99 / 100).copied().unwrap_or(0) as f64,
            rejected: per(rejected),
        })
    };
    let mut uniform = vec![];
    let mut hotspot = vec![];
    for &l in NOC_LOADS {
        progress(&format!("uniform, offered {l}"));
        uniform.push(run(l, false)?);
        progress(&format!("hotspot, offered {l}"));
        hotspot.push(run(l, true)?);
    }
    let sat = |v: &[LoadPoint]| v.iter().map(|p| p.accepted).fold(0.0, f64::max);
    let svg = latency_svg(&uniform, &hotspot);
    Ok(NocLatency {
        message_words: 4,
        warmup_cycles: warmup,
        window_cycles: window,
        saturation_uniform: sat(&uniform),
        saturation_hotspot: sat(&hotspot),
        uniform,
        hotspot,
        hotspot_node: hot,
        hotspot_fraction: frac,
        svg,
    })
}

/// A hand-written SVG: mean latency against offered load, both patterns, plus accepted load.
fn latency_svg(uniform: &[LoadPoint], hotspot: &[LoadPoint]) -> String {
    let (w, h, l, r, t, b) = (640.0, 420.0, 70.0, 20.0, 40.0, 60.0);
    let xmax = NOC_LOADS.iter().cloned().fold(0.0, f64::max);
    // Past saturation the mean grows with the measurement window: clip the axis at 300 cycles
    // and draw those points on the top edge, hollow.
    let ymax = 300.0;
    let x = |v: f64| l + v / xmax * (w - l - r);
    let y = |v: f64| h - b - v.min(ymax) / ymax * (h - t - b);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{}\" y=\"22\" text-anchor=\"middle\" font-size=\"14\">Castle NoC 4x4 (routers + NIs, Verilator): 4-word messages</text>\n",
        w / 2.0
    );
    s += &format!(
        "<line x1=\"{l}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"black\"/>\n",
        h - b,
        w - r,
        h - b
    );
    s += &format!(
        "<line x1=\"{l}\" y1=\"{t}\" x2=\"{l}\" y2=\"{}\" stroke=\"black\"/>\n",
        h - b
    );
    for i in 0..=6 {
        let v = xmax * i as f64 / 6.0;
        s += &format!(
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{v:.3}</text>\n",
            x(v),
            h - b + 18.0
        );
        let u = ymax * i as f64 / 6.0;
        s += &format!(
            "<text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\">{u:.0}</text>\n",
            l - 6.0,
            y(u) + 4.0
        );
        s += &format!(
            "<line x1=\"{l}\" y1=\"{:.1}\" x2=\"{}\" y2=\"{:.1}\" stroke=\"#ddd\"/>\n",
            y(u),
            w - r,
            y(u)
        );
    }
    s += &format!("<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">offered load (messages per node per cycle; x10 = flits)</text>\n", (l + w - r) / 2.0, h - 18.0);
    s += &format!("<text x=\"16\" y=\"{}\" transform=\"rotate(-90 16 {})\" text-anchor=\"middle\">mean latency, creation to mailbox (cycles)</text>\n", (t + h - b) / 2.0, (t + h - b) / 2.0);
    for (pts, color, name, dy) in [
        (uniform, "#1f77b4", "uniform random", 0.0),
        (hotspot, "#d62728", "hotspot (25% to node 5)", 18.0),
    ] {
        let line: Vec<String> = pts
            .iter()
            .filter(|p| p.mean_latency.is_finite())
            .map(|p| format!("{:.1},{:.1}", x(p.offered), y(p.mean_latency)))
            .collect();
        s += &format!(
            "<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" points=\"{}\"/>\n",
            line.join(" ")
        );
        for p in pts.iter().filter(|p| p.mean_latency.is_finite()) {
            let fill = if p.mean_latency > ymax {
                "white"
            } else {
                color
            };
            s += &format!(
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3\" fill=\"{fill}\" stroke=\"{color}\"/>\n",
                x(p.offered),
                y(p.mean_latency)
            );
        }
        s += &format!("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"{color}\" stroke-width=\"2\"/>\n", l + 20.0, t + 14.0 + dy, l + 40.0, t + 14.0 + dy);
        let sat = pts.iter().map(|p| p.accepted).fold(0.0, f64::max);
        s += &format!(
            "<text x=\"{}\" y=\"{}\">{name}: saturation {sat:.4} msg/node/cycle</text>\n",
            l + 46.0,
            t + 18.0 + dy
        );
    }
    s += &format!("<text x=\"{}\" y=\"{}\" text-anchor=\"end\" fill=\"#555\">hollow: beyond saturation, mean above {ymax:.0} cycles</text>\n", w - r - 4.0, h - b - 8.0);
    s += "</svg>\n";
    s
}
