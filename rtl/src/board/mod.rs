//! The board top: a cluster that boots itself from a ROM and talks to its host over a UART
//! (docs/boards.md).
//!
//! [`BoardTop`] holds the [`BoardCluster`] (compact enclaves sized for an iCE40 HX8K,
//! [`castle_enclave::image::Profile::HX8K_NODE`]), the boot ROM and its sequencer
//! ([`boot`]), a power-on reset, and the device server: after boot it takes every message
//! that reaches a device node, sends a console's (or the UART gateway's) messages to the host
//! as UART frames ([`frame`]) and shows an LED device's first word on `led`; and it sends
//! each checked host frame ([`host`]) into the cluster through the gateway's NI, answering
//! with a status frame, or reports a rejected one. At the end of boot it sends one boot frame
//! (kind [`frame::BOOT`]).
//!
//! # Ports
//! - `clock`: the cluster clock (a board wrapper in `castle_fpga` makes it from the
//!   board's oscillator and maps the pins).
//! - `uart_tx`, `uart_rx`: 8N1 at `clock / (divisor + 1)` baud ([`uart::UartTx`],
//!   [`uart::UartRx`]).
//! - `led`: the last word an LED device received, bits `[7:0]` (1 = lit).
//!
//! Power-on: every flip-flop starts at 0; the cluster is held in reset for 16 cycles, and the
//! sequencer starts 32 cycles later, when the NIs have scrubbed their mailboxes.
pub mod boot;
pub mod frame;
pub mod host;
pub mod program;
pub mod uart;

use crate::cluster::Cluster;
use boot::BootSeq;
use host::HostRx;
use rust_hdl::prelude::*;
use uart::{UartRx, UartTx};

/// The cluster of a board: nodes of the compact core `Compact<8, 10, 8, 8>` (1 KiB of
/// program memory, 256 stack words, 1 KiB of linear memory).
pub type BoardCluster = Cluster<8, 8, 8, 8, 8, 8, 8, 8, 10, 8, 8>;

/// Device server states.
#[derive(Copy, Clone, PartialEq, Debug, LogicState)]
pub enum Serve {
    /// Boot is running.
    Booting,
    Idle,
    /// `dev` names a device with a message: latch its length, badge and kind.
    Head,
    /// Sending a frame (the boot frame, a console message's, a status or a rejection), byte
    /// `idx`.
    Send,
    /// Offering the host frame to the gateway's NI.
    Inject,
    /// Streaming its words until the NI's status.
    Await,
    /// Reading an LED device's first word.
    Led,
    Pop,
    /// One cycle for `dev_ready` to follow the pop.
    Gap,
}

/// The board top; see the module documentation.
#[derive(LogicBlock)]
pub struct BoardTop<const ROM_A: usize> {
    pub clock: Signal<In, Clock>,
    pub uart_tx: Signal<Out, Bit>,
    pub uart_rx: Signal<In, Bit>,
    pub led: Signal<Out, Bits<8>>,
    rom: SyncROM<Bits<16>, ROM_A>,
    boot: BootSeq<ROM_A>,
    cluster: BoardCluster,
    uart: UartTx,
    urx: UartRx,
    hrx: HostRx,
    /// The UART gateway's node, and whether there is one.
    gw_node: Constant<Bits<6>>,
    has_gw: Constant<Bit>,
    /// The status of the host frame's send.
    code: DFF<Bits<2>>,
    /// Words of the host frame the NI has taken.
    widx: DFF<Bits<2>>,
    /// Power-on counter, saturating at 63.
    por: DFF<Bits<6>>,
    state: DFF<Serve>,
    /// The device being served.
    dev: DFF<Bits<6>>,
    len: DFF<Bits<3>>,
    badge: DFF<Bits<16>>,
    kind: DFF<Bits<8>>,
    /// Next byte of the frame.
    idx: DFF<Bits<6>>,
    crc: DFF<Bits<8>>,
    leds: DFF<Bits<8>>,
    /// Device nodes that are LEDs (the others are consoles).
    led_nodes: Constant<Bits<64>>,
    dev_has: Signal<Local, Bit>,
    dev_hot: Signal<Local, Bits<64>>,
    word_byte: Signal<Local, Bits<8>>,
    /// The frame's payload word: a mailbox word, or the status code.
    frame_word: Signal<Local, Bits<32>>,
    tx_byte: Signal<Local, Bits<8>>,
    frame_len: Signal<Local, Bits<6>>,
    /// `idx - 6`: byte `pay[1:0]` of word `pay[3:2]`.
    pay: Signal<Local, Bits<4>>,
    crc_t: Signal<Local, Bits<8>>,
    is_led: Signal<Local, Bit>,
}

