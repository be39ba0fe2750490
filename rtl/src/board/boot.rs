//! The boot sequencer: a board has no host to load it, so a program of loader operations in a
//! read-only memory (the boot ROM) loads every enclave's image and c-list through the
//! cluster's privileged loader port and starts the enclaves, as the Verilator harness does
//! from the host (testbench/src/cluster.rs).
//!
//! # Boot program (16-bit words; [`encode`] writes it, [`BootOp`] is the one table)
//! A header word `op << 12 | arg`, then the op's payload words:
//!
//! | op | name | arg | payload |
//! | --- | --- | --- | --- |
//! | 0 | END | | boot is done |
//! | 1 | SELECT | node `[5:0]` | |
//! | 2 | LOAD64 | target `[3:0]`, addr `[23:16]` in `[11:4]` | addr `[15:0]`, data in four words, low first |
//! | 3 | CONFIG | c-list slot `[3:0]` | entry `[15:0]`, entry `[24:16]` |
//! | 4 | START | | function, stack pointer |
//! | 5 | WAIT | | (until the node is idle; a trap there fails the boot) |
//! | 6 | LOAD32 | as LOAD64 | addr `[15:0]`, data `[15:0]`, data `[31:16]` |
//!
//! An unknown op fails the boot.
//!
//! # Ports (synchronous to `clock`)
//! - `rom_addr` → `rom_data` one cycle later: the boot ROM.
//! - To the cluster's loader port: `sel`, `ld_*`, `cfg_*` (waits for `cfg_ready`), `start*`;
//!   from it `busy` and `trapped`, one bit per node.
//! - `done`: the program has ended; `failed`: it ended at a WAIT whose node trapped, or at an
//!   unknown op (`sel` then names the node).
//!
//! Each program word takes two cycles (fetch, read); a load or a start one more.
use castle_enclave::core::enclave::LoadTarget;
use castle_enclave::core::load::Load;
use rust_hdl::prelude::*;

/// One operation of a boot program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BootOp {
    End,
    Select(u8),
    /// A write of the loader port (LOAD32 when `data` fits 32 bits, else LOAD64).
    Load(Load),
    Config {
        slot: u8,
        entry: u32,
    },
    Start {
        func: u16,
        sp: u16,
    },
    Wait,
}

/// A boot program that cannot be encoded.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    #[error("node {0} is beyond the 64 the loader port can select")]
    Node(u8),
    #[error("load address {0:#x} does not fit the loader's 24 bits")]
    Address(u32),
    #[error("c-list slot {0} does not exist (16 slots)")]
    Slot(u8),
    #[error("c-list entry {0:#x} does not fit 25 bits")]
    Entry(u32),
    #[error("the boot program needs {need} words; the boot ROM holds {limit}")]
    TooBig { need: usize, limit: usize },
}

/// The words of `ops` (an END is appended when the last op is not one).
pub fn encode(ops: &[BootOp]) -> Result<Vec<u16>, EncodeError> {
    let mut w = Vec::new();
    for op in ops {
        match *op {
            BootOp::End => w.push(0),
            BootOp::Select(node) => {
                if node >= 64 {
                    return Err(EncodeError::Node(node));
                }
                w.push(1 << 12 | node as u16);
            }
            BootOp::Load(Load { target, addr, data }) => {
                if addr >= 1 << 24 {
                    return Err(EncodeError::Address(addr));
                }
                let op = if data >> 32 == 0 { 6 } else { 2 };
                w.push(op << 12 | ((addr >> 16) as u16) << 4 | target as u16);
                w.push(addr as u16);
                let words = if op == 6 { 2 } else { 4 };
                w.extend((0..words).map(|k| (data >> (16 * k)) as u16));
            }
            BootOp::Config { slot, entry } => {
                if slot >= 16 {
                    return Err(EncodeError::Slot(slot));
                }
                if entry >= 1 << 25 {
                    return Err(EncodeError::Entry(entry));
                }
                w.extend([3 << 12 | slot as u16, entry as u16, (entry >> 16) as u16]);
            }
            BootOp::Start { func, sp } => w.extend([4 << 12, func, sp]),
            BootOp::Wait => w.push(5 << 12),
        }
    }
    if ops.last() != Some(&BootOp::End) {
        w.push(0);
    }
    Ok(w)
}

/// The loader port's `ld_target` code of `t`.
pub fn target_code(t: LoadTarget) -> u16 {
    t as u16
}

