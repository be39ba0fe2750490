//! Manifest parsing: the happy path, one test per error (line, field and name in the message),
//! images and C sources, and garbled input that must never panic.
use super::*;

const PING: &str = r#"(module
  (import "castle" "send" (func $send (param i32 i32 i32) (result i32)))
  (memory 1)
  (func (export "main") (drop (call $send (i32.const 0) (i32.const 0) (i32.const 1)))))"#;
const PONG: &str = r#"(module
  (import "castle" "recv" (func $recv (param i32) (result i32)))
  (memory 1)
  (func (export "start") (result i32) (call $recv (i32.const 0))))"#;

const GOOD: &str = r#"# a test cluster
[cluster]
mesh = [3, 2]

[[enclave]]
name = "ping"
wasm = "ping.wat"
supervisor = "root"
caps = [ { to = "pong", rights = ["send"], badge = 7 },
         { to = "console" },
         { to = "root", rights = ["send", "grant"], badge = 65535 } ]

[[enclave]]
name = "pong"
wasm = "sub/pong.wat"
entry = "start"

[[enclave]]
name = "root"
wasm = "ping.wat"
caps = [ { to = "ping", rights = [] } ]

[[device]]
name = "console"
kind = "console"
"#;

/// A folder with the modules `GOOD` names.
fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("ping.wat"), PING).unwrap();
    std::fs::create_dir(dir.path().join("sub")).unwrap();
    std::fs::create_dir(dir.path().join("folder.wat")).unwrap();
    std::fs::write(dir.path().join("sub/pong.wat"), PONG).unwrap();
    dir
}

fn parse_in(dir: &tempfile::TempDir, text: &str) -> Result<Manifest, ManifestError> {
    Manifest::parse(text, &dir.path().join("cluster.toml"))
}

/// `GOOD` with `from` replaced by `to` (which must change it) must fail at `line`, with
/// `field`, and the message must contain each of `words`.
fn fails(from: &str, to: &str, line: usize, field: &str, words: &[&str]) -> ManifestError {
    let text = GOOD.replacen(from, to, 1);
    assert_ne!(text, GOOD, "`{from}` is not in the manifest");
    fails_text(&text, line, field, words)
}

fn fails_text(text: &str, line: usize, field: &str, words: &[&str]) -> ManifestError {
    let dir = fixture();
    let e = parse_in(&dir, text).expect_err("the manifest should be refused");
    let shown = e.to_string();
    assert_eq!(e.line, Some(line), "{shown}");
    assert_eq!(e.field.as_deref(), Some(field), "{shown}");
    for w in words {
        assert!(shown.contains(w), "`{w}` not in: {shown}");
    }
    let prefix = format!(
        "{}:{line}: {field}: ",
        dir.path().join("cluster.toml").display()
    );
    assert!(shown.starts_with(&prefix), "{shown}");
    e
}

#[test]
fn manifest_happy_path() {
    let dir = fixture();
    let m = parse_in(&dir, GOOD).unwrap();
    assert_eq!((m.columns, m.rows, m.profile.as_str()), (3, 2, "sim"));
    assert_eq!(m.nodes(), 4);
    assert_eq!(m.sha256, <[u8; 32]>::from(Sha256::digest(GOOD.as_bytes())));
    let names: Vec<&str> = (0..m.nodes()).map(|n| m.name_of(n)).collect();
    assert_eq!(names, ["ping", "pong", "root", "console"]);
    assert_eq!(m.node_of("console"), Some(3));
    assert_eq!(m.node_of("nobody"), None);
    assert_eq!(m.name_of(9), "");
    assert_eq!(
        (0..4).map(|n| m.coords(n)).collect::<Vec<_>>(),
        [(0, 0), (1, 0), (2, 0), (0, 1)]
    );
    assert!(m.is_device(3) && !m.is_device(2) && !m.is_device(4));

    let ping = &m.enclaves[0];
    assert_eq!((ping.line, ping.source_line), (5, 7));
    assert_eq!(ping.source, dir.path().join("ping.wat"));
    assert_eq!(ping.entry, "main");
    assert_eq!(ping.supervisor.as_deref(), Some("root"));
    let caps: Vec<_> = ping
        .caps
        .iter()
        .map(|c| (c.to.as_str(), c.node, c.send, c.grant, c.badge, c.line))
        .collect();
    assert_eq!(
        caps,
        [
            ("pong", 1, true, false, 7, 9),
            ("console", 3, true, false, 1, 10), // default rights and badge (index 0 + 1)
            ("root", 2, true, true, 65535, 11),
        ]
    );
    let pong = &m.enclaves[1];
    assert_eq!(pong.source, dir.path().join("sub").join("pong.wat"));
    assert_eq!((pong.entry.as_str(), pong.caps.len()), ("start", 0));
    let root = &m.enclaves[2];
    assert_eq!(
        (root.caps[0].send, root.caps[0].grant, root.caps[0].badge),
        (false, false, 3),
        "empty rights; default badge is index 2 + 1"
    );
    assert_eq!(m.devices[0].kind, DeviceKind::Console);
    assert_eq!(m.devices[0].line, 23);
    assert_eq!(m.enclave("pong").map(|e| e.line), Some(13));
}

