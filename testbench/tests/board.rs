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

    let d = design(&specs, m.columns, m.rows, DIVISOR, &BuildOptions::default()).unwrap();
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
    let d = design(&specs, 2, 1, DIVISOR, &BuildOptions::default()).unwrap();
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
    let d = design(&specs, m.columns, m.rows, divisor, &BuildOptions::default()).unwrap();
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

#[test]
fn blinky_sweeps_the_board_leds_as_the_model_does() {
    let m = manifest("apps/boards/blinky.toml");
    let specs = specs_for(&m, &BOARD_PROFILE).unwrap();
    let mut model = Cluster::new(specs.clone(), &BOARD_PROFILE, 1 << 23).unwrap();
    model.run();
    let want: Vec<u8> = model.leds().writes.iter().map(|w| w.2).take(3).collect();
    assert_eq!(want, [1, 2, 4], "the model's first steps");

    let d = design(&specs, m.columns, m.rows, DIVISOR, &BuildOptions::default()).unwrap();
    let mut board = VerilatedBoard::new(&d, DIVISOR).unwrap();
    // A step every 2^18 loop iterations: three steps in about 5 M cycles.
    let mut cycles = 0;
    while board.leds.len() < 3 && cycles < 12_000_000 {
        board.run(500_000, &mut |_| false);
        cycles += 500_000;
    }
    let (node, failed, _) = board.boot().expect("no boot frame");
    assert!(!failed, "boot failed at node {node}");
    let got: Vec<u8> = board.leds.iter().map(|l| l.1).take(3).collect();
    assert_eq!(got, want, "LED pins after {} cycles", board.cycle);
    // The LED device sends nothing to the host.
    assert!(board.received.iter().all(|(_, f)| f.kind == 3));
}

/// The words of `text`, little-endian, zero-padded (as `castle console` sends a line).
fn words(text: &str) -> Vec<u32> {
    text.as_bytes()
        .chunks(4)
        .map(|c| {
            let mut b = [0u8; 4];
            b[..c.len()].copy_from_slice(c);
            u32::from_le_bytes(b)
        })
        .collect()
}

#[test]
fn the_host_reaches_an_enclave_only_through_the_gateway_and_bad_frames_never_arrive() {
    use castle_rtl::board::frame::{self, Frame};
    use castle_rtl::board::host;
    let m = manifest("apps/boards/ice40-hx8k.toml");
    let specs = specs_for(&m, &BOARD_PROFILE).unwrap();
    let gateway = m.enclaves.len();
    let d = design(&specs, m.columns, m.rows, DIVISOR, &BuildOptions::default()).unwrap();
    let mut board = VerilatedBoard::new(&d, DIVISOR).unwrap();
    let lines = |b: &VerilatedBoard| b.console().by_badge().remove(&1).unwrap_or_default();
    board.run(3_000_000, &mut |_| false);
    let (node, failed, _) = board.boot().expect("no boot frame");
    assert!(!failed, "boot failed at node {node}");
    assert_eq!(lines(&board), ["hello, castle!"]);

    // Each bad frame is rejected, reported with its reason and the running count, and nothing
    // reaches hello (it would answer).
    let good = Frame::host_send(0, 1, &words("hi there")).encode();
    let mut bad_check = good.clone();
    *bad_check.last_mut().unwrap() ^= 0x40;
    let cases: Vec<(Vec<u8>, u8)> = vec![
        (bad_check, host::CHECK),
        (
            vec![frame::SYNC, host::HOST_SEND, 0, 9, 0, 5],
            host::OVERSIZED,
        ),
        (vec![frame::SYNC, 0x22], host::FIELD),
        (vec![frame::SYNC, host::HOST_SEND, 16], host::FIELD),
        (good[..8].to_vec(), host::TRUNCATED),
    ];
    for (k, (bytes, reason)) in cases.iter().enumerate() {
        board.send(bytes);
        let want = (k + 1) as u16;
        board.run(200_000, &mut |frames| {
            frames
                .iter()
                .any(|(_, f)| f.kind == frame::REJECTED && f.badge == want)
        });
        let rejected: Vec<&Frame> = board
            .received
            .iter()
            .map(|(_, f)| f)
            .filter(|f| f.kind == frame::REJECTED)
            .collect();
        assert_eq!(rejected.len(), k + 1, "case {k}: {:?}", board.received);
        assert_eq!(
            (rejected[k].node, rejected[k].badge),
            (*reason, want),
            "case {k}"
        );
    }
    assert_eq!(lines(&board), ["hello, castle!"], "a bad frame got through");

    // A good frame: delivered (status 0 with its seq), and hello answers; an empty slot of the
    // gateway's c-list: refused, nothing delivered.
    let status = |b: &VerilatedBoard, seq: u16| {
        b.received
            .iter()
            .find(|(_, f)| f.kind == frame::STATUS && f.badge == seq)
            .map(|(_, f)| (f.node, f.words.clone()))
    };
    board.send(&good);
    board.run(500_000, &mut |_| false);
    assert_eq!(status(&board, 1), Some((0, vec![0])), "delivered");
    board.send(&Frame::host_send(3, 2, &words("nobody")).encode());
    board.run(200_000, &mut |_| false);
    assert_eq!(status(&board, 2), Some((3, vec![2])), "refused");
    let got = lines(&board);
    assert_eq!(got, ["hello, castle!", "hello: got hi there"]);
    assert_eq!(board.errors(), (0, 0), "the host decoded every frame");

    // The model of the cluster, given the same two host messages, prints the same.
    let mut model = Cluster::new(specs, &BOARD_PROFILE, 1 << 20).unwrap();
    let w = words("hi there");
    assert_eq!(model.host_send(gateway, 0, &w), 0);
    assert_eq!(model.host_send(gateway, 3, &words("nobody")), -2);
    model.run();
    let mut want = model.console().by_badge().remove(&1).unwrap();
    want.retain(|l| !l.starts_with("tick"));
    assert_eq!(got, want);
}
