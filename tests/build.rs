//! `castle build` and `castle verify`: a board's default cluster becomes a bitstream that meets
//! timing, with a report and a provenance statement, a new program goes into a build's boot
//! ROM in seconds, and a rebuild from the statement's inputs is byte-identical. One iCE40 board
//! and one ECP5 board (80 to 120 s of place and route each, twice), plus the failures a user
//! meets first.
use serde_json::Value;
use std::path::Path;
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

fn json(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn sha256(path: &Path) -> String {
    castle_fpga::provenance::sha256_hex(&std::fs::read(path).unwrap())
}

/// A test key (nothing else uses it), as `openssl genpkey -algorithm ed25519` writes one.
const KEY: &str = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIB0euR+CA4z2Pqh4feJq+E5byq8ptEquH84KeevoO8lL\n-----END PRIVATE KEY-----\n";

/// Builds `board`'s default manifest into a fresh folder and checks the report and the
/// statement; returns the folder.
fn build_and_check(board: &str, bitstream: &str, sign: Option<&Path>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("build");
    let o = out.to_str().unwrap();
    let mut args = vec!["build", "--board", board, "-o", o];
    if let Some(k) = sign {
        args.extend(["--sign", k.to_str().unwrap()]);
    }
    let (code, stdout, err) = castle(&args);
    assert_eq!(code, 0, "castle build --board {board}: {err}\n{stdout}");
    assert!(stdout.contains(": met"), "{stdout}");
    let report = json(&out.join("report.json"));
    assert_eq!(report["board"], board);
    assert_eq!(report["timing_met"], true, "{report}");
    let fmax = report["fmax_mhz"].as_f64().unwrap();
    let clock = report["clock_mhz"].as_f64().unwrap();
    assert!(fmax >= clock, "{fmax} < {clock}");
    assert!(
        report["logic_cells"]["used"].as_u64().unwrap() > 1000,
        "{report}"
    );
    // The statement names the bitstream by its digest and every input.
    let st = json(&out.join("provenance.json"));
    assert_eq!(st["_type"], "https://in-toto.io/Statement/v1");
    assert_eq!(st["predicateType"], "https://slsa.dev/provenance/v1");
    assert_eq!(st["subject"][0]["name"], bitstream);
    assert_eq!(
        st["subject"][0]["digest"]["sha256"],
        sha256(&out.join(bitstream)).as_str()
    );
    let deps = st["predicate"]["buildDefinition"]["resolvedDependencies"]
        .as_array()
        .unwrap();
    let names: Vec<&str> = deps.iter().filter_map(|d| d["name"].as_str()).collect();
    for want in [
        format!("apps/boards/{board}.toml"),
        "apps/boards/hello.wat".to_string(),
        "castle.v".to_string(),
        "castle-source".to_string(),
    ] {
        assert!(names.contains(&want.as_str()), "{want} not in {names:?}");
    }
    let castle_v = deps.iter().find(|d| d["name"] == "castle.v").unwrap();
    assert_eq!(
        castle_v["digest"]["sha256"],
        sha256(&out.join("castle.v")).as_str()
    );
    let caps = &st["predicate"]["buildDefinition"]["externalParameters"]["capabilities"];
    assert_eq!(caps[0]["from"], "hello");
    assert_eq!(caps[0]["to"], "host");
    dir
}

/// A second cluster of the default's shape (one enclave and the UART gateway on a 2x1 mesh) with
/// another program, in `dir`; returns its manifest.
fn greeter(dir: &Path, mesh: &str) -> std::path::PathBuf {
    std::fs::write(
        dir.join("greet.wat"),
        // The default's program with another greeting: a boot program of the same length,
        // so the ROM depth matches.
        std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("apps/boards/hello.wat"),
        )
        .unwrap()
        .replace("hello, castle!", "good morning!!"),
    )
    .unwrap();
    let m = dir.join(format!("greet-{}.toml", mesh.replace(", ", "x")));
    std::fs::write(
        &m,
        format!(
            "[cluster]\nmesh = [{mesh}]\n\n[[enclave]]\nname = \"greeter\"\nwasm = \"greet.wat\"\n\
             caps = [ {{ to = \"host\", rights = [\"send\"], badge = 7 }} ]\n\n\
             [[device]]\nname = \"host\"\nkind = \"uart\"\n\
             caps = [ {{ to = \"greeter\", rights = [\"send\"], badge = 5 }} ]\n"
        ),
    )
    .unwrap();
    m
}

