//! The compact enclave core (docs/compact.md): the same image contract and capability ABI as
//! the fast core ([`crate::core`]), on three single-ported memories and a small datapath, for
//! clusters of many enclaves on one FPGA.
//!
//! | file | what |
//! | --- | --- |
//! | `core.rs` | the core: execute state machine, stacks, memory interface, capability calls |
//! | `decode.rs` | the decoder: opcode and LEB128 immediate, two bytes per cycle |
//! | `alu.rs` | add, sub, logic and comparisons on one adder |
//! | `mem_if.rs` | linear-memory access: sizes, the load funnel and extension, the store rotation and lanes |
//! | `shift.rs` | one step of a shift, rotate or bit count |
//! | `load.rs` | the memory layout and the load-port writes of an image |
//!
//! The multiplier/divider is the fast core's (`crate::core::muldiv`).
pub mod alu;
pub mod core;
pub mod decode;
pub mod load;
pub mod mem_if;
pub mod shift;

/// The compact core sized for the `spec` profile ([`crate::image::Profile::SIM`], the single
/// Verilated enclave of `castle run` and `castle spec`): 128 Ki program words (64 KiB code and
/// its tables), 8 Ki stack words, 1024 pages of linear memory.
pub type SimCompact = core::Compact<17, 16, 13, 24>;

/// Memory sizes of [`SimCompact`].
pub const SIM_SIZES: load::Sizes = load::Sizes {
    prog_words: 1 << 17,
    code_bytes: 1 << 16,
    stack_words: 1 << 13,
    mem_words: 1 << 24,
};

/// The compact core of a simulated cluster's enclave, sized for the `sim` node profile
/// ([`crate::image::Profile::SIM_NODE`], as the fast core's `SimNodeEnclave`): 16 Ki program
/// words (16 KiB code, 4 Ki side entries and the tables), 2 Ki stack words, 4 pages of
/// linear memory.
pub type NodeCompact = core::Compact<14, 14, 11, 16>;

/// Memory sizes of [`NodeCompact`].
pub const NODE_SIZES: load::Sizes = load::Sizes {
    prog_words: 1 << 14,
    code_bytes: 1 << 14,
    stack_words: 1 << 11,
    mem_words: 1 << 16,
};
