//! The boards Castle builds for, and how each is programmed (`castle flash`).
//!
//! One table, [`BOARDS`]: a board's name as the CLI takes it, its part, and its
//! openFPGALoader arguments. Pins, clocks and memory profiles join the table as board tops
//! land; nothing here guesses a pin.
//!
//! Programming goes through openFPGALoader 0.10 (../shared/FPGA-NOTES.md): it has no dry run
//! of its own, so [`flash_command`] builds the exact command line and `castle flash --dry-run`
//! prints it; with no board attached openFPGALoader exits 1 within milliseconds ("unable to
//! open ftdi device", "No DFU compatible device found"), which [`flash`] turns into a
//! "no board found" error. A [`FLASH_TIMEOUT`] bounds a cable that hangs.
use castle_rtl::tools::{MissingTool, Tool};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// The FPGA family of a board, which picks the flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    Ice40,
    Ecp5,
}

/// How a board takes a bitstream.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Loader {
    /// An FTDI cable: volatile (SRAM) or persistent (SPI flash) programming.
    Ftdi,
    /// A DFU bootloader: it writes the board's flash only.
    Dfu,
}

/// One board.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Board {
    /// The name `--board` takes.
    pub name: &'static str,
    /// What it is, for `--help` and errors.
    pub title: &'static str,
    pub family: Family,
    /// The FPGA: part and package as nextpnr names them.
    pub part: &'static str,
    /// openFPGALoader `-b` name (case-sensitive).
    pub loader_board: &'static str,
    pub loader: Loader,
    /// The bitstream file name a build writes for this board.
    pub bitstream: &'static str,
    /// nextpnr's device arguments.
    pub pnr_args: &'static [&'static str],
    /// The board's oscillator, MHz (the `clock` pin).
    pub osc_mhz: f64,
    /// How the cluster clock is made from the oscillator.
    pub clocking: Clocking,
    /// The cluster clock, MHz: what timing must meet and what sets the UART divisor.
    pub cluster_mhz: f64,
    /// LEDs on pins `led[0..leds]`.
    pub leds: u8,
    /// The LEDs light when driven low.
    pub led_active_low: bool,
    /// The board has a UART to its host (`uart_tx` pin).
    pub uart: bool,
    /// The constraints file (fpga/boards/), its name and text.
    pub constraints: (&'static str, &'static str),
}

/// How a board makes the cluster clock.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Clocking {
    /// The oscillator is the cluster clock.
    Direct,
    /// iCE40 `SB_PLL40_CORE`, simple feedback: `osc * (divf + 1) / ((divr + 1) * 2^divq)`
    /// (icepll's figures).
    Ice40Pll {
        divr: u8,
        divf: u8,
        divq: u8,
        filter_range: u8,
    },
    /// ECP5 `EHXPLLL`, feedback from CLKOP: `osc * clkfb_div / clki_div`, VCO
    /// `out * clkop_div` (ecppll's figures).
    Ecp5Pll {
        clki_div: u8,
        clkfb_div: u8,
        clkop_div: u8,
    },
}

/// The serial line's rate, baud.
pub const BAUD: f64 = 115_200.0;

impl Board {
    /// The file name of the placed and routed design a build folder keeps (what
    /// `castle build --images-only` edits): nextpnr's ASCII bitstream or textual config.
    pub fn placed(&self) -> &'static str {
        match self.family {
            Family::Ice40 => "castle.asc",
            Family::Ecp5 => "castle.config",
        }
    }

    /// UART bit length in cluster cycles minus one (`BoardTop`'s divisor), for [`BAUD`].
    pub fn uart_divisor(&self) -> u16 {
        ((self.cluster_mhz * 1e6 / BAUD).round() as u16).saturating_sub(1)
    }
}

macro_rules! constraints {
    ($file:literal) => {
        ($file, include_str!(concat!("../boards/", $file)))
    };
}

