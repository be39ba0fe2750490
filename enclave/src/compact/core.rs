//! The compact enclave core: the image contract of [`crate::image`] on three single-ported
//! memories and a 32-bit datapath with one ALU adder, decoding a cycle ahead of execution.
//!
//! # Ports
//! The same as the fast core's ([`crate::core::enclave`]): `start`, `start_func`, `start_sp`,
//! the load and peek ports, `busy`, `trap_*`, `result`, `retire`/`retire_op`, `net_present`,
//! the NI's enclave side (`ni_*`), `waiting`, `abi_event`. What the load and peek ports address
//! differs ([`super::load`] packs an image): target 0 a program-memory word, 3 and 6 a
//! stack-memory word (globals are its first words), 5 a linear-memory word, 7 the registers
//! ([`super::load::Reg`]). Peek registers: 0 instructions, 2 cycles (32 bits each, 1 and 3
//! read 0), 4 pages, 5 pc.
//!
//! # Memories (`2^N` words of 32 bits)
//! - program `2^PROG_A`: code bytes, then the side table (two words an entry), the function
//!   table (four words a function), the table elements and the signature ids, at bases the
//!   loader sets; read-only while running; the decoder and the execute unit share its one
//!   read port (execution first).
//! - stack `2^STK_A`: the globals, then the value stack (parameters, locals and operands of
//!   every frame, from `vs_base` up to `vs_end`), and the call frames (two words each) below
//!   `cs_top`; one read and one write port, transparent.
//! - linear memory `2^MEM_A`: one word per access, byte enables; an access that spans two
//!   words takes a cycle more. Never read and written in the same cycle, so it may be a
//!   single-port RAM (the UP5K's SPRAM).
//!
//! # Pipeline
//! Decode ([`super::decode::Decoder`]) reads the instruction after the executing one from a
//! two-word window of the program memory and fills `x_*`; execution takes it from there. A
//! jump (taken branch, call, return) redirects decoding and flushes `x_*`. The top of the
//! value stack is a register (`tos`) written through to the stack memory, whose read port
//! fetches the next-on-stack for the following cycle unless a state needs it.
//!
//! Cycles: see docs/compact.md.
use super::alu::Alu;
use super::decode::Decoder;
use super::mem_if::MemIf;
use super::shift::ShiftStep;
use crate::byte_ram::ByteRam;
use crate::core::muldiv::MulDiv;
use crate::core::sram::{Sram, PLAIN, TRANSPARENT};
use rust_hdl::prelude::*;

/// Execute states.
#[derive(Copy, Clone, PartialEq, Debug, LogicState)]
pub enum St {
    Idle,
    /// Execute the decoded instruction (or wait for it).
    Exec,
    /// `tos` from the stack's read port (after a pop of two or a branch that drops).
    Fill,
    /// Push the stack's read data (local.get, global.get).
    Push,
    /// Linear-memory read data: check bounds, extract, or read the second word.
    Load1,
    Load2,
    /// Store: check bounds, write the first word; then the second.
    Store1,
    Store2,
    Select,
    /// Taking side-table entry `t_stp`: its two words arrive.
    Take1,
    Take2,
    /// Function-table words of `callee` arrive.
    Call1,
    Call2,
    Call3,
    /// Write the second frame word, enter the callee.
    Call4,
    ZeroLocals,
    /// call_indirect: the element, the expected and the callee's signature id arrive.
    Ind1,
    Ind2,
    Ind3,
    /// Return: the caller's frame words arrive.
    Ret1,
    Ret2,
    MulDiv,
    Shift,
    BitCount,
    /// A capability call (docs/abi.md), sub-step `abi_step`.
    Abi,
}

/// The compact core; see the module documentation.
#[derive(LogicBlock)]
pub struct Compact<const PROG_A: usize, const PC_A: usize, const STK_A: usize, const MEM_A: usize> {
    pub clock: Signal<In, Clock>,
    pub reset: Signal<In, Bit>,
    pub start: Signal<In, Bit>,
    pub start_func: Signal<In, Bits<16>>,
    pub start_sp: Signal<In, Bits<16>>,
    pub load_valid: Signal<In, Bit>,
    pub load_target: Signal<In, Bits<4>>,
    pub load_addr: Signal<In, Bits<24>>,
    pub load_data: Signal<In, Bits<64>>,
    pub peek_target: Signal<In, Bits<4>>,
    pub peek_addr: Signal<In, Bits<24>>,
    pub peek_data: Signal<Out, Bits<32>>,
    pub busy: Signal<Out, Bit>,
    pub trap_valid: Signal<Out, Bit>,
    pub trap_cause: Signal<Out, Bits<4>>,
    pub trap_pc: Signal<Out, Bits<16>>,
    pub result: Signal<Out, Bits<32>>,
    pub retire: Signal<Out, Bit>,
    pub retire_op: Signal<Out, Bits<8>>,
    pub net_present: Signal<In, Bit>,
    pub ni_send_valid: Signal<Out, Bit>,
    pub ni_send_ready: Signal<In, Bit>,
    pub ni_send_kind: Signal<Out, Bits<2>>,
    pub ni_send_slot: Signal<Out, Bits<4>>,
    pub ni_send_len: Signal<Out, Bits<3>>,
    pub ni_send_give: Signal<Out, Bits<4>>,
    pub ni_send_mask: Signal<Out, Bits<2>>,
    pub ni_tx_word: Signal<Out, Bits<32>>,
    pub ni_tx_next: Signal<In, Bit>,
    pub ni_status_valid: Signal<In, Bit>,
    pub ni_status_code: Signal<In, Bits<2>>,
    pub ni_mb_valid: Signal<In, Bit>,
    pub ni_mb_badge: Signal<In, Bits<16>>,
    pub ni_mb_grant: Signal<In, Bit>,
    pub ni_mb_len: Signal<In, Bits<3>>,
    pub ni_mb_slot: Signal<In, Bits<4>>,
    pub ni_mb_sel: Signal<Out, Bits<2>>,
    pub ni_mb_word: Signal<In, Bits<32>>,
    pub ni_mb_pop: Signal<Out, Bit>,
    pub waiting: Signal<Out, Bit>,
    pub abi_event: Signal<Out, Bits<3>>,

    prog: Sram<PROG_A, 32, PLAIN>,
    stk: Sram<STK_A, 32, TRANSPARENT>,
    lin: ByteRam<MEM_A>,
    dec: Decoder,
    alu: Alu,
    mif: MemIf,
    shf: ShiftStep,
    muldiv: MulDiv,

    /// Loaded by the loader (super::load::Reg): linear memory pages and their limit.
    mem_pages: DFF<Bits<16>>,
    max_pages: DFF<Bits<16>>,
    /// Table elements and functions.
    elem_count: DFF<Bits<16>>,
    func_count: DFF<Bits<PROG_A>>,
    /// The instruction budget of a run.
    fuel: DFF<Bits<32>>,
    /// Where the side table, the function table, the elements and the signature ids start.
    side_base: DFF<Bits<PROG_A>>,
    fn_base: DFF<Bits<PROG_A>>,
    elem_base: DFF<Bits<PROG_A>>,
    type_base: DFF<Bits<PROG_A>>,
    /// The value stack's end, the control stack's top, the call-depth limit.
    vs_end: DFF<Bits<STK_A>>,
    cs_top: DFF<Bits<STK_A>>,
    depth_limit: DFF<Bits<STK_A>>,
    /// Decoding: the next byte, the word address of `w0`, the window and its valid bits.
    dpc: DFF<Bits<PC_A>>,
    wa: DFF<Bits<PROG_A>>,
    w0: DFF<Bits<32>>,
    w1: DFF<Bits<32>>,
    v0: DFF<Bit>,
    v1: DFF<Bit>,
    /// A fetch was issued last cycle, for word `fa`.
    fv: DFF<Bit>,
    fa: DFF<Bits<PROG_A>>,
    /// The decoder's state (super::decode).
    phase: DFF<Bits<2>>,
    acc: DFF<Bits<32>>,
    groups: DFF<Bits<3>>,
    kind: DFF<Bits<3>>,
    op_reg: DFF<Bits<8>>,
    /// pc of the instruction being decoded.
    d_start: DFF<Bits<PC_A>>,
    /// The decoded instruction: opcode, immediate, its pc and the pc after it.
    x_op: DFF<Bits<8>>,
    x_imm: DFF<Bits<32>>,
    x_pc: DFF<Bits<PC_A>>,
    x_end: DFF<Bits<PC_A>>,
    x_valid: DFF<Bit>,
    /// Execution.
    state: DFF<St>,
    /// pc of the executing instruction and of the one after it (a call's return pc).
    e_pc: DFF<Bits<PC_A>>,
    e_end: DFF<Bits<PC_A>>,
    e_op: DFF<Bits<8>>,
    stp: DFF<Bits<PROG_A>>,
    sp: DFF<Bits<STK_A>>,
    fp: DFF<Bits<STK_A>>,
    /// Frames on the control stack, and the address of the top frame's first word.
    csp: DFF<Bits<STK_A>>,
    cfp: DFF<Bits<STK_A>>,
    tos: DFF<Bits<32>>,
    cur_end: DFF<Bits<PC_A>>,
    cur_res: DFF<Bit>,
    retired: DFF<Bits<32>>,
    clocks: DFF<Bits<32>>,
    trapped: DFF<Bit>,
    cause: DFF<Bits<4>>,
    trap_at: DFF<Bits<PC_A>>,
    /// Scratch: a memory access's address, or a capability call's buffer pointer.
    t_ea: DFF<Bits<33>>,
    /// A store's value, the value being shifted or counted, a load's or a send's word before the one read.
    t_v: DFF<Bits<32>>,
    /// A table or frame word, select's second operand, call_indirect's type, a received message's header.
    t_w: DFF<Bits<32>>,
    /// A count: locals to zero, bits to shift, bits counted; a side-table index.
    t_n: DFF<Bits<16>>,
    t_sp: DFF<Bits<STK_A>>,
    t_c: DFF<Bit>,
    callee: DFF<Bits<PROG_A>>,
    first_call: DFF<Bit>,
    /// A capability call: its step, kind, slot, message length and words copied.
    abi_step: DFF<Bits<3>>,
    abi_kind: DFF<Bits<3>>,
    abi_slot: DFF<Bits<4>>,
    abi_len: DFF<Bits<3>>,
    abi_cnt: DFF<Bits<3>>,
    peek_sel: DFF<Bits<4>>,
    peek_reg: DFF<Bits<3>>,

