//! The single-cycle i32 operations: comparisons, add/sub, bitwise, shifts, rotates, eqz,
//! clz, ctz, popcnt.
//!
//! Combinational. `op` is the Wasm opcode; binary operations compute `a op b` (`a` is the
//! deeper operand, NOS), unary ones (`eqz`, `clz`, `ctz`, `popcnt`) use `b` (TOS). Any other
//! opcode gives 0. Multiplication and division are multi-cycle (`muldiv.rs`).
//! clz and ctz share the popcount: `clz(a) = popcnt(!smear(a))`, `ctz(a) = popcnt((a & -a) - 1)`.
use rust_hdl::prelude::*;

#[derive(LogicBlock, Default)]
pub struct Alu {
    pub op: Signal<In, Bits<8>>,
    pub a: Signal<In, Bits<32>>,
    pub b: Signal<In, Bits<32>>,
    pub result: Signal<Out, Bits<32>>,
    amount: Signal<Local, Bits<32>>,
    sa: Signal<Local, Bits<32>>,
    sb: Signal<Local, Bits<32>>,
    smear1: Signal<Local, Bits<32>>,
    smear2: Signal<Local, Bits<32>>,
    smear3: Signal<Local, Bits<32>>,
    smear4: Signal<Local, Bits<32>>,
    smear5: Signal<Local, Bits<32>>,
    pop_in: Signal<Local, Bits<32>>,
    pop1: Signal<Local, Bits<32>>,
    pop2: Signal<Local, Bits<32>>,
    pop3: Signal<Local, Bits<32>>,
    pop4: Signal<Local, Bits<32>>,
    pop5: Signal<Local, Bits<32>>,
}

