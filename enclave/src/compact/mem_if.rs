//! The compact core's linear-memory interface (combinational): the access size of a load or
//! store opcode, the byte funnel that reads an unaligned word out of two memory words, the
//! narrow-load extension, and the rotation and byte lanes that write a value at any offset.
//!
//! Memory is 32 bits wide with byte enables. An access of `size` bytes at byte offset `off`
//! spans two words when `off + size > 4`: the core reads (or writes) the second word a cycle
//! later. Any other opcode is a whole-word access: a capability call's sent word is funnelled
//! out of two memory words, a received word is rotated into two.
//!
//! Ports:
//! - `op`: the Wasm opcode (i32.load 0x28, load8_s/u 0x2c/0x2d, load16_s/u 0x2e/0x2f,
//!   store 0x36, store8 0x3a, store16 0x3b; anything else is a whole word).
//! - `off`: the access's byte offset in its first word.
//! - `lo`, `hi`: the first and second memory words of a read; `raw` the four bytes at `off`,
//!   `value` them extended as the load asks (one cycle-free path from read data to `tos`).
//! - `st_in`: the value to write; `st_data` it rotated to `off`; `lanes` the byte enables of
//!   the first word in bits 3:0 and of the second in 7:4.
//! - `size`: bytes of the access (1, 2 or 4); `spans`: it touches two words.
use rust_hdl::prelude::*;

/// See the module documentation.
#[derive(LogicBlock, Default)]
pub struct MemIf {
    pub op: Signal<In, Bits<8>>,
    pub off: Signal<In, Bits<2>>,
    pub lo: Signal<In, Bits<32>>,
    pub hi: Signal<In, Bits<32>>,
    pub st_in: Signal<In, Bits<32>>,
    pub size: Signal<Out, Bits<3>>,
    pub spans: Signal<Out, Bit>,
    pub raw: Signal<Out, Bits<32>>,
    pub value: Signal<Out, Bits<32>>,
    pub st_data: Signal<Out, Bits<32>>,
    pub lanes: Signal<Out, Bits<8>>,
    sz: Signal<Local, Bits<3>>,
    keep: Signal<Local, Bits<32>>,
    sign: Signal<Local, Bit>,
}

