//! The C benchmarks in `apps/bench/`, compiled three ways: to Wasm with `scripts/c2wasm.sh`
//! (run on the enclave model and on wasmi 2) and natively with gcc. All three results must agree.
//! The model's instruction count per call is printed (`-- --nocapture`).
//! A missing tool fails the test (it never skips): run `scripts/setup.sh`.
mod common;

use castle_enclave::image::{build, BuildOptions, Profile};
use castle_enclave::model::Instance;
use common::{model_outcome, Outcome};
use std::path::{Path, PathBuf};
use std::process::Command;
use wasmi::{Engine, Linker, Module, Store, Val};

/// Program file stem in `apps/bench/`; every program exports `int run(int n)`.
const PROGRAMS: &[&str] = &["fib", "sieve", "crc32", "qsort", "matmul", "vending"];

/// Arguments for every program (each reduces `n` to its own range).
const ARGS: &[i32] = &[
    0,
    1,
    2,
    3,
    10,
    25,
    100,
    499,
    1000,
    7999,
    -1,
    -1000,
    i32::MAX,
    i32::MIN,
];

/// Fuel per model call: far above what any program needs.
const FUEL: u64 = 500_000_000;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Runs `cmd`, panicking with its stderr on failure and with a pointer to setup.sh when absent.
fn run_tool(cmd: &mut Command, what: &str) -> String {
    let out = cmd.output().unwrap_or_else(|e| {
        panic!(
            "{what}: cannot run {:?} ({e}); install the tools with scripts/setup.sh",
            cmd.get_program()
        )
    });
    assert!(
        out.status.success(),
        "{what} failed ({}):\n{}{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

fn check_tools() {
    for tool in ["clang-16", "wasm-opt", "gcc"] {
        let ok = Command::new(tool)
            .arg("--version")
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false);
        assert!(ok, "{tool} is missing or broken: run scripts/setup.sh");
    }
}

/// A fresh scratch directory, removed on drop.

/// Compiles `src` natively with a generated `main` and returns `run(n)` for each of `args`.
fn native(src: &Path, dir: &Path, args: &[i32]) -> Vec<i32> {
    let main = dir.join("main.c");
    std::fs::write(
        &main,
        "#include <stdio.h>\n#include <stdlib.h>\nint run(int n);\n\
         int main(int argc, char **argv) {\n  for (int i = 1; i < argc; i++) printf(\"%d\\n\", run((int)strtol(argv[i], 0, 10)));\n  return 0;\n}\n",
    )
    .expect("write main.c");
    let exe = dir.join("native");
    run_tool(
        Command::new("gcc")
            .args(["-O2", "-std=c99", "-Wall", "-fno-builtin", "-o"])
            .arg(&exe)
            .arg(src)
            .arg(&main),
        "gcc",
    );
    let stdout = run_tool(
        Command::new(&exe).args(args.iter().map(|a| a.to_string())),
        "native program",
    );
    let values: Vec<i32> = stdout
        .lines()
        .map(|l| l.trim().parse().expect("native output"))
        .collect();
    assert_eq!(values.len(), args.len(), "native output: {stdout}");
    values
}

/// Whether the module contains a `br_table`.
fn has_br_table(wasm: &[u8]) -> bool {
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        if let wasmparser::Payload::CodeSectionEntry(body) = payload.expect("parse") {
            let mut reader = body.get_operators_reader().expect("operators");
            while !reader.eof() {
                if let wasmparser::Operator::BrTable { .. } = reader.read().expect("operator") {
                    return true;
                }
            }
        }
    }
    false
}

/// Compiles, runs and compares one program; returns the model's instruction counts per argument.
fn check_program(name: &str) -> Vec<u64> {
    let root = root();
    let src = root.join("apps/bench").join(format!("{name}.c"));
    let script = root.join("scripts/c2wasm.sh");
    let dir = tempfile::tempdir().expect("create a scratch folder");
    let wasm_path = dir.path().join(format!("{name}.wasm"));
    run_tool(
        Command::new("bash")
            .arg(&script)
            .arg(&src)
            .arg(&wasm_path)
            .arg("run"),
        "scripts/c2wasm.sh",
    );
    let wasm = std::fs::read(&wasm_path).expect("read wasm");
    if name == "vending" {
        assert!(has_br_table(&wasm), "vending.wasm must contain a br_table");
    }

    let image = build(&wasm, &BuildOptions { spec_mode: false }, &Profile::SIM)
        .unwrap_or_else(|e| panic!("{name}: image builder rejected the module: {e}"));
    let mut model = Instance::new(&image, &Profile::SIM).expect("model instance");

    let engine = Engine::default();
    let module = Module::new(&engine, &wasm[..]).expect("wasmi module");
    let mut store = Store::new(&engine, ());
    let instance = Linker::new(&engine)
        .instantiate_and_start(&mut store, &module)
        .expect("wasmi instance");
    let func = instance.get_func(&store, "run").expect("export run");

    let expected = native(&src, dir.path(), ARGS);
    let mut counts = Vec::new();
    let mut failures = Vec::new();
    for (&n, &native_value) in ARGS.iter().zip(&expected) {
        let mut results = [Val::I32(0)];
        let wasmi_value = match func.call(&mut store, &[Val::I32(n)], &mut results) {
            Ok(()) => Outcome::Values(vec![results[0].i32().expect("i32")]),
            Err(e) => Outcome::Trap(
                e.as_trap_code()
                    .and_then(common::cause_of)
                    .unwrap_or_else(|| panic!("wasmi {e}")),
            ),
        };
        let before = model.counters().instructions;
        let model_value = model_outcome(model.invoke("run", &[n], FUEL)).expect("model call");
        let count = model.counters().instructions - before;
        counts.push(count);
        let native_value = Outcome::Values(vec![native_value]);
        println!("{name:8} run({n:11}) = {model_value:?}  model instructions {count}");
        if model_value != wasmi_value || model_value != native_value {
            failures.push(format!(
                "{name}.c run({n}): model {model_value:?}, wasmi {wasmi_value:?}, native {native_value:?}"
            ));
        }
    }
    assert!(failures.is_empty(), "mismatches:\n{}", failures.join("\n"));
    counts
}

#[test]
fn c_benchmarks_agree_with_wasmi_and_native() {
    check_tools();
    let mut summary = Vec::new();
    for name in PROGRAMS {
        let counts = check_program(name);
        summary.push(format!(
            "{name:8} model instructions: total {} max {} over {} calls",
            counts.iter().sum::<u64>(),
            counts.iter().max().unwrap(),
            counts.len()
        ));
    }
    println!("{}", summary.join("\n"));
}
