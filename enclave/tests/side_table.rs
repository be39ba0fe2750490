//! Side tables of small functions, entry by entry, with the byte layout of each body
//! (pc offsets relative to the function's `entry_pc`) spelled out in comments.
use castle_enclave::image::{build, BuildOptions, Image, Profile, SideEntry};
use castle_enclave::model::Instance;

fn image(wat: &str) -> Image {
    build(wat.as_bytes(), &BuildOptions::default(), &Profile::SIM).expect("image")
}

/// An entry with `target_pc` relative to `base`.
fn entry(base: u32, target: u32, target_stp: u32, keep: u8, drop: u32) -> SideEntry {
    SideEntry {
        target_pc: base + target,
        target_stp,
        keep,
        drop,
    }
}

fn run(image: &Image, name: &str, args: &[i32]) -> Vec<i32> {
    Instance::new(image, &Profile::SIM)
        .unwrap()
        .invoke(name, args, 10_000)
        .unwrap()
}

#[test]
fn br_out_of_nested_blocks_keeps_one_and_drops_three() {
    let image = image(
        r#"(module (func (export "f") (result i32)
            (block (result i32)     ;; +0  02 7f
              i32.const 1           ;; +2  41 01
              (block                ;; +4  02 40
                i32.const 2         ;; +6  41 02
                i32.const 3         ;; +8  41 03
                i32.const 4         ;; +10 41 04
                br 1)               ;; +12 0c 01, +14 0b
              drop                  ;; +15 1a
              i32.const 9)))        ;; +16 41 09, +18 0b, +19 0b (function end)
        "#,
    );
    let f = &image.functions[0];
    assert_eq!(image.side_table, vec![entry(f.entry_pc, 19, 1, 1, 3)]);
    assert_eq!(
        (f.end_pc - f.entry_pc, f.entry_stp, f.max_stack),
        (19, 0, 4)
    );
    assert_eq!(run(&image, "f", &[]), vec![4]);
}

#[test]
fn loop_with_br_if_goes_back_to_the_first_instruction() {
    let image = image(
        r#"(module (func (export "sum") (param i32) (result i32) (local i32)
            (loop                   ;; +0  03 40
              local.get 1           ;; +2  20 01
              local.get 0           ;; +4  20 00
              i32.add               ;; +6  6a
              local.set 1           ;; +7  21 01
              local.get 0           ;; +9  20 00
              i32.const 1           ;; +11 41 01
              i32.sub               ;; +13 6b
              local.tee 0           ;; +14 22 00
              br_if 0)              ;; +16 0d 00, +18 0b
            local.get 1))           ;; +19 20 01, +21 0b
        "#,
    );
    let f = &image.functions[0];
    assert_eq!(image.side_table, vec![entry(f.entry_pc, 2, 0, 0, 0)]);
    assert_eq!((f.params, f.locals, f.results, f.max_stack), (1, 1, 1, 2));
    assert_eq!(run(&image, "sum", &[4]), vec![10]);
}

#[test]
fn br_table_has_one_entry_per_target_then_the_default() {
    let image = image(
        r#"(module (func (export "sw") (param i32) (result i32)
            (block                  ;; +0  02 40
              (block                ;; +2  02 40
                (block              ;; +4  02 40
                  local.get 0       ;; +6  20 00
                  br_table 0 1 2)   ;; +8  0e 02 00 01 02, +13 0b
                i32.const 10        ;; +14 41 0a
                return)             ;; +16 0f, +17 0b
              i32.const 11          ;; +18 41 0b
              return)               ;; +20 0f, +21 0b
            i32.const 12))          ;; +22 41 0c, +24 0b
        "#,
    );
    let base = image.functions[0].entry_pc;
    assert_eq!(
        image.side_table,
        vec![
            entry(base, 14, 3, 0, 0),
            entry(base, 18, 3, 0, 0),
            entry(base, 22, 3, 0, 0)
        ]
    );
    for (arg, expected) in [(0, 10), (1, 11), (2, 12), (3, 12), (-1, 12)] {
        assert_eq!(run(&image, "sw", &[arg]), vec![expected]);
    }
}