    raise: Signal<Local, Bit>,
    raise_cause: Signal<Local, Bits<4>>,
    raise_pc: Signal<Local, Bits<PC_A>>,
    /// The new top of stack: 0 keep, 1 ALU, 2 stack read data, 3 immediate, 4 pages, 5 -1, 6 0, 7 load, 8 mul/div, 9 t_v, 10 t_n, 11 t_w, 12 -2.
    tsel: Signal<Local, Bits<4>>,
    /// Write the new top of stack through, at `sp_next - 1`.
    twr: Signal<Local, Bit>,
    tos_new: Signal<Local, Bits<32>>,
    /// Another stack write: 1 local (fp + imm) and 2 global (imm) get `tos`, 3 and 4 the frame words, 5 the loader's word.
    swsel: Signal<Local, Bits<3>>,
    /// `sp_next`: 0 sp, 1 sp - 1, 2 sp - 2, 3 sp + 1, 4 t_sp - drop, 5 fp, 6 fp + 1, 7 start_sp.
    spsel: Signal<Local, Bits<3>>,
    sp_next: Signal<Local, Bits<STK_A>>,
    /// The stack's read address: 0 sp_next - 2, 1 sp_next - 1, 2 sp_next - 3, 3 fp + imm, 4 imm, 5 cfp, 6 cfp + 1, 7 the peek address.
    rsel: Signal<Local, Bits<3>>,
    fp_imm: Signal<Local, Bits<STK_A>>,
    /// Execution reads program memory: base `pbase` (0 side table, 1 functions, 2 elements, 3 types) plus `poff`.
    e_read: Signal<Local, Bit>,
    pbase: Signal<Local, Bits<2>>,
    poff: Signal<Local, Bits<PROG_A>>,
    p_addr: Signal<Local, Bits<PROG_A>>,
    p_base: Signal<Local, Bits<PROG_A>>,
    /// Decoding restarts at `redir_pc`.
    redirect: Signal<Local, Bit>,
    redir_pc: Signal<Local, Bits<PC_A>>,
    /// Execution takes the decoded instruction this cycle.
    x_take: Signal<Local, Bit>,
    /// `t_v`: 0 keep, 1 next-on-stack, 2 tos, 3 one shift step, 4 memory read data, 5 program read data.
    vsel: Signal<Local, Bits<3>>,
    /// `t_w`: 0 keep, 1 next-on-stack (stack read data), 2 immediate, 3 program read data, 4 a received message's header.
    wsel: Signal<Local, Bits<3>>,
    /// `t_ea`: 0 keep, 1 the effective address, 2 a pointer argument, 3 + 4.
    easel: Signal<Local, Bits<2>>,
    /// Take side-table entry `take_stp`, the operands cut back to `take_sp`.
    take: Signal<Local, Bit>,
    take_stp: Signal<Local, Bits<PROG_A>>,
    take_sp: Signal<Local, Bits<STK_A>>,
    do_return: Signal<Local, Bit>,
    nos: Signal<Local, Bits<32>>,
    op: Signal<Local, Bits<8>>,
    out_of_fuel: Signal<Local, Bit>,
    is_binop: Signal<Local, Bit>,
    is_shift: Signal<Local, Bit>,
    is_bitcount: Signal<Local, Bit>,
    is_muldiv: Signal<Local, Bit>,
    is_load: Signal<Local, Bit>,
    is_store: Signal<Local, Bit>,
    /// A load's or store's address: `ea_base` (tos or nos) plus the offset.
    ea_sum: Signal<Local, Bits<33>>,
    ea_base: Signal<Local, Bits<32>>,
    /// Byte offset of the access (or of the buffer).
    off: Signal<Local, Bits<2>>,
    /// The second word of the access (or the next of the buffer).
    m_inc: Signal<Local, Bit>,
    m_addr: Signal<Local, Bits<MEM_A>>,
    /// What the memory interface (super::mem_if) funnels, and what it writes.
    fun_a: Signal<Local, Bits<32>>,
    fun_b: Signal<Local, Bits<32>>,
    rot_in: Signal<Local, Bits<32>>,
    /// The shared comparator: `cmp_lt` is `cmp_a < cmp_b`.
    cmp_a: Signal<Local, Bits<34>>,
    cmp_b: Signal<Local, Bits<34>>,
    cmp_x: Signal<Local, Bits<34>>,
    cmp_y: Signal<Local, Bits<34>>,
    cmp_lt: Signal<Local, Bit>,
    mem_bytes: Signal<Local, Bits<34>>,
    /// Linear memory is smaller than a page (`4 << MEM_A` bytes < 64 KiB): accesses are
    /// bounded by `phys_bytes`, not by the declared pages.
    small_mem: Constant<Bit>,
    phys_bytes: Constant<Bits<34>>,
    abi_three: Signal<Local, Bit>,
    abi_arg0: Signal<Local, Bits<32>>,
    abi_fin: Signal<Local, Bit>,
    /// Fetch and decode.
    d_free: Signal<Local, Bit>,
    dpc_next: Signal<Local, Bits<PC_A>>,
    fw0: Signal<Local, Bits<32>>,
    fw1: Signal<Local, Bits<32>>,
    fv0: Signal<Local, Bit>,
    fv1: Signal<Local, Bit>,
    v0_next: Signal<Local, Bit>,
    v1_next: Signal<Local, Bit>,
    d_issue: Signal<Local, Bit>,
    d_addr: Signal<Local, Bits<PROG_A>>,
    wa_next: Signal<Local, Bits<PROG_A>>,
}

