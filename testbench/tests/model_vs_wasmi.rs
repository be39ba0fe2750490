//! Hand-written programs on the model and on wasmi 2 (`castle_testbench::golden`), with fixed
//! and random arguments: results and trap kinds must agree.
use castle_enclave::image::{build, BuildOptions, Image, Profile};
use castle_enclave::model::{Error, Instance, TrapCause};
use castle_testbench::golden::{Observed as Outcome, Wasmi};
use rand::{rngs::StdRng, Rng, SeedableRng};

/// The same module on wasmi and on the model.
struct Pair {
    image: Image,
    model: Instance,
    wasmi: Wasmi,
}

impl Pair {
    /// Builds `wat` for both engines (panics on failure: test input).
    fn new(wat: &str) -> Pair {
        let image = build(wat.as_bytes(), &BuildOptions::default(), &Profile::SIM).expect("image");
        let model = Instance::new(&image, &Profile::SIM).expect("model instance");
        let wasmi = Wasmi::new(&wat::parse_str(wat).expect("wat")).expect("wasmi instance");
        Pair {
            image,
            model,
            wasmi,
        }
    }

    /// Calls export `name` on wasmi.
    fn wasmi(&mut self, name: &str, args: &[i32]) -> Outcome {
        self.wasmi
            .call(name, args, 10_000_000)
            .unwrap_or_else(|e| panic!("{e}"))
    }

    /// Calls export `name` on both engines, asserts equal outcomes and returns it.
    fn check(&mut self, name: &str, args: &[i32]) -> Outcome {
        let expected = self.wasmi(name, args);
        let got = match self.model.invoke(name, args, 10_000_000) {
            Ok(values) => Outcome::Values(values),
            Err(Error::Trap(trap)) => Outcome::Trap(trap.cause),
            Err(e) => panic!("model call {name}{args:?}: {e}"),
        };
        assert_eq!(got, expected, "{name}{args:?}");
        got
    }
}

/// Interesting i32 values plus `n` random ones.
fn args(n: usize, seed: u64) -> Vec<i32> {
    let mut values = vec![
        0,
        1,
        2,
        3,
        7,
        8,
        15,
        16,
        31,
        32,
        33,
        -1,
        -2,
        -7,
        i32::MIN,
        i32::MAX,
        i32::MIN + 1,
        0x7fff,
        0xffff,
        0x10000,
    ];
    let mut rng = StdRng::seed_from_u64(seed);
    values.extend((0..n).map(|_| rng.gen::<i32>()));
    values.extend((0..n).map(|_| rng.gen_range(-300..300)));
    values
}

#[test]
fn fib_and_factorial() {
    let mut pair = Pair::new(
        r#"(module
            (func $fib (export "fib") (param i32) (result i32)
              (if (result i32) (i32.lt_u (local.get 0) (i32.const 2))
                (then (local.get 0))
                (else (i32.add (call $fib (i32.sub (local.get 0) (i32.const 1)))
                               (call $fib (i32.sub (local.get 0) (i32.const 2)))))))
            (func $fac (export "fac") (param i32) (result i32)
              (if (result i32) (i32.le_s (local.get 0) (i32.const 1))
                (then (i32.const 1))
                (else (i32.mul (local.get 0) (call $fac (i32.sub (local.get 0) (i32.const 1)))))))
            (func (export "fac_iter") (param i32) (result i32) (local i32)
              (local.set 1 (i32.const 1))
              (block (loop
                (br_if 1 (i32.le_s (local.get 0) (i32.const 1)))
                (local.set 1 (i32.mul (local.get 1) (local.get 0)))
                (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
                (br 0)))
              (local.get 1)))"#,
    );
    for n in 0..22 {
        pair.check("fib", &[n]);
    }
    assert_eq!(pair.check("fib", &[20]), Outcome::Values(vec![6765]));
    for n in -3..40 {
        pair.check("fac", &[n]);
        pair.check("fac_iter", &[n]);
    }
    // Recursion deeper than the profile's 256 frames traps on both engines' terms.
    let Err(Error::Trap(trap)) = pair.model.invoke("fac", &[100_000], 10_000_000) else {
        panic!("must trap")
    };
    assert_eq!(trap.cause, TrapCause::StackOverflow);
    let counters = pair.model.counters();
    assert!(
        counters.instructions > 0 && counters.max_call_depth == 256,
        "{counters:?}"
    );
}

