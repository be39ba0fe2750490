//! `castle`: the command line of the Castle cluster-on-a-chip (DESIGN.md, "CLI contract").
mod audit;
mod bench;
mod build;
mod demo;
mod progress;
mod run;
mod sim;
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
        /// Executor of the enclave (`compact`: the Verilated compact core; `model`: the software
        /// model, with the hardware's semantics)
        #[arg(long, value_parser = ["verilator", "compact", "rust-hdl", "model"], default_value = "verilator")]
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
        #[arg(long, value_parser = ["verilator", "compact", "rust-hdl", "model"], default_value = "verilator")]
        engine: String,
    },
    /// Simulate a cluster described by a manifest: load every enclave, run until all have
    /// halted or wait for messages, print the console and a summary per enclave
    #[command(
        after_help = "Exit status: 0 when the simulation ran (traps are reported, not errors), 1 on an error \
        (bad manifest, a module that does not build or fit).\n\
        --json prints one object: {\"engine\",\"cycles\",\"enclaves\":[{\"name\",\"outcome\",\"result\",\"trap\",\
        \"instructions\",\"cycles\",\"sent\",\"delivered\",\"rejected\",\"refused\",\"received\"}],\"console\":[...]}."
    )]
    Sim {
        /// The cluster manifest (TOML)
        manifest: PathBuf,
        /// Executor: the Verilated cluster, or the message-level software model
        #[arg(long, value_parser = ["verilator", "model"], default_value = "verilator")]
        engine: String,
        /// Cycle budget (the model has no clock: its instruction budget per enclave;
        /// default 10000000)
        #[arg(long)]
        cycles: Option<u64>,
        /// Write a VCD trace of the whole run (verilator only)
        #[arg(long)]
        vcd: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Write the Verilog of a block, or of a manifest's cluster (`--top cluster`)
    Verilog {
        /// Cluster manifest (for --top cluster)
        manifest: Option<PathBuf>,
        /// Block to export: cluster (needs a manifest), enclave, enclave_hx8k, enclave_sim,
        /// ni, network2x2, network4x4, router, mesh2x2, leb128, byte_ram, cluster2x2
        #[arg(long, default_value = "cluster")]
        top: String,
        /// Name of the top module (submodules are prefixed with it); default `top`
        #[arg(long)]
        name: Option<String>,
        /// Output file
        #[arg(short, long)]
        output: PathBuf,
    },
    /// Build a board's bitstream from a manifest, with utilization and timing reports and a
    /// provenance statement
    #[command(
        after_help = "Boards: icebreaker, icestick, alchitry-cu, ice40-hx8k, orangecrab-25f, ulx3s-85f.\n\
        Writes DIR (default build/BOARD): castle.bin (iCE40) or castle.bit (ECP5), castle.v, report.json, \
        provenance.json (in-toto statement, SLSA provenance v1), boot.hex, the constraints file and the tools' logs.\n\
        Exit status: 0 when the bitstream meets timing; 1 on a bad manifest, a design that does not fit \
        (naming each resource that ran out), timing not met by any seed tried, or a failed tool.\n\
        --json prints report.json's object."
    )]
    Build {
        #[arg(long)]
        board: String,
        /// The cluster manifest (default: apps/boards/BOARD.toml)
        manifest: Option<PathBuf>,
        /// Build folder (default: build/BOARD)
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// nextpnr seed (the first one tried)
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Seeds to try, from --seed on, keeping the first that meets timing
        #[arg(long, default_value_t = 1)]
        seeds: u32,
        /// Sign the provenance statement with this ed25519 private key (PKCS#8 PEM, as made by
        /// `openssl genpkey -algorithm ed25519 -out KEY`): writes provenance.dsse.json and
        /// signer.pub.pem
        #[arg(long, value_name = "KEY")]
        sign: Option<PathBuf>,
        /// Put the manifest's images and c-lists into the boot ROM of the build in DIR
        /// (same board and cluster shape) in seconds, without synthesis or place and route
        /// (iCE40 boards)
        #[arg(long)]
        images_only: bool,
        #[arg(long)]
        json: bool,
    },
    /// Program a board through openFPGALoader
    #[command(
        after_help = "Boards: icebreaker, icestick, alchitry-cu, ice40-hx8k, orangecrab-25f, ulx3s-85f.
        The bitstream is DIR/castle.bin (iCE40) or DIR/castle.bit (ECP5), DIR defaulting to the current folder, or --bitstream F.
        Exit status: 0 when programmed (or, with --dry-run, when the command was printed), 1 on an unknown board, a missing bitstream, no board attached, or a failed or timed-out run."
    )]
    Flash {
        #[arg(long)]
        board: String,
        /// Build folder holding the bitstream
        dir: Option<PathBuf>,
        /// The bitstream file itself, instead of a build folder
        #[arg(long, conflicts_with = "dir")]
        bitstream: Option<PathBuf>,
        /// Write the board's SPI flash (kept at power-off)
        #[arg(long, conflicts_with = "sram")]
        flash: bool,
        /// Write configuration memory only (lost at power-off; the default)
        #[arg(long)]
        sram: bool,
        /// Print the exact openFPGALoader command without running it
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
    /// Check a build folder: rebuild from its provenance statement's inputs and compare the
    /// bitstream
    #[command(
        after_help = "Reads DIR/provenance.json, checks the bitstream's SHA-256 against it, rebuilds from the recorded \
        manifest (relative to the project's root) and seed, and compares. Inputs and tools that changed since are listed.\n\
        Exit status: 0 when the rebuilt bitstream is byte-identical, 1 when it differs or on an error.\n\
        A signed build (provenance.dsse.json) must verify, against --key or the folder's signer.pub.pem.\n\
        --json prints {\"board\",\"bitstream\",\"recorded_sha256\",\"rebuilt_sha256\",\"matches\",\"changed_inputs\",\"changed_tools\",\"signature\"}."
    )]
    Verify {
        /// The build folder
        dir: PathBuf,
        /// The signer's public key (PEM) to check a signed build against (default: the key
        /// the folder carries, which proves integrity but not who signed)
        #[arg(long, value_name = "PUBKEY")]
        key: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
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
        Command::Sim {
            manifest,
            engine,
            cycles,
            vcd,
            json,
        } => sim::run(&sim::Request {
            manifest: &manifest,
            engine: &engine,
            cycles,
            vcd,
            json,
        }),
        Command::Build {
            board,
            manifest,
            output,
            seed,
            seeds,
            sign,
            images_only,
            json,
        } => build::run(&build::Request {
            board: &board,
            manifest: manifest.as_deref(),
            output: output.as_deref(),
            seed,
            seeds,
            sign: sign.as_deref(),
            images_only,
            json,
        }),
        Command::Verify { dir, key, json } => build::verify(&dir, key.as_deref(), json),
        cmd => dispatch_other(cmd).map(|()| 0),
    }
}

