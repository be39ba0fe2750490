//! `castle spec`: the official Wasm v1 spec tests on an engine, side by side with wasmi.
use anyhow::Result;
use castle_enclave::image::Profile;
use castle_testbench::engine::by_name;
use castle_testbench::spec;
use indicatif::{ProgressBar, ProgressStyle};

/// Runs the spec tests; returns the exit status (1 if an assertion failed).
pub fn run(engine: &str, filter: Option<&str>, json: bool) -> Result<i32> {
    let mut engine = by_name(engine, Profile::SIM)?;
    let pb = ProgressBar::new(0);
    pb.set_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} {msg} [{elapsed}]")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let report = spec::run(engine.as_mut(), filter, &mut |done, total, file| {
        pb.set_length(total as u64);
        pb.set_position(done as u64);
        pb.set_message(file.to_string());
    });
    pb.finish_and_clear();
    if report.files.is_empty() {
        anyhow::bail!("no .wast file matches {:?}", filter.unwrap_or("*"));
    }
    if json {
        let mut value = serde_json::to_value(&report)?;
        value["passed"] = report.passed().into();
        value["failed"] = report.failed().into();
        value["skipped"] = report.skipped().into();
        value["not_i32"] = report.not_i32().into();
        println!("{}", serde_json::to_string_pretty(&value)?);
    } else {
        println!(
            "{:<28} {:>7} {:>7} {:>7}",
            "file", "passed", "failed", "skipped"
        );
        for f in &report.files {
            println!(
                "{:<28} {:>7} {:>7} {:>7}",
                f.file, f.passed, f.failed, f.skipped
            );
        }
        for failure in &report.failures {
            println!("FAILED {failure}");
        }
        println!(
            "{} passed, {} failed, {} skipped",
            report.passed(),
            report.failed(),
            report.skipped()
        );
        for (reason, count) in report.reasons_by_count() {
            println!("  skipped {count:5}: {reason}");
        }
        println!(
            "engine {}, profile {}; {} assertions on functions that are not i32-only are out of scope",
            report.engine,
            report.profile,
            report.not_i32()
        );
    }
    Ok(if report.failed() > 0 { 1 } else { 0 })
}
