//! A serial-I/O wrapper, so that a block with more port bits than the package has pins can be
//! placed and routed out of context ([`crate::pnr`] has no constraints file: every top-level
//! port must land on a pin).
//!
//! [`serial_io`] renames the block's top module `top` and writes a new `top` around it whose
//! only pins are `clock`, `reset` (each passed through when the block has it), `si` and `shift`
//! (a serial input and its shift enable), `capture` and `so` (a serial output):
//! - every other input of the block is driven from one input shift register (`shift` shifts
//!   `si` into its low bit; the block's first input port sits in the top bits);
//! - every output of the block is captured into one output shift register when `capture` is
//!   high, which otherwise shifts towards `so` (its top bit) every cycle, as
//!   scripts/enclave-ice40.sh's hand-written wrapper did.
//!
//! So no port is left floating and every output is observed: yosys can remove only logic the
//! block itself makes constant. The wrapper's own cost is one flip-flop per port bit (input
//! plus output bits, [`Wrapped::in_bits`] + [`Wrapped::out_bits`]) and about one LUT4 per
//! output bit (the capture/shift mux; on iCE40 it packs with the flip-flop in one LC).
use castle_rtl::ports::{self, Dir, Port, PortError};
use std::fmt::Write;

/// The name the block's top module gets inside the wrapper.
pub const INNER: &str = "wrapped_block";

/// Ports passed straight through to a pin when the block has them.
pub const PASS_THROUGH: &[&str] = &["clock", "reset"];

