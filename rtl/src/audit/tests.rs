//! The audit on a small cluster whose modules import what each test needs.
use super::*;

/// A module with `main` that imports the named capability calls.
fn module(imports: &[&str]) -> String {
    let decls: Vec<String> = imports
        .iter()
        .map(|name| {
            let params = if matches!(*name, "send" | "grant") {
                "i32 i32 i32"
            } else {
                "i32"
            };
            format!("  (import \"castle\" \"{name}\" (func (param {params}) (result i32)))\n")
        })
        .collect();
    format!("(module\n{}  (func (export \"main\")))\n", decls.concat())
}

/// root grants over alice and bob; alice grants on to carol and (after root's grant) to bob;
/// bob imports neither send nor grant; carol cannot use her grant rights; dave, root and the
/// `log` device are reached by nobody.
const CLUSTER: &str = r#"[cluster]
mesh = [4, 2]

[[enclave]]
name = "root"
wasm = "root.wat"
caps = [ { to = "alice", rights = ["send", "grant"], badge = 10 },
         { to = "console", badge = 11 },
         { to = "bob", rights = ["grant"], badge = 12 } ]

[[enclave]]
name = "alice"
wasm = "alice.wat"
caps = [ { to = "carol", rights = ["send", "grant"], badge = 20 } ]

[[enclave]]
name = "bob"
wasm = "bob.wat"
caps = [ { to = "console", badge = 30 } ]

[[enclave]]
name = "carol"
wasm = "carol.wat"
caps = [ { to = "alice", rights = ["send", "grant"], badge = 40 },
         { to = "bob", rights = ["grant"], badge = 41 } ]

[[enclave]]
name = "dave"
wasm = "dave.wat"
caps = [ { to = "console" } ]

[[device]]
name = "console"
kind = "console"

[[device]]
name = "log"
kind = "console"
"#;

fn cluster() -> (tempfile::TempDir, Audit) {
    let dir = tempfile::tempdir().unwrap();
    for (name, imports) in [
        ("root", &["send", "grant"][..]),
        ("alice", &["recv", "grant", "send"]),
        ("bob", &["recv"]),
        ("carol", &["send"]),
        ("dave", &["send", "try_recv"]),
    ] {
        std::fs::write(dir.path().join(format!("{name}.wat")), module(imports)).unwrap();
    }
    let path = dir.path().join("cluster.toml");
    std::fs::write(&path, CLUSTER).unwrap();
    let m = Manifest::load(&path).unwrap();
    let audit = audit_manifest(&m, &Profile::SIM).unwrap();
    (dir, audit)
}

fn enclave<'a>(a: &'a Audit, name: &str) -> &'a EnclaveAudit {
    a.enclaves.iter().find(|e| e.name == name).unwrap()
}

/// `(to, rights, badge, from)` of what `name` can obtain by grant.
fn obtained(a: &Audit, name: &str) -> Vec<(String, String, u16, String)> {
    let mut v: Vec<_> = a
        .spread
        .iter()
        .filter(|s| s.holder == name)
        .map(|s| (s.to.clone(), s.rights.label(), s.badge, s.from.clone()))
        .collect();
    v.sort();
    v
}

fn t(to: &str, rights: &str, badge: u16, from: &str) -> (String, String, u16, String) {
    (to.into(), rights.into(), badge, from.into())
}

fn findings(a: &Audit, kind: FindingKind) -> Vec<(String, Option<usize>)> {
    a.findings
        .iter()
        .filter(|f| f.kind == kind)
        .map(|f| (f.enclave.clone(), f.slot))
        .collect()
}

#[test]
fn audit_imports_and_graph() {
    let (_dir, a) = cluster();
    assert_eq!(enclave(&a, "alice").imports.0, ["send", "recv", "grant"]);
    assert_eq!(enclave(&a, "dave").imports.0, ["send", "try_recv"]);
    assert_eq!(enclave(&a, "bob").imports.0, ["recv"]);
    let edges: Vec<_> = a
        .edges
        .iter()
        .map(|e| {
            (
                e.from.as_str(),
                e.slot,
                e.to.as_str(),
                e.device,
                e.rights.label(),
                e.badge,
            )
        })
        .collect();
    assert_eq!(
        edges,
        [
            ("root", 0, "alice", false, "send+grant".into(), 10),
            ("root", 1, "console", true, "send".into(), 11),
            ("root", 2, "bob", false, "grant".into(), 12),
            ("alice", 0, "carol", false, "send+grant".into(), 20),
            ("bob", 0, "console", true, "send".into(), 30),
            ("carol", 0, "alice", false, "send+grant".into(), 40),
            ("carol", 1, "bob", false, "grant".into(), 41),
            ("dave", 0, "console", true, "send".into(), 5), // default badge: index 4 + 1
        ]
    );
    assert_eq!(a.mesh, [4, 2]);
    assert_eq!((a.devices[1].name.as_str(), a.devices[1].node), ("log", 6));
    assert_eq!((a.devices[1].x, a.devices[1].y), (2, 1));
}

