//! The enclave core: executes an image's Wasm bytecode in place (docs/enclave.md).
//!
//! A multi-cycle stack machine that follows the execution contract of [`crate::image`]
//! exactly, as [`crate::model`] does. Top of stack in a register (`tos`) *and* in the value
//! stack (write-through), so locals and the operand stack share one coherent block RAM whose
//! read port always fetches the next-on-stack for the following cycle.
//!
//! # Ports
//! - `start` (pulse, when idle) with `start_func` (Wasm function index) and `start_sp` (number
//!   of arguments, already written to value-stack words `0..start_sp` through the load port;
//!   the instruction budget is register 4 of [`LoadTarget::Regs`]). `busy` is high until the
//!   run halts; then `trap_valid`, `trap_cause` ([`TRAP_CAUSES`] order) and `trap_pc` tell why
//!   it stopped, or `result` holds the function's result (if it has one). The run's
//!   instruction and cycle counts are read through the peek port.
//! - Load port (privileged, honoured only when idle): `load_valid`, `load_target`
//!   ([`LoadTarget`]), `load_addr` (word index within the target), `load_data`.
//! - Peek port (when idle): `peek_target` and `peek_addr` in one cycle, `peek_data` in the
//!   next: linear memory, globals, value stack, and with target `Regs` 0/1 the instruction
//!   count (low/high), 2/3 the cycle count, 4 the linear memory size in pages, 5 the pc.
//!
//! # Memories (`2^N` words; widths in bits)
//! code: two banks of `2^CODE_A` x 32 (even and odd words, so any 8-byte aligned pair is read
//! in one cycle: an opcode and its immediate); side table `2^SIDE_A` x 49; value stack
//! `2^VS_A` x 32; control stack `2^CS_A` x 64; function table `2^FN_A` x 2 x 64; globals and
//! signature ids 512 x 32; table `2^TAB_A` x 32; linear memory two banks of `2^MEM_A` x 32
//! with byte enables (unaligned accesses in one cycle).
//!
//! # Cycles per instruction
//! Instructions are decoded a cycle ahead, into the `d_*` registers; a jump (taken branch,
//! call, return) and an instruction that does not lie wholly in the fetched 8 bytes cost a
//! bubble cycle to decode (two more when an immediate runs past the window), except where a
//! fill or zero-locals cycle follows anyway.
//! 1: constants, ALU, local.set/tee, global.set, drop, nop, block/loop, not-taken branches;
//! local.get when its value could be read a cycle early (the cycle before decoded it).
//! 2: taken branches and return (with the bubble), other local.gets, global.get, loads,
//! stores, select, clz/ctz/popcnt. br_table 3. call: 2 + one per local, 3 without locals.
//! mul: 3 to 18; div 35, rem 34 (36 with a negative signed dividend).
use super::muldiv::MulDiv;
use super::sram::{Sram, PLAIN, TRANSPARENT, WRITE_BEHIND};
use crate::byte_ram::ByteRam;
use rust_hdl::prelude::*;

/// Trap causes in `trap_cause` order (0 = no trap).
pub const TRAP_CAUSES: [&str; 15] = [
    "none",
    "unreachable",
    "integer divide by zero",
    "integer overflow",
    "out of bounds memory access",
    "undefined element",
    "indirect call type mismatch",
    "call stack exhausted",
    "fuel exhausted",
    "call to castle.send",
    "call to castle.recv",
    "call to castle.try_recv",
    "call to castle.grant",
    "illegal instruction",
    "call to castle.drop",
];

/// What the load port writes (`load_target`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum LoadTarget {
    /// Code word `addr` (bytes `4 addr .. 4 addr + 4`, little-endian), `data[31:0]`.
    Code = 0,
    /// Side-table entry `addr`: target_pc `[15:0]`, target_stp `[31:16]`, keep `[32]`,
    /// drop `[48:33]`.
    Side = 1,
    /// Function `addr / 2`, half `addr % 2`: low half entry_pc `[15:0]`, entry_stp `[31:16]`,
    /// end_pc `[47:32]`, params `[55:48]`, results `[56]`, kind `[59:57]` (0 defined, 1..4
    /// the castle imports send, recv, try_recv, grant); high half locals `[15:0]`,
    /// max_stack `[31:16]`, type_id `[47:32]`.
    Func = 2,
    /// Global `addr` (0..256), or the canonical signature id of type `addr - 256`.
    Misc = 3,
    /// Table element `addr`: function index `[15:0]`, valid `[16]`.
    Elem = 4,
    /// Linear memory word `addr`.
    Memory = 5,
    /// Value-stack word `addr` (the arguments of the next run).
    Stack = 6,
    /// Registers: 0 pages, 1 max pages, 2 table length, 3 number of functions, 4 the
    /// instruction budget (fuel) of the next run.
    Regs = 7,
}

/// First `Misc` word of the signature ids.
pub const MISC_TYPES: u32 = 256;

// State codes (rust-hdl match arms need literal numbers; keep these in sync).
// 0 idle, 1 call, 2 zero locals, 3 exec (or a decode bubble), 4 fill tos (and a store's write),
// 5 local.get, 6 global.get, 7 load, 8 select, 9 br_table, 10 mul/div, 11 call_indirect,
// 12 clz/ctz/popcnt (second cycles).

/// The enclave core. Address widths: see the module documentation.
#[derive(LogicBlock)]
pub struct Enclave<
    const CODE_A: usize,
    const SIDE_A: usize,
    const VS_A: usize,
    const CS_A: usize,
    const FN_A: usize,
    const TAB_A: usize,
    const MEM_A: usize,
