//! The board's receiver of host frames (docs/uart.md): bytes from [`super::uart::UartRx`] in,
//! one checked frame out for the UART gateway to send into the cluster.
//!
//! A host frame is `SYNC, HOST_SEND, slot, seq (2 bytes, little-endian), n, n words, check`,
//! the layout of the board's own frames ([`super::frame`]): send `n` words (at most 4) through
//! slot `slot` of the gateway's c-list; `seq` comes back in the status frame.
//!
//! Ports (synchronous to `clock`):
//! - `rx_byte`, `rx_valid`, `rx_error`: the receiver's output (`rx_error`: a framing error).
//! - `full` (out): a checked frame is waiting: `slot`, `seq`, `len`, and `word` = word
//!   `word_sel` (combinational). `take` (in) empties it; bytes keep coming meanwhile, but a
//!   new frame's sync byte while one is waiting loses that frame ([`OVERRUN`]).
//! - `reject` (out): a frame was rejected and not yet reported: `reason` ([`CHECK`] ...) of
//!   the first one since the last report; `take_reject` (in) clears it. `rejects` (out)
//!   counts every rejection since power-on (wrapping at 16 bits).
//!
//! A frame cut short is rejected after `timeout` cycles without a byte ([`TRUNCATED`]); a byte
//! outside a frame that is not a sync byte is [`NOISE`]. Nothing rejected reaches the cluster.
use rust_hdl::prelude::*;

/// Kind of a host frame: send its words through a gateway slot.
pub const HOST_SEND: u8 = 0x10;
/// Reject reasons, as the board reports them in a [`super::frame::REJECTED`] frame.
pub const CHECK: u8 = 1;
/// More than 4 words announced.
pub const OVERSIZED: u8 = 2;
/// A kind other than [`HOST_SEND`], or a slot beyond the c-list.
pub const FIELD: u8 = 3;
/// The line went quiet inside a frame.
pub const TRUNCATED: u8 = 4;
/// A byte with a low stop bit.
pub const FRAMING: u8 = 5;
/// A byte outside a frame.
pub const NOISE: u8 = 6;
/// A frame began while the previous one was still being served.
pub const OVERRUN: u8 = 7;

/// The receiver of host frames; see the module documentation.
#[derive(LogicBlock)]
pub struct HostRx {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    pub rx_byte: Signal<In, Bits<8>>,
    pub rx_valid: Signal<In, Bit>,
    pub rx_error: Signal<In, Bit>,
    pub take: Signal<In, Bit>,
    pub take_reject: Signal<In, Bit>,
    pub full: Signal<Out, Bit>,
    pub slot: Signal<Out, Bits<4>>,
    pub seq: Signal<Out, Bits<16>>,
    pub len: Signal<Out, Bits<3>>,
    pub word_sel: Signal<In, Bits<2>>,
    pub word: Signal<Out, Bits<32>>,
    pub reject: Signal<Out, Bit>,
    pub reason: Signal<Out, Bits<3>>,
    pub rejects: Signal<Out, Bits<16>>,
    /// Cycles of silence that cut a frame short.
    timeout: Constant<Bits<16>>,
    /// Bytes of the current frame so far (0: waiting for a sync byte).
    pos: DFF<Bits<5>>,
    /// Cycles since the frame's last byte.
    idle: DFF<Bits<16>>,
    crc: DFF<Bits<8>>,
    full_r: DFF<Bit>,
    slot_r: DFF<Bits<4>>,
    seq_r: DFF<Bits<16>>,
    len_r: DFF<Bits<3>>,
    w0: DFF<Bits<32>>,
    w1: DFF<Bits<32>>,
    w2: DFF<Bits<32>>,
    w3: DFF<Bits<32>>,
    reject_r: DFF<Bit>,
    reason_r: DFF<Bits<3>>,
    count: DFF<Bits<16>>,
    crc_t: Signal<Local, Bits<8>>,
    /// Position of the check byte.
    check_at: Signal<Local, Bits<5>>,
    /// `pos - 6`: byte `[1:0]` of word `[3:2]`.
    at: Signal<Local, Bits<5>>,
    shifted: Signal<Local, Bits<32>>,
    rej_now: Signal<Local, Bit>,
    rej_why: Signal<Local, Bits<3>>,
}

