//! Differential suites over any [`crate::engine::Engine`]: the C benchmarks (engine, wasmi
//! and native gcc), csmith random programs (engine and wasmi) and random code loaded straight
//! into code memory (the engine must run or trap within its fuel). See `docs/testing.md`.
pub mod c_programs;
pub mod csmith;
pub mod random_code;

use std::path::{Path, PathBuf};
use std::process::Command;

/// The workspace root.
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Where suites keep reproducers: `target/castle-suites/NAME` (or under `CARGO_TARGET_DIR`).
pub fn artifacts(name: &str) -> PathBuf {
    let target =
        std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root().join("target"), PathBuf::from);
    target.join("castle-suites").join(name)
}

/// Runs `cmd`; its stdout, or an error with its stderr (and a pointer to setup.sh when the
/// tool is absent).
pub fn run_tool(cmd: &mut Command, what: &str) -> Result<String, String> {
    let out = cmd.output().map_err(|e| {
        format!(
            "{what}: cannot run {:?} ({e}); install the tools with scripts/setup.sh",
            cmd.get_program()
        )
    })?;
    if !out.status.success() {
        return Err(format!(
            "{what} failed ({}):\n{}{}",
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    String::from_utf8(out.stdout).map_err(|_| format!("{what}: output is not UTF-8"))
}

/// Fails unless every tool answers `--version`.
pub fn check_tools(tools: &[&str]) -> Result<(), String> {
    for tool in tools {
        let ok = Command::new(tool)
            .arg("--version")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        if !ok {
            return Err(format!("{tool} is missing or broken: run scripts/setup.sh"));
        }
    }
    Ok(())
}

/// Compiles `src` to `out` with `scripts/c2wasm.sh`, exporting `exports`, with extra clang flags.
pub fn c2wasm(src: &Path, out: &Path, exports: &[&str], cflags: &str) -> Result<(), String> {
    let mut cmd = Command::new("bash");
    cmd.arg(root().join("scripts/c2wasm.sh"))
        .arg(src)
        .arg(out)
        .args(exports)
        .env("C2WASM_CFLAGS", cflags);
    run_tool(&mut cmd, "scripts/c2wasm.sh").map(|_| ())
}
