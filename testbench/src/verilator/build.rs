//! Verilate exported Verilog into a shared library, cached by content.
//!
//! One build: `verilator --cc --exe --build` with the shim as the "main" file and `-shared` as
//! the link flag, which makes Verilator's own makefile produce `libmodel.so` with the model,
//! the runtime and the shim in it. The Verilog is first split into one `always @(*)` per
//! group of signals (`castle_rtl::export::split_always`), which removes rust-hdl's false
//! combinational cycles (2-3x faster models). The cache key hashes the split Verilog, the
//! Verilator version, the shim's source and the options, so a cached build is reused only when
//! all of them match.
use super::shim;
use castle_rtl::ports::{self, Port, PortError};
use castle_rtl::tools::{MissingTool, Tool};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Mutex, OnceLock};

/// Options of a Verilator build.
#[derive(Clone, Debug, Default)]
pub struct BuildOptions {
    /// Build with `--trace` so that models can write VCD files (slower).
    pub trace: bool,
    /// Cache folder; default `target/verilator` in the project (env `CASTLE_VERILATOR_CACHE`).
    pub cache_dir: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Missing(#[from] MissingTool),
    #[error("reading ports of `{name}`: {source}")]
    Ports { name: String, source: PortError },
    #[error(transparent)]
    Export(#[from] castle_rtl::blocks::BlockError),
    #[error("`{0}` is not a valid model name (letters, digits and `_`, starting with a letter)")]
    BadName(String),
    #[error("{what}: {source}")]
    Io {
        what: String,
        source: std::io::Error,
    },
    #[error("verilator build of `{name}` failed (log in {log}):\n{tail}")]
    Failed {
        name: String,
        log: PathBuf,
        tail: String,
    },
    #[error("loading {path}: {source}")]
    Load {
        path: PathBuf,
        source: libloading::Error,
    },
}

/// A finished build: where the library is and what it holds.
#[derive(Clone, Debug)]
pub struct Built {
    pub dir: PathBuf,
    pub library: PathBuf,
    pub ports: Vec<Port>,
    /// True when the build came from the cache.
    pub cached: bool,
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> BuildError {
    let what = what.into();
    move |source| BuildError::Io { what, source }
}

/// Verilator's version line, asked once per process.
pub fn verilator_version() -> Result<String, BuildError> {
    static VERSION: OnceLock<String> = OnceLock::new();
    if let Some(v) = VERSION.get() {
        return Ok(v.clone());
    }
    let out = Tool::Verilator
        .command()?
        .arg("--version")
        .output()
        .map_err(io("running verilator --version"))?;
    let v = String::from_utf8_lossy(&out.stdout).trim().to_string();
    Ok(VERSION.get_or_init(|| v).clone())
}

/// The default cache folder.
pub fn default_cache_dir() -> PathBuf {
    match std::env::var_os("CASTLE_VERILATOR_CACHE") {
        Some(p) => PathBuf::from(p),
        None => castle_rtl::tools::project_root()
            .join("target")
            .join("verilator"),
    }
}

/// Build (or find in the cache) the model of `verilog`, whose top module is `top`.
/// `name` becomes the C++ class prefix `V{name}` and the cache folder's stem.
pub fn build(name: &str, verilog: &str, opts: &BuildOptions) -> Result<Built, BuildError> {
    if !name.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    {
        return Err(BuildError::BadName(name.into()));
    }
    // One process per group of signals instead of rust-hdl's one `always @(*)` per module:
    // without false combinational cycles Verilator orders the logic once per evaluation.
    let split = castle_rtl::export::split_always(verilog);
    let verilog = split.as_str();
    let ports = ports::parse(verilog, "top").map_err(|source| BuildError::Ports {
        name: name.into(),
        source,
    })?;
    let mut h = Sha256::new();
    for part in [
        verilog,
        &verilator_version()?,
        &shim::source(&format!("V{name}"), &ports, opts.trace),
        &opts.trace.to_string(),
        FLAGS.join(" ").as_str(),
    ] {
        h.update(part.as_bytes());
        h.update([0]);
    }
    let key: String = h
        .finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    let cache = opts.cache_dir.clone().unwrap_or_else(default_cache_dir);
    let dir = cache.join(format!("{name}-{key}"));
    let library = dir.join("obj").join("libmodel.so");
    if library.is_file() {
        return Ok(Built {
            dir,
            library,
            ports,
            cached: true,
        });
    }
    // One build at a time per process; other processes race safely through the rename below.
    static LOCK: Mutex<()> = Mutex::new(());
    let _guard = LOCK.lock().unwrap_or_else(|e| e.into_inner());
    if library.is_file() {
        return Ok(Built {
            dir,
            library,
            ports,
            cached: true,
        });
    }
    std::fs::create_dir_all(&cache).map_err(io(format!("creating {}", cache.display())))?;
    let tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}-"))
        .tempdir_in(&cache)
        .map_err(io(format!(
            "creating a build folder in {}",
            cache.display()
        )))?;
    verilate(name, verilog, &ports, opts, tmp.path())?;
    let tmp = tmp.keep();
    if std::fs::rename(&tmp, &dir).is_err() {
        // Another process finished the same build first; theirs is identical.
        let _ = std::fs::remove_dir_all(&tmp);
        if !library.is_file() {
            return Err(BuildError::Io {
                what: format!("moving the build into {}", dir.display()),
                source: std::io::Error::other("target exists without a library"),
            });
        }
    }
    Ok(Built {
        dir,
        library,
        ports,
        cached: false,
    })
}

/// Verilator flags of every build (part of the cache key). `CASTLE_RAM_POISON`: block RAMs
/// without read-during-write semantics return a poisoned word on a collision
/// (enclave/src/core/sram.rs), as their rust-hdl models do.
const FLAGS: &[&str] = &[
    "-DCASTLE_RAM_POISON",
    "--cc",
    "--exe",
    "--build",
    "-O3",
    "-Wno-fatal",
    "-Wno-lint",
    "-Wno-style",
    "--top-module",
    "top",
];

fn verilate(
    name: &str,
    verilog: &str,
    ports: &[Port],
    opts: &BuildOptions,
    dir: &Path,
) -> Result<(), BuildError> {
    let prefix = format!("V{name}"); // as in the cache key
    std::fs::write(dir.join("top.v"), verilog).map_err(io("writing top.v"))?;
    std::fs::write(
        dir.join("shim.cpp"),
        shim::source(&prefix, ports, opts.trace),
    )
    .map_err(io("writing shim.cpp"))?;
    let jobs = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .to_string();
    let mut cmd: Command = Tool::Verilator.command()?;
    cmd.current_dir(dir)
        .args(FLAGS)
        .args([
            "-j",
            &jobs,
            "--prefix",
            &prefix,
            "--Mdir",
            "obj",
            "-o",
            "libmodel.so",
        ])
        .args(["-CFLAGS", "-fPIC", "-LDFLAGS", "-shared"])
        .args(["-MAKEFLAGS", "OPT_FAST=-O2 OPT_SLOW=-O1 OPT_GLOBAL=-O2"]);
    if opts.trace {
        cmd.arg("--trace");
    }
    cmd.args(["top.v", "shim.cpp"]);
    let log = dir.join("build.log");
    let out = cmd.output().map_err(io("running verilator"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::write(&log, &text).map_err(io("writing build.log"))?;
    if !out.status.success() || !dir.join("obj/libmodel.so").is_file() {
        let tail: Vec<&str> = text.lines().rev().take(30).collect();
        let tail = tail.into_iter().rev().collect::<Vec<_>>().join("\n");
        // Keep the failed build for inspection.
        let kept = dir.with_extension("failed");
        let _ = std::fs::remove_dir_all(&kept);
        let log = match std::fs::rename(dir, &kept) {
            Ok(()) => kept.join("build.log"),
            Err(_) => log,
        };
        return Err(BuildError::Failed {
            name: name.into(),
            log,
            tail,
        });
    }
    Ok(())
}
