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
pub struct Compact<const PROG_A: usize, const STK_A: usize, const MEM_A: usize> {
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
    mem: ByteRam<MEM_A>,
    dec: Decoder,
    alu: Alu,
    muldiv: MulDiv,

    // ---- registers loaded by the loader (super::load::Reg) ----
    mem_pages: DFF<Bits<16>>,
    max_pages: DFF<Bits<16>>,
    elem_count: DFF<Bits<32>>,
    func_count: DFF<Bits<16>>,
    fuel: DFF<Bits<32>>,
    side_base: DFF<Bits<18>>,
    fn_base: DFF<Bits<18>>,
    elem_base: DFF<Bits<18>>,
    type_base: DFF<Bits<18>>,
    vs_end: DFF<Bits<16>>,
    cs_top: DFF<Bits<16>>,
    depth_limit: DFF<Bits<16>>,

    // ---- fetch and decode ----
    /// The next byte to decode, the word address of `w0`, the window and its valid bits.
    dpc: DFF<Bits<16>>,
    wa: DFF<Bits<16>>,
    w0: DFF<Bits<32>>,
    w1: DFF<Bits<32>>,
    v0: DFF<Bit>,
    v1: DFF<Bit>,
    /// A fetch was issued last cycle, for word `fa`.
    fv: DFF<Bit>,
    fa: DFF<Bits<16>>,
    phase: DFF<Bits<2>>,
    acc: DFF<Bits<32>>,
    groups: DFF<Bits<3>>,
    kind: DFF<Bits<3>>,
    op_reg: DFF<Bits<8>>,
    /// pc of the instruction being decoded.
    d_start: DFF<Bits<16>>,
    /// The decoded instruction: opcode, immediate, its pc and the pc after it.
    x_op: DFF<Bits<8>>,
    x_imm: DFF<Bits<32>>,
    x_pc: DFF<Bits<16>>,
    x_end: DFF<Bits<16>>,
    x_valid: DFF<Bit>,

    // ---- execute ----
    state: DFF<St>,
    /// pc of the executing instruction and of the one after it.
    e_pc: DFF<Bits<16>>,
    e_end: DFF<Bits<16>>,
    e_op: DFF<Bits<8>>,
    stp: DFF<Bits<16>>,
    sp: DFF<Bits<16>>,
    fp: DFF<Bits<16>>,
    /// Frames on the control stack, and the address of the top frame's first word.
    csp: DFF<Bits<16>>,
    cfp: DFF<Bits<16>>,
    tos: DFF<Bits<32>>,
    cur_end: DFF<Bits<16>>,
    cur_res: DFF<Bit>,
    retired: DFF<Bits<32>>,
    clocks: DFF<Bits<32>>,
    trapped: DFF<Bit>,
    cause: DFF<Bits<4>>,
    trap_at: DFF<Bits<16>>,
    /// Scratch: a memory access's address; a store's value, a frame or table word; the value
    /// being shifted or counted; a count.
    t_ea: DFF<Bits<33>>,
    t_v: DFF<Bits<32>>,
    t_w: DFF<Bits<32>>,
    t_n: DFF<Bits<16>>,
    t_sp: DFF<Bits<16>>,
    t_c: DFF<Bit>,
    callee: DFF<Bits<16>>,
    ret_pc: DFF<Bits<16>>,
    first_call: DFF<Bit>,
    // ---- capability calls ----
    abi_step: DFF<Bits<3>>,
    abi_kind: DFF<Bits<3>>,
    abi_slot: DFF<Bits<4>>,
    abi_ptr: DFF<Bits<32>>,
    abi_res: DFF<Bits<32>>,
    abi_len: DFF<Bits<3>>,
    abi_cnt: DFF<Bits<3>>,
    /// send: the memory word before the one on the read port (unaligned words span two).
    tx_prev: DFF<Bits<32>>,
    peek_sel: DFF<Bits<4>>,
    peek_reg: DFF<Bits<3>>,

    // ---- combinational ----
    raise: Signal<Local, Bit>,
    raise_cause: Signal<Local, Bits<4>>,
    raise_pc: Signal<Local, Bits<16>>,
    /// Execute reads the program memory this cycle (address `e_addr`).
    e_read: Signal<Local, Bit>,
    e_addr: Signal<Local, Bits<18>>,
    /// Decoding restarts at `redir_pc`.
    redirect: Signal<Local, Bit>,
    redir_pc: Signal<Local, Bits<16>>,
    /// Execution takes the decoded instruction this cycle.
    x_take: Signal<Local, Bit>,
    sp_next: Signal<Local, Bits<16>>,
    stk_ra: Signal<Local, Bits<16>>,
    stk_ra_set: Signal<Local, Bit>,
    push: Signal<Local, Bit>,
    push_val: Signal<Local, Bits<32>>,
    /// Take side-table entry `take_stp`, the operands cut back to `take_sp`.
    take: Signal<Local, Bit>,
    take_stp: Signal<Local, Bits<16>>,
    take_sp: Signal<Local, Bits<16>>,
    do_return: Signal<Local, Bit>,
    nos: Signal<Local, Bits<32>>,
    op: Signal<Local, Bits<8>>,
    imm: Signal<Local, Bits<32>>,
    out_of_fuel: Signal<Local, Bit>,
    is_binop: Signal<Local, Bit>,
    is_shift: Signal<Local, Bit>,
    is_bitcount: Signal<Local, Bit>,
    is_muldiv: Signal<Local, Bit>,
    is_load: Signal<Local, Bit>,
    is_store: Signal<Local, Bit>,
    /// Bytes of the access (1, 2 or 4) and whether it spans two words.
    size: Signal<Local, Bits<3>>,
    spans: Signal<Local, Bit>,
    ea_sum: Signal<Local, Bits<33>>,
    ea_end: Signal<Local, Bits<34>>,
    mem_bytes: Signal<Local, Bits<34>>,
    oob: Signal<Local, Bit>,
    win64: Signal<Local, Bits<64>>,
    ld_raw: Signal<Local, Bits<32>>,
    ld_val: Signal<Local, Bits<32>>,
    st_lanes: Signal<Local, Bits<8>>,
    st_data: Signal<Local, Bits<64>>,
    /// The value being shifted, one step on.
    step_val: Signal<Local, Bits<32>>,
    grown: Signal<Local, Bits<33>>,
    /// A bit count is complete.
    bc_done: Signal<Local, Bit>,
    /// A received word at its byte offset (two words wide) and its byte lanes.
    cp_data: Signal<Local, Bits<64>>,
    cp_lanes: Signal<Local, Bits<8>>,
    frame_top: Signal<Local, Bits<17>>,
    abi_three: Signal<Local, Bit>,
    abi_arg0: Signal<Local, Bits<32>>,
    abi_fin: Signal<Local, Bit>,
    abi_val: Signal<Local, Bits<32>>,
    abi_end: Signal<Local, Bits<34>>,
    // fetch
    d_free: Signal<Local, Bit>,
    dpc_next: Signal<Local, Bits<16>>,
    fw0: Signal<Local, Bits<32>>,
    fw1: Signal<Local, Bits<32>>,
    fv0: Signal<Local, Bit>,
    fv1: Signal<Local, Bit>,
    d_issue: Signal<Local, Bit>,
    d_addr: Signal<Local, Bits<16>>,
    wa_next: Signal<Local, Bits<16>>,
}

