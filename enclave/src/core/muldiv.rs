//! Multi-cycle i32 multiply, divide and remainder (iCE40 HX parts have no DSP blocks).
//!
//! Interface: pulse `start` with `op` (the Wasm opcode: 0x6c mul, 0x6d div_s, 0x6e div_u,
//! 0x6f rem_s, 0x70 rem_u), `a` (dividend / left operand) and `b`; `done` is high for one
//! cycle when `result` is valid (it holds until the next `start`). Division by zero and
//! `i32::MIN / -1` are the caller's to trap on; here they give unspecified results. A `start`
//! while busy abandons the operation under way.
//!
//! One 33-bit adder/subtractor does all the arithmetic, and `result` is the accumulator itself.
//!
//! Latency, in cycles from the `start` edge to `done` (counting both, as the unit test does):
//! - multiply: radix-4 Booth, 2 bits of `b` per cycle, stopping when the rest of `b` is zero:
//!   1 + min(16, bits(b) / 2 + 1) cycles (bits(b) / 2 rounded down): 2 to 17.
//! - divide and remainder: restoring division on the magnitudes, one quotient bit per cycle,
//!   33 cycles. The divisor is never negated (its sign picks add or subtract); a negative
//!   signed dividend is negated in `x` in one extra cycle first. One more cycle moves the
//!   quotient, or a remainder that needs negating, into the accumulator, negating it if
//!   needed: div 34 cycles, rem 33; 35 for either with a negative signed dividend.
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
    /// Divide: negate the dividend in `x` before the first step.
    pre: DFF<Bit>,
    busy_div: DFF<Bit>,
    /// Divide: move the quotient or remainder into `acc`, negated if `negate`.
    post: DFF<Bit>,
    finish: DFF<Bit>,
    /// Multiply: product. Divide: partial remainder. Then the result.
    acc: DFF<Bits<32>>,
    /// Multiply: shifted multiplicand. Divide: dividend shifting into the quotient.
    x: DFF<Bits<32>>,
    /// Multiply: remaining multiplier bits. Divide: divisor (not negated, see `y_neg`).
    y: DFF<Bits<32>>,
    /// Multiply: the Booth bit below `y`.
    booth: DFF<Bit>,
    count: DFF<Bits<5>>,
    negate: DFF<Bit>,
    want_rem: DFF<Bit>,
    /// Divide: the divisor is negative (signed), so the trial step adds it instead.
    y_neg: DFF<Bit>,
    is_signed: Signal<Local, Bit>,
    is_rem: Signal<Local, Bit>,
    /// Booth digit of (y[1], y[0], booth): add x, add 2x, and negate.
    one: Signal<Local, Bit>,
    two: Signal<Local, Bit>,
    sub: Signal<Local, Bit>,
    /// Carry in without complementing op2.
    inc: Signal<Local, Bit>,
    sel_x: Signal<Local, Bit>,
    sel_2x: Signal<Local, Bit>,
    op1: Signal<Local, Bits<33>>,
    op2: Signal<Local, Bits<33>>,
    op2x: Signal<Local, Bits<33>>,
    sum: Signal<Local, Bits<33>>,
    last_step: Signal<Local, Bit>,
    keep: Signal<Local, Bit>,
    fits: Signal<Local, Bit>,
    not_acc: Signal<Local, Bits<32>>,
}

