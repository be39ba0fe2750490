//! The builder rejects what the enclave cannot run, naming offset, function and instruction;
//! spec mode turns the same into trap stubs; profiles bound the footprint.
use castle_enclave::image::{build, BuildError, BuildOptions, FuncKind, ImportKind, Profile};
use castle_enclave::model::{Error, Instance, TrapCause};

fn reject(wat: &str) -> (BuildError, Vec<u8>) {
    let wasm = wat::parse_str(wat).unwrap();
    let error =
        build(&wasm, &BuildOptions::default(), &Profile::SIM).expect_err("must be rejected");
    (error, wasm)
}

/// Asserts the error is `name at offset 0x.. in func N: reason` with the offset at `opcode`.
fn assert_in_func(wat: &str, name: &str, func: u32, opcode: u8, reason: &str) {
    let (error, wasm) = reject(wat);
    let BuildError::UnsupportedInFunc { offset, .. } = &error else {
        panic!("unexpected error {error}")
    };
    assert_eq!(wasm[*offset as usize], opcode, "offset of {name}");
    assert_eq!(
        error.to_string(),
        format!("{name} at offset {offset:#x} in func {func}: {reason}")
    );
}

#[test]
fn i64_add() {
    // In unreachable code the operands need not exist, so `i64.add` is the first i64 item.
    let wat = r#"(module
        (import "castle" "recv" (func (param i32) (result i32)))
        (func (result i32) i32.const 0)
        (func unreachable i64.add drop))"#;
    assert_in_func(wat, "i64.add", 2, 0x7c, "i64 is not supported by enclaves");
}

#[test]
fn f32_const() {
    let wat = r#"(module (func (result i32) f32.const 1.5 drop i32.const 1))"#;
    assert_in_func(
        wat,
        "f32.const",
        0,
        0x43,
        "f32 is not supported by enclaves",
    );
}

#[test]
fn multi_value_block() {
    let wat =
        r#"(module (func (result i32) (block (result i32 i32) i32.const 1 i32.const 2) drop))"#;
    assert_in_func(
        wat,
        "block",
        0,
        0x02,
        "multi-value block types are not supported by enclaves",
    );
}