#[test]
fn audit_spread_is_transitive() {
    let (_dir, a) = cluster();
    // root's caps reach alice and bob (root imports grant and holds the grant right to both).
    assert_eq!(
        obtained(&a, "alice"),
        [
            t("alice", "send+grant", 10, "root"),
            t("bob", "grant", 12, "root"),
            t("console", "send", 11, "root"),
        ]
    );
    // carol gets root's caps through alice (two hops), and alice's own cap to carol.
    assert_eq!(
        obtained(&a, "carol"),
        [
            t("alice", "send+grant", 10, "alice"),
            t("bob", "grant", 12, "alice"),
            t("carol", "send+grant", 20, "alice"),
            t("console", "send", 11, "alice"),
        ]
    );
    // bob: from root directly, and alice's own cap to carol once alice holds root's grant
    // right to bob.
    let bob = obtained(&a, "bob");
    assert!(
        bob.contains(&t("carol", "send+grant", 20, "alice")),
        "{bob:?}"
    );
    assert!(
        bob.iter()
            .any(|(to, _, badge, _)| to == "console" && *badge == 11),
        "{bob:?}"
    );
    // Nothing reaches root or dave, and bob and carol pass nothing on (no grant import).
    assert!(obtained(&a, "root").is_empty() && obtained(&a, "dave").is_empty());
    assert!(a
        .spread
        .iter()
        .all(|s| s.from != "bob" && s.from != "carol"));
    // A cap already held is not reported again: alice holds carol's cap in slot 0.
    assert!(!obtained(&a, "alice").iter().any(|(to, ..)| to == "carol"));
    let carol = enclave(&a, "carol");
    assert_eq!(carol.can_hold.len(), 2 + 4);
    assert_eq!(carol.can_hold[0].slot, Some(0));
}

#[test]
fn audit_least_privilege_findings() {
    let (_dir, a) = cluster();
    assert_eq!(
        findings(&a, FindingKind::CapsNeverUsed),
        [("bob".to_string(), None)]
    );
    assert_eq!(
        findings(&a, FindingKind::GrantRightUnused),
        [("carol".to_string(), Some(0))]
    );
    assert_eq!(
        findings(&a, FindingKind::Unusable),
        [("carol".to_string(), Some(1))]
    );
    let text = |kind| {
        a.findings
            .iter()
            .filter(|f| f.kind == kind)
            .map(|f| f.message.clone())
            .collect::<Vec<_>>()
            .join("\n")
    };
    let never = text(FindingKind::CapsNeverUsed);
    assert!(
        never.contains("`bob` imports neither castle.send nor castle.grant"),
        "{never}"
    );
    let unusable = text(FindingKind::Unusable);
    assert!(
        unusable.contains("`carol` slot 1 (to `bob`, grant, badge 41)")
            && unusable.contains("does not import castle.grant"),
        "{unusable}"
    );

    let holds = findings(&a, FindingKind::HoldsGrant);
    let names: Vec<&str> = holds.iter().map(|(e, _)| e.as_str()).collect();
    assert_eq!(names, ["root", "alice", "bob", "carol"]);
    let grant_text = text(FindingKind::HoldsGrant);
    for part in [
        "`root` holds the grant right (slot 0 to `alice`, slot 2 to `bob`); it imports castle.grant",
        "`bob` can obtain it by grant (",
        "to `carol` (badge 20) from `alice`",
        "`carol` holds the grant right (slot 0 to `alice`, slot 1 to `bob`) and can obtain it",
        "; it does not import castle.grant",
    ] {
        assert!(grant_text.contains(part), "`{part}` not in:\n{grant_text}");
    }

    assert_eq!(a.unreachable, ["root", "dave", "log"]);
    assert_eq!(findings(&a, FindingKind::Unreachable).len(), 3);

    let reach = |name: &str| -> Vec<(String, bool)> {
        enclave(&a, name)
            .devices
            .iter()
            .map(|r| (r.device.clone(), r.direct))
            .collect()
    };
    assert_eq!(reach("root"), [("console".to_string(), true)]);
    assert_eq!(reach("alice"), [("console".to_string(), false)]);
    assert_eq!(reach("carol"), [("console".to_string(), false)]);
    assert_eq!(reach("dave"), [("console".to_string(), true)]);
}

