//! The three witnesses of the LEB128 decoder agree: rust-hdl simulation and the Verilated
//! export cycle by cycle on the same random vectors, and the Verilated export against the
//! software decoder on a long stream of encoded numbers. (The third witness, yosys synthesis
//! without latches, is `castle-rtl`'s `every_block_lints_and_synthesizes`.)
use castle_enclave::leb128::{decode, Leb128Decoder};
use castle_testbench::rusthdl::RustHdlSim;
use castle_testbench::verilator::{BuildOptions, Design, InPort, Model, PortId};
use rand::{rngs::StdRng, Rng, SeedableRng};

fn design(trace: bool) -> Design {
    Design::from_block("leb128", &mut Leb128Decoder::default(), &BuildOptions { trace, ..Default::default() }).unwrap_or_else(|e| panic!("{e}"))
}

/// Inputs of one cycle.
#[derive(Clone, Copy, Debug)]
struct In {
    reset: bool,
    is_signed: bool,
    in_valid: bool,
    in_byte: u8,
    out_ready: bool,
}

/// Outputs of one cycle: (in_ready, out_valid, out_value, out_len, out_error).
type Out = (bool, bool, u32, u8, bool);

struct Ports {
    reset: InPort,
    is_signed: InPort,
    in_valid: InPort,
    in_byte: InPort,
    out_ready: InPort,
    in_ready: PortId,
    out_valid: PortId,
    out_value: PortId,
    out_len: PortId,
    out_error: PortId,
}

impl Ports {
    fn of(m: &Model) -> Ports {
        Ports {
            reset: m.input("reset").unwrap(),
            is_signed: m.input("is_signed").unwrap(),
            in_valid: m.input("in_valid").unwrap(),
            in_byte: m.input("in_byte").unwrap(),
            out_ready: m.input("out_ready").unwrap(),
            in_ready: m.output("in_ready").unwrap(),
            out_valid: m.output("out_valid").unwrap(),
            out_value: m.output("out_value").unwrap(),
            out_len: m.output("out_len").unwrap(),
            out_error: m.output("out_error").unwrap(),
        }
    }
    fn drive(&self, m: &mut Model, i: In) {
        m.set(self.reset, i.reset as u64);
        m.set(self.is_signed, i.is_signed as u64);
        m.set(self.in_valid, i.in_valid as u64);
        m.set(self.in_byte, i.in_byte as u64);
        m.set(self.out_ready, i.out_ready as u64);
        m.eval();
    }
    fn sample(&self, m: &mut Model) -> Out {
        (m.get(self.in_ready) != 0, m.get(self.out_valid) != 0, m.get(self.out_value) as u32, m.get(self.out_len) as u8, m.get(self.out_error) != 0)
    }
}

fn drive_hdl(s: &mut RustHdlSim<Leb128Decoder>, i: In) {
    let u = &mut s.uut;
    u.reset.next = i.reset;
    u.is_signed.next = i.is_signed;
    u.in_valid.next = i.in_valid;
    u.in_byte.next = (i.in_byte as u64).into();
    u.out_ready.next = i.out_ready;
    s.settle();
}

fn sample_hdl(s: &RustHdlSim<Leb128Decoder>) -> Out {
    let u = &s.uut;
    (u.in_ready.val(), u.out_valid.val(), u.out_value.val().to_u64() as u32, u.out_len.val().to_u64() as u8, u.out_error.val())
}

fn random_in(rng: &mut StdRng) -> In {
    In {
        reset: rng.gen_ratio(1, 200),
        is_signed: rng.gen_ratio(1, 2),
        in_valid: rng.gen_ratio(3, 4),
        in_byte: rng.gen(),
        out_ready: rng.gen_ratio(3, 4),
    }
}

/// rust-hdl simulation and the Verilated Verilog agree on every output, every cycle.
#[test]
fn rust_hdl_and_verilator_agree_cycle_by_cycle() {
    let seed = 0x1eb128;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut m = design(false).instantiate().unwrap();
    let p = Ports::of(&m);
    let mut s = RustHdlSim::new(Leb128Decoder::default(), |u| &mut u.clock);
    let mut results = 0;
    for cycle in 0..20_000 {
        let i = random_in(&mut rng);
        drive_hdl(&mut s, i);
        p.drive(&mut m, i);
        let (a, b) = (sample_hdl(&s), p.sample(&mut m));
        assert_eq!(a, b, "cycle {cycle} (seed {seed:#x}), inputs {i:?}: rust-hdl {a:?} vs verilator {b:?}");
        results += (a.1 && i.out_ready) as u32;
        s.tick();
        m.tick();
    }
    assert!(results > 1000, "the random vectors produced only {results} results");
}

