//! `castle bench`: every measured figure, as in docs/RESULTS.md.
use crate::progress::{bar, spinner};
use anyhow::Result;
use castle_fpga::pnr::PnrReport;

/// The sections of `castle bench`, each measurable alone with `--only`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum Section {
    /// Verilator harness against rust-hdl on the LEB128 decoder
    Harness,
    /// Verilator harness against rust-hdl on the 2x2 mesh
    Mesh,
    /// The enclave core: CPI on apps/bench, cycles per opcode, Verilator vs rust-hdl speed
    Enclave,
    /// The capability network on the 4x4 mesh: latency against offered load (writes
    /// docs/noc-latency.svg)
    Noc,
    /// Place and route of the blocks on iCE40 HX8K and ECP5-85F: area and Fmax
    Area,
    /// Clusters on Verilator: speed on the example systems, capability-call and round-trip
    /// cycles, latency against the link bound
    Cluster,
}

pub fn run(json: bool, only: &[Section]) -> Result<()> {
    let want = |s: Section| only.is_empty() || only.contains(&s);
    let mut out = serde_json::Map::new();
    let mut text = String::new();
    if want(Section::Harness) || want(Section::Mesh) {
        let pb = spinner("measuring the Verilator harness");
        if want(Section::Harness) {
            let h = castle_testbench::bench::harness(&|step| pb.set_message(step.to_string()))?;
            text += &format!("Verilator harness ({}, block {})\n", h.verilator, h.block);
            text += &speed_lines(h.verilator_cycles_per_s, h.rust_hdl_cycles_per_s, h.ratio);
            text += &format!(
                "  rust-hdl Simulation testbench {:>9.0} cycles/s (ratio {:.1} x)\n",
                h.rust_hdl_testbench_cycles_per_s, h.ratio_testbench
            );
            text += &format!("  cold build     {:>12.2} s\n", h.cold_build_s);
            text += &format!("  cached build   {:>12.1} ms\n", h.cached_build_s * 1e3);
            out.insert("harness".into(), serde_json::to_value(&h)?);
        }
        if want(Section::Mesh) {
            let m = castle_testbench::bench::mesh(&|step| pb.set_message(step.to_string()))?;
            text += &format!("Verilator harness on {} (4 routers)\n", m.block);
            text += &speed_lines(m.verilator_cycles_per_s, m.rust_hdl_cycles_per_s, m.ratio);
            out.insert("mesh".into(), serde_json::to_value(&m)?);
        }
        pb.finish_and_clear();
    }
    if want(Section::Enclave) {
        let pb = spinner("measuring the enclave core");
        let e = castle_testbench::bench::enclave(&|step| pb.set_message(step.to_string()))
            .map_err(anyhow::Error::msg)?;
        pb.finish_and_clear();
        text += "Enclave core on Verilator: cycles per instruction (apps/bench)\n";
        text += &format!(
            "  {:<10} {:>6} {:>12} {:>12} {:>6}\n",
            "program", "arg", "instructions", "cycles", "CPI"
        );
        for p in &e.programs {
            text += &format!(
                "  {:<10} {:>6} {:>12} {:>12} {:>6.2}\n",
                p.program, p.arg, p.instructions, p.cycles, p.cpi
            );
        }
        text += &format!(
            "  CPI over all cycles {:.2}, mean of the programs {:.2}\n",
            e.cpi_overall, e.cpi_mean
        );
        text += "  cycles per opcode (all programs):\n";
        for o in &e.ops {
            text += &format!(
                "    {:<22} {:>10} executed {:>11} cycles {:>6.2} each\n",
                o.opcode, o.count, o.cycles, o.cycles_per_op
            );
        }
        text += &speed_lines(e.verilator_cycles_per_s, e.rust_hdl_cycles_per_s, e.ratio);
        let c = &e.compact;
        text += "Compact core on Verilator: cycles per instruction (apps/bench)\n";
        for p in &c.programs {
            text += &format!(
                "  {:<10} {:>6} {:>12} {:>12} {:>6.2}\n",
                p.program, p.arg, p.instructions, p.cycles, p.cpi
            );
        }
        text += &format!(
            "  CPI over all cycles {:.2}, mean of the programs {:.2}\n  cycles per opcode:\n",
            c.cpi_overall, c.cpi_mean
        );
        for o in &c.ops {
            text += &format!(
                "    {:<22} {:>10} executed {:>11} cycles {:>6.2} each\n",
                o.opcode, o.count, o.cycles, o.cycles_per_op
            );
        }
        text += &format!(
            "  Verilator      {:>12.0} cycles/s\n",
            e.compact_verilator_cycles_per_s
        );
        let y = &e.ice40_synthesis;
        text += &format!(
            "  yosys synth_ice40 (enclave_hx8k): {} LUT4, {} flip-flops, {} carry, {} SB_RAM40_4K\n",
            y.luts, y.flip_flops, y.carries, y.brams
        );
        out.insert("enclave".into(), serde_json::to_value(&e)?);
    }
    if want(Section::Noc) {
        let pb = spinner("measuring the 4x4 network");
        let n = castle_testbench::bench::noc_latency(&|step| pb.set_message(step.to_string()))?;
        pb.finish_and_clear();
        let svg = castle_testbench::suites::root().join("docs/noc-latency.svg");
        std::fs::write(&svg, &n.svg)
            .map_err(|e| anyhow::anyhow!("writing {}: {e}", svg.display()))?;
        text += &format!(
            "Network 4x4, {}-word messages: latency against offered load ({})\n",
            n.message_words,
            svg.display()
        );
        text += &format!(
            "  {:<8} {:>9} {:>9} {:>9} {:>8}\n",
            "traffic", "offered", "accepted", "mean", "p99"
        );
        for (kind, points) in [("uniform", &n.uniform), ("hotspot", &n.hotspot)] {
            for p in points.iter() {
                text += &format!(
                    "  {:<8} {:>9.3} {:>9.4} {:>9.1} {:>8.0}\n",
                    kind, p.offered, p.accepted, p.mean_latency, p.p99_latency
                );
            }
        }
        text += &format!(
            "  saturation: uniform {:.3}, hotspot {:.3} messages per node per cycle\n",
            n.saturation_uniform, n.saturation_hotspot
        );
        let mut v = serde_json::to_value(&n)?;
        if let Some(o) = v.as_object_mut() {
            o.remove("svg");
        }
        out.insert("noc".into(), v);
    }
    if want(Section::Cluster) {
        let pb = spinner("measuring the cluster");
        let root = castle_testbench::suites::root();
        let c = castle_testbench::bench_cluster::cluster(&root, &|step| {
            pb.set_message(step.to_string())
        })?;
        pb.finish_and_clear();
        text += "Clusters on Verilator (the example systems; build and load not timed)\n";
        text += &format!(
            "  {:<28} {:>5} {:>8} {:>9} {:>12}\n",
            "manifest", "mesh", "enclaves", "cycles", "cycles/s"
        );
        for r in &c.speed {
            text += &format!(
                "  {:<28} {:>5} {:>8} {:>9} {:>12.0}\n",
                r.manifest, r.mesh, r.enclaves, r.cycles, r.cycles_per_s
            );
        }
        let k = &c.calls;
        let sends: Vec<String> = k.send_words.iter().map(|c| c.to_string()).collect();
        text += &format!(
            "  capability calls, cycles from the call to its return (to a neighbour):\n    send of 0..4 words {}; recv of a waiting 1-word message {}; try_recv on an empty mailbox {}; drop {}; grant {}\n",
            sends.join(", "), k.recv_waiting_1_word, k.try_recv_empty, k.drop, k.grant
        );
        text += &format!(
            "  round trip (ping's send called to its recv returned, pong answering at once): {} cycles\n  apps/pairs loop: {:.1} cycles per round; at 50 MHz {:.0} round trips/s, {:.0} messages/s per pair\n",
            k.round_trip, k.loop_cycles_per_round, k.round_trips_per_s_at_50mhz, k.messages_per_s_at_50mhz
        );
        text += "  send taken to mb_valid, cycles (bound flits + hops + 3), 4x4 network:\n";
        text += "    words \\ hops   1        2        3        4        5        6\n";
        for w in 0..=4 {
            text += &format!("    {w}          ");
            for r in c.latency.iter().filter(|r| r.words == w) {
                text += &format!(" {:>2} ({:>2}) ", r.cycles, r.bound);
            }
            text += "\n";
        }
        out.insert("cluster".into(), serde_json::to_value(&c)?);
    }
    if want(Section::Area) {
        let pb = bar(0, "place and route");
        let rows = castle_fpga::bench::area(&|done, total, what| {
            pb.set_length(total as u64);
            pb.set_position(done as u64);
            pb.set_message(what.to_string());
        })?;
        pb.finish_and_clear();
        text += &area_table(&rows);
        out.insert("area".into(), serde_json::to_value(&rows)?);
    }
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::Value::Object(out))?
        );
    } else {
        print!("{text}");
    }
    Ok(())
}