#[test]
fn audit_grant_right_to_a_device_or_self_is_unused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.wat"), module(&["send", "grant"])).unwrap();
    let text = r#"[cluster]
mesh = [2, 1]
[[enclave]]
name = "a"
wasm = "a.wat"
caps = [ { to = "out", rights = ["send", "grant"] }, { to = "a", rights = ["send", "grant"] },
         { to = "out", rights = [] } ]
[[device]]
name = "out"
kind = "console"
"#;
    let m = Manifest::parse(text, &dir.path().join("c.toml")).unwrap();
    let a = audit_manifest(&m, &Profile::SIM).unwrap();
    assert_eq!(
        findings(&a, FindingKind::GrantRightUnused),
        [("a".to_string(), Some(0)), ("a".to_string(), Some(1))]
    );
    let msgs: Vec<&str> = a.findings.iter().map(|f| f.message.as_str()).collect();
    assert!(
        msgs.iter().any(|m| m.contains("`out` is a device")),
        "{msgs:?}"
    );
    // No grant right to another enclave: nothing can be passed on; the empty cap is useless.
    assert_eq!(
        findings(&a, FindingKind::Unusable),
        [("a".to_string(), Some(2))]
    );
    assert!(a.spread.is_empty());
    assert_eq!(a.unreachable, ["a"]);
}

#[test]
fn audit_dot_and_svg() {
    let (dir, a) = cluster();
    let dot = a.dot();
    assert!(dot.starts_with("digraph castle {") && dot.trim_end().ends_with('}'));
    assert!(dot.contains("\"root\" [shape=box];"), "{dot}");
    assert!(dot.contains("\"log\" [shape=ellipse"), "{dot}");
    assert!(
        dot.contains("\"root\" -> \"alice\" [label=\"0: send+grant\\nbadge 10\"];"),
        "{dot}"
    );
    assert!(
        dot.lines().any(|l| l.contains("\"carol\" -> \"console\"")
            && l.contains("style=dashed")
            && l.contains("badge 11")),
        "{dot}"
    );
    let dot_file = dir.path().join("g.dot");
    write_dot(&dot, &dot_file).unwrap();
    assert_eq!(std::fs::read_to_string(&dot_file).unwrap(), dot);

    let svg = dir.path().join("g.svg");
    write_svg(&dot, &svg).unwrap();
    let text = std::fs::read_to_string(&svg).unwrap();
    // The first element, after the XML declaration, doctype and comments, is <svg.
    let first = text
        .match_indices('<')
        .map(|(i, _)| &text[i..])
        .find(|t| !t.starts_with("<?") && !t.starts_with("<!"))
        .unwrap_or("");
    assert!(first.starts_with("<svg"), "{text}");
    assert!(text.contains("alice"));
    // A bad graph is dot's error, and leaves no file.
    let bad = dir.path().join("bad.svg");
    let e = write_svg("digraph {", &bad).unwrap_err();
    assert!(matches!(e, AuditError::Dot { .. }), "{e}");
    assert!(!bad.exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn audit_text_report() {
    let (_dir, a) = cluster();
    let t = a.text();
    for part in [
        "4 x 2 mesh, profile sim, 5 enclaves, 2 devices",
        "root[0] -> alice: send+grant, badge 10",
        "carol can obtain console: send, badge 11, from alice",
        "alice: console (after a grant)",
        "`bob` imports neither castle.send nor castle.grant: its capability (slot 0) can never",
        "device `log` is reachable by nobody",
    ] {
        assert!(t.contains(part), "`{part}` not in:\n{t}");
    }
}

#[test]
fn audit_json_has_every_part() {
    let (_dir, a) = cluster();
    let v = serde_json::to_value(&a).unwrap();
    for key in [
        "manifest",
        "sha256",
        "mesh",
        "profile",
        "enclaves",
        "devices",
        "edges",
        "spread",
        "findings",
        "unreachable",
    ] {
        assert!(v.get(key).is_some(), "{key} not in {v}");
    }
    assert_eq!(
        v["edges"][0]["rights"],
        serde_json::json!(["send", "grant"])
    );
    assert_eq!(v["sha256"].as_str().map(str::len), Some(64));
    assert_eq!(
        v["enclaves"][1]["imports"],
        serde_json::json!(["send", "recv", "grant"])
    );
    let kinds: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["kind"].as_str())
        .collect();
    for k in [
        "caps_never_used",
        "unusable",
        "grant_right_unused",
        "holds_grant",
        "unreachable",
    ] {
        assert!(kinds.contains(&k), "{k} not in {kinds:?}");
    }
}