impl<const ROM_A: usize> BoardTop<ROM_A> {
    /// A board top whose cluster is `cluster`, whose boot ROM holds `program` (16-bit words,
    /// [`boot::encode`]; at most `2^ROM_A`), whose LED devices are the nodes set in
    /// `led_nodes`, whose UART gateway is node `gateway` (if any), with one UART bit every
    /// `divisor + 1` cycles.
    pub fn new(
        cluster: BoardCluster,
        program: &[u16],
        led_nodes: u64,
        gateway: Option<u8>,
        divisor: u16,
    ) -> Self {
        assert!(
            program.len() <= 1 << ROM_A,
            "the boot program is larger than the ROM"
        );
        let rom = program
            .iter()
            .enumerate()
            .map(|(i, w)| (Bits::<ROM_A>::from(i as u64), Bits::<16>::from(*w as u64)))
            .collect();
        BoardTop {
            clock: Default::default(),
            uart_tx: Default::default(),
            uart_rx: Default::default(),
            led: Default::default(),
            rom: SyncROM::new(rom),
            boot: Default::default(),
            cluster,
            uart: UartTx::new(divisor),
            urx: UartRx::new(divisor),
            // A frame cut short: 100 byte times of silence (USB serial adapters leave gaps of
            // a millisecond), at most 2^16 - 1 cycles.
            hrx: HostRx::new((1000 * (divisor as u32 + 1)).min(0xffff) as u16),
            gw_node: Constant::new((gateway.unwrap_or(0) as u64).into()),
            has_gw: Constant::new(gateway.is_some()),
            code: Default::default(),
            widx: Default::default(),
            por: Default::default(),
            state: Default::default(),
            dev: Default::default(),
            len: Default::default(),
            badge: Default::default(),
            kind: Default::default(),
            idx: Default::default(),
            crc: Default::default(),
            leds: Default::default(),
            led_nodes: Constant::new(led_nodes.into()),
            dev_has: Default::default(),
            dev_hot: Default::default(),
            word_byte: Default::default(),
            frame_word: Default::default(),
            tx_byte: Default::default(),
            frame_len: Default::default(),
            pay: Default::default(),
            crc_t: Default::default(),
            is_led: Default::default(),
        }
    }
}

