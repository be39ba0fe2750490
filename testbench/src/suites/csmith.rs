//! csmith random C programs, compiled for wasm32 without libc (`testbench/csmith/driver.c`
//! exports `checksum()`, the CRC csmith's `main` would print), run on an engine and on wasmi
//! with fuel; the checksums (or traps) must agree.
//!
//! Programs that csmith, clang or the image builder cannot turn into an enclave image, and
//! programs that wasmi cannot finish within the fuel, are counted and skipped with the
//! reason. Each program is kept under `target/castle-suites/csmith/` only when it fails.
use super::{artifacts, c2wasm, check_tools, root, run_tool};
use crate::engine::{Engine, EngineError};
use crate::golden::{Observed, Wasmi};
use castle_enclave::image::{build, BuildOptions};
use castle_enclave::model::TrapCause;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

/// csmith options: no floats, bitfields, packed structs or 64-bit integers (the enclave
/// subset is i32-only; wasm-opt lowers what i64 clang still emits).
pub const CSMITH_FLAGS: &[&str] = &[
    "--no-float",
    "--no-bitfields",
    "--no-packed-struct",
    "--no-longlong",
];

/// Where the csmith runtime headers are (Debian package libcsmith-dev).
pub const CSMITH_INCLUDE: &str = "/usr/include/csmith";

/// What to run.
#[derive(Debug, Clone)]
pub struct Options {
    /// First csmith seed; programs use seeds `first_seed..first_seed + count`.
    pub first_seed: u64,
    /// Number of programs.
    pub count: u64,
    /// wasmi's fuel per program; the engine gets [`ENGINE_FUEL_FACTOR`] times as much.
    pub fuel: u64,
}

/// The engine's fuel is this multiple of wasmi's (their counts differ slightly).
pub const ENGINE_FUEL_FACTOR: u64 = 4;

/// One disagreement, with what reproduces it.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    /// csmith seed.
    pub seed: u64,
    /// The saved program and module.
    pub c: PathBuf,
    /// The module.
    pub wasm: PathBuf,
    /// What differed.
    pub what: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "csmith seed {}: {} (reproduce: {} and {})",
            self.seed,
            self.what,
            self.c.display(),
            self.wasm.display()
        )
    }
}

/// The result of a csmith run.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Programs attempted.
    pub programs: u64,
    /// Programs whose engine and wasmi outcomes agree.
    pub agreed: u64,
    /// Of those, programs that trapped on both (the rest returned a checksum).
    pub trapped: u64,
    /// Skip reason → count.
    pub skipped: BTreeMap<String, u64>,
    /// Disagreements.
    pub failures: Vec<Failure>,
    /// Total engine instructions over agreeing programs.
    pub instructions: u64,
    /// Wall time in seconds (compilation included).
    pub seconds: f64,
}

impl Report {
    /// Programs skipped.
    pub fn skipped_count(&self) -> u64 {
        self.skipped.values().sum()
    }
}

