//! The `castle` command line keeps its contract (DESIGN.md, "CLI contract").
use std::process::Command;

fn castle(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_castle"))
        .args(args)
        .output()
        .expect("run castle");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into(),
        String::from_utf8_lossy(&out.stderr).into(),
    )
}

const COMMANDS: &[&str] = &[
    "run", "spec", "sim", "verilog", "build", "flash", "audit", "chaos", "console", "verify",
    "bench", "demo",
];

#[test]
fn help_lists_every_command_and_each_has_help() {
    let (code, out, _) = castle(&["--help"]);
    assert_eq!(code, 0);
    for c in COMMANDS {
        assert!(
            out.lines().any(|l| l.trim_start().starts_with(c)),
            "`castle --help` does not list {c}:\n{out}"
        );
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
    let (code, _, err) = castle(&["sim", "x.toml"]);
    assert_eq!(code, 1);
    assert!(err.contains("x.toml"), "{err}");
    let out = dir.path().join("build");
    let (code, _, err) = castle(&["build", "--board", "de10", "-o", out.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("unknown board `de10`; known: "), "{err}");
    assert!(!err.contains("issue") && !err.contains("panicked"), "{err}");
    assert!(!out.exists(), "a refused build left {}", out.display());
    let (code, _, _) = castle(&["nosuch"]);
    assert_eq!(code, 2, "clap's usage error");
}

#[test]
fn demo_runs_and_agrees() {
    let (code, out, err) = castle(&["demo"]);
    assert_eq!(code, 0, "{out}\n{err}");
    for text in [
        "[bob] bob: note 42 from badge 1",
        "[mallory] mallory: 15 of 15 sends refused",
        "alice granted carol a send-only copy",
        "The software model of the cluster gives every actor the same results",
        "Waveforms of the whole run: target/demo/demo.vcd",
        "The capability graph: target/demo/capabilities.svg",
    ] {
        assert!(out.contains(text), "missing {text:?} in\n{out}");
    }
    assert!(
        !out.contains("MISMATCH") && !out.contains("UNEXPECTED"),
        "{out}"
    );
    assert!(!out.contains("issue"), "{out}");
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let svg = std::fs::read_to_string(root.join("target/demo/capabilities.svg")).unwrap();
    assert!(svg.contains("<svg"), "the audit SVG");
    let vcd = std::fs::metadata(root.join("target/demo/demo.vcd")).unwrap();
    assert!(vcd.len() > 1000, "the VCD");
}

const PROGRAM: &str = r#"(module
  (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
  (func (export "div") (param i32 i32) (result i32) local.get 0 local.get 1 i32.div_s)
  (func (export "spin") (loop br 0)))"#;

fn program(dir: &tempfile::TempDir) -> String {
    let f = dir.path().join("p.wat");
    std::fs::write(&f, PROGRAM).unwrap();
    f.to_str().unwrap().to_string()
}

#[test]
fn run_prints_results_on_the_model() {
    let dir = tempfile::tempdir().unwrap();
    let f = program(&dir);
    let (code, out, err) = castle(&["run", &f, "--invoke", "add", "2", "-5", "--engine", "model"]);
    assert_eq!((code, out.as_str()), (0, "-3\n"), "{err}");
    let (code, out, err) = castle(&[
        "run", &f, "--invoke", "add", "--engine", "model", "--", "-3", "0x10",
    ]);
    assert_eq!((code, out.as_str()), (0, "13\n"), "{err}");
    let (code, out, err) = castle(&[
        "run", &f, "--invoke", "add", "7", "8", "--engine", "model", "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.trim(),
        r#"{"results":[15],"trap":null,"cycles":0,"instructions":4}"#
    );
}

#[test]
fn run_reports_a_trap_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let f = program(&dir);
    let (code, out, err) = castle(&["run", &f, "--invoke", "div", "1", "0", "--engine", "model"]);
    assert_eq!(code, 3, "{err}");
    assert!(
        out.starts_with("trap: integer divide by zero at pc 0x"),
        "{out}"
    );
    assert!(
        out.contains("module offset 0x") && out.contains("func 1"),
        "{out}"
    );
    let (code, out, err) = castle(&[
        "run",
        &f,
        "--invoke",
        "spin",
        "--engine",
        "model",
        "--max-cycles",
        "1000",
        "--json",
    ]);
    assert_eq!(code, 3, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("json");
    let keys: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys.len(), 4, "{out}");
    assert_eq!(v["results"], serde_json::json!([]));
    assert!(
        v["trap"]
            .as_str()
            .unwrap()
            .starts_with("fuel exhausted at pc"),
        "{out}"
    );
    assert_eq!(v["instructions"], 1000);
    assert!(
        out.starts_with(r#"{"results":[],"trap":"#),
        "field order: {out}"
    );
}

#[test]
fn run_refuses_bad_inputs_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let f = program(&dir);
    let bad = dir.path().join("bad.wasm");
    std::fs::write(&bad, b"\0asm\x01\0\0\0\x01\x05").unwrap();
    let i64_module = dir.path().join("i64.wat");
    std::fs::write(
        &i64_module,
        r#"(module (func (export "f") (result i64) i64.const 1))"#,
    )
    .unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["run", bad.to_str().unwrap(), "--engine", "model"],
            "offset 0x",
        ),
        (
            vec!["run", i64_module.to_str().unwrap(), "--engine", "model"],
            "offset 0x",
        ),
        (
            vec!["run", "/nonexistent/x.wat", "--engine", "model"],
            "cannot read",
        ),
        (
            vec!["run", &f, "--invoke", "nope", "--engine", "model"],
            "no exported function named \"nope\"",
        ),
        (
            vec!["run", &f, "--invoke", "add", "1", "--engine", "model"],
            "takes 2 i32 argument(s), got 1",
        ),
        (
            vec!["run", &f, "--invoke", "add", "1", "x", "--engine", "model"],
            "is not an i32",
        ),
        (
            vec![
                "run",
                &f,
                "--invoke",
                "add",
                "1",
                "4294967296",
                "--engine",
                "model",
            ],
            "is not an i32",
        ),
        (vec!["run", &f, "--engine", "model"], "--invoke"),
        (
            vec![
                "run", &f, "--invoke", "add", "1", "2", "--engine", "model", "--vcd", "t.vcd",
            ],
            "only for the",
        ),
        (
            vec![
                "run", &f, "--invoke", "add", "1", "2", "--engine", "rust-hdl", "--vcd", "t.vcd",
            ],
            "use --engine verilator",
        ),
        (
            vec!["spec", "--engine", "model", "--filter", "nosuch"],
            "no .wast file matches",
        ),
    ];
    for (args, message) in cases {
        let (code, out, err) = castle(&args);
        assert_eq!(code, 1, "castle {args:?}: {out}{err}");
        assert!(
            err.contains("castle: error:") && err.contains(message),
            "castle {args:?}: {err}"
        );
        assert!(!err.contains("panicked"), "castle {args:?}: {err}");
    }
}