#[test]
fn if_else_with_a_result() {
    let image = image(
        r#"(module (func (export "pick") (param i32) (result i32)
            local.get 0             ;; +0  20 00
            (if (result i32)        ;; +2  04 7f
              (then i32.const 7)    ;; +4  41 07
              (else i32.const 8))   ;; +6  05, +7 41 08, +9 0b
            ))                      ;; +10 0b
        "#,
    );
    let base = image.functions[0].entry_pc;
    // `if` (false: into the else body, past the else entry), then `else` (to after `end`).
    assert_eq!(
        image.side_table,
        vec![entry(base, 7, 2, 0, 0), entry(base, 10, 2, 1, 0)]
    );
    assert_eq!(run(&image, "pick", &[1]), vec![7]);
    assert_eq!(run(&image, "pick", &[0]), vec![8]);
}

#[test]
fn if_without_else_and_entries_in_unreachable_code() {
    let image = image(
        r#"(module (func (export "g") (param i32) (result i32)
            (block (result i32)     ;; +0  02 7f
              local.get 0           ;; +2  20 00
              (if (then             ;; +4  04 40
                i32.const 5         ;; +6  41 05
                br 1                ;; +8  0c 01
                br 0))              ;; +10 0c 00 (unreachable), +12 0b
              i32.const 6)))        ;; +13 41 06, +15 0b, +16 0b
        "#,
    );
    let base = image.functions[0].entry_pc;
    assert_eq!(
        image.side_table,
        vec![
            entry(base, 13, 3, 0, 0),
            entry(base, 16, 3, 1, 0),
            entry(base, 13, 3, 0, 0)
        ]
    );
    assert_eq!(run(&image, "g", &[1]), vec![5]);
    assert_eq!(run(&image, "g", &[0]), vec![6]);
}

#[test]
fn br_if_to_the_function_label_targets_the_final_end() {
    let image = image(
        r#"(module
            (func (export "h") (param i32) (result i32)
              i32.const 1           ;; +0 41 01
              local.get 0           ;; +2 20 00
              br_if 0               ;; +4 0d 00
              drop                  ;; +6 1a
              i32.const 2)          ;; +7 41 02, +9 0b
            (func (export "k") (result i32)
              (block (br 0))        ;; +0 02 40, +2 0c 00, +4 0b
              i32.const 3))         ;; +5 41 03, +7 0b
        "#,
    );
    let (h, k) = (&image.functions[0], &image.functions[1]);
    assert_eq!(
        image.side_table,
        vec![entry(h.entry_pc, 9, 1, 1, 0), entry(k.entry_pc, 5, 2, 0, 0)]
    );
    assert_eq!(
        (h.end_pc - h.entry_pc, k.entry_stp, k.end_pc - k.entry_pc),
        (9, 1, 7)
    );
    assert_eq!(run(&image, "h", &[1]), vec![1]);
    assert_eq!(run(&image, "h", &[0]), vec![2]);
    assert_eq!(run(&image, "k", &[]), vec![3]);
}

#[test]
fn code_is_the_code_section_payload() {
    let wat = r#"(module (func (export "f") (result i32) i32.const 42))"#;
    let wasm = wat::parse_str(wat).unwrap();
    let image = image(wat);
    let start = image.code_offset as usize;
    assert_eq!(&wasm[start..start + image.code.len()], &image.code[..]);
    // count 1, body size 4, no locals, then `i32.const 42` at pc 3.
    assert_eq!(&image.code[..], &[0x01, 0x04, 0x00, 0x41, 0x2a, 0x0b]);
    assert_eq!(
        (image.functions[0].entry_pc, image.functions[0].end_pc),
        (3, 5)
    );
    assert_eq!(image.pc_to_module_offset(3), Some(image.code_offset + 3));
    assert_eq!(image.func_at_pc(4), Some(0));
}
