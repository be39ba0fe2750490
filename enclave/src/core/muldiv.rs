//! Multi-cycle i32 multiply, divide and remainder (iCE40 HX parts have no DSP blocks).
//!
//! Interface: pulse `start` with `op` (the Wasm opcode: 0x6c mul, 0x6d div_s, 0x6e div_u,
//! 0x6f rem_s, 0x70 rem_u), `a` (dividend / left operand) and `b`; `done` is high for one
//! cycle when `result` is valid (it holds until the next `start`). Division by zero and
//! `i32::MIN / -1` are the caller's to trap on; here they give unspecified results.
//!
//! Latency: multiply, 2 bits of `b` per cycle, stopping when the rest of `b` is zero:
//! 1 + ceil(bits(b) / 2) cycles (at most 17). Divide and remainder: restoring division on the
//! magnitudes, one quotient bit per cycle, 34 cycles.
use rust_hdl::prelude::*;

#[derive(LogicBlock, Default)]
pub struct MulDiv {
    pub clock: Signal<In, Clock>,
    pub start: Signal<In, Bit>,
    pub op: Signal<In, Bits<8>>,
    pub a: Signal<In, Bits<32>>,
    pub b: Signal<In, Bits<32>>,
    pub done: Signal<Out, Bit>,
    pub result: Signal<Out, Bits<32>>,
    busy_mul: DFF<Bit>,
    busy_div: DFF<Bit>,
    finish: DFF<Bit>,
    /// Multiply: accumulator. Divide: partial remainder.
    acc: DFF<Bits<33>>,
    /// Multiply: shifted multiplicand. Divide: dividend shifting into the quotient.
    x: DFF<Bits<32>>,
    /// Multiply: remaining multiplier bits. Divide: divisor magnitude.
    y: DFF<Bits<32>>,
    count: DFF<Bits<6>>,
    negate: DFF<Bit>,
    want_rem: DFF<Bit>,
    out: DFF<Bits<32>>,
    is_signed: Signal<Local, Bit>,
    mag_a: Signal<Local, Bits<32>>,
    mag_b: Signal<Local, Bits<32>>,
    trial: Signal<Local, Bits<33>>,
    partial: Signal<Local, Bits<32>>,
}

