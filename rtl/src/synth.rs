//! Yosys synthesis of exported Verilog for iCE40: the latch check and an area figure.
use crate::scratch::{log_tail, Scratch};
use crate::tools::{MissingTool, Tool};

#[derive(Debug, thiserror::Error)]
pub enum SynthError {
    #[error(transparent)]
    Missing(#[from] MissingTool),
    #[error("could not run yosys: {0}")]
    Io(#[from] std::io::Error),
    #[error("yosys infers latches in `{block}` (give every signal a default at the top of update):\n{latches}")]
    Latches { block: String, latches: String },
    #[error("yosys failed on `{block}`:\n{log}")]
    Failed { block: String, log: String },
}

/// What `synth_ice40` made of a block.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Ice40Report {
    /// Logic cells: `SB_LUT4` plus flip-flops not packed with a LUT is what nextpnr reports;
    /// here the yosys counts, before packing.
    pub luts: u32,
    pub flip_flops: u32,
    pub carries: u32,
    pub brams: u32,
}

/// Synthesize `verilog` (top module `top`) with `synth_ice40`; fail on any latch.
pub fn ice40(block: &str, verilog: &str) -> Result<Ice40Report, SynthError> {
    let dir = Scratch::with_verilog(verilog)?;
    let script = "read_verilog top.v; hierarchy -check -top top; proc; \
                  tee -q -o latches.txt select -list t:$dlatch t:$adlatch t:$dlatchsr t:$_DLATCH_*; \
                  synth_ice40 -top top; tee -q -o stat.txt stat";
    let out = dir
        .command(Tool::Yosys)?
        .args(["-q", "-p", script])
        .output()?;
    if !out.status.success() {
        return Err(SynthError::Failed {
            block: block.into(),
            log: log_tail(&out, 40),
        });
    }
    let latches = dir.read("latches.txt")?;
    let latches: Vec<&str> = latches
        .lines()
        .filter(|l| l.contains('$') || l.contains('/'))
        .collect();
    if !latches.is_empty() {
        return Err(SynthError::Latches {
            block: block.into(),
            latches: latches.join("\n"),
        });
    }
    let stat = dir.read("stat.txt")?;
    Ok(parse_stat(&stat))
}

/// Sum the cell counts of yosys' `stat` output (the design total at the end).
fn parse_stat(stat: &str) -> Ice40Report {
    let mut r = Ice40Report::default();
    // With a hierarchy, stat ends with "design hierarchy" totals; count from the last section.
    let tail = stat
        .rsplit("=== design hierarchy ===")
        .next()
        .unwrap_or(stat);
    for line in tail.lines() {
        let mut it = line.split_whitespace();
        let (Some(cell), Some(n)) = (it.next(), it.next()) else {
            continue;
        };
        let Ok(n) = n.parse::<u32>() else { continue };
        match cell {
            "SB_LUT4" => r.luts += n,
            "SB_CARRY" => r.carries += n,
            c if c.starts_with("SB_DFF") => r.flip_flops += n,
            c if c.starts_with("SB_RAM40") => r.brams += n,
            _ => {}
        }
    }
    r
}
