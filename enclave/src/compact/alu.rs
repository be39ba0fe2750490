//! The compact core's ALU: `a op b` for i32 add, sub, and, or, xor and the ten comparisons,
//! and `eqz b` (combinational; `a` is the next-on-stack, `b` the top of stack).
//!
//! One 33-bit adder serves add, sub and every ordered comparison: `a - b` on 33 bits has its
//! top bit set exactly when `a < b` unsigned, and the signed comparisons flip both sign bits first (which turns a signed
//! order into an unsigned one). Equality is a zero test of `a ^ b`. Shifts, rotates, bit
//! counts, multiplication and division are multi-cycle units elsewhere.
use rust_hdl::prelude::*;

/// See the module documentation.
#[derive(LogicBlock, Default)]
pub struct Alu {
    pub op: Signal<In, Bits<8>>,
    pub a: Signal<In, Bits<32>>,
    pub b: Signal<In, Bits<32>>,
    pub result: Signal<Out, Bits<32>>,
    is_signed: Signal<Local, Bit>,
    sub: Signal<Local, Bit>,
    aa: Signal<Local, Bits<33>>,
    bb: Signal<Local, Bits<33>>,
    sum: Signal<Local, Bits<33>>,
    lt: Signal<Local, Bit>,
    eq: Signal<Local, Bit>,
    x: Signal<Local, Bits<32>>,
}

impl Logic for Alu {
    // hdl_gen drops match guards silently (docs/verilog-export.md).
    #[allow(clippy::collapsible_match)]
    #[hdl_gen]
    fn update(&mut self) {
        // lt_s 72, gt_s 74, le_s 76, ge_s 78: flip the sign bits.
        self.is_signed.next = (self.op.val() == 72)
            | (self.op.val() == 74)
            | (self.op.val() == 76)
            | (self.op.val() == 78);
        self.sub.next = self.op.val() != 106;
        self.aa.next = bit_cast::<33, 32>(self.a.val());
        self.bb.next = bit_cast::<33, 32>(self.b.val());
        if self.is_signed.val() {
            self.aa.next = bit_cast::<33, 32>(self.a.val() ^ bits::<32>(2147483648u64));
            self.bb.next = bit_cast::<33, 32>(self.b.val() ^ bits::<32>(2147483648u64));
        }
        if self.sub.val() {
            self.sum.next = self.aa.val() + (self.bb.val() ^ bits::<33>(8589934591u64)) + 1;
        } else {
            self.sum.next = self.aa.val() + self.bb.val();
        }
        // a < b: a - b on 33 bits wraps below zero (its 33rd bit is set).
        self.lt.next = self.sum.val().get_bit(32);
        self.x.next = self.a.val() ^ self.b.val();
        self.eq.next = self.x.val() == 0;
        self.result.next = 0.into();
        match self.op.val().index() {
            69 => {
                // eqz
                if self.b.val() == 0 {
                    self.result.next = 1.into();
                }
            }
            70 => {
                if self.eq.val() {
                    self.result.next = 1.into();
                }
            }
            71 => {
                if !self.eq.val() {
                    self.result.next = 1.into();
                }
            }
            72 => {
                if self.lt.val() {
                    self.result.next = 1.into();
                }
            }
            73 => {
                if self.lt.val() {
                    self.result.next = 1.into();
                }
            }
            74 => {
                if !self.lt.val() & !self.eq.val() {
                    self.result.next = 1.into();
                }
            }
            75 => {
                if !self.lt.val() & !self.eq.val() {
                    self.result.next = 1.into();
                }
            }
            76 => {
                if self.lt.val() | self.eq.val() {
                    self.result.next = 1.into();
                }
            }
            77 => {
                if self.lt.val() | self.eq.val() {
                    self.result.next = 1.into();
                }
            }
            78 => {
                if !self.lt.val() {
                    self.result.next = 1.into();
                }
            }
            79 => {
                if !self.lt.val() {
                    self.result.next = 1.into();
                }
            }
            106 => {
                self.result.next = bit_cast::<32, 33>(self.sum.val());
            }
            107 => {
                self.result.next = bit_cast::<32, 33>(self.sum.val());
            }
            113 => {
                self.result.next = self.a.val() & self.b.val();
            }
            114 => {
                self.result.next = self.a.val() | self.b.val();
            }
            115 => {
                self.result.next = self.x.val();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alu(op: u8, a: u32, b: u32) -> u32 {
        let mut u = Alu::default();
        u.connect_all();
        u.op.next = (op as u64).to_bits();
        u.a.next = (a as u64).to_bits();
        u.b.next = (b as u64).to_bits();
        assert!(simulate(&mut u, 10));
        u.result.val().to_u64() as u32
    }

    /// Against the software model's definitions on edge values.
    #[test]
    fn matches_the_model() {
        let vals = [
            0u32,
            1,
            2,
            0x7fff_ffff,
            0x8000_0000,
            0x8000_0001,
            0xffff_fffe,
            0xffff_ffff,
            12345,
        ];
        for op in [
            69u8, 70, 71, 72, 73, 74, 75, 76, 77, 78, 79, 106, 107, 113, 114, 115,
        ] {
            for &a in &vals {
                for &b in &vals {
                    let (sa, sb) = (a as i32, b as i32);
                    let want = match op {
                        69 => (b == 0) as u32,
                        70 => (a == b) as u32,
                        71 => (a != b) as u32,
                        72 => (sa < sb) as u32,
                        73 => (a < b) as u32,
                        74 => (sa > sb) as u32,
                        75 => (a > b) as u32,
                        76 => (sa <= sb) as u32,
                        77 => (a <= b) as u32,
                        78 => (sa >= sb) as u32,
                        79 => (a >= b) as u32,
                        106 => a.wrapping_add(b),
                        107 => a.wrapping_sub(b),
                        113 => a & b,
                        114 => a | b,
                        _ => a ^ b,
                    };
                    assert_eq!(alu(op, a, b), want, "op {op} {a:#x} {b:#x}");
                }
            }
        }
    }
}
