//! Random code loaded straight into code memory on the model
//! (`castle_testbench::suites::random_code`): results or a trap within the fuel, no panic,
//! no hang, memories intact. `CASTLE_RANDOM_CODE_COUNT` and `CASTLE_RANDOM_CODE_SEED` change
//! the count (default 50,000) and the first seed (default 0).
use castle_enclave::image::Profile;
use castle_testbench::engine::ModelEngine;
use castle_testbench::suites::random_code::{self, Tally};

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

#[test]
fn random_code_runs_or_traps_within_its_fuel() {
    let (first, count) = (
        env("CASTLE_RANDOM_CODE_SEED", 0),
        env("CASTLE_RANDOM_CODE_COUNT", 50_000),
    );
    let mut engine = ModelEngine::new(Profile::SIM);
    let mut tally = Tally::default();
    let started = std::time::Instant::now();
    let failures = random_code::run(&mut engine, first, count, &mut tally);
    println!(
        "random code on the model, seeds {first}..{}: {tally:?} in {:.1} s",
        first + count,
        started.elapsed().as_secs_f64()
    );
    assert!(
        failures.is_empty(),
        "{} failures (reproduce with CASTLE_RANDOM_CODE_SEED=seed CASTLE_RANDOM_CODE_COUNT=1):\n{}",
        failures.len(),
        failures.join("\n")
    );
    // The generator must reach past the first instructions, or it tests nothing.
    assert!(tally.returned > 0 && tally.out_of_fuel > 0, "{tally:?}");
}

/// The same on the Verilated core (fewer images: each loads and reads back its memories
/// through the core's ports). `CASTLE_RANDOM_CODE_CORE_COUNT` changes the count.
#[test]
fn random_code_on_the_core_runs_or_traps_within_its_fuel() {
    let (first, count) = (
        env("CASTLE_RANDOM_CODE_SEED", 0),
        env("CASTLE_RANDOM_CODE_CORE_COUNT", 300),
    );
    use castle_testbench::core::CoreEngine;
    for mut engine in [
        CoreEngine::new().expect("Verilated core"),
        CoreEngine::compact().expect("Verilated compact core"),
    ] {
        let mut tally = Tally::default();
        let started = std::time::Instant::now();
        let failures = random_code::run(&mut engine, first, count, &mut tally);
        println!(
            "random code on the {} core, seeds {first}..{}: {tally:?} in {:.1} s",
            castle_testbench::engine::Engine::name(&engine),
            first + count,
            started.elapsed().as_secs_f64()
        );
        assert!(failures.is_empty(), "{} failures (reproduce with CASTLE_RANDOM_CODE_SEED=seed CASTLE_RANDOM_CODE_CORE_COUNT=1):\n{}",
        failures.len(), failures.join("\n"));
        assert!(tally.returned > 0 && tally.trapped > 0, "{tally:?}");
    }
}

#[test]
fn random_images_are_deterministic() {
    assert_eq!(random_code::random_image(7), random_code::random_image(7));
    assert_ne!(
        random_code::random_image(7).0,
        random_code::random_image(8).0
    );
}
