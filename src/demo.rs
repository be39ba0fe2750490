//! `castle demo`: the default cluster (apps/demo/demo.toml) on Verilator, narrated: who
//! messages whom, a grant, refused sends; the same system on the software model must agree;
//! a VCD of the run and the capability graph are written under target/demo/.
use crate::sim::{outcome_text, simulate};
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
    narrate(&v);

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
    Ok(())
}

/// Plain words for what the counters say each actor did.
fn narrate(r: &SimReport) {
    println!("What happened, from each enclave's counters:");
    for e in &r.enclaves {
        let c = &e.counts;
        let mut parts = vec![];
        if c.delivered > 0 {
            parts.push(format!("{} message(s) delivered", c.delivered));
        }
        if c.refused > 0 {
            parts.push(format!(
                "{} refused (no capability, or not the right one: nothing left its enclave)",
                c.refused
            ));
        }
        if c.rejected > 0 {
            parts.push(format!("{} rejected (a full mailbox)", c.rejected));
        }
        if c.received > 0 {
            parts.push(format!("{} received", c.received));
        }
        if parts.is_empty() {
            parts.push("no messages".into());
        }
        println!("  {:<8} {}; {}", e.name, parts.join(", "), outcome_text(e));
    }
}

fn rel(p: &Path) -> String {
    p.strip_prefix(root()).unwrap_or(p).display().to_string()
}