fn dispatch_other(cmd: Command) -> Result<()> {
    match cmd {
        Command::Verilog {
            manifest,
            top,
            name,
            output,
        } => verilog(manifest.as_deref(), &top, name.as_deref(), &output),
        Command::Bench { json, only } => bench::run(json, &only),
        Command::Demo => demo::run(),
        Command::Run { .. }
        | Command::Spec { .. }
        | Command::Sim { .. }
        | Command::Build { .. }
        | Command::Verify { .. } => {
            unreachable!("dispatched above")
        }
        Command::Flash {
            board,
            dir,
            bitstream,
            flash,
            sram: _,
            dry_run,
        } => flash_board(&board, dir.as_deref(), bitstream.as_deref(), flash, dry_run),
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
        Command::Chaos { .. } => not_yet(
            "chaos",
            "inject faults into a Verilated cluster and check every message against a ledger",
        ),
        Command::Console { .. } => not_yet(
            "console",
            "be the host side of the UART gateway, on a board or against a Verilated cluster",
        ),
    }
}

/// `castle flash`: checks the board and the bitstream, then prints (`--dry-run`) or runs the
/// openFPGALoader command.
fn flash_board(
    board: &str,
    dir: Option<&std::path::Path>,
    bitstream: Option<&std::path::Path>,
    to_flash: bool,
    dry_run: bool,
) -> Result<()> {
    use castle_fpga::board::{self, Target};
    let b = board::board(board)?;
    let target = if to_flash {
        Target::Flash
    } else {
        Target::Sram
    };
    let file = board::bitstream_path(b, dir, bitstream)?;
    if dry_run {
        println!("{}", board::flash_command(b, target, &file)?);
        return Ok(());
    }
    eprintln!(
        "castle: programming {} ({}) with {}",
        b.name,
        b.title,
        file.display()
    );
    board::flash(b, target, &file)?;
    eprintln!("castle: {} programmed", b.name);
    Ok(())
}