impl Logic for MulDiv {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, busy_mul, busy_div, finish, acc, x, y, count, negate, want_rem, out
        );
        self.is_signed.next = (self.op.val() == 109) | (self.op.val() == 111);
        self.mag_a.next = self.a.val();
        if self.is_signed.val() & self.a.val().get_bit(31) {
            self.mag_a.next = bits::<32>(0) - self.a.val();
        }
        self.mag_b.next = self.b.val();
        if self.is_signed.val() & self.b.val().get_bit(31) {
            self.mag_b.next = bits::<32>(0) - self.b.val();
        }
        self.finish.d.next = false;
        // x * (y & 3), without reading back a signal written in this update.
        self.partial.next = 0.into();
        if self.y.q.val().get_bit(0) {
            self.partial.next = self.x.q.val();
        }
        if self.y.q.val().get_bit(1) {
            self.partial.next = self.x.q.val() << 1;
            if self.y.q.val().get_bit(0) {
                self.partial.next = self.x.q.val() + (self.x.q.val() << 1);
            }
        }
        self.trial.next = ((self.acc.q.val() << 1)
            | bit_cast::<33, 1>(self.x.q.val().get_bit(31).into()))
            - bit_cast::<33, 32>(self.y.q.val());
        if self.busy_mul.q.val() {
            if self.y.q.val() == 0 {
                self.busy_mul.d.next = false;
                self.finish.d.next = true;
                self.out.d.next = bit_cast::<32, 33>(self.acc.q.val());
            } else {
                self.acc.d.next = self.acc.q.val() + bit_cast::<33, 32>(self.partial.val());
                self.x.d.next = self.x.q.val() << 2;
                self.y.d.next = self.y.q.val() >> 2;
            }
        }
        if self.busy_div.q.val() {
            if self.count.q.val() == 32 {
                self.busy_div.d.next = false;
                self.finish.d.next = true;
                if self.want_rem.q.val() {
                    self.out.d.next = bit_cast::<32, 33>(self.acc.q.val());
                    if self.negate.q.val() {
                        self.out.d.next = bits::<32>(0) - bit_cast::<32, 33>(self.acc.q.val());
                    }
                } else {
                    self.out.d.next = self.x.q.val();
                    if self.negate.q.val() {
                        self.out.d.next = bits::<32>(0) - self.x.q.val();
                    }
                }
            } else {
                self.count.d.next = self.count.q.val() + 1;
                // Shift the next dividend bit into the remainder; subtract if it fits.
                if self.trial.val().get_bit(32) {
                    self.acc.d.next = (self.acc.q.val() << 1)
                        | bit_cast::<33, 1>(self.x.q.val().get_bit(31).into());
                    self.x.d.next = self.x.q.val() << 1;
                } else {
                    self.acc.d.next = self.trial.val();
                    self.x.d.next = (self.x.q.val() << 1) | 1;
                }
            }
        }
        if self.start.val() {
            self.acc.d.next = 0.into();
            self.count.d.next = 0.into();
            self.want_rem.d.next = (self.op.val() == 111) | (self.op.val() == 112);
            if self.op.val() == 108 {
                self.busy_mul.d.next = true;
                self.x.d.next = self.a.val();
                self.y.d.next = self.b.val();
            } else {
                self.busy_div.d.next = true;
                self.x.d.next = self.mag_a.val();
                self.y.d.next = self.mag_b.val();
                // Quotient: negative when the signs differ; remainder: sign of the dividend.
                self.negate.d.next =
                    self.is_signed.val() & (self.a.val().get_bit(31) ^ self.b.val().get_bit(31));
                if (self.op.val() == 111) | (self.op.val() == 112) {
                    self.negate.d.next = self.is_signed.val() & self.a.val().get_bit(31);
                }
            }
        }
        self.done.next = self.finish.q.val();
        self.result.next = self.out.q.val();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn tick(m: &mut MulDiv) {
        for level in [true, false] {
            m.clock.next = level.into();
            assert!(simulate(m, 100));
        }
    }

    #[test]
    fn matches_wrapping_arithmetic() {
        let mut m = MulDiv::default();
        m.connect_all();
        let mut rng = rand::rngs::StdRng::seed_from_u64(3);
        let special = [
            0u32,
            1,
            2,
            3,
            7,
            0x8000_0000,
            0x7fff_ffff,
            u32::MAX,
            u32::MAX - 1,
        ];
        for i in 0..600 {
            let op = [0x6cu8, 0x6d, 0x6e, 0x6f, 0x70][i % 5];
            let pick = |rng: &mut rand::rngs::StdRng| match rng.gen_range(0..3) {
                0 => special[rng.gen_range(0..special.len())],
                1 => rng.gen_range(0..1000),
                _ => rng.gen(),
            };
            let (a, b) = (pick(&mut rng), pick(&mut rng));
            if op != 0x6c && (b == 0 || (op == 0x6d && a == 0x8000_0000 && b == u32::MAX)) {
                continue;
            }
            let want = match op {
                0x6c => a.wrapping_mul(b),
                0x6d => (a as i32).wrapping_div(b as i32) as u32,
                0x6e => a / b,
                0x6f => (a as i32).wrapping_rem(b as i32) as u32,
                _ => a % b,
            };
            m.start.next = true;
            m.op.next = (op as u64).to_bits();
            m.a.next = (a as u64).to_bits();
            m.b.next = (b as u64).to_bits();
            tick(&mut m);
            m.start.next = false;
            let mut cycles = 1;
            while !m.done.val() {
                tick(&mut m);
                cycles += 1;
                assert!(cycles < 40, "no result");
            }
            assert_eq!(
                m.result.val().to_u64() as u32,
                want,
                "op {op:#x} {a:#x} {b:#x}"
            );
            if op == 0x6c {
                assert!(
                    cycles <= 1 + (32 - b.leading_zeros()).div_ceil(2) + 1,
                    "mul took {cycles}"
                );
            }
        }
    }
}
