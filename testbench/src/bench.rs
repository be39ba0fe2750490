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