impl HostRx {
    /// A receiver that cuts a frame short after `timeout` silent cycles.
    pub fn new(timeout: u16) -> Self {
        HostRx {
            clock: Default::default(),
            reset: Default::default(),
            rx_byte: Default::default(),
            rx_valid: Default::default(),
            rx_error: Default::default(),
            take: Default::default(),
            take_reject: Default::default(),
            full: Default::default(),
            slot: Default::default(),
            seq: Default::default(),
            len: Default::default(),
            word_sel: Default::default(),
            word: Default::default(),
            reject: Default::default(),
            reason: Default::default(),
            rejects: Default::default(),
            timeout: Constant::new((timeout as u64).into()),
            pos: Default::default(),
            idle: Default::default(),
            crc: Default::default(),
            full_r: Default::default(),
            slot_r: Default::default(),
            seq_r: Default::default(),
            len_r: Default::default(),
            w0: Default::default(),
            w1: Default::default(),
            w2: Default::default(),
            w3: Default::default(),
            reject_r: Default::default(),
            reason_r: Default::default(),
            count: Default::default(),
            crc_t: Default::default(),
            check_at: Default::default(),
            at: Default::default(),
            shifted: Default::default(),
            rej_now: Default::default(),
            rej_why: Default::default(),
        }
    }
}