/// An error for a command of the CLI contract that does not exist yet, saying what it will do.
fn not_yet(cmd: &str, will: &str) -> Result<()> {
    bail!("`castle {cmd}` is not available yet; it will {will}")
}

fn verilog(
    manifest: Option<&std::path::Path>,
    top: &str,
    name: Option<&str>,
    output: &std::path::Path,
) -> Result<()> {
    let (v, params) = match (top, manifest) {
        ("cluster", None) => {
            bail!("`--top cluster` needs a manifest: castle verilog MANIFEST --top cluster -o FILE")
        }
        ("cluster", Some(path)) => {
            let m = castle_rtl::manifest::Manifest::load(path)?;
            if m.profile != castle_enclave::image::Profile::SIM_NODE.name {
                bail!(
                    "{}: profile `{}`: clusters are exported for profile `sim` (board profiles come with the boards)",
                    path.display(),
                    m.profile
                );
            }
            let kinds = castle_rtl::cluster::kinds(&m);
            let v = castle_rtl::cluster::sim_verilog(m.columns, m.rows, &kinds, m.core)?;
            let sha: String = m.sha256.iter().map(|b| format!("{b:02x}")).collect();
            let params = format!(
                "manifest {} (sha256 {sha}); mesh {}x{}; profile {}; core {}; nodes: {}",
                path.display(),
                m.columns,
                m.rows,
                m.profile,
                m.core.name(),
                (0..m.nodes())
                    .map(|i| m.name_of(i).to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
            (v, params)
        }
        (block, Some(path)) => bail!(
            "a manifest ({}) is only used with `--top cluster`, not `--top {block}`",
            path.display()
        ),
        (block, None) => (
            castle_rtl::blocks::export(block)?,
            castle_rtl::blocks::BLOCKS
                .iter()
                .find(|b| b.0 == block)
                .map_or(String::new(), |b| b.1.to_string()),
        ),
    };
    let module = name.unwrap_or("top");
    let v = match name {
        None => v,
        Some(n) => castle_rtl::export::rename_top(&v, n).ok_or_else(|| {
            anyhow::anyhow!("--name {n:?} is not a Verilog identifier ([A-Za-z_][A-Za-z0-9_]*)")
        })?,
    };
    let header = format!(
        "// Castle {}: block `{top}`, top module `{module}`.\n// {params}\n",
        env!("CARGO_PKG_VERSION")
    );
    write_atomically(output, format!("{header}{v}").as_bytes())?;
    eprintln!(
        "castle: wrote {} ({} lines, top module `{module}`)",
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

/// Writes the capability graph of `m` as SVG to `path` (what `castle audit --svg` writes).
fn audit_svg(m: &castle_rtl::manifest::Manifest, path: &std::path::Path) -> Result<()> {
    let report = castle_rtl::audit::audit_manifest(m, &castle_enclave::image::Profile::SIM_NODE)?;
    castle_rtl::audit::write_svg(&report.dot(), path)?;
    Ok(())
}