/// Sequencer states.
#[derive(Copy, Clone, PartialEq, Debug, LogicState)]
pub enum Boot {
    /// `rom_addr` shows `pc`; its word arrives next cycle.
    Fetch,
    /// The word at `pc` is on `rom_data`.
    Read,
    /// Carry out the operation in `hdr`.
    Exec,
    Done,
    Failed,
}

/// The sequencer; see the module documentation.
#[derive(LogicBlock)]
pub struct BootSeq<const ROM_A: usize> {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    pub rom_addr: Signal<Out, Bits<ROM_A>>,
    pub rom_data: Signal<In, Bits<16>>,
    pub sel: Signal<Out, Bits<6>>,
    pub ld_valid: Signal<Out, Bit>,
    pub ld_target: Signal<Out, Bits<4>>,
    pub ld_addr: Signal<Out, Bits<24>>,
    pub ld_data: Signal<Out, Bits<64>>,
    pub cfg_valid: Signal<Out, Bit>,
    pub cfg_slot: Signal<Out, Bits<4>>,
    pub cfg_entry: Signal<Out, Bits<25>>,
    pub cfg_ready: Signal<In, Bit>,
    pub start: Signal<Out, Bit>,
    pub start_func: Signal<Out, Bits<16>>,
    pub start_sp: Signal<Out, Bits<16>>,
    pub busy: Signal<In, Bits<64>>,
    pub trapped: Signal<In, Bits<64>>,
    pub done: Signal<Out, Bit>,
    pub failed: Signal<Out, Bit>,
    state: DFF<Boot>,
    pc: DFF<Bits<ROM_A>>,
    /// The current op's header word.
    hdr: DFF<Bits<16>>,
    /// Payload words still to read.
    need: DFF<Bits<3>>,
    /// Payload words, the latest in `[79:64]`.
    acc: DFF<Bits<80>>,
    node: DFF<Bits<6>>,
    op: Signal<Local, Bits<4>>,
    word_op: Signal<Local, Bits<4>>,
    word_need: Signal<Local, Bits<3>>,
    node_hot: Signal<Local, Bits<64>>,
    node_busy: Signal<Local, Bit>,
    node_trapped: Signal<Local, Bit>,
}

impl<const ROM_A: usize> Default for BootSeq<ROM_A> {
    fn default() -> Self {
        BootSeq {
            clock: Default::default(),
            reset: Default::default(),
            rom_addr: Default::default(),
            rom_data: Default::default(),
            sel: Default::default(),
            ld_valid: Default::default(),
            ld_target: Default::default(),
            ld_addr: Default::default(),
            ld_data: Default::default(),
            cfg_valid: Default::default(),
            cfg_slot: Default::default(),
            cfg_entry: Default::default(),
            cfg_ready: Default::default(),
            start: Default::default(),
            start_func: Default::default(),
            start_sp: Default::default(),
            busy: Default::default(),
            trapped: Default::default(),
            done: Default::default(),
            failed: Default::default(),
            state: Default::default(),
            pc: Default::default(),
            hdr: Default::default(),
            need: Default::default(),
            acc: Default::default(),
            node: Default::default(),
            op: Default::default(),
            word_op: Default::default(),
            word_need: Default::default(),
            node_hot: Default::default(),
            node_busy: Default::default(),
            node_trapped: Default::default(),
        }
    }
}

impl<const ROM_A: usize> Logic for BootSeq<ROM_A> {
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(self, clock, state, pc, hdr, need, acc, node);
        self.rom_addr.next = self.pc.q.val();
        self.op.next = self.hdr.q.val().get_bits::<4>(12);
        self.word_op.next = self.rom_data.val().get_bits::<4>(12);
        // Payload words of the op in `rom_data` (LOAD64 5, CONFIG 2, START 2, LOAD32 3).
        self.word_need.next = bits::<3>(0);
        match self.word_op.val().index() {
            2 => self.word_need.next = bits::<3>(5),
            3 => self.word_need.next = bits::<3>(2),
            4 => self.word_need.next = bits::<3>(2),
            6 => self.word_need.next = bits::<3>(3),
            _ => {}
        }
        self.node_hot.next = bits::<64>(1) << bit_cast::<64, 6>(self.node.q.val());
        self.node_busy.next = (self.busy.val() & self.node_hot.val()).any();
        self.node_trapped.next = (self.trapped.val() & self.node_hot.val()).any();

