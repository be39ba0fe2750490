//! The C benchmarks in `apps/bench/` on the model and on both Verilated cores, against wasmi
//! and native gcc
//! (`castle_testbench::suites::c_programs`). Instruction counts with `--nocapture`.
//! A missing tool fails the test (it never skips): run `scripts/setup.sh`.
use castle_enclave::image::Profile;
use castle_testbench::core::CoreEngine;
use castle_testbench::engine::{Engine, ModelEngine};
use castle_testbench::suites::{c_programs, check_tools};

#[test]
fn c_benchmarks_agree_with_wasmi_and_native() {
    check_tools(&["clang-16", "wasm-opt", "gcc"]).unwrap();
    let mut engines: Vec<Box<dyn Engine>> = vec![
        Box::new(ModelEngine::new(Profile::SIM)),
        Box::new(CoreEngine::new().expect("Verilated core")),
        Box::new(CoreEngine::compact().expect("Verilated compact core")),
    ];
    let mut mismatches = Vec::new();
    for engine in engines.iter_mut() {
        for name in c_programs::PROGRAMS {
            let report = c_programs::check(engine.as_mut(), name)
                .unwrap_or_else(|e| panic!("{name} on {}: {e}", engine.name()));
            let counts: Vec<u64> = report.calls.iter().map(|c| c.2).collect();
            println!(
                "{name:8} {:9} instructions: total {} max {} over {} calls",
                engine.name(),
                counts.iter().sum::<u64>(),
                counts.iter().max().unwrap_or(&0),
                counts.len()
            );
            mismatches.extend(report.mismatches);
        }
    }
    assert!(
        mismatches.is_empty(),
        "mismatches:\n{}",
        mismatches.join("\n")
    );
}