/// Every board, in the order of DESIGN.md.
pub const BOARDS: &[Board] = &[
    Board {
        name: "icebreaker",
        title: "1BitSquared iCEBreaker (iCE40 UP5K)",
        family: Family::Ice40,
        part: "up5k sg48",
        loader_board: "ice40_generic",
        loader: Loader::Ftdi,
        bitstream: "castle.bin",
        pnr_args: &["--up5k", "--package", "sg48"],
        osc_mhz: 12.0,
        clocking: Clocking::Direct,
        cluster_mhz: 12.0,
        leds: 2,
        led_active_low: true,
        uart: true,
        constraints: constraints!("icebreaker.pcf"),
    },
    Board {
        name: "icestick",
        title: "Lattice iCEstick (iCE40 HX1K)",
        family: Family::Ice40,
        part: "hx1k tq144",
        loader_board: "ice40_generic",
        loader: Loader::Ftdi,
        bitstream: "castle.bin",
        pnr_args: &["--hx1k", "--package", "tq144"],
        osc_mhz: 12.0,
        clocking: Clocking::Direct,
        cluster_mhz: 12.0,
        leds: 5,
        led_active_low: false,
        uart: true,
        constraints: constraints!("icestick.pcf"),
    },
    Board {
        // openFPGALoader 0.10 has no Alchitry Cu entry; its FT2232 cable is that of
        // `ice40_generic` (not checked on a board).
        name: "alchitry-cu",
        title: "Alchitry Cu (iCE40 HX8K)",
        family: Family::Ice40,
        part: "hx8k cb132",
        loader_board: "ice40_generic",
        loader: Loader::Ftdi,
        bitstream: "castle.bin",
        pnr_args: &["--hx8k", "--package", "cb132"],
        osc_mhz: 100.0,
        // icepll -i 100 -o 25: VCO 800 MHz.
        clocking: Clocking::Ice40Pll {
            divr: 0,
            divf: 7,
            divq: 5,
            filter_range: 5,
        },
        cluster_mhz: 25.0,
        leds: 8,
        led_active_low: false,
        uart: true,
        constraints: constraints!("alchitry-cu.pcf"),
    },
    Board {
        name: "ice40-hx8k",
        title: "Lattice iCE40-HX8K breakout board",
        family: Family::Ice40,
        part: "hx8k ct256",
        loader_board: "ice40_generic",
        loader: Loader::Ftdi,
        bitstream: "castle.bin",
        pnr_args: &["--hx8k", "--package", "ct256"],
        osc_mhz: 12.0,
        clocking: Clocking::Direct,
        cluster_mhz: 12.0,
        leds: 8,
        led_active_low: false,
        uart: true,
        constraints: constraints!("ice40-hx8k.pcf"),
    },
    Board {
        name: "orangecrab-25f",
        title: "OrangeCrab r0.2 (ECP5 LFE5U-25F)",
        family: Family::Ecp5,
        part: "25k CSFBGA285 speed 8",
        loader_board: "orangeCrab",
        loader: Loader::Dfu,
        bitstream: "castle.bit",
        pnr_args: &["--25k", "--package", "CSFBGA285", "--speed", "8"],
        osc_mhz: 48.0,
        // ecppll -i 48 -o 24: VCO 600 MHz.
        clocking: Clocking::Ecp5Pll {
            clki_div: 2,
            clkfb_div: 1,
            clkop_div: 25,
        },
        cluster_mhz: 24.0,
        leds: 3,
        led_active_low: true,
        uart: false,
        constraints: constraints!("orangecrab-25f.lpf"),
    },
    Board {
        name: "ulx3s-85f",
        title: "Radiona ULX3S (ECP5 LFE5U-85F)",
        family: Family::Ecp5,
        part: "85k CABGA381 speed 6",
        loader_board: "ulx3s",
        loader: Loader::Ftdi,
        bitstream: "castle.bit",
        pnr_args: &["--85k", "--package", "CABGA381", "--speed", "6"],
        osc_mhz: 25.0,
        clocking: Clocking::Direct,
        cluster_mhz: 25.0,
        leds: 8,
        led_active_low: false,
        uart: true,
        constraints: constraints!("ulx3s-85f.lpf"),
    },
];

/// The board called `name`.
pub fn board(name: &str) -> Result<&'static Board, BoardError> {
    BOARDS
        .iter()
        .find(|b| b.name == name)
        .ok_or_else(|| BoardError::Unknown(name.to_string()))
}

/// The names of every board, comma-separated, for messages.
pub fn names() -> String {
    BOARDS.iter().map(|b| b.name).collect::<Vec<_>>().join(", ")
}

/// Where a bitstream goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// Configuration memory: lost at power-off (the default where the board has it).
    Sram,
    /// The board's SPI flash: kept.
    Flash,
}

/// Longest a programming run may take before it is stopped.
pub const FLASH_TIMEOUT: Duration = Duration::from_secs(120);