#[test]
fn manifest_load_reads_the_file() {
    let dir = fixture();
    let path = dir.path().join("cluster.toml");
    std::fs::write(&path, GOOD).unwrap();
    let m = Manifest::load(&path).unwrap();
    assert_eq!(m.file, path);
    assert_eq!(m.enclaves.len(), 3);
    let e = Manifest::load(&dir.path().join("none.toml")).unwrap_err();
    assert!(
        e.line.is_none() && e.to_string().contains("none.toml: cannot read"),
        "{e}"
    );
    std::fs::write(&path, b"[cluster]\nmesh = [1, 1]\n\xff\n").unwrap();
    let e = Manifest::load(&path).unwrap_err();
    assert_eq!(e.line, Some(3), "{e}");
    assert!(e.message.contains("UTF-8"), "{e}");
}

#[test]
fn manifest_error_display_omits_what_is_unknown() {
    let mut e = ManifestError {
        file: "a.toml".into(),
        line: Some(3),
        field: Some("mesh".into()),
        message: "bad".into(),
    };
    assert_eq!(e.to_string(), "a.toml:3: mesh: bad");
    e.field = None;
    assert_eq!(e.to_string(), "a.toml:3: bad");
    e.line = None;
    assert_eq!(e.to_string(), "a.toml: bad");
}

#[test]
fn manifest_toml_syntax_error_has_its_line() {
    let e = fails("kind = \"console\"", "kind = \"console", 25, "kind", &[]);
    assert!(e.message.contains("string"), "{e}");
    let dir = fixture();
    let e = parse_in(&dir, "[cluster]\nmesh = [2, 2\n").unwrap_err();
    assert_eq!(e.line, Some(3), "{e}");
}

#[test]
fn manifest_unknown_keys_are_errors() {
    fails(
        "entry = \"start\"",
        "entyr = \"start\"",
        16,
        "entyr",
        &["unknown field"],
    );
    fails(
        "{ to = \"console\" }",
        "{ to = \"console\", bagde = 2 }",
        10,
        "bagde",
        &["unknown field"],
    );
    fails(
        "mesh = [3, 2]",
        "mesh = [3, 2]\nclock = 12",
        4,
        "clock",
        &["unknown field"],
    );
    fails("[cluster]", "[clutser]", 2, "clutser", &["unknown field"]);
}

#[test]
fn manifest_missing_fields_are_errors() {
    fails(
        "wasm = \"sub/pong.wat\"\n",
        "",
        13,
        "wasm",
        &["missing field"],
    );
    fails("name = \"console\"\n", "", 23, "name", &["missing field"]);
    fails(
        "{ to = \"console\" }",
        "{ badge = 3 }",
        10,
        "to",
        &["missing field"],
    );
    let dir = fixture();
    let e = parse_in(&dir, "[[device]]\nname = \"c\"\nkind = \"console\"\n").unwrap_err();
    assert_eq!(e.field.as_deref(), Some("cluster"), "{e}");
    assert!(e.line.is_some(), "{e}");
}

#[test]
fn manifest_wrong_types_name_the_key() {
    fails("badge = 7", "badge = \"7\"", 9, "badge", &["invalid type"]);
    fails(
        "mesh = [3, 2]",
        "mesh = [3, 2.5]",
        3,
        "mesh",
        &["invalid type"],
    );
    // Non-ASCII text before the value does not trip the key guess (`é=` inside a string
    // once made it slice inside a character).
    let dir = fixture();
    let text = GOOD.replacen("rights = [\"send\"], badge = 7", "rights = [\"é=\", 3]", 1);
    let e = parse_in(&dir, &text).unwrap_err();
    assert_eq!(e.line, Some(9), "{e}");
    assert!(e.message.contains("invalid type"), "{e}");
    fails(
        "to = \"pong\", rights = [\"send\"], badge = 7",
        "to = \"pé=\", badge = 7.5",
        9,
        "badge",
        &["invalid type"],
    );
}