impl<const ROM_A: usize> Logic for BoardTop<ROM_A> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, por, state, dev, len, badge, kind, idx, crc, leds, code, widx);
        self.rom.clock.next = self.clock.val();
        self.boot.clock.next = self.clock.val();
        self.cluster.clock.next = self.clock.val();
        self.uart.clock.next = self.clock.val();
        if self.por.q.val() != bits::<6>(63) {
            self.por.d.next = self.por.q.val() + 1;
        }
        self.cluster.reset.next = self.por.q.val() < bits::<6>(16);
        self.boot.reset.next = self.por.q.val() < bits::<6>(48);
        self.uart.reset.next = self.por.q.val() < bits::<6>(16);
        self.urx.clock.next = self.clock.val();
        self.urx.reset.next = self.por.q.val() < bits::<6>(16);
        self.urx.rx.next = self.uart_rx.val();
        self.hrx.clock.next = self.clock.val();
        self.hrx.reset.next = self.por.q.val() < bits::<6>(16);
        self.hrx.rx_byte.next = self.urx.data.val();
        self.hrx.rx_valid.next = self.urx.valid.val();
        self.hrx.rx_error.next = self.urx.error.val();
        self.hrx.take.next = false;
        self.hrx.take_reject.next = false;
        self.hrx.word_sel.next = self.widx.q.val();
        // The gateway's send port (`dev` names the gateway while a host frame is sent).
        self.cluster.dev_send_valid.next = false;
        self.cluster.dev_send_slot.next = self.hrx.slot.val();
        self.cluster.dev_send_len.next = self.hrx.len.val();
        self.cluster.dev_tx_word.next = self.hrx.word.val();

        // Boot: the sequencer drives the loader port.
        self.rom.address.next = self.boot.rom_addr.val();
        self.boot.rom_data.next = self.rom.data.val();
        self.cluster.sel.next = self.boot.sel.val();
        self.cluster.ld_valid.next = self.boot.ld_valid.val();
        self.cluster.ld_target.next = self.boot.ld_target.val();
        self.cluster.ld_addr.next = self.boot.ld_addr.val();
        self.cluster.ld_data.next = self.boot.ld_data.val();
        self.cluster.cfg_valid.next = self.boot.cfg_valid.val();
        self.cluster.cfg_slot.next = self.boot.cfg_slot.val();
        self.cluster.cfg_entry.next = self.boot.cfg_entry.val();
        self.boot.cfg_ready.next = self.cluster.cfg_ready.val();
        self.cluster.start.next = self.boot.start.val();
        self.cluster.start_func.next = self.boot.start_func.val();
        self.cluster.start_sp.next = self.boot.start_sp.val();
        self.boot.busy.next = self.cluster.busy.val();
        self.boot.trapped.next = self.cluster.trapped.val();
        // Peeking is for the host harness; a board has none.
        self.cluster.peek_target.next = 0.into();
        self.cluster.peek_addr.next = 0.into();

        // Devices: `dev` scans the nodes, one a cycle, and stops at one with a message.
        self.dev_hot.next = bits::<64>(1) << bit_cast::<64, 6>(self.dev.q.val());
        self.dev_has.next = (self.cluster.dev_ready.val() & self.dev_hot.val()).any();
        self.is_led.next = (self.led_nodes.val() & self.dev_hot.val()).any();
        self.cluster.dev_sel.next = self.dev.q.val();
        // Frame bytes: sync, kind, node, badge (2), length, 4 per word, check.
        self.frame_len.next = bits::<6>(6) + (bit_cast::<6, 3>(self.len.q.val()) << 2);
        self.pay.next = bit_cast::<4, 6>(self.idx.q.val()) - bits::<4>(6);
        self.cluster.dev_mb_sel.next = 0.into();
        if self.state.q.val() == Serve::Send {
            self.cluster.dev_mb_sel.next = self.pay.val().get_bits::<2>(2);
        }
        self.cluster.dev_pop.next = false;
        self.frame_word.next = self.cluster.dev_word.val();
        if self.kind.q.val() == bits::<8>(4) {
            // frame::STATUS
            self.frame_word.next = bit_cast::<32, 2>(self.code.q.val());
        }
        self.word_byte.next = self.frame_word.val().get_bits::<8>(0);
        match self.pay.val().get_bits::<2>(0).index() {
            1 => self.word_byte.next = self.frame_word.val().get_bits::<8>(8),
            2 => self.word_byte.next = self.frame_word.val().get_bits::<8>(16),
            3 => self.word_byte.next = self.frame_word.val().get_bits::<8>(24),
            _ => {}
        }
        self.tx_byte.next = self.crc.q.val();
        match self.idx.q.val().index() {
            0 => self.tx_byte.next = bits::<8>(165), // frame::SYNC
            1 => self.tx_byte.next = self.kind.q.val(),
            2 => self.tx_byte.next = bit_cast::<8, 6>(self.dev.q.val()),
            3 => self.tx_byte.next = self.badge.q.val().get_bits::<8>(0),
            4 => self.tx_byte.next = self.badge.q.val().get_bits::<8>(8),
            5 => self.tx_byte.next = bit_cast::<8, 3>(self.len.q.val()),
            _ => {
                if self.idx.q.val() < self.frame_len.val() {
                    self.tx_byte.next = self.word_byte.val();
                }
            }
        }
        // CRC-8 (polynomial 0x07, initial 0) of every byte after the sync byte.
        self.crc_t.next = self.crc.q.val() ^ self.tx_byte.val();
        for _k in 0..8 {
            if self.crc_t.val().get_bit(7) {
                self.crc_t.next = (self.crc_t.val() << 1) ^ bits::<8>(7);
            } else {
                self.crc_t.next = self.crc_t.val() << 1;
            }
        }
        self.uart.data.next = self.tx_byte.val();
        self.uart.valid.next = false;

        match self.state.q.val() {
            Serve::Booting => {
                self.idx.d.next = 0.into();
                self.crc.d.next = 0.into();
                self.len.d.next = 0.into();
                self.dev.d.next = 0.into();
                if self.boot.done.val() {
                    // Boot frame: badge bit 0 = failed, bits [11:8] the trap cause of the
                    // node the boot stopped at (`dev`).
                    self.kind.d.next = bits::<8>(3); // frame::BOOT
                    self.dev.d.next = self.boot.sel.val();
                    self.badge.d.next = bit_cast::<16, 1>(self.boot.failed.val().into())
                        | (bit_cast::<16, 4>(self.cluster.trap_cause.val()) << 8);
                    self.state.d.next = Serve::Send;
                }
            }
            Serve::Idle => {
                self.idx.d.next = 0.into();
                self.crc.d.next = 0.into();
                if self.hrx.full.val() & self.has_gw.val() {
                    self.dev.d.next = self.gw_node.val();
                    self.state.d.next = Serve::Inject;
                } else if self.hrx.full.val() {
                    // No gateway: refused, as an empty slot would be.
                    self.hrx.take.next = true;
                    self.code.d.next = bits::<2>(2);
                    self.kind.d.next = bits::<8>(4); // frame::STATUS
                    self.dev.d.next = bit_cast::<6, 4>(self.hrx.slot.val());
                    self.badge.d.next = self.hrx.seq.val();
                    self.len.d.next = bits::<3>(1);
                    self.state.d.next = Serve::Send;
                } else if self.hrx.reject.val() {
                    self.hrx.take_reject.next = true;
                    self.kind.d.next = bits::<8>(5); // frame::REJECTED
                    self.dev.d.next = bit_cast::<6, 3>(self.hrx.reason.val());
                    self.badge.d.next = self.hrx.rejects.val();
                    self.len.d.next = 0.into();
                    self.state.d.next = Serve::Send;
                } else if self.dev_has.val() {
                    self.state.d.next = Serve::Head;
                } else {
                    self.dev.d.next = self.dev.q.val() + 1;
                }
            }
            Serve::Inject => {
                self.cluster.dev_send_valid.next = true;
                self.widx.d.next = 0.into();
                if self.cluster.dev_send_ready.val() {
                    self.state.d.next = Serve::Await;
                }
            }
            Serve::Await => {
                if self.cluster.dev_tx_next.val() {
                    self.widx.d.next = self.widx.q.val() + 1;
                }
                if self.cluster.dev_status_valid.val() {
                    self.hrx.take.next = true;
                    self.code.d.next = self.cluster.dev_status_code.val();
                    self.kind.d.next = bits::<8>(4); // frame::STATUS
                    self.dev.d.next = bit_cast::<6, 4>(self.hrx.slot.val());
                    self.badge.d.next = self.hrx.seq.val();
                    self.len.d.next = bits::<3>(1);
                    self.state.d.next = Serve::Send;
                }
            }
            Serve::Head => {
                self.len.d.next = self.cluster.dev_len.val();
                self.badge.d.next = self.cluster.dev_badge.val();
                self.kind.d.next = bits::<8>(1); // frame::MESSAGE
                if self.cluster.dev_grant.val() {
                    self.kind.d.next = bits::<8>(2); // frame::GRANT
                }
                self.state.d.next = Serve::Send;
                if self.is_led.val() {
                    self.state.d.next = Serve::Led;
                }
            }
            Serve::Send => {
                if self.uart.ready.val() {
                    self.uart.valid.next = true;
                    self.idx.d.next = self.idx.q.val() + 1;
                    if self.idx.q.val() != bits::<6>(0) {
                        self.crc.d.next = self.crc_t.val();
                    }
                    if self.idx.q.val() == self.frame_len.val() {
                        // A message is popped from its device; boot, status and rejection
                        // frames have none.
                        self.state.d.next = Serve::Pop;
                        if self.kind.q.val() >= bits::<8>(3) {
                            self.state.d.next = Serve::Idle;
                        }
                    }
                }
            }
            Serve::Led => {
                // `dev_mb_sel` was 0 in Head: the first word is on `dev_word` now.
                if (self.len.q.val() != bits::<3>(0)) & !self.cluster.dev_grant.val() {
                    self.leds.d.next = self.cluster.dev_word.val().get_bits::<8>(0);
                }
                self.state.d.next = Serve::Pop;
            }
            Serve::Pop => {
                self.cluster.dev_pop.next = true;
                self.state.d.next = Serve::Gap;
            }
            Serve::Gap => self.state.d.next = Serve::Idle,
        }
        self.uart_tx.next = self.uart.tx.val();
        // (Outputs a board does not use, read so that lint sees them used; they fold away.)
        self.led.next = self.leds.q.val()
            | bit_cast::<8, 1>(
                (self.cluster.waiting.val().any()
                    & self.cluster.dropped.val()
                    & self.cluster.result.val().any()
                    & self.cluster.trap_pc.val().any()
                    & self.cluster.peek_data.val().any()
                    & false)
                    .into(),
            );
    }
}

