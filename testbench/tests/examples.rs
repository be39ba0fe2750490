//! The example systems of apps/ on the Verilated cluster and on the cluster model: both must
//! give every enclave the same outcome (result or trap and its pc), message counts and
//! instruction count, and the console the same lines per badge; and each example must do what
//! it is for: on clusters of fast cores and on clusters of compact cores (`fast::*`,
//! `compact::*`).
use castle_enclave::model::cluster::{Counts, Outcome};
use castle_rtl::cluster::CoreKind;
use castle_rtl::manifest::Manifest;
use castle_testbench::sim::{self, differences, Engine, SimOptions, SimReport};
use std::path::PathBuf;

fn manifest(path: &str) -> Manifest {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .join(path);
    Manifest::load(&p).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs `path` with `core` cores on both engines, checks they agree, returns the Verilated
/// run's report.
fn both(path: &str, core: CoreKind) -> SimReport {
    let mut m = manifest(path);
    m.core = core;
    let run = |engine| {
        let opts = SimOptions {
            engine,
            ..SimOptions::default()
        };
        sim::run(&m, &opts, &mut |_| {}).unwrap_or_else(|e| panic!("{path}: {e}"))
    };
    let (v, model) = (run(Engine::Verilator), run(Engine::Model));
    let diff = differences(&v, &model);
    assert!(
        diff.is_empty(),
        "{path}: the engines disagree:\n{}",
        diff.join("\n")
    );
    assert!(!v.dropped, "{path}: a flit left the mesh");
    eprintln!(
        "{path} ({core:?}): {} cycles, {:.2} M cycles/s",
        v.cycles.unwrap_or(0),
        v.cycles.unwrap_or(0) as f64 / v.wall.as_secs_f64() / 1e6
    );
    v
}

fn enclave<'a>(r: &'a SimReport, name: &str) -> &'a sim::EnclaveSummary {
    r.enclaves
        .iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("no enclave {name}"))
}

fn returned(r: &SimReport, name: &str) -> i32 {
    match enclave(r, name).outcome {
        Outcome::Returned(Some(v)) => v,
        ref o => panic!("{name}: {o:?}"),
    }
}

fn console(r: &SimReport, from: &str) -> Vec<String> {
    r.console
        .iter()
        .filter(|l| l.from == from)
        .map(|l| l.text.clone())
        .collect()
}

fn ping_pong(core: CoreKind) {
    let r = both("apps/pingpong/pingpong.toml", core);
    assert_eq!(returned(&r, "ping"), 110, "2 + 4 + ... + 20");
    assert_eq!(returned(&r, "pong"), 10);
    assert_eq!(console(&r, "ping"), ["ping: 10 rounds", "ping: done"]);
    assert_eq!(console(&r, "pong"), ["pong: done"]);
    let c = enclave(&r, "ping").counts;
    assert_eq!((c.sent, c.delivered, c.received), (12, 12, 10));
}

fn pipeline_in_c(core: CoreKind) {
    let r = both("apps/pipeline/pipeline.toml", core);
    assert_eq!(returned(&r, "consumer"), 2 + 3 + 5 + 7 + 11 + 13 + 17 + 19);
    assert_eq!(returned(&r, "filter"), 8);
    assert_eq!(
        console(&r, "consumer"),
        ["consumer: sum of the primes up to 20 is 77"]
    );
    for e in &r.enclaves {
        assert_eq!(e.counts.rejected, 0, "{}: flow control", e.name);
    }
}

fn key_value_store_tells_clients_apart_by_badge(core: CoreKind) {
    let r = both("apps/kvstore/kvstore.toml", core);
    for (i, client) in ["client1", "client2", "client3"].iter().enumerate() {
        assert_eq!(returned(&r, client), 10, "{client}");
        assert_eq!(
            console(&r, client),
            [format!("client {}: 10 of 10 values read back", i + 1)]
        );
    }
    assert_eq!(returned(&r, "store"), 66);
    assert_eq!(console(&r, "store"), ["store: served 66 requests, 30 keys"]);
}

fn grants_attenuate_and_never_amplify(core: CoreKind) {
    let r = both("apps/grants/grants.toml", core);
    assert_eq!(returned(&r, "alice"), 0, "the grant was delivered");
    assert_eq!(returned(&r, "bob"), 1);
    assert_eq!(returned(&r, "dave"), 1);
    assert_eq!(returned(&r, "carol"), 1 + 2 + 3);
    assert_eq!(
        console(&r, "carol"),
        [
            "carol: word 1 with badge 7",
            "carol: word 2 with badge 7",
            "carol: word 3 with badge 7"
        ]
    );
    assert!(console(&r, "bob").contains(&"bob: granting through it is refused".to_string()));
}

fn an_intruder_reaches_nobody(core: CoreKind) {
    let r = both("apps/intruder/intruder.toml", core);
    assert_eq!(
        returned(&r, "mallory"),
        15 + 17,
        "every send and grant refused"
    );
    let vault = enclave(&r, "vault");
    assert_eq!(vault.outcome, Outcome::Waiting);
    assert_eq!(vault.counts, Counts::default(), "nothing reached the vault");
    let m = enclave(&r, "mallory").counts;
    assert_eq!((m.refused, m.delivered), (32, 1));
}

