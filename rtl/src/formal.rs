//! Formal proofs with SymbiYosys (`yowasp-sby`) on exported Verilog.
//!
//! YoWASP tools mount their own `/tmp`, so the proof runs inside its scratch folder with
//! relative paths only (../shared/FPGA-NOTES.md).
use crate::scratch::{tail, Scratch};
use crate::tools::{MissingTool, Tool};

#[derive(Debug, thiserror::Error)]
pub enum FormalError {
    #[error(transparent)]
    Missing(#[from] MissingTool),
    #[error("could not run sby: {0}")]
    Io(#[from] std::io::Error),
    #[error("sby did not prove `{name}`:\n{log}")]
    Failed { name: String, log: String },
}

/// Prove every `assert` of `verilog` (top module `top`, properties under `ifdef FORMAL`) by
/// k-induction of `depth` steps with z3.
pub fn prove(name: &str, verilog: &str, depth: u32) -> Result<(), FormalError> {
    prove_with(name, verilog, depth, "smtbmc z3")
}

/// As [`prove`], with another sby engine line (`smtbmc yices` is several times faster than z3
/// on the NoC proofs; the venv provides it).
pub fn prove_with(name: &str, verilog: &str, depth: u32, engine: &str) -> Result<(), FormalError> {
    let dir = Scratch::with_verilog(verilog)?;
    let sby = format!(
        "[options]\nmode prove\ndepth {depth}\n\n[engines]\n{engine}\n\n[script]\nread -formal top.v\nprep -top top\n\n[files]\ntop.v\n"
    );
    dir.write("proof.sby", &sby)?;
    let out = dir
        .command(Tool::YowaspSby)?
        .args(["-f", "proof.sby"])
        .output()?;
    let log = String::from_utf8_lossy(&out.stdout).into_owned();
    if out.status.success() && log.contains("DONE (PASS") {
        Ok(())
    } else {
        Err(FormalError::Failed {
            name: name.into(),
            log: tail(&log, 15),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COUNTER: &str = "module top(input wire clock, output reg [3:0] q);\n  initial q = 0;\n  always @(posedge clock) q <= (q == 9) ? 0 : q + 1;\n`ifdef FORMAL\n  always @(*) assert(q <= LIMIT);\n`endif\nendmodule\n";

    /// The formal flow proves a true invariant and refutes a false one.
    #[test]
    fn sby_proves_and_refutes() {
        prove("counter", &COUNTER.replace("LIMIT", "9"), 4).unwrap_or_else(|e| panic!("{e}"));
        match prove("counter", &COUNTER.replace("LIMIT", "8"), 4) {
            Err(FormalError::Failed { log, .. }) => assert!(log.contains("FAIL"), "{log}"),
            other => panic!("a false invariant was not refuted: {other:?}"),
        }
    }
}