impl<const PROG_A: usize, const STK_A: usize, const MEM_A: usize> Default
    for Compact<PROG_A, STK_A, MEM_A>
{
    fn default() -> Self {
        assert!(PROG_A <= 18 && STK_A <= 15 && MEM_A <= 30);
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
            mem: Default::default(),
            dec: Default::default(),
            alu: Default::default(),
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
            ret_pc: Default::default(),
            first_call: Default::default(),
            abi_step: Default::default(),
            abi_kind: Default::default(),
            abi_slot: Default::default(),
            abi_ptr: Default::default(),
            abi_res: Default::default(),
            abi_len: Default::default(),
            abi_cnt: Default::default(),
            tx_prev: Default::default(),
            peek_sel: Default::default(),
            peek_reg: Default::default(),
            raise: Default::default(),
            raise_cause: Default::default(),
            raise_pc: Default::default(),
            e_read: Default::default(),
            e_addr: Default::default(),
            redirect: Default::default(),
            redir_pc: Default::default(),
            x_take: Default::default(),
            sp_next: Default::default(),
            stk_ra: Default::default(),
            stk_ra_set: Default::default(),
            push: Default::default(),
            push_val: Default::default(),
            take: Default::default(),
            take_stp: Default::default(),
            take_sp: Default::default(),
            do_return: Default::default(),
            nos: Default::default(),
            op: Default::default(),
            imm: Default::default(),
            out_of_fuel: Default::default(),
            is_binop: Default::default(),
            is_shift: Default::default(),
            is_bitcount: Default::default(),
            is_muldiv: Default::default(),
            is_load: Default::default(),
            is_store: Default::default(),
            size: Default::default(),
            spans: Default::default(),
            ea_sum: Default::default(),
            ea_end: Default::default(),
            mem_bytes: Default::default(),
            oob: Default::default(),
            win64: Default::default(),
            ld_raw: Default::default(),
            ld_val: Default::default(),
            st_lanes: Default::default(),
            st_data: Default::default(),
            step_val: Default::default(),
            grown: Default::default(),
            bc_done: Default::default(),
            cp_data: Default::default(),
            cp_lanes: Default::default(),
            frame_top: Default::default(),
            abi_three: Default::default(),
            abi_arg0: Default::default(),
            abi_fin: Default::default(),
            abi_val: Default::default(),
            abi_end: Default::default(),
            d_free: Default::default(),
            dpc_next: Default::default(),
            fw0: Default::default(),
            fw1: Default::default(),
            fv0: Default::default(),
            fv1: Default::default(),
            d_issue: Default::default(),
            d_addr: Default::default(),
            wa_next: Default::default(),
        }
    }
}

