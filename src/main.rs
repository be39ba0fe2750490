//! `castle`: the command line of the Castle cluster-on-a-chip (DESIGN.md, "CLI contract").
mod audit;
mod bench;
mod demo;
mod progress;
mod run;
mod spec;

use anyhow::{bail, Context, Result};
use clap::{Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser)]
#[command(
    name = "castle",
    version,
    about = "Castle: capability-isolated WebAssembly enclaves on a mesh, in rust-hdl"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run one module on one enclave and print its results or its trap
    #[command(
        after_help = "Exit status: 0 with results, 3 on a trap, 1 on an error (bad file, unknown export, bad arguments).\n\
        --json prints {\"results\":[...],\"trap\":null|\"...\",\"cycles\":N,\"instructions\":N}."
    )]
    Run {
        /// The module (.wasm or .wat)
        file: PathBuf,
        /// Exported function to call (default: the only export)
        #[arg(long)]
        invoke: Option<String>,
        /// i32 arguments (may be negative; also accepted after `--`)
        #[arg(allow_negative_numbers = true)]
        args: Vec<String>,
        /// Executor of the enclave (`model`: the software model, with the hardware's semantics)
        #[arg(long, value_parser = ["verilator", "rust-hdl", "model"], default_value = "verilator")]
        engine: String,
        /// Cycle budget of the run: reaching it is a fuel trap (the model has no clock: its
        /// instruction budget; default 100000000)
        #[arg(long)]
        max_cycles: Option<u64>,
        /// Write a VCD trace (clocked engines only)
        #[arg(long)]
        vcd: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Run the official Wasm spec tests on the Verilated enclave, side by side with wasmi
    Spec {
        /// Only .wast files whose name matches this glob (`i32`, `br_*`, `*.wast`)
        #[arg(long)]
        filter: Option<String>,
        #[arg(long)]
        json: bool,
        /// Executor of the enclave
        #[arg(long, value_parser = ["verilator", "rust-hdl", "model"], default_value = "verilator")]
        engine: String,
    },
    /// Simulate a whole cluster on Verilator
    Sim {
        manifest: PathBuf,
        #[arg(long)]
        cycles: Option<u64>,
        #[arg(long)]
        vcd: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Write the Verilog of a block (top module `top`)
    Verilog {
        /// Cluster manifest (for --top cluster)
        manifest: Option<PathBuf>,
        /// Block to export: enclave, enclave_hx8k, enclave_sim, ni, network2x2, network4x4,
        /// router, mesh2x2, leb128, byte_ram (cluster: planned)
        #[arg(long, default_value = "cluster")]
        top: String,
        /// Output file
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Build a bitstream with utilization and timing reports
    Build {
        #[arg(long)]
        board: String,
        manifest: Option<PathBuf>,
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Program a board through openFPGALoader
    Flash {
        #[arg(long)]
        board: String,
        /// Print what would be run, and probe for the board, without programming it
        #[arg(long)]
        dry_run: bool,
    },
    /// Capability graph and least-privilege report of a manifest
    #[command(
        after_help = "Reports who can send to whom (one edge per capability, with rights and badge),         the capabilities that can spread by grant, and what each enclave holds but can never use.
        Exit status: 0 with the report, 1 on a bad manifest or module (FILE:LINE: FIELD: MESSAGE)."
    )]
    Audit {
        manifest: PathBuf,
        /// Write the capability graph in Graphviz dot to this file
        #[arg(long, value_name = "FILE")]
        dot: Option<PathBuf>,
        /// Render the graph to SVG with Graphviz `dot` into this file
        #[arg(long, value_name = "FILE")]
        svg: Option<PathBuf>,
        /// Print the report as one JSON object
        #[arg(long)]
        json: bool,
    },
    /// Fault injection with an independent ledger
    Chaos {
        manifest: PathBuf,
        #[arg(long)]
        seed: Option<u64>,
        #[arg(long)]
        json: bool,
    },
    /// Host side of the UART gateway
    Console {
        #[arg(long, conflicts_with = "sim", required_unless_present = "sim")]
        board: Option<String>,
        #[arg(long)]
        sim: Option<PathBuf>,
    },
    /// Rebuild from recorded inputs and compare the bitstream
    Verify { dir: PathBuf },
    /// Measure every figure of docs/RESULTS.md
    Bench {
        #[arg(long)]
        json: bool,
        /// Measure only these sections (comma-separated or repeated)
        #[arg(long, value_enum, value_delimiter = ',')]
        only: Vec<bench::Section>,
    },
    /// The default cluster on Verilator, narrated
    Demo,
}

fn main() {
    let cli = Cli::parse();
    match dispatch(cli.command) {
        Ok(0) => {}
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("castle: error: {e:#}");
            std::process::exit(1);
        }
    }
}

/// Runs a command; returns the exit status.
fn dispatch(cmd: Command) -> Result<i32> {
    match cmd {
        Command::Run {
            file,
            invoke,
            args,
            engine,
            max_cycles,
            vcd,
            json,
        } => run::run(&run::Request {
            file: &file,
            invoke: invoke.as_deref(),
            args: &args,
            engine: &engine,
            options: castle_testbench::engine::RunOptions { max_cycles, vcd },
            json,
        }),
        Command::Spec {
            filter,
            json,
            engine,
        } => spec::run(&engine, filter.as_deref(), json),
        cmd => dispatch_other(cmd).map(|()| 0),
    }
}

fn dispatch_other(cmd: Command) -> Result<()> {
    match cmd {
        Command::Verilog {
            manifest,
            top,
            output,
        } => verilog(manifest, &top, &output),
        Command::Bench { json, only } => bench::run(json, &only),
        Command::Demo => demo::run(),
        Command::Run { .. } | Command::Spec { .. } => unreachable!("dispatched above"),
        Command::Sim { .. } => not_yet("sim", 0),
        Command::Build { .. } => not_yet("build", 0),
        Command::Flash { .. } => not_yet("flash", 0),
        Command::Audit {
            manifest,
            dot,
            svg,
            json,
        } => audit::run(&audit::Request {
            manifest: &manifest,
            dot: dot.as_deref(),
            svg: svg.as_deref(),
            json,
        }),
        Command::Chaos { .. } => not_yet("chaos", 0),
        Command::Console { .. } => not_yet("console", 0),
        Command::Verify { .. } => not_yet("verify", 0),
    }
}

fn not_yet(cmd: &str, issue: u32) -> Result<()> {
    if issue > 0 {
        bail!("`castle {cmd}` is not implemented yet (issue {issue})")
    }
    bail!("`castle {cmd}` is not implemented yet")
}

fn verilog(manifest: Option<PathBuf>, top: &str, output: &std::path::Path) -> Result<()> {
    if let Some(m) = manifest {
        bail!(
            "manifests are not supported yet ({}): the cluster top level does not exist",
            m.display()
        );
    }
    let v = castle_rtl::blocks::export(top)?;
    write_atomically(output, v.as_bytes())?;
    eprintln!(
        "castle: wrote {} ({} lines, top module `top`)",
        output.display(),
        v.lines().count()
    );
    Ok(())
}

/// Write `bytes` to `path` through a temporary file in the same folder, so that a failure
/// never leaves a half-written output.
fn write_atomically(path: &std::path::Path, bytes: &[u8]) -> Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => std::path::Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write into {}", dir.display()))?;
    std::io::Write::write_all(&mut tmp, bytes)
        .with_context(|| format!("writing {}", path.display()))?;
    tmp.persist(path)
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}
