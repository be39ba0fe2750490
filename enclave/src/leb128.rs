//! Streaming LEB128 decoder for Wasm `u32` and `s32` immediates.
//!
//! The enclave reads immediates straight from code memory, one byte per cycle; this block turns
//! such a byte stream into 32-bit values with the validity rules of the Wasm binary format
//! (at most 5 bytes; in the 5th byte the unused bits must be zero for `u32`, or copies of the
//! sign bit for `s32`).
//!
//! Interface (all synchronous to `clock`):
//! - `reset`: synchronous; drops any partial number and any pending result.
//! - `is_signed`: decode as `s32` (1) or `u32` (0); hold it steady while a number is being fed.
//! - `in_valid`/`in_byte`/`in_ready`: byte stream; a byte is taken when `in_valid & in_ready`.
//! - `out_valid`/`out_value`/`out_len`/`out_error`/`out_ready`: one result per number; `out_len`
//!   is the number of bytes it took (1..=5); `out_error` marks a number that is too long or
//!   out of range (its `out_value` is then unspecified). The result is held until
//!   `out_valid & out_ready`.
//!
//! Latency: the result is valid the cycle after the last byte is taken. Throughput: one byte
//! per cycle; `in_ready` is low only while a result waits for `out_ready`.
use rust_hdl::prelude::*;

#[derive(LogicBlock, Default)]
pub struct Leb128Decoder {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    pub is_signed: Signal<In, Bit>,
    pub in_valid: Signal<In, Bit>,
    pub in_byte: Signal<In, Bits<8>>,
    pub in_ready: Signal<Out, Bit>,
    pub out_valid: Signal<Out, Bit>,
    pub out_value: Signal<Out, Bits<32>>,
    pub out_len: Signal<Out, Bits<3>>,
    pub out_error: Signal<Out, Bit>,
    pub out_ready: Signal<In, Bit>,
    /// Bits gathered so far of the number being decoded.
    acc: DFF<Bits<32>>,
    /// Bytes taken so far of the number being decoded (0..=4).
    count: DFF<Bits<3>>,
    result: DFF<Bits<32>>,
    len: DFF<Bits<3>>,
    valid: DFF<Bit>,
    error: DFF<Bit>,
    /// 7 * count: where the payload of the incoming byte lands.
    shift: Signal<Local, Bits<6>>,
    merged: Signal<Local, Bits<32>>,
    take: Signal<Local, Bit>,
    last: Signal<Local, Bit>,
    bad_top: Signal<Local, Bit>,
}

impl Logic for Leb128Decoder {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, acc, count, result, len, valid, error);
        self.in_ready.next = !self.valid.q.val() | self.out_ready.val();
        self.take.next = self.in_valid.val() & self.in_ready.val();
        self.shift.next =
            (bit_cast::<6, 3>(self.count.q.val()) << 3) - bit_cast::<6, 3>(self.count.q.val());
        self.merged.next =
            self.acc.q.val() | (bit_cast::<32, 8>(self.in_byte.val() & 127) << self.shift.val());
        // The 5th byte (count == 4) ends the number whatever its continuation bit says.
        self.last.next = !self.in_byte.val().get_bit(7) | (self.count.q.val() == 4);
        // Unused bits of the 5th byte: zero for u32 (mask 0x70), sign copies for s32 (mask 0x78).
        if self.is_signed.val() {
            self.bad_top.next =
                ((self.in_byte.val() & 120) != 0) & ((self.in_byte.val() & 120) != 120);
        } else {
            self.bad_top.next = (self.in_byte.val() & 112) != 0;
        }
        if self.valid.q.val() & self.out_ready.val() {
            self.valid.d.next = false;
        }
        if self.take.val() {
            if self.last.val() {
                self.result.d.next = self.merged.val();
                // Sign-extend a short s32 from bit 6 of its last byte.
                if self.is_signed.val() & self.in_byte.val().get_bit(6) & (self.count.q.val() != 4)
                {
                    self.result.d.next =
                        self.merged.val() | ((!bits::<32>(0)) << (self.shift.val() + 7));
                }
                self.len.d.next = self.count.q.val() + 1;
                self.error.d.next = (self.count.q.val() == 4)
                    & (self.in_byte.val().get_bit(7) | self.bad_top.val());
                self.valid.d.next = true;
                self.acc.d.next = 0.into();
                self.count.d.next = 0.into();
            } else {
                self.acc.d.next = self.merged.val();
                self.count.d.next = self.count.q.val() + 1;
            }
        }
        if self.reset.val() {
            self.acc.d.next = 0.into();
            self.count.d.next = 0.into();
            self.valid.d.next = false;
        }
        self.out_valid.next = self.valid.q.val();
        self.out_value.next = self.result.q.val();
        self.out_len.next = self.len.q.val();
        self.out_error.next = self.error.q.val();
    }
}

/// Software model: decode one LEB128 number from `bytes` as the block does.
/// Returns `(value, bytes_taken, error)`, or `None` if `bytes` ends before the number does.
pub fn decode(bytes: &[u8], signed: bool) -> Option<(u32, usize, bool)> {
    let mut acc: u32 = 0;
    for (i, &b) in bytes.iter().enumerate().take(5) {
        acc |= ((b & 0x7f) as u32).wrapping_shl(7 * i as u32);
        let last = b & 0x80 == 0 || i == 4;
        if last {
            if i == 4 {
                let bad_top = if signed {
                    !matches!(b & 0x78, 0 | 0x78)
                } else {
                    b & 0x70 != 0
                };
                return Some((acc, 5, b & 0x80 != 0 || bad_top));
            }
            if signed && b & 0x40 != 0 {
                acc |= u32::MAX << (7 * (i + 1));
            }
            return Some((acc, i + 1, false));
        }
    }
    None
}