#[test]
fn i64_local_and_f64_signature() {
    let (error, _) = reject(r#"(module (func (local i64)))"#);
    assert!(error.to_string().starts_with("local at offset"), "{error}");
    assert!(
        error
            .to_string()
            .ends_with("in func 0: i64 is not supported by enclaves"),
        "{error}"
    );
    let (error, _) = reject(r#"(module (func (param f64)))"#);
    assert!(
        error.to_string().starts_with("signature at offset"),
        "{error}"
    );
}

#[test]
fn imported_memory() {
    let (error, wasm) = reject(r#"(module (import "env" "mem" (memory 1)))"#);
    let BuildError::Unsupported { offset, .. } = &error else {
        panic!("unexpected error {error}")
    };
    assert_eq!(&wasm[*offset as usize..*offset as usize + 4], b"\x03env");
    assert_eq!(
        error.to_string(),
        format!(
            "import env.mem at offset {offset:#x}: imported memories are not supported by enclaves"
        )
    );
}

#[test]
fn other_module_features() {
    for (wat, needle) in [
        (
            r#"(module (global f32 (f32.const 0)))"#,
            "f32 is not supported",
        ),
        (
            r#"(module (import "env" "f" (func)))"#,
            "other than `castle`",
        ),
        (
            r#"(module (import "castle" "send" (func (param i32) (result i32))))"#,
            "castle.send must have the signature (param i32 i32 i32) (result i32)",
        ),
        (
            r#"(module (import "castle" "drop" (func (param i32 i32) (result i32))))"#,
            "castle.drop must have the signature (param i32) (result i32)",
        ),
        (
            r#"(module (import "castle" "yield" (func)))"#,
            "module `castle` has no function `yield`; it has send, recv, try_recv, grant, drop",
        ),
        (r#"(module (table 1 externref))"#, "only funcref tables"),
        (
            r#"(module (func (result i32) i32.const 1 i32.extend8_s))"#,
            "sign-extension",
        ),
    ] {
        let (error, _) = reject(wat);
        assert!(error.to_string().contains(needle), "{wat}: {error}");
    }
}

#[test]
fn malformed_and_invalid_modules_give_wasmparser_errors() {
    let error = build(
        b"\0asm\x01\0\0\0\x01\x05",
        &BuildOptions::default(),
        &Profile::SIM,
    )
    .unwrap_err();
    assert!(matches!(error, BuildError::Invalid(_)), "{error}");
    assert!(error.to_string().contains("offset"), "{error}");
    let error = build(
        b"(module (func (result i32)))",
        &BuildOptions::default(),
        &Profile::SIM,
    )
    .unwrap_err();
    assert!(matches!(error, BuildError::Invalid(_)), "{error}");
    let error = build(b"(module (fun))", &BuildOptions::default(), &Profile::SIM).unwrap_err();
    assert!(matches!(error, BuildError::Text(_)), "{error}");
}

#[test]
fn segments_out_of_bounds_trap_at_instantiation() {
    let error = build(
        b"(module (memory 1) (data (i32.const 65535) \"ab\"))",
        &BuildOptions::default(),
        &Profile::SIM,
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("out of bounds memory access"),
        "{error}"
    );
    let error = build(
        b"(module (table 1 funcref) (elem (i32.const 1) 0) (func))",
        &BuildOptions::default(),
        &Profile::SIM,
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("out of bounds table access"),
        "{error}"
    );
}

#[test]
fn spec_mode_replaces_functions_by_trap_stubs() {
    let wat = r#"(module
        (global f64 (f64.const 0))
        (func (export "ok") (result i32) i32.const 7)
        (func (export "bad") (result i32) i64.const 1 i32.wrap_i64)
        (func (export "calls_bad") (result i32) call 1)
        (func (export "f64") (param f64)))"#;
    let image = build(
        wat.as_bytes(),
        &BuildOptions { spec_mode: true },
        &Profile::SIM,
    )
    .unwrap();
    assert!(image
        .module_unsupported
        .as_deref()
        .unwrap()
        .contains("f64 is not supported"));
    let kinds: Vec<_> = image.functions.iter().map(|f| f.kind).collect();
    assert_eq!(
        kinds,
        [
            FuncKind::Defined,
            FuncKind::Stub,
            FuncKind::Defined,
            FuncKind::Stub
        ]
    );
    assert!(image
        .unsupported_reason(1)
        .unwrap()
        .starts_with("i64.const at offset"));
    assert!(image
        .unsupported_reason(3)
        .unwrap()
        .starts_with("signature at offset"));
    // Stubs are `unreachable; end` after the module's code.
    let stub = &image.functions[1];
    assert_eq!(stub.entry_pc, image.module_code_len);
    assert_eq!(&image.code[stub.entry_pc as usize..][..2], &[0x00, 0x0b]);
    assert_eq!(image.pc_to_module_offset(stub.entry_pc), None);

    let mut instance = Instance::new(&image, &Profile::SIM).unwrap();
    assert_eq!(instance.invoke("ok", &[], 100).unwrap(), vec![7]);
    let Err(Error::Trap(trap)) = instance.invoke("calls_bad", &[], 100) else {
        panic!("must trap")
    };
    assert_eq!(
        (trap.cause, image.func_at_pc(trap.pc)),
        (TrapCause::Unreachable, Some(1))
    );
    assert!(matches!(
        instance.invoke("f64", &[0], 100),
        Err(Error::NotInvocable { func: 3, .. })
    ));
}

#[test]
fn castle_imports_are_capability_calls() {
    let wat = r#"(module
        (import "castle" "send" (func $send (param i32 i32 i32) (result i32)))
        (import "castle" "try_recv" (func $try_recv (param i32) (result i32)))
        (import "castle" "drop" (func $drop (param i32) (result i32)))
        (func (export "go") (result i32) i32.const 0 i32.const 0 i32.const 1 call $send))"#;
    let image = build(wat.as_bytes(), &BuildOptions::default(), &Profile::SIM).unwrap();
    assert_eq!(image.functions[0].kind, FuncKind::Import(ImportKind::Send));
    assert_eq!(
        image.functions[1].kind,
        FuncKind::Import(ImportKind::TryRecv)
    );
    assert_eq!(image.functions[2].kind, FuncKind::Import(ImportKind::Drop));
    let mut instance = Instance::new(&image, &Profile::SIM).unwrap();
    let Err(Error::Trap(trap)) = instance.invoke("go", &[], 100) else {
        panic!("must stop at the import")
    };
    assert_eq!(trap.cause, TrapCause::ImportCall(ImportKind::Send));
    assert_eq!(
        image.code[trap.pc as usize], 0x10,
        "the trap pc is the call"
    );
}

#[test]
fn profiles_bound_the_footprint() {
    let big = format!("(module (func {}))", "i32.const 100000 drop ".repeat(1000));
    let error = build(big.as_bytes(), &BuildOptions::default(), &Profile::ICE40).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("does not fit the ice40 profile: code bytes needs"),
        "{error}"
    );
    assert!(error.to_string().ends_with("the limit is 4096"), "{error}");
    let error = build(
        b"(module (memory 2))",
        &BuildOptions::default(),
        &Profile::ICE40,
    )
    .unwrap_err();
    assert_eq!(
        error.to_string(),
        "image does not fit the ice40 profile: linear memory pages needs 2, the limit is 1"
    );
    assert!(build(
        b"(module (memory 2))",
        &BuildOptions::default(),
        &Profile::SIM
    )
    .is_ok());
    let error = build(
        b"(module (table 100 funcref))",
        &BuildOptions::default(),
        &Profile::ICE40,
    )
    .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("table elements needs 100, the limit is 64"),
        "{error}"
    );
    let locals = "(module (func (local i32) (local i32) (local i32) (local i32) (local i32) (local i32) (local i32) (local i32) (local i32) (local i32)))";
    let tiny = Profile {
        value_stack_words: 8,
        ..Profile::SIM
    };
    let error = build(locals.as_bytes(), &BuildOptions::default(), &tiny).unwrap_err();
    assert!(
        error
            .to_string()
            .contains("value stack words (frame of func 0) needs 10"),
        "{error}"
    );
}
