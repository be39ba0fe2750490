//! Parallel LEB128 decoder: one Wasm `u32`/`s32` immediate from a 5-byte window, in one cycle.
//!
//! Combinational. `bytes` holds the window, first byte in bits 7:0. `len` is the number of
//! bytes the number takes (1..=5; a number whose first four bytes all have the continuation
//! bit takes 5, whatever the fifth says); `value` is the number, sign-extended from its last
//! byte's bit 6 when `is_signed` and `len < 5`. The image builder validates immediates, so no
//! error output; on invalid bytes (random code) the value is merely unspecified. Reference:
//! the serial decoder in `crate::leb128`.
use rust_hdl::prelude::*;

#[derive(LogicBlock, Default)]
pub struct LebWindow {
    pub bytes: Signal<In, Bits<40>>,
    pub is_signed: Signal<In, Bit>,
    pub value: Signal<Out, Bits<32>>,
    pub len: Signal<Out, Bits<3>>,
    /// Payload of each byte, in place.
    p0: Signal<Local, Bits<32>>,
    p1: Signal<Local, Bits<32>>,
    p2: Signal<Local, Bits<32>>,
    p3: Signal<Local, Bits<32>>,
    p4: Signal<Local, Bits<32>>,
}

impl Logic for LebWindow {
    #[hdl_gen]
    fn update(&mut self) {
        self.p0.next = bit_cast::<32, 40>(self.bytes.val()) & 127;
        self.p1.next = bit_cast::<32, 40>(self.bytes.val() >> 1) & 16256;
        self.p2.next = bit_cast::<32, 40>(self.bytes.val() >> 2) & 2080768;
        self.p3.next = bit_cast::<32, 40>(self.bytes.val() >> 3) & 266338304;
        self.p4.next = bit_cast::<32, 40>(self.bytes.val() >> 4) & bits::<32>(4026531840u64);
        self.len.next = 5.into();
        self.value.next =
            self.p0.val() | self.p1.val() | self.p2.val() | self.p3.val() | self.p4.val();
        if !self.bytes.val().get_bit(31) {
            self.len.next = 4.into();
            self.value.next = self.p0.val() | self.p1.val() | self.p2.val() | self.p3.val();
            if self.is_signed.val() & self.bytes.val().get_bit(30) {
                self.value.next = self.p0.val()
                    | self.p1.val()
                    | self.p2.val()
                    | self.p3.val()
                    | bits::<32>(4026531840u64);
            }
        }
        if !self.bytes.val().get_bit(23) {
            self.len.next = 3.into();
            self.value.next = self.p0.val() | self.p1.val() | self.p2.val();
            if self.is_signed.val() & self.bytes.val().get_bit(22) {
                self.value.next =
                    self.p0.val() | self.p1.val() | self.p2.val() | bits::<32>(4292870144u64);
            }
        }
        if !self.bytes.val().get_bit(15) {
            self.len.next = 2.into();
            self.value.next = self.p0.val() | self.p1.val();
            if self.is_signed.val() & self.bytes.val().get_bit(14) {
                self.value.next = self.p0.val() | self.p1.val() | bits::<32>(4294950912u64);
            }
        }
        if !self.bytes.val().get_bit(7) {
            self.len.next = 1.into();
            self.value.next = self.p0.val();
            if self.is_signed.val() & self.bytes.val().get_bit(6) {
                self.value.next = self.p0.val() | bits::<32>(4294967168u64);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn run(dut: &mut LebWindow, bytes: &[u8], signed: bool) -> (u32, usize) {
        let mut w = [0u8; 8];
        w[..bytes.len().min(5)].copy_from_slice(&bytes[..bytes.len().min(5)]);
        dut.bytes.next = u64::from_le_bytes(w).to_bits();
        dut.is_signed.next = signed;
        assert!(simulate(dut, 100));
        (
            dut.value.val().to_u64() as u32,
            dut.len.val().to_u64() as usize,
        )
    }

    fn encode(mut v: i64, signed: bool) -> Vec<u8> {
        let mut out = Vec::new();
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            let done = if signed {
                (v == 0 && b & 0x40 == 0) || (v == -1 && b & 0x40 != 0)
            } else {
                v == 0
            };
            out.push(if done { b } else { b | 0x80 });
            if done {
                return out;
            }
        }
    }

    #[test]
    fn matches_the_serial_model() {
        let mut dut = LebWindow::default();
        dut.connect_all();
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        for i in 0..3000 {
            let signed = i % 2 == 0;
            let v: i64 = match i % 3 {
                0 => rng.gen_range(-200..200),
                1 => rng.gen::<i32>() as i64,
                _ => rng.gen::<u32>() as i64,
            };
            let v = if signed {
                v as i32 as i64
            } else {
                v as u32 as i64
            };
            let bytes = encode(v, signed);
            let (value, len) = run(&mut dut, &bytes, signed);
            let (want, want_len, _) = crate::leb128::decode(&bytes, signed).unwrap();
            assert_eq!(
                (value, len),
                (want, want_len),
                "{bytes:02x?} signed {signed}"
            );
        }
    }
}