/// A wrapped block.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Wrapped {
    /// The block's Verilog with its top renamed [`INNER`], and the new `top`.
    pub verilog: String,
    /// Bits of the input shift register (the block's input bits but clock and reset).
    pub in_bits: u32,
    /// Bits of the output shift register (the block's output bits).
    pub out_bits: u32,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum WrapError {
    #[error(transparent)]
    Ports(#[from] PortError),
    #[error("`module {0}(` is already in the Verilog: the wrapper cannot rename `top` to it")]
    NameTaken(&'static str),
    #[error("the block has no output: nothing would be kept")]
    NoOutputs,
    #[error("`{0}` is an output: clock and reset pass through as inputs only")]
    PassThroughOutput(String),
}

/// Wrap `verilog` (top module `top`, as rust-hdl writes it) in serial I/O; see the module
/// documentation.
pub fn serial_io(verilog: &str) -> Result<Wrapped, WrapError> {
    let ports = ports::parse(verilog, "top")?;
    if verilog.contains(&format!("module {INNER}(")) {
        return Err(WrapError::NameTaken(INNER));
    }
    let passed = |p: &Port| PASS_THROUGH.contains(&p.name.as_str());
    if let Some(p) = ports.iter().find(|p| passed(p) && p.dir == Dir::Output) {
        return Err(WrapError::PassThroughOutput(p.name.clone()));
    }
    let ins: Vec<&Port> = ports
        .iter()
        .filter(|p| p.dir == Dir::Input && !passed(p))
        .collect();
    let outs: Vec<&Port> = ports.iter().filter(|p| p.dir == Dir::Output).collect();
    let in_bits: u32 = ins.iter().map(|p| p.width).sum();
    let out_bits: u32 = outs.iter().map(|p| p.width).sum();
    if out_bits == 0 {
        return Err(WrapError::NoOutputs);
    }

    let mut v = rename_top(verilog);
    if !v.ends_with('\n') {
        v.push('\n');
    }
    let pins: Vec<&str> = ports
        .iter()
        .filter(|p| passed(p))
        .map(|p| p.name.as_str())
        .chain(
            if in_bits > 0 {
                &["si", "shift"][..]
            } else {
                &[]
            }
            .iter()
            .copied(),
        )
        .chain(["capture", "so"])
        .collect();
    // `writeln!` into a String cannot fail.
    let w = &mut v;
    let _ = writeln!(
        w,
        "\n// Serial I/O wrapper of `{INNER}` (castle-fpga wrap::serial_io)."
    );
    let _ = writeln!(w, "module top({});", pins.join(","));
    for p in &pins[..pins.len() - 1] {
        let _ = writeln!(w, "    input wire {p};");
    }
    let _ = writeln!(w, "    output wire so;");
    if in_bits > 0 {
        let _ = writeln!(
            w,
            "    reg [{}:0] in_sr = {{{in_bits}{{1'b0}}}};",
            in_bits - 1
        );
        let shifted = if in_bits == 1 {
            "si".to_string()
        } else {
            format!("{{in_sr[{}:0], si}}", in_bits - 2)
        };
        let _ = writeln!(
            w,
            "    always @(posedge clock) if (shift) in_sr <= {shifted};"
        );
    }
    let _ = writeln!(w, "    wire [{}:0] outs;", out_bits - 1);
    let _ = writeln!(
        w,
        "    reg [{}:0] out_sr = {{{out_bits}{{1'b0}}}};",
        out_bits - 1
    );
    let shifted = if out_bits == 1 {
        "1'b0".to_string()
    } else {
        format!("{{out_sr[{}:0], 1'b0}}", out_bits - 2)
    };
    let _ = writeln!(
        w,
        "    always @(posedge clock) if (capture) out_sr <= outs; else out_sr <= {shifted};"
    );
    let _ = writeln!(w, "    assign so = out_sr[{}];", out_bits - 1);
    let _ = writeln!(w, "    {INNER} block(");
    let mut conns = Vec::with_capacity(ports.len());
    let (mut in_top, mut out_top) = (in_bits, out_bits);
    for p in &ports {
        let slice = |top: &mut u32, reg: &str| {
            let (hi, lo) = (*top - 1, *top - p.width);
            *top = lo;
            if hi == lo {
                format!("{reg}[{hi}]")
            } else {
                format!("{reg}[{hi}:{lo}]")
            }
        };
        let signal = if passed(p) {
            p.name.clone()
        } else if p.dir == Dir::Input {
            slice(&mut in_top, "in_sr")
        } else {
            slice(&mut out_top, "outs")
        };
        conns.push(format!("        .{}({signal})", p.name));
    }
    let _ = writeln!(w, "{}", conns.join(",\n"));
    let _ = writeln!(w, "    );");
    let _ = writeln!(w, "endmodule // top");
    Ok(Wrapped {
        verilog: v,
        in_bits,
        out_bits,
    })
}

/// `module top(` → `module INNER(`, and its closing `endmodule // top` comment (rust-hdl's;
/// [`castle_rtl::export::dedup_modules`] relies on it). Submodules (`top$...`) keep their names.
fn rename_top(verilog: &str) -> String {
    let mut out = String::with_capacity(verilog.len() + 64);
    let mut in_top = false;
    for line in verilog.split_inclusive('\n') {
        if let Some(rest) = line.strip_prefix("module top(") {
            in_top = true;
            out.push_str(&format!("module {INNER}("));
            out.push_str(rest);
        } else if in_top && line.trim_end() == "endmodule // top" {
            in_top = false;
            out.push_str(&format!("endmodule // {INNER}\n"));
        } else {
            if in_top && line.trim_start().starts_with("endmodule") {
                in_top = false;
            }
            out.push_str(line);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SMALL: &str = "module top(clock,reset,a,b,q,r);\n    input wire  clock;\n    input wire  reset;\n    input wire  [7:0] a;\n    input wire  b;\n    output reg  [3:0] q;\n    output reg  r;\n    always @(posedge clock) q <= reset ? 4'd0 : a[3:0] ^ a[7:4];\n    always @(posedge clock) r <= b;\nendmodule // top\n";

    #[test]
    fn wraps_every_port() {
        let w = serial_io(SMALL).unwrap();
        assert_eq!((w.in_bits, w.out_bits), (9, 5));
        assert!(w.verilog.starts_with("module wrapped_block(clock,"));
        assert!(w.verilog.contains("endmodule // wrapped_block\n"));
        assert!(w
            .verilog
            .contains("module top(clock,reset,si,shift,capture,so);"));
        // The first port sits in the top bits of its register.
        assert!(w.verilog.contains(".a(in_sr[8:1])"), "{}", w.verilog);
        assert!(w.verilog.contains(".b(in_sr[0])"));
        assert!(w.verilog.contains(".q(outs[4:1])"));
        assert!(w.verilog.contains(".r(outs[0])"));
        assert!(w.verilog.contains(".clock(clock)") && w.verilog.contains(".reset(reset)"));
        assert_eq!(ports::parse(&w.verilog, "top").unwrap().len(), 6);
        castle_rtl::lint::verilator_lint("small (wrapped)", &w.verilog)
            .unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn odd_shapes() {
        // No inputs but the clock: no serial input; one output bit.
        let v = "module top(clock,q);\n    input wire  clock;\n    output reg  q;\n    always @(posedge clock) q <= ~q;\nendmodule // top\n";
        let w = serial_io(v).unwrap();
        assert_eq!((w.in_bits, w.out_bits), (0, 1));
        assert!(w.verilog.contains("module top(clock,capture,so);"));
        assert!(w.verilog.contains("else out_sr <= 1'b0;"));
        castle_rtl::lint::verilator_lint("toggle (wrapped)", &w.verilog)
            .unwrap_or_else(|e| panic!("{e}"));
        let v =
            "module top(clock,a);\n    input wire  clock;\n    input wire  a;\nendmodule // top\n";
        assert_eq!(serial_io(v), Err(WrapError::NoOutputs));
        let v =
            "module top(q);\n    output reg  q;\nendmodule\nmodule wrapped_block(x);\nendmodule\n";
        assert_eq!(serial_io(v), Err(WrapError::NameTaken(INNER)));
    }

    /// The wrapped Verilog of a real block is lint-clean and synthesizes, with every port of
    /// the block kept (the router's logic is there, plus the wrapper's flip-flops).
    #[test]
    fn wrapped_router_lints_and_synthesizes() {
        let v = castle_rtl::blocks::export("router").unwrap();
        let w = serial_io(&v).unwrap();
        let ports = ports::parse(&v, "top").unwrap();
        let bits = |d: Dir| -> u32 {
            ports
                .iter()
                .filter(|p| p.dir == d && !PASS_THROUGH.contains(&p.name.as_str()))
                .map(|p| p.width)
                .sum()
        };
        assert_eq!(
            (w.in_bits, w.out_bits),
            (bits(Dir::Input), bits(Dir::Output))
        );
        castle_rtl::lint::verilator_lint("router (wrapped)", &w.verilog)
            .unwrap_or_else(|e| panic!("{e}"));
        let bare = castle_rtl::synth::ice40("router", &v).unwrap_or_else(|e| panic!("{e}"));
        let r = castle_rtl::synth::ice40("router (wrapped)", &w.verilog)
            .unwrap_or_else(|e| panic!("{e}"));
        // One flip-flop per wrapped port bit on top of the router's own.
        assert_eq!(
            r.flip_flops,
            bare.flip_flops + w.in_bits + w.out_bits,
            "bare {bare:?}, wrapped {r:?}"
        );
        assert!(r.luts >= bare.luts, "bare {bare:?}, wrapped {r:?}");
    }
}