impl<const PROG_A: usize, const STK_A: usize, const MEM_A: usize> Logic
    for Compact<PROG_A, STK_A, MEM_A>
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
            ret_pc,
            first_call,
            abi_step,
            abi_kind,
            abi_slot,
            abi_ptr,
            abi_res,
            abi_len,
            abi_cnt,
            tx_prev,
            peek_sel,
            peek_reg
        );
        clock!(self, clock, prog, stk, mem, muldiv);

        // ---- Defaults -------------------------------------------------------------------
        self.raise.next = false;
        self.raise_cause.next = 0.into();
        self.raise_pc.next = self.e_pc.q.val();
        self.e_read.next = false;
        self.e_addr.next = 0.into();
        self.redirect.next = false;
        self.redir_pc.next = 0.into();
        self.x_take.next = false;
        self.sp_next.next = self.sp.q.val();
        self.stk_ra_set.next = false;
        self.stk_ra.next = 0.into();
        self.push.next = false;
        self.push_val.next = 0.into();
        self.take.next = false;
        self.take_stp.next = self.stp.q.val();
        self.take_sp.next = self.sp.q.val();
        self.do_return.next = false;
        self.retire.next = false;
        self.abi_fin.next = false;
        self.abi_val.next = 0.into();
        self.ni_send_valid.next = false;
        self.ni_mb_sel.next = 0.into();
        self.ni_mb_pop.next = false;
        self.waiting.next = false;
        self.abi_event.next = 0.into();
        self.nos.next = self.stk.read_data.val();
        self.stk.write_enable.next = false;
        self.stk.write_address.next = 0.into();
        self.stk.write_data.next = 0.into();
        self.prog.write_enable.next = false;
        self.prog.write_address.next = bit_cast::<PROG_A, 24>(self.load_addr.val());
        self.prog.write_data.next = bit_cast::<32, 64>(self.load_data.val());
        self.mem.write_enable.next = 0.into();
        self.mem.write_address.next = bit_cast::<MEM_A, 24>(self.load_addr.val());
        self.mem.write_data.next = bit_cast::<32, 64>(self.load_data.val());
        self.mem.read_address.next = bit_cast::<MEM_A, 33>(self.t_ea.q.val() >> 2);
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
        self.imm.next = self.x_imm.q.val();
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

        // ---- Linear memory: address, bounds, lanes ----------------------------------------
        self.size.next = 4.into();
        if (self.op.val() == 44) | (self.op.val() == 45) | (self.op.val() == 58) {
            self.size.next = 1.into();
        }
        if (self.op.val() == 46) | (self.op.val() == 47) | (self.op.val() == 59) {
            self.size.next = 2.into();
        }
        self.ea_sum.next =
            bit_cast::<33, 32>(self.tos.q.val()) + bit_cast::<33, 32>(self.x_imm.q.val());
        if self.is_store.val() {
            self.ea_sum.next =
                bit_cast::<33, 32>(self.nos.val()) + bit_cast::<33, 32>(self.x_imm.q.val());
        }
        self.ea_end.next =
            bit_cast::<34, 33>(self.t_ea.q.val()) + bit_cast::<34, 3>(self.size.val());
        self.mem_bytes.next = bit_cast::<34, 16>(self.mem_pages.q.val()) << 16;
        self.oob.next = self.ea_end.val() > self.mem_bytes.val();
        self.spans.next =
            (bit_cast::<4, 33>(self.t_ea.q.val() & 3) + bit_cast::<4, 3>(self.size.val())) > 4;
        // Load: the bytes from the access's offset, out of one word or of two (`t_w` then the
        // read data).
        self.win64.next = bit_cast::<64, 32>(self.mem.read_data.val());
        if self.state.q.val() == St::Load2 {
            self.win64.next = bit_cast::<64, 32>(self.t_w.q.val())
                | (bit_cast::<64, 32>(self.mem.read_data.val()) << 32);
        }
        self.ld_raw.next = bit_cast::<32, 64>(
            self.win64.val() >> (bit_cast::<64, 33>(self.t_ea.q.val() & 3) << 3),
        );
        self.ld_val.next = self.ld_raw.val();
        match self.op.val().index() {
            44 => {
                // load8_s
                self.ld_val.next = self.ld_raw.val() & 255;
                if self.ld_raw.val().get_bit(7) {
                    self.ld_val.next = self.ld_raw.val() | bits::<32>(4294967040u64);
                }
            }
            45 => {
                self.ld_val.next = self.ld_raw.val() & 255;
            }
            46 => {
                // load16_s
                self.ld_val.next = self.ld_raw.val() & 65535;
                if self.ld_raw.val().get_bit(15) {
                    self.ld_val.next = self.ld_raw.val() | bits::<32>(4294901760u64);
                }
            }
            47 => {
                self.ld_val.next = self.ld_raw.val() & 65535;
            }
            _ => {}
        }
        // Store: lanes of the first word in bits 3:0, of the second in 7:4.
        self.st_lanes.next = bits::<8>(15) << bit_cast::<8, 33>(self.t_ea.q.val() & 3);
        if self.size.val() == 1 {
            self.st_lanes.next = bits::<8>(1) << bit_cast::<8, 33>(self.t_ea.q.val() & 3);
        }
        if self.size.val() == 2 {
            self.st_lanes.next = bits::<8>(3) << bit_cast::<8, 33>(self.t_ea.q.val() & 3);
        }
        self.st_data.next = bit_cast::<64, 32>(self.t_v.q.val())
            << (bit_cast::<64, 33>(self.t_ea.q.val() & 3) << 3);

        // ---- Shifts and bit counts: one step of 8 or 1 bits --------------------------------
        self.step_val.next = self.t_v.q.val();
        match self.e_op.q.val().index() {
            116 => {
                // shl
                self.step_val.next = self.t_v.q.val() << 1;
                if self.t_n.q.val() >= 8 {
                    self.step_val.next = self.t_v.q.val() << 8;
                }
            }
            117 => {
                // shr_s
                self.step_val.next = self.t_v.q.val() >> 1;
                if self.t_v.q.val().get_bit(31) {
                    self.step_val.next = (self.t_v.q.val() >> 1) | bits::<32>(2147483648u64);
                }
                if self.t_n.q.val() >= 8 {
                    self.step_val.next = self.t_v.q.val() >> 8;
                    if self.t_v.q.val().get_bit(31) {
                        self.step_val.next = (self.t_v.q.val() >> 8) | bits::<32>(4278190080u64);
                    }
                }
            }
            118 => {
                // shr_u
                self.step_val.next = self.t_v.q.val() >> 1;
                if self.t_n.q.val() >= 8 {
                    self.step_val.next = self.t_v.q.val() >> 8;
                }
            }
            119 => {
                // rotl
                self.step_val.next = (self.t_v.q.val() << 1) | (self.t_v.q.val() >> 31);
                if self.t_n.q.val() >= 8 {
                    self.step_val.next = (self.t_v.q.val() << 8) | (self.t_v.q.val() >> 24);
                }
            }
            120 => {
                // rotr
                self.step_val.next = (self.t_v.q.val() >> 1) | (self.t_v.q.val() << 31);
                if self.t_n.q.val() >= 8 {
                    self.step_val.next = (self.t_v.q.val() >> 8) | (self.t_v.q.val() << 24);
                }
            }
            103 => {
                // clz counts by shifting left
                self.step_val.next = self.t_v.q.val() << 1;
            }
            _ => {
                // ctz, popcnt shift right
                self.step_val.next = self.t_v.q.val() >> 1;
            }
        }
        self.bc_done.next = self.t_v.q.val() == 0;
        if self.e_op.q.val() == 103 {
            self.bc_done.next = self.t_v.q.val().get_bit(31) | (self.t_n.q.val() == 32);
        }
        if self.e_op.q.val() == 104 {
            self.bc_done.next = self.t_v.q.val().get_bit(0) | (self.t_n.q.val() == 32);
        }
        self.grown.next =
            bit_cast::<33, 16>(self.mem_pages.q.val()) + bit_cast::<33, 32>(self.tos.q.val());
        self.frame_top.next = bit_cast::<17, 16>(self.sp.q.val())
            + bit_cast::<17, 32>(self.prog.read_data.val() & 65535);
        // Capability calls: the first of three arguments is on the read port; the range a
        // send reads (4 bytes a word) or a receive may write (16).
        self.abi_three.next = (self.abi_kind.q.val() == 1) | (self.abi_kind.q.val() == 4);
        self.abi_arg0.next = self.tos.q.val();
        if self.abi_three.val() {
            self.abi_arg0.next = self.stk.read_data.val();
        }
        self.abi_end.next = bit_cast::<34, 32>(self.abi_ptr.q.val()) + 16;
        if self.abi_kind.q.val() == 1 {
            self.abi_end.next = bit_cast::<34, 32>(self.abi_ptr.q.val())
                + (bit_cast::<34, 32>(self.tos.q.val() & 7) << 2);
        }
        self.cp_data.next = bit_cast::<64, 32>(self.ni_mb_word.val())
            << (bit_cast::<64, 32>(self.abi_ptr.q.val() & 3) << 3);
        self.cp_lanes.next = bits::<8>(15) << bit_cast::<8, 32>(self.abi_ptr.q.val() & 3);

        // ---- Execute --------------------------------------------------------------------
        match self.state.q.val() {
            St::Idle => {
                // The load and peek ports own the memories.
                self.stk_ra_set.next = true;
                self.stk_ra.next = bit_cast::<16, 24>(self.peek_addr.val());
                self.mem.read_address.next = bit_cast::<MEM_A, 24>(self.peek_addr.val());
                if self.load_valid.val() {
                    match self.load_target.val().index() {
                        0 => {
                            self.prog.write_enable.next = true;
                        }
                        3 => {
                            self.stk.write_enable.next = true;
                            self.stk.write_address.next =
                                bit_cast::<STK_A, 24>(self.load_addr.val());
                            self.stk.write_data.next = bit_cast::<32, 64>(self.load_data.val());
                        }
                        5 => {
                            self.mem.write_enable.next = 15.into();
                        }
                        6 => {
                            self.stk.write_enable.next = true;
                            self.stk.write_address.next =
                                bit_cast::<STK_A, 24>(self.load_addr.val());
                            self.stk.write_data.next = bit_cast::<32, 64>(self.load_data.val());
                        }
                        7 => match self.load_addr.val().index() {
                            0 => {
                                self.mem_pages.d.next = bit_cast::<16, 64>(self.load_data.val());
                            }
                            1 => {
                                self.max_pages.d.next = bit_cast::<16, 64>(self.load_data.val());
                            }
                            2 => {
                                self.elem_count.d.next = bit_cast::<32, 64>(self.load_data.val());
                            }
                            3 => {
                                self.func_count.d.next = bit_cast::<16, 64>(self.load_data.val());
                            }
                            4 => {
                                self.fuel.d.next = bit_cast::<32, 64>(self.load_data.val());
                                if (self.load_data.val() >> 32) != 0 {
                                    self.fuel.d.next = bits::<32>(4294967295u64);
                                }
                            }
                            8 => {
                                self.side_base.d.next = bit_cast::<18, 64>(self.load_data.val());
                            }
                            9 => {
                                self.fn_base.d.next = bit_cast::<18, 64>(self.load_data.val());
                            }
                            10 => {
                                self.elem_base.d.next = bit_cast::<18, 64>(self.load_data.val());
                            }
                            11 => {
                                self.type_base.d.next = bit_cast::<18, 64>(self.load_data.val());
                            }
                            13 => {
                                self.vs_end.d.next = bit_cast::<16, 64>(self.load_data.val());
                            }
                            14 => {
                                self.cs_top.d.next = bit_cast::<16, 64>(self.load_data.val());
                            }
                            15 => {
                                self.depth_limit.d.next = bit_cast::<16, 64>(self.load_data.val());
                            }
                            _ => {}
                        },
                        _ => {}
                    }
                }
                if self.start.val() {
                    self.state.d.next = St::Call1;
                    self.sp_next.next = self.start_sp.val();
                    self.fp.d.next = 0.into();
                    self.csp.d.next = 0.into();
                    self.cfp.d.next = self.cs_top.q.val();
                    self.callee.d.next = self.start_func.val();
                    self.first_call.d.next = true;
                    self.e_read.next = true;
                    self.e_addr.next =
                        self.fn_base.q.val() + (bit_cast::<18, 16>(self.start_func.val()) << 2);
                    self.stk_ra.next = self.start_sp.val() - 1;
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
                        self.sp_next.next = self.sp.q.val() - 1;
                        self.tos.d.next = self.alu.result.val();
                        self.stk.write_enable.next = true;
                        self.stk.write_address.next = bit_cast::<STK_A, 16>(self.sp.q.val() - 2);
                        self.stk.write_data.next = self.alu.result.val();
                    } else if self.op.val() == 69 {
                        // eqz
                        self.tos.d.next = self.alu.result.val();
                        self.stk.write_enable.next = true;
                        self.stk.write_address.next = bit_cast::<STK_A, 16>(self.sp.q.val() - 1);
                        self.stk.write_data.next = self.alu.result.val();
                    } else if self.is_shift.val() {
                        self.t_v.d.next = self.nos.val();
                        self.t_n.d.next = bit_cast::<16, 32>(self.tos.q.val() & 31);
                        self.sp_next.next = self.sp.q.val() - 1;
                        self.state.d.next = St::Shift;
                    } else if self.is_bitcount.val() {
                        self.t_v.d.next = self.tos.q.val();
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
                        self.t_ea.d.next = self.ea_sum.val();
                        self.mem.read_address.next = bit_cast::<MEM_A, 33>(self.ea_sum.val() >> 2);
                        self.state.d.next = St::Load1;
                    } else if self.is_store.val() {
                        self.t_ea.d.next = self.ea_sum.val();
                        self.t_v.d.next = self.tos.q.val();
                        self.sp_next.next = self.sp.q.val() - 2;
                        self.stk_ra_set.next = true;
                        self.stk_ra.next = self.sp.q.val() - 3;
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
                                self.sp_next.next = self.sp.q.val() - 1;
                                self.tos.d.next = self.nos.val();
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
                                self.sp_next.next = self.sp.q.val() - 1;
                                self.tos.d.next = self.nos.val();
                                if self.tos.q.val() != 0 {
                                    self.take.next = true;
                                    self.take_sp.next = self.sp.q.val() - 1;
                                } else {
                                    self.stp.d.next = self.stp.q.val() + 1;
                                }
                            }
                            14 => {
                                // br_table: entry stp + min(i, n)
                                self.sp_next.next = self.sp.q.val() - 1;
                                self.tos.d.next = self.nos.val();
                                self.take.next = true;
                                self.take_sp.next = self.sp.q.val() - 1;
                                self.take_stp.next =
                                    self.stp.q.val() + bit_cast::<16, 32>(self.tos.q.val());
                                if self.tos.q.val() > self.x_imm.q.val() {
                                    self.take_stp.next =
                                        self.stp.q.val() + bit_cast::<16, 32>(self.x_imm.q.val());
                                }
                            }
                            15 => {
                                // return
                                self.do_return.next = true;
                            }
                            16 => {
                                // call
                                self.callee.d.next = bit_cast::<16, 32>(self.x_imm.q.val());
                                self.ret_pc.d.next = self.x_end.q.val();
                                self.first_call.d.next = false;
                                self.e_read.next = true;
                                self.e_addr.next = self.fn_base.q.val()
                                    + (bit_cast::<18, 32>(self.x_imm.q.val()) << 2);
                                self.state.d.next = St::Call1;
                            }
                            17 => {
                                // call_indirect: pop the element index, read the element.
                                if self.tos.q.val() >= self.elem_count.q.val() {
                                    self.raise.next = true;
                                    self.raise_cause.next = 5.into();
                                } else {
                                    self.sp_next.next = self.sp.q.val() - 1;
                                    self.tos.d.next = self.nos.val();
                                    self.t_w.d.next = self.x_imm.q.val();
                                    self.ret_pc.d.next = self.x_end.q.val();
                                    self.first_call.d.next = false;
                                    self.e_read.next = true;
                                    self.e_addr.next = self.elem_base.q.val()
                                        + bit_cast::<18, 32>(self.tos.q.val());
                                    self.state.d.next = St::Ind1;
                                }
                            }
                            26 => {
                                // drop
                                self.sp_next.next = self.sp.q.val() - 1;
                                self.tos.d.next = self.nos.val();
                            }
                            27 => {
                                // select: c = tos, b = nos, a below them.
                                self.t_c.d.next = self.tos.q.val() != 0;
                                self.t_w.d.next = self.nos.val();
                                self.stk_ra_set.next = true;
                                self.stk_ra.next = self.sp.q.val() - 3;
                                self.state.d.next = St::Select;
                            }
                            32 => {
                                // local.get
                                self.stk_ra_set.next = true;
                                self.stk_ra.next =
                                    self.fp.q.val() + bit_cast::<16, 32>(self.x_imm.q.val());
                                self.state.d.next = St::Push;
                            }
                            33 => {
                                // local.set
                                self.stk.write_enable.next = true;
                                self.stk.write_address.next = bit_cast::<STK_A, 16>(
                                    self.fp.q.val() + bit_cast::<16, 32>(self.x_imm.q.val()),
                                );
                                self.stk.write_data.next = self.tos.q.val();
                                self.sp_next.next = self.sp.q.val() - 1;
                                self.tos.d.next = self.nos.val();
                                if (self.fp.q.val() + bit_cast::<16, 32>(self.x_imm.q.val()))
                                    == (self.sp.q.val() - 2)
                                {
                                    self.tos.d.next = self.tos.q.val();
                                }
                            }
                            34 => {
                                // local.tee
                                self.stk.write_enable.next = true;
                                self.stk.write_address.next = bit_cast::<STK_A, 16>(
                                    self.fp.q.val() + bit_cast::<16, 32>(self.x_imm.q.val()),
                                );
                                self.stk.write_data.next = self.tos.q.val();
                            }
                            35 => {
                                // global.get
                                self.stk_ra_set.next = true;
                                self.stk_ra.next = bit_cast::<16, 32>(self.x_imm.q.val());
                                self.state.d.next = St::Push;
                            }
                            36 => {
                                // global.set
                                self.stk.write_enable.next = true;
                                self.stk.write_address.next =
                                    bit_cast::<STK_A, 32>(self.x_imm.q.val());
                                self.stk.write_data.next = self.tos.q.val();
                                self.sp_next.next = self.sp.q.val() - 1;
                                self.tos.d.next = self.nos.val();
                            }
                            63 => {
                                // memory.size
                                self.push.next = true;
                                self.push_val.next = bit_cast::<32, 16>(self.mem_pages.q.val());
                            }
                            64 => {
                                // memory.grow
                                self.tos.d.next = bits::<32>(4294967295u64);
                                self.stk.write_data.next = bits::<32>(4294967295u64);
                                if self.grown.val() <= bit_cast::<33, 16>(self.max_pages.q.val()) {
                                    self.mem_pages.d.next = bit_cast::<16, 33>(self.grown.val());
                                    self.tos.d.next = bit_cast::<32, 16>(self.mem_pages.q.val());
                                    self.stk.write_data.next =
                                        bit_cast::<32, 16>(self.mem_pages.q.val());
                                }
                                self.stk.write_enable.next = true;
                                self.stk.write_address.next =
                                    bit_cast::<STK_A, 16>(self.sp.q.val() - 1);
                            }
                            65 => {
                                // i32.const
                                self.push.next = true;
                                self.push_val.next = self.x_imm.q.val();
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
                self.tos.d.next = self.stk.read_data.val();
                self.state.d.next = St::Exec;
            }
            St::Push => {
                self.push.next = true;
                self.push_val.next = self.stk.read_data.val();
                self.state.d.next = St::Exec;
            }
            St::Load1 => {
                if self.oob.val() {
                    self.raise.next = true;
                    self.raise_cause.next = 4.into();
                } else if self.spans.val() {
                    self.t_w.d.next = self.mem.read_data.val();
                    self.mem.read_address.next =
                        bit_cast::<MEM_A, 33>((self.t_ea.q.val() >> 2) + 1);
                    self.state.d.next = St::Load2;
                } else {
                    self.tos.d.next = self.ld_val.val();
                    self.stk.write_enable.next = true;
                    self.stk.write_address.next = bit_cast::<STK_A, 16>(self.sp.q.val() - 1);
                    self.stk.write_data.next = self.ld_val.val();
                    self.state.d.next = St::Exec;
                }
            }
            St::Load2 => {
                self.tos.d.next = self.ld_val.val();
                self.stk.write_enable.next = true;
                self.stk.write_address.next = bit_cast::<STK_A, 16>(self.sp.q.val() - 1);
                self.stk.write_data.next = self.ld_val.val();
                self.state.d.next = St::Exec;
            }
            St::Store1 => {
                // The operand below the two popped is on the read port: the new top.
                self.tos.d.next = self.stk.read_data.val();
                if self.oob.val() {
                    self.raise.next = true;
                    self.raise_cause.next = 4.into();
                } else {
                    self.mem.write_address.next = bit_cast::<MEM_A, 33>(self.t_ea.q.val() >> 2);
                    self.mem.write_data.next = bit_cast::<32, 64>(self.st_data.val());
                    self.mem.write_enable.next = bit_cast::<4, 8>(self.st_lanes.val());
                    self.state.d.next = St::Exec;
                    if self.spans.val() {
                        self.state.d.next = St::Store2;
                    }
                }
            }
            St::Store2 => {
                self.mem.write_address.next = bit_cast::<MEM_A, 33>((self.t_ea.q.val() >> 2) + 1);
                self.mem.write_data.next = bit_cast::<32, 64>(self.st_data.val() >> 32);
                self.mem.write_enable.next = bit_cast::<4, 8>(self.st_lanes.val() >> 4);
                self.state.d.next = St::Exec;
            }
            St::Select => {
                self.sp_next.next = self.sp.q.val() - 2;
                self.tos.d.next = self.t_w.q.val();
                self.stk.write_data.next = self.t_w.q.val();
                if self.t_c.q.val() {
                    self.tos.d.next = self.stk.read_data.val();
                    self.stk.write_data.next = self.stk.read_data.val();
                }
                self.stk.write_enable.next = true;
                self.stk.write_address.next = bit_cast::<STK_A, 16>(self.sp.q.val() - 3);
                self.state.d.next = St::Exec;
            }
            St::Take1 => {
                // Entry word 0: target pc and side-table pointer; read word 1.
                self.t_w.d.next = self.prog.read_data.val();
                self.e_read.next = true;
                self.e_addr.next =
                    self.side_base.q.val() + (bit_cast::<18, 16>(self.t_n.q.val()) << 1) + 1;
                self.state.d.next = St::Take2;
            }
            St::Take2 => {
                // Entry word 1: drop [15:0], keep [16].
                self.redirect.next = true;
                self.redir_pc.next = bit_cast::<16, 32>(self.t_w.q.val());
                self.stp.d.next = bit_cast::<16, 32>(self.t_w.q.val() >> 16);
                self.sp_next.next =
                    self.t_sp.q.val() - bit_cast::<16, 32>(self.prog.read_data.val());
                self.state.d.next = St::Exec;
                if self.prog.read_data.val().get_bit(16) {
                    self.stk.write_enable.next = true;
                    self.stk.write_address.next = bit_cast::<STK_A, 16>(
                        self.t_sp.q.val() - bit_cast::<16, 32>(self.prog.read_data.val()) - 1,
                    );
                    self.stk.write_data.next = self.tos.q.val();
                } else if (self.prog.read_data.val() & 65535) != 0 {
                    self.stk_ra_set.next = true;
                    self.stk_ra.next =
                        self.t_sp.q.val() - bit_cast::<16, 32>(self.prog.read_data.val()) - 1;
                    self.state.d.next = St::Fill;
                }
            }
            St::Call1 => {
                // Function word 0: entry pc, entry side-table pointer.
                if self.first_call.q.val() {
                    self.tos.d.next = self.stk.read_data.val();
                }
                self.t_w.d.next = self.prog.read_data.val();
                self.e_read.next = true;
                self.e_addr.next =
                    self.fn_base.q.val() + (bit_cast::<18, 16>(self.callee.q.val()) << 2) + 1;
                self.state.d.next = St::Call2;
            }
            St::Call2 => {
                // Word 1: end pc [15:0], params [23:16], results [24], kind [27:25].
                self.t_v.d.next = self.prog.read_data.val();
                self.e_read.next = true;
                self.e_addr.next =
                    self.fn_base.q.val() + (bit_cast::<18, 16>(self.callee.q.val()) << 2) + 2;
                self.state.d.next = St::Call3;
            }
            St::Call3 => {
                // Word 2: frame need (locals + max stack) [15:0], locals [31:16]. The checks,
                // then the caller's frame: (return pc, side-table pointer) first.
                if self.first_call.q.val() {
                    self.raise_pc.next = bit_cast::<16, 32>(self.t_w.q.val());
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
                        self.abi_ptr.d.next = self.tos.q.val();
                        if (bit_cast::<3, 32>(self.t_v.q.val() >> 25) == 1)
                            | (bit_cast::<3, 32>(self.t_v.q.val() >> 25) == 4)
                        {
                            self.abi_ptr.d.next = self.nos.val();
                        }
                        self.stk_ra_set.next = true;
                        self.stk_ra.next = self.sp.q.val() - 3;
                        self.state.d.next = St::Abi;
                    }
                } else if (self.csp.q.val() >= self.depth_limit.q.val())
                    | (self.frame_top.val() > bit_cast::<17, 16>(self.vs_end.q.val()))
                {
                    self.raise.next = true;
                    self.raise_cause.next = 7.into();
                } else {
                    self.stk.write_enable.next = true;
                    self.stk.write_address.next = bit_cast::<STK_A, 16>(self.cfp.q.val() - 2);
                    self.stk.write_data.next = bit_cast::<32, 16>(self.ret_pc.q.val())
                        | (bit_cast::<32, 16>(self.stp.q.val()) << 16);
                    self.t_n.d.next = bit_cast::<16, 32>(self.prog.read_data.val() >> 16);
                    self.state.d.next = St::Call4;
                }
            }
            St::Call4 => {
                // The caller's (fp, result count, end pc); enter the callee.
                self.stk.write_enable.next = true;
                self.stk.write_address.next = bit_cast::<STK_A, 16>(self.cfp.q.val() - 1);
                self.stk.write_data.next = bit_cast::<32, 16>(self.fp.q.val() & 32767)
                    | (bit_cast::<32, 1>(self.cur_res.q.val().into()) << 15)
                    | (bit_cast::<32, 16>(self.cur_end.q.val()) << 16);
                self.cfp.d.next = self.cfp.q.val() - 2;
                self.csp.d.next = self.csp.q.val() + 1;
                self.fp.d.next =
                    self.sp.q.val() - bit_cast::<16, 32>((self.t_v.q.val() >> 16) & 255);
                self.cur_end.d.next = bit_cast::<16, 32>(self.t_v.q.val());
                self.cur_res.d.next = self.t_v.q.val().get_bit(24);
                self.stp.d.next = bit_cast::<16, 32>(self.t_w.q.val() >> 16);
                self.redirect.next = true;
                self.redir_pc.next = bit_cast::<16, 32>(self.t_w.q.val());
                self.state.d.next = St::Exec;
                if self.t_n.q.val() != 0 {
                    self.state.d.next = St::ZeroLocals;
                }
            }
            St::ZeroLocals => {
                self.push.next = true;
                self.push_val.next = 0.into();
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
                    self.callee.d.next = bit_cast::<16, 32>(self.prog.read_data.val());
                    self.e_read.next = true;
                    self.e_addr.next =
                        self.type_base.q.val() + bit_cast::<18, 32>(self.t_w.q.val());
                    self.state.d.next = St::Ind2;
                }
            }
            St::Ind2 => {
                self.t_w.d.next = self.prog.read_data.val();
                self.e_read.next = true;
                self.e_addr.next =
                    self.fn_base.q.val() + (bit_cast::<18, 16>(self.callee.q.val()) << 2) + 3;
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
                    self.e_addr.next =
                        self.fn_base.q.val() + (bit_cast::<18, 16>(self.callee.q.val()) << 2);
                    self.state.d.next = St::Call1;
                }
            }
            St::Ret1 => {
                // Frame word 0: return pc [15:0], side-table pointer [31:16].
                self.t_w.d.next = self.stk.read_data.val();
                self.stk_ra_set.next = true;
                self.stk_ra.next = self.cfp.q.val() + 1;
                self.state.d.next = St::Ret2;
            }
            St::Ret2 => {
                // Word 1: fp [14:0], result count [15], end pc [31:16].
                self.state.d.next = St::Exec;
                if self.cur_res.q.val() {
                    self.stk.write_enable.next = true;
                    self.stk.write_address.next = bit_cast::<STK_A, 16>(self.fp.q.val());
                    self.stk.write_data.next = self.tos.q.val();
                    self.sp_next.next = self.fp.q.val() + 1;
                } else {
                    self.sp_next.next = self.fp.q.val();
                    self.stk_ra_set.next = true;
                    self.stk_ra.next = self.fp.q.val() - 1;
                    self.state.d.next = St::Fill;
                }
                self.fp.d.next = bit_cast::<16, 32>(self.stk.read_data.val() & 32767);
                self.cur_res.d.next = self.stk.read_data.val().get_bit(15);
                self.cur_end.d.next = bit_cast::<16, 32>(self.stk.read_data.val() >> 16);
                self.stp.d.next = bit_cast::<16, 32>(self.t_w.q.val() >> 16);
                self.csp.d.next = self.csp.q.val() - 1;
                self.cfp.d.next = self.cfp.q.val() + 2;
                self.redirect.next = true;
                self.redir_pc.next = bit_cast::<16, 32>(self.t_w.q.val());
            }
            St::MulDiv => {
                if self.muldiv.done.val() {
                    self.sp_next.next = self.sp.q.val() - 1;
                    self.tos.d.next = self.muldiv.result.val();
                    self.stk.write_enable.next = true;
                    self.stk.write_address.next = bit_cast::<STK_A, 16>(self.sp.q.val() - 2);
                    self.stk.write_data.next = self.muldiv.result.val();
                    self.state.d.next = St::Exec;
                }
            }
            St::Shift => {
                if self.t_n.q.val() == 0 {
                    self.tos.d.next = self.t_v.q.val();
                    self.stk.write_enable.next = true;
                    self.stk.write_address.next = bit_cast::<STK_A, 16>(self.sp.q.val() - 1);
                    self.stk.write_data.next = self.t_v.q.val();
                    self.state.d.next = St::Exec;
                } else {
                    self.t_v.d.next = self.step_val.val();
                    self.t_n.d.next = self.t_n.q.val() - 1;
                    if self.t_n.q.val() >= 8 {
                        self.t_n.d.next = self.t_n.q.val() - 8;
                    }
                }
            }
            St::BitCount => {
                // clz: until the top bit is set; ctz: until the low bit is; popcnt: until no
                // bit is left. At most 32 steps.
                if self.bc_done.val() {
                    self.tos.d.next = bit_cast::<32, 16>(self.t_n.q.val());
                    self.stk.write_enable.next = true;
                    self.stk.write_address.next = bit_cast::<STK_A, 16>(self.sp.q.val() - 1);
                    self.stk.write_data.next = bit_cast::<32, 16>(self.t_n.q.val());
                    self.state.d.next = St::Exec;
                } else {
                    self.t_v.d.next = self.step_val.val();
                    self.t_n.d.next = self.t_n.q.val() + 1;
                    if (self.e_op.q.val() == 105) & !self.t_v.q.val().get_bit(0) {
                        self.t_n.d.next = self.t_n.q.val();
                    }
                }
            }
            St::Abi => {
                // A capability call (docs/abi.md): `tos` is its last argument.
                match self.abi_step.q.val().index() {
                    0 => {
                        // Check the arguments (the first of three is on the read port).
                        self.abi_slot.d.next = bit_cast::<4, 32>(self.abi_arg0.val());
                        self.abi_step.d.next = 1.into();
                        match self.abi_kind.q.val().index() {
                            1 => {
                                // send(cap, ptr, len)
                                self.mem.read_address.next =
                                    bit_cast::<MEM_A, 32>(self.abi_ptr.q.val() >> 2);
                                self.abi_step.d.next = 5.into();
                                if (self.abi_arg0.val() >= 16) | (self.tos.q.val() > 4) {
                                    self.abi_fin.next = true;
                                    self.abi_val.next = bits::<32>(4294967294u64);
                                    self.abi_event.next = 3.into();
                                } else if (self.tos.q.val() != 0)
                                    & (self.abi_end.val() > self.mem_bytes.val())
                                {
                                    self.raise.next = true;
                                    self.raise_cause.next = 4.into();
                                }
                            }
                            4 => {
                                // grant(cap, give, rights)
                                if (self.abi_arg0.val() >= 16)
                                    | (self.abi_ptr.q.val() >= 16)
                                    | (self.tos.q.val() > 3)
                                {
                                    self.abi_fin.next = true;
                                    self.abi_val.next = bits::<32>(4294967294u64);
                                    self.abi_event.next = 3.into();
                                }
                            }
                            5 => {
                                // drop(slot)
                                if self.tos.q.val() >= 16 {
                                    self.abi_fin.next = true;
                                    self.abi_val.next = bits::<32>(4294967294u64);
                                }
                            }
                            _ => {
                                // recv(ptr), try_recv(ptr)
                                self.abi_step.d.next = 3.into();
                                if self.abi_end.val() > self.mem_bytes.val() {
                                    self.raise.next = true;
                                    self.raise_cause.next = 4.into();
                                }
                            }
                        }
                    }
                    5 => {
                        // send: keep the first memory word, read the second: the payload's
                        // word i spans memory words i and i + 1 when `ptr` is unaligned.
                        self.tx_prev.d.next = self.mem.read_data.val();
                        self.abi_ptr.d.next = self.abi_ptr.q.val() + 4;
                        self.mem.read_address.next =
                            bit_cast::<MEM_A, 32>((self.abi_ptr.q.val() + 4) >> 2);
                        self.abi_step.d.next = 1.into();
                    }
                    1 => {
                        // Offer the send to the NI (it is idle unless scrubbing after reset).
                        self.ni_send_valid.next = true;
                        self.mem.read_address.next =
                            bit_cast::<MEM_A, 32>(self.abi_ptr.q.val() >> 2);
                        if self.ni_send_ready.val() {
                            self.abi_step.d.next = 2.into();
                        }
                    }
                    2 => {
                        // Stream the words as the NI takes them; wait for the status.
                        self.mem.read_address.next =
                            bit_cast::<MEM_A, 32>(self.abi_ptr.q.val() >> 2);
                        if self.ni_tx_next.val() {
                            self.tx_prev.d.next = self.mem.read_data.val();
                            self.abi_ptr.d.next = self.abi_ptr.q.val() + 4;
                            self.mem.read_address.next =
                                bit_cast::<MEM_A, 32>((self.abi_ptr.q.val() + 4) >> 2);
                        }
                        if self.ni_status_valid.val() {
                            self.abi_fin.next = true;
                            self.abi_val.next = 0.into();
                            self.abi_event.next = 1.into();
                            if self.ni_status_code.val() == 1 {
                                self.abi_val.next = bits::<32>(4294967295u64);
                                self.abi_event.next = 2.into();
                            }
                            if self.ni_status_code.val() == 2 {
                                self.abi_val.next = bits::<32>(4294967294u64);
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
                            self.abi_res.d.next = bit_cast::<32, 16>(self.ni_mb_badge.val())
                                | (bit_cast::<32, 3>(self.ni_mb_len.val()) << 16)
                                | (bit_cast::<32, 1>(self.ni_mb_grant.val().into()) << 19)
                                | (bit_cast::<32, 4>(self.ni_mb_slot.val()) << 20);
                            self.abi_len.d.next = self.ni_mb_len.val();
                            self.abi_cnt.d.next = 0.into();
                            self.t_c.d.next = false;
                            self.abi_step.d.next = 4.into();
                        } else if self.abi_kind.q.val() == 3 {
                            self.abi_fin.next = true;
                            self.abi_val.next = bits::<32>(4294967295u64);
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
                            self.abi_val.next = self.abi_res.q.val();
                            self.abi_event.next = 4.into();
                        } else if !self.t_c.q.val() {
                            self.mem.write_address.next =
                                bit_cast::<MEM_A, 32>(self.abi_ptr.q.val() >> 2);
                            self.mem.write_data.next = bit_cast::<32, 64>(self.cp_data.val());
                            self.mem.write_enable.next = bit_cast::<4, 8>(self.cp_lanes.val());
                            if (self.abi_ptr.q.val() & 3) == 0 {
                                self.abi_ptr.d.next = self.abi_ptr.q.val() + 4;
                                self.abi_cnt.d.next = self.abi_cnt.q.val() + 1;
                                self.ni_mb_sel.next = bit_cast::<2, 3>(self.abi_cnt.q.val() + 1);
                            } else {
                                self.t_c.d.next = true;
                            }
                        } else {
                            self.mem.write_address.next =
                                bit_cast::<MEM_A, 32>((self.abi_ptr.q.val() >> 2) + 1);
                            self.mem.write_data.next = bit_cast::<32, 64>(self.cp_data.val() >> 32);
                            self.mem.write_enable.next = bit_cast::<4, 8>(self.cp_lanes.val() >> 4);
                            self.t_c.d.next = false;
                            self.abi_ptr.d.next = self.abi_ptr.q.val() + 4;
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
            self.t_n.d.next = self.take_stp.val();
            self.e_read.next = true;
            self.e_addr.next =
                self.side_base.q.val() + (bit_cast::<18, 16>(self.take_stp.val()) << 1);
            self.state.d.next = St::Take1;
        }
        if self.do_return.val() {
            if self.csp.q.val() == 1 {
                // The invoked function returns: its result is `tos`.
                self.state.d.next = St::Idle;
            } else {
                self.stk_ra_set.next = true;
                self.stk_ra.next = self.cfp.q.val();
                self.state.d.next = St::Ret1;
            }
        }
        if self.push.val() {
            self.sp_next.next = self.sp.q.val() + 1;
            self.tos.d.next = self.push_val.val();
            self.stk.write_enable.next = true;
            self.stk.write_address.next = bit_cast::<STK_A, 16>(self.sp.q.val());
            self.stk.write_data.next = self.push_val.val();
        }
        if self.abi_fin.val() {
            // The capability call returns `abi_val` in place of its arguments.
            self.tos.d.next = self.abi_val.val();
            self.stk.write_enable.next = true;
            self.stk.write_address.next = bit_cast::<STK_A, 16>(self.sp.q.val() - 1);
            if self.abi_three.val() {
                self.sp_next.next = self.sp.q.val() - 2;
                self.stk.write_address.next = bit_cast::<STK_A, 16>(self.sp.q.val() - 3);
            }
            self.stk.write_data.next = self.abi_val.val();
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
        self.sp.d.next = self.sp_next.val();
        if self.stk_ra_set.val() {
            self.stk.read_address.next = bit_cast::<STK_A, 16>(self.stk_ra.val());
        } else {
            self.stk.read_address.next = bit_cast::<STK_A, 16>(self.sp_next.val() - 2);
        }

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
        self.dec.off.next = bit_cast::<2, 16>(self.dpc.q.val());
        self.dec.phase.next = self.phase.q.val();
        self.dec.acc.next = self.acc.q.val();
        self.dec.groups.next = self.groups.q.val();
        self.dec.kind.next = self.kind.q.val();
        self.dec.op_reg.next = self.op_reg.q.val();
        self.dec.free.next = self.d_free.val();
        self.dpc_next.next = self.dpc.q.val() + bit_cast::<16, 2>(self.dec.consume.val());
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
        self.v0.d.next = self.fv0.val();
        self.w1.d.next = self.fw1.val();
        self.v1.d.next = self.fv1.val();
        if (self.dpc_next.val() >> 2) != self.wa.q.val() {
            self.wa_next.next = self.wa.q.val() + 1;
            self.w0.d.next = self.fw1.val();
            self.v0.d.next = self.fv1.val();
            self.v1.d.next = false;
        }
        if self.redirect.val() {
            self.dpc.d.next = self.redir_pc.val();
            self.wa_next.next = self.redir_pc.val() >> 2;
            self.v0.d.next = false;
            self.v1.d.next = false;
            self.phase.d.next = 0.into();
            self.x_valid.d.next = false;
        }
        if self.state.q.val() == St::Idle {
            self.v0.d.next = false;
            self.v1.d.next = false;
            self.phase.d.next = 0.into();
            self.x_valid.d.next = false;
        }
        self.wa.d.next = self.wa_next.val();
        // Fetch the first word of the window not loaded, unless execution reads.
        self.d_issue.next = false;
        self.d_addr.next = self.wa_next.val();
        if !self.v0.d.val() {
            self.d_issue.next = true;
        } else if !self.v1.d.val() {
            self.d_issue.next = true;
            self.d_addr.next = self.wa_next.val() + 1;
        }
        if self.e_read.val() | (self.state.q.val() == St::Idle) {
            self.d_issue.next = false;
        }
        self.fv.d.next = self.d_issue.val();
        self.fa.d.next = self.d_addr.val();
        self.prog.read_address.next = bit_cast::<PROG_A, 16>(self.d_addr.val());
        if self.e_read.val() {
            self.prog.read_address.next = bit_cast::<PROG_A, 18>(self.e_addr.val());
        }

        // ---- Outputs ----------------------------------------------------------------------
        self.busy.next = self.state.q.val() != St::Idle;
        self.trap_valid.next = self.trapped.q.val();
        self.trap_cause.next = self.cause.q.val();
        self.trap_pc.next = self.trap_at.q.val();
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
        self.ni_send_give.next = bit_cast::<4, 32>(self.abi_ptr.q.val());
        self.ni_send_mask.next = bit_cast::<2, 32>(self.tos.q.val());
        // The payload word at `ptr`'s byte offset, out of the word before and the one read.
        self.ni_tx_word.next = bit_cast::<32, 64>(
            (bit_cast::<64, 32>(self.tx_prev.q.val())
                | (bit_cast::<64, 32>(self.mem.read_data.val()) << 32))
                >> (bit_cast::<64, 32>(self.abi_ptr.q.val() & 3) << 3),
        );
        match self.peek_sel.q.val().index() {
            3 => {
                self.peek_data.next = self.stk.read_data.val();
            }
            5 => {
                self.peek_data.next = self.mem.read_data.val();
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
                    self.peek_data.next = bit_cast::<32, 16>(self.x_pc.q.val());
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
