//! A board top (`castle_rtl::board::BoardTop`) on Verilator, seen from the host: the board
//! boots from its ROM alone, and the host only drives and watches the UART lines and watches
//! the LEDs, decoding the board's line into frames (`castle_rtl::board::frame`) as
//! `castle console` does on a real board.
use crate::verilator::{BuildError, BuildOptions, Design, InPort, Model, ModelError, PortId};
use castle_enclave::model::cluster::{ConsoleOutput, NodeSpec};
use castle_rtl::board::frame::{self, Decoder, Frame};
use castle_rtl::board::uart::{UartDecoder, UartEncoder};
use castle_rtl::board::BoardError;

/// Why a board could not be simulated.
#[derive(Debug, thiserror::Error)]
pub enum BoardSimError {
    #[error(transparent)]
    Board(#[from] BoardError),
    #[error("building the Verilated board: {0}")]
    Build(#[from] BuildError),
    #[error("simulator: {0}")]
    Model(#[from] ModelError),
}

/// The Verilated board top of `specs` on a `columns x rows` mesh, one UART bit every
/// `divisor + 1` cycles (built once, cached by the Verilog's hash).
pub fn design(
    specs: &[NodeSpec],
    columns: usize,
    rows: usize,
    divisor: u16,
    opts: &BuildOptions,
) -> Result<Design, BoardSimError> {
    let (v, _) = castle_rtl::board::verilog(specs, columns, rows, divisor)?;
    Ok(Design::build(&format!("board{columns}x{rows}"), &v, opts)?)
}

/// Frames as the host received them: (cycle of the last byte, frame).
pub type Received = [(u64, Frame)];

/// A running board and what its host has seen.
pub struct VerilatedBoard {
    model: Model,
    tx: PortId,
    rx: InPort,
    led: PortId,
    line: UartDecoder,
    host_line: UartEncoder,
    frames: Decoder,
    /// Cycles since power-on.
    pub cycle: u64,
    /// Every valid frame, with the cycle its last byte arrived.
    pub received: Vec<(u64, Frame)>,
    /// LED values, with the cycle each appeared.
    pub leds: Vec<(u64, u8)>,
}

impl VerilatedBoard {
    /// Powers on a fresh instance of `design` (UART bits `divisor + 1` cycles long).
    pub fn new(design: &Design, divisor: u16) -> Result<VerilatedBoard, BoardSimError> {
        let model = design.instantiate()?;
        let tx = model.output("uart_tx")?;
        let rx = model.input("uart_rx")?;
        let led = model.output("led")?;
        let mut model = model;
        model.set(rx, 1);
        Ok(VerilatedBoard {
            model,
            tx,
            rx,
            led,
            line: UartDecoder::new(divisor as u32 + 1),
            host_line: UartEncoder::new(divisor as u32 + 1),
            frames: Decoder::new(),
            cycle: 0,
            received: vec![],
            leds: vec![],
        })
    }

    /// Runs `cycles` cycles, or until `stop` says so (asked after each frame).
    pub fn run(&mut self, cycles: u64, stop: &mut dyn FnMut(&Received) -> bool) {
        let mut led = self.leds.last().map_or(0, |l| l.1);
        for _ in 0..cycles {
            let level = self.host_line.level();
            self.model.set(self.rx, level as u64);
            self.model.tick();
            self.cycle += 1;
            let level = self.model.get(self.tx) != 0;
            if let Some(byte) = self.line.sample(level) {
                if let Some(f) = self.frames.push(byte) {
                    self.received.push((self.cycle, f));
                    if stop(&self.received) {
                        return;
                    }
                }
            }
            let now = self.model.get(self.led) as u8;
            if now != led {
                led = now;
                self.leds.push((self.cycle, now));
            }
        }
    }

    /// Queues bytes for the host to send on the board's `uart_rx` line (sent while it runs).
    pub fn send(&mut self, bytes: &[u8]) {
        self.host_line.send(bytes);
    }

    /// Whether every byte the host queued has been sent.
    pub fn sent(&self) -> bool {
        self.host_line.idle()
    }

    /// Frames rejected and bytes with a framing error so far.
    pub fn errors(&self) -> (usize, u32) {
        (self.frames.rejected.len(), self.line.framing_errors)
    }

    /// The console output of the data-message frames, as the software model collects it.
    pub fn console(&self) -> ConsoleOutput {
        let mut out = ConsoleOutput::default();
        for (_, f) in &self.received {
            if f.kind == frame::MESSAGE {
                out.take(f.badge, &f.words);
            }
        }
        out
    }

    /// The boot frame, once it came: (node the boot stopped at, failed, trap cause).
    pub fn boot(&self) -> Option<(u8, bool, u8)> {
        self.received
            .iter()
            .find(|(_, f)| f.kind == frame::BOOT)
            .map(|(_, f)| (f.node, f.badge & 1 != 0, (f.badge >> 8) as u8 & 15))
    }
}
