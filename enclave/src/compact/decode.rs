//! The compact core's decoder: takes an instruction's bytes from the fetch window, at most two
//! per cycle, and builds its opcode and immediate (combinational).
//!
//! Inputs: the window (`w0`, `w1`: the code words holding the next bytes, `v0`, `v1` whether
//! each is loaded), `off` (the next byte's offset in `w0`), and the decoder's state from
//! registers: `phase`, the immediate so far `acc`, the 7-bit groups in it `groups`, the
//! immediate's `kind` and the opcode `op_reg` (both saved in the opcode's cycle), and `free`
//! (the decoded-instruction register can take a record this cycle).
//!
//! Outputs: `consume` (0, 1 or 2 bytes taken this cycle), `done` (the instruction is complete:
//! `rec_op`, `rec_imm`), and the next `next_phase`, `next_acc`, `next_groups`, `next_kind`.
//!
//! Per cycle: the opcode with its first immediate byte (an opcode with a 1-byte LEB128
//! immediate, a block type or the zero byte of memory.size/grow decodes in one cycle), then one
//! byte per cycle (the rest of an immediate, a load's or store's offset after its alignment
//! byte, call_indirect's table byte). An immediate is cut off after 5 bytes (the image builder
//! never emits longer ones; random code then decodes to an unspecified value, as anywhere).
use rust_hdl::prelude::*;

/// Decoder phases (`phase`).
pub const PH_OP: u8 = 0;
pub const PH_LEB: u8 = 1;
pub const PH_SKIP: u8 = 2;
pub const PH_ALIGN: u8 = 3;

/// Immediate kinds (`kind`).
pub const K_NONE: u8 = 0;
/// One byte to skip: a block type, memory.size/grow's memory index.
pub const K_SKIP1: u8 = 1;
pub const K_LEBU: u8 = 2;
/// i32.const: a signed LEB128.
pub const K_LEBS: u8 = 3;
/// Loads and stores: the alignment byte, then the offset.
pub const K_MEM: u8 = 4;
/// call_indirect: the type index, then the table byte.
pub const K_CALLI: u8 = 5;

/// The immediate kind of opcode `op` (what [`Decoder`] computes in hardware).
pub fn kind_of(op: u8) -> u8 {
    match op {
        0x02..=0x04 | 0x3f | 0x40 => K_SKIP1,
        0x0c..=0x0e | 0x10 | 0x20..=0x24 => K_LEBU,
        0x11 => K_CALLI,
        0x28..=0x3e => K_MEM,
        0x41 => K_LEBS,
        _ => K_NONE,
    }
}

/// See the module documentation.
#[derive(LogicBlock, Default)]
pub struct Decoder {
    pub w0: Signal<In, Bits<32>>,
    pub w1: Signal<In, Bits<32>>,
    pub v0: Signal<In, Bit>,
    pub v1: Signal<In, Bit>,
    pub off: Signal<In, Bits<2>>,
    pub phase: Signal<In, Bits<2>>,
    pub acc: Signal<In, Bits<32>>,
    pub groups: Signal<In, Bits<3>>,
    pub kind: Signal<In, Bits<3>>,
    pub op_reg: Signal<In, Bits<8>>,
    pub free: Signal<In, Bit>,
    pub consume: Signal<Out, Bits<2>>,
    pub done: Signal<Out, Bit>,
    pub rec_op: Signal<Out, Bits<8>>,
    pub rec_imm: Signal<Out, Bits<32>>,
    pub next_phase: Signal<Out, Bits<2>>,
    pub next_acc: Signal<Out, Bits<32>>,
    pub next_groups: Signal<Out, Bits<3>>,
    pub next_kind: Signal<Out, Bits<3>>,
    win: Signal<Local, Bits<64>>,
    b0: Signal<Local, Bits<8>>,
    b1: Signal<Local, Bits<8>>,
    have0: Signal<Local, Bit>,
    have1: Signal<Local, Bit>,
    k: Signal<Local, Bits<3>>,
    /// The LEB128 byte of this cycle's group and its value at its place.
    lb: Signal<Local, Bits<8>>,
    placed: Signal<Local, Bits<32>>,
    fin: Signal<Local, Bit>,
    ext: Signal<Local, Bits<32>>,
}