#[test]
fn manifest_cap_to_unknown_name() {
    fails(
        "{ to = \"console\" }",
        "{ to = \"consol\" }",
        10,
        "caps[1].to",
        &["`ping`", "`consol`", "unknown"],
    );
}

#[test]
fn manifest_duplicate_names() {
    fails(
        "name = \"console\"",
        "name = \"pong\"",
        24,
        "name",
        &["duplicate name `pong`", "line 14"],
    );
    fails(
        "name = \"root\"",
        "name = \"ping\"",
        19,
        "name",
        &["duplicate name `ping`"],
    );
}

#[test]
fn manifest_bad_names() {
    for bad in ["1ping", "pi ng", "", "ping.x", "-a"] {
        let to = format!("name = \"{bad}\"");
        fails(
            "name = \"ping\"",
            &to,
            6,
            "name",
            &["bad name", &format!("`{bad}`")],
        );
    }
    // Accepted: `_`, digits and `-` after the first character.
    let dir = fixture();
    let text = GOOD.replace("\"ping\"", "\"_p1-ng\"");
    let m = parse_in(&dir, &text).unwrap();
    assert_eq!(m.enclaves[0].name, "_p1-ng");
}

#[test]
fn manifest_unknown_right() {
    fails(
        "rights = [\"send\", \"grant\"]",
        "rights = [\"send\", \"revoke\"]",
        11,
        "caps[2].rights",
        &["unknown right `revoke`", "`ping`"],
    );
    fails(
        "rights = [\"send\"]",
        "rights = [\"send\", \"send\"]",
        9,
        "caps[0].rights",
        &["listed twice"],
    );
}

#[test]
fn manifest_badge_out_of_range() {
    fails(
        "badge = 65535",
        "badge = 65536",
        11,
        "caps[2].badge",
        &["65536", "`ping`"],
    );
    fails(
        "badge = 7",
        "badge = -1",
        9,
        "caps[0].badge",
        &["-1", "out of range"],
    );
}

#[test]
fn manifest_at_most_16_caps() {
    let caps: Vec<String> = (0..17)
        .map(|i| format!("  {{ to = \"pong\", badge = {i} }},\n"))
        .collect();
    let text = GOOD.replacen(
        "caps = [ { to = \"ping\", rights = [] } ]",
        &format!("caps = [\n{}]", caps.concat()),
        1,
    );
    // `caps = [` is line 21, the 17th capability line 38
    fails_text(
        &text,
        38,
        "caps",
        &["`root`", "17 capabilities", "at most 16"],
    );
    let sixteen = text.replacen("  { to = \"pong\", badge = 16 },\n", "", 1);
    parse_in(&fixture(), &sixteen).unwrap();
}

#[test]
fn manifest_more_nodes_than_the_mesh() {
    fails(
        "mesh = [3, 2]",
        "mesh = [3, 1]",
        3,
        "mesh",
        &["4 enclaves and devices", "3 x 1", "`console`"],
    );
    fails("mesh = [3, 2]", "mesh = [1, 2]", 3, "mesh", &["`root`"]);
}

#[test]
fn manifest_mesh_dimensions() {
    fails(
        "mesh = [3, 2]",
        "mesh = [0, 2]",
        3,
        "mesh",
        &["columns must be 1..4", "0"],
    );
    fails(
        "mesh = [3, 2]",
        "mesh = [3, 5]",
        3,
        "mesh",
        &["rows must be 1..4", "5"],
    );
    fails(
        "mesh = [3, 2]",
        "mesh = [3, 2, 1]",
        3,
        "mesh",
        &["3 numbers"],
    );
    fails(
        "mesh = [3, 2]",
        "mesh = [\n  3,\n  -2]",
        5,
        "mesh",
        &["rows"],
    );
    let e = fails(
        "mesh = [3, 2]",
        "mesh = [3, 99999999999999999999]",
        3,
        "mesh",
        &[],
    );
    assert!(!e.message.is_empty());
}

