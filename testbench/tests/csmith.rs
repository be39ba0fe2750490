//! csmith random programs on the Verilated core against wasmi (`castle_testbench::suites::csmith`).
//!
//! CI runs `CASTLE_CSMITH_COUNT` programs (default 30) from seed `CASTLE_CSMITH_SEED`
//! (default 1); the long mode is `cargo test --release -p castle-testbench --test csmith --
//! --ignored` (250 programs from seed 1000), or any count through the variable. A failure
//! names the seed and the saved .c/.wasm under target/castle-suites/csmith/.
use castle_testbench::core::CoreEngine;
use castle_testbench::suites::csmith::{self, count_from_env, seed_from_env, Options, Report};

/// wasmi fuel per program: csmith's loops are short, and most programs that run longer loop
/// for ever.
const FUEL: u64 = 20_000_000;

fn run(first_seed: u64, count: u64) -> Report {
    let fast = run_on(
        CoreEngine::new().expect("Verilated core"),
        first_seed,
        count,
    );
    let compact = run_on(
        CoreEngine::compact().expect("Verilated compact core"),
        first_seed,
        count,
    );
    assert_eq!(
        (fast.agreed, fast.trapped),
        (compact.agreed, compact.trapped),
        "both cores agree with wasmi on the same programs"
    );
    fast
}

fn run_on(mut engine: CoreEngine, first_seed: u64, count: u64) -> Report {
    let options = Options {
        first_seed,
        count,
        fuel: FUEL,
    };
    let report = csmith::run(&mut engine, &options, &mut |seed, verdict| {
        if verdict != "agreed" {
            println!("seed {seed}: {verdict}");
        }
    })
    .unwrap_or_else(|e| panic!("{e}"));
    println!(
        "csmith on the {} core: {} programs, {} agreed ({} trapped on both), {} skipped, {} failed, {} core instructions, {:.1} s",
        castle_testbench::engine::Engine::name(&engine),
        report.programs,
        report.agreed,
        report.trapped,
        report.skipped_count(),
        report.failures.len(),
        report.instructions,
        report.seconds
    );
    for (reason, count) in &report.skipped {
        println!("  skipped {count:4}: {reason}");
    }
    for failure in &report.failures {
        println!("  FAILED {failure}");
    }
    assert!(
        report.failures.is_empty(),
        "{} csmith programs disagree:\n{}",
        report.failures.len(),
        report
            .failures
            .iter()
            .map(|f| f.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    );
    // Most programs must really run, or the suite checks nothing.
    assert!(
        report.agreed * 2 >= report.programs,
        "only {} of {} programs ran",
        report.agreed,
        report.programs
    );
    report
}

#[test]
fn csmith_programs_agree_with_wasmi() {
    run(seed_from_env(1), count_from_env(30));
}

#[test]
#[ignore = "long mode (a few minutes): cargo test --release -p castle-testbench --test csmith -- --ignored"]
fn csmith_long() {
    run(seed_from_env(1000), count_from_env(250));
}