impl<const PROG_A: usize, const PC_A: usize, const STK_A: usize, const MEM_A: usize> Default
    for Compact<PROG_A, PC_A, STK_A, MEM_A>
{
    fn default() -> Self {
        assert!(
            PC_A <= PROG_A + 2 && PC_A <= 16,
            "pc: a byte address of code, which lies in program memory; at most 16 bits"
        );
        assert!(STK_A <= 15 && MEM_A <= 30);
        Compact {
            clock: Default::default(),
            reset: Default::default(),
            start: Default::default(),
            start_func: Default::default(),
            start_sp: Default::default(),
            load_valid: Default::default(),
            load_target: Default::default(),
            load_addr: Default::default(),
            load_data: Default::default(),
            peek_target: Default::default(),
            peek_addr: Default::default(),
            peek_data: Default::default(),
            busy: Default::default(),
            trap_valid: Default::default(),
            trap_cause: Default::default(),
            trap_pc: Default::default(),
            result: Default::default(),
            retire: Default::default(),
            retire_op: Default::default(),
            net_present: Default::default(),
            ni_send_valid: Default::default(),
            ni_send_ready: Default::default(),
            ni_send_kind: Default::default(),
            ni_send_slot: Default::default(),
            ni_send_len: Default::default(),
            ni_send_give: Default::default(),
            ni_send_mask: Default::default(),
            ni_tx_word: Default::default(),
            ni_tx_next: Default::default(),
            ni_status_valid: Default::default(),
            ni_status_code: Default::default(),
            ni_mb_valid: Default::default(),
            ni_mb_badge: Default::default(),
            ni_mb_grant: Default::default(),
            ni_mb_len: Default::default(),
            ni_mb_slot: Default::default(),
            ni_mb_sel: Default::default(),
            ni_mb_word: Default::default(),
            ni_mb_pop: Default::default(),
            waiting: Default::default(),
            abi_event: Default::default(),
            prog: Default::default(),
            stk: Default::default(),
            lin: Default::default(),
            dec: Default::default(),
            alu: Default::default(),
            mif: Default::default(),
            shf: Default::default(),
            muldiv: Default::default(),
            mem_pages: Default::default(),
            max_pages: Default::default(),
            elem_count: Default::default(),
            func_count: Default::default(),
            fuel: Default::default(),
            side_base: Default::default(),
            fn_base: Default::default(),
            elem_base: Default::default(),
            type_base: Default::default(),
            vs_end: Default::default(),
            cs_top: Default::default(),
            depth_limit: Default::default(),
            dpc: Default::default(),
            wa: Default::default(),
            w0: Default::default(),
            w1: Default::default(),
            v0: Default::default(),
            v1: Default::default(),
            fv: Default::default(),
            fa: Default::default(),
            phase: Default::default(),
            acc: Default::default(),
            groups: Default::default(),
            kind: Default::default(),
            op_reg: Default::default(),
            d_start: Default::default(),
            x_op: Default::default(),
            x_imm: Default::default(),
            x_pc: Default::default(),
            x_end: Default::default(),
            x_valid: Default::default(),
            state: Default::default(),
            e_pc: Default::default(),
            e_end: Default::default(),
            e_op: Default::default(),
            stp: Default::default(),
            sp: Default::default(),
            fp: Default::default(),
            csp: Default::default(),
            cfp: Default::default(),
            tos: Default::default(),
            cur_end: Default::default(),
            cur_res: Default::default(),
            retired: Default::default(),
            clocks: Default::default(),
            trapped: Default::default(),
            cause: Default::default(),
            trap_at: Default::default(),
            t_ea: Default::default(),
            t_v: Default::default(),
            t_w: Default::default(),
            t_n: Default::default(),
            t_sp: Default::default(),
            t_c: Default::default(),
            callee: Default::default(),
            first_call: Default::default(),
            abi_step: Default::default(),
            abi_kind: Default::default(),
            abi_slot: Default::default(),
            abi_len: Default::default(),
            abi_cnt: Default::default(),
            peek_sel: Default::default(),
            peek_reg: Default::default(),
            raise: Default::default(),
            raise_cause: Default::default(),
            raise_pc: Default::default(),
            tsel: Default::default(),
            twr: Default::default(),
            tos_new: Default::default(),
            swsel: Default::default(),
            spsel: Default::default(),
            sp_next: Default::default(),
            rsel: Default::default(),
            fp_imm: Default::default(),
            e_read: Default::default(),
            pbase: Default::default(),
            poff: Default::default(),
            p_addr: Default::default(),
            p_base: Default::default(),
            redirect: Default::default(),
            redir_pc: Default::default(),
            x_take: Default::default(),
            vsel: Default::default(),
            wsel: Default::default(),
            easel: Default::default(),
            take: Default::default(),
            take_stp: Default::default(),
            take_sp: Default::default(),
            do_return: Default::default(),
            nos: Default::default(),
            op: Default::default(),
            out_of_fuel: Default::default(),
            is_binop: Default::default(),
            is_shift: Default::default(),
            is_bitcount: Default::default(),
            is_muldiv: Default::default(),
            is_load: Default::default(),
            is_store: Default::default(),
            ea_sum: Default::default(),
            ea_base: Default::default(),
            off: Default::default(),
            m_inc: Default::default(),
            m_addr: Default::default(),
            fun_a: Default::default(),
            fun_b: Default::default(),
            rot_in: Default::default(),
            cmp_a: Default::default(),
            cmp_b: Default::default(),
            cmp_x: Default::default(),
            cmp_y: Default::default(),
            cmp_lt: Default::default(),
            mem_bytes: Default::default(),
            small_mem: Constant::new(MEM_A + 2 < 16),
            phys_bytes: Constant::new((4u64 << MEM_A).into()),
            abi_three: Default::default(),
            abi_arg0: Default::default(),
            abi_fin: Default::default(),
            d_free: Default::default(),
            dpc_next: Default::default(),
            fw0: Default::default(),
            fw1: Default::default(),
            fv0: Default::default(),
            fv1: Default::default(),
            v0_next: Default::default(),
            v1_next: Default::default(),
            d_issue: Default::default(),
            d_addr: Default::default(),
            wa_next: Default::default(),
        }
    }
}