impl Logic for HostRx {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, pos, idle, crc, full_r, slot_r, seq_r, len_r, w0, w1, w2, w3, reject_r,
            reason_r, count
        );
        // CRC-8 (polynomial 0x07, initial 0) of every byte after the sync byte.
        self.crc_t.next = self.crc.q.val() ^ self.rx_byte.val();
        for _k in 0..8 {
            if self.crc_t.val().get_bit(7) {
                self.crc_t.next = (self.crc_t.val() << 1) ^ bits::<8>(7);
            } else {
                self.crc_t.next = self.crc_t.val() << 1;
            }
        }
        self.check_at.next = bits::<5>(6) + (bit_cast::<5, 3>(self.len_r.q.val()) << 2);
        self.at.next = self.pos.q.val() - bits::<5>(6);
        // (`at` is read whole, so that lint sees its low bits used; the term folds away.)
        self.shifted.next = (bit_cast::<32, 8>(self.rx_byte.val()) << 24)
            | bit_cast::<32, 1>((self.at.val().any() & false).into());
        self.rej_now.next = false;
        self.rej_why.next = 0.into();

        self.idle.d.next = 0.into();
        if (self.pos.q.val() != bits::<5>(0))
            & (self.idle.q.val() != self.timeout.val())
            & !self.rx_valid.val()
        {
            self.idle.d.next = self.idle.q.val() + 1;
        }
        if self.take.val() {
            self.full_r.d.next = false;
        }
        if self.rx_error.val() {
            self.rej_now.next = true;
            self.rej_why.next = bits::<3>(5); // FRAMING
            self.pos.d.next = 0.into();
        } else if self.rx_valid.val() {
            self.crc.d.next = self.crc_t.val();
            self.pos.d.next = self.pos.q.val() + 1;
            match self.pos.q.val().index() {
                0 => {
                    self.crc.d.next = 0.into();
                    if self.rx_byte.val() != bits::<8>(165) {
                        // (SYNC)
                        self.pos.d.next = 0.into();
                        if !self.full_r.q.val() {
                            self.rej_now.next = true;
                            self.rej_why.next = bits::<3>(6); // NOISE
                        }
                    } else if self.full_r.q.val() {
                        self.pos.d.next = 0.into();
                        self.rej_now.next = true;
                        self.rej_why.next = bits::<3>(7); // OVERRUN
                    }
                }
                1 => {
                    if self.rx_byte.val() != bits::<8>(16) {
                        // (HOST_SEND)
                        self.pos.d.next = 0.into();
                        self.rej_now.next = true;
                        self.rej_why.next = bits::<3>(3); // FIELD
                    }
                }
                2 => {
                    self.slot_r.d.next = self.rx_byte.val().get_bits::<4>(0);
                    if self.rx_byte.val() > bits::<8>(15) {
                        self.pos.d.next = 0.into();
                        self.rej_now.next = true;
                        self.rej_why.next = bits::<3>(3); // FIELD
                    }
                }
                3 => {
                    self.seq_r.d.next = (self.seq_r.q.val() & bits::<16>(0xff00))
                        | bit_cast::<16, 8>(self.rx_byte.val());
                }
                4 => {
                    self.seq_r.d.next = (self.seq_r.q.val() & bits::<16>(0xff))
                        | (bit_cast::<16, 8>(self.rx_byte.val()) << 8);
                }
                5 => {
                    self.len_r.d.next = self.rx_byte.val().get_bits::<3>(0);
                    if self.rx_byte.val() > bits::<8>(4) {
                        self.pos.d.next = 0.into();
                        self.rej_now.next = true;
                        self.rej_why.next = bits::<3>(2); // OVERSIZED
                    }
                }
                _ => {
                    if self.pos.q.val() == self.check_at.val() {
                        self.pos.d.next = 0.into();
                        if self.rx_byte.val() == self.crc.q.val() {
                            self.full_r.d.next = true;
                        } else {
                            self.rej_now.next = true;
                            self.rej_why.next = bits::<3>(1); // CHECK
                        }
                    } else {
                        match self.at.val().get_bits::<2>(2).index() {
                            0 => {
                                self.w0.d.next = (self.w0.q.val() >> 8) | self.shifted.val();
                            }
                            1 => {
                                self.w1.d.next = (self.w1.q.val() >> 8) | self.shifted.val();
                            }
                            2 => {
                                self.w2.d.next = (self.w2.q.val() >> 8) | self.shifted.val();
                            }
                            _ => {
                                self.w3.d.next = (self.w3.q.val() >> 8) | self.shifted.val();
                            }
                        }
                    }
                }
            }
        } else if (self.pos.q.val() != bits::<5>(0)) & (self.idle.q.val() == self.timeout.val()) {
            self.pos.d.next = 0.into();
            self.rej_now.next = true;
            self.rej_why.next = bits::<3>(4); // TRUNCATED
        }
        if self.take_reject.val() {
            self.reject_r.d.next = false;
        }
        if self.rej_now.val() {
            self.count.d.next = self.count.q.val() + 1;
            if !self.reject_r.q.val() | self.take_reject.val() {
                self.reject_r.d.next = true;
                self.reason_r.d.next = self.rej_why.val();
            }
        }
        if self.reset.val() {
            self.pos.d.next = 0.into();
            self.full_r.d.next = false;
            self.reject_r.d.next = false;
            self.count.d.next = 0.into();
        }
        self.full.next = self.full_r.q.val();
        self.slot.next = self.slot_r.q.val();
        self.seq.next = self.seq_r.q.val();
        self.len.next = self.len_r.q.val();
        self.reject.next = self.reject_r.q.val();
        self.reason.next = self.reason_r.q.val();
        self.rejects.next = self.count.q.val();
        self.word.next = self.w0.q.val();
        match self.word_sel.val().index() {
            1 => self.word.next = self.w1.q.val(),
            2 => self.word.next = self.w2.q.val(),
            3 => self.word.next = self.w3.q.val(),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constants_match_the_literals_in_update() {
        // `HostRx::update` writes these as literals (rust-hdl takes no constants there).
        assert_eq!((super::super::frame::SYNC, HOST_SEND), (165, 16));
        assert_eq!(
            (CHECK, OVERSIZED, FIELD, TRUNCATED, FRAMING, NOISE, OVERRUN),
            (1, 2, 3, 4, 5, 6, 7)
        );
    }
}
