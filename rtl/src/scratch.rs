//! Run a tool on a piece of Verilog in a scratch folder.
//!
//! Every flow (lint, synthesis, formal, place and route) writes the exported Verilog as `top.v`
//! into a fresh temporary folder and runs its tools there, naming files by **relative** paths
//! only: the YoWASP tools mount their own `/tmp`, so an absolute path under `/tmp` (where
//! `tempfile` puts the folder) is not found by them (../shared/FPGA-NOTES.md). The folder is
//! removed when the `Scratch` is dropped.
use crate::tools::{MissingTool, Tool};
use std::path::Path;
use std::process::{Command, Output};

/// A temporary folder holding `top.v`, where tools run.
pub struct Scratch {
    dir: tempfile::TempDir,
}

impl Scratch {
    /// A new scratch folder with `verilog` written to `top.v`.
    pub fn with_verilog(verilog: &str) -> std::io::Result<Scratch> {
        let s = Scratch {
            dir: tempfile::tempdir()?,
        };
        s.write("top.v", verilog)?;
        Ok(s)
    }

    /// The folder (for messages; tools must be given relative paths).
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Write `contents` to the file `name` in the folder.
    pub fn write(&self, name: &str, contents: &str) -> std::io::Result<()> {
        std::fs::write(self.dir.path().join(name), contents)
    }

    /// Read the file `name` of the folder.
    pub fn read(&self, name: &str) -> std::io::Result<String> {
        std::fs::read_to_string(self.dir.path().join(name))
    }

    /// A command for `tool` that runs inside the folder ([`Tool::command`] plus `current_dir`).
    pub fn command(&self, tool: Tool) -> Result<Command, MissingTool> {
        let mut cmd = tool.command()?;
        cmd.current_dir(self.dir.path());
        Ok(cmd)
    }
}

/// The last `n` lines of a tool's stdout followed by its stderr, for error messages.
pub fn log_tail(out: &Output, n: usize) -> String {
    let all = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    tail(&all, n)
}

/// The last `n` lines of `text`.
pub fn tail(text: &str, n: usize) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(n)..].join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_keeps_the_last_lines() {
        assert_eq!(tail("a\nb\nc\n", 2), "b\nc");
        assert_eq!(tail("a", 5), "a");
        assert_eq!(tail("", 5), "");
    }
}