#[test]
fn loop_sum_and_arithmetic() {
    let mut pair = Pair::new(
        r#"(module
            (func (export "sum") (param i32) (result i32) (local i32)
              (block (loop
                (br_if 1 (i32.le_s (local.get 0) (i32.const 0)))
                (local.set 1 (i32.add (local.get 1) (local.get 0)))
                (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
                (br 0)))
              (local.get 1))
            (func (export "mix") (param i32 i32) (result i32)
              (i32.xor
                (i32.add (i32.rotl (local.get 0) (local.get 1)) (i32.rotr (local.get 1) (local.get 0)))
                (i32.or (i32.shl (local.get 0) (local.get 1))
                  (i32.and (i32.shr_s (local.get 0) (local.get 1)) (i32.shr_u (local.get 1) (local.get 0))))))
            (func (export "bits") (param i32) (result i32)
              (i32.add (i32.mul (i32.clz (local.get 0)) (i32.const 10000))
                (i32.add (i32.mul (i32.ctz (local.get 0)) (i32.const 100)) (i32.popcnt (local.get 0)))))
            (func (export "cmp") (param i32 i32) (result i32)
              (i32.or (i32.or (i32.or (i32.shl (i32.eq (local.get 0) (local.get 1)) (i32.const 0))
                                      (i32.shl (i32.ne (local.get 0) (local.get 1)) (i32.const 1)))
                              (i32.or (i32.shl (i32.lt_s (local.get 0) (local.get 1)) (i32.const 2))
                                      (i32.shl (i32.lt_u (local.get 0) (local.get 1)) (i32.const 3))))
                (i32.or (i32.or (i32.shl (i32.gt_s (local.get 0) (local.get 1)) (i32.const 4))
                                (i32.shl (i32.gt_u (local.get 0) (local.get 1)) (i32.const 5)))
                  (i32.or (i32.or (i32.shl (i32.le_s (local.get 0) (local.get 1)) (i32.const 6))
                                  (i32.shl (i32.le_u (local.get 0) (local.get 1)) (i32.const 7)))
                    (i32.or (i32.shl (i32.ge_s (local.get 0) (local.get 1)) (i32.const 8))
                      (i32.or (i32.shl (i32.ge_u (local.get 0) (local.get 1)) (i32.const 9))
                              (i32.shl (i32.eqz (local.get 0)) (i32.const 10))))))))
            (func (export "sel") (param i32 i32 i32) (result i32)
              (select (local.get 0) (local.get 1) (local.get 2))))"#,
    );
    for n in [0, 1, 10, 100, 1000, -5] {
        pair.check("sum", &[n]);
    }
    let values = args(40, 1);
    for &a in &values {
        pair.check("bits", &[a]);
        for &b in values.iter().step_by(3) {
            pair.check("mix", &[a, b]);
            pair.check("cmp", &[a, b]);
            pair.check("sel", &[a, b, a ^ b]);
        }
    }
}

#[test]
fn division_traps() {
    let mut pair = Pair::new(
        r#"(module
            (func (export "div_s") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
            (func (export "div_u") (param i32 i32) (result i32) (i32.div_u (local.get 0) (local.get 1)))
            (func (export "rem_s") (param i32 i32) (result i32) (i32.rem_s (local.get 0) (local.get 1)))
            (func (export "rem_u") (param i32 i32) (result i32) (i32.rem_u (local.get 0) (local.get 1))))"#,
    );
    let values = args(25, 2);
    for &a in &values {
        for &b in values.iter().step_by(2) {
            for op in ["div_s", "div_u", "rem_s", "rem_u"] {
                pair.check(op, &[a, b]);
            }
        }
    }
    assert_eq!(
        pair.check("div_s", &[1, 0]),
        Outcome::Trap(TrapCause::DivByZero)
    );
    assert_eq!(
        pair.check("div_s", &[i32::MIN, -1]),
        Outcome::Trap(TrapCause::IntOverflow)
    );
    assert_eq!(
        pair.check("rem_s", &[i32::MIN, -1]),
        Outcome::Values(vec![0])
    );
}