impl Logic for MulDiv {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self, clock, busy_mul, pre, busy_div, post, finish, acc, x, y, booth, count, negate,
            want_rem, y_neg
        );
        self.is_signed.next = (self.op.val() == 109) | (self.op.val() == 111);
        self.is_rem.next = (self.op.val() == 111) | (self.op.val() == 112);
        self.one.next = self.y.q.val().get_bit(0) ^ self.booth.q.val();
        self.two.next = (self.y.q.val().get_bit(0) == self.booth.q.val())
            & (self.y.q.val().get_bit(1) ^ self.y.q.val().get_bit(0));
        // The one adder: op1 + (op2 or its complement) + sub. Idle, it holds acc (acc + 0).
        self.op1.next = bit_cast::<33, 32>(self.acc.q.val());
        self.op2.next = 0.into();
        self.sub.next = false;
        // op2 is one of x, 2x, y (or 0), picked by one-hot selects.
        self.sel_x.next = (self.busy_mul.q.val() & self.one.val())
            | self.pre.q.val()
            | (self.post.q.val() & !self.want_rem.q.val());
        self.sel_2x.next = self.busy_mul.q.val() & self.two.val();
        if self.sel_x.val() {
            self.op2.next = bit_cast::<33, 32>(self.x.q.val());
        }
        if self.sel_2x.val() {
            self.op2.next = bit_cast::<33, 32>(self.x.q.val()) << 1;
        }
        if self.busy_div.q.val() {
            self.op2.next = bit_cast::<33, 32>(self.y.q.val());
            if self.y_neg.q.val() {
                self.op2.next = bit_cast::<33, 32>(self.y.q.val()) | bits::<33>(4294967296u64);
            }
        }
        if self.busy_mul.q.val() {
            self.sub.next =
                self.y.q.val().get_bit(1) & !(self.y.q.val().get_bit(0) & self.booth.q.val());
        }
        if self.busy_div.q.val() {
            // Shift the next dividend bit into the remainder, then take off |divisor|.
            self.op1.next = (bit_cast::<33, 32>(self.acc.q.val()) << 1)
                | bit_cast::<33, 1>(self.x.q.val().get_bit(31).into());
            self.sub.next = !self.y_neg.q.val();
        }
        // Separate signals keep the emitted Verilog's widths as in the simulation.
        self.not_acc.next = !self.acc.q.val();
        self.inc.next = false;
        if self.post.q.val() {
            // Quotient: 0 +- x. Remainder (only here when it needs negating): !acc + 1.
            self.op1.next = 0.into();
            self.sub.next = self.negate.q.val();
            if self.want_rem.q.val() {
                self.op1.next = bit_cast::<33, 32>(self.not_acc.val());
                self.sub.next = false;
                self.inc.next = true;
            }
        }
        if self.pre.q.val() {
            // acc is 0 here.
            self.sub.next = true;
        }
        self.op2x.next = self.op2.val();
        if self.sub.val() {
            self.op2x.next = !self.op2.val();
        }
        self.sum.next = self.op1.val()
            + self.op2x.val()
            + bit_cast::<33, 1>((self.sub.val() | self.inc.val()).into());
        self.last_step.next = self.count.q.val() == 31;
        self.finish.d.next = false;
        // Defaults, to save hold multiplexers: idle, acc + 0 holds the result; x shifting and
        // count counting are harmless outside the multiply.
        self.fits.next = !self.sum.val().get_bit(32);
        // A division step that does not fit keeps the shifted remainder; pre keeps acc at 0.
        self.keep.next = (self.busy_div.q.val() & self.sum.val().get_bit(32)) | self.pre.q.val();
        self.acc.d.next = bit_cast::<32, 33>(self.sum.val());
        if self.keep.val() {
            self.acc.d.next = bit_cast::<32, 33>(self.op1.val());
        }
        self.x.d.next = self.x.q.val() << 2;
        self.booth.d.next = self.y.q.val().get_bit(1);
        self.count.d.next = self.count.q.val() + 1;
        if self.busy_mul.q.val() {
            self.y.d.next = self.y.q.val() >> 2;
            // Done when the rest of y and the Booth bit are zero, or after 16 digits.
            if ((self.y.q.val() >> 1) == 0) | (self.count.q.val() == 15) {
                self.busy_mul.d.next = false;
                self.finish.d.next = true;
            }
        }
        if self.busy_div.q.val() {
            self.x.d.next = (self.x.q.val() << 1) | bit_cast::<32, 1>(self.fits.val().into());
            if self.last_step.val() {
                self.busy_div.d.next = false;
                if self.want_rem.q.val() & !self.negate.q.val() {
                    self.finish.d.next = true;
                } else {
                    self.post.d.next = true;
                }
            }
        }
        if self.pre.q.val() {
            self.pre.d.next = false;
            self.busy_div.d.next = true;
            self.count.d.next = 0.into();
            self.x.d.next = bit_cast::<32, 33>(self.sum.val());
        }
        if self.post.q.val() {
            self.post.d.next = false;
            self.finish.d.next = true;
        }
        if self.start.val() {
            // A start abandons any operation still running (say, after the core's reset).
            self.busy_mul.d.next = false;
            self.busy_div.d.next = false;
            self.pre.d.next = false;
            self.post.d.next = false;
            self.finish.d.next = false;
            self.acc.d.next = 0.into();
            self.count.d.next = 0.into();
            self.booth.d.next = false;
            self.x.d.next = self.a.val();
            self.y.d.next = self.b.val();
            self.want_rem.d.next = self.is_rem.val();
            self.y_neg.d.next = self.is_signed.val() & self.b.val().get_bit(31);
            if self.op.val() == 108 {
                self.busy_mul.d.next = true;
            } else {
                // A negative dividend is negated first (`pre`), then the steps (`busy_div`).
                self.pre.d.next = self.is_signed.val() & self.a.val().get_bit(31);
                self.busy_div.d.next = !(self.is_signed.val() & self.a.val().get_bit(31));
                // Quotient: negative when the signs differ; remainder: sign of the dividend.
                self.negate.d.next =
                    self.is_signed.val() & (self.a.val().get_bit(31) ^ self.b.val().get_bit(31));
                if self.is_rem.val() {
                    self.negate.d.next = self.is_signed.val() & self.a.val().get_bit(31);
                }
            }
        }
        self.done.next = self.finish.q.val();
        self.result.next = self.acc.q.val();
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
            if i % 4 == 1 {
                // A start abandons an operation still running.
                m.start.next = true;
                m.op.next = ([0x6cu64, 0x6d, 0x6f][i % 3]).to_bits();
                m.a.next = (rng.gen::<u32>() as u64).to_bits();
                m.b.next = (u32::MAX as u64).to_bits();
                tick(&mut m);
                m.start.next = false;
                for _ in 0..rng.gen_range(0..34) {
                    tick(&mut m);
                }
            }
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
            // The documented latencies, exactly.
            let latency = if op == 0x6c {
                1 + ((32 - b.leading_zeros()) / 2 + 1).min(16)
            } else {
                let neg_dividend = (op == 0x6d || op == 0x6f) && (a as i32) < 0;
                let rem_as_is = (op == 0x6f || op == 0x70) && !neg_dividend;
                33 + neg_dividend as u32 + !rem_as_is as u32
            };
            assert_eq!(cycles, latency, "op {op:#x} {a:#x} {b:#x} took {cycles}");
            // done is one cycle wide and result holds.
            tick(&mut m);
            assert!(!m.done.val(), "done held");
            assert_eq!(m.result.val().to_u64() as u32, want, "result did not hold");
        }
    }
}