#[test]
fn ice40_hx8k_build_is_signed_images_swap_in_seconds_and_verifies_byte_identical() {
    let keys = tempfile::tempdir().unwrap();
    let key = keys.path().join("key.pem");
    std::fs::write(&key, KEY).unwrap();
    let dir = build_and_check("ice40-hx8k", "castle.bin", Some(&key));
    let out = dir.path().join("build");
    let o = out.to_str().unwrap();
    let public = out.join("signer.pub.pem");
    assert!(out.join("provenance.dsse.json").is_file());

    // A statement changed after signing is refused before any rebuild.
    let st_path = out.join("provenance.json");
    let st = std::fs::read_to_string(&st_path).unwrap();
    std::fs::write(&st_path, st.replace("\"seeds\": 1", "\"seeds\": 2")).unwrap();
    let (code, _, err) = castle(&["verify", o]);
    assert_eq!(code, 1);
    assert!(err.contains("changed after signing"), "{err}");
    std::fs::write(&st_path, &st).unwrap();

    // So is a bitstream that is not the one recorded.
    let bin = out.join("castle.bin");
    let good = std::fs::read(&bin).unwrap();
    let mut bits = good.clone();
    bits[100] ^= 1;
    std::fs::write(&bin, &bits).unwrap();
    let (code, _, err) = castle(&["verify", o]);
    assert_eq!(code, 1);
    assert!(
        err.contains("is not the one the statement records"),
        "{err}"
    );
    std::fs::write(&bin, &good).unwrap();

    // Another program of the same cluster shape goes into the boot ROM in seconds...
    let apps = tempfile::tempdir().unwrap();
    let other = greeter(apps.path(), "2, 1");
    let started = std::time::Instant::now();
    let (code, stdout, err) = castle(&[
        "build",
        "--board",
        "ice40-hx8k",
        other.to_str().unwrap(),
        "-o",
        o,
        "--images-only",
        "--sign",
        key.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}\n{stdout}");
    assert!(
        started.elapsed().as_secs() < 20,
        "the swap took {:?}",
        started.elapsed()
    );
    assert!(stdout.contains("boot ROM swapped"), "{stdout}");
    assert_ne!(
        std::fs::read(&bin).unwrap(),
        good,
        "the bitstream did not change"
    );
    let st = json(&out.join("provenance.json"));
    assert_eq!(
        st["predicate"]["buildDefinition"]["externalParameters"]["imagesInto"],
        castle_fpga::provenance::sha256_hex(&good).as_str()
    );
    // ... and a full build of it gives the same bytes (verify rebuilds from scratch).
    let (code, stdout, err) = castle(&["verify", o, "--key", public.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}\n{stdout}");
    assert!(stdout.contains("signature: good"), "{stdout}");
    assert!(stdout.contains("verified:"), "{stdout}");

    // A cluster of another shape needs a full build.
    let wider = greeter(apps.path(), "3, 1");
    let (code, _, err) = castle(&[
        "build",
        "--board",
        "ice40-hx8k",
        wider.to_str().unwrap(),
        "-o",
        o,
        "--images-only",
    ]);
    assert_eq!(code, 1);
    assert!(err.contains("needs a full build"), "{err}");
}

#[test]
fn ulx3s_85f_build_meets_timing_and_a_rebuild_is_byte_identical() {
    let dir = build_and_check("ulx3s-85f", "castle.bit", None);
    let out = dir.path().join("build");
    let (code, stdout, err) = castle(&["verify", out.to_str().unwrap(), "--json"]);
    assert_eq!(code, 0, "{err}\n{stdout}");
    let v: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(v["matches"], true, "{v}");
    assert_eq!(v["recorded_sha256"], v["rebuilt_sha256"]);
    assert_eq!(v["changed_inputs"], Value::Array(vec![]), "{v}");
    assert_eq!(v["signature"], Value::Null);
}

#[test]
fn a_cluster_too_big_for_the_board_names_what_ran_out() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("build");
    let (code, _, err) = castle(&["build", "--board", "icestick", "-o", out.to_str().unwrap()]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("does not fit the icestick: ICESTORM_LC ") && err.contains(" of 1280 ("),
        "{err}"
    );
    assert!(!out.exists(), "a failed build left {}", out.display());
}

#[test]
fn bad_build_requests_fail_before_any_tool_runs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = d.join("build");
    let o = out.to_str().unwrap();
    let bad_key = d.join("bad.pem");
    std::fs::write(&bad_key, "not a key").unwrap();
    let junk = d.join("junk");
    std::fs::create_dir(&junk).unwrap();
    std::fs::write(junk.join("notes.txt"), "mine").unwrap();
    let missing = d.join("nope.toml");
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["--board", "de10", "-o", o], "unknown board `de10`"),
        (
            vec!["--board", "ice40-hx8k", missing.to_str().unwrap(), "-o", o],
            "no such manifest",
        ),
        (
            vec!["--board", "ice40-hx8k", "--seeds", "0", "-o", o],
            "--seeds must be at least 1",
        ),
        (
            vec![
                "--board",
                "ice40-hx8k",
                "--sign",
                bad_key.to_str().unwrap(),
                "-o",
                o,
            ],
            "not an ed25519 key in PEM",
        ),
        (
            vec!["--board", "ice40-hx8k", "-o", junk.to_str().unwrap()],
            "is not a build folder",
        ),
    ];
    for (args, want) in cases {
        let started = std::time::Instant::now();
        let mut all = vec!["build"];
        all.extend(&args);
        let (code, _, err) = castle(&all);
        assert_eq!(code, 1, "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
        assert!(started.elapsed().as_secs() < 20, "{args:?} took too long");
        assert!(!out.exists(), "{args:?} left {}", out.display());
    }
    assert_eq!(
        std::fs::read_to_string(junk.join("notes.txt")).unwrap(),
        "mine"
    );
    // --images-only needs an earlier build of the board in the folder.
    let (code, _, err) = castle(&["build", "--board", "ice40-hx8k", "-o", o, "--images-only"]);
    assert_eq!(code, 1);
    assert!(
        err.contains("must be a full build of the same board"),
        "{err}"
    );
    assert!(!out.exists());
    // verify on a folder that is not a build.
    let (code, _, err) = castle(&["verify", junk.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(err.contains("provenance.json: cannot read"), "{err}");
}