impl Logic for Alu {
    #[hdl_gen]
    fn update(&mut self) {
        self.amount.next = self.b.val() & 31;
        // Signed comparison = unsigned comparison with the sign bits flipped.
        self.sa.next = self.a.val() ^ bits::<32>(2147483648u64);
        self.sb.next = self.b.val() ^ bits::<32>(2147483648u64);
        self.smear1.next = self.b.val() | (self.b.val() >> 1);
        self.smear2.next = self.smear1.val() | (self.smear1.val() >> 2);
        self.smear3.next = self.smear2.val() | (self.smear2.val() >> 4);
        self.smear4.next = self.smear3.val() | (self.smear3.val() >> 8);
        self.smear5.next = self.smear4.val() | (self.smear4.val() >> 16);
        self.pop_in.next = self.b.val();
        if self.op.val() == 103 {
            // clz
            self.pop_in.next = !self.smear5.val();
        }
        if self.op.val() == 104 {
            // ctz
            self.pop_in.next = (self.b.val() & (bits::<32>(0) - self.b.val())) - 1;
        }
        self.pop1.next = self.pop_in.val() - ((self.pop_in.val() >> 1) & 1431655765);
        self.pop2.next = (self.pop1.val() & 858993459) + ((self.pop1.val() >> 2) & 858993459);
        self.pop3.next = (self.pop2.val() + (self.pop2.val() >> 4)) & 252645135;
        self.pop4.next = self.pop3.val() + (self.pop3.val() >> 8);
        self.pop5.next = (self.pop4.val() + (self.pop4.val() >> 16)) & 63;
        self.result.next = 0.into();
        match self.op.val().index() {
            69 => {
                // eqz
                if self.b.val() == 0 {
                    self.result.next = 1.into();
                }
            }
            70 => {
                // eq
                if self.a.val() == self.b.val() {
                    self.result.next = 1.into();
                }
            }
            71 => {
                // ne
                if self.a.val() != self.b.val() {
                    self.result.next = 1.into();
                }
            }
            72 => {
                // lt_s
                if self.sa.val() < self.sb.val() {
                    self.result.next = 1.into();
                }
            }
            73 => {
                // lt_u
                if self.a.val() < self.b.val() {
                    self.result.next = 1.into();
                }
            }
            74 => {
                // gt_s
                if self.sa.val() > self.sb.val() {
                    self.result.next = 1.into();
                }
            }
            75 => {
                // gt_u
                if self.a.val() > self.b.val() {
                    self.result.next = 1.into();
                }
            }
            76 => {
                // le_s
                if self.sa.val() <= self.sb.val() {
                    self.result.next = 1.into();
                }
            }
            77 => {
                // le_u
                if self.a.val() <= self.b.val() {
                    self.result.next = 1.into();
                }
            }
            78 => {
                // ge_s
                if self.sa.val() >= self.sb.val() {
                    self.result.next = 1.into();
                }
            }
            79 => {
                // ge_u
                if self.a.val() >= self.b.val() {
                    self.result.next = 1.into();
                }
            }
            103 => {
                // clz
                self.result.next = self.pop5.val();
            }
            104 => {
                // ctz
                self.result.next = self.pop5.val();
            }
            105 => {
                // popcnt
                self.result.next = self.pop5.val();
            }
            106 => {
                // add
                self.result.next = self.a.val() + self.b.val();
            }
            107 => {
                // sub
                self.result.next = self.a.val() - self.b.val();
            }
            113 => {
                // and
                self.result.next = self.a.val() & self.b.val();
            }
            114 => {
                // or
                self.result.next = self.a.val() | self.b.val();
            }
            115 => {
                // xor
                self.result.next = self.a.val() ^ self.b.val();
            }
            116 => {
                // shl
                self.result.next = self.a.val() << self.amount.val();
            }
            117 => {
                // shr_s
                self.result.next = self.a.val() >> self.amount.val();
                if self.a.val().get_bit(31) {
                    self.result.next = (self.a.val() >> self.amount.val())
                        | !(!bits::<32>(0) >> self.amount.val());
                }
            }
            118 => {
                // shr_u
                self.result.next = self.a.val() >> self.amount.val();
            }
            119 => {
                // rotl
                self.result.next = self.a.val();
                if self.amount.val() != 0 {
                    self.result.next = (self.a.val() << self.amount.val())
                        | (self.a.val() >> (bits::<32>(32) - self.amount.val()));
                }
            }
            120 => {
                // rotr
                self.result.next = self.a.val();
                if self.amount.val() != 0 {
                    self.result.next = (self.a.val() >> self.amount.val())
                        | (self.a.val() << (bits::<32>(32) - self.amount.val()));
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    /// Reference semantics (as the model's).
    fn reference(op: u8, a: u32, b: u32) -> u32 {
        let (sa, sb) = (a as i32, b as i32);
        match op {
            0x45 => (b == 0) as u32,
            0x46 => (a == b) as u32,
            0x47 => (a != b) as u32,
            0x48 => (sa < sb) as u32,
            0x49 => (a < b) as u32,
            0x4a => (sa > sb) as u32,
            0x4b => (a > b) as u32,
            0x4c => (sa <= sb) as u32,
            0x4d => (a <= b) as u32,
            0x4e => (sa >= sb) as u32,
            0x4f => (a >= b) as u32,
            0x67 => b.leading_zeros(),
            0x68 => b.trailing_zeros(),
            0x69 => b.count_ones(),
            0x6a => a.wrapping_add(b),
            0x6b => a.wrapping_sub(b),
            0x71 => a & b,
            0x72 => a | b,
            0x73 => a ^ b,
            0x74 => a.wrapping_shl(b),
            0x75 => sa.wrapping_shr(b) as u32,
            0x76 => a.wrapping_shr(b),
            0x77 => a.rotate_left(b % 32),
            0x78 => a.rotate_right(b % 32),
            _ => 0,
        }
    }

    #[test]
    fn every_op_matches_the_reference() {
        let mut alu = Alu::default();
        alu.connect_all();
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let ops: Vec<u8> = (0x45..=0x4f)
            .chain(0x67..=0x6b)
            .chain(0x71..=0x78)
            .collect();
        let special = [0u32, 1, 31, 32, 0x8000_0000, 0x7fff_ffff, u32::MAX, 0x10];
        for i in 0..6000 {
            let op = ops[i % ops.len()];
            let pick = |rng: &mut rand::rngs::StdRng| match rng.gen_range(0..3) {
                0 => special[rng.gen_range(0..special.len())],
                1 => rng.gen_range(0..64),
                _ => rng.gen(),
            };
            let (a, b) = (pick(&mut rng), pick(&mut rng));
            alu.op.next = (op as u64).to_bits();
            alu.a.next = (a as u64).to_bits();
            alu.b.next = (b as u64).to_bits();
            assert!(simulate(&mut alu, 100));
            assert_eq!(
                alu.result.val().to_u64() as u32,
                reference(op, a, b),
                "op {op:#x} a {a:#x} b {b:#x}"
            );
        }
    }
}
