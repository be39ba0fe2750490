//! `castle demo`: the best end-to-end path that exists today, narrated. Until the cluster
//! exists this is one enclave: the core goes from rust-hdl to Verilog, through lint, onto
//! Verilator, and runs C programs compiled to WebAssembly, checked against wasmi; then a
//! hostile program traps without taking anything else down.
use crate::progress::spinner;
use anyhow::{bail, Context, Result};
use castle_enclave::image::{build, BuildOptions, Profile};
use castle_testbench::core::CoreEngine;
use castle_testbench::engine::Engine;
use castle_testbench::golden::{Observed, Wasmi};

/// The C programs run (apps/bench) and their argument.
const PROGRAMS: &[(&str, i32)] = &[
    ("fib", 20),
    ("sieve", 7999),
    ("crc32", 1023),
    ("qsort", 499),
    ("vending", 255),
];

/// A hostile actor: divides by zero, spins for ever, recurses without end.
const HOSTILE: &str = r#"(module
  (func (export "divide") (param i32) (result i32) i32.const 1 local.get 0 i32.div_u)
  (func (export "spin") (loop br 0))
  (func $r (export "recurse") (param i32) (result i32) local.get 0 i32.const 1 i32.add call $r))"#;

pub fn run() -> Result<()> {
    println!("Castle demo: one enclave core, from rust-hdl to Verilator, running WebAssembly.\n");
    let verilog = castle_rtl::blocks::export("enclave_sim")?;
    let modules = verilog.matches("\nmodule ").count();
    println!(
        "1. rust-hdl exported the core: {} lines of Verilog ({modules} modules, top `top`).",
        verilog.lines().count()
    );
    castle_rtl::lint::verilator_lint("enclave_sim", &verilog)?;
    let waived: Vec<&str> = castle_rtl::lint::WAIVERS.iter().map(|w| w.0).collect();
    println!(
        "2. verilator --lint-only -Wall: clean (documented waivers: {}).",
        waived.join(", ")
    );
    let pb = spinner("Verilating the core (cached after the first run, about a minute before)");
    let t = std::time::Instant::now();
    let core = CoreEngine::new();
    pb.finish_and_clear();
    let mut core = core?;
    println!(
        "3. Verilator model ready in {:.2} s.\n",
        t.elapsed().as_secs_f64()
    );

    println!("4. C programs (apps/bench, clang -> wasm32 -> binaryen), on the core and on wasmi:");
    println!(
        "   {:<16} {:>12} {:>12} {:>11} {:>11} {:>5}",
        "call", "core", "wasmi", "instructions", "cycles", "CPI"
    );
    let dir = tempfile::tempdir().context("scratch folder")?;
    let mut mismatches = 0;
    for (name, arg) in PROGRAMS {
        let wasm = castle_testbench::suites::c_programs::compile(name, dir.path())
            .map_err(anyhow::Error::msg)?;
        let image = build(&wasm, &BuildOptions::default(), &Profile::SIM)?;
        core.instantiate(&image)?;
        let run = core.invoke_export(&image, "run", &[*arg], 1 << 40)?;
        let golden = Wasmi::new(&wasm)
            .and_then(|mut w| w.call("run", &[*arg], 1 << 40))
            .map_err(anyhow::Error::msg)?;
        let mine = match &run.result {
            Ok(v) => Observed::Values(v.clone()),
            Err(t) => Observed::Trap(t.cause),
        };
        let agree = mine == golden;
        mismatches += !agree as u32;
        println!(
            "   {:<16} {:>12} {:>12} {:>11} {:>11} {:>5.2} {}",
            format!("{name}({arg})"),
            mine.to_string(),
            golden.to_string(),
            run.instructions,
            run.cycles,
            run.cycles as f64 / run.instructions as f64,
            if agree { "ok" } else { "MISMATCH" }
        );
    }
    if mismatches > 0 {
        bail!("{mismatches} programs gave different results on the core and on wasmi");
    }

    println!("\n5. A hostile actor: every fault halts the enclave with a cause and a pc.");
    let image = build(HOSTILE.as_bytes(), &BuildOptions::default(), &Profile::SIM)?;
    core.instantiate(&image)?;
    for (name, args, fuel) in [
        ("divide", &[0][..], 1000),
        ("spin", &[][..], 100_000),
        ("recurse", &[0][..], 1_000_000),
    ] {
        let run = core.invoke_export(&image, name, args, fuel)?;
        match run.result {
            Err(trap) => println!(
                "   {name:<8} trap: {trap} after {} instructions, {} cycles",
                run.instructions, run.cycles
            ),
            Ok(v) => bail!("{name} returned {v:?} instead of trapping"),
        }
    }
    let fine = core.invoke_export(&image, "divide", &[1], 1000)?;
    println!(
        "   and the same enclave runs on: divide(1) = {:?}",
        fine.result.map_err(|t| anyhow::anyhow!("{t}"))?
    );
    println!("\nNext: enclaves joined by the capability network (issue 5) into a cluster.");
    Ok(())
}
