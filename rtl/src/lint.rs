//! Verilator lint of exported Verilog, with only the documented waivers.
use crate::scratch::Scratch;
use crate::tools::{MissingTool, Tool};
use std::process::Output;

/// Warnings waived for rust-hdl's output, each with its reason (docs/verilog-export.md).
pub const WAIVERS: &[(&str, &str)] = &[
    // rust-hdl emits every literal as 32 bits (`count$q == 32'h4`) and relies on Verilog's
    // context sizing; the Verilator test of each block checks the result bit for bit.
    (
        "WIDTH",
        "rust-hdl emits 32-bit literals into narrower expressions",
    ),
    // Every block is one `always @(*)` that reads signals it also writes (the DFF `d` defaults).
    (
        "UNOPTFLAT",
        "combinational block reads and writes the same struct of signals",
    ),
    // One file holds `top` and every submodule (`top$acc`, ...), as rust-hdl writes it.
    ("DECLFILENAME", "rust-hdl writes all modules into one file"),
];

#[derive(Debug, thiserror::Error)]
pub enum LintError {
    #[error(transparent)]
    Missing(#[from] MissingTool),
    #[error("could not run the linter: {0}")]
    Io(#[from] std::io::Error),
    #[error("verilator --lint-only -Wall found problems in `{block}`:\n{log}")]
    Findings { block: String, log: String },
}

/// Lint `verilog` (top module `top`) with `-Wall` and the waivers above.
pub fn verilator_lint(block: &str, verilog: &str) -> Result<(), LintError> {
    let dir = Scratch::with_verilog(verilog)?;
    let mut cmd = dir.command(Tool::Verilator)?;
    cmd.args(["--lint-only", "-Wall", "--top-module", "top"]);
    for (w, _) in WAIVERS {
        cmd.arg(format!("-Wno-{w}"));
    }
    let out: Output = cmd.arg("top.v").output()?;
    if out.status.success() {
        Ok(())
    } else {
        let log = String::from_utf8_lossy(&out.stderr).into_owned();
        Err(LintError::Findings {
            block: block.into(),
            log,
        })
    }
}