impl Logic for Decoder {
    #[hdl_gen]
    fn update(&mut self) {
        self.win.next =
            bit_cast::<64, 32>(self.w0.val()) | (bit_cast::<64, 32>(self.w1.val()) << 32);
        self.b0.next =
            bit_cast::<8, 64>(self.win.val() >> (bit_cast::<64, 2>(self.off.val()) << 3));
        self.b1.next =
            bit_cast::<8, 64>(self.win.val() >> ((bit_cast::<64, 2>(self.off.val()) + 1) << 3));
        self.have0.next = self.v0.val() & self.free.val();
        self.have1.next = self.have0.val() & (self.v1.val() | (self.off.val() != 3));
        // Opcode classes by value (decimal patterns: rust-hdl's match arms).
        self.k.next = 0.into();
        if (self.b0.val() >= 2) & (self.b0.val() <= 4) {
            self.k.next = 1.into();
        }
        if (self.b0.val() == 63) | (self.b0.val() == 64) {
            self.k.next = 1.into();
        }
        if ((self.b0.val() >= 12) & (self.b0.val() <= 14))
            | (self.b0.val() == 16)
            | ((self.b0.val() >= 32) & (self.b0.val() <= 36))
        {
            self.k.next = 2.into();
        }
        if self.b0.val() == 17 {
            self.k.next = 5.into();
        }
        if (self.b0.val() >= 40) & (self.b0.val() <= 62) {
            self.k.next = 4.into();
        }
        if self.b0.val() == 65 {
            self.k.next = 3.into();
        }
        // The byte that carries a LEB128 group this cycle: b1 after the opcode, else b0.
        self.lb.next = self.b0.val();
        if self.phase.val() == 0 {
            self.lb.next = self.b1.val();
        }
        self.placed.next = bit_cast::<32, 8>(self.lb.val() & 127);
        match self.groups.val().index() {
            1 => {
                self.placed.next = bit_cast::<32, 8>(self.lb.val() & 127) << 7;
            }
            2 => {
                self.placed.next = bit_cast::<32, 8>(self.lb.val() & 127) << 14;
            }
            3 => {
                self.placed.next = bit_cast::<32, 8>(self.lb.val() & 127) << 21;
            }
            4 => {
                self.placed.next = bit_cast::<32, 8>(self.lb.val() & 127) << 28;
            }
            _ => {}
        }
        if self.phase.val() == 0 {
            self.placed.next = bit_cast::<32, 8>(self.lb.val() & 127);
        }
        // The group ends the immediate: its continuation bit is clear, or it is the fifth.
        self.fin.next = !self.lb.val().get_bit(7) | (self.groups.val() == 4);
        if self.phase.val() == 0 {
            self.fin.next = !self.b1.val().get_bit(7);
        }
        // i32.const: sign-extend from bit 6 of the last byte.
        self.ext.next = 0.into();
        if self.lb.val().get_bit(6) & !self.lb.val().get_bit(7) {
            match self.groups.val().index() {
                0 => {
                    self.ext.next = bits::<32>(4294967168u64);
                }
                1 => {
                    self.ext.next = bits::<32>(4294950912u64);
                }
                2 => {
                    self.ext.next = bits::<32>(4292870144u64);
                }
                3 => {
                    self.ext.next = bits::<32>(4026531840u64);
                }
                _ => {}
            }
        }
        if self.phase.val() == 0 {
            self.ext.next = 0.into();
            if self.b1.val().get_bit(6) & !self.b1.val().get_bit(7) {
                self.ext.next = bits::<32>(4294967168u64);
            }
        }

        // Defaults: nothing happens.
        self.consume.next = 0.into();
        self.done.next = false;
        self.rec_op.next = self.op_reg.val();
        self.rec_imm.next = self.acc.val();
        self.next_phase.next = self.phase.val();
        self.next_acc.next = self.acc.val();
        self.next_groups.next = self.groups.val();
        self.next_kind.next = self.kind.val();
        match self.phase.val().index() {
            0 => {
                // The opcode (and the first immediate byte, when it is in the window).
                self.rec_op.next = self.b0.val();
                self.rec_imm.next = 0.into();
                self.next_kind.next = self.k.val();
                self.next_acc.next = 0.into();
                self.next_groups.next = 0.into();
                if self.have0.val() {
                    self.consume.next = 1.into();
                    match self.k.val().index() {
                        0 => {
                            self.done.next = true;
                        }
                        1 => {
                            if self.have1.val() {
                                self.consume.next = 2.into();
                                self.done.next = true;
                            } else {
                                self.next_phase.next = 2.into();
                            }
                        }
                        4 => {
                            if self.have1.val() {
                                self.consume.next = 2.into();
                            }
                            self.next_phase.next = 3.into();
                            if self.have1.val() {
                                self.next_phase.next = 1.into();
                            }
                        }
                        _ => {
                            // LEB128: unsigned, signed, call_indirect's type index.
                            self.next_phase.next = 1.into();
                            if self.have1.val() {
                                self.consume.next = 2.into();
                                self.next_acc.next = self.placed.val();
                                self.next_groups.next = 1.into();
                                if self.fin.val() {
                                    self.next_phase.next = 0.into();
                                    self.rec_imm.next = self.placed.val();
                                    if self.k.val() == 3 {
                                        self.rec_imm.next = self.placed.val() | self.ext.val();
                                    }
                                    if self.k.val() == 5 {
                                        self.next_phase.next = 2.into();
                                    } else {
                                        self.done.next = true;
                                    }
                                }
                            }
                        }
                    }
                }
            }
            1 => {
                // One more LEB128 group.
                if self.have0.val() {
                    self.consume.next = 1.into();
                    self.next_acc.next = self.acc.val() | self.placed.val();
                    self.next_groups.next = self.groups.val() + 1;
                    if self.fin.val() {
                        self.next_phase.next = 0.into();
                        self.rec_imm.next = self.acc.val() | self.placed.val();
                        if self.kind.val() == 3 {
                            self.rec_imm.next =
                                (self.acc.val() | self.placed.val()) | self.ext.val();
                        }
                        if self.kind.val() == 5 {
                            self.next_phase.next = 2.into();
                        } else {
                            self.done.next = true;
                        }
                    }
                }
            }
            2 => {
                // A byte to skip, then the instruction is complete.
                if self.have0.val() {
                    self.consume.next = 1.into();
                    self.next_phase.next = 0.into();
                    self.done.next = true;
                }
            }
            _ => {
                // A load's or store's alignment byte, then its offset.
                if self.have0.val() {
                    self.consume.next = 1.into();
                    self.next_phase.next = 1.into();
                }
            }
        }
    }
}
