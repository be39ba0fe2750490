//! The board top on Verilator: it boots from its ROM alone, its consoles reach the host as
//! UART frames, and what the host decodes agrees with the software model of the cluster.
use castle_enclave::image;
use castle_enclave::model::cluster::{Cluster, NodeSpec};
use castle_rtl::board::program::BOARD_PROFILE;
use castle_rtl::manifest::Manifest;
use castle_testbench::board::{design, VerilatedBoard};
use castle_testbench::sim::specs_for;
use castle_testbench::verilator::BuildOptions;
use std::path::Path;

/// UART bits of 4 cycles: fast to simulate, the same logic as 104.
const DIVISOR: u16 = 3;

fn manifest(rel: &str) -> Manifest {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(rel);
    Manifest::load(&path).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn pingpong_boots_from_rom_and_prints_over_the_uart_as_the_model_does() {
    let m = manifest("apps/pingpong/pingpong.toml");
    let specs = specs_for(&m, &BOARD_PROFILE).unwrap();
    let mut model = Cluster::new(specs.clone(), &BOARD_PROFILE, 1 << 24).unwrap();
    model.run();
    let want = model.console().by_badge();
    assert!(!want.is_empty(), "the model printed nothing");

    let d = design(
        &specs,
        m.columns,
        m.rows,
        0,
        DIVISOR,
        &BuildOptions::default(),
    )
    .unwrap();
    let mut board = VerilatedBoard::new(&d, DIVISOR).unwrap();
    let console = |b: &VerilatedBoard| b.console().by_badge();
    // Until the host has seen all the model printed (and then every check below still runs).
    board.run(3_000_000, &mut |frames| {
        let mut out = castle_enclave::model::cluster::ConsoleOutput::default();
        for (_, f) in frames.iter().filter(|(_, f)| f.kind == 1) {
            out.take(f.badge, &f.words);
        }
        out.by_badge() == want
    });
    let (node, failed, _) = board.boot().expect("no boot frame");
    assert!(!failed, "boot failed at node {node}");
    assert_eq!(console(&board), want, "after {} cycles", board.cycle);
    assert_eq!(board.errors(), (0, 0), "rejected frames or framing errors");
    // Every frame is a boot frame or a console message from an enclave's badge.
    assert!(board
        .received
        .iter()
        .all(|(_, f)| f.kind == 3 || f.kind == 1));
}

#[test]
fn a_trap_in_a_start_function_fails_the_boot_and_says_where() {
    let wat = r#"(module (func $s unreachable) (start $s) (func (export "main")))"#;
    let img = image::build(wat.as_bytes(), &Default::default(), &BOARD_PROFILE).unwrap();
    let specs = vec![
        NodeSpec::Console,
        NodeSpec::Enclave {
            image: Box::new(img),
            entry: "main".into(),
            clist: vec![],
        },
    ];
    let d = design(&specs, 2, 1, 0, DIVISOR, &BuildOptions::default()).unwrap();
    let mut board = VerilatedBoard::new(&d, DIVISOR).unwrap();
    board.run(200_000, &mut |got| !got.is_empty());
    let (node, failed, cause) = board.boot().expect("no boot frame");
    assert_eq!((node, failed), (1, true));
    assert_ne!(cause, 0, "a trap cause");
}

#[test]
fn the_default_board_cluster_greets_and_ticks_over_the_uart() {
    // What `castle build --board ice40-hx8k` puts on the board, with the real bit length of
    // 115,200 baud at 12 MHz.
    let divisor = 103;
    let m = manifest("apps/boards/ice40-hx8k.toml");
    let specs = specs_for(&m, &BOARD_PROFILE).unwrap();
    let d = design(
        &specs,
        m.columns,
        m.rows,
        0,
        divisor,
        &BuildOptions::default(),
    )
    .unwrap();
    let mut board = VerilatedBoard::new(&d, divisor).unwrap();
    let want = vec!["hello, castle!".to_string(), "tick 0".to_string()];
    let lines = |frames: &castle_testbench::board::Received| {
        let mut out = castle_enclave::model::cluster::ConsoleOutput::default();
        for (_, f) in frames.iter().filter(|(_, f)| f.kind == 1) {
            out.take(f.badge, &f.words);
        }
        out.by_badge().remove(&1).unwrap_or_default()
    };
    board.run(20_000_000, &mut |frames| lines(frames).len() >= 2);
    let (node, failed, _) = board.boot().expect("no boot frame");
    assert!(!failed, "boot failed at node {node}");
    assert_eq!(lines(&board.received), want, "after {} cycles", board.cycle);
    assert_eq!(board.errors(), (0, 0));
}
