//! The official Wasm v1 spec tests on the software model, side by side with wasmi
//! (`castle_testbench::spec`). Run with `--nocapture` to see the per-file counts and the skip
//! reasons.
use castle_enclave::image::Profile;
use castle_testbench::engine::ModelEngine;
use castle_testbench::spec::{self, Report};

fn print(report: &Report) {
    println!("== engine {} profile {}", report.engine, report.profile);
    for (reason, count) in report.reasons_by_count() {
        println!("  skipped {count:5}: {reason}");
    }
    for failure in &report.failures {
        println!("  FAILED {failure}");
    }
    println!(
        "{} passed, {} failed, {} skipped ({} assertions on functions that are not i32-only)",
        report.passed(),
        report.failed(),
        report.skipped(),
        report.not_i32()
    );
}

#[test]
fn spec_v1_on_the_model() {
    // The model with enough memory for memory_grow.wast (up to 803 pages).
    let unbounded = Profile {
        name: "sim-unbounded-memory",
        memory_pages: 65536,
        ..Profile::SIM
    };
    let report = spec::run(&mut ModelEngine::new(unbounded), None, &mut |_, _, _| {});
    print(&report);
    // The simulation profile the Verilated core has (1024 pages): memory.grow beyond it
    // returns -1 there, and assertions that rely on a larger grow are skipped.
    let sim = spec::run(&mut ModelEngine::new(Profile::SIM), None, &mut |_, _, _| {});
    print(&sim);
    assert_eq!(
        report.failed(),
        0,
        "{} spec assertions failed",
        report.failed()
    );
    // A floor, so that a change which skips assertions instead of failing them is caught too
    // (2,178 fit the subset; 12 of them need another module's functions in this table).
    assert!(
        report.passed() >= 2_166,
        "only {} spec assertions passed on the model",
        report.passed()
    );
    assert_eq!(report.files.len(), 73);
    // Assertions that need more memory than the SIM profile has are skipped, never failed.
    assert_eq!(
        sim.failed(),
        0,
        "{} spec assertions failed on the SIM profile",
        sim.failed()
    );
}

#[test]
fn the_filter_selects_files() {
    let report = spec::run(
        &mut ModelEngine::new(Profile::SIM),
        Some("i32"),
        &mut |_, _, _| {},
    );
    assert_eq!(report.files.len(), 1);
    assert_eq!(report.files[0].file, "i32.wast");
    assert_eq!(report.failed(), 0);
    assert!(report.passed() > 300, "{report:?}");
}
