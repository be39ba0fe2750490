//! The ports of an exported top module, read from its Verilog.
//!
//! rust-hdl writes the top module as `module top(a,b,...);` followed by one declaration a line
//! (`input wire [7:0] a;`, `output reg q;`). Only that module's declarations are read.
//! Used by the Verilator harness (castle-testbench, which drives the ports from Rust) and by
//! the serial-I/O wrapper of out-of-context place and route (castle-fpga `wrap`).

/// Direction of a top-level port.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    Input,
    Output,
}

/// One top-level port.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Port {
    /// The Verilog name.
    pub name: String,
    pub dir: Dir,
    /// Width in bits.
    pub width: u32,
}

impl Port {
    /// The `clock` input, which `Model::tick` and the shim's `castle_tick` drive.
    pub fn is_clock(&self) -> bool {
        self.name == "clock" && self.dir == Dir::Input
    }

    /// The member name Verilator gives the port in the C++ model.
    pub fn cpp_name(&self) -> String {
        verilator_mangle(&self.name)
    }

    /// 32-bit words the port occupies.
    pub fn words(&self) -> usize {
        self.width.div_ceil(32) as usize
    }
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum PortError {
    #[error("no `module {0}(` in the Verilog")]
    NoModule(String),
    #[error("line {line}: cannot read port declaration `{text}`")]
    Syntax { line: usize, text: String },
    #[error("port `{0}` is listed in the module header but never declared")]
    Undeclared(String),
    #[error("port `{0}` is inout; only inputs and outputs are supported")]
    Inout(String),
}

/// The ports of module `module`, in header order.
pub fn parse(verilog: &str, module: &str) -> Result<Vec<Port>, PortError> {
    let head = format!("module {module}(");
    let start = verilog
        .find(&head)
        .ok_or_else(|| PortError::NoModule(module.into()))?;
    let body = &verilog[start..];
    let body = &body[..body.find("endmodule").unwrap_or(body.len())];
    let close = body
        .find(')')
        .ok_or_else(|| PortError::NoModule(module.into()))?;
    let names: Vec<&str> = body[head.len()..close]
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    let line0 = verilog[..start].lines().count();
    let mut decls = std::collections::HashMap::new();
    for (i, line) in body.lines().enumerate() {
        let t = line.trim();
        let dir = if t.starts_with("input ") {
            Dir::Input
        } else if t.starts_with("output ") {
            Dir::Output
        } else if t.starts_with("inout ") {
            let name = t
                .trim_end_matches(';')
                .split_whitespace()
                .last()
                .unwrap_or("")
                .to_string();
            return Err(PortError::Inout(name));
        } else {
            continue;
        };
        let syntax = || PortError::Syntax {
            line: line0 + i + 1,
            text: t.to_string(),
        };
        let decl = t.strip_suffix(';').ok_or_else(syntax)?;
        let name = decl.split_whitespace().last().ok_or_else(syntax)?;
        let width = match (decl.find('['), decl.find(']')) {
            (Some(a), Some(b)) if a < b => {
                let (hi, lo) = decl[a + 1..b].split_once(':').ok_or_else(syntax)?;
                let hi: u32 = hi.trim().parse().map_err(|_| syntax())?;
                let lo: u32 = lo.trim().parse().map_err(|_| syntax())?;
                hi.checked_sub(lo).ok_or_else(syntax)? + 1
            }
            _ => 1,
        };
        decls.insert(name.to_string(), (dir, width));
    }
    names
        .iter()
        .map(|n| {
            let (dir, width) = *decls
                .get(*n)
                .ok_or_else(|| PortError::Undeclared(n.to_string()))?;
            Ok(Port {
                name: n.to_string(),
                dir,
                width,
            })
        })
        .collect()
}

/// Verilator's C++ spelling of a Verilog identifier: characters outside `[A-Za-z0-9_]` and a
/// `_` that follows another `_` become `__0XX` (XX: hex code).
fn verilator_mangle(name: &str) -> String {
    let mut out = String::new();
    let mut prev_underscore = false;
    for c in name.chars() {
        let plain = c.is_ascii_alphanumeric() || (c == '_' && !prev_underscore);
        if plain {
            out.push(c);
        } else {
            out.push_str(&format!("__0{:02X}", c as u32));
        }
        prev_underscore = c == '_' && plain;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const V: &str = "\n\nmodule top(clock,a,q);\n    input wire  clock;\n    input wire  [7:0] a;\n    output reg  [95:0] q;\n    reg x;\nendmodule\nmodule top$sub(d);\n input wire [3:0] d;\nendmodule\n";

    #[test]
    fn reads_rust_hdl_header() {
        let p = parse(V, "top").unwrap();
        assert_eq!(
            p,
            vec![
                Port {
                    name: "clock".into(),
                    dir: Dir::Input,
                    width: 1
                },
                Port {
                    name: "a".into(),
                    dir: Dir::Input,
                    width: 8
                },
                Port {
                    name: "q".into(),
                    dir: Dir::Output,
                    width: 96
                },
            ]
        );
        assert_eq!(p[2].words(), 3);
    }

    #[test]
    fn errors_name_the_problem() {
        assert_eq!(parse(V, "nope"), Err(PortError::NoModule("nope".into())));
        let bad = "module top(a,b);\n input wire a;\nendmodule\n";
        assert_eq!(parse(bad, "top"), Err(PortError::Undeclared("b".into())));
        let bad = "module top(a);\n input wire [x:0] a;\nendmodule\n";
        assert!(matches!(
            parse(bad, "top"),
            Err(PortError::Syntax { line: 2, .. })
        ));
    }

    #[test]
    fn mangles_like_verilator() {
        assert_eq!(verilator_mangle("bus$data"), "bus__024data");
        assert_eq!(verilator_mangle("in_valid"), "in_valid");
        assert_eq!(verilator_mangle("a__b"), "a___05Fb");
    }
}