#[derive(Debug, thiserror::Error)]
pub enum BoardError {
    #[error("unknown board `{0}`; known: {known}", known = names())]
    Unknown(String),
    #[error("{0}: no such bitstream (build one with `castle build --board BOARD`, or name it with --bitstream)")]
    NoBitstream(PathBuf),
    #[error("{board} loads through a DFU bootloader, which writes its flash only: use --flash")]
    NoSram { board: &'static str },
    #[error(transparent)]
    Missing(#[from] MissingTool),
    #[error("could not run openFPGALoader: {0}")]
    Spawn(std::io::Error),
    #[error("no {board} found: openFPGALoader could not open its cable ({detail}); is it plugged in, and may this user open USB devices?")]
    NoBoard { board: &'static str, detail: String },
    #[error("openFPGALoader did not finish within {} s; stopped", FLASH_TIMEOUT.as_secs())]
    Timeout,
    #[error("openFPGALoader failed (exit {code}): {detail}")]
    Failed { code: i32, detail: String },
}

/// The bitstream to program: `--bitstream F`, or the board's file in build folder `dir`.
pub fn bitstream_path(
    board: &Board,
    dir: Option<&Path>,
    file: Option<&Path>,
) -> Result<PathBuf, BoardError> {
    let path = match file {
        Some(f) => f.to_path_buf(),
        None => dir.unwrap_or(Path::new(".")).join(board.bitstream),
    };
    if path.is_file() {
        Ok(path)
    } else {
        Err(BoardError::NoBitstream(path))
    }
}

/// The openFPGALoader arguments that program `bitstream` into `board`'s `target`.
pub fn flash_args(
    board: &Board,
    target: Target,
    bitstream: &Path,
) -> Result<Vec<String>, BoardError> {
    let mode = match (board.loader, target) {
        (Loader::Dfu, Target::Sram) => return Err(BoardError::NoSram { board: board.name }),
        (Loader::Dfu, Target::Flash) => None,
        (Loader::Ftdi, Target::Sram) => Some("--write-sram"),
        (Loader::Ftdi, Target::Flash) => Some("--write-flash"),
    };
    let mut args = vec!["-b".to_string(), board.loader_board.to_string()];
    args.extend(mode.map(str::to_string));
    args.push(bitstream.display().to_string());
    Ok(args)
}

/// The exact command line of [`flash_args`], as `castle flash --dry-run` prints it.
pub fn flash_command(
    board: &Board,
    target: Target,
    bitstream: &Path,
) -> Result<String, BoardError> {
    let args = flash_args(board, target, bitstream)?;
    Ok(std::iter::once("openFPGALoader".to_string())
        .chain(args.iter().map(|a| shell_quote(a)))
        .collect::<Vec<_>>()
        .join(" "))
}

fn shell_quote(s: &str) -> String {
    if !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_./=:+".contains(c))
    {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', r"'\''"))
    }
}

/// Programs `bitstream` into `board`: openFPGALoader's output goes to this process's stdout
/// (its progress bar included); a missing board, a failure or [`FLASH_TIMEOUT`] is an error.
pub fn flash(board: &'static Board, target: Target, bitstream: &Path) -> Result<(), BoardError> {
    let args = flash_args(board, target, bitstream)?;
    let mut child = Tool::OpenFpgaLoader
        .command()?
        .args(&args)
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(BoardError::Spawn)?;
    let mut stderr = child.stderr.take().expect("piped");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = stderr.read_to_string(&mut s);
        s
    });
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().map_err(BoardError::Spawn)? {
            break status;
        }
        if started.elapsed() > FLASH_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(BoardError::Timeout);
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let err = reader.join().unwrap_or_default();
    if status.success() {
        return Ok(());
    }
    let detail = err
        .lines()
        .map(str::trim)
        .rfind(|l| !l.is_empty())
        .unwrap_or("no message")
        .to_string();
    let no_board = [
        "unable to open ftdi",
        "No DFU compatible device",
        "no device found",
    ];
    if no_board
        .iter()
        .any(|m| err.to_lowercase().contains(&m.to_lowercase()))
    {
        return Err(BoardError::NoBoard {
            board: board.name,
            detail,
        });
    }
    Err(BoardError::Failed {
        code: status.code().unwrap_or(-1),
        detail,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_board_has_a_unique_name_and_a_known_family_of_file() {
        for (i, b) in BOARDS.iter().enumerate() {
            assert!(BOARDS[..i].iter().all(|o| o.name != b.name), "{}", b.name);
            let ext = match b.family {
                Family::Ice40 => ".bin",
                Family::Ecp5 => ".bit",
            };
            assert!(b.bitstream.ends_with(ext), "{}", b.name);
        }
        assert_eq!(BOARDS.len(), 6);
    }

    #[test]
    fn flash_arguments_follow_the_loader() {
        let f = Path::new("out/castle.bin");
        let b = board("icebreaker").unwrap();
        assert_eq!(
            flash_args(b, Target::Sram, f).unwrap(),
            ["-b", "ice40_generic", "--write-sram", "out/castle.bin"]
        );
        assert_eq!(
            flash_command(b, Target::Flash, Path::new("my dir/castle.bin")).unwrap(),
            "openFPGALoader -b ice40_generic --write-flash 'my dir/castle.bin'"
        );
        let crab = board("orangecrab-25f").unwrap();
        assert!(matches!(
            flash_args(crab, Target::Sram, f),
            Err(BoardError::NoSram { .. })
        ));
        assert_eq!(
            flash_args(crab, Target::Flash, f).unwrap(),
            ["-b", "orangeCrab", "out/castle.bin"]
        );
        assert!(matches!(board("de10"), Err(BoardError::Unknown(_))));
    }
}