/// The [`Options::count`] for this run: `CASTLE_CSMITH_COUNT`, else `default`.
pub fn count_from_env(default: u64) -> u64 {
    std::env::var("CASTLE_CSMITH_COUNT")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The first seed for this run: `CASTLE_CSMITH_SEED`, else `default`.
pub fn seed_from_env(default: u64) -> u64 {
    std::env::var("CASTLE_CSMITH_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

enum Verdict {
    Agreed { trapped: bool, instructions: u64 },
    Skipped(String),
    Failed(String),
}

/// Runs `options.count` csmith programs on `engine` and wasmi; `progress(seed, verdict)` is
/// called after each program. An error means the tools are missing.
pub fn run(
    engine: &mut dyn Engine,
    options: &Options,
    progress: &mut dyn FnMut(u64, &str),
) -> Result<Report, String> {
    check_tools(&["clang-16", "wasm-opt"])?;
    if !std::path::Path::new(CSMITH_INCLUDE)
        .join("csmith.h")
        .exists()
    {
        return Err(format!(
            "{CSMITH_INCLUDE}/csmith.h is missing: install libcsmith-dev (scripts/setup.sh)"
        ));
    }
    let dir = artifacts("csmith");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    // csmith writes platform.info into its working folder, even for --version.
    run_tool(
        Command::new("csmith").arg("--version").current_dir(&dir),
        "csmith --version",
    )?;
    let start = Instant::now();
    let mut report = Report::default();
    for seed in options.first_seed..options.first_seed + options.count {
        report.programs += 1;
        let c = dir.join(format!("seed-{seed}.c"));
        let wasm = dir.join(format!("seed-{seed}.wasm"));
        let verdict = one(engine, options, seed, &c, &wasm);
        let label = match &verdict {
            Verdict::Agreed {
                trapped,
                instructions,
            } => {
                report.agreed += 1;
                report.trapped += u64::from(*trapped);
                report.instructions += instructions;
                "agreed".to_string()
            }
            Verdict::Skipped(reason) => {
                *report.skipped.entry(reason.clone()).or_default() += 1;
                format!("skipped: {reason}")
            }
            Verdict::Failed(what) => {
                report.failures.push(Failure {
                    seed,
                    c: c.clone(),
                    wasm: wasm.clone(),
                    what: what.clone(),
                });
                format!("FAILED: {what}")
            }
        };
        if !matches!(verdict, Verdict::Failed(_)) {
            let _ = std::fs::remove_file(&c);
            let _ = std::fs::remove_file(&wasm);
        }
        progress(seed, &label);
    }
    report.seconds = start.elapsed().as_secs_f64();
    Ok(report)
}

fn one(
    engine: &mut dyn Engine,
    options: &Options,
    seed: u64,
    c: &std::path::Path,
    wasm_path: &std::path::Path,
) -> Verdict {
    let generated = run_tool(
        // csmith writes platform.info into its working folder: keep it with the programs.
        Command::new("csmith")
            .args(CSMITH_FLAGS)
            .arg("--seed")
            .arg(seed.to_string())
            .arg("-o")
            .arg(c)
            .current_dir(c.parent().unwrap_or(std::path::Path::new("."))),
        "csmith",
    );
    if let Err(e) = generated {
        return Verdict::Skipped(format!("csmith failed: {}", e.lines().next().unwrap_or("")));
    }
    let driver = root().join("testbench/csmith/driver.c");
    let include = root().join("testbench/csmith/include");
    let program_dir = c.parent().unwrap_or(std::path::Path::new("."));
    let file_name = c.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let cflags = format!(
        "-ffreestanding -w -I{} -I{} -I{CSMITH_INCLUDE} -DNOT_PRINT_CHECKSUM -DCSMITH_PROGRAM=\"{file_name}\"",
        include.display(),
        program_dir.display()
    );
    if let Err(e) = c2wasm(&driver, wasm_path, &["checksum"], &cflags) {
        let first = e
            .lines()
            .find(|l| l.contains("error"))
            .unwrap_or("c2wasm failed")
            .to_string();
        return Verdict::Skipped(format!(
            "does not compile: {}",
            first.split("error: ").last().unwrap_or(&first)
        ));
    }
    let Ok(wasm) = std::fs::read(wasm_path) else {
        return Verdict::Skipped("no module written".into());
    };
    let image = match build(&wasm, &BuildOptions::default(), &engine.profile()) {
        Ok(image) => image,
        Err(e) => return Verdict::Skipped(format!("image builder: {}", category(&e.to_string()))),
    };
    let expected = match Wasmi::new(&wasm).and_then(|mut w| w.call("checksum", &[], options.fuel)) {
        Ok(Observed::Trap(TrapCause::FuelExhausted)) => {
            return Verdict::Skipped(format!(
                "wasmi does not finish within {} fuel",
                options.fuel
            ))
        }
        Ok(observed) => observed,
        Err(e) => return Verdict::Skipped(format!("wasmi: {e}")),
    };
    if let Err(e) = engine.instantiate(&image) {
        return match e {
            EngineError::Refused(e) => {
                Verdict::Skipped(format!("engine refused the image: {}", category(&e)))
            }
            e => Verdict::Failed(format!("instantiate: {e}")),
        };
    }
    match engine.invoke_export(&image, "checksum", &[], options.fuel * ENGINE_FUEL_FACTOR) {
        Ok(outcome) => {
            let got = Observed::from(&outcome);
            if got == expected {
                Verdict::Agreed {
                    trapped: matches!(got, Observed::Trap(_)),
                    instructions: outcome.instructions,
                }
            } else {
                let place = match &outcome.result {
                    Err(trap) => format!(" at pc {:#x}", trap.pc),
                    Ok(_) => String::new(),
                };
                Verdict::Failed(format!("{} {got}{place}, wasmi {expected}", engine.name()))
            }
        }
        Err(e) => Verdict::Failed(format!("{}: {e}", engine.name())),
    }
}

/// An error message without offsets and indices, for counting.
fn category(message: &str) -> String {
    let mut words = Vec::new();
    for word in message.split(' ') {
        if word.starts_with("0x")
            || word
                .trim_end_matches([',', ':', ')'])
                .parse::<u64>()
                .is_ok()
        {
            words.push("N");
        } else {
            words.push(word);
        }
    }
    words.join(" ")
}
