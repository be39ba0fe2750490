//! The Verilated enclave core against the software model, instruction for instruction in
//! results, traps, trap pcs and instruction counts.
use castle_enclave::image::{build, BuildOptions, Profile};
use castle_testbench::core::CoreEngine;
use castle_testbench::engine::{Engine, ModelEngine};

fn both(wat: &str, calls: &[(&str, &[i32])]) {
    both_with_fuel(wat, calls, 1_000_000);
}

/// Both enclave cores: the fast one and the compact one.
fn cores() -> Vec<CoreEngine> {
    vec![
        CoreEngine::new().expect("core"),
        CoreEngine::compact().expect("compact core"),
    ]
}

fn both_with_fuel(wat: &str, calls: &[(&str, &[i32])], fuel: u64) {
    for core in cores() {
        both_on(core, wat, calls, fuel);
    }
}

fn both_on(mut core: CoreEngine, wat: &str, calls: &[(&str, &[i32])], fuel: u64) {
    let image = build(wat.as_bytes(), &BuildOptions::default(), &Profile::SIM).expect("image");
    let mut model = ModelEngine::new(Profile::SIM);
    core.instantiate(&image).expect("core instantiate");
    model.instantiate(&image).expect("model instantiate");
    for (name, args) in calls {
        let m = model
            .invoke_export(&image, name, args, fuel)
            .expect("model");
        let c = core.invoke_export(&image, name, args, fuel).expect("core");
        let which = core.name();
        assert_eq!(c.result, m.result, "{which}: {name}{args:?}");
        assert_eq!(
            c.instructions, m.instructions,
            "{which}: {name}{args:?}: instruction count"
        );
        assert!(
            c.cycles >= c.instructions,
            "{name}{args:?}: {} cycles",
            c.cycles
        );
        eprintln!(
            "{which} {name}{args:?}: {:?} {} instr {} cycles",
            c.result, c.instructions, c.cycles
        );
    }
}

#[test]
fn arithmetic_locals_and_branches() {
    both(
        r#"(module
          (func (export "add") (param i32 i32) (result i32) local.get 0 local.get 1 i32.add)
          (func (export "ops") (param i32 i32) (result i32)
            local.get 0 local.get 1 i32.sub local.get 0 i32.xor local.get 1 i32.rotl
            local.get 0 i32.clz i32.add local.get 1 i32.ctz i32.add local.get 0 i32.popcnt i32.add
            local.get 0 local.get 1 i32.lt_s i32.add local.get 0 local.get 1 i32.ge_u i32.add)
          (func (export "muldiv") (param i32 i32) (result i32)
            local.get 0 local.get 1 i32.mul local.get 0 local.get 1 i32.div_s i32.add
            local.get 0 local.get 1 i32.rem_u i32.add)
          (func (export "loop") (param i32) (result i32) (local i32 i32)
            block loop
              local.get 0 i32.eqz br_if 1
              local.get 1 local.get 0 i32.add local.set 1
              local.get 0 i32.const 1 i32.sub local.set 0
              br 0
            end end
            local.get 1)
          (func $fib (export "fib") (param i32) (result i32)
            local.get 0 i32.const 2 i32.lt_u
            if (result i32) local.get 0
            else local.get 0 i32.const 1 i32.sub call $fib local.get 0 i32.const 2 i32.sub call $fib i32.add end)
          (func (export "big") (result i32) i32.const 0x12345678 i32.const -1000000 i32.add)
          (func (export "sel") (param i32) (result i32) i32.const 10 i32.const 20 local.get 0 select)
          (func (export "table") (param i32) (result i32)
            block block block local.get 0 br_table 0 1 2 end i32.const 100 return end i32.const 200 return end i32.const 300)
        )"#,
        &[
            ("add", &[2, 3]),
            ("ops", &[12345, -7]),
            ("ops", &[0, 31]),
            ("muldiv", &[-1234567, 89]),
            ("muldiv", &[7, 0]),
            ("muldiv", &[i32::MIN, -1]),
            ("loop", &[100]),
            ("fib", &[15]),
            ("big", &[]),
            ("sel", &[0]),
            ("sel", &[5]),
            ("table", &[0]),
            ("table", &[1]),
            ("table", &[2]),
            ("table", &[99]),
        ],
    );
}

/// The instruction budget runs out on the same instruction as in the model (the trap's pc
/// and the instruction count), also in the middle of calls and returns.
#[test]
fn fuel_runs_out_on_the_same_instruction() {
    let wat = r#"(module
      (func $fib (export "fib") (param i32) (result i32)
        local.get 0 i32.const 2 i32.lt_u
        if (result i32) local.get 0
        else local.get 0 i32.const 1 i32.sub call $fib local.get 0 i32.const 2 i32.sub call $fib i32.add end))"#;
    for fuel in [1, 2, 3, 9, 10, 11, 50, 777] {
        both_with_fuel(wat, &[("fib", &[12])], fuel);
    }
}

