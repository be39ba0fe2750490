//! `castle demo`: the best end-to-end path that exists today, narrated. Until the cluster
//! exists this is the enclave's immediate decoder: rust-hdl -> Verilog -> lint -> yosys ->
//! Verilator, decoding the immediates of real Wasm instructions and checked against software.
use crate::progress::spinner;
use anyhow::{bail, Result};
use castle_enclave::leb128::decode;
use castle_testbench::leb128::{design, VerilatedLeb128};
use castle_testbench::verilator::BuildOptions;

/// Immediates of Wasm instructions: (instruction, immediate bytes, signed).
const IMMEDIATES: &[(&str, &[u8], bool)] = &[
    ("i32.const 0", &[0x00], true),
    ("i32.const -1", &[0x7f], true),
    ("i32.const 624485", &[0xe5, 0x8e, 0x26], true),
    (
        "i32.const 2147483647",
        &[0xff, 0xff, 0xff, 0xff, 0x07],
        true,
    ),
    (
        "i32.const -2147483648",
        &[0x80, 0x80, 0x80, 0x80, 0x78],
        true,
    ),
    ("i32.load offset=128", &[0x80, 0x01], false),
    ("local.get 3 (padded)", &[0x83, 0x80, 0x80, 0x00], false),
    ("call 4294967295", &[0xff, 0xff, 0xff, 0xff, 0x0f], false),
    ("bad: u32 too large", &[0xff, 0xff, 0xff, 0xff, 0x1f], false),
    ("bad: too long", &[0x80, 0x80, 0x80, 0x80, 0x80], true),
];

pub fn run() -> Result<()> {
    println!("Castle demo: the enclave's LEB128 immediate decoder, from rust-hdl to Verilator.\n");
    let verilog = castle_rtl::blocks::export("leb128")?;
    let modules = verilog.matches("\nmodule ").count();
    println!(
        "1. rust-hdl exported {} lines of Verilog ({modules} modules, top `top`).",
        verilog.lines().count()
    );
    castle_rtl::lint::verilator_lint("leb128", &verilog)?;
    let waived: Vec<&str> = castle_rtl::lint::WAIVERS.iter().map(|w| w.0).collect();
    println!(
        "2. verilator --lint-only -Wall: clean (documented waivers: {}).",
        waived.join(", ")
    );
    let pb = spinner("yosys synth_ice40");
    let area = castle_rtl::synth::ice40("leb128", &verilog);
    pb.finish_and_clear();
    let area = area?;
    println!(
        "3. yosys synth_ice40: {} LUT4, {} flip-flops, {} carry cells, no latches.",
        area.luts, area.flip_flops, area.carries
    );
    let pb = spinner("Verilating (cached after the first run)");
    let t = std::time::Instant::now();
    let d = design(&BuildOptions::default());
    pb.finish_and_clear();
    let d = d?;
    println!(
        "4. Verilator model {} in {:.2} s ({}).\n",
        if d.built().cached {
            "loaded from the cache"
        } else {
            "built"
        },
        t.elapsed().as_secs_f64(),
        d.built().dir.display()
    );
    let mut hw = VerilatedLeb128::new(&d)?;
    println!(
        "   {:<24} {:<18} {:>12} {:>12} {:>6}",
        "instruction", "immediate bytes", "hardware", "software", "cycles"
    );
    let mut mismatches = 0;
    for (name, bytes, signed) in IMMEDIATES {
        let Some((o, cycles)) = hw.decode(bytes, *signed) else {
            bail!("the decoder gave no result for {name}")
        };
        let Some((value, len, error)) = decode(bytes, *signed) else {
            bail!("software decoder: {name} is incomplete")
        };
        let show = |v: u32, e: bool| {
            if e {
                "error".to_string()
            } else if *signed {
                (v as i32).to_string()
            } else {
                v.to_string()
            }
        };
        let agree =
            o.out_error == error && o.out_len as usize == len && (error || o.out_value == value);
        mismatches += !agree as u32;
        let hex: Vec<String> = bytes.iter().map(|b| format!("{b:02x}")).collect();
        println!(
            "   {:<24} {:<18} {:>12} {:>12} {:>6} {}",
            name,
            hex.join(" "),
            show(o.out_value, o.out_error),
            show(value, error),
            cycles,
            if agree { "ok" } else { "MISMATCH" }
        );
    }
    if mismatches > 0 {
        bail!("{mismatches} immediates decoded differently in hardware and software");
    }
    println!(
        "\nHardware and software agree on all {} immediates.",
        IMMEDIATES.len()
    );
    println!("Next: the enclave core (issue 4) and the capability network (issue 5).");
    Ok(())
}