        self.sel.next = self.node.q.val();
        self.ld_target.next = self.hdr.q.val().get_bits::<4>(0);
        self.cfg_slot.next = self.hdr.q.val().get_bits::<4>(0);
        // LOAD64 payload: addr, d0, d1, d2, d3 (acc [15:0] .. [79:64]); LOAD32: addr, d0, d1
        // ([47:32], [63:48], [79:64]).
        self.ld_addr.next = (bit_cast::<24, 8>(self.hdr.q.val().get_bits::<8>(4)) << 16)
            | bit_cast::<24, 16>(self.acc.q.val().get_bits::<16>(32));
        self.ld_data.next = bit_cast::<64, 32>(self.acc.q.val().get_bits::<32>(48));
        if self.op.val() == bits::<4>(2) {
            self.ld_addr.next = (bit_cast::<24, 8>(self.hdr.q.val().get_bits::<8>(4)) << 16)
                | bit_cast::<24, 16>(self.acc.q.val().get_bits::<16>(0));
            self.ld_data.next = self.acc.q.val().get_bits::<64>(16);
        }
        // CONFIG and START payloads: two words, [63:48] then [79:64].
        self.cfg_entry.next = self.acc.q.val().get_bits::<25>(48);
        self.start_func.next = self.acc.q.val().get_bits::<16>(48);
        self.start_sp.next = self.acc.q.val().get_bits::<16>(64);
        self.ld_valid.next = false;
        self.cfg_valid.next = false;
        self.start.next = false;
        self.done.next = (self.state.q.val() == Boot::Done) | (self.state.q.val() == Boot::Failed);
        self.failed.next = self.state.q.val() == Boot::Failed;

        match self.state.q.val() {
            Boot::Fetch => self.state.d.next = Boot::Read,
            Boot::Read => {
                self.pc.d.next = self.pc.q.val() + 1;
                self.state.d.next = Boot::Fetch;
                if self.need.q.val() == bits::<3>(0) {
                    self.hdr.d.next = self.rom_data.val();
                    self.need.d.next = self.word_need.val();
                    if self.word_need.val() == bits::<3>(0) {
                        self.state.d.next = Boot::Exec;
                    }
                } else {
                    self.acc.d.next =
                        (self.acc.q.val() >> 16) | (bit_cast::<80, 16>(self.rom_data.val()) << 64);
                    self.need.d.next = self.need.q.val() - 1;
                    if self.need.q.val() == bits::<3>(1) {
                        self.state.d.next = Boot::Exec;
                    }
                }
            }
            Boot::Exec => {
                self.state.d.next = Boot::Fetch;
                match self.op.val().index() {
                    0 => self.state.d.next = Boot::Done,
                    1 => self.node.d.next = self.hdr.q.val().get_bits::<6>(0),
                    2 => self.ld_valid.next = true,
                    6 => self.ld_valid.next = true,
                    3 => {
                        self.cfg_valid.next = true;
                        if !self.cfg_ready.val() {
                            self.state.d.next = Boot::Exec;
                        }
                    }
                    4 => self.start.next = true,
                    5 => {
                        if self.node_busy.val() {
                            self.state.d.next = Boot::Exec;
                        } else if self.node_trapped.val() {
                            self.state.d.next = Boot::Failed;
                        }
                    }
                    _ => self.state.d.next = Boot::Failed,
                }
            }
            Boot::Done => {}
            Boot::Failed => {}
        }
        if self.reset.val() {
            self.state.d.next = Boot::Fetch;
            self.pc.d.next = 0.into();
            self.need.d.next = 0.into();
            self.node.d.next = 0.into();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_follows_the_table() {
        let load = |target, addr, data| BootOp::Load(Load { target, addr, data });
        let ops = [
            BootOp::Select(5),
            load(LoadTarget::Code, 0x12_3456, 0xdead_beef),
            load(LoadTarget::Regs, 4, (1 << 48) - 1),
            BootOp::Config {
                slot: 3,
                entry: 0x1ab_cdef,
            },
            BootOp::Start { func: 7, sp: 9 },
            BootOp::Wait,
        ];
        assert_eq!(
            encode(&ops).unwrap(),
            [
                0x1005, 0x6120, 0x3456, 0xbeef, 0xdead, 0x2007, 0x0004, 0xffff, 0xffff, 0xffff,
                0x0000, 0x3003, 0xcdef, 0x01ab, 0x4000, 7, 9, 0x5000, 0
            ]
        );
        assert_eq!(encode(&[BootOp::Select(64)]), Err(EncodeError::Node(64)));
        assert_eq!(
            encode(&[load(LoadTarget::Code, 1 << 24, 0)]),
            Err(EncodeError::Address(1 << 24))
        );
    }
}
