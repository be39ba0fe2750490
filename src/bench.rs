//! `castle bench`: every measured figure, as in docs/RESULTS.md.
use crate::progress::spinner;
use anyhow::Result;

pub fn run(json: bool) -> Result<()> {
    let pb = spinner("measuring the Verilator harness");
    let h = castle_testbench::bench::harness(&|step| pb.set_message(step.to_string()))?;
    let m = castle_testbench::bench::mesh(&|step| pb.set_message(step.to_string()))?;
    pb.finish_and_clear();
    if json {
        println!("{}", serde_json::to_string_pretty(&serde_json::json!({ "harness": h, "mesh": m }))?);
        return Ok(());
    }
    println!("Verilator harness ({}, block {})", h.verilator, h.block);
    println!("  Verilator      {:>12.0} cycles/s", h.verilator_cycles_per_s);
    println!("  rust-hdl sim   {:>12.0} cycles/s", h.rust_hdl_cycles_per_s);
    println!("  ratio          {:>12.1} x", h.ratio);
    println!("  rust-hdl Simulation testbench {:>9.0} cycles/s (ratio {:.1} x)", h.rust_hdl_testbench_cycles_per_s, h.ratio_testbench);
    println!("  cold build     {:>12.2} s", h.cold_build_s);
    println!("  cached build   {:>12.1} ms", h.cached_build_s * 1e3);
    println!("Verilator harness on {} (4 routers)", m.block);
    println!("  Verilator      {:>12.0} cycles/s", m.verilator_cycles_per_s);
    println!("  rust-hdl sim   {:>12.0} cycles/s", m.rust_hdl_cycles_per_s);
    println!("  ratio          {:>12.1} x", m.ratio);
    Ok(())
}