/// Simulation speed on both simulators and their ratio, measured in one run.
fn speed_lines(verilator: f64, rust_hdl: f64, ratio: f64) -> String {
    format!(
        "  Verilator      {verilator:>12.0} cycles/s\n  rust-hdl sim   {rust_hdl:>12.0} cycles/s\n  ratio          {ratio:>12.1} x\n"
    )
}

/// The area rows as a text table, with the flow of each device under it.
fn area_table(rows: &[PnrReport]) -> String {
    let mut t = String::from("Area and Fmax (out of context, no constraints file)\n");
    t += &format!(
        "  {:<12} {:<11} {:>8} {:>6} {:>5} {:>4} {:>10}\n",
        "block", "device", "LC/LUT4", "FF", "BRAM", "DSP", "Fmax MHz"
    );
    for r in rows {
        let fmax = r.fmax_mhz.map_or("-".to_string(), |f| format!("{f:.1}"));
        t += &format!(
            "  {:<12} {:<11} {:>8} {:>6} {:>5} {:>4} {:>10}\n",
            r.block,
            r.device.name(),
            r.logic_cells,
            r.flip_flops,
            r.brams,
            r.dsps,
            fmax
        );
    }
    let mut seen = vec![];
    for r in rows {
        if !seen.contains(&r.device) {
            seen.push(r.device);
            t += &format!(
                "  {}: {}, seed {}, clock target {} MHz\n",
                r.device.name(),
                r.tools,
                r.seed,
                r.target_mhz
            );
        }
    }
    t
}
