//! Place and route of real blocks on both devices, and the error paths.
use castle_fpga::pnr::{place_route, Device, PnrError};

fn leb128() -> String {
    castle_rtl::blocks::export("leb128").unwrap()
}

/// The LEB128 decoder places and routes on both devices with plausible figures.
#[test]
fn leb128_on_both_devices() {
    let v = leb128();
    for device in Device::ALL {
        let r = place_route("leb128", &v, device).unwrap_or_else(|e| panic!("{e}"));
        eprintln!("{r:?}");
        assert!(r.logic_cells > 50 && r.logic_cells < 2000, "{r:?}");
        assert!(r.flip_flops > 20 && r.flip_flops < 500, "{r:?}");
        assert_eq!((r.brams, r.dsps), (0, 0), "{r:?}");
        let f = r.fmax_mhz.unwrap_or_else(|| panic!("no Fmax: {r:?}"));
        assert!(f > 20.0 && f < 1000.0, "{r:?}");
        assert!(
            r.tools.contains("yosys") && r.tools.contains("nextpnr"),
            "{r:?}"
        );
    }
}

/// Same input, same seed: the same figures.
#[test]
fn fixed_seed_reproduces() {
    let v = leb128();
    let a = place_route("leb128", &v, Device::Ice40Hx8k).unwrap_or_else(|e| panic!("{e}"));
    let b = place_route("leb128", &v, Device::Ice40Hx8k).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(a, b);
}

/// Verilog yosys cannot read is an error from yosys that quotes its log.
#[test]
fn bad_verilog_is_a_synthesis_error() {
    for device in Device::ALL {
        match place_route(
            "broken",
            "module top(input wire clock;\nendmodule\n",
            device,
        ) {
            Err(PnrError::Failed { tool, log, .. }) => {
                assert!(tool.contains("yosys"), "{tool}");
                assert!(log.contains("ERROR") || log.contains("rror"), "{log}");
            }
            other => panic!("{device}: expected a yosys failure, got {other:?}"),
        }
    }
}

/// A design nextpnr cannot place (more port bits than the package has pins) is an error from
/// nextpnr with the end of its log.
#[test]
fn unplaceable_design_is_a_nextpnr_error() {
    let v =
        "module top(input wire [399:0] a, output wire [399:0] q);\n  assign q = ~a;\nendmodule\n";
    match place_route("too_wide", v, Device::Ice40Hx8k) {
        Err(
            e @ PnrError::Failed {
                tool: "nextpnr-ice40",
                synth: Some(_),
                ..
            },
        ) => {
            let s = e.to_string();
            assert!(
                s.contains("too_wide") && s.contains("ice40-hx8k") && s.contains("ERROR"),
                "{s}"
            );
            // Synthesis had finished: its counts come with the error.
            assert!(s.contains("(yosys made ") && s.contains(" LUT4, "), "{s}");
        }
        other => panic!("expected a nextpnr failure, got {other:?}"),
    }
}

/// A missing tool names scripts/setup.sh (the lookup itself is tested in castle-rtl).
#[test]
fn missing_tool_points_at_setup() {
    let e = PnrError::from(castle_rtl::tools::MissingTool {
        name: "nextpnr-ice40",
        hint: "Debian package `nextpnr-ice40`".into(),
    });
    let s = e.to_string();
    assert!(
        s.contains("scripts/setup.sh") && s.contains("nextpnr-ice40"),
        "{s}"
    );
}