#[test]
fn spec_on_the_model_prints_the_table_and_counts() {
    let (code, out, err) = castle(&["spec", "--engine", "model", "--filter", "br_*"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.lines()
            .any(|l| l.starts_with("br_table.wast") && l.split_whitespace().nth(2) == Some("0")),
        "{out}"
    );
    let summary = out
        .lines()
        .find(|l| l.ends_with(" skipped") && l.contains(" passed, "))
        .expect(&out);
    assert!(summary.contains(" 0 failed,"), "{summary}");
    assert!(out.contains("  skipped "), "skip reasons: {out}");
    let (code, out, err) = castle(&["spec", "--engine", "model", "--filter", "i32", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(v["failed"], 0);
    assert!(v["passed"].as_u64().unwrap() > 300, "{out}");
    assert_eq!(v["files"][0]["file"], "i32.wast");
    assert!(
        v["skip_reasons"].is_object() && v["failures"].is_array(),
        "{out}"
    );
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

/// The default engine is the Verilated core; rust-hdl runs the same core in its simulator.
#[test]
fn run_and_spec_on_the_core() {
    let dir = tempfile::tempdir().unwrap();
    let f = program(&dir);
    let (code, out, err) = castle(&["run", &f, "--invoke", "add", "2", "-5"]);
    assert_eq!((code, out.as_str()), (0, "-3\n"), "{err}");
    let (code, out, err) = castle(&["run", &f, "--invoke", "div", "7", "2", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("json");
    assert_eq!(v["results"], serde_json::json!([3]));
    assert!(
        v["cycles"].as_u64().unwrap() > v["instructions"].as_u64().unwrap(),
        "{out}"
    );
    let (code, out, err) = castle(&[
        "run", &f, "--invoke", "div", "7", "0", "--engine", "rust-hdl",
    ]);
    assert_eq!(code, 3, "{err}");
    assert!(
        out.starts_with("trap: integer divide by zero at pc 0x"),
        "{out}"
    );
    let vcd = dir.path().join("t.vcd");
    let (code, _, err) = castle(&[
        "run",
        &f,
        "--invoke",
        "add",
        "1",
        "1",
        "--vcd",
        vcd.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::read_to_string(&vcd)
        .unwrap()
        .contains("$enddefinitions"));
    let (code, out, err) = castle(&[
        "run",
        &f,
        "--invoke",
        "spin",
        "--max-cycles",
        "500",
        "--json",
    ]);
    assert_eq!(code, 3, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("json");
    assert!(
        v["trap"]
            .as_str()
            .unwrap()
            .starts_with("fuel exhausted at pc"),
        "{out}"
    );
    assert!(v["cycles"].as_u64().unwrap() <= 501, "{out}");
    let (code, out, err) = castle(&["spec", "--filter", "i32", "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).expect("json");
    assert_eq!(
        (v["failed"].as_u64(), v["engine"].as_str()),
        (Some(0), Some("verilator")),
        "{out}"
    );
    assert!(v["passed"].as_u64().unwrap() > 300, "{out}");
}

/// A cluster of two enclaves and a console in `dir`; returns the manifest's path.
fn audit_cluster(dir: &tempfile::TempDir) -> String {
    let sender = r#"(module
  (import "castle" "send" (func (param i32 i32 i32) (result i32)))
  (import "castle" "grant" (func (param i32 i32 i32) (result i32)))
  (func (export "main")))"#;
    let receiver = r#"(module
  (import "castle" "recv" (func (param i32) (result i32)))
  (func (export "main")))"#;
    std::fs::write(dir.path().join("a.wat"), sender).unwrap();
    std::fs::write(dir.path().join("b.wat"), receiver).unwrap();
    let manifest = r#"[cluster]
mesh = [2, 2]

[[enclave]]
name = "a"
wasm = "a.wat"
caps = [ { to = "b", rights = ["send", "grant"], badge = 9 }, { to = "console" } ]

[[enclave]]
name = "b"
wasm = "b.wat"

[[device]]
name = "console"
kind = "console"
"#;
    let f = dir.path().join("cluster.toml");
    std::fs::write(&f, manifest).unwrap();
    f.to_str().unwrap().to_string()
}

#[test]
fn audit_reports_the_graph_and_writes_dot_and_svg() {
    let dir = tempfile::tempdir().unwrap();
    let m = audit_cluster(&dir);
    let (code, out, err) = castle(&["audit", &m]);
    assert_eq!(code, 0, "{err}");
    for part in [
        "a[0] -> b: send+grant, badge 9",
        "b can obtain console: send, badge 1, from a",
        "b: console (after a grant)",
        "enclave `a` is reachable by nobody",
    ] {
        assert!(out.contains(part), "`{part}` not in:\n{out}");
    }

    let (code, out, err) = castle(&["audit", &m, "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("one JSON object");
    assert_eq!(v["edges"].as_array().map(Vec::len), Some(2), "{v}");
    assert_eq!(v["spread"][0]["holder"], "b", "{v}");
    assert_eq!(v["unreachable"], serde_json::json!(["a"]), "{v}");

    let (dot, svg) = (dir.path().join("g.dot"), dir.path().join("g.svg"));
    let (code, _, err) = castle(&[
        "audit",
        &m,
        "--dot",
        dot.to_str().unwrap(),
        "--svg",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let dot = std::fs::read_to_string(&dot).unwrap();
    assert!(
        dot.contains("\"a\" -> \"b\"") && dot.contains("style=dashed"),
        "{dot}"
    );
    let svg = std::fs::read_to_string(&svg).unwrap();
    let first = svg
        .match_indices('<')
        .map(|(i, _)| &svg[i..])
        .find(|t| !t.starts_with("<?") && !t.starts_with("<!"))
        .unwrap_or("");
    assert!(first.starts_with("<svg"), "{svg}");
}

#[test]
fn audit_refuses_bad_manifests_with_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let m = audit_cluster(&dir);
    let text = std::fs::read_to_string(&m).unwrap();
    std::fs::write(&m, text.replace("badge = 9", "badge = 99999")).unwrap();
    let svg = dir.path().join("g.svg");
    let (code, out, err) = castle(&["audit", &m, "--svg", svg.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains(&format!("castle: error: {m}:7: caps[0].badge: enclave `a`")),
        "{err}"
    );
    assert!(!err.contains("panicked") && out.is_empty(), "{err}");
    assert!(!svg.exists());

    std::fs::write(&m, &text).unwrap();
    std::fs::write(
        dir.path().join("b.wat"),
        "(module (func (export \"start\")))",
    )
    .unwrap();
    let (code, _, err) = castle(&["audit", &m]);
    assert_eq!(code, 1);
    assert!(
        err.contains(":11: entry: enclave `b`") && err.contains("no export `main`"),
        "{err}"
    );

    let (code, _, err) = castle(&["audit", "no-such.toml"]);
    assert_eq!(code, 1);
    assert!(err.contains("no-such.toml: cannot read"), "{err}");
}

#[test]
fn audit_without_graphviz_says_how_to_install_it() {
    let dir = tempfile::tempdir().unwrap();
    let m = audit_cluster(&dir);
    let svg = dir.path().join("g.svg");
    let out = Command::new(env!("CARGO_BIN_EXE_castle"))
        .args(["audit", &m, "--svg", svg.to_str().unwrap()])
        .env("PATH", dir.path())
        .env("CASTLE_ROOT", dir.path())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("`dot` not found")
            && err.contains("graphviz")
            && err.contains("scripts/setup.sh"),
        "{err}"
    );
    assert!(!svg.exists());
}

/// `castle sim` on the model and on Verilator: console lines with the enclave's name, the
/// summary, `--json`; a manifest naming an enclave that does not exist is refused with the
/// name and its line, and nothing runs.
#[test]
fn sim_runs_a_manifest_and_refuses_a_bad_one() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let m = root.join("apps/pingpong/pingpong.toml");
    let m = m.to_str().unwrap();
    let (code, out, err) = castle(&["sim", m, "--engine", "model"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("[ping] ping: 10 rounds") && out.contains("returned 110"),
        "{out}"
    );
    let (code, out, err) = castle(&["sim", m, "--json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(out.trim()).expect("one JSON object");
    assert_eq!(v["engine"], "verilator");
    assert_eq!(v["enclaves"][0]["name"], "ping");
    assert_eq!(v["enclaves"][0]["result"], 110);
    assert_eq!(v["enclaves"][0]["delivered"], 12);
    assert!(v["cycles"].as_u64().unwrap() > 100);
    assert_eq!(v["console"][0]["enclave"], "ping");

    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("a.wat"),
        "(module (func (export \"main\")))",
    )
    .unwrap();
    let bad = dir.path().join("bad.toml");
    std::fs::write(
        &bad,
        "[cluster]\nmesh = [2, 1]\n\n[[enclave]]\nname = \"a\"\nwasm = \"a.wat\"\ncaps = [ { to = \"nobody\" } ]\n",
    )
    .unwrap();
    let (code, out, err) = castle(&["sim", bad.to_str().unwrap()]);
    assert_eq!(code, 1, "{out}");
    assert!(
        err.contains("bad.toml:7") && err.contains("nobody"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

/// The cluster of a manifest as Verilog: a header naming the block, the manifest and its
/// SHA-256, a top module renamed by --name; refused without a manifest.
#[test]
fn verilog_of_a_cluster_names_its_inputs() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let m = root.join("apps/pingpong/pingpong.toml");
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("c.v");
    let (code, _, err) = castle(&[
        "verilog",
        m.to_str().unwrap(),
        "--top",
        "cluster",
        "--name",
        "castle_cluster",
        "-o",
        f.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    let v = std::fs::read_to_string(&f).unwrap();
    let head: Vec<&str> = v.lines().take(2).collect();
    assert!(
        head[0].contains("block `cluster`, top module `castle_cluster`"),
        "{head:?}"
    );
    assert!(
        head[1].contains("pingpong.toml (sha256 ")
            && head[1].contains("nodes: ping, pong, console"),
        "{head:?}"
    );
    assert!(
        v.contains("module castle_cluster(") && !v.contains("module top("),
        "renamed"
    );
    let (code, _, err) = castle(&["verilog", "--top", "cluster", "-o", f.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("needs a manifest"), "{err}");
    let (code, _, err) = castle(&[
        "verilog",
        "--top",
        "router",
        "--name",
        "9x",
        "-o",
        f.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("not a Verilog identifier"), "{err}");
}

/// `castle flash`: the dry run prints the exact openFPGALoader command; with no board attached
/// (as on every machine here) the real run fails within seconds with a clear error; an unknown
/// board, a missing bitstream and SRAM on a DFU-only board are refused before anything runs.
#[test]
fn flash_dry_run_and_no_board() {
    let dir = std::env::temp_dir().join(format!("castle-flash-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bin = dir.join("castle.bin");
    std::fs::write(&bin, [0xffu8, 0x00, 0x00, 0xff, 0x7e, 0xaa, 0x99, 0x7e]).unwrap();
    let d = dir.to_str().unwrap();

    let (code, out, err) = castle(&["flash", "--board", "icebreaker", d, "--dry-run"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out.trim(),
        format!(
            "openFPGALoader -b ice40_generic --write-sram {}",
            bin.display()
        )
    );
    let (code, out, err) = castle(&["flash", "--board", "ice40-hx8k", d, "--flash", "--dry-run"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("--write-flash"), "{out}");

    let started = std::time::Instant::now();
    let (code, _, err) = castle(&["flash", "--board", "icebreaker", d]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no icebreaker found"), "{err}");
    assert!(
        started.elapsed().as_secs() < 20,
        "took {:?}",
        started.elapsed()
    );
    assert!(!err.contains("panicked"), "{err}");

    let (code, _, err) = castle(&["flash", "--board", "de10", d, "--dry-run"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("unknown board `de10`") && err.contains("ulx3s-85f"),
        "{err}"
    );
    let (code, _, err) = castle(&["flash", "--board", "ulx3s-85f", d, "--dry-run"]);
    assert_eq!(code, 1);
    assert!(err.contains("castle.bit: no such bitstream"), "{err}");
    std::fs::write(dir.join("castle.bit"), [0u8; 4]).unwrap();
    let (code, _, err) = castle(&["flash", "--board", "orangecrab-25f", d, "--dry-run"]);
    assert_eq!(code, 1);
    assert!(err.contains("DFU") && err.contains("--flash"), "{err}");
    let (code, out, err) = castle(&[
        "flash",
        "--board",
        "orangecrab-25f",
        d,
        "--flash",
        "--dry-run",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("-b orangeCrab"), "{out}");
    std::fs::remove_dir_all(&dir).unwrap();
}
