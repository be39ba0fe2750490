//! The three witnesses of the LEB128 decoder agree: rust-hdl simulation and the Verilated
//! export cycle by cycle on the same random vectors, and the Verilated export against the
//! software decoder on a long stream of encoded numbers. (The third witness, yosys synthesis
//! without latches, is `castle-rtl`'s `every_block_lints_and_synthesizes`.)
use castle_enclave::leb128::decode;
use castle_testbench::leb128::{design, HdlLeb128, LebIn, VerilatedLeb128};
use castle_testbench::verilator::{BuildOptions, Design};
use rand::{rngs::StdRng, Rng, SeedableRng};

fn built(trace: bool) -> Design {
    design(&BuildOptions {
        trace,
        ..Default::default()
    })
    .unwrap_or_else(|e| panic!("{e}"))
}

/// rust-hdl simulation and the Verilated Verilog agree on every output, every cycle.
#[test]
fn rust_hdl_and_verilator_agree_cycle_by_cycle() {
    let seed = 0x1eb128;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut v = VerilatedLeb128::new(&built(false)).unwrap();
    let mut h = HdlLeb128::default();
    let mut results = 0;
    for cycle in 0..20_000 {
        let i = LebIn::random(&mut rng);
        h.drive(i);
        v.drive(i);
        let (a, b) = (h.sample(), v.sample());
        assert_eq!(
            a, b,
            "cycle {cycle} (seed {seed:#x}), inputs {i:?}: rust-hdl {a:?} vs verilator {b:?}"
        );
        results += (a.out_valid && i.out_ready) as u32;
        h.tick();
        v.tick();
    }
    assert!(
        results > 1000,
        "the random vectors produced only {results} results"
    );
    // The agreement above was reached with one eval per cycle (verilator/shim.rs): if a
    // Verilator upgrade renames the member the shim lowers, ticks fall back to two evals
    // (correct, 1.5x slower) and this says so.
    assert_eq!(
        v.model.fast_edge(),
        Some(true),
        "castle_tick fell back to two evals per cycle: Verilator no longer has \
         __Vtrigrprev__TOP__clock (testbench/src/verilator/shim.rs)"
    );
}

/// `ticks(n)` runs every cycle after the first without Verilator's input pass
/// (verilator/shim.rs): the same states as n single ticks, inputs held for runs of 1 to 12
/// cycles, compared after each run.
#[test]
fn batched_ticks_equal_single_ticks() {
    let seed = 0xba7c4;
    let mut rng = StdRng::seed_from_u64(seed);
    let design = built(false);
    let (mut one, mut batch) = (
        VerilatedLeb128::new(&design).unwrap(),
        VerilatedLeb128::new(&design).unwrap(),
    );
    for run in 0..3_000 {
        let i = LebIn::random(&mut rng);
        let n = rng.gen_range(1..=12);
        one.drive(i);
        batch.drive(i);
        for _ in 0..n {
            one.tick();
        }
        batch.model.ticks(n);
        one.model.eval();
        batch.model.eval();
        let (a, b) = (one.sample(), batch.sample());
        assert_eq!(
            a, b,
            "run {run} (seed {seed:#x}) of {n} cycles, inputs {i:?}"
        );
    }
    assert_eq!(
        batch.model.skips_input_pass(),
        Some(true),
        "castle_tick ran whole evals: Verilator's internal eval functions or members changed \
         (testbench/src/verilator/shim.rs)"
    );
}

/// Encode `v` in `len` LEB128 bytes (padding with continuation bytes, as Wasm allows).
fn encode(v: u32, signed: bool, len: usize) -> Vec<u8> {
    let x = if signed { v as i32 as i64 } else { v as i64 };
    (0..len)
        .map(|i| ((x >> (7 * i)) & 0x7f) as u8 | if i + 1 < len { 0x80 } else { 0 })
        .collect()
}

/// Fewest LEB128 bytes for `v`.
fn min_len(v: u32, signed: bool) -> usize {
    (1..=5)
        .find(|&n| decode(&encode(v, signed, n), signed).map(|d| d.0) == Some(v))
        .unwrap_or(5)
}

/// The Verilated decoder matches the software decoder on a long stream of numbers: valid
/// encodings of every length, padded ones, and random (often invalid) 5-byte sequences.
#[test]
fn verilator_matches_software_decoder() {
    let seed = 0xdec0de;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut v = VerilatedLeb128::new(&built(false)).unwrap();
    let mut invalid = 0;
    for n in 0..50_000 {
        let signed = rng.gen_ratio(1, 2);
        let x: u32 = match rng.gen_range(0..4) {
            0 => rng.gen_range(0..128),
            1 => rng.gen(),
            2 => [0, 63, 64, 127, 128, 0x7fff_ffff, 0x8000_0000, u32::MAX][rng.gen_range(0..8)],
            _ => rng.gen::<u32>() >> rng.gen_range(0..32),
        };
        let random = rng.gen_ratio(1, 8);
        let bytes = if random {
            let mut b: Vec<u8> = (0..4).map(|_| rng.gen::<u8>() | 0x80).collect();
            b.push(rng.gen());
            b
        } else {
            encode(x, signed, rng.gen_range(min_len(x, signed)..=5))
        };
        let want = decode(&bytes, signed).expect("a complete number");
        let (o, _) = v
            .decode(&bytes, signed)
            .unwrap_or_else(|| panic!("number {n} {bytes:02x?}: no result"));
        let ctx = format!("number {n} {bytes:02x?} signed={signed} (seed {seed:#x})");
        assert_eq!((o.out_len as usize, o.out_error), (want.1, want.2), "{ctx}");
        if want.2 {
            invalid += 1;
        } else {
            assert_eq!(o.out_value, want.0, "{ctx}");
        }
        if !random {
            assert_eq!(o.out_value, x, "{ctx}");
        }
    }
    assert!(invalid > 1000, "only {invalid} invalid numbers were tried");
}

/// A second build of the same Verilog comes from the cache, in well under a second.
#[test]
fn second_build_is_cached() {
    built(false);
    let t = std::time::Instant::now();
    let d = built(false);
    let dt = t.elapsed();
    assert!(d.built().cached, "second build was not cached");
    assert!(dt.as_secs_f64() < 1.0, "cached build took {dt:?}");
}

/// A traced model writes a VCD with the ports in it and a timestamp per half cycle.
#[test]
fn vcd_trace_is_written() {
    let mut m = built(true).instantiate().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("leb.vcd");
    m.trace_to(&path).unwrap();
    let v = m.input("in_valid").unwrap();
    m.set(v, 1);
    for _ in 0..10 {
        m.tick();
    }
    drop(m);
    let vcd = std::fs::read_to_string(&path).unwrap();
    assert!(
        vcd.contains("$var") && vcd.contains("in_byte") && vcd.contains("out_value"),
        "VCD lacks signals"
    );
    assert!(vcd.contains("\n#20\n"), "VCD lacks the 20th half cycle");
    // An untraced build refuses.
    let mut m = built(false).instantiate().unwrap();
    assert!(m.trace_to(&path).is_err());
}

/// Port errors name the port and list the real ones; outputs cannot be driven.
#[test]
fn port_errors_are_clear() {
    let m = built(false).instantiate().unwrap();
    let e = m.input("nosuch").unwrap_err().to_string();
    assert!(e.contains("nosuch") && e.contains("in_byte"), "{e}");
    assert!(m.input("out_value").is_err());
}