#[test]
fn manifest_core_is_fast_compact_or_refused() {
    fails(
        "mesh = [3, 2]",
        "mesh = [3, 2]\ncore = \"tiny\"",
        4,
        "core",
        &["unknown core `tiny`", "known: fast, compact"],
    );
    let dir = fixture();
    let m = parse_in(&dir, GOOD).unwrap();
    assert_eq!(m.core, crate::cluster::CoreKind::Fast);
    let m = parse_in(
        &dir,
        &GOOD.replacen("mesh = [3, 2]", "mesh = [3, 2]\ncore = \"compact\"", 1),
    )
    .unwrap();
    assert_eq!(m.core, crate::cluster::CoreKind::Compact);
}

#[test]
fn manifest_unknown_profile() {
    fails(
        "mesh = [3, 2]",
        "mesh = [3, 2]\nprofile = \"ice99\"",
        4,
        "profile",
        &["unknown profile `ice99`", "known: sim"],
    );
    let dir = fixture();
    let m = parse_in(
        &dir,
        &GOOD.replacen("mesh = [3, 2]", "mesh = [3, 2]\nprofile = \"sim\"", 1),
    )
    .unwrap();
    assert_eq!(m.profile, "sim");
}

#[test]
fn manifest_device_kinds() {
    for planned in ["button", "timer"] {
        fails(
            "kind = \"console\"",
            &format!("kind = \"{planned}\""),
            25,
            "kind",
            &[
                "`console`",
                "not supported yet; supported: console, led, uart",
                planned,
            ],
        );
    }
    let dir = fixture();
    let m = parse_in(
        &dir,
        &GOOD.replacen("kind = \"console\"", "kind = \"led\"", 1),
    )
    .unwrap();
    assert_eq!(m.devices[0].kind, DeviceKind::Led);
    fails(
        "kind = \"console\"",
        "kind = \"lcd\"",
        25,
        "kind",
        &["unknown kind `lcd`"],
    );
}

#[test]
fn manifest_source_files() {
    fails(
        "wasm = \"sub/pong.wat\"",
        "wasm = \"sub/nope.wat\"",
        15,
        "wasm",
        &["`pong`", "cannot read", "nope.wat"],
    );
    // A folder is not readable as a module.
    fails(
        "wasm = \"sub/pong.wat\"",
        "wasm = \"folder.wat\"",
        15,
        "wasm",
        &["`pong`", "not a file"],
    );
    fails(
        "wasm = \"sub/pong.wat\"",
        "wasm = \"sub/pong.txt\"",
        15,
        "wasm",
        &["`pong`", "not a .wat, .wasm or .c file"],
    );
}

#[test]
fn manifest_supervisors() {
    fails(
        "supervisor = \"root\"",
        "supervisor = \"boss\"",
        8,
        "supervisor",
        &["`ping`", "unknown supervisor `boss`"],
    );
    fails(
        "supervisor = \"root\"",
        "supervisor = \"console\"",
        8,
        "supervisor",
        &["`console` is a device"],
    );
    fails(
        "supervisor = \"root\"",
        "supervisor = \"ping\"",
        8,
        "supervisor",
        &["cannot supervise itself"],
    );
}

#[test]
fn manifest_needs_an_enclave_and_a_good_entry() {
    fails_text(
        "[cluster]\nmesh = [1, 1]\n",
        1,
        "enclave",
        &["no [[enclave]]"],
    );
    fails(
        "entry = \"start\"",
        "entry = \"\"",
        16,
        "entry",
        &["`pong`", "bad entry"],
    );
}

#[test]
fn manifest_builds_images() {
    let dir = fixture();
    let m = parse_in(&dir, GOOD).unwrap();
    let images = build_images(&m, &Profile::SIM).unwrap();
    assert_eq!(images.len(), 3);
    assert!(images[1].exports.contains_key("start"));
    assert_eq!(wasm_bytes(&m, &m.enclaves[0]).unwrap(), PING.as_bytes());
}

/// `GOOD` with pong's module replaced by `module`; the error of building its image.
fn image_error(module: &str) -> ManifestError {
    let dir = fixture();
    std::fs::write(dir.path().join("sub/pong.wat"), module).unwrap();
    let m = parse_in(&dir, GOOD).unwrap();
    let e = build_images(&m, &Profile::SIM).unwrap_err();
    assert_eq!(e.line, Some(15), "{e}");
    assert!(e.message.contains("`pong`"), "{e}");
    e
}