#[test]
fn memory_widths_sign_extension_and_bounds() {
    let mut pair = Pair::new(
        r#"(module (memory 1)
            (data (i32.const 0) "\01\82\f3\84\95\a6\b7\c8\d9\ea\fb\0c")
            (func (export "l32") (param i32) (result i32) (i32.load (local.get 0)))
            (func (export "l8s") (param i32) (result i32) (i32.load8_s (local.get 0)))
            (func (export "l8u") (param i32) (result i32) (i32.load8_u (local.get 0)))
            (func (export "l16s") (param i32) (result i32) (i32.load16_s (local.get 0)))
            (func (export "l16u") (param i32) (result i32) (i32.load16_u (local.get 0)))
            (func (export "l32off") (param i32) (result i32) (i32.load offset=65533 (local.get 0)))
            (func (export "s32") (param i32 i32) (i32.store (local.get 0) (local.get 1)))
            (func (export "s8") (param i32 i32) (i32.store8 (local.get 0) (local.get 1)))
            (func (export "s16") (param i32 i32) (i32.store16 offset=1 (local.get 0) (local.get 1))))"#,
    );
    let mut rng = StdRng::seed_from_u64(3);
    let mut addrs: Vec<i32> = (0..13).collect();
    addrs.extend([
        65530,
        65531,
        65532,
        65533,
        65534,
        65535,
        65536,
        -1,
        -4,
        i32::MAX,
    ]);
    addrs.extend((0..30).map(|_| rng.gen_range(0..65536)));
    for round in 0..3 {
        for &addr in &addrs {
            for op in ["l32", "l8s", "l8u", "l16s", "l16u", "l32off"] {
                pair.check(op, &[addr]);
            }
            let value = rng.gen::<i32>();
            for op in ["s32", "s8", "s16"] {
                pair.check(op, &[addr.wrapping_add(round), value]);
            }
        }
    }
    assert_eq!(
        pair.check("l32", &[65533]),
        Outcome::Trap(TrapCause::MemOutOfBounds)
    );
    let wasmi_memory = pair_memory(&mut pair);
    assert_eq!(pair.model.memory(), wasmi_memory.as_slice());
}

/// wasmi's memory can't be read without an export; compare through loads instead.
fn pair_memory(pair: &mut Pair) -> Vec<u8> {
    (0..65536)
        .map(|a| pair.wasmi("l8u", &[a]))
        .map(|o| match o {
            Outcome::Values(v) => v[0] as u8,
            Outcome::Trap(_) => panic!("load in bounds"),
        })
        .collect()
}

#[test]
fn memory_grow_and_size() {
    let mut pair = Pair::new(
        r#"(module (memory 1 3)
            (func (export "size") (result i32) (memory.size))
            (func (export "grow") (param i32) (result i32) (memory.grow (local.get 0)))
            (func (export "peek") (param i32) (result i32) (i32.load8_u (local.get 0)))
            (func (export "poke") (param i32) (i32.store8 (local.get 0) (i32.const 255))))"#,
    );
    pair.check("size", &[]);
    pair.check("peek", &[65536]);
    for delta in [0, 1, 5, -1, 1, 1, 0] {
        pair.check("grow", &[delta]);
        pair.check("size", &[]);
        pair.check("poke", &[65536 * 2 + 7]);
        pair.check("peek", &[65536 * 3 - 1]);
        pair.check("peek", &[65536 * 3]);
    }
}

