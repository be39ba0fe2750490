//! `castle run`: one module on one enclave.
use anyhow::{anyhow, bail, Context, Result};
use castle_enclave::image::{build, BuildOptions, FuncKind, Image, Profile};
use castle_testbench::engine::{by_name_with, RunOptions};
use std::path::Path;

/// Instruction budget of the model when `--max-cycles` is not given.
pub const DEFAULT_FUEL: u64 = 100_000_000;

/// Exit status of a run that ended in a trap (results: 0; errors: 1; usage: 2).
pub const TRAP_EXIT: i32 = 3;

/// What `castle run` was asked to do.
pub struct Request<'a> {
    pub file: &'a Path,
    pub invoke: Option<&'a str>,
    pub args: &'a [String],
    pub engine: &'a str,
    pub options: RunOptions,
    pub json: bool,
}

/// Runs the request; returns the exit status.
pub fn run(req: &Request<'_>) -> Result<i32> {
    let bytes =
        std::fs::read(req.file).with_context(|| format!("cannot read {}", req.file.display()))?;
    let profile = Profile::SIM;
    let image = build(&bytes, &BuildOptions::default(), &profile)
        .map_err(|e| anyhow!("{}: {e}", req.file.display()))?;
    let name = export(&image, req.invoke)?;
    let func = image.exports[&name];
    let entry = &image.functions[func as usize];
    if let FuncKind::Import(kind) = entry.kind {
        bail!(
            "export {name:?} is the capability call castle.{}, which a single enclave cannot run",
            kind.name()
        );
    }
    let args = req
        .args
        .iter()
        .map(|a| parse_i32(a))
        .collect::<Result<Vec<i32>>>()?;
    if args.len() != entry.params as usize {
        bail!(
            "{name} takes {} i32 argument(s), got {}",
            entry.params,
            args.len()
        );
    }
    let mut engine = by_name_with(req.engine, profile, &req.options)?;
    engine
        .instantiate(&image)
        .with_context(|| format!("instantiating {}", req.file.display()))?;
    // The model has no clock: --max-cycles bounds its instructions (fuel) instead.
    let fuel = req.options.max_cycles.unwrap_or(DEFAULT_FUEL);
    let outcome = engine.invoke(func, &args, fuel)?;
    let trap = outcome.result.as_ref().err().map(|trap| {
        let offset = image
            .pc_to_module_offset(trap.pc)
            .map_or("in a trap stub".to_string(), |o| {
                format!("module offset {o:#x}")
            });
        let func = image
            .func_at_pc(trap.pc)
            .map_or("no function".to_string(), |f| format!("func {f}"));
        format!("{trap} ({offset}, {func})")
    });
    let results = outcome.result.as_ref().map_or(&[][..], |v| v.as_slice());
    if req.json {
        /// The `--json` line, fields in this order.
        #[derive(serde::Serialize)]
        struct Line<'a> {
            results: &'a [i32],
            trap: Option<&'a str>,
            cycles: u64,
            instructions: u64,
        }
        let line = Line {
            results,
            trap: trap.as_deref(),
            cycles: outcome.cycles,
            instructions: outcome.instructions,
        };
        let json = serde_json::to_string(&line)?;
        println!("{json}");
    } else {
        match &trap {
            None => results.iter().for_each(|v| println!("{v}")),
            Some(trap) => println!("trap: {trap}"),
        }
        eprintln!(
            "castle: {name} on {}: {} instructions, {} cycles",
            engine.name(),
            outcome.instructions,
            outcome.cycles
        );
    }
    Ok(if trap.is_some() { TRAP_EXIT } else { 0 })
}

/// The export to call: the one named, or the only one.
fn export(image: &Image, invoke: Option<&str>) -> Result<String> {
    let names: Vec<&str> = image.exports.keys().map(String::as_str).collect();
    let list = if names.is_empty() {
        "none".to_string()
    } else {
        names.join(", ")
    };
    match invoke {
        Some(name) if image.exports.contains_key(name) => Ok(name.to_string()),
        Some(name) => bail!("no exported function named {name:?} (exports: {list})"),
        None if names.len() == 1 => Ok(names[0].to_string()),
        None => bail!("say which function to call with --invoke NAME (exports: {list})"),
    }
}

/// An i32 argument: decimal (may be negative) or 0x hex; unsigned values up to u32::MAX wrap.
fn parse_i32(arg: &str) -> Result<i32> {
    let value = match arg.strip_prefix("0x").or_else(|| arg.strip_prefix("0X")) {
        Some(hex) => i64::from_str_radix(hex, 16).ok(),
        None => arg.parse::<i64>().ok(),
    };
    match value {
        Some(v) if (i64::from(i32::MIN)..=i64::from(u32::MAX)).contains(&v) => Ok(v as i32),
        _ => bail!("argument {arg:?} is not an i32 (enclaves take i32 arguments only)"),
    }
}