#[test]
fn memory_globals_and_indirect_calls() {
    both(
        r#"(module
          (memory 1 2)
          (global $g (mut i32) (i32.const 7))
          (data (i32.const 10) "\01\02\03\04\05\06\07\08\ff\fe")
          (type $t (func (param i32) (result i32)))
          (table 3 funcref) (elem (i32.const 0) $inc $dbl)
          (func $inc (param i32) (result i32) local.get 0 i32.const 1 i32.add)
          (func $dbl (param i32) (result i32) local.get 0 i32.const 2 i32.mul)
          (func (export "loads") (param i32) (result i32)
            local.get 0 i32.load local.get 0 i32.load8_s i32.add local.get 0 i32.load16_u i32.add
            local.get 0 i32.load16_s offset=1 i32.add local.get 0 i32.load8_u offset=3 i32.add)
          (func (export "store") (param i32 i32) (result i32)
            local.get 0 local.get 1 i32.store offset=2 local.get 0 local.get 1 i32.store8
            local.get 0 i32.const 5 i32.add local.get 1 i32.store16 local.get 0 i32.load offset=1)
          (func (export "glob") (param i32) (result i32)
            global.get $g local.get 0 i32.add global.set $g global.get $g)
          (func (export "grow") (param i32) (result i32) local.get 0 memory.grow memory.size i32.add)
          (func (export "ind") (param i32 i32) (result i32) local.get 1 local.get 0 call_indirect (type $t))
          (func (export "oob") (result i32) i32.const 65534 i32.load)
          (func (export "unreach") unreachable)
          (func $deep (export "deep") (param i32) (result i32) local.get 0 i32.const 1 i32.add call $deep)
        )"#,
        &[
            ("loads", &[10]),
            ("loads", &[13]),
            ("loads", &[16]),
            ("store", &[100, 0x11223344]),
            ("store", &[65530, -2]),
            ("glob", &[5]),
            ("glob", &[-20]),
            ("grow", &[0]),
            ("grow", &[1]),
            ("grow", &[1]),
            ("ind", &[0, 41]),
            ("ind", &[1, 41]),
            ("ind", &[2, 41]),
            ("ind", &[3, 41]),
            ("oob", &[]),
            ("unreach", &[]),
            ("deep", &[0]),
        ],
    );
}

/// The exported Verilog (on Verilator) and the rust-hdl source (in its own simulator) are
/// the same machine: same results, instruction and cycle counts.
#[test]
fn rust_hdl_and_verilator_agree() {
    let wat = r#"(module (memory 1)
      (func $fib (export "fib") (param i32) (result i32)
        local.get 0 i32.const 2 i32.lt_u
        if (result i32) local.get 0
        else local.get 0 i32.const 1 i32.sub call $fib local.get 0 i32.const 2 i32.sub call $fib i32.add end)
      (func (export "mem") (param i32) (result i32)
        local.get 0 local.get 0 i32.const 7 i32.mul i32.store offset=3
        local.get 0 i32.load16_s offset=4 local.get 0 i32.const 3 i32.rem_s i32.add))"#;
    let image = build(wat.as_bytes(), &BuildOptions::default(), &Profile::SIM).expect("image");
    let mut verilated = CoreEngine::new().expect("core");
    let mut hdl = CoreEngine::rust_hdl();
    verilated.instantiate(&image).unwrap();
    hdl.instantiate(&image).unwrap();
    for (name, args) in [("fib", [7]), ("mem", [1001]), ("mem", [-5])] {
        let v = verilated
            .invoke_export(&image, name, &args, 100_000)
            .unwrap();
        let h = hdl.invoke_export(&image, name, &args, 100_000).unwrap();
        assert_eq!(v, h, "{name}{args:?}");
    }
}

/// Every ALU and mul/div opcode on random and corner operands, core against model.
#[test]
fn alu_operations_on_random_operands() {
    use rand::{Rng, SeedableRng};
    let binops = [
        "eq", "ne", "lt_s", "lt_u", "gt_s", "gt_u", "le_s", "le_u", "ge_s", "ge_u", "add", "sub",
        "mul", "div_s", "div_u", "rem_s", "rem_u", "and", "or", "xor", "shl", "shr_s", "shr_u",
        "rotl", "rotr",
    ];
    let unops = ["eqz", "clz", "ctz", "popcnt"];
    let mut wat = String::from("(module\n");
    for op in binops {
        wat += &format!("(func (export \"{op}\") (param i32 i32) (result i32) local.get 0 local.get 1 i32.{op})\n");
    }
    for op in unops {
        wat += &format!(
            "(func (export \"{op}\") (param i32 i32) (result i32) local.get 1 i32.{op})\n"
        );
    }
    wat += ")";
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let special = [0, 1, -1, 2, 31, 32, 33, i32::MIN, i32::MAX, 0x10, -0x10, 7];
    let mut calls: Vec<(&str, [i32; 2])> = Vec::new();
    for i in 0..1500 {
        let op = if i % 5 == 0 {
            unops[i % unops.len()]
        } else {
            binops[i % binops.len()]
        };
        let mut pick = || match rng.gen_range(0..3) {
            0 => special[rng.gen_range(0..special.len())],
            1 => rng.gen_range(-300..300),
            _ => rng.gen(),
        };
        calls.push((op, [pick(), pick()]));
    }
    let calls: Vec<(&str, &[i32])> = calls.iter().map(|(n, a)| (*n, &a[..])).collect();
    both(&wat, &calls);
}

/// A caller whose code lies beyond 32 KiB gets its own end pc back from the control stack
/// (a frame once kept only 15 bits of it; found by csmith seed 1068).
#[test]
fn returns_into_code_beyond_32k() {
    let pad = "nop ".repeat(35_000);
    let wat = format!(
        r#"(module
          (func $pad {pad})
          (func $leaf (result i32) i32.const 7)
          (func (export "f") (result i32) call $leaf i32.const 1 i32.add))"#
    );
    both(&wat, &[("f", &[])]);
}