/// LEDs are a device like any other: only an enclave holding a capability to them can set
/// them.
fn leds_light_only_through_a_capability(core: CoreKind) {
    let r = both("apps/blinky/blinky.toml", core);
    assert_eq!(returned(&r, "blinky"), 0, "every LED write delivered");
    let sweep: Vec<u8> = [0, 1, 2, 3, 4, 5, 6, 7, 6, 5, 4, 3, 2, 1, 0]
        .iter()
        .map(|b| 1 << b)
        .collect();
    let got: Vec<u8> = r.leds.iter().map(|w| w.value).collect();
    assert_eq!(got, sweep);
    assert!(r
        .leds
        .iter()
        .all(|w| w.device == "leds" && w.from == "blinky"));
    assert_eq!(returned(&r, "dark"), 15, "every send refused");
    assert_eq!(console(&r, "dark"), ["dark: no LED lit"]);
    let d = enclave(&r, "dark").counts;
    assert_eq!((d.refused, d.delivered), (15, 2));
}

fn the_demo_system(core: CoreKind) {
    let r = both("apps/demo/demo.toml", core);
    assert!(r.enclaves.len() >= 4);
    assert!(r
        .enclaves
        .iter()
        .all(|e| !matches!(e.outcome, Outcome::Trapped(_) | Outcome::Running)));
}

/// Four enclaves print 40 lines each as fast as their cores go, all to one console: the
/// harness drains the console as soon as it has a message (never slower than messages
/// arrive), so no print is rejected and both engines print the same lines.
fn console_never_rejects_under_a_print_storm(core: CoreKind) {
    let dir = tempfile::tempdir().unwrap();
    let wat = r#"(module
      (import "castle" "send" (func $send (param i32 i32 i32) (result i32)))
      (memory 1)
      (data (i32.const 0) "abcdefghijklmn\n\00")
      (func (export "main") (result i32) (local $i i32) (local $bad i32)
        (loop $l
          ;; a line in 4 messages of 1, 2, 0 and 1 words (the last ends with the newline)
          (local.set $bad (i32.or (local.get $bad) (call $send (i32.const 0) (i32.const 0) (i32.const 1))))
          (local.set $bad (i32.or (local.get $bad) (call $send (i32.const 0) (i32.const 4) (i32.const 2))))
          (local.set $bad (i32.or (local.get $bad) (call $send (i32.const 0) (i32.const 0) (i32.const 0))))
          (local.set $bad (i32.or (local.get $bad) (call $send (i32.const 0) (i32.const 12) (i32.const 1))))
          (local.set $i (i32.add (local.get $i) (i32.const 1)))
          (br_if $l (i32.lt_u (local.get $i) (i32.const 40))))
        (local.get $bad)))"#;
    std::fs::write(dir.path().join("p.wat"), wat).unwrap();
    let mut toml = String::from("[cluster]\nmesh = [3, 2]\n");
    for i in 0..4 {
        toml += &format!(
            "[[enclave]]\nname = \"p{i}\"\nwasm = \"p.wat\"\ncaps = [ {{ to = \"console\", badge = {} }} ]\n",
            i + 1
        );
    }
    toml += "[[device]]\nname = \"console\"\nkind = \"console\"\n";
    let path = dir.path().join("storm.toml");
    std::fs::write(&path, toml).unwrap();
    let r = both(path.to_str().unwrap(), core);
    for e in &r.enclaves {
        assert_eq!(
            e.outcome,
            Outcome::Returned(Some(0)),
            "{}: every print delivered",
            e.name
        );
        assert_eq!(e.counts.rejected, 0, "{}", e.name);
        assert_eq!(console(&r, &e.name).len(), 40, "{}", e.name);
    }
    assert!(
        console(&r, "p1").iter().all(|l| l == "abcdefghijklmn"),
        "{:?}",
        console(&r, "p1")
    );
}

/// Every example as a test, once per core.
macro_rules! per_core {
    ($($module:ident: $core:ident),*) => {
        $(mod $module {
            use super::CoreKind;
            #[test]
            fn ping_pong() {
                super::ping_pong(CoreKind::$core);
            }
            #[test]
            fn pipeline_in_c() {
                super::pipeline_in_c(CoreKind::$core);
            }
            #[test]
            fn key_value_store_tells_clients_apart_by_badge() {
                super::key_value_store_tells_clients_apart_by_badge(CoreKind::$core);
            }
            #[test]
            fn grants_attenuate_and_never_amplify() {
                super::grants_attenuate_and_never_amplify(CoreKind::$core);
            }
            #[test]
            fn an_intruder_reaches_nobody() {
                super::an_intruder_reaches_nobody(CoreKind::$core);
            }
            #[test]
            fn leds_light_only_through_a_capability() {
                super::leds_light_only_through_a_capability(CoreKind::$core);
            }
            #[test]
            fn the_demo_system() {
                super::the_demo_system(CoreKind::$core);
            }
            #[test]
            fn console_never_rejects_under_a_print_storm() {
                super::console_never_rejects_under_a_print_storm(CoreKind::$core);
            }
        })*
    };
}

per_core!(fast: Fast, compact: Compact);