impl<const PROG_A: usize, const PC_A: usize, const STK_A: usize, const MEM_A: usize> Logic
    for Compact<PROG_A, PC_A, STK_A, MEM_A>
{
    // hdl_gen drops match guards silently (docs/verilog-export.md), so the `if`s inside
    // match arms stay where they are.
    #[allow(clippy::collapsible_match, clippy::collapsible_else_if)]
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            mem_pages,
            max_pages,
            elem_count,
            func_count,
            fuel,
            side_base,
            fn_base,
            elem_base,
            type_base,
            vs_end,
            cs_top,
            depth_limit,
            dpc,
            wa,
            w0,
            w1,
            v0,
            v1,
            fv,
            fa,
            phase,
            acc,
            groups,
            kind,
            op_reg,
            d_start,
            x_op,
            x_imm,
            x_pc,
            x_end,
            x_valid,
            state,
            e_pc,
            e_end,
            e_op,
            stp,
            sp,
            fp,
            csp,
            cfp,
            tos,
            cur_end,
            cur_res,
            retired,
            clocks,
            trapped,
            cause,
            trap_at,
            t_ea,
            t_v,
            t_w,
            t_n,
            t_sp,
            t_c,
            callee,
            first_call,
            abi_step,
            abi_kind,
            abi_slot,
            abi_len,
            abi_cnt,
            peek_sel,
            peek_reg
        );
        clock!(self, clock, prog, stk, lin, muldiv);

        // ---- Defaults: nothing changes -----------------------------------------------------
        self.raise.next = false;
        self.raise_cause.next = 0.into();
        self.raise_pc.next = self.e_pc.q.val();
        self.tsel.next = 0.into();
        self.twr.next = false;
        self.swsel.next = 0.into();
        self.spsel.next = 0.into();
        self.rsel.next = 0.into();
        self.e_read.next = false;
        self.pbase.next = 0.into();
        self.poff.next = 0.into();
        self.redirect.next = false;
        self.redir_pc.next = 0.into();
        self.x_take.next = false;
        self.vsel.next = 0.into();
        self.wsel.next = 0.into();
        self.easel.next = 0.into();
        self.take.next = false;
        self.take_stp.next = self.stp.q.val();
        self.take_sp.next = self.sp.q.val();
        self.do_return.next = false;
        self.retire.next = false;
        self.abi_fin.next = false;
        self.m_inc.next = false;
        self.ni_send_valid.next = false;
        self.ni_mb_sel.next = 0.into();
        self.ni_mb_pop.next = false;
        self.waiting.next = false;
        self.abi_event.next = 0.into();
        self.nos.next = self.stk.read_data.val();
        self.prog.write_enable.next = false;
        self.prog.write_address.next = bit_cast::<PROG_A, 24>(self.load_addr.val());
        self.prog.write_data.next = bit_cast::<32, 64>(self.load_data.val());
        self.lin.write_enable.next = 0.into();
        self.muldiv.start.next = false;
        self.muldiv.op.next = self.x_op.q.val();
        self.muldiv.a.next = self.stk.read_data.val();
        self.muldiv.b.next = self.tos.q.val();
        self.peek_sel.d.next = self.peek_target.val();
        self.peek_reg.d.next = bit_cast::<3, 24>(self.peek_addr.val());
        self.out_of_fuel.next = self.retired.q.val() == self.fuel.q.val();
        if self.state.q.val() != St::Idle {
            self.clocks.d.next = self.clocks.q.val() + 1;
        }

        // ---- The instruction and its classes ------------------------------------------------
        self.op.next = self.e_op.q.val();
        if self.state.q.val() == St::Exec {
            self.op.next = self.x_op.q.val();
        }
        self.is_binop.next = ((self.op.val() >= 70) & (self.op.val() <= 79))
            | (self.op.val() == 106)
            | (self.op.val() == 107)
            | ((self.op.val() >= 113) & (self.op.val() <= 115));
        self.is_shift.next = (self.op.val() >= 116) & (self.op.val() <= 120);
        self.is_bitcount.next = (self.op.val() >= 103) & (self.op.val() <= 105);
        self.is_muldiv.next = (self.op.val() >= 108) & (self.op.val() <= 112);
        self.is_load.next = (self.op.val() == 40) | ((self.op.val() >= 44) & (self.op.val() <= 47));
        self.is_store.next = (self.op.val() == 54) | (self.op.val() == 58) | (self.op.val() == 59);
        self.alu.op.next = self.op.val();
        self.alu.a.next = self.nos.val();
        self.alu.b.next = self.tos.q.val();
        self.fp_imm.next = self.fp.q.val() + bit_cast::<STK_A, 32>(self.x_imm.q.val());

        // ---- Linear memory ----------------------------------------------------------------
        // Loads address `tos + offset`, stores `nos + offset`.
        self.ea_base.next = self.tos.q.val();
        if self.is_store.val() {
            self.ea_base.next = self.nos.val();
        }
        self.ea_sum.next =
            bit_cast::<33, 32>(self.ea_base.val()) + bit_cast::<33, 32>(self.x_imm.q.val());
        self.off.next = bit_cast::<2, 33>(self.t_ea.q.val());
        self.mem_bytes.next = bit_cast::<34, 16>(self.mem_pages.q.val()) << 16;
        if self.small_mem.val() & self.mem_pages.q.val().any() {
            self.mem_bytes.next = self.phys_bytes.val();
        }
        // The funnel: four bytes at `off` out of `fun_a` (low) and `fun_b` (high): a load from
        // one word, from two (its first word saved in `t_v`), a send's word out of the word
        // before and the one on the read port.
        self.fun_b.next = self.lin.read_data.val();
        self.fun_a.next = self.lin.read_data.val();
        if (self.state.q.val() == St::Load2) | (self.state.q.val() == St::Abi) {
            self.fun_a.next = self.t_v.q.val();
        }
        // Stores write `t_v`, a capability call the received word.
        self.rot_in.next = self.t_v.q.val();
        if self.state.q.val() == St::Abi {
            self.rot_in.next = self.ni_mb_word.val();
        }
        self.mif.op.next = self.op.val();
        self.mif.off.next = self.off.val();
        self.mif.lo.next = self.fun_a.val();
        self.mif.hi.next = self.fun_b.val();
        self.mif.st_in.next = self.rot_in.val();

        // ---- Shifts and bit counts: one step per cycle -------------------------------------
        self.shf.op.next = self.e_op.q.val();
        self.shf.value.next = self.t_v.q.val();
        self.shf.count.next = self.t_n.q.val();

        // ---- The shared comparator: cmp_a < cmp_b --------------------------------------------
        // Exec: memory.grow (max_pages < pages + delta), call_indirect (tos < elem_count),
        // br_table (imm < tos); Load1/Store1: memory bytes < end of the access; Abi: memory
        // bytes < end of the buffer; Call3: vs_end < frame top.
        self.cmp_a.next = bit_cast::<34, 16>(self.max_pages.q.val());
        self.cmp_x.next = bit_cast::<34, 16>(self.mem_pages.q.val());
        self.cmp_y.next = bit_cast::<34, 32>(self.tos.q.val());
        // (Selected by `x_op`, not `op`: the two agree in Exec, the one state where these
        // cases are used, and `x_op` is a register.)
        if self.x_op.q.val() == 17 {
            self.cmp_a.next = bit_cast::<34, 32>(self.tos.q.val());
            self.cmp_x.next = bit_cast::<34, 16>(self.elem_count.q.val());
            self.cmp_y.next = 0.into();
        }
        if self.x_op.q.val() == 14 {
            self.cmp_a.next = bit_cast::<34, 32>(self.x_imm.q.val());
            self.cmp_x.next = 0.into();
        }
        if (self.state.q.val() == St::Load1)
            | (self.state.q.val() == St::Store1)
            | (self.state.q.val() == St::Abi)
        {
            self.cmp_a.next = self.mem_bytes.val();
            self.cmp_x.next = bit_cast::<34, 33>(self.t_ea.q.val());
            self.cmp_y.next = bit_cast::<34, 3>(self.mif.size.val());
            if self.state.q.val() == St::Abi {
                self.cmp_y.next = 16.into();
                if self.abi_kind.q.val() == 1 {
                    self.cmp_y.next = bit_cast::<34, 32>(self.tos.q.val() & 7) << 2;
                }
            }
        }
        if self.state.q.val() == St::Call3 {
            self.cmp_a.next = bit_cast::<34, STK_A>(self.vs_end.q.val());
            self.cmp_x.next = bit_cast::<34, STK_A>(self.sp.q.val());
            self.cmp_y.next = bit_cast::<34, 32>(self.prog.read_data.val() & 65535);
        }
        self.cmp_b.next = self.cmp_x.val() + self.cmp_y.val();
        self.cmp_lt.next = self.cmp_a.val() < self.cmp_b.val();
        // Capability calls: the first of three arguments is on the read port.
        self.abi_three.next = (self.abi_kind.q.val() == 1) | (self.abi_kind.q.val() == 4);
        self.abi_arg0.next = self.tos.q.val();
        if self.abi_three.val() {
            self.abi_arg0.next = self.stk.read_data.val();
        }

        // ---- Execute --------------------------------------------------------------------
        match self.state.q.val() {
            St::Idle => {
                // The load and peek ports own the memories.
                self.rsel.next = 7.into();
                if self.load_valid.val() {
                    match self.load_target.val().index() {
                        0 => {
                            self.prog.write_enable.next = true;
                        }
                        3 => {
                            self.swsel.next = 5.into();
                        }
                        5 => {
                            self.lin.write_enable.next = 15.into();
                        }
                        6 => {
                            self.swsel.next = 5.into();
                        }
                        7 => match self.load_addr.val().index() {
                            0 => {
                                self.mem_pages.d.next = bit_cast::<16, 64>(self.load_data.val());
                            }
                            1 => {
                                self.max_pages.d.next = bit_cast::<16, 64>(self.load_data.val());
                            }
                            2 => {
                                self.elem_count.d.next = bit_cast::<16, 64>(self.load_data.val());
                            }
                            3 => {
                                self.func_count.d.next =
                                    bit_cast::<PROG_A, 64>(self.load_data.val());
                            }
                            4 => {
                                self.fuel.d.next = bit_cast::<32, 64>(self.load_data.val());
                                if (self.load_data.val() >> 32) != 0 {
                                    self.fuel.d.next = bits::<32>(4294967295u64);
                                }
                            }
                            8 => {
                                self.side_base.d.next =
                                    bit_cast::<PROG_A, 64>(self.load_data.val());
                            }
                            9 => {
                                self.fn_base.d.next = bit_cast::<PROG_A, 64>(self.load_data.val());
                            }
                            10 => {
                                self.elem_base.d.next =
                                    bit_cast::<PROG_A, 64>(self.load_data.val());
                            }
                            11 => {
                                self.type_base.d.next =
                                    bit_cast::<PROG_A, 64>(self.load_data.val());
                            }
                            13 => {
                                self.vs_end.d.next = bit_cast::<STK_A, 64>(self.load_data.val());
                            }
                            14 => {
                                self.cs_top.d.next = bit_cast::<STK_A, 64>(self.load_data.val());
                            }
                            15 => {
                                self.depth_limit.d.next =
                                    bit_cast::<STK_A, 64>(self.load_data.val());
                            }
                            _ => {}
                        },
                        _ => {}
                    }
                }
                if self.start.val() {
                    // Call `start_func` with the arguments the loader put below `start_sp`;
                    // the last of them is read for `tos`.
                    self.state.d.next = St::Call1;
                    self.spsel.next = 7.into();
                    self.rsel.next = 1.into();
                    self.fp.d.next = 0.into();
                    self.csp.d.next = 0.into();
                    self.cfp.d.next = self.cs_top.q.val();
                    self.callee.d.next = bit_cast::<PROG_A, 16>(self.start_func.val());
                    self.first_call.d.next = true;
                    self.e_read.next = true;
                    self.pbase.next = 1.into();
                    self.poff.next = bit_cast::<PROG_A, 16>(self.start_func.val()) << 2;
                    self.retired.d.next = 0.into();
                    self.clocks.d.next = 0.into();
                    self.trapped.d.next = false;
                    self.cause.d.next = 0.into();
                }
            }
            St::Exec => {
                if !self.x_valid.q.val() {
                    // Waiting for the decoder.
                } else if self.out_of_fuel.val() {
                    self.raise.next = true;
                    self.raise_cause.next = 8.into();
                    self.raise_pc.next = self.x_pc.q.val();
                } else {
                    self.x_take.next = true;
                    self.retire.next = true;
                    self.retired.d.next = self.retired.q.val() + 1;
                    self.e_pc.d.next = self.x_pc.q.val();
                    self.e_end.d.next = self.x_end.q.val();
                    self.e_op.d.next = self.x_op.q.val();
                    self.raise_pc.next = self.x_pc.q.val();
                    if self.is_binop.val() {
                        self.spsel.next = 1.into();
                        self.tsel.next = 1.into();
                        self.twr.next = true;
                    } else if self.op.val() == 69 {
                        // eqz
                        self.tsel.next = 1.into();
                        self.twr.next = true;
                    } else if self.is_shift.val() {
                        self.vsel.next = 1.into();
                        self.t_n.d.next = bit_cast::<16, 32>(self.tos.q.val() & 31);
                        self.spsel.next = 1.into();
                        self.state.d.next = St::Shift;
                    } else if self.is_bitcount.val() {
                        self.vsel.next = 2.into();
                        self.t_n.d.next = 0.into();
                        self.state.d.next = St::BitCount;
                    } else if self.is_muldiv.val() {
                        if (self.op.val() != 108) & (self.tos.q.val() == 0) {
                            self.raise.next = true;
                            self.raise_cause.next = 2.into();
                        } else if (self.op.val() == 109)
                            & (self.nos.val() == bits::<32>(2147483648u64))
                            & (self.tos.q.val() == bits::<32>(4294967295u64))
                        {
                            self.raise.next = true;
                            self.raise_cause.next = 3.into();
                        } else {
                            self.muldiv.start.next = true;
                            self.state.d.next = St::MulDiv;
                        }
                    } else if self.is_load.val() {
                        self.easel.next = 1.into();
                        self.state.d.next = St::Load1;
                    } else if self.is_store.val() {
                        // Pop both; the operand below them is read for the new top.
                        self.easel.next = 1.into();
                        self.vsel.next = 2.into();
                        self.spsel.next = 2.into();
                        self.rsel.next = 1.into();
                        self.state.d.next = St::Store1;
                    } else {
                        match self.op.val().index() {
                            0 => {
                                // unreachable
                                self.raise.next = true;
                                self.raise_cause.next = 1.into();
                            }
                            1 => {}
                            2 => {}
                            3 => {}
                            4 => {
                                // if
                                self.spsel.next = 1.into();
                                self.tsel.next = 2.into();
                                if self.tos.q.val() != 0 {
                                    self.stp.d.next = self.stp.q.val() + 1;
                                } else {
                                    self.take.next = true;
                                    self.take_sp.next = self.sp.q.val() - 1;
                                }
                            }
                            5 => {
                                // else
                                self.take.next = true;
                            }
                            11 => {
                                // end
                                if self.x_pc.q.val() == self.cur_end.q.val() {
                                    self.do_return.next = true;
                                }
                            }
                            12 => {
                                // br
                                self.take.next = true;
                            }
                            13 => {
                                // br_if
                                self.spsel.next = 1.into();
                                self.tsel.next = 2.into();
                                if self.tos.q.val() != 0 {
                                    self.take.next = true;
                                    self.take_sp.next = self.sp.q.val() - 1;
                                } else {
                                    self.stp.d.next = self.stp.q.val() + 1;
                                }
                            }
                            14 => {
                                // br_table: entry stp + min(i, n)
                                self.spsel.next = 1.into();
                                self.tsel.next = 2.into();
                                self.take.next = true;
                                self.take_sp.next = self.sp.q.val() - 1;
                                self.take_stp.next =
                                    self.stp.q.val() + bit_cast::<PROG_A, 32>(self.tos.q.val());
                                if self.cmp_lt.val() {
                                    self.take_stp.next = self.stp.q.val()
                                        + bit_cast::<PROG_A, 32>(self.x_imm.q.val());
                                }
                            }
                            15 => {
                                // return
                                self.do_return.next = true;
                            }
                            16 => {
                                // call
                                self.callee.d.next = bit_cast::<PROG_A, 32>(self.x_imm.q.val());
                                self.first_call.d.next = false;
                                self.e_read.next = true;
                                self.pbase.next = 1.into();
                                self.poff.next = bit_cast::<PROG_A, 32>(self.x_imm.q.val()) << 2;
                                self.state.d.next = St::Call1;
                            }
                            17 => {
                                // call_indirect: pop the element index, read the element.
                                // (On an index beyond the table the trap overrides the state;
                                // the rest does not depend on the comparison, which keeps it
                                // off the stack-address path.)
                                self.spsel.next = 1.into();
                                self.tsel.next = 2.into();
                                self.wsel.next = 2.into();
                                self.first_call.d.next = false;
                                self.e_read.next = true;
                                self.pbase.next = 2.into();
                                self.poff.next = bit_cast::<PROG_A, 32>(self.tos.q.val());
                                self.state.d.next = St::Ind1;
                                if !self.cmp_lt.val() {
                                    self.raise.next = true;
                                    self.raise_cause.next = 5.into();
                                }
                            }
                            26 => {
                                // drop
                                self.spsel.next = 1.into();
                                self.tsel.next = 2.into();
                            }
                            27 => {
                                // select: c = tos, b = nos, a below them.
                                self.t_c.d.next = self.tos.q.val() != 0;
                                self.wsel.next = 1.into();
                                self.rsel.next = 2.into();
                                self.state.d.next = St::Select;
                            }
                            32 => {
                                // local.get
                                self.rsel.next = 3.into();
                                self.state.d.next = St::Push;
                            }
                            33 => {
                                // local.set (the new top is the next-on-stack, already in
                                // memory, unless the local is that very slot)
                                self.swsel.next = 1.into();
                                self.spsel.next = 1.into();
                                self.tsel.next = 2.into();
                                if self.fp_imm.val() == (self.sp.q.val() - 2) {
                                    self.tsel.next = 0.into();
                                }
                            }
                            34 => {
                                // local.tee
                                self.swsel.next = 1.into();
                            }
                            35 => {
                                // global.get
                                self.rsel.next = 4.into();
                                self.state.d.next = St::Push;
                            }
                            36 => {
                                // global.set
                                self.swsel.next = 2.into();
                                self.spsel.next = 1.into();
                                self.tsel.next = 2.into();
                            }
                            63 => {
                                // memory.size
                                self.spsel.next = 3.into();
                                self.tsel.next = 4.into();
                                self.twr.next = true;
                            }
                            64 => {
                                // memory.grow: the old size, or -1.
                                self.tsel.next = 5.into();
                                if !self.cmp_lt.val() {
                                    self.mem_pages.d.next = bit_cast::<16, 34>(self.cmp_b.val());
                                    self.tsel.next = 4.into();
                                }
                                self.twr.next = true;
                            }
                            65 => {
                                // i32.const
                                self.spsel.next = 3.into();
                                self.tsel.next = 3.into();
                                self.twr.next = true;
                            }
                            _ => {
                                self.raise.next = true;
                                self.raise_cause.next = 13.into();
                            }
                        }
                    }
                }
            }
            St::Fill => {
                self.tsel.next = 2.into();
                self.state.d.next = St::Exec;
            }
            St::Push => {
                self.spsel.next = 3.into();
                self.tsel.next = 2.into();
                self.twr.next = true;
                self.state.d.next = St::Exec;
            }
            St::Load1 => {
                // Out of bounds traps (the trap overrides the state); the rest does not wait for
                // the comparison, which keeps it off the memory-address path (a read beyond
                // the bounds changes nothing).
                if self.mif.spans.val() {
                    self.vsel.next = 4.into();
                    self.m_inc.next = true;
                    self.state.d.next = St::Load2;
                } else {
                    self.tsel.next = 7.into();
                    self.twr.next = true;
                    self.state.d.next = St::Exec;
                }
                if self.cmp_lt.val() {
                    self.raise.next = true;
                    self.raise_cause.next = 4.into();
                }
            }
            St::Load2 => {
                self.tsel.next = 7.into();
                self.twr.next = true;
                self.state.d.next = St::Exec;
            }
            St::Store1 => {
                // The operand below the two popped is on the read port: the new top.
                self.tsel.next = 2.into();
                if self.cmp_lt.val() {
                    self.raise.next = true;
                    self.raise_cause.next = 4.into();
                } else {
                    self.lin.write_enable.next = bit_cast::<4, 8>(self.mif.lanes.val());
                    self.state.d.next = St::Exec;
                    if self.mif.spans.val() {
                        self.state.d.next = St::Store2;
                    }
                }
            }
            St::Store2 => {
                self.m_inc.next = true;
                self.lin.write_enable.next = bit_cast::<4, 8>(self.mif.lanes.val() >> 4);
                self.state.d.next = St::Exec;
            }
            St::Select => {
                self.spsel.next = 2.into();
                self.tsel.next = 11.into();
                if self.t_c.q.val() {
                    self.tsel.next = 2.into();
                }
                self.twr.next = true;
                self.state.d.next = St::Exec;
            }
            St::Take1 => {
                // Entry word 0: target pc and side-table pointer; read word 1.
                self.wsel.next = 3.into();
                self.e_read.next = true;
                self.pbase.next = 0.into();
                self.poff.next = (bit_cast::<PROG_A, 16>(self.t_n.q.val()) << 1) | 1;
                self.state.d.next = St::Take2;
            }
            St::Take2 => {
                // Entry word 1: drop [15:0], keep [16].
                self.redirect.next = true;
                self.redir_pc.next = bit_cast::<PC_A, 32>(self.t_w.q.val());
                self.stp.d.next = bit_cast::<PROG_A, 32>(self.t_w.q.val() >> 16);
                self.spsel.next = 4.into();
                self.state.d.next = St::Exec;
                if self.prog.read_data.val().get_bit(16) {
                    self.twr.next = true;
                } else if (self.prog.read_data.val() & 65535) != 0 {
                    self.rsel.next = 1.into();
                    self.state.d.next = St::Fill;
                }
            }
            St::Call1 => {
                // Function word 0: entry pc, entry side-table pointer.
                if self.first_call.q.val() {
                    self.tsel.next = 2.into();
                }
                self.wsel.next = 3.into();
                self.e_read.next = true;
                self.pbase.next = 1.into();
                self.poff.next = (self.callee.q.val() << 2) | 1;
                self.state.d.next = St::Call2;
            }
            St::Call2 => {
                // Word 1: end pc [15:0], params [23:16], results [24], kind [27:25].
                self.vsel.next = 5.into();
                self.e_read.next = true;
                self.pbase.next = 1.into();
                self.poff.next = (self.callee.q.val() << 2) | 2;
                self.state.d.next = St::Call3;
            }
            St::Call3 => {
                // Word 2: frame need (locals + max stack) [15:0], locals [31:16]. The checks,
                // then the caller's frame: (return pc, side-table pointer) first.
                if self.first_call.q.val() {
                    self.raise_pc.next = bit_cast::<PC_A, 32>(self.t_w.q.val());
                }
                if self.callee.q.val() >= self.func_count.q.val() {
                    self.raise.next = true;
                    self.raise_cause.next = 13.into();
                } else if (self.t_v.q.val() & bits::<32>(234881024u64)) != 0 {
                    if !self.net_present.val() {
                        // No network: castle.send .. grant trap with causes 9 .. 12, drop 14.
                        self.raise.next = true;
                        self.raise_cause.next = bit_cast::<4, 32>(self.t_v.q.val() >> 25) + 8;
                        if bit_cast::<3, 32>(self.t_v.q.val() >> 25) == 5 {
                            self.raise_cause.next = 14.into();
                        }
                    } else {
                        // A capability call: its arguments stay on the stack until it ends.
                        self.abi_kind.d.next = bit_cast::<3, 32>(self.t_v.q.val() >> 25);
                        self.abi_step.d.next = 0.into();
                        self.easel.next = 2.into();
                        self.rsel.next = 2.into();
                        self.state.d.next = St::Abi;
                    }
                } else {
                    // (A frame beyond the stacks traps; as for call_indirect, the rest does not
                    // wait for the comparison.)
                    self.swsel.next = 3.into();
                    self.t_n.d.next = bit_cast::<16, 32>(self.prog.read_data.val() >> 16);
                    self.state.d.next = St::Call4;
                    if (self.csp.q.val() >= self.depth_limit.q.val()) | self.cmp_lt.val() {
                        self.raise.next = true;
                        self.raise_cause.next = 7.into();
                    }
                }
            }
            St::Call4 => {
                // The caller's (fp, result count, end pc); enter the callee.
                self.swsel.next = 4.into();
                self.cfp.d.next = self.cfp.q.val() - 2;
                self.csp.d.next = self.csp.q.val() + 1;
                self.fp.d.next =
                    self.sp.q.val() - bit_cast::<STK_A, 32>((self.t_v.q.val() >> 16) & 255);
                self.cur_end.d.next = bit_cast::<PC_A, 32>(self.t_v.q.val());
                self.cur_res.d.next = self.t_v.q.val().get_bit(24);
                self.stp.d.next = bit_cast::<PROG_A, 32>(self.t_w.q.val() >> 16);
                self.redirect.next = true;
                self.redir_pc.next = bit_cast::<PC_A, 32>(self.t_w.q.val());
                self.state.d.next = St::Exec;
                if self.t_n.q.val() != 0 {
                    self.state.d.next = St::ZeroLocals;
                }
            }
            St::ZeroLocals => {
                self.spsel.next = 3.into();
                self.tsel.next = 6.into();
                self.twr.next = true;
                self.t_n.d.next = self.t_n.q.val() - 1;
                if self.t_n.q.val() == 1 {
                    self.state.d.next = St::Exec;
                }
            }
            St::Ind1 => {
                // The element: function index [15:0], valid [16]; read the expected signature.
                if !self.prog.read_data.val().get_bit(16) {
                    self.raise.next = true;
                    self.raise_cause.next = 5.into();
                } else {
                    self.callee.d.next = bit_cast::<PROG_A, 32>(self.prog.read_data.val() & 65535);
                    self.e_read.next = true;
                    self.pbase.next = 3.into();
                    self.poff.next = bit_cast::<PROG_A, 32>(self.t_w.q.val());
                    self.state.d.next = St::Ind2;
                }
            }
            St::Ind2 => {
                self.wsel.next = 3.into();
                self.e_read.next = true;
                self.pbase.next = 1.into();
                self.poff.next = (self.callee.q.val() << 2) | 3;
                self.state.d.next = St::Ind3;
            }
            St::Ind3 => {
                // The callee's signature id: a call from here on.
                if self.callee.q.val() >= self.func_count.q.val() {
                    self.raise.next = true;
                    self.raise_cause.next = 13.into();
                } else if (self.prog.read_data.val() & 65535) != (self.t_w.q.val() & 65535) {
                    self.raise.next = true;
                    self.raise_cause.next = 6.into();
                } else {
                    self.e_read.next = true;
                    self.pbase.next = 1.into();
                    self.poff.next = self.callee.q.val() << 2;
                    self.state.d.next = St::Call1;
                }
            }
            St::Ret1 => {
                // Frame word 0: return pc [15:0], side-table pointer [31:16].
                self.wsel.next = 1.into();
                self.rsel.next = 6.into();
                self.state.d.next = St::Ret2;
            }
            St::Ret2 => {
                // Word 1: fp [14:0], result count [15], end pc [31:16].
                self.state.d.next = St::Exec;
                if self.cur_res.q.val() {
                    self.spsel.next = 6.into();
                    self.twr.next = true;
                } else {
                    self.spsel.next = 5.into();
                    self.rsel.next = 1.into();
                    self.state.d.next = St::Fill;
                }
                self.fp.d.next = bit_cast::<STK_A, 32>(self.stk.read_data.val() & 32767);
                self.cur_res.d.next = self.stk.read_data.val().get_bit(15);
                self.cur_end.d.next = bit_cast::<PC_A, 32>(self.stk.read_data.val() >> 16);
                self.stp.d.next = bit_cast::<PROG_A, 32>(self.t_w.q.val() >> 16);
                self.csp.d.next = self.csp.q.val() - 1;
                self.cfp.d.next = self.cfp.q.val() + 2;
                self.redirect.next = true;
                self.redir_pc.next = bit_cast::<PC_A, 32>(self.t_w.q.val());
            }
            St::MulDiv => {
                if self.muldiv.done.val() {
                    self.spsel.next = 1.into();
                    self.tsel.next = 8.into();
                    self.twr.next = true;
                    self.state.d.next = St::Exec;
                }
            }
            St::Shift => {
                if self.t_n.q.val() == 0 {
                    self.tsel.next = 9.into();
                    self.twr.next = true;
                    self.state.d.next = St::Exec;
                } else {
                    self.vsel.next = 3.into();
                    self.t_n.d.next = self.t_n.q.val() - 1;
                    if self.shf.by8.val() {
                        self.t_n.d.next = self.t_n.q.val() - 8;
                    }
                }
            }
            St::BitCount => {
                // clz: until the top bit is set; ctz: until the low bit is; popcnt: until no
                // bit is left. At most 32 steps.
                if self.shf.done.val() {
                    self.tsel.next = 10.into();
                    self.twr.next = true;
                    self.state.d.next = St::Exec;
                } else {
                    self.vsel.next = 3.into();
                    self.t_n.d.next = self.t_n.q.val() + 1;
                    if (self.e_op.q.val() == 105) & !self.t_v.q.val().get_bit(0) {
                        self.t_n.d.next = self.t_n.q.val();
                    }
                }
            }
            St::Abi => {
                // A capability call (docs/abi.md): `tos` is its last argument, `t_ea` the
                // buffer pointer (grant: the slot to give).
                match self.abi_step.q.val().index() {
                    0 => {
                        // Check the arguments (the first of three is on the read port).
                        self.abi_slot.d.next = bit_cast::<4, 32>(self.abi_arg0.val());
                        self.abi_step.d.next = 1.into();
                        match self.abi_kind.q.val().index() {
                            1 => {
                                // send(cap, ptr, len): the first memory word is being read.
                                self.abi_step.d.next = 5.into();
                                if (self.abi_arg0.val() >= 16) | (self.tos.q.val() > 4) {
                                    self.abi_fin.next = true;
                                    self.tsel.next = 12.into();
                                    self.abi_event.next = 3.into();
                                } else if (self.tos.q.val() != 0) & self.cmp_lt.val() {
                                    self.raise.next = true;
                                    self.raise_cause.next = 4.into();
                                }
                            }
                            4 => {
                                // grant(cap, give, rights)
                                if (self.abi_arg0.val() >= 16)
                                    | (self.t_ea.q.val() >= 16)
                                    | (self.tos.q.val() > 3)
                                {
                                    self.abi_fin.next = true;
                                    self.tsel.next = 12.into();
                                    self.abi_event.next = 3.into();
                                }
                            }
                            5 => {
                                // drop(slot)
                                if self.tos.q.val() >= 16 {
                                    self.abi_fin.next = true;
                                    self.tsel.next = 12.into();
                                }
                            }
                            _ => {
                                // recv(ptr), try_recv(ptr)
                                self.abi_step.d.next = 3.into();
                                if self.cmp_lt.val() {
                                    self.raise.next = true;
                                    self.raise_cause.next = 4.into();
                                }
                            }
                        }
                    }
                    5 => {
                        // send: keep the first memory word, read the second: the payload's
                        // word i spans memory words i and i + 1 when `ptr` is unaligned.
                        self.vsel.next = 4.into();
                        self.easel.next = 3.into();
                        self.m_inc.next = true;
                        self.abi_step.d.next = 1.into();
                    }
                    1 => {
                        // Offer the send to the NI (it is idle unless scrubbing after reset).
                        self.ni_send_valid.next = true;
                        if self.ni_send_ready.val() {
                            self.abi_step.d.next = 2.into();
                        }
                    }
                    2 => {
                        // Stream the words as the NI takes them; wait for the status.
                        if self.ni_tx_next.val() {
                            self.vsel.next = 4.into();
                            self.easel.next = 3.into();
                            self.m_inc.next = true;
                        }
                        if self.ni_status_valid.val() {
                            self.abi_fin.next = true;
                            self.tsel.next = 6.into();
                            self.abi_event.next = 1.into();
                            if self.ni_status_code.val() == 1 {
                                self.tsel.next = 5.into();
                                self.abi_event.next = 2.into();
                            }
                            if self.ni_status_code.val() == 2 {
                                self.tsel.next = 12.into();
                                self.abi_event.next = 3.into();
                            }
                            if self.abi_kind.q.val() == 5 {
                                self.abi_event.next = 0.into();
                            }
                        }
                    }
                    3 => {
                        // Wait for a message (try_recv: or return -1 at once).
                        if self.ni_mb_valid.val() {
                            self.wsel.next = 4.into();
                            self.abi_len.d.next = self.ni_mb_len.val();
                            self.abi_cnt.d.next = 0.into();
                            self.t_c.d.next = false;
                            self.abi_step.d.next = 4.into();
                        } else if self.abi_kind.q.val() == 3 {
                            self.abi_fin.next = true;
                            self.tsel.next = 5.into();
                        } else {
                            self.waiting.next = true;
                        }
                    }
                    _ => {
                        // Copy: word `abi_cnt` is on `ni_mb_word` (selected last cycle); an
                        // unaligned word is written in two cycles (`t_c`: the second part).
                        self.ni_mb_sel.next = bit_cast::<2, 3>(self.abi_cnt.q.val());
                        if self.abi_cnt.q.val() == self.abi_len.q.val() {
                            self.ni_mb_pop.next = true;
                            self.abi_fin.next = true;
                            self.tsel.next = 11.into();
                            self.abi_event.next = 4.into();
                        } else if !self.t_c.q.val() {
                            self.lin.write_enable.next = bit_cast::<4, 8>(self.mif.lanes.val());
                            if self.off.val() == 0 {
                                self.easel.next = 3.into();
                                self.abi_cnt.d.next = self.abi_cnt.q.val() + 1;
                                self.ni_mb_sel.next = bit_cast::<2, 3>(self.abi_cnt.q.val() + 1);
                            } else {
                                self.t_c.d.next = true;
                            }
                        } else {
                            self.m_inc.next = true;
                            self.lin.write_enable.next =
                                bit_cast::<4, 8>(self.mif.lanes.val() >> 4);
                            self.t_c.d.next = false;
                            self.easel.next = 3.into();
                            self.abi_cnt.d.next = self.abi_cnt.q.val() + 1;
                            self.ni_mb_sel.next = bit_cast::<2, 3>(self.abi_cnt.q.val() + 1);
                        }
                    }
                }
            }
        }

        // ---- Shared actions ---------------------------------------------------------------
        if self.take.val() {
            // Read the side-table entry's first word; `t_n` keeps its index for the second.
            self.t_sp.d.next = self.take_sp.val();
            self.t_n.d.next = bit_cast::<16, PROG_A>(self.take_stp.val());
            self.e_read.next = true;
            self.pbase.next = 0.into();
            self.poff.next = self.take_stp.val() << 1;
            self.state.d.next = St::Take1;
        }
        if self.do_return.val() {
            if self.csp.q.val() == 1 {
                // The invoked function returns: its result is `tos`.
                self.state.d.next = St::Idle;
            } else {
                self.rsel.next = 5.into();
                self.state.d.next = St::Ret1;
            }
        }
        if self.abi_fin.val() {
            // The capability call returns its value in place of its arguments.
            self.twr.next = true;
            if self.abi_three.val() {
                self.spsel.next = 2.into();
            }
            self.state.d.next = St::Exec;
        }
        if self.raise.val() {
            // A trap halts the core. No memory or global write of the trapping instruction
            // happens (stores write after their bounds check); stack writes of its cycle
            // cannot be observed: every run writes each stack word before it reads it.
            self.trapped.d.next = true;
            self.cause.d.next = self.raise_cause.val();
            self.trap_at.d.next = self.raise_pc.val();
            self.state.d.next = St::Idle;
        }
        if self.reset.val() {
            self.state.d.next = St::Idle;
            self.trapped.d.next = false;
        }

        // ---- The datapath: each register and port from its select ---------------------------
        match self.tsel.val().index() {
            1 => {
                self.tos_new.next = self.alu.result.val();
            }
            2 => {
                self.tos_new.next = self.stk.read_data.val();
            }
            3 => {
                self.tos_new.next = self.x_imm.q.val();
            }
            4 => {
                self.tos_new.next = bit_cast::<32, 16>(self.mem_pages.q.val());
            }
            5 => {
                self.tos_new.next = bits::<32>(4294967295u64);
            }
            6 => {
                self.tos_new.next = 0.into();
            }
            7 => {
                self.tos_new.next = self.mif.value.val();
            }
            8 => {
                self.tos_new.next = self.muldiv.result.val();
            }
            9 => {
                self.tos_new.next = self.t_v.q.val();
            }
            10 => {
                self.tos_new.next = bit_cast::<32, 16>(self.t_n.q.val());
            }
            11 => {
                self.tos_new.next = self.t_w.q.val();
            }
            12 => {
                self.tos_new.next = bits::<32>(4294967294u64);
            }
            _ => {
                self.tos_new.next = self.tos.q.val();
            }
        }
        self.tos.d.next = self.tos_new.val();
        match self.spsel.val().index() {
            1 => {
                self.sp_next.next = self.sp.q.val() - 1;
            }
            2 => {
                self.sp_next.next = self.sp.q.val() - 2;
            }
            3 => {
                self.sp_next.next = self.sp.q.val() + 1;
            }
            4 => {
                self.sp_next.next =
                    self.t_sp.q.val() - bit_cast::<STK_A, 32>(self.prog.read_data.val());
            }
            5 => {
                self.sp_next.next = self.fp.q.val();
            }
            6 => {
                self.sp_next.next = self.fp.q.val() + 1;
            }
            7 => {
                self.sp_next.next = bit_cast::<STK_A, 16>(self.start_sp.val());
            }
            _ => {
                self.sp_next.next = self.sp.q.val();
            }
        }
        self.sp.d.next = self.sp_next.val();
        // The stack's write port: the new top written through, or another word.
        self.stk.write_enable.next = self.twr.val() | (self.swsel.val() != 0);
        self.stk.write_address.next = self.sp_next.val() - 1;
        self.stk.write_data.next = self.tos_new.val();
        match self.swsel.val().index() {
            1 => {
                self.stk.write_address.next = self.fp_imm.val();
                self.stk.write_data.next = self.tos.q.val();
            }
            2 => {
                self.stk.write_address.next = bit_cast::<STK_A, 32>(self.x_imm.q.val());
                self.stk.write_data.next = self.tos.q.val();
            }
            3 => {
                self.stk.write_address.next = self.cfp.q.val() - 2;
                self.stk.write_data.next = bit_cast::<32, PC_A>(self.e_end.q.val())
                    | (bit_cast::<32, PROG_A>(self.stp.q.val()) << 16);
            }
            4 => {
                self.stk.write_address.next = self.cfp.q.val() - 1;
                self.stk.write_data.next = bit_cast::<32, STK_A>(self.fp.q.val())
                    | (bit_cast::<32, 1>(self.cur_res.q.val().into()) << 15)
                    | (bit_cast::<32, PC_A>(self.cur_end.q.val()) << 16);
            }
            5 => {
                self.stk.write_address.next = bit_cast::<STK_A, 24>(self.load_addr.val());
                self.stk.write_data.next = bit_cast::<32, 64>(self.load_data.val());
            }
            _ => {}
        }
        match self.rsel.val().index() {
            1 => {
                self.stk.read_address.next = self.sp_next.val() - 1;
            }
            2 => {
                self.stk.read_address.next = self.sp_next.val() - 3;
            }
            3 => {
                self.stk.read_address.next = self.fp_imm.val();
            }
            4 => {
                self.stk.read_address.next = bit_cast::<STK_A, 32>(self.x_imm.q.val());
            }
            5 => {
                self.stk.read_address.next = self.cfp.q.val();
            }
            6 => {
                self.stk.read_address.next = self.cfp.q.val() + 1;
            }
            7 => {
                self.stk.read_address.next = bit_cast::<STK_A, 24>(self.peek_addr.val());
            }
            _ => {
                self.stk.read_address.next = self.sp_next.val() - 2;
            }
        }
        match self.vsel.val().index() {
            1 => {
                self.t_v.d.next = self.stk.read_data.val();
            }
            2 => {
                self.t_v.d.next = self.tos.q.val();
            }
            3 => {
                self.t_v.d.next = self.shf.stepped.val();
            }
            4 => {
                self.t_v.d.next = self.lin.read_data.val();
            }
            5 => {
                self.t_v.d.next = self.prog.read_data.val();
            }
            _ => {}
        }
        match self.wsel.val().index() {
            1 => {
                self.t_w.d.next = self.stk.read_data.val();
            }
            2 => {
                self.t_w.d.next = self.x_imm.q.val();
            }
            3 => {
                self.t_w.d.next = self.prog.read_data.val();
            }
            4 => {
                // A received message's header: badge, length, grant, slot.
                self.t_w.d.next = bit_cast::<32, 16>(self.ni_mb_badge.val())
                    | (bit_cast::<32, 3>(self.ni_mb_len.val()) << 16)
                    | (bit_cast::<32, 1>(self.ni_mb_grant.val().into()) << 19)
                    | (bit_cast::<32, 4>(self.ni_mb_slot.val()) << 20);
            }
            _ => {}
        }
        match self.easel.val().index() {
            1 => {
                self.t_ea.d.next = self.ea_sum.val();
            }
            2 => {
                // A capability call's pointer: the middle of three arguments, else the last.
                self.t_ea.d.next = bit_cast::<33, 32>(self.tos.q.val());
                if (bit_cast::<3, 32>(self.t_v.q.val() >> 25) == 1)
                    | (bit_cast::<3, 32>(self.t_v.q.val() >> 25) == 4)
                {
                    self.t_ea.d.next = bit_cast::<33, 32>(self.nos.val());
                }
            }
            3 => {
                self.t_ea.d.next = self.t_ea.q.val() + 4;
            }
            _ => {}
        }
        // Linear memory has one address for reads and writes (it may be single-ported).
        if self.state.q.val() == St::Idle {
            self.m_addr.next = bit_cast::<MEM_A, 24>(self.peek_addr.val());
            if self.load_valid.val() {
                self.m_addr.next = bit_cast::<MEM_A, 24>(self.load_addr.val());
            }
        } else if (self.state.q.val() == St::Exec) & self.is_load.val() {
            self.m_addr.next = bit_cast::<MEM_A, 33>(self.ea_sum.val() >> 2);
        } else {
            self.m_addr.next = bit_cast::<MEM_A, 33>(self.t_ea.q.val() >> 2)
                + bit_cast::<MEM_A, 1>(self.m_inc.val().into());
        }
        self.lin.read_address.next = self.m_addr.val();
        self.lin.write_address.next = self.m_addr.val();
        self.lin.write_data.next = self.mif.st_data.val();
        if self.state.q.val() == St::Idle {
            self.lin.write_data.next = bit_cast::<32, 64>(self.load_data.val());
        }
        // Program memory: execution reads a table word, or the decoder fetches.
        match self.pbase.val().index() {
            0 => {
                self.p_base.next = self.side_base.q.val();
            }
            1 => {
                self.p_base.next = self.fn_base.q.val();
            }
            2 => {
                self.p_base.next = self.elem_base.q.val();
            }
            _ => {
                self.p_base.next = self.type_base.q.val();
            }
        }
        self.p_addr.next = self.p_base.val() + self.poff.val();

        // ---- Fetch and decode -------------------------------------------------------------
        // A fetch issued last cycle fills the window slot it was for (if still there).
        self.fw0.next = self.w0.q.val();
        self.fv0.next = self.v0.q.val();
        self.fw1.next = self.w1.q.val();
        self.fv1.next = self.v1.q.val();
        if self.fv.q.val() {
            if (self.fa.q.val() == self.wa.q.val()) & !self.v0.q.val() {
                self.fw0.next = self.prog.read_data.val();
                self.fv0.next = true;
            } else if (self.fa.q.val() == (self.wa.q.val() + 1)) & !self.v1.q.val() {
                self.fw1.next = self.prog.read_data.val();
                self.fv1.next = true;
            }
        }
        self.d_free.next = (!self.x_valid.q.val() | self.x_take.val())
            & (self.state.q.val() != St::Idle)
            & !self.redirect.val();
        self.dec.w0.next = self.w0.q.val();
        self.dec.w1.next = self.w1.q.val();
        self.dec.v0.next = self.v0.q.val();
        self.dec.v1.next = self.v1.q.val();
        self.dec.off.next = bit_cast::<2, PC_A>(self.dpc.q.val());
        self.dec.phase.next = self.phase.q.val();
        self.dec.acc.next = self.acc.q.val();
        self.dec.groups.next = self.groups.q.val();
        self.dec.kind.next = self.kind.q.val();
        self.dec.op_reg.next = self.op_reg.q.val();
        self.dec.free.next = self.d_free.val();
        self.dpc_next.next = self.dpc.q.val() + bit_cast::<PC_A, 2>(self.dec.consume.val());
        self.phase.d.next = self.dec.next_phase.val();
        self.acc.d.next = self.dec.next_acc.val();
        self.groups.d.next = self.dec.next_groups.val();
        self.kind.d.next = self.dec.next_kind.val();
        if (self.phase.q.val() == 0) & (self.dec.consume.val() != 0) {
            self.d_start.d.next = self.dpc.q.val();
            self.op_reg.d.next = self.dec.rec_op.val();
        }
        if self.dec.done.val() {
            self.x_op.d.next = self.dec.rec_op.val();
            self.x_imm.d.next = self.dec.rec_imm.val();
            self.x_pc.d.next = self.d_start.q.val();
            if self.phase.q.val() == 0 {
                self.x_pc.d.next = self.dpc.q.val();
            }
            self.x_end.d.next = self.dpc_next.val();
            self.x_valid.d.next = true;
        } else if self.x_take.val() {
            self.x_valid.d.next = false;
        }
        self.dpc.d.next = self.dpc_next.val();
        // Move the window on when decoding has left its first word.
        self.wa_next.next = self.wa.q.val();
        self.w0.d.next = self.fw0.val();
        self.v0_next.next = self.fv0.val();
        self.w1.d.next = self.fw1.val();
        self.v1_next.next = self.fv1.val();
        if bit_cast::<PROG_A, PC_A>(self.dpc_next.val() >> 2) != self.wa.q.val() {
            self.wa_next.next = self.wa.q.val() + 1;
            self.w0.d.next = self.fw1.val();
            self.v0_next.next = self.fv1.val();
            self.v1_next.next = false;
        }
        if self.redirect.val() {
            self.dpc.d.next = self.redir_pc.val();
            self.wa_next.next = bit_cast::<PROG_A, PC_A>(self.redir_pc.val() >> 2);
            self.v0_next.next = false;
            self.v1_next.next = false;
            self.phase.d.next = 0.into();
            self.x_valid.d.next = false;
        }
        if self.state.q.val() == St::Idle {
            self.v0_next.next = false;
            self.v1_next.next = false;
            self.phase.d.next = 0.into();
            self.x_valid.d.next = false;
        }
        self.wa.d.next = self.wa_next.val();
        self.v0.d.next = self.v0_next.val();
        self.v1.d.next = self.v1_next.val();
        // Fetch the first word of the window not loaded, unless execution reads.
        self.d_issue.next = false;
        self.d_addr.next = self.wa_next.val();
        if !self.v0_next.val() {
            self.d_issue.next = true;
        } else if !self.v1_next.val() {
            self.d_issue.next = true;
            self.d_addr.next = self.wa_next.val() + 1;
        }
        if self.e_read.val() | (self.state.q.val() == St::Idle) {
            self.d_issue.next = false;
        }
        self.fv.d.next = self.d_issue.val();
        self.fa.d.next = self.d_addr.val();
        self.prog.read_address.next = self.d_addr.val();
        if self.e_read.val() {
            self.prog.read_address.next = self.p_addr.val();
        }

        // ---- Outputs ----------------------------------------------------------------------
        self.busy.next = self.state.q.val() != St::Idle;
        self.trap_valid.next = self.trapped.q.val();
        self.trap_cause.next = self.cause.q.val();
        self.trap_pc.next = bit_cast::<16, PC_A>(self.trap_at.q.val());
        self.result.next = self.tos.q.val();
        self.retire_op.next = self.x_op.q.val();
        self.ni_send_kind.next = 0.into();
        if self.abi_kind.q.val() == 4 {
            self.ni_send_kind.next = 1.into();
        }
        if self.abi_kind.q.val() == 5 {
            self.ni_send_kind.next = 2.into();
        }
        self.ni_send_slot.next = self.abi_slot.q.val();
        self.ni_send_len.next = bit_cast::<3, 32>(self.tos.q.val());
        self.ni_send_give.next = bit_cast::<4, 33>(self.t_ea.q.val());
        self.ni_send_mask.next = bit_cast::<2, 32>(self.tos.q.val());
        // The payload word at `ptr`'s byte offset, out of the word before and the one read.
        self.ni_tx_word.next = self.mif.raw.val();
        match self.peek_sel.q.val().index() {
            3 => {
                self.peek_data.next = self.stk.read_data.val();
            }
            5 => {
                self.peek_data.next = self.lin.read_data.val();
            }
            6 => {
                self.peek_data.next = self.stk.read_data.val();
            }
            7 => match self.peek_reg.q.val().index() {
                0 => {
                    self.peek_data.next = self.retired.q.val();
                }
                2 => {
                    self.peek_data.next = self.clocks.q.val();
                }
                4 => {
                    self.peek_data.next = bit_cast::<32, 16>(self.mem_pages.q.val());
                }
                5 => {
                    self.peek_data.next = bit_cast::<32, PC_A>(self.x_pc.q.val());
                }
                _ => {
                    self.peek_data.next = 0.into();
                }
            },
            _ => {
                self.peek_data.next = 0.into();
            }
        }
    }
}