> {
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
    /// High in the cycle an instruction starts executing (for profiling).
    pub retire: Signal<Out, Bit>,
    /// The opcode of that instruction.
    pub retire_op: Signal<Out, Bits<8>>,
    /// 1: a network interface is attached and the capability calls run; 0: they trap.
    pub net_present: Signal<In, Bit>,
    // The NI's enclave side (noc/src/ni.rs): send port, word stream, status, mailbox.
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
    /// Waiting in `castle.recv` with an empty mailbox.
    pub waiting: Signal<Out, Bit>,
    /// Pulses with the outcome of a capability call: 1 delivered, 2 rejected, 3 refused (a
    /// send or a grant), 4 a message received.
    pub abi_event: Signal<Out, Bits<3>>,

    // Memories.
    code_even: Sram<CODE_A, 32, PLAIN>,
    code_odd: Sram<CODE_A, 32, PLAIN>,
    side: Sram<SIDE_A, 49, PLAIN>,
    vstack: Sram<VS_A, 32, WRITE_BEHIND>,
    cstack: Sram<CS_A, 64, TRANSPARENT>,
    fn_lo: Sram<FN_A, 64, PLAIN>,
    fn_hi: Sram<FN_A, 64, PLAIN>,
    misc: Sram<9, 32, PLAIN>,
    elems: Sram<TAB_A, 32, PLAIN>,
    mem_even: ByteRam<MEM_A>,
    mem_odd: ByteRam<MEM_A>,
    // Datapath blocks.
    muldiv: MulDiv,
    // Limits, from the address widths.
    depth_limit: Constant<Bits<16>>,
    stack_words: Constant<Bits<18>>,

    // Architectural registers.
    state: DFF<Bits<4>>,
    pc: DFF<Bits<16>>,
    stp: DFF<Bits<16>>,
    sp: DFF<Bits<16>>,
    fp: DFF<Bits<16>>,
    csp: DFF<Bits<16>>,
    tos: DFF<Bits<32>>,
    cur_end: DFF<Bits<16>>,
    cur_results: DFF<Bit>,
    mem_pages: DFF<Bits<16>>,
    max_pages: DFF<Bits<16>>,
    elem_count: DFF<Bits<32>>,
    func_count: DFF<Bits<16>>,
    retired: DFF<Bits<48>>,
    clocks: DFF<Bits<48>>,
    trapped: DFF<Bit>,
    cause: DFF<Bits<4>>,
    trap_at: DFF<Bits<16>>,
    // Per-instruction scratch registers.
    callee: DFF<Bits<16>>,
    ret_pc: DFF<Bits<16>>,
    check_type: DFF<Bit>,
    first_call: DFF<Bit>,
    type_want: DFF<Bits<16>>,
    refetched: DFF<Bit>,
    op_reg: DFF<Bits<8>>,
    fetch_odd: DFF<Bit>,
    zcount: DFF<Bits<16>>,
    sel_cond: DFF<Bit>,
    sel_b: DFF<Bits<32>>,
    /// Low bits of a load's address (byte lane and bank), for its second cycle.
    ea_reg: DFF<Bits<3>>,
    ld_op: DFF<Bits<8>>,
    /// The load or store of the previous cycle was out of bounds: it traps in its second
    /// cycle (a store's write was suppressed), so the exec cycle's stack and fetch logic does
    /// not wait for the bounds comparison.
    oob: DFF<Bit>,
    /// i32.div_s overflowed: it traps in its second cycle.
    ovf: DFF<Bit>,
    /// The pc of that load, store or division.
    mem_pc: DFF<Bits<16>>,
    /// A store's bank writes, registered in its exec cycle and done in its second cycle
    /// (unless `oob`), so no write port waits for the address adders and bounds check.
    st_addr_even: DFF<Bits<MEM_A>>,
    st_addr_odd: DFF<Bits<MEM_A>>,
    st_data_even: DFF<Bits<32>>,
    st_data_odd: DFF<Bits<32>>,
    st_we_even: DFF<Bits<4>>,
    st_we_odd: DFF<Bits<4>>,
    peek_sel: DFF<Bits<4>>,
    peek_odd: DFF<Bit>,
    peek_reg: DFF<Bits<3>>,
    lget_ready: DFF<Bit>,
    /// The instruction budget of a run: it traps when `retired` reaches it.
    fuel_budget: DFF<Bits<48>>,
    /// The decoded instruction at `pc` (valid when `d_valid`), filled a cycle ahead: opcode,
    /// immediate, length in bytes.
    d_op: DFF<Bits<8>>,
    d_imm: DFF<Bits<32>>,
    d_ilen: DFF<Bits<4>>,
    d_valid: DFF<Bit>,
    /// The instruction at `pc` did not fit the window: its opcode is in `op_reg`; fetch again
    /// from its immediate.
    refetch_due: DFF<Bit>,
    // A capability call in progress (state 13, docs/abi.md).
    /// The import's function-table kind: 1 send, 2 recv, 3 try_recv, 4 grant, 5 drop.
    abi_kind: DFF<Bits<3>>,
    /// 0 arguments, 1 offer the send to the NI, 2 wait for its status, 3 wait for a message,
    /// 4 copy the message into linear memory.
    abi_step: DFF<Bits<3>>,
    /// The c-list slot (send, grant: `cap`; drop: `slot`).
    abi_slot: DFF<Bits<4>>,
    /// The memory address of the next word (send: `ptr`, recv: its buffer), or grant's `give`.
    abi_ptr: DFF<Bits<32>>,
    /// `abi_ptr` moved in the previous cycle: the memory's read data is not its word yet.
    abi_adv: DFF<Bit>,
    /// recv: the header to return, the message's length and the words copied so far.
    abi_res: DFF<Bits<32>>,
    abi_len: DFF<Bits<3>>,
    abi_cnt: DFF<Bits<3>>,
    /// A copied word's store is registered in the `st_*` registers: write it now.
    abi_wr: DFF<Bit>,
    /// send: the payload word the NI takes next (`ni_tx_word`), and whether it is loaded.
    tx_data: DFF<Bits<32>>,
    tx_have: DFF<Bit>,

    // Combinational signals.
    out_of_fuel: Signal<Local, Bit>,
    /// A store's bank writes are registered this cycle (from `ea` and `st_val`).
    st_issue: Signal<Local, Bit>,
    st_val: Signal<Local, Bits<32>>,
    /// The capability call has three arguments (send, grant).
    abi_three: Signal<Local, Bit>,
    /// Its first argument.
    abi_arg0: Signal<Local, Bits<32>>,
    /// The call ends this cycle with result `abi_val`.
    abi_fin: Signal<Local, Bit>,
    abi_val: Signal<Local, Bits<32>>,
    pc_next: Signal<Local, Bits<16>>,
    stp_next: Signal<Local, Bits<16>>,
    sp_next: Signal<Local, Bits<16>>,
    csp_next: Signal<Local, Bits<16>>,
    refetch_now: Signal<Local, Bit>,
    ld_raw: Signal<Local, Bits<32>>,
    fetch_word: Signal<Local, Bits<14>>,
    /// `pc_next` is `pc + ilen` (an instruction that falls through).
    seq: Signal<Local, Bit>,
    /// Words the fall-through fetch starts at, past `pc`'s: `((pc & 3) + ilen) / 4`.
    seq_k: Signal<Local, Bits<4>>,
    /// Bank addresses `(pc / 4 + j) / 2`, j = 0..3, for the fall-through fetch.
    seq_h0: Signal<Local, Bits<14>>,
    seq_h1: Signal<Local, Bits<14>>,
    seq_h2: Signal<Local, Bits<14>>,
    seq_h3: Signal<Local, Bits<14>>,
    win: Signal<Local, Bits<64>>,
    op: Signal<Local, Bits<8>>,
    /// The decoder's byte offset in the window: the instruction after the executing one, or
    /// the instruction at `pc` in any other cycle.
    dec_off: Signal<Local, Bits<4>>,
    dec_op: Signal<Local, Bits<8>>,
    dec_hi: Signal<Local, Bits<8>>,
    dec_mem: Signal<Local, Bit>,
    win_msb: Signal<Local, Bits<8>>,
    term: Signal<Local, Bits<8>>,
    /// The byte offset in the window of an immediate after one byte and after two (loads and
    /// stores).
    imm_off1: Signal<Local, Bits<4>>,
    imm_off2: Signal<Local, Bits<4>>,
    has_imm: Signal<Local, Bit>,
    leb1_bytes: Signal<Local, Bits<40>>,
    leb1_c1: Signal<Local, Bit>,
    leb1_c2: Signal<Local, Bit>,
    leb1_c3: Signal<Local, Bit>,
    leb1_c4: Signal<Local, Bit>,
    leb1_imm: Signal<Local, Bits<32>>,
    leb2_bytes: Signal<Local, Bits<40>>,
    leb2_c1: Signal<Local, Bit>,
    leb2_c2: Signal<Local, Bit>,
    leb2_c3: Signal<Local, Bit>,
    leb2_c4: Signal<Local, Bit>,
    leb2_imm: Signal<Local, Bits<32>>,
    ilen1: Signal<Local, Bits<4>>,
    ilen2: Signal<Local, Bits<4>>,
    ilen17: Signal<Local, Bits<4>>,
    fits1: Signal<Local, Bit>,
    fits2: Signal<Local, Bit>,
    imm_fits: Signal<Local, Bit>,
    dec_imm: Signal<Local, Bits<32>>,
    dec_ilen: Signal<Local, Bits<4>>,
    /// The decoded instruction lies wholly in the window.
    dec_fits: Signal<Local, Bit>,
    /// `pc_next` leaves the instruction stream (call, taken branch, return): what the decoder
    /// read this cycle is not the next instruction.
    jump: Signal<Local, Bit>,
    imm: Signal<Local, Bits<32>>,
    ilen: Signal<Local, Bits<16>>,
    nos: Signal<Local, Bits<32>>,
    vs_ra: Signal<Local, Bits<16>>,
    vs_ra_set: Signal<Local, Bit>,
    fn_ra: Signal<Local, Bits<16>>,
    misc_ra: Signal<Local, Bits<9>>,
    is_binop: Signal<Local, Bit>,
    is_unop: Signal<Local, Bit>,
    is_muldiv: Signal<Local, Bit>,
    is_load: Signal<Local, Bit>,
    is_store: Signal<Local, Bit>,
    width_mask: Signal<Local, Bits<8>>,
    ea: Signal<Local, Bits<33>>,
    ea_end: Signal<Local, Bits<34>>,
    mem_bytes: Signal<Local, Bits<34>>,
    mem_word: Signal<Local, Bits<31>>,
    st_data: Signal<Local, Bits<64>>,
    st_mask: Signal<Local, Bits<8>>,
    ld_win: Signal<Local, Bits<64>>,
    ld_val: Signal<Local, Bits<32>>,
    grown: Signal<Local, Bits<33>>,
    br_idx: Signal<Local, Bits<32>>,
    take: Signal<Local, Bit>,
    take_sp: Signal<Local, Bits<16>>,
    take_tos: Signal<Local, Bits<32>>,
    t_drop: Signal<Local, Bits<16>>,
    t_sp: Signal<Local, Bits<16>>,
    do_return: Signal<Local, Bit>,
    frame_top: Signal<Local, Bits<18>>,
    raise: Signal<Local, Bit>,
    raise_cause: Signal<Local, Bits<4>>,
    raise_pc: Signal<Local, Bits<16>>,
    push: Signal<Local, Bit>,
    push_val: Signal<Local, Bits<32>>,
    fn_kind: Signal<Local, Bits<3>>,
    nx_bytes: Signal<Local, Bits<16>>,
    single: Signal<Local, Bit>,
    preread: Signal<Local, Bit>,
    finishing: Signal<Local, Bit>,
    alu_result: Signal<Local, Bits<32>>,
    alu_amount: Signal<Local, Bits<32>>,
    alu_lt_u: Signal<Local, Bit>,
    alu_lt_s: Signal<Local, Bit>,
    alu_eq: Signal<Local, Bit>,
    alu_funnel: Signal<Local, Bits<64>>,
    alu_sa: Signal<Local, Bits<32>>,
    alu_sb: Signal<Local, Bits<32>>,
    alu_smear1: Signal<Local, Bits<32>>,
    alu_smear2: Signal<Local, Bits<32>>,
    alu_smear3: Signal<Local, Bits<32>>,
    alu_smear4: Signal<Local, Bits<32>>,
    alu_smear5: Signal<Local, Bits<32>>,
    alu_pop_in: Signal<Local, Bits<32>>,
    alu_pop1: Signal<Local, Bits<32>>,
    alu_pop2: Signal<Local, Bits<32>>,
    alu_pop3: Signal<Local, Bits<32>>,
    alu_pop4: Signal<Local, Bits<32>>,
    alu_pop5: Signal<Local, Bits<32>>,
}

impl<
        const CODE_A: usize,
        const SIDE_A: usize,
        const VS_A: usize,
        const CS_A: usize,
        const FN_A: usize,
        const TAB_A: usize,
        const MEM_A: usize,
    > Default for Enclave<CODE_A, SIDE_A, VS_A, CS_A, FN_A, TAB_A, MEM_A>
{
    fn default() -> Self {
        assert!(CODE_A <= 13, "code addresses are 16-bit byte addresses");
        assert!(VS_A <= 15 && CS_A <= 15 && SIDE_A <= 16 && FN_A <= 15 && TAB_A <= 16);
        Enclave {
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
            code_even: Default::default(),
            code_odd: Default::default(),
            side: Default::default(),
            vstack: Default::default(),
            cstack: Default::default(),
            fn_lo: Default::default(),
            fn_hi: Default::default(),
            misc: Default::default(),
            elems: Default::default(),
            mem_even: Default::default(),
            mem_odd: Default::default(),
            muldiv: Default::default(),
            depth_limit: Constant::new((1u64 << CS_A).to_bits()),
            stack_words: Constant::new((1u64 << VS_A).to_bits()),
            state: Default::default(),
            pc: Default::default(),
            stp: Default::default(),
            sp: Default::default(),
            fp: Default::default(),
            csp: Default::default(),
            tos: Default::default(),
            cur_end: Default::default(),
            cur_results: Default::default(),
            mem_pages: Default::default(),
            max_pages: Default::default(),
            elem_count: Default::default(),
            func_count: Default::default(),
            retired: Default::default(),
            clocks: Default::default(),
            trapped: Default::default(),
            cause: Default::default(),
            trap_at: Default::default(),
            callee: Default::default(),
            ret_pc: Default::default(),
            check_type: Default::default(),
            first_call: Default::default(),
            type_want: Default::default(),
            refetched: Default::default(),
            op_reg: Default::default(),
            fetch_odd: Default::default(),
            zcount: Default::default(),
            sel_cond: Default::default(),
            sel_b: Default::default(),
            ea_reg: Default::default(),
            ld_op: Default::default(),
            oob: Default::default(),
            ovf: Default::default(),
            mem_pc: Default::default(),
            st_addr_even: Default::default(),
            st_addr_odd: Default::default(),
            st_data_even: Default::default(),
            st_data_odd: Default::default(),
            st_we_even: Default::default(),
            st_we_odd: Default::default(),
            peek_sel: Default::default(),
            peek_odd: Default::default(),
            peek_reg: Default::default(),
            lget_ready: Default::default(),
            fuel_budget: Default::default(),
            d_op: Default::default(),
            d_imm: Default::default(),
            d_ilen: Default::default(),
            d_valid: Default::default(),
            refetch_due: Default::default(),
            abi_kind: Default::default(),
            abi_step: Default::default(),
            abi_slot: Default::default(),
            abi_ptr: Default::default(),
            abi_adv: Default::default(),
            abi_res: Default::default(),
            abi_len: Default::default(),
            abi_cnt: Default::default(),
            abi_wr: Default::default(),
            tx_data: Default::default(),
            tx_have: Default::default(),
            out_of_fuel: Default::default(),
            st_issue: Default::default(),
            st_val: Default::default(),
            abi_three: Default::default(),
            abi_arg0: Default::default(),
            abi_fin: Default::default(),
            abi_val: Default::default(),
            pc_next: Default::default(),
            stp_next: Default::default(),
            sp_next: Default::default(),
            csp_next: Default::default(),
            refetch_now: Default::default(),
            ld_raw: Default::default(),
            fetch_word: Default::default(),
            seq: Default::default(),
            seq_k: Default::default(),
            seq_h0: Default::default(),
            seq_h1: Default::default(),
            seq_h2: Default::default(),
            seq_h3: Default::default(),
            win: Default::default(),
            op: Default::default(),
            dec_off: Default::default(),
            dec_op: Default::default(),
            dec_hi: Default::default(),
            dec_mem: Default::default(),
            win_msb: Default::default(),
            term: Default::default(),
            imm_off1: Default::default(),
            imm_off2: Default::default(),
            has_imm: Default::default(),
            leb1_bytes: Default::default(),
            leb1_c1: Default::default(),
            leb1_c2: Default::default(),
            leb1_c3: Default::default(),
            leb1_c4: Default::default(),
            leb1_imm: Default::default(),
            leb2_bytes: Default::default(),
            leb2_c1: Default::default(),
            leb2_c2: Default::default(),
            leb2_c3: Default::default(),
            leb2_c4: Default::default(),
            leb2_imm: Default::default(),
            ilen1: Default::default(),
            ilen2: Default::default(),
            ilen17: Default::default(),
            fits1: Default::default(),
            fits2: Default::default(),
            imm_fits: Default::default(),
            dec_imm: Default::default(),
            dec_ilen: Default::default(),
            dec_fits: Default::default(),
            jump: Default::default(),
            imm: Default::default(),
            ilen: Default::default(),
            nos: Default::default(),
            vs_ra: Default::default(),
            vs_ra_set: Default::default(),
            fn_ra: Default::default(),
            misc_ra: Default::default(),
            is_binop: Default::default(),
            is_unop: Default::default(),
            is_muldiv: Default::default(),
            is_load: Default::default(),
            is_store: Default::default(),
            width_mask: Default::default(),
            ea: Default::default(),
            ea_end: Default::default(),
            mem_bytes: Default::default(),
            mem_word: Default::default(),
            st_data: Default::default(),
            st_mask: Default::default(),
            ld_win: Default::default(),
            ld_val: Default::default(),
            grown: Default::default(),
            br_idx: Default::default(),
            take: Default::default(),
            take_sp: Default::default(),
            take_tos: Default::default(),
            t_drop: Default::default(),
            t_sp: Default::default(),
            do_return: Default::default(),
            frame_top: Default::default(),
            raise: Default::default(),
            raise_cause: Default::default(),
            raise_pc: Default::default(),
            push: Default::default(),
            push_val: Default::default(),
            fn_kind: Default::default(),
            nx_bytes: Default::default(),
            single: Default::default(),
            preread: Default::default(),
            finishing: Default::default(),
            alu_result: Default::default(),
            alu_amount: Default::default(),
            alu_lt_u: Default::default(),
            alu_lt_s: Default::default(),
            alu_eq: Default::default(),
            alu_funnel: Default::default(),
            alu_sa: Default::default(),
            alu_sb: Default::default(),
            alu_smear1: Default::default(),
            alu_smear2: Default::default(),
            alu_smear3: Default::default(),
            alu_smear4: Default::default(),
            alu_smear5: Default::default(),
            alu_pop_in: Default::default(),
            alu_pop1: Default::default(),
            alu_pop2: Default::default(),
            alu_pop3: Default::default(),
            alu_pop4: Default::default(),
            alu_pop5: Default::default(),
        }
    }
}

