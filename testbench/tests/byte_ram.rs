//! The byte-enable RAM's hand-written Verilog agrees with its rust-hdl model, and both with a
//! plain array, on random reads and writes (same-address read/write included: poisoned).
use castle_enclave::byte_ram::ByteRam;
use castle_testbench::rusthdl::RustHdlSim;
use castle_testbench::verilator::{BuildOptions, Design};
use rand::{rngs::StdRng, Rng, SeedableRng};

const A: usize = 9;

#[test]
fn verilog_rust_model_and_array_agree() {
    let seed = 0xb17e;
    let mut rng = StdRng::seed_from_u64(seed);
    let design = Design::from_block(
        "byte_ram",
        &mut ByteRam::<A>::default(),
        &BuildOptions::default(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let mut m = design.instantiate().unwrap();
    let (ra, wa, wd, we) = (
        m.input("read_address").unwrap(),
        m.input("write_address").unwrap(),
        m.input("write_data").unwrap(),
        m.input("write_enable").unwrap(),
    );
    let rd = m.output("read_data").unwrap();
    let mut h = RustHdlSim::new(ByteRam::<A>::default(), |u| &mut u.clock);
    let mut array = vec![0u32; 1 << A];
    let mut nonzero_reads = 0;
    for cycle in 0..20_000 {
        // A small address window makes read-after-write and same-cycle collisions common.
        let r = rng.gen_range(0..16u64) * if rng.gen_ratio(1, 4) { 31 } else { 1 };
        let w = if rng.gen_ratio(1, 3) {
            r
        } else {
            rng.gen_range(0..16u64)
        };
        let d: u32 = rng.gen();
        let e: u64 = rng.gen_range(0..16);
        m.set(ra, r);
        m.set(wa, w);
        m.set(wd, d as u64);
        m.set(we, e);
        h.uut.read_address.next = r.into();
        h.uut.write_address.next = w.into();
        h.uut.write_data.next = (d as u64).into();
        h.uut.write_enable.next = e.into();
        h.settle();
        m.tick();
        h.tick();
        // A read of the word written in the same cycle is undefined; both models return the
        // complement of the old word.
        let want = if e != 0 && w == r {
            !array[r as usize]
        } else {
            array[r as usize]
        };
        let mask = (0..4)
            .filter(|b| e & (1 << b) != 0)
            .fold(0u32, |m, b| m | 0xff << (8 * b));
        array[w as usize] = (array[w as usize] & !mask) | (d & mask);
        let (v, s) = (m.get(rd) as u32, h.uut.read_data.val().to_u64() as u32);
        assert_eq!(
            (v, s),
            (want, want),
            "cycle {cycle} (seed {seed:#x}): verilator {v:#x}, rust-hdl {s:#x}, array {want:#x}"
        );
        nonzero_reads += (want != 0) as u32;
    }
    assert!(
        nonzero_reads > 10_000,
        "the test read mostly zeros ({nonzero_reads})"
    );
}