/// Why a board top could not be made.
#[derive(Debug, thiserror::Error)]
pub enum BoardError {
    #[error(transparent)]
    Program(#[from] program::ProgramError),
    #[error(transparent)]
    Encode(#[from] boot::EncodeError),
    #[error("a board cluster is at most 4x4 nodes; this one is {0}x{1}")]
    Mesh(usize, usize),
    #[error(transparent)]
    Export(#[from] crate::export::ExportError),
}

/// Largest boot ROM: 8 Ki words (16 KiB).
pub const MAX_ROM_A: usize = 13;

/// The boot ROM's address width for a program of `words` words (at least 256 words, the
/// depth of one iCE40 block RAM).
pub fn rom_bits(words: usize) -> usize {
    (8..=MAX_ROM_A)
        .find(|a| words <= 1 << a)
        .unwrap_or(MAX_ROM_A + 1)
}

/// Word `i` of the boot ROM beyond the program: never read (the program ends with END), and
/// different in every ROM block, so that the ROM's contents are unique in the bitstream and a
/// new program can be swapped in by content (`icebram`), which zero padding would not allow
/// (the enclaves' memories are zero too).
pub fn rom_filler(i: usize) -> u16 {
    // SplitMix-style mix of the index; never 0.
    let mut z = (i as u64 + 1).wrapping_mul(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    (z >> 48) as u16 | 1
}

/// The Verilog (top module `top`, identical modules merged) of the board top of nodes
/// `specs` on a `columns x rows` mesh, one UART bit every `divisor + 1` cycles, and its boot
/// ROM: the program, then [`rom_filler`] up to the ROM's depth. Every LED device drives the
/// same `led` pins (the last message to any of them wins).
pub fn verilog(
    specs: &[castle_enclave::model::cluster::NodeSpec],
    columns: usize,
    rows: usize,
    divisor: u16,
) -> Result<(String, Vec<u16>), BoardError> {
    use crate::cluster::{CoreKind, NodeKind};
    use castle_enclave::model::cluster::NodeSpec;
    if !(1..=4).contains(&columns) || !(1..=4).contains(&rows) || specs.len() > columns * rows {
        return Err(BoardError::Mesh(columns, rows));
    }
    let words = boot::encode(&program::program(specs, columns)?)?;
    let kinds: Vec<NodeKind> = specs
        .iter()
        .map(|s| match s {
            NodeSpec::Enclave { .. } => NodeKind::Enclave,
            NodeSpec::Console | NodeSpec::Led | NodeSpec::Uart { .. } => NodeKind::Device,
        })
        .collect();
    let led_nodes = (0..specs.len())
        .filter(|&i| matches!(specs[i], NodeSpec::Led))
        .fold(0u64, |m, i| m | 1 << i);
    let gateway = (0..specs.len())
        .find(|&i| matches!(specs[i], NodeSpec::Uart { .. }))
        .map(|i| i as u8);
    let cluster = BoardCluster::new(columns, rows, &kinds, CoreKind::Compact);
    let bits = rom_bits(words.len());
    let mut words = words;
    if bits <= MAX_ROM_A {
        let len = words.len();
        words.extend((len..1 << bits).map(rom_filler));
    }
    let v = match bits {
        8 => export_top(BoardTop::<8>::new(
            cluster, &words, led_nodes, gateway, divisor,
        )),
        9 => export_top(BoardTop::<9>::new(
            cluster, &words, led_nodes, gateway, divisor,
        )),
        10 => export_top(BoardTop::<10>::new(
            cluster, &words, led_nodes, gateway, divisor,
        )),
        11 => export_top(BoardTop::<11>::new(
            cluster, &words, led_nodes, gateway, divisor,
        )),
        12 => export_top(BoardTop::<12>::new(
            cluster, &words, led_nodes, gateway, divisor,
        )),
        13 => export_top(BoardTop::<13>::new(
            cluster, &words, led_nodes, gateway, divisor,
        )),
        _ => {
            return Err(BoardError::Encode(boot::EncodeError::TooBig {
                need: words.len(),
                limit: 1 << MAX_ROM_A,
            }))
        }
    }?;
    Ok((v, words))
}

fn export_top<B: Block>(mut top: B) -> Result<String, crate::export::ExportError> {
    let v = crate::export::verilog("board", &mut top)?;
    Ok(crate::export::dedup_modules(&v))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_constants_match_the_literals_in_the_top() {
        // `BoardTop::update` writes these as literals (rust-hdl takes no constants there).
        assert_eq!(
            (frame::SYNC, frame::MESSAGE, frame::GRANT, frame::BOOT),
            (165, 1, 2, 3)
        );
        assert_eq!((frame::STATUS, frame::REJECTED), (4, 5));
    }

    #[test]
    fn rom_depth_follows_the_program() {
        assert_eq!(rom_bits(1), 8);
        assert_eq!(rom_bits(256), 8);
        assert_eq!(rom_bits(257), 9);
        assert_eq!(rom_bits(1 << 13), 13);
        assert_eq!(rom_bits((1 << 13) + 1), 14);
    }
}
