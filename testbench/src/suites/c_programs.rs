//! The C benchmarks in `apps/bench/`, compiled to Wasm with `scripts/c2wasm.sh` (run on an
//! engine and on wasmi 2) and natively with gcc: all three results must agree.
use super::{c2wasm, root, run_tool};
use crate::engine::Engine;
use crate::golden::{Observed, Wasmi};
use castle_enclave::image::{build, BuildOptions};
use std::path::{Path, PathBuf};
use std::process::Command;

/// Program file stems in `apps/bench/`; every program exports `int run(int n)`.
pub const PROGRAMS: &[&str] = &["fib", "sieve", "crc32", "qsort", "matmul", "vending"];

/// Arguments for every program (each reduces `n` to its own range).
pub const ARGS: &[i32] = &[
    0,
    1,
    2,
    3,
    10,
    25,
    100,
    499,
    1000,
    7999,
    -1,
    -1000,
    i32::MAX,
    i32::MIN,
];

/// Fuel per call: far above what any program needs.
pub const FUEL: u64 = 500_000_000;

/// One program's run.
#[derive(Debug, Clone)]
pub struct ProgramReport {
    /// File stem.
    pub name: String,
    /// Per argument: the engine's outcome and its instruction count.
    pub calls: Vec<(i32, Observed, u64)>,
    /// Disagreements, one line each (`name.c run(n): engine .., wasmi .., native ..`).
    pub mismatches: Vec<String>,
}

/// Compiles `src` natively with a generated `main`; `run(n)` for each of `args`.
fn native(src: &Path, dir: &Path, args: &[i32]) -> Result<Vec<i32>, String> {
    let main = dir.join("main.c");
    std::fs::write(
        &main,
        "#include <stdio.h>\n#include <stdlib.h>\nint run(int n);\n\
         int main(int argc, char **argv) {\n  for (int i = 1; i < argc; i++) printf(\"%d\\n\", run((int)strtol(argv[i], 0, 10)));\n  return 0;\n}\n",
    )
    .map_err(|e| format!("write main.c: {e}"))?;
    let exe = dir.join("native");
    run_tool(
        Command::new("gcc")
            .args(["-O2", "-std=c99", "-Wall", "-fno-builtin", "-o"])
            .arg(&exe)
            .arg(src)
            .arg(&main),
        "gcc",
    )?;
    let stdout = run_tool(
        Command::new(&exe).args(args.iter().map(|a| a.to_string())),
        "native program",
    )?;
    let values = stdout
        .lines()
        .map(|l| l.trim().parse::<i32>())
        .collect::<Result<Vec<i32>, _>>();
    match values {
        Ok(values) if values.len() == args.len() => Ok(values),
        _ => Err(format!("native output: {stdout}")),
    }
}

/// Whether the module contains a `br_table`.
pub fn has_br_table(wasm: &[u8]) -> bool {
    for payload in wasmparser::Parser::new(0).parse_all(wasm).flatten() {
        if let wasmparser::Payload::CodeSectionEntry(body) = payload {
            let ops = body.get_operators_reader().into_iter().flatten().flatten();
            if ops
                .into_iter()
                .any(|op| matches!(op, wasmparser::Operator::BrTable { .. }))
            {
                return true;
            }
        }
    }
    false
}

/// The source of program `name` (`apps/bench/NAME.c`).
pub fn source(name: &str) -> PathBuf {
    root().join("apps/bench").join(format!("{name}.c"))
}

/// Compiles program `name` to Wasm (exporting `run`) in `dir` and returns the module.
pub fn compile(name: &str, dir: &Path) -> Result<Vec<u8>, String> {
    let wasm_path = dir.join(format!("{name}.wasm"));
    c2wasm(&source(name), &wasm_path, &["run"], "")?;
    std::fs::read(&wasm_path).map_err(|e| format!("read {}: {e}", wasm_path.display()))
}

/// Compiles program `name`, runs it on `engine`, wasmi and natively for every [`ARGS`].
/// An error means the program could not be compiled or run at all.
pub fn check(engine: &mut dyn Engine, name: &str) -> Result<ProgramReport, String> {
    let src = source(name);
    let dir = tempfile::tempdir().map_err(|e| format!("scratch folder: {e}"))?;
    let wasm = compile(name, dir.path())?;
    if name == "vending" && !has_br_table(&wasm) {
        return Err("vending.wasm must contain a br_table".into());
    }
    let image = build(&wasm, &BuildOptions::default(), &engine.profile())
        .map_err(|e| format!("{name}: image builder rejected the module: {e}"))?;
    engine
        .instantiate(&image)
        .map_err(|e| format!("{name}: instantiate on {}: {e}", engine.name()))?;
    let mut wasmi = Wasmi::new(&wasm)?;
    let expected = native(&src, dir.path(), ARGS)?;
    let mut report = ProgramReport {
        name: name.to_string(),
        calls: Vec::new(),
        mismatches: Vec::new(),
    };
    for (&n, &native_value) in ARGS.iter().zip(&expected) {
        let wasmi_value = wasmi.call("run", &[n], FUEL)?;
        let outcome = engine
            .invoke_export(&image, "run", &[n], FUEL)
            .map_err(|e| format!("{name}.c run({n}): {e}"))?;
        let got = Observed::from(&outcome);
        let native_value = Observed::Values(vec![native_value]);
        if got != wasmi_value || got != native_value {
            report.mismatches.push(format!(
                "{name}.c run({n}): {} {got}, wasmi {wasmi_value}, native {native_value}",
                engine.name()
            ));
        }
        report.calls.push((n, got, outcome.instructions));
    }
    Ok(report)
}