impl<
        const CODE_A: usize,
        const SIDE_A: usize,
        const VS_A: usize,
        const CS_A: usize,
        const FN_A: usize,
        const TAB_A: usize,
        const MEM_A: usize,
    > Logic for Enclave<CODE_A, SIDE_A, VS_A, CS_A, FN_A, TAB_A, MEM_A>
{
    // hdl_gen drops match guards silently (docs/verilog-export.md), so the `if`s inside
    // match arms stay where they are.
    #[allow(clippy::collapsible_match)]
    #[hdl_gen]
    fn update(&mut self) {
        dff_setup!(
            self,
            clock,
            state,
            pc,
            stp,
            sp,
            fp,
            csp,
            tos,
            cur_end,
            cur_results,
            mem_pages,
            max_pages,
            elem_count,
            func_count,
            retired,
            clocks,
            trapped,
            cause,
            trap_at,
            callee,
            ret_pc,
            check_type,
            first_call,
            type_want,
            refetched,
            op_reg,
            fetch_odd,
            zcount,
            sel_cond,
            sel_b,
            ea_reg,
            ld_op,
            oob,
            ovf,
            mem_pc,
            st_addr_even,
            st_addr_odd,
            st_data_even,
            st_data_odd,
            st_we_even,
            st_we_odd,
            peek_sel,
            peek_odd,
            peek_reg,
            lget_ready,
            fuel_budget,
            d_op,
            d_imm,
            d_ilen,
            d_valid,
            refetch_due,
            abi_kind,
            abi_step,
            abi_slot,
            abi_ptr,
            abi_adv,
            abi_res,
            abi_len,
            abi_cnt,
            abi_wr,
            tx_data,
            tx_have
        );
        clock!(
            self, clock, code_even, code_odd, side, vstack, cstack, fn_lo, fn_hi, misc, elems,
            mem_even, mem_odd, muldiv
        );

        // ---- Defaults -------------------------------------------------------------------
        self.pc_next.next = self.pc.q.val();
        self.seq.next = false;
        self.stp_next.next = self.stp.q.val();
        self.sp_next.next = self.sp.q.val();
        self.csp_next.next = self.csp.q.val();
        self.refetch_now.next = false;
        self.retire.next = false;
        self.vs_ra.next = 0.into();
        self.vs_ra_set.next = false;
        self.fn_ra.next = self.callee.q.val();
        self.misc_ra.next = 0.into();
        self.take.next = false;
        self.take_sp.next = self.sp.q.val();
        self.take_tos.next = self.tos.q.val();
        self.do_return.next = false;
        self.raise.next = false;
        self.raise_cause.next = 0.into();
        self.raise_pc.next = self.pc.q.val();
        self.oob.d.next = false;
        self.ovf.d.next = false;
        self.st_we_even.d.next = 0.into();
        self.st_we_odd.d.next = 0.into();
        self.push.next = false;
        self.push_val.next = 0.into();
        self.st_issue.next = false;
        self.st_val.next = self.tos.q.val();
        self.abi_fin.next = false;
        self.abi_val.next = 0.into();
        self.abi_adv.d.next = false;
        self.abi_wr.d.next = false;
        self.abi_three.next = (self.abi_kind.q.val() == 1) | (self.abi_kind.q.val() == 4);
        self.abi_arg0.next = self.tos.q.val();
        self.ni_send_valid.next = false;
        self.ni_mb_sel.next = 0.into();
        self.ni_mb_pop.next = false;
        self.waiting.next = false;
        self.abi_event.next = 0.into();
        self.refetched.d.next = false;
        self.refetch_due.d.next = false;
        self.jump.next = false;
        self.muldiv.start.next = false;
        self.vstack.write_enable.next = false;
        self.vstack.write_address.next = 0.into();
        self.vstack.write_data.next = 0.into();
        self.cstack.write_enable.next = false;
        self.cstack.write_address.next = bit_cast::<CS_A, 16>(self.csp.q.val());
        self.cstack.write_data.next = bit_cast::<64, 16>(self.ret_pc.q.val())
            | (bit_cast::<64, 16>(self.stp.q.val()) << 16)
            | (bit_cast::<64, 15>(bit_cast::<15, 16>(self.fp.q.val())) << 32)
            | (bit_cast::<64, 1>(self.cur_results.q.val().into()) << 47)
            | (bit_cast::<64, 16>(self.cur_end.q.val()) << 48);
        self.code_even.write_enable.next = false;
        self.code_odd.write_enable.next = false;
        self.code_even.write_address.next = bit_cast::<CODE_A, 24>(self.load_addr.val() >> 1);
        self.code_odd.write_address.next = bit_cast::<CODE_A, 24>(self.load_addr.val() >> 1);
        self.code_even.write_data.next = bit_cast::<32, 64>(self.load_data.val());
        self.code_odd.write_data.next = bit_cast::<32, 64>(self.load_data.val());
        self.side.write_enable.next = false;
        self.side.write_address.next = bit_cast::<SIDE_A, 24>(self.load_addr.val());
        self.side.write_data.next = bit_cast::<49, 64>(self.load_data.val());
        self.fn_lo.write_enable.next = false;
        self.fn_hi.write_enable.next = false;
        self.fn_lo.write_address.next = bit_cast::<FN_A, 24>(self.load_addr.val() >> 1);
        self.fn_hi.write_address.next = bit_cast::<FN_A, 24>(self.load_addr.val() >> 1);
        self.fn_lo.write_data.next = self.load_data.val();
        self.fn_hi.write_data.next = self.load_data.val();
        self.misc.write_enable.next = false;
        self.misc.write_address.next = bit_cast::<9, 24>(self.load_addr.val());
        self.misc.write_data.next = bit_cast::<32, 64>(self.load_data.val());
        self.elems.write_enable.next = false;
        self.elems.write_address.next = bit_cast::<TAB_A, 24>(self.load_addr.val());
        self.elems.write_data.next = bit_cast::<32, 64>(self.load_data.val());
        self.elems.read_address.next = bit_cast::<TAB_A, 32>(self.tos.q.val());
        self.mem_even.write_enable.next = 0.into();
        self.mem_odd.write_enable.next = 0.into();
        self.mem_even.write_address.next = bit_cast::<MEM_A, 24>(self.load_addr.val() >> 1);
        self.mem_odd.write_address.next = bit_cast::<MEM_A, 24>(self.load_addr.val() >> 1);
        self.mem_even.write_data.next = bit_cast::<32, 64>(self.load_data.val());
        self.mem_odd.write_data.next = bit_cast::<32, 64>(self.load_data.val());
        self.peek_sel.d.next = self.peek_target.val();
        self.peek_odd.d.next = self.peek_addr.val().get_bit(0);
        self.peek_reg.d.next = bit_cast::<3, 24>(self.peek_addr.val());
        self.out_of_fuel.next = self.retired.q.val() == self.fuel_budget.q.val();
        if self.state.q.val() != 0 {
            self.clocks.d.next = self.clocks.q.val() + 1;
        }

        // ---- Decode ----------------------------------------------------------------------
        // The executing instruction comes from the decode registers `d_*`, filled a cycle
        // ahead, so nothing in the exec cycle waits for the code RAM and the LEB128 decoder.
        // While an instruction executes, the decoder reads the one after it from the same
        // fetched window (at `pc & 3 + ilen`); in any other cycle it reads the instruction at
        // `pc` (at `pc & 3`). When that is not the next instruction (a jump) or does not lie
        // wholly in the window, the exec state spends a bubble cycle decoding at `pc`.
        // The 8 fetched bytes: words `fetch_word` (low) and `fetch_word + 1`.
        if self.fetch_odd.q.val() {
            self.win.next = bit_cast::<64, 32>(self.code_odd.read_data.val())
                | (bit_cast::<64, 32>(self.code_even.read_data.val()) << 32);
        } else {
            self.win.next = bit_cast::<64, 32>(self.code_even.read_data.val())
                | (bit_cast::<64, 32>(self.code_odd.read_data.val()) << 32);
        }
        self.dec_off.next = bit_cast::<4, 16>(self.pc.q.val() & 3);
        if (self.state.q.val() == 3) & self.d_valid.q.val() {
            self.dec_off.next = bit_cast::<4, 16>(self.pc.q.val() & 3) + self.d_ilen.q.val();
        }
        // The decoded instruction's first two bytes: its opcode, and for local.get the index
        // the pre-read below uses.
        self.nx_bytes.next =
            bit_cast::<16, 64>(self.win.val() >> (bit_cast::<64, 4>(self.dec_off.val() & 7) << 3));
        self.dec_op.next = bit_cast::<8, 16>(self.nx_bytes.val());
        if self.refetched.q.val() {
            self.dec_op.next = self.op_reg.q.val();
        }
        // Opcode classes by bit patterns, not magnitude comparisons (which yosys builds as
        // carry chains): loads and stores are 0x28..=0x3e.
        self.dec_hi.next = self.dec_op.val() >> 3;
        self.dec_mem.next = (self.dec_hi.val() == 5)
            | (self.dec_hi.val() == 6)
            | ((self.dec_hi.val() == 7) & (self.dec_op.val() != 63));
        // The immediate's byte offset in the window, for both positions it can have (after one
        // byte, after two for loads and stores), so the window shift below does not wait for
        // the opcode: it is computed for both and one is chosen. After a refetch the window
        // starts at the word holding the immediate's first byte.
        self.imm_off1.next = self.dec_off.val() + 1;
        self.imm_off2.next = self.dec_off.val() + 2;
        if self.refetched.q.val() {
            self.imm_off1.next = bit_cast::<4, 16>((self.pc.q.val() + 1) & 3);
            self.imm_off2.next = bit_cast::<4, 16>((self.pc.q.val() + 2) & 3);
        }
        // Immediate: a parallel LEB128 decoder over 5 bytes for each position the immediate
        // can have (after the opcode; after the opcode and the alignment byte for loads and
        // stores), chosen at the end, so the decoders start from the window's bytes without
        // waiting for the opcode. `lebK_cJ`: byte J belongs to the immediate (the bytes before
        // it all continue); the value is an OR of the payloads of the bytes that belong to it
        // (and of i32.const's sign extension): no priority chain. Validated by the image
        // builder; on random code the value is merely unspecified.
        self.leb1_bytes.next =
            bit_cast::<40, 64>(self.win.val() >> (bit_cast::<64, 4>(self.imm_off1.val() & 7) << 3));
        self.leb1_c1.next = self.leb1_bytes.val().get_bit(7);
        self.leb1_c2.next = self.leb1_c1.val() & self.leb1_bytes.val().get_bit(15);
        self.leb1_c3.next = self.leb1_c2.val() & self.leb1_bytes.val().get_bit(23);
        self.leb1_c4.next = self.leb1_c3.val() & self.leb1_bytes.val().get_bit(31);
        self.leb1_imm.next = bit_cast::<32, 40>(self.leb1_bytes.val()) & 127;
        if self.leb1_c1.val() {
            self.leb1_imm.next =
                self.leb1_imm.val() | (bit_cast::<32, 40>(self.leb1_bytes.val() >> 1) & 16256);
        }
        if self.leb1_c2.val() {
            self.leb1_imm.next =
                self.leb1_imm.val() | (bit_cast::<32, 40>(self.leb1_bytes.val() >> 2) & 2080768);
        }
        if self.leb1_c3.val() {
            self.leb1_imm.next =
                self.leb1_imm.val() | (bit_cast::<32, 40>(self.leb1_bytes.val() >> 3) & 266338304);
        }
        if self.leb1_c4.val() {
            self.leb1_imm.next = self.leb1_imm.val()
                | (bit_cast::<32, 40>(self.leb1_bytes.val() >> 4) & bits::<32>(4026531840u64));
        }
        // i32.const: sign-extend from bit 6 of the last byte.
        if self.dec_op.val() == 65 {
            if !self.leb1_c1.val() & self.leb1_bytes.val().get_bit(6) {
                self.leb1_imm.next = self.leb1_imm.val() | bits::<32>(4294967168u64);
            }
            if self.leb1_c1.val() & !self.leb1_c2.val() & self.leb1_bytes.val().get_bit(14) {
                self.leb1_imm.next = self.leb1_imm.val() | bits::<32>(4294950912u64);
            }
            if self.leb1_c2.val() & !self.leb1_c3.val() & self.leb1_bytes.val().get_bit(22) {
                self.leb1_imm.next = self.leb1_imm.val() | bits::<32>(4292870144u64);
            }
            if self.leb1_c3.val() & !self.leb1_c4.val() & self.leb1_bytes.val().get_bit(30) {
                self.leb1_imm.next = self.leb1_imm.val() | bits::<32>(4026531840u64);
            }
        }
        self.leb2_bytes.next =
            bit_cast::<40, 64>(self.win.val() >> (bit_cast::<64, 4>(self.imm_off2.val() & 7) << 3));
        self.leb2_c1.next = self.leb2_bytes.val().get_bit(7);
        self.leb2_c2.next = self.leb2_c1.val() & self.leb2_bytes.val().get_bit(15);
        self.leb2_c3.next = self.leb2_c2.val() & self.leb2_bytes.val().get_bit(23);
        self.leb2_c4.next = self.leb2_c3.val() & self.leb2_bytes.val().get_bit(31);
        self.leb2_imm.next = bit_cast::<32, 40>(self.leb2_bytes.val()) & 127;
        if self.leb2_c1.val() {
            self.leb2_imm.next =
                self.leb2_imm.val() | (bit_cast::<32, 40>(self.leb2_bytes.val() >> 1) & 16256);
        }
        if self.leb2_c2.val() {
            self.leb2_imm.next =
                self.leb2_imm.val() | (bit_cast::<32, 40>(self.leb2_bytes.val() >> 2) & 2080768);
        }
        if self.leb2_c3.val() {
            self.leb2_imm.next =
                self.leb2_imm.val() | (bit_cast::<32, 40>(self.leb2_bytes.val() >> 3) & 266338304);
        }
        if self.leb2_c4.val() {
            self.leb2_imm.next = self.leb2_imm.val()
                | (bit_cast::<32, 40>(self.leb2_bytes.val() >> 4) & bits::<32>(4026531840u64));
        }
        // Lengths: the instruction's, for the two positions (and call_indirect's table byte).
        self.ilen1.next = 2.into();
        self.ilen2.next = 3.into();
        self.ilen17.next = 3.into();
        if self.leb1_c1.val() {
            self.ilen1.next = 3.into();
            self.ilen17.next = 4.into();
        }
        if self.leb1_c2.val() {
            self.ilen1.next = 4.into();
            self.ilen17.next = 5.into();
        }
        if self.leb1_c3.val() {
            self.ilen1.next = 5.into();
            self.ilen17.next = 6.into();
        }
        if self.leb1_c4.val() {
            self.ilen1.next = 6.into();
            self.ilen17.next = 7.into();
        }
        if self.leb2_c1.val() {
            self.ilen2.next = 4.into();
        }
        if self.leb2_c2.val() {
            self.ilen2.next = 5.into();
        }
        if self.leb2_c3.val() {
            self.ilen2.next = 6.into();
        }
        if self.leb2_c4.val() {
            self.ilen2.next = 7.into();
        }
        self.dec_imm.next = self.leb1_imm.val();
        if self.dec_mem.val() {
            self.dec_imm.next = self.leb2_imm.val();
        }
        self.has_imm.next = (self.dec_op.val() == 12)
            | (self.dec_op.val() == 13)
            | (self.dec_op.val() == 14)
            | (self.dec_op.val() == 16)
            | (self.dec_op.val() == 32)
            | (self.dec_op.val() == 33)
            | (self.dec_op.val() == 34)
            | (self.dec_op.val() == 35)
            | (self.dec_op.val() == 36)
            | (self.dec_op.val() == 17)
            | self.dec_mem.val()
            | (self.dec_op.val() == 65);
        self.dec_ilen.next = 1.into();
        if self.has_imm.val() {
            self.dec_ilen.next = self.ilen1.val();
        }
        if self.dec_mem.val() {
            self.dec_ilen.next = self.ilen2.val();
        }
        if (self.dec_op.val() == 2)
            | (self.dec_op.val() == 3)
            | (self.dec_op.val() == 4)
            | (self.dec_op.val() == 63)
            | (self.dec_op.val() == 64)
        {
            self.dec_ilen.next = 2.into();
        }
        if self.dec_op.val() == 17 {
            self.dec_ilen.next = self.ilen17.val();
        }
        // The opcode and the immediate lie in the window (a block type, the memory index of
        // memory.size/grow and call_indirect's table index are fixed zero bytes, not read).
        // The immediate fits when one of its (at most 5) bytes inside the window ends it
        // (bit 7 clear): `term` marks those bytes, so no adder is on this path. After a
        // refetch it fits by construction (on random code an unterminated immediate then
        // decodes to an unspecified value, as it would at any other place).
        self.win_msb.next = bit_cast::<8, 64>(
            ((self.win.val() >> 7) & 1)
                | ((self.win.val() >> 14) & 2)
                | ((self.win.val() >> 21) & 4)
                | ((self.win.val() >> 28) & 8)
                | ((self.win.val() >> 35) & 16)
                | ((self.win.val() >> 42) & 32)
                | ((self.win.val() >> 49) & 64)
                | ((self.win.val() >> 56) & 128),
        );
        self.term.next = !self.win_msb.val();
        self.fits1.next = (self.imm_off1.val() <= 7)
            & (((self.term.val() >> bit_cast::<8, 4>(self.imm_off1.val() & 7)) & 31) != 0);
        self.fits2.next = (self.imm_off2.val() <= 7)
            & (((self.term.val() >> bit_cast::<8, 4>(self.imm_off2.val() & 7)) & 31) != 0);
        self.imm_fits.next = self.fits1.val();
        if self.dec_mem.val() {
            self.imm_fits.next = self.fits2.val();
        }
        self.dec_fits.next =
            (self.dec_off.val() <= 7) & (!self.has_imm.val() | self.imm_fits.val());
        if self.refetched.q.val() {
            self.dec_fits.next = true;
        }
        // The executing instruction.
        self.op.next = self.d_op.q.val();
        self.imm.next = self.d_imm.q.val();
        self.ilen.next = bit_cast::<16, 4>(self.d_ilen.q.val());
        self.is_binop.next = ((self.op.val() >= 70) & (self.op.val() <= 79))
            | (self.op.val() == 106)
            | (self.op.val() == 107)
            | ((self.op.val() >= 113) & (self.op.val() <= 120));
        self.is_unop.next =
            (self.op.val() == 69) | ((self.op.val() >= 103) & (self.op.val() <= 105));
        self.is_muldiv.next = (self.op.val() >= 108) & (self.op.val() <= 112);
        self.is_load.next = (self.op.val() == 40) | ((self.op.val() >= 44) & (self.op.val() <= 47));
        self.is_store.next = (self.op.val() == 54) | (self.op.val() == 58) | (self.op.val() == 59);
        self.nos.next = self.vstack.read_data.val();
        // Single-cycle ALU: `nos op tos`, or `op tos` for eqz/clz/ctz/popcnt (0 otherwise).
        // Comparisons share one unsigned and one signed less-than (signed = unsigned with the
        // sign bits flipped). Shifts and rotates share one 64-bit funnel shifter: the result
        // is the low word of `funnel >> amount`, with {0, a} >> s for shr_u, {sign, a} >> s for
        // shr_s, {a, a} >> s for rotr, and {a, 0} >> (32 - s), {a, a} >> (32 - s) for shl and
        // rotl (32 - s = 32 when s = 0, which yields a unchanged). clz and ctz share the
        // popcount: clz(a) = popcnt(!smear(a)), ctz(a) = popcnt((a & -a) - 1).
        self.alu_sa.next = self.nos.val() ^ bits::<32>(2147483648u64);
        self.alu_sb.next = self.tos.q.val() ^ bits::<32>(2147483648u64);
        self.alu_lt_u.next = self.nos.val() < self.tos.q.val();
        self.alu_lt_s.next = self.alu_sa.val() < self.alu_sb.val();
        self.alu_eq.next = self.nos.val() == self.tos.q.val();
        self.alu_amount.next = self.tos.q.val() & 31;
        self.alu_funnel.next = bit_cast::<64, 32>(self.nos.val());
        if (self.op.val() == 116) | (self.op.val() == 119) {
            self.alu_amount.next = bits::<32>(32) - (self.tos.q.val() & 31);
        }
        if (self.op.val() == 117) & self.nos.val().get_bit(31) {
            self.alu_funnel.next =
                bit_cast::<64, 32>(self.nos.val()) | (bit_cast::<64, 32>(!bits::<32>(0)) << 32);
        }
        if (self.op.val() == 119) | (self.op.val() == 120) {
            self.alu_funnel.next =
                bit_cast::<64, 32>(self.nos.val()) | (bit_cast::<64, 32>(self.nos.val()) << 32);
        }
        if self.op.val() == 116 {
            self.alu_funnel.next = bit_cast::<64, 32>(self.nos.val()) << 32;
        }
        self.alu_smear1.next = self.tos.q.val() | (self.tos.q.val() >> 1);
        self.alu_smear2.next = self.alu_smear1.val() | (self.alu_smear1.val() >> 2);
        self.alu_smear3.next = self.alu_smear2.val() | (self.alu_smear2.val() >> 4);
        self.alu_smear4.next = self.alu_smear3.val() | (self.alu_smear3.val() >> 8);
        self.alu_smear5.next = self.alu_smear4.val() | (self.alu_smear4.val() >> 16);
        // clz, ctz and popcnt take a second cycle (state 12, opcode in `ld_op`), so the
        // popcount tree hangs off registers, not off the code RAM and the decoder.
        self.alu_pop_in.next = self.tos.q.val();
        if self.ld_op.q.val() == 103 {
            // clz
            self.alu_pop_in.next = !self.alu_smear5.val();
        }
        if self.ld_op.q.val() == 104 {
            // ctz
            self.alu_pop_in.next = (self.tos.q.val() & (bits::<32>(0) - self.tos.q.val())) - 1;
        }
        self.alu_pop1.next = self.alu_pop_in.val() - ((self.alu_pop_in.val() >> 1) & 1431655765);
        self.alu_pop2.next =
            (self.alu_pop1.val() & 858993459) + ((self.alu_pop1.val() >> 2) & 858993459);
        self.alu_pop3.next = (self.alu_pop2.val() + (self.alu_pop2.val() >> 4)) & 252645135;
        self.alu_pop4.next = self.alu_pop3.val() + (self.alu_pop3.val() >> 8);
        self.alu_pop5.next = (self.alu_pop4.val() + (self.alu_pop4.val() >> 16)) & 63;
        self.alu_result.next = 0.into();
        match self.op.val().index() {
            69 => {
                // eqz
                if self.tos.q.val() == 0 {
                    self.alu_result.next = 1.into();
                }
            }
            70 => {
                // eq
                if self.alu_eq.val() {
                    self.alu_result.next = 1.into();
                }
            }
            71 => {
                // ne
                if !self.alu_eq.val() {
                    self.alu_result.next = 1.into();
                }
            }
            72 => {
                // lt_s
                if self.alu_lt_s.val() {
                    self.alu_result.next = 1.into();
                }
            }
            73 => {
                // lt_u
                if self.alu_lt_u.val() {
                    self.alu_result.next = 1.into();
                }
            }
            74 => {
                // gt_s
                if !self.alu_lt_s.val() & !self.alu_eq.val() {
                    self.alu_result.next = 1.into();
                }
            }
            75 => {
                // gt_u
                if !self.alu_lt_u.val() & !self.alu_eq.val() {
                    self.alu_result.next = 1.into();
                }
            }
            76 => {
                // le_s
                if self.alu_lt_s.val() | self.alu_eq.val() {
                    self.alu_result.next = 1.into();
                }
            }
            77 => {
                // le_u
                if self.alu_lt_u.val() | self.alu_eq.val() {
                    self.alu_result.next = 1.into();
                }
            }
            78 => {
                // ge_s
                if !self.alu_lt_s.val() {
                    self.alu_result.next = 1.into();
                }
            }
            79 => {
                // ge_u
                if !self.alu_lt_u.val() {
                    self.alu_result.next = 1.into();
                }
            }
            106 => {
                // add
                self.alu_result.next = self.nos.val() + self.tos.q.val();
            }
            107 => {
                // sub
                self.alu_result.next = self.nos.val() - self.tos.q.val();
            }
            113 => {
                // and
                self.alu_result.next = self.nos.val() & self.tos.q.val();
            }
            114 => {
                // or
                self.alu_result.next = self.nos.val() | self.tos.q.val();
            }
            115 => {
                // xor
                self.alu_result.next = self.nos.val() ^ self.tos.q.val();
            }
            116 => {
                // shl
                self.alu_result.next = bit_cast::<32, 64>(
                    self.alu_funnel.val() >> bit_cast::<64, 32>(self.alu_amount.val()),
                );
            }
            117 => {
                // shr_s
                self.alu_result.next = bit_cast::<32, 64>(
                    self.alu_funnel.val() >> bit_cast::<64, 32>(self.alu_amount.val()),
                );
            }
            118 => {
                // shr_u
                self.alu_result.next = bit_cast::<32, 64>(
                    self.alu_funnel.val() >> bit_cast::<64, 32>(self.alu_amount.val()),
                );
            }
            119 => {
                // rotl
                self.alu_result.next = bit_cast::<32, 64>(
                    self.alu_funnel.val() >> bit_cast::<64, 32>(self.alu_amount.val()),
                );
            }
            120 => {
                // rotr
                self.alu_result.next = bit_cast::<32, 64>(
                    self.alu_funnel.val() >> bit_cast::<64, 32>(self.alu_amount.val()),
                );
            }
            _ => {}
        }
        self.muldiv.op.next = self.op.val();
        self.muldiv.a.next = self.nos.val();
        self.muldiv.b.next = self.tos.q.val();

        // Memory access: effective address and bounds.
        self.width_mask.next = 15.into();
        if (self.op.val() == 44) | (self.op.val() == 45) | (self.op.val() == 58) {
            self.width_mask.next = 1.into();
        }
        if (self.op.val() == 46) | (self.op.val() == 47) | (self.op.val() == 59) {
            self.width_mask.next = 3.into();
        }
        self.ea.next = bit_cast::<33, 32>(self.tos.q.val()) + bit_cast::<33, 32>(self.imm.val());
        if self.is_store.val() {
            self.ea.next = bit_cast::<33, 32>(self.nos.val()) + bit_cast::<33, 32>(self.imm.val());
        }
        self.ea_end.next = bit_cast::<34, 33>(self.ea.val()) + 4;
        if self.width_mask.val() == 1 {
            self.ea_end.next = bit_cast::<34, 33>(self.ea.val()) + 1;
        }
        if self.width_mask.val() == 3 {
            self.ea_end.next = bit_cast::<34, 33>(self.ea.val()) + 2;
        }
        if self.state.q.val() == 13 {
            // A capability call streams words at `abi_ptr`; its range is 4·len bytes (send)
            // or the 16-byte buffer (recv, try_recv).
            self.ea.next = bit_cast::<33, 32>(self.abi_ptr.q.val());
            self.ea_end.next = bit_cast::<34, 33>(self.ea.val()) + 16;
            if self.abi_kind.q.val() == 1 {
                self.ea_end.next = bit_cast::<34, 33>(self.ea.val())
                    + (bit_cast::<34, 32>(self.tos.q.val() & 7) << 2);
            }
            self.st_val.next = self.ni_mb_word.val();
        }
        self.mem_bytes.next = bit_cast::<34, 16>(self.mem_pages.q.val()) << 16;
        self.mem_word.next = bit_cast::<31, 33>(self.ea.val() >> 2);
        self.st_data.next =
            bit_cast::<64, 32>(self.st_val.val()) << (bit_cast::<64, 33>(self.ea.val() & 3) << 3);
        self.st_mask.next = self.width_mask.val() << bit_cast::<8, 33>(self.ea.val() & 3);
        // Words mem_word (even or odd bank) and mem_word + 1 (the other bank).
        self.mem_even.read_address.next = bit_cast::<MEM_A, 31>((self.mem_word.val() + 1) >> 1);
        self.mem_odd.read_address.next = bit_cast::<MEM_A, 31>(self.mem_word.val() >> 1);
        if self.ea_reg.q.val().get_bit(2) {
            self.ld_win.next = bit_cast::<64, 32>(self.mem_odd.read_data.val())
                | (bit_cast::<64, 32>(self.mem_even.read_data.val()) << 32);
        } else {
            self.ld_win.next = bit_cast::<64, 32>(self.mem_even.read_data.val())
                | (bit_cast::<64, 32>(self.mem_odd.read_data.val()) << 32);
        }
        self.ld_raw.next = bit_cast::<32, 64>(
            self.ld_win.val() >> (bit_cast::<64, 3>(self.ea_reg.q.val() & 3) << 3),
        );
        self.ld_val.next = self.ld_raw.val();
        match self.ld_op.q.val().index() {
            44 => {
                // load8_s
                self.ld_val.next = self.ld_raw.val() & 255;
                if self.ld_raw.val().get_bit(7) {
                    self.ld_val.next = self.ld_raw.val() | bits::<32>(4294967040u64);
                }
            }
            45 => {
                // load8_u
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
                // load16_u
                self.ld_val.next = self.ld_raw.val() & 65535;
            }
            _ => {}
        }
        self.grown.next =
            bit_cast::<33, 16>(self.mem_pages.q.val()) + bit_cast::<33, 32>(self.tos.q.val());
        self.br_idx.next = self.tos.q.val();
        if self.tos.q.val() > self.imm.val() {
            self.br_idx.next = self.imm.val();
        }
        self.fn_kind.next = bit_cast::<3, 64>(self.fn_lo.read_data.val() >> 57);
        self.frame_top.next = bit_cast::<18, 16>(self.sp.q.val())
            + bit_cast::<18, 64>(self.fn_hi.read_data.val() & 65535)
            + bit_cast::<18, 64>((self.fn_hi.read_data.val() >> 16) & 65535);

        // Pre-read for local.get: when the next instruction to execute is `local.get k` with a
        // one-byte k, in the window at the decoder's offset, the value stack's read port
        // fetches local k now (it would fetch the next-on-stack, which local.get does not use),
        // so the local.get executes in one cycle. In a cycle whose successor executes the
        // instruction the decoder reads: an instruction that ends in this cycle and falls
        // through (same frame), the last cycle of a multi-cycle instruction, or a bubble.
        // The last cycle of a multi-cycle instruction (fill, local.get, global.get, load,
        // select, mul/div, clz/ctz/popcnt): pc is already the next instruction's.
        self.finishing.next = (self.state.q.val() == 4)
            | (self.state.q.val() == 5)
            | (self.state.q.val() == 6)
            | (self.state.q.val() == 7)
            | (self.state.q.val() == 8)
            | (self.state.q.val() == 10)
            | (self.state.q.val() == 12);
        self.single.next = self.is_binop.val()
            | (self.op.val() == 69)
            | (self.op.val() == 1)
            | (self.op.val() == 2)
            | (self.op.val() == 3)
            | (self.op.val() == 26)
            | ((self.op.val() == 32) & self.lget_ready.q.val())
            | (self.op.val() == 33)
            | (self.op.val() == 34)
            | (self.op.val() == 36)
            | (self.op.val() == 63)
            | (self.op.val() == 64)
            | (self.op.val() == 65)
            | ((self.op.val() == 11) & (self.pc.q.val() != self.cur_end.q.val()))
            | ((self.op.val() == 13) & (self.tos.q.val() == 0))
            | ((self.op.val() == 4) & (self.tos.q.val() != 0));
        self.preread.next = false;
        if (self.dec_off.val() <= 6)
            & (self.dec_op.val() == 32)
            & !self.nx_bytes.val().get_bit(15)
            & !self.refetched.q.val()
        {
            if self.finishing.val() {
                self.preread.next = true;
            }
            if self.state.q.val() == 3 {
                if self.d_valid.q.val() {
                    if self.single.val() & !self.out_of_fuel.val() {
                        self.preread.next = true;
                    }
                } else if !self.refetch_due.q.val() {
                    self.preread.next = true;
                }
            }
        }

        // ---- State machine ----------------------------------------------------------------
        match self.state.q.val().index() {
            0 => {
                // Idle: the load and peek ports own the memories.
                self.vs_ra_set.next = true;
                self.vs_ra.next = bit_cast::<16, 24>(self.peek_addr.val());
                self.misc_ra.next = bit_cast::<9, 24>(self.peek_addr.val());
                self.mem_even.read_address.next = bit_cast::<MEM_A, 24>(self.peek_addr.val() >> 1);
                self.mem_odd.read_address.next = bit_cast::<MEM_A, 24>(self.peek_addr.val() >> 1);
                if self.load_valid.val() {
                    match self.load_target.val().index() {
                        0 => {
                            self.code_even.write_enable.next = !self.load_addr.val().get_bit(0);
                            self.code_odd.write_enable.next = self.load_addr.val().get_bit(0);
                        }
                        1 => {
                            self.side.write_enable.next = true;
                        }
                        2 => {
                            self.fn_lo.write_enable.next = !self.load_addr.val().get_bit(0);
                            self.fn_hi.write_enable.next = self.load_addr.val().get_bit(0);
                        }
                        3 => {
                            self.misc.write_enable.next = true;
                        }
                        4 => {
                            self.elems.write_enable.next = true;
                        }
                        5 => {
                            if self.load_addr.val().get_bit(0) {
                                self.mem_odd.write_enable.next = 15.into();
                            } else {
                                self.mem_even.write_enable.next = 15.into();
                            }
                        }
                        6 => {
                            self.vstack.write_enable.next = true;
                            self.vstack.write_address.next =
                                bit_cast::<VS_A, 24>(self.load_addr.val());
                            self.vstack.write_data.next = bit_cast::<32, 64>(self.load_data.val());
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
                                self.fuel_budget.d.next = bit_cast::<48, 64>(self.load_data.val());
                            }
                            _ => {}
                        },
                        _ => {}
                    }
                }
                if self.start.val() {
                    self.state.d.next = 1.into();
                    self.sp_next.next = self.start_sp.val();
                    self.fp.d.next = 0.into();
                    self.csp_next.next = 0.into();
                    self.callee.d.next = self.start_func.val();
                    self.fn_ra.next = self.start_func.val();
                    self.first_call.d.next = true;
                    self.check_type.d.next = false;
                    self.vs_ra.next = self.start_sp.val() - 1;
                    self.retired.d.next = 0.into();
                    self.clocks.d.next = 0.into();
                    self.trapped.d.next = false;
                    self.cause.d.next = 0.into();
                }
            }
            1 => {
                // Call: the callee's function-table entry is on fn_lo/fn_hi.
                if self.first_call.q.val() {
                    self.tos.d.next = self.vstack.read_data.val();
                    self.raise_pc.next = bit_cast::<16, 64>(self.fn_lo.read_data.val());
                }
                self.first_call.d.next = false;
                // Enter the callee. The checks below only raise: a trap halts the core and
                // suppresses the frame's write, so the new pc, frame and fetch do not wait for
                // them.
                self.cstack.write_enable.next = true;
                self.csp_next.next = self.csp.q.val() + 1;
                self.fp.d.next =
                    self.sp.q.val() - bit_cast::<16, 64>((self.fn_lo.read_data.val() >> 48) & 255);
                self.pc_next.next = bit_cast::<16, 64>(self.fn_lo.read_data.val());
                self.jump.next = true;
                self.stp_next.next = bit_cast::<16, 64>(self.fn_lo.read_data.val() >> 16);
                self.cur_end.d.next = bit_cast::<16, 64>(self.fn_lo.read_data.val() >> 32);
                self.cur_results.d.next = self.fn_lo.read_data.val().get_bit(56);
                self.zcount.d.next = bit_cast::<16, 64>(self.fn_hi.read_data.val());
                if (self.fn_hi.read_data.val() & 65535) != 0 {
                    self.state.d.next = 2.into();
                } else {
                    self.state.d.next = 3.into();
                }
                if self.callee.q.val() >= self.func_count.q.val() {
                    self.raise.next = true;
                    self.raise_cause.next = 13.into();
                } else if self.check_type.q.val()
                    & (bit_cast::<16, 64>(self.fn_hi.read_data.val() >> 32)
                        != self.type_want.q.val())
                {
                    self.raise.next = true;
                    self.raise_cause.next = 6.into();
                } else if self.fn_kind.val() != 0 {
                    if !self.net_present.val() {
                        // No network: castle.send .. grant trap with causes 9 .. 12, drop 14.
                        self.raise.next = true;
                        self.raise_cause.next = bit_cast::<4, 3>(self.fn_kind.val()) + 8;
                        if self.fn_kind.val() == 5 {
                            self.raise_cause.next = 14.into();
                        }
                    } else {
                        // A capability call: no frame; its arguments stay on the stack until
                        // it ends (state 13). Its last argument is `tos`, the one before it on
                        // the read port; read the first of three next.
                        self.cstack.write_enable.next = false;
                        self.csp_next.next = self.csp.q.val();
                        self.fp.d.next = self.fp.q.val();
                        self.pc_next.next = self.pc.q.val();
                        self.stp_next.next = self.stp.q.val();
                        self.cur_end.d.next = self.cur_end.q.val();
                        self.cur_results.d.next = self.cur_results.q.val();
                        self.abi_kind.d.next = self.fn_kind.val();
                        self.abi_step.d.next = 0.into();
                        self.abi_ptr.d.next = self.tos.q.val();
                        if (self.fn_kind.val() == 1) | (self.fn_kind.val() == 4) {
                            self.abi_ptr.d.next = self.nos.val();
                        }
                        self.tx_have.d.next = false;
                        self.vs_ra_set.next = true;
                        self.vs_ra.next = self.sp.q.val() - 3;
                        self.state.d.next = 13.into();
                    }
                } else if (self.csp.q.val() >= self.depth_limit.val())
                    | (self.frame_top.val() > self.stack_words.val())
                {
                    self.raise.next = true;
                    self.raise_cause.next = 7.into();
                }
            }
            2 => {
                // Zero the callee's declared locals, one per cycle.
                self.push.next = true;
                self.push_val.next = 0.into();
                self.zcount.d.next = self.zcount.q.val() - 1;
                if self.zcount.q.val() == 1 {
                    self.state.d.next = 3.into();
                }
            }
            3 => {
                // Execute one instruction (a bubble when it is not decoded yet).
                if self.out_of_fuel.val() {
                    self.raise.next = true;
                    self.raise_cause.next = 8.into();
                } else if !self.d_valid.q.val() {
                    // Bubble: the decoder reads the instruction at pc. An immediate that runs
                    // past the window is fetched again, from the word holding its first byte.
                    if self.refetch_due.q.val() {
                        self.refetch_now.next = true;
                        self.refetched.d.next = true;
                    } else if !self.refetched.q.val() & !self.dec_fits.val() {
                        self.op_reg.d.next = self.dec_op.val();
                        self.refetch_due.d.next = true;
                    }
                } else {
                    self.retire.next = true;
                    self.retired.d.next = self.retired.q.val() + 1;
                    self.pc_next.next = self.pc.q.val() + self.ilen.val();
                    self.seq.next = true;
                    if self.is_binop.val() {
                        self.sp_next.next = self.sp.q.val() - 1;
                        self.tos.d.next = self.alu_result.val();
                        self.vstack.write_enable.next = true;
                        self.vstack.write_address.next = bit_cast::<VS_A, 16>(self.sp.q.val() - 2);
                        self.vstack.write_data.next = self.alu_result.val();
                    } else if self.is_unop.val() {
                        if self.op.val() == 69 {
                            self.tos.d.next = self.alu_result.val();
                            self.vstack.write_enable.next = true;
                            self.vstack.write_address.next =
                                bit_cast::<VS_A, 16>(self.sp.q.val() - 1);
                            self.vstack.write_data.next = self.alu_result.val();
                        } else {
                            self.ld_op.d.next = self.op.val();
                            self.state.d.next = 12.into();
                        }
                    } else if self.is_muldiv.val() {
                        if (self.op.val() != 108) & (self.tos.q.val() == 0) {
                            self.raise.next = true;
                            self.raise_cause.next = 2.into();
                        } else {
                            // i32.div_s overflow traps in the next cycle (`nos` comes from the
                            // value stack's read port: late).
                            self.ovf.d.next = (self.op.val() == 109)
                                & (self.nos.val() == bits::<32>(2147483648u64))
                                & (self.tos.q.val() == bits::<32>(4294967295u64));
                            self.mem_pc.d.next = self.pc.q.val();
                            self.muldiv.start.next = true;
                            self.state.d.next = 10.into();
                        }
                    } else if self.is_load.val() {
                        self.oob.d.next = self.ea_end.val() > self.mem_bytes.val();
                        self.mem_pc.d.next = self.pc.q.val();
                        self.ea_reg.d.next = bit_cast::<3, 33>(self.ea.val());
                        self.ld_op.d.next = self.op.val();
                        self.state.d.next = 7.into();
                    } else if self.is_store.val() {
                        self.oob.d.next = self.ea_end.val() > self.mem_bytes.val();
                        self.mem_pc.d.next = self.pc.q.val();
                        self.sp_next.next = self.sp.q.val() - 2;
                        self.vs_ra_set.next = true;
                        self.vs_ra.next = self.sp.q.val() - 3;
                        self.state.d.next = 4.into();
                        self.st_issue.next = true;
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
                                    self.stp_next.next = self.stp.q.val() + 1;
                                } else {
                                    self.take.next = true;
                                    self.take_sp.next = self.sp.q.val() - 1;
                                    self.take_tos.next = self.nos.val();
                                }
                            }
                            5 => {
                                // else
                                self.take.next = true;
                            }
                            11 => {
                                // end
                                if self.pc.q.val() == self.cur_end.q.val() {
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
                                    self.take_tos.next = self.nos.val();
                                } else {
                                    self.stp_next.next = self.stp.q.val() + 1;
                                }
                            }
                            14 => {
                                // br_table: read the chosen entry, take it next cycle.
                                self.sp_next.next = self.sp.q.val() - 1;
                                self.tos.d.next = self.nos.val();
                                self.stp_next.next =
                                    self.stp.q.val() + bit_cast::<16, 32>(self.br_idx.val());
                                self.state.d.next = 9.into();
                            }
                            15 => {
                                // return
                                self.do_return.next = true;
                            }
                            16 => {
                                // call
                                self.pc_next.next = self.pc.q.val();
                                self.seq.next = false;
                                self.jump.next = true;
                                self.ret_pc.d.next = self.pc.q.val() + self.ilen.val();
                                self.callee.d.next = bit_cast::<16, 32>(self.imm.val());
                                self.fn_ra.next = bit_cast::<16, 32>(self.imm.val());
                                self.check_type.d.next = false;
                                self.state.d.next = 1.into();
                            }
                            17 => {
                                // call_indirect: pop the element index, read the element and
                                // the expected signature id.
                                self.pc_next.next = self.pc.q.val();
                                self.seq.next = false;
                                self.jump.next = true;
                                self.ret_pc.d.next = self.pc.q.val() + self.ilen.val();
                                if self.tos.q.val() >= self.elem_count.q.val() {
                                    self.raise.next = true;
                                    self.raise_cause.next = 5.into();
                                } else {
                                    self.sp_next.next = self.sp.q.val() - 1;
                                    self.tos.d.next = self.nos.val();
                                    self.misc_ra.next = bit_cast::<9, 32>(self.imm.val()) + 256;
                                    self.state.d.next = 11.into();
                                }
                            }
                            26 => {
                                // drop
                                self.sp_next.next = self.sp.q.val() - 1;
                                self.tos.d.next = self.nos.val();
                            }
                            27 => {
                                // select: c = tos, b = nos, a below them.
                                self.sel_cond.d.next = self.tos.q.val() != 0;
                                self.sel_b.d.next = self.nos.val();
                                self.vs_ra_set.next = true;
                                self.vs_ra.next = self.sp.q.val() - 3;
                                self.state.d.next = 8.into();
                            }
                            32 => {
                                // local.get: read in the previous cycle (see `preread`), or
                                // now, pushed in the next cycle.
                                if self.lget_ready.q.val() {
                                    self.push.next = true;
                                    self.push_val.next = self.vstack.read_data.val();
                                } else {
                                    self.vs_ra_set.next = true;
                                    self.vs_ra.next =
                                        self.fp.q.val() + bit_cast::<16, 32>(self.imm.val());
                                    self.state.d.next = 5.into();
                                }
                            }
                            33 => {
                                // local.set
                                self.vstack.write_enable.next = true;
                                self.vstack.write_address.next = bit_cast::<VS_A, 16>(
                                    self.fp.q.val() + bit_cast::<16, 32>(self.imm.val()),
                                );
                                self.vstack.write_data.next = self.tos.q.val();
                                self.sp_next.next = self.sp.q.val() - 1;
                                self.tos.d.next = self.nos.val();
                                if (self.fp.q.val() + bit_cast::<16, 32>(self.imm.val()))
                                    == (self.sp.q.val() - 2)
                                {
                                    self.tos.d.next = self.tos.q.val();
                                }
                            }
                            34 => {
                                // local.tee
                                self.vstack.write_enable.next = true;
                                self.vstack.write_address.next = bit_cast::<VS_A, 16>(
                                    self.fp.q.val() + bit_cast::<16, 32>(self.imm.val()),
                                );
                                self.vstack.write_data.next = self.tos.q.val();
                            }
                            35 => {
                                // global.get
                                self.misc_ra.next = bit_cast::<9, 32>(self.imm.val());
                                self.state.d.next = 6.into();
                            }
                            36 => {
                                // global.set
                                self.misc.write_enable.next = true;
                                self.misc.write_address.next = bit_cast::<9, 32>(self.imm.val());
                                self.misc.write_data.next = self.tos.q.val();
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
                                self.vstack.write_data.next = bits::<32>(4294967295u64);
                                if self.grown.val() <= bit_cast::<33, 16>(self.max_pages.q.val()) {
                                    self.mem_pages.d.next = bit_cast::<16, 33>(self.grown.val());
                                    self.tos.d.next = bit_cast::<32, 16>(self.mem_pages.q.val());
                                    self.vstack.write_data.next =
                                        bit_cast::<32, 16>(self.mem_pages.q.val());
                                }
                                self.vstack.write_enable.next = true;
                                self.vstack.write_address.next =
                                    bit_cast::<VS_A, 16>(self.sp.q.val() - 1);
                            }
                            65 => {
                                // i32.const
                                self.push.next = true;
                                self.push_val.next = self.imm.val();
                            }
                            _ => {
                                self.raise.next = true;
                                self.raise_cause.next = 13.into();
                            }
                        }
                    }
                }
            }
            4 => {
                // Refill the top of stack from the value stack (after a store or a drop of
                // two); a store writes memory here.
                self.tos.d.next = self.vstack.read_data.val();
                self.state.d.next = 3.into();
                self.mem_even.write_address.next = self.st_addr_even.q.val();
                self.mem_even.write_data.next = self.st_data_even.q.val();
                self.mem_odd.write_address.next = self.st_addr_odd.q.val();
                self.mem_odd.write_data.next = self.st_data_odd.q.val();
                if self.oob.q.val() {
                    self.raise.next = true;
                    self.raise_cause.next = 4.into();
                    self.raise_pc.next = self.mem_pc.q.val();
                } else {
                    self.mem_even.write_enable.next = self.st_we_even.q.val();
                    self.mem_odd.write_enable.next = self.st_we_odd.q.val();
                }
            }
            5 => {
                // local.get, second cycle.
                self.push.next = true;
                self.push_val.next = self.vstack.read_data.val();
                self.state.d.next = 3.into();
            }
            6 => {
                // global.get, second cycle.
                self.push.next = true;
                self.push_val.next = self.misc.read_data.val();
                self.state.d.next = 3.into();
            }
            7 => {
                // Load, second cycle: replace the address by the value.
                self.tos.d.next = self.ld_val.val();
                self.vstack.write_enable.next = true;
                self.vstack.write_address.next = bit_cast::<VS_A, 16>(self.sp.q.val() - 1);
                self.vstack.write_data.next = self.ld_val.val();
                self.state.d.next = 3.into();
                if self.oob.q.val() {
                    self.raise.next = true;
                    self.raise_cause.next = 4.into();
                    self.raise_pc.next = self.mem_pc.q.val();
                }
            }
            8 => {
                // select, second cycle: a is on the read port.
                self.sp_next.next = self.sp.q.val() - 2;
                self.tos.d.next = self.sel_b.q.val();
                self.vstack.write_data.next = self.sel_b.q.val();
                if self.sel_cond.q.val() {
                    self.tos.d.next = self.vstack.read_data.val();
                    self.vstack.write_data.next = self.vstack.read_data.val();
                }
                self.vstack.write_enable.next = true;
                self.vstack.write_address.next = bit_cast::<VS_A, 16>(self.sp.q.val() - 3);
                self.state.d.next = 3.into();
            }
            9 => {
                // br_table, second cycle: the chosen entry is on the side table's port.
                self.take.next = true;
            }
            10 => {
                // mul/div/rem: wait for the result.
                if self.ovf.q.val() {
                    self.raise.next = true;
                    self.raise_cause.next = 3.into();
                    self.raise_pc.next = self.mem_pc.q.val();
                }
                if self.muldiv.done.val() {
                    self.sp_next.next = self.sp.q.val() - 1;
                    self.tos.d.next = self.muldiv.result.val();
                    self.vstack.write_enable.next = true;
                    self.vstack.write_address.next = bit_cast::<VS_A, 16>(self.sp.q.val() - 2);
                    self.vstack.write_data.next = self.muldiv.result.val();
                    self.state.d.next = 3.into();
                }
            }
            12 => {
                // clz, ctz, popcnt, second cycle.
                self.tos.d.next = self.alu_pop5.val();
                self.vstack.write_enable.next = true;
                self.vstack.write_address.next = bit_cast::<VS_A, 16>(self.sp.q.val() - 1);
                self.vstack.write_data.next = self.alu_pop5.val();
                self.state.d.next = 3.into();
            }
            11 => {
                // call_indirect, second cycle: element and expected signature are read.
                self.type_want.d.next = bit_cast::<16, 32>(self.misc.read_data.val());
                self.callee.d.next = bit_cast::<16, 32>(self.elems.read_data.val());
                self.fn_ra.next = bit_cast::<16, 32>(self.elems.read_data.val());
                self.check_type.d.next = true;
                self.state.d.next = 1.into();
                if !self.elems.read_data.val().get_bit(16) {
                    self.raise.next = true;
                    self.raise_cause.next = 5.into();
                }
            }
            13 => {
                // A capability call (docs/abi.md): pc is the call's, `tos` its last argument.
                if self.abi_three.val() {
                    self.abi_arg0.next = self.vstack.read_data.val();
                }
                match self.abi_step.q.val().index() {
                    0 => {
                        // Check the arguments (the first of three is on the read port).
                        self.abi_slot.d.next = bit_cast::<4, 32>(self.abi_arg0.val());
                        self.abi_step.d.next = 1.into();
                        match self.abi_kind.q.val().index() {
                            1 => {
                                // send(cap, ptr, len)
                                if (self.abi_arg0.val() >= 16) | (self.tos.q.val() > 4) {
                                    self.abi_fin.next = true;
                                    self.abi_val.next = bits::<32>(4294967294u64);
                                    self.abi_event.next = 3.into();
                                } else if (self.tos.q.val() != 0)
                                    & (self.ea_end.val() > self.mem_bytes.val())
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
                                if self.ea_end.val() > self.mem_bytes.val() {
                                    self.raise.next = true;
                                    self.raise_cause.next = 4.into();
                                }
                            }
                        }
                    }
                    1 => {
                        // Offer the send to the NI (it is idle unless scrubbing after reset).
                        self.ni_send_valid.next = true;
                        if self.ni_send_ready.val() {
                            self.abi_step.d.next = 2.into();
                        }
                    }
                    2 => {
                        // Wait for the status.
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
                            self.abi_step.d.next = 4.into();
                        } else if self.abi_kind.q.val() == 3 {
                            self.abi_fin.next = true;
                            self.abi_val.next = bits::<32>(4294967295u64);
                        } else {
                            self.waiting.next = true;
                        }
                    }
                    _ => {
                        // Copy: word `abi_cnt` is on `ni_mb_word` (selected last cycle); its
                        // store is registered now and written in the next cycle.
                        self.ni_mb_sel.next = bit_cast::<2, 3>(self.abi_cnt.q.val() + 1);
                        if self.abi_wr.q.val() {
                            self.mem_even.write_address.next = self.st_addr_even.q.val();
                            self.mem_even.write_data.next = self.st_data_even.q.val();
                            self.mem_odd.write_address.next = self.st_addr_odd.q.val();
                            self.mem_odd.write_data.next = self.st_data_odd.q.val();
                            self.mem_even.write_enable.next = self.st_we_even.q.val();
                            self.mem_odd.write_enable.next = self.st_we_odd.q.val();
                        }
                        if self.abi_cnt.q.val() != self.abi_len.q.val() {
                            self.st_issue.next = true;
                            self.abi_wr.d.next = true;
                            self.abi_ptr.d.next = self.abi_ptr.q.val() + 4;
                            self.abi_cnt.d.next = self.abi_cnt.q.val() + 1;
                        } else {
                            self.ni_mb_pop.next = true;
                            self.abi_fin.next = true;
                            self.abi_val.next = self.abi_res.q.val();
                            self.abi_event.next = 4.into();
                        }
                    }
                }
                // send: load the next payload word from memory: the first once the read data
                // is its word, the next when the NI took the current one (its read was issued
                // at least a cycle before: the NI takes a word every other cycle at most).
                if (self.abi_kind.q.val() == 1)
                    & ((self.abi_step.q.val() == 1) | (self.abi_step.q.val() == 2))
                    & ((!self.tx_have.q.val() & !self.abi_adv.q.val()) | self.ni_tx_next.val())
                {
                    self.tx_data.d.next = self.ld_raw.val();
                    self.tx_have.d.next = true;
                    self.abi_ptr.d.next = self.abi_ptr.q.val() + 4;
                    self.abi_adv.d.next = true;
                }
                self.ea_reg.d.next = bit_cast::<3, 33>(self.ea.val());
            }
            _ => {
                self.state.d.next = 0.into();
            }
        }

        // ---- Shared actions ---------------------------------------------------------------
        if self.st_issue.val() {
            // Register a store's bank writes: words mem_word (its bank) and mem_word + 1 (the
            // other), addressed as a load's read.
            self.st_addr_even.d.next = bit_cast::<MEM_A, 31>((self.mem_word.val() + 1) >> 1);
            self.st_addr_odd.d.next = bit_cast::<MEM_A, 31>(self.mem_word.val() >> 1);
            self.st_data_even.d.next = bit_cast::<32, 64>(self.st_data.val());
            self.st_we_even.d.next = bit_cast::<4, 8>(self.st_mask.val());
            self.st_data_odd.d.next = bit_cast::<32, 64>(self.st_data.val() >> 32);
            self.st_we_odd.d.next = bit_cast::<4, 8>(self.st_mask.val() >> 4);
            if self.mem_word.val().get_bit(0) {
                self.st_data_odd.d.next = bit_cast::<32, 64>(self.st_data.val());
                self.st_we_odd.d.next = bit_cast::<4, 8>(self.st_mask.val());
                self.st_data_even.d.next = bit_cast::<32, 64>(self.st_data.val() >> 32);
                self.st_we_even.d.next = bit_cast::<4, 8>(self.st_mask.val() >> 4);
            }
        }
        if self.abi_fin.val() {
            // The capability call returns `abi_val` in place of its arguments.
            self.tos.d.next = self.abi_val.val();
            self.vstack.write_enable.next = true;
            self.vstack.write_address.next = bit_cast::<VS_A, 16>(self.sp.q.val() - 1);
            if self.abi_three.val() {
                self.sp_next.next = self.sp.q.val() - 2;
                self.vstack.write_address.next = bit_cast::<VS_A, 16>(self.sp.q.val() - 3);
            }
            self.vstack.write_data.next = self.abi_val.val();
            self.pc_next.next = self.ret_pc.q.val();
            self.seq.next = false;
            self.jump.next = true;
            self.state.d.next = 3.into();
        }
        if self.push.val() {
            self.sp_next.next = self.sp.q.val() + 1;
            self.tos.d.next = self.push_val.val();
            self.vstack.write_enable.next = true;
            self.vstack.write_address.next = bit_cast::<VS_A, 16>(self.sp.q.val());
            self.vstack.write_data.next = self.push_val.val();
        }
        if self.take.val() {
            // Keep `keep` values, drop `drop` below them, jump.
            self.t_drop.next = bit_cast::<16, 49>(self.side.read_data.val() >> 33);
            self.t_sp.next = self.take_sp.val() - self.t_drop.val();
            self.sp_next.next = self.t_sp.val();
            self.pc_next.next = bit_cast::<16, 49>(self.side.read_data.val());
            self.seq.next = false;
            self.jump.next = true;
            self.stp_next.next = bit_cast::<16, 49>(self.side.read_data.val() >> 16);
            self.tos.d.next = self.take_tos.val();
            self.state.d.next = 3.into();
            if self.side.read_data.val().get_bit(32) {
                self.vstack.write_enable.next = true;
                self.vstack.write_address.next = bit_cast::<VS_A, 16>(self.t_sp.val() - 1);
                self.vstack.write_data.next = self.take_tos.val();
            } else if self.t_drop.val() != 0 {
                self.vs_ra_set.next = true;
                self.vs_ra.next = self.t_sp.val() - 1;
                self.state.d.next = 4.into();
            }
        } else {
            self.t_drop.next = 0.into();
            self.t_sp.next = self.take_sp.val();
        }
        if self.do_return.val() {
            // The caller's frame is on the control stack's port.
            if self.cur_results.q.val() {
                self.vstack.write_enable.next = true;
                self.vstack.write_address.next = bit_cast::<VS_A, 16>(self.fp.q.val());
                self.vstack.write_data.next = self.tos.q.val();
                self.sp_next.next = self.fp.q.val() + 1;
            } else {
                self.sp_next.next = self.fp.q.val();
                self.vs_ra_set.next = true;
                self.vs_ra.next = self.fp.q.val() - 1;
                self.state.d.next = 4.into();
            }
            self.csp_next.next = self.csp.q.val() - 1;
            if self.csp.q.val() == 1 {
                self.state.d.next = 0.into();
            } else {
                self.pc_next.next = bit_cast::<16, 64>(self.cstack.read_data.val());
                self.seq.next = false;
                self.jump.next = true;
                self.stp_next.next = bit_cast::<16, 64>(self.cstack.read_data.val() >> 16);
                self.fp.d.next = bit_cast::<16, 64>((self.cstack.read_data.val() >> 32) & 32767);
                self.cur_results.d.next = self.cstack.read_data.val().get_bit(47);
                self.cur_end.d.next = bit_cast::<16, 64>(self.cstack.read_data.val() >> 48);
            }
        }
        if self.raise.val() {
            self.trapped.d.next = true;
            self.cause.d.next = self.raise_cause.val();
            self.trap_at.d.next = self.raise_pc.val();
            self.state.d.next = 0.into();
            // No write of the trapping instruction is suppressed here, so no write enable
            // waits for the trap decision (late in the cycle: the call's checks read the
            // function table). Stores and global.set never write in a cycle that traps (a
            // store's write waits for its bounds check, in state 4); the stacks may, which
            // cannot be observed: every run writes each stack word before it reads it.
        }
        if self.reset.val() {
            self.state.d.next = 0.into();
            self.trapped.d.next = false;
        }

        // ---- Registers and read addresses for the next cycle --------------------------------
        self.pc.d.next = self.pc_next.val();
        self.stp.d.next = self.stp_next.val();
        self.sp.d.next = self.sp_next.val();
        self.csp.d.next = self.csp_next.val();
        self.fetch_word.next = bit_cast::<14, 16>(self.pc_next.val() >> 2);
        self.fetch_odd.d.next = self.fetch_word.val().get_bit(0);
        self.code_even.read_address.next = bit_cast::<CODE_A, 14>((self.fetch_word.val() + 1) >> 1);
        self.code_odd.read_address.next = bit_cast::<CODE_A, 14>(self.fetch_word.val() >> 1);
        // A fall-through fetch does not wait for `pc_next` and the bank adders: its bank
        // addresses are computed from `pc` for the three word offsets it can have and chosen
        // by `(pc & 3 + ilen) / 4` (the decoder's offset). Branches, calls and returns take
        // the general path.
        self.seq_k.next = self.dec_off.val() >> 2;
        self.seq_h0.next = bit_cast::<14, 16>(self.pc.q.val() >> 3);
        self.seq_h1.next = bit_cast::<14, 16>((self.pc.q.val() + 4) >> 3);
        self.seq_h2.next = bit_cast::<14, 16>((self.pc.q.val() + 8) >> 3);
        self.seq_h3.next = bit_cast::<14, 16>((self.pc.q.val() + 12) >> 3);
        // A refetch starts at the word of `pc + imm_start` (opcode in `op_reg`).
        if self.refetch_now.val() {
            self.seq_k.next = (bit_cast::<4, 16>(self.pc.q.val() & 3) + 1) >> 2;
            if (self.op_reg.q.val() >= 40) & (self.op_reg.q.val() <= 62) {
                self.seq_k.next = (bit_cast::<4, 16>(self.pc.q.val() & 3) + 2) >> 2;
            }
        }
        if self.seq.val() | self.refetch_now.val() {
            match self.seq_k.val().index() {
                0 => {
                    self.code_even.read_address.next = bit_cast::<CODE_A, 14>(self.seq_h1.val());
                    self.code_odd.read_address.next = bit_cast::<CODE_A, 14>(self.seq_h0.val());
                    self.fetch_odd.d.next = self.pc.q.val().get_bit(2);
                }
                1 => {
                    self.code_even.read_address.next = bit_cast::<CODE_A, 14>(self.seq_h2.val());
                    self.code_odd.read_address.next = bit_cast::<CODE_A, 14>(self.seq_h1.val());
                    self.fetch_odd.d.next = !self.pc.q.val().get_bit(2);
                }
                _ => {
                    self.code_even.read_address.next = bit_cast::<CODE_A, 14>(self.seq_h3.val());
                    self.code_odd.read_address.next = bit_cast::<CODE_A, 14>(self.seq_h2.val());
                    self.fetch_odd.d.next = self.pc.q.val().get_bit(2);
                }
            }
        }
        self.side.read_address.next = bit_cast::<SIDE_A, 16>(self.stp_next.val());
        self.cstack.read_address.next = bit_cast::<CS_A, 16>(self.csp_next.val() - 1);
        self.fn_lo.read_address.next = bit_cast::<FN_A, 16>(self.fn_ra.val());
        self.fn_hi.read_address.next = bit_cast::<FN_A, 16>(self.fn_ra.val());
        self.misc.read_address.next = self.misc_ra.val();
        if self.vs_ra_set.val() {
            self.vstack.read_address.next = bit_cast::<VS_A, 16>(self.vs_ra.val());
        } else {
            self.vstack.read_address.next = bit_cast::<VS_A, 16>(self.sp_next.val() - 2);
        }
        self.d_op.d.next = self.dec_op.val();
        self.d_imm.d.next = self.dec_imm.val();
        self.d_ilen.d.next = self.dec_ilen.val();
        self.d_valid.d.next = self.dec_fits.val()
            & !self.jump.val()
            & !self.raise.val()
            & !self.refetch_now.val()
            & !self.reset.val();
        self.lget_ready.d.next = false;
        if self.preread.val() & !self.refetch_now.val() {
            self.vstack.read_address.next = bit_cast::<VS_A, 16>(
                self.fp.q.val() + bit_cast::<16, 16>(self.nx_bytes.val() >> 8),
            );
            self.lget_ready.d.next = true;
        }

        // ---- Outputs ----------------------------------------------------------------------
        self.busy.next = self.state.q.val() != 0;
        self.trap_valid.next = self.trapped.q.val();
        self.trap_cause.next = self.cause.q.val();
        self.trap_pc.next = self.trap_at.q.val();
        self.result.next = self.tos.q.val();
        self.retire_op.next = self.op.val();
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
        self.ni_tx_word.next = self.tx_data.q.val();
        match self.peek_sel.q.val().index() {
            3 => {
                self.peek_data.next = self.misc.read_data.val();
            }
            5 => {
                self.peek_data.next = self.mem_even.read_data.val();
                if self.peek_odd.q.val() {
                    self.peek_data.next = self.mem_odd.read_data.val();
                }
            }
            6 => {
                self.peek_data.next = self.vstack.read_data.val();
            }
            7 => match self.peek_reg.q.val().index() {
                0 => {
                    self.peek_data.next = bit_cast::<32, 48>(self.retired.q.val());
                }
                1 => {
                    self.peek_data.next = bit_cast::<32, 48>(self.retired.q.val() >> 32);
                }
                2 => {
                    self.peek_data.next = bit_cast::<32, 48>(self.clocks.q.val());
                }
                3 => {
                    self.peek_data.next = bit_cast::<32, 48>(self.clocks.q.val() >> 32);
                }
                4 => {
                    self.peek_data.next = bit_cast::<32, 16>(self.mem_pages.q.val());
                }
                5 => {
                    self.peek_data.next = bit_cast::<32, 16>(self.pc.q.val());
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

/// The simulation profile's core (`Profile::SIM`): 64 KiB code, 32 Ki side entries, 4096
/// stack words, 256 frames, 2048 functions, 4096 table elements, 1024 pages (64 MiB) of
/// linear memory (the spec tests grow memory to 804 pages).
pub type SimEnclave = Enclave<13, 15, 12, 8, 11, 12, 23>;

/// The core of a simulated cluster's enclave (`Profile::SIM_NODE`): 16 KiB code, 4 Ki side
/// entries, 1024 stack words, 64 frames, 256 functions, 256 table elements, 4 pages of linear
/// memory.
pub type SimNodeEnclave = Enclave<11, 12, 10, 6, 8, 8, 15>;

/// The ECP5 profile's core (`Profile::ECP5`): 16 KiB code, 2 Ki side entries, 1024 stack
/// words, 64 frames, 256 functions, 256 table elements, 1 page of linear memory.
pub type Ecp5Enclave = Enclave<11, 11, 10, 6, 8, 8, 13>;

/// A core whose memories fill the 32 block RAMs of an iCE40 HX8K exactly, for area and
/// timing: 2 KiB code, 256 side entries, 256 stack words, 256 frames, 256 functions, 256
/// table elements, 2 KiB of linear memory. Every memory is 256 deep (an `SB_RAM40_4K` is
/// 256 x 16; shallower memories would go into flip-flops). Boards with an HX part run small
/// programs only; the UP5K's SPRAM holds the `Profile::ICE40` page.
pub type Hx8kEnclave = Enclave<8, 8, 8, 8, 8, 8, 8>;
