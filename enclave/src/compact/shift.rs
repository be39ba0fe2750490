//! The compact core's serial shifter (combinational): one step of a shift, rotate or bit count
//! on the value register, taken once per cycle by the core's `Shift` and `BitCount` states.
//!
//! A shift or rotate by `n` (0..31) takes 8-bit steps while 8 or more bits are left, then 1-bit
//! steps: `n / 8 + n % 8` cycles. clz steps left and ctz and popcnt right, one bit per step,
//! until `done`: clz when the top bit is set, ctz when the low bit is (both after at most 32
//! steps: `count` counts them), popcnt when no set bit is left.
//!
//! Ports:
//! - `op`: the Wasm opcode (shl 0x74, shr_s 0x75, shr_u 0x76, rotl 0x77, rotr 0x78; clz 0x67,
//!   ctz 0x68, popcnt 0x69).
//! - `value`: the value being shifted or counted; `count`: bits left to shift, or bits counted.
//! - `stepped`: `value` one step on; `by8`: the step is 8 bits; `done`: a bit count is complete.
use rust_hdl::prelude::*;

/// See the module documentation.
#[derive(LogicBlock, Default)]
pub struct ShiftStep {
    pub op: Signal<In, Bits<8>>,
    pub value: Signal<In, Bits<32>>,
    pub count: Signal<In, Bits<16>>,
    pub stepped: Signal<Out, Bits<32>>,
    pub by8: Signal<Out, Bit>,
    pub done: Signal<Out, Bit>,
    right: Signal<Local, Bit>,
    eight: Signal<Local, Bit>,
    /// What enters at the vacated end: the value itself (rotates), the sign (shr_s), zeros.
    fill: Signal<Local, Bits<32>>,
}

impl Logic for ShiftStep {
    #[hdl_gen]
    fn update(&mut self) {
        self.right.next = (self.op.val() == 117)
            | (self.op.val() == 118)
            | (self.op.val() == 120)
            | (self.op.val() == 104)
            | (self.op.val() == 105);
        self.eight.next = (self.count.val() >= 8) & (self.op.val() >= 116);
        self.by8.next = self.eight.val();
        self.fill.next = 0.into();
        if (self.op.val() == 119) | (self.op.val() == 120) {
            self.fill.next = self.value.val();
        }
        if (self.op.val() == 117) & self.value.val().get_bit(31) {
            self.fill.next = bits::<32>(4294967295u64);
        }
        if self.right.val() {
            if self.eight.val() {
                self.stepped.next = (self.value.val() >> 8) | (self.fill.val() << 24);
            } else {
                self.stepped.next = (self.value.val() >> 1) | (self.fill.val() << 31);
            }
        } else {
            if self.eight.val() {
                self.stepped.next = (self.value.val() << 8) | (self.fill.val() >> 24);
            } else {
                self.stepped.next = (self.value.val() << 1) | (self.fill.val() >> 31);
            }
        }
        self.done.next = self.value.val() == 0;
        if self.op.val() == 103 {
            self.done.next = self.value.val().get_bit(31) | (self.count.val() == 32);
        }
        if self.op.val() == 104 {
            self.done.next = self.value.val().get_bit(0) | (self.count.val() == 32);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Run the core's loop for `op` on `v` (and shift amount `n`) with the block as its step.
    fn run(op: u8, v: u32, n: u32) -> u32 {
        let mut s = ShiftStep::default();
        s.connect_all();
        let step = |s: &mut ShiftStep, v: u32, c: u32| {
            s.op.next = (op as u64).into();
            s.value.next = (v as u64).into();
            s.count.next = (c as u64).into();
            for _ in 0..4 {
                s.update_all();
            }
            (s.stepped.val().index() as u32, s.by8.val(), s.done.val())
        };
        let (mut v, mut c) = (v, if op >= 116 { n & 31 } else { 0 });
        if op >= 116 {
            while c != 0 {
                let (nv, by8, _) = step(&mut s, v, c);
                v = nv;
                c -= if by8 { 8 } else { 1 };
            }
            v
        } else {
            loop {
                let (nv, _, done) = step(&mut s, v, c);
                if done {
                    return c;
                }
                if op != 105 || v & 1 != 0 {
                    c += 1;
                }
                v = nv;
            }
        }
    }

    #[test]
    fn shifts_rotates_and_counts_match_rust() {
        let values = [
            0u32,
            1,
            0x8000_0000,
            0xdead_beef,
            0x0001_0000,
            0xffff_ffff,
            0x1234_5678,
        ];
        for &v in &values {
            for n in [0u32, 1, 7, 8, 9, 15, 16, 31, 32, 33] {
                assert_eq!(run(116, v, n), v.wrapping_shl(n), "shl {v:#x} {n}");
                assert_eq!(
                    run(117, v, n),
                    (v as i32).wrapping_shr(n) as u32,
                    "shr_s {v:#x} {n}"
                );
                assert_eq!(run(118, v, n), v.wrapping_shr(n), "shr_u {v:#x} {n}");
                assert_eq!(run(119, v, n), v.rotate_left(n), "rotl {v:#x} {n}");
                assert_eq!(run(120, v, n), v.rotate_right(n), "rotr {v:#x} {n}");
            }
            assert_eq!(run(103, v, 0), v.leading_zeros(), "clz {v:#x}");
            assert_eq!(run(104, v, 0), v.trailing_zeros(), "ctz {v:#x}");
            assert_eq!(run(105, v, 0), v.count_ones(), "popcnt {v:#x}");
        }
    }
}