impl Logic for MemIf {
    #[hdl_gen]
    fn update(&mut self) {
        self.sz.next = 4.into();
        if (self.op.val() == 44) | (self.op.val() == 45) | (self.op.val() == 58) {
            self.sz.next = 1.into();
        }
        if (self.op.val() == 46) | (self.op.val() == 47) | (self.op.val() == 59) {
            self.sz.next = 2.into();
        }
        self.size.next = self.sz.val();
        self.spans.next = (bit_cast::<4, 2>(self.off.val()) + bit_cast::<4, 3>(self.sz.val())) > 4;
        // The funnel: four bytes at `off` out of `lo` and `hi`.
        self.raw.next = self.lo.val();
        match self.off.val().index() {
            1 => {
                self.raw.next = (self.lo.val() >> 8) | (self.hi.val() << 24);
            }
            2 => {
                self.raw.next = (self.lo.val() >> 16) | (self.hi.val() << 16);
            }
            3 => {
                self.raw.next = (self.lo.val() >> 24) | (self.hi.val() << 8);
            }
            _ => {}
        }
        // Narrow loads keep `size` bytes and fill the rest with zeros or the sign.
        self.keep.next = bits::<32>(4294967295u64);
        if self.sz.val() == 1 {
            self.keep.next = 255.into();
        }
        if self.sz.val() == 2 {
            self.keep.next = 65535.into();
        }
        self.sign.next = ((self.op.val() == 44) & self.raw.val().get_bit(7))
            | ((self.op.val() == 46) & self.raw.val().get_bit(15));
        self.value.next = self.raw.val() & self.keep.val();
        if self.sign.val() {
            self.value.next = self.raw.val() | !self.keep.val();
        }
        // Writes: the value rotated to `off`, and its lanes.
        self.st_data.next = self.st_in.val();
        match self.off.val().index() {
            1 => {
                self.st_data.next = (self.st_in.val() << 8) | (self.st_in.val() >> 24);
            }
            2 => {
                self.st_data.next = (self.st_in.val() << 16) | (self.st_in.val() >> 16);
            }
            3 => {
                self.st_data.next = (self.st_in.val() << 24) | (self.st_in.val() >> 8);
            }
            _ => {}
        }
        self.lanes.next = bits::<8>(15) << bit_cast::<8, 2>(self.off.val());
        if self.sz.val() == 1 {
            self.lanes.next = bits::<8>(1) << bit_cast::<8, 2>(self.off.val());
        }
        if self.sz.val() == 2 {
            self.lanes.next = bits::<8>(3) << bit_cast::<8, 2>(self.off.val());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Evaluate the block once (it is combinational).
    fn eval(op: u8, off: u8, lo: u32, hi: u32, st_in: u32) -> MemIf {
        let mut m = MemIf::default();
        m.connect_all();
        m.op.next = (op as u64).into();
        m.off.next = (off as u64).into();
        m.lo.next = (lo as u64).into();
        m.hi.next = (hi as u64).into();
        m.st_in.next = (st_in as u64).into();
        for _ in 0..4 {
            m.update_all();
        }
        m
    }

    fn bytes(m: &MemIf) -> (u32, u32, u32, u8) {
        (
            m.raw.val().index() as u32,
            m.value.val().index() as u32,
            m.st_data.val().index() as u32,
            m.lanes.val().index() as u8,
        )
    }

    #[test]
    fn loads_match_little_endian_bytes() {
        let (lo, hi) = (0x8877_6655u32, 0x44cc_bbaau32);
        let mem: Vec<u8> = lo
            .to_le_bytes()
            .into_iter()
            .chain(hi.to_le_bytes())
            .collect();
        for off in 0..4u8 {
            let w = u32::from_le_bytes(mem[off as usize..off as usize + 4].try_into().unwrap());
            for (op, want) in [
                (40u8, w),
                (44, w as u8 as i8 as i32 as u32),
                (45, w as u8 as u32),
                (46, w as u16 as i16 as i32 as u32),
                (47, w as u16 as u32),
            ] {
                let m = eval(op, off, lo, hi, 0);
                assert_eq!(bytes(&m).1, want, "op {op} off {off}");
                let size = [4, 0, 0, 0, 1, 1, 2, 2][(op - 40) as usize];
                assert_eq!(m.size.val().index(), size);
                assert_eq!(m.spans.val(), off as usize + size > 4);
            }
            // Any other opcode (a capability call's) reads a whole word.
            assert_eq!(bytes(&eval(16, off, lo, hi, 0)).1, w);
        }
    }

    #[test]
    fn stores_rotate_to_their_lanes() {
        for off in 0..4u32 {
            for (op, size) in [(54u8, 4u32), (58, 1), (59, 2)] {
                let v = 0xa1b2_c3d4u32;
                let m = eval(op, off as u8, 0, 0, v);
                let (_, _, data, lanes) = bytes(&m);
                // Write the lanes of both words into eight bytes and read the value back.
                let mut mem = [0u8; 8];
                let (d0, d1) = (data.to_le_bytes(), data.to_le_bytes());
                for i in 0..4 {
                    if lanes & (1 << i) != 0 {
                        mem[i] = d0[i];
                    }
                    if lanes & (16 << i) != 0 {
                        mem[4 + i] = d1[i];
                    }
                }
                let mut want = [0u8; 8];
                want[off as usize..(off + size) as usize]
                    .copy_from_slice(&v.to_le_bytes()[..size as usize]);
                assert_eq!(mem, want, "op {op} off {off}");
            }
        }
    }
}
