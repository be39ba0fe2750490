//! The `castle` command line keeps its contract (DESIGN.md, "CLI contract").
use std::process::Command;

fn castle(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_castle")).args(args).output().expect("run castle");
    (out.status.code().unwrap_or(-1), String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into())
}

const COMMANDS: &[&str] = &["run", "spec", "sim", "verilog", "build", "flash", "audit", "chaos", "console", "verify", "bench", "demo"];

#[test]
fn help_lists_every_command_and_each_has_help() {
    let (code, out, _) = castle(&["--help"]);
    assert_eq!(code, 0);
    for c in COMMANDS {
        assert!(out.lines().any(|l| l.trim_start().starts_with(c)), "`castle --help` does not list {c}:\n{out}");
        let (code, out, err) = castle(&[c, "--help"]);
        assert_eq!(code, 0, "castle {c} --help: {err}");
        assert!(out.contains("Usage: castle"), "castle {c} --help:\n{out}");
    }
}

#[test]
fn verilog_writes_the_block() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("leb128.v");
    let (code, _, err) = castle(&["verilog", "--top", "leb128", "-o", f.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let v = std::fs::read_to_string(&f).unwrap();
    assert!(v.contains("module top(") && v.contains("endmodule"), "{v}");
}

#[test]
fn bad_requests_fail_cleanly_without_output() {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("out.v");
    for top in ["nosuch", "cluster"] {
        let (code, _, err) = castle(&["verilog", "--top", top, "-o", f.to_str().unwrap()]);
        assert_eq!(code, 1, "{err}");
        assert!(err.contains("castle: error:") && err.contains(top), "{err}");
        assert!(!err.contains("panicked"), "{err}");
        assert!(!f.exists(), "a failed export left {}", f.display());
    }
    let (code, _, err) = castle(&["run", "x.wat"]);
    assert_eq!(code, 1);
    assert!(err.contains("not implemented yet"), "{err}");
    let (code, _, _) = castle(&["nosuch"]);
    assert_eq!(code, 2, "clap's usage error");
}

#[test]
fn demo_runs_and_agrees() {
    let (code, out, err) = castle(&["demo"]);
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("agree on all") && !out.contains("MISMATCH"), "{out}");
}

/// `castle bench --only` takes the section names and refuses others (without running anything).
#[test]
fn bench_only_lists_its_sections() {
    let (code, _, err) = castle(&["bench", "--only", "nosuch"]);
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("area") && err.contains("harness"), "{err}");
    let (code, out, _) = castle(&["bench", "--help"]);
    assert_eq!(code, 0);
    assert!(out.contains("--only"), "{out}");
}