#[test]
fn manifest_image_errors_name_the_enclave() {
    let e = image_error("(module (func (export \"start\") (drop (i64.const 1))))");
    assert_eq!(e.field.as_deref(), Some("wasm"), "{e}");
    assert!(e.message.contains("i64.const"), "{e}");
    let e = image_error("(module (func");
    assert!(e.message.contains("invalid wasm text"), "{e}");
    let e = image_error("(module (func (export \"main\")))");
    assert_eq!(e.field.as_deref(), Some("entry"), "{e}");
    assert!(
        e.message.contains("no export `start`") && e.message.contains("main"),
        "{e}"
    );
    let e = image_error("(module (func (export \"start\") (param i32)))");
    assert!(e.message.contains("no parameters"), "{e}");
    let e = image_error(
        "(module (import \"castle\" \"recv\" (func (param i32) (result i32))) (export \"start\" (func 0)))",
    );
    assert!(e.message.contains("no parameters"), "{e}");
}

#[test]
fn manifest_compiles_c_sources() {
    let dir = fixture();
    std::fs::write(
        dir.path().join("pong.c"),
        "int start(void) { return 40 + 2; }\n",
    )
    .unwrap();
    let text = GOOD.replacen("sub/pong.wat", "pong.c", 1);
    let m = parse_in(&dir, &text).unwrap();
    let bytes = wasm_bytes(&m, &m.enclaves[1]).unwrap();
    assert!(bytes.starts_with(b"\0asm"));
    let images = build_images(&m, &Profile::SIM).unwrap();
    assert!(images[1].exports.contains_key("start"));

    std::fs::write(dir.path().join("pong.c"), "int start(void) { return }\n").unwrap();
    let e = wasm_bytes(&m, &m.enclaves[1]).unwrap_err();
    assert_eq!(
        (e.line, e.field.as_deref()),
        (Some(15), Some("wasm")),
        "{e}"
    );
    assert!(
        e.message.contains("`pong`") && e.message.contains("pong.c"),
        "{e}"
    );
    let bad = text.replacen("entry = \"start\"", "entry = \"st-art\"", 1);
    let e = parse_in(&dir, &bad).unwrap_err();
    assert_eq!(
        (e.line, e.field.as_deref()),
        (Some(16), Some("entry")),
        "{e}"
    );
    assert!(e.message.contains("C function name"), "{e}");
}

/// Tiny deterministic generator for the garbling test.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n.max(1)
    }
}

#[test]
fn manifest_garbled_input_never_panics() {
    let dir = fixture();
    let bytes = GOOD.as_bytes();
    let mut variants: Vec<Vec<u8>> = (0..bytes.len()).map(|n| bytes[..n].to_vec()).collect();
    let pieces: &[&[u8]] = &[
        b"\"",
        b"[",
        b"]",
        b"{",
        b"}",
        b"=",
        b"\n",
        b",",
        b"#",
        b"[[enclave]]\n",
        b"99999999999",
        b"-1",
        b"\xc3\xa9",
        b"\xc3\xa9 = ",
        b"= \xe2\x82\xac",
        b"'",
        b"\"\"\"",
        b"caps = []",
        b"to = \"ping\"",
    ];
    let mut rng = Lcg(1);
    for _ in 0..1500 {
        let mut v = bytes.to_vec();
        for _ in 0..1 + rng.next(3) {
            let at = rng.next(v.len() + 1);
            match rng.next(3) {
                0 => {
                    let p = pieces[rng.next(pieces.len())];
                    v.splice(at..at, p.iter().copied());
                }
                1 => {
                    let end = (at + 1 + rng.next(8)).min(v.len());
                    v.drain(at.min(end)..end);
                }
                _ => {
                    // swap two lines
                    let lines: Vec<&[u8]> = v.split(|b| *b == b'\n').collect();
                    let (a, b) = (rng.next(lines.len()), rng.next(lines.len()));
                    let mut l: Vec<Vec<u8>> = lines.iter().map(|l| l.to_vec()).collect();
                    l.swap(a, b);
                    v = l.join(&b'\n');
                }
            }
        }
        variants.push(v);
    }
    let (mut ok, mut err) = (0, 0);
    for v in &variants {
        let text = String::from_utf8_lossy(v);
        match parse_in(&dir, &text) {
            Ok(m) => {
                ok += 1;
                for n in 0..m.nodes() + 2 {
                    let _ = (m.name_of(n), m.coords(n));
                }
            }
            Err(e) => {
                err += 1;
                let _ = e.to_string();
            }
        }
    }
    assert!(ok > 0 && err > 0, "{ok} accepted, {err} refused");
}