/// Encode `v` in `len` LEB128 bytes (padding with continuation bytes, as Wasm allows).
fn encode(v: u32, signed: bool, len: usize) -> Vec<u8> {
    let x = if signed { v as i32 as i64 } else { v as i64 };
    (0..len).map(|i| ((x >> (7 * i)) & 0x7f) as u8 | if i + 1 < len { 0x80 } else { 0 }).collect()
}

/// The Verilated decoder matches the software decoder on a long stream of numbers: valid
/// encodings of every length, padded ones, and random (often invalid) 5-byte sequences.
#[test]
fn verilator_matches_software_decoder() {
    let seed = 0xdec0de;
    let mut rng = StdRng::seed_from_u64(seed);
    let mut m = design(false).instantiate().unwrap();
    let p = Ports::of(&m);
    let mut checked = 0;
    let mut errors = 0;
    for n in 0..50_000 {
        let signed = rng.gen_ratio(1, 2);
        let v: u32 = match rng.gen_range(0..4) {
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
            let min = decode_len(v, signed);
            encode(v, signed, rng.gen_range(min..=5))
        };
        let want = decode(&bytes, signed).expect("a complete number");
        let mut k = 0;
        let got = loop {
            let i = In { reset: false, is_signed: signed, in_valid: k < want.1, in_byte: bytes.get(k).copied().unwrap_or(0), out_ready: true };
            p.drive(&mut m, i);
            let o = p.sample(&mut m);
            if i.in_valid && o.0 {
                k += 1;
            }
            m.tick();
            p.drive(&mut m, In { in_valid: false, ..i });
            let o = p.sample(&mut m);
            if o.1 {
                break o;
            }
            assert!(k <= 5, "number {n} {bytes:02x?}: no result after {k} bytes");
        };
        let got = (got.2, got.3 as usize, got.4);
        if want.2 {
            errors += 1;
            assert_eq!((got.1, got.2), (want.1, want.2), "number {n} {bytes:02x?} signed={signed} (seed {seed:#x})");
        } else {
            assert_eq!(got, want, "number {n} {bytes:02x?} signed={signed} (seed {seed:#x})");
        }
        if !random {
            assert_eq!(got.0, v, "number {n} {bytes:02x?}: decodes to {:#x}, was {v:#x}", got.0);
        }
        checked += 1;
    }
    assert!(errors > 1000 && checked == 50_000, "{errors} invalid of {checked}");
}

/// Fewest LEB128 bytes for `v`.
fn decode_len(v: u32, signed: bool) -> usize {
    (1..=5).find(|&n| decode(&encode(v, signed, n), signed).map(|d| d.0) == Some(v)).unwrap_or(5)
}

/// A second build of the same Verilog comes from the cache, in well under a second.
#[test]
fn second_build_is_cached() {
    design(false);
    let t = std::time::Instant::now();
    let d = design(false);
    let dt = t.elapsed();
    assert!(d.built().cached, "second build was not cached");
    assert!(dt.as_secs_f64() < 1.0, "cached build took {dt:?}");
}

/// A traced model writes a VCD with the ports in it and a timestamp per half cycle.
#[test]
fn vcd_trace_is_written() {
    let mut m = design(true).instantiate().unwrap();
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
    assert!(vcd.contains("$var") && vcd.contains("in_byte") && vcd.contains("out_value"), "VCD lacks signals");
    assert!(vcd.contains("\n#20\n"), "VCD lacks the 20th half cycle");
    // An untraced build refuses.
    let mut m = design(false).instantiate().unwrap();
    assert!(m.trace_to(&path).is_err());
}

/// Port errors name the port and list the real ones; outputs cannot be driven.
#[test]
fn port_errors_are_clear() {
    let m = design(false).instantiate().unwrap();
    let e = m.input("nosuch").unwrap_err().to_string();
    assert!(e.contains("nosuch") && e.contains("in_byte"), "{e}");
    assert!(m.input("out_value").is_err());
}