#[test]
fn call_indirect_traps() {
    let mut pair = Pair::new(
        r#"(module
            (type $ii (func (param i32) (result i32)))
            (type $ii2 (func (param i32) (result i32)))
            (type $v (func (result i32)))
            (table 6 funcref)
            (elem (i32.const 0) $double $seven $neg)
            (elem (i32.const 4) $double)
            (func $double (type $ii) (i32.mul (local.get 0) (i32.const 2)))
            (func $seven (type $v) (i32.const 7))
            (func $neg (param i32) (result i32) (i32.sub (i32.const 0) (local.get 0)))
            (func (export "call") (param i32 i32) (result i32)
              (call_indirect (type $ii2) (local.get 1) (local.get 0))))"#,
    );
    for index in -1..8 {
        for value in [0, 5, -9] {
            pair.check("call", &[index, value]);
        }
    }
    assert_eq!(
        pair.check("call", &[1, 0]),
        Outcome::Trap(TrapCause::IndirectTypeMismatch)
    );
    assert_eq!(
        pair.check("call", &[3, 0]),
        Outcome::Trap(TrapCause::UndefinedElement)
    );
    assert_eq!(
        pair.check("call", &[6, 0]),
        Outcome::Trap(TrapCause::UndefinedElement)
    );
    assert_eq!(pair.check("call", &[2, 4]), Outcome::Values(vec![-4]));
}

#[test]
fn br_table_state_machine() {
    // A little lexer: counts digits, letters, other bytes, with a state machine over br_table.
    let mut pair = Pair::new(
        r#"(module (memory 1)
            (global $steps (mut i32) (i32.const 0))
            (func $class (param i32) (result i32)
              (if (result i32) (i32.lt_u (i32.sub (local.get 0) (i32.const 48)) (i32.const 10))
                (then (i32.const 0))
                (else (if (result i32) (i32.lt_u (i32.sub (i32.or (local.get 0) (i32.const 32)) (i32.const 97)) (i32.const 26))
                  (then (i32.const 1)) (else (i32.const 2))))))
            (func (export "run") (param $seed i32) (param $n i32) (result i32)
              (local $state i32) (local $i i32) (local $acc i32) (local $c i32)
              (loop $next
                (local.set $seed (i32.add (i32.mul (local.get $seed) (i32.const 1103515245)) (i32.const 12345)))
                (local.set $c (i32.and (i32.shr_u (local.get $seed) (i32.const 16)) (i32.const 127)))
                (global.set $steps (i32.add (global.get $steps) (i32.const 1)))
                (block $other (block $letter (block $digit
                  (br_table $digit $letter $other (call $class (local.get $c))))
                  ;; digit: state 0 -> 1 adds, otherwise multiplies
                  (local.set $acc (i32.add (i32.mul (local.get $acc) (i32.add (local.get $state) (i32.const 1))) (local.get $c)))
                  (local.set $state (i32.const 1))
                  (br $other))
                  ;; letter
                  (local.set $acc (i32.xor (local.get $acc) (i32.shl (local.get $c) (local.get $state))))
                  (local.set $state (i32.rem_u (i32.add (local.get $state) (i32.const 1)) (i32.const 3))))
                (i32.store8 (i32.and (local.get $i) (i32.const 1023)) (local.get $c))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br_if $next (i32.lt_s (local.get $i) (local.get $n))))
              (i32.add (local.get $acc) (i32.load (i32.const 16))))
            (func (export "steps") (result i32) (global.get $steps)))"#,
    );
    let mut rng = StdRng::seed_from_u64(4);
    for _ in 0..40 {
        let (seed, n) = (rng.gen::<i32>(), rng.gen_range(1..2000));
        pair.check("run", &[seed, n]);
    }
    pair.check("steps", &[]);
}

#[test]
fn fuel_bounds_every_run() {
    let mut pair = Pair::new(r#"(module (func (export "spin") (loop (br 0))))"#);
    let error = pair.model.invoke("spin", &[], 1000).unwrap_err();
    assert_eq!(
        error.to_string(),
        format!(
            "trap: fuel exhausted at pc {:#x}",
            pair.image.functions[0].entry_pc + 2
        )
    );
    assert!(pair.model.counters().instructions >= 1000);
}
