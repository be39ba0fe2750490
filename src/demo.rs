//! `castle demo`: the default cluster (apps/demo/demo.toml) on Verilator, narrated: who
//! messages whom, a grant, refused sends; the same system on the software model must agree;
//! a VCD of the run and the capability graph are written under target/demo/.
use crate::sim::simulate;
use anyhow::{Context, Result};
use castle_rtl::manifest::Manifest;
use castle_testbench::sim::{differences, Engine, SimOptions, SimReport};
use std::path::{Path, PathBuf};

/// The repository (the demo's manifest and output folder are found from it).
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).to_path_buf()
}

pub fn run() -> Result<()> {
    let path = root().join("apps/demo/demo.toml");
    let m = Manifest::load(&path)?;
    let out = root().join("target/demo");
    std::fs::create_dir_all(&out).with_context(|| format!("creating {}", out.display()))?;
    println!(
        "Castle demo: {} actors, each in its own enclave (a core with private memories) on a {}x{} mesh.",
        m.enclaves.len(),
        m.columns,
        m.rows
    );
    println!(
        "They share nothing: each can send only through the capabilities its manifest gives it"
    );
    println!(
        "({}), checked in hardware by its network interface.\n",
        rel(&path)
    );
    for e in &m.enclaves {
        let caps: Vec<String> = e
            .caps
            .iter()
            .map(|c| {
                let mut rights = vec![];
                if c.send {
                    rights.push("send");
                }
                if c.grant {
                    rights.push("grant");
                }
                format!("{} ({}, badge {})", c.to, rights.join("+"), c.badge)
            })
            .collect();
        println!("  {:<8} may reach {}", e.name, caps.join(", "));
    }
    println!();

    let vcd = out.join("demo.vcd");
    let opts = SimOptions {
        engine: Engine::Verilator,
        vcd: Some(vcd.clone()),
        ..SimOptions::default()
    };
    let v = simulate(&m, &opts)?;
    println!(
        "What the actors printed (through the console device, which they reach by capability):"
    );
    for line in &v.console {
        println!("  [{}] {}", line.from, line.text);
    }
    println!();
    let wrong = narrate(&v);

    let model = simulate(
        &m,
        &SimOptions {
            engine: Engine::Model,
            ..SimOptions::default()
        },
    )?;
    let diff = differences(&v, &model);
    println!();
    if diff.is_empty() {
        println!("The software model of the cluster gives every actor the same results, messages and console");
        println!("output as the Verilated hardware.");
    } else {
        println!("MISMATCH between the Verilated cluster and the model:");
        for d in &diff {
            println!("  {d}");
        }
    }
    let cycles = v.cycles.unwrap_or(0);
    println!(
        "\n{cycles} clock cycles simulated in {:.2} s ({:.1} M cycles/s).",
        v.wall.as_secs_f64(),
        cycles as f64 / v.wall.as_secs_f64().max(1e-9) / 1e6
    );
    println!("Waveforms of the whole run: {}", rel(&vcd));
    let svg = out.join("capabilities.svg");
    crate::audit_svg(&m, &svg)?;
    println!(
        "The capability graph: {} (castle audit {} --svg FILE)",
        rel(&svg),
        rel(&path)
    );
    if !diff.is_empty() {
        anyhow::bail!("the Verilated cluster and the model disagree");
    }
    if !wrong.is_empty() {
        anyhow::bail!("the demo did not go as told: {}", wrong.join("; "));
    }
    Ok(())
}

/// The story of the run in plain words, each claim checked against the enclaves' counters
/// and console; false claims are listed (and fail the demo).
fn narrate(r: &SimReport) -> Vec<String> {
    let by = |name: &str| r.enclaves.iter().find(|e| e.name == name);
    let said = |name: &str, text: &str| {
        r.console
            .iter()
            .any(|l| l.from == name && l.text.contains(text))
    };
    let (Some(alice), Some(bob), Some(carol), Some(mallory)) =
        (by("alice"), by("bob"), by("carol"), by("mallory"))
    else {
        return vec!["the demo manifest lost one of alice, bob, carol, mallory".into()];
    };
    let mut wrong = vec![];
    let mut claim = |ok: bool, text: String| {
        println!("  {} {text}", if ok { "-" } else { "UNEXPECTED:" });
        if !ok {
            wrong.push(text);
        }
    };
    println!("What happened:");
    claim(
        alice.counts.received == 3 && said("bob", "ping 30 from badge 1"),
        "alice pinged bob 3 times and got 3 answers: bob sees alice's badge (1) on each ping, and \
         answers through the capability to alice his own manifest gives him."
            .into(),
    );
    claim(
        said("alice", "gave carol") && said("bob", "note 42 from badge 1"),
        "alice granted carol a send-only copy of her capability to bob; carol's note reached \
         bob carrying badge 1: the badge belongs to the capability, not to who holds it."
            .into(),
    );
    claim(
        carol.counts.refused == 1,
        "carol tried to pass that capability on with the grant right added: refused (a grant \
         can only remove rights)."
            .into(),
    );
    claim(
        mallory.counts.refused == 15 && bob.counts.received == 4,
        format!(
            "mallory holds a capability to the console only: its {} sends to the other 15 slots \
             were refused by its network interface, and bob received exactly the 4 messages \
             of alice and carol.",
            mallory.counts.refused
        ),
    );
    let messages: u64 = r.enclaves.iter().map(|e| e.counts.delivered).sum();
    claim(
        r.enclaves.iter().all(|e| e.counts.rejected == 0),
        format!("{messages} messages were delivered in all, none rejected."),
    );
    wrong
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).display().to_string()
}
