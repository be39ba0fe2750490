//! Memory sizes of an enclave: what an image must fit into.

/// The sizes of an enclave's private memories and stacks.
///
/// The image builder refuses an image whose static footprint exceeds one of these; the
/// executor (hardware or [`crate::model`]) traps when a run exceeds the dynamic ones
/// (`value_stack_words`, `call_depth`) or gets `-1` from `memory.grow` beyond `memory_pages`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Profile {
    /// Short name used in error messages and manifests (`spec`, `sim`, `ice40`, `ecp5`).
    pub name: &'static str,
    /// Size of code memory in bytes: the code section payload plus trap stubs.
    pub code_bytes: u32,
    /// Number of side-table entries.
    pub side_entries: u32,
    /// Linear memory in 64 KiB Wasm pages (the most `memory.grow` can reach).
    pub memory_pages: u32,
    /// Physical linear memory in bytes, where it is smaller than the pages: a module still
    /// declares and sees whole pages (`memory.size`), but an access at or beyond this byte
    /// traps as out of bounds, and data segments must end below it. `None`: whole pages.
    pub memory_bytes: Option<u32>,
    /// Value stack in 32-bit words (locals, parameters and operands of all active frames).
    pub value_stack_words: u32,
    /// Maximum number of active function frames (the invoked function counts as one).
    pub call_depth: u32,
    /// Number of table elements (for `call_indirect`).
    pub table_entries: u32,
}

impl Profile {
    /// The single Verilated enclave of `castle run` and `castle spec`, sized for the spec
    /// suite: 64 KiB code, 32 Ki side entries (br_table.wast needs 24.7 Ki), 1024 pages (64
    /// MiB) of linear memory (memory_grow.wast grows to 804), 4096 stack words, 256 frames,
    /// 4096 table elements. Enough for clang's default 2-page output too.
    pub const SIM: Profile = Profile {
        name: "spec",
        code_bytes: 64 * 1024,
        side_entries: 32 * 1024,
        memory_pages: 1024,
        memory_bytes: None,
        value_stack_words: 4096,
        call_depth: 256,
        table_entries: 4096,
    };

    /// An enclave of a simulated cluster (a manifest's `profile = "sim"`): 16 KiB code, 4 Ki
    /// side entries, 4 pages (256 KiB) of linear memory (clang's default output declares 2),
    /// 1024 stack words, 64 frames, 256 table elements; 16 of them take ~5 MiB of Verilator
    /// model.
    pub const SIM_NODE: Profile = Profile {
        name: "sim",
        code_bytes: 16 * 1024,
        side_entries: 4 * 1024,
        memory_pages: 4,
        memory_bytes: None,
        value_stack_words: 1024,
        call_depth: 64,
        table_entries: 256,
    };

    /// iCE40 UP5K (30 EBR of 4 Kibit, 128 KiB SPRAM): 4 KiB code, 512 side entries, one page
    /// of linear memory in SPRAM, 512 stack words, 32 frames, 64 table elements.
    pub const ICE40: Profile = Profile {
        name: "ice40",
        code_bytes: 4 * 1024,
        side_entries: 512,
        memory_pages: 1,
        memory_bytes: None,
        value_stack_words: 512,
        call_depth: 32,
        table_entries: 64,
    };

    /// ECP5 25F/85F (56+ EBR of 18 Kibit): 16 KiB code, 2048 side entries, one page of linear
    /// memory, 1024 stack words, 64 frames, 256 table elements.
    pub const ECP5: Profile = Profile {
        name: "ecp5",
        code_bytes: 16 * 1024,
        side_entries: 2048,
        memory_pages: 1,
        memory_bytes: None,
        value_stack_words: 1024,
        call_depth: 64,
        table_entries: 256,
    };

    /// A node of an iCE40 HX8K board cluster (the compact core `Compact<8, 10, 8, 8>`,
    /// `castle_rtl::board`): 1 KiB of program memory for code and tables (so at most 1 KiB
    /// of code, 64 side entries), one page declared with 1 KiB of it physical, 128 stack
    /// words, 32 frames, 16 table elements.
    pub const HX8K_NODE: Profile = Profile {
        name: "ice40-hx8k",
        code_bytes: 1024,
        side_entries: 64,
        memory_pages: 1,
        memory_bytes: Some(1024),
        value_stack_words: 128,
        call_depth: 32,
        table_entries: 16,
    };

    /// The profile called `name` (`spec`, `sim`, `ice40`, `ecp5` or `ice40-hx8k`).
    pub fn by_name(name: &str) -> Option<Profile> {
        [
            Self::SIM,
            Self::SIM_NODE,
            Self::ICE40,
            Self::ECP5,
            Self::HX8K_NODE,
        ]
        .into_iter()
        .find(|p| p.name == name)
    }
}
