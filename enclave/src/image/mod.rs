//! Host-side image builder: turns a Wasm module into what an enclave's memories hold.
//!
//! The enclave executes Wasm bytecode *in place*: [`Image::code`] is the code section payload
//! verbatim, and a program counter (`pc`) is an offset into it (module offset =
//! [`Image::code_offset`] + pc). Structured control flow is resolved ahead of time into a
//! [side table](SideEntry) (Titzer, "A fast in-place interpreter for WebAssembly", OOPSLA 2022).
//!
//! # Execution contract (what hardware and [`crate::model`] implement)
//!
//! Registers: `pc`, `stp` (side-table pointer), `fp` (frame base in the value stack) and the
//! current function index. The value stack holds, per frame, the parameters, then the declared
//! locals (zeroed on entry), then the operands. Immediates are LEB128 as in the binary format,
//! except block types, which the builder guarantees to be one byte (`0x40` or `0x7f`).
//!
//! - `block`, `loop`: skip the block-type byte. `end`: no effect, unless its pc is the current
//!   function's [`FuncEntry::end_pc`], where it acts as `return`.
//! - `if`: pop c; skip the block-type byte; if c ≠ 0 then `stp += 1` else *take* entry `stp`.
//! - `else` (only reached by falling out of the then-body): *take* entry `stp`.
//! - `br l`: *take* entry `stp`. `br_if l`: pop c; if c ≠ 0 *take* entry `stp`, else skip the
//!   label immediate and `stp += 1`. `br_table n l* ld`: pop i; read n; *take* entry
//!   `stp + min(i, n)` (the n targets in order, then the default).
//! - *take* entry `e`: keep the top `e.keep` values, remove the `e.drop` values below them,
//!   `pc = e.target_pc`, `stp = e.target_stp`.
//! - `call f`: save (return pc, `stp`, `fp`, function index) on the control stack; the callee's
//!   frame starts at its first parameter; push `locals` zeros; `pc = entry_pc`,
//!   `stp = entry_stp`. Before entering, a callee that would exceed
//!   [`Profile::call_depth`] frames or whose frame (`fp + params + locals + max_stack`) would
//!   exceed [`Profile::value_stack_words`] traps with a stack overflow at the call.
//! - `call_indirect t 0`: pop i; trap "undefined element" if `i ≥ table.len()` or the element
//!   is empty; trap "indirect call type mismatch" if the callee's [`FuncEntry::type_id`] differs
//!   from [`Image::type_ids`]`[t]`; then as `call`.
//! - `return`: keep `results` values, cut the stack back to `fp`, pop the control stack.
//!
//! Branch targets: a `block`/`if` label goes to the instruction after its `end` with keep =
//! its result count (0 or 1); a `loop` label goes to the loop's first instruction with keep 0;
//! the function-level label goes to the final `end` (which then returns) with keep = results.
//! `drop` = operand height at the branch (after popping the condition or index) − the label's
//! entry height − keep. Entries are also emitted in unreachable code so `stp` stays in sync.
mod error;
mod func;
mod module;
mod ops;
mod profile;

pub use error::BuildError;
pub use profile::Profile;

use std::collections::BTreeMap;

/// Options of [`build`].
#[derive(Debug, Clone, Copy, Default)]
pub struct BuildOptions {
    /// Replace functions outside the subset by trap stubs (recorded in
    /// [`Image::unsupported`]) and module-level features outside the subset by
    /// [`Image::module_unsupported`], instead of failing. Used to run the spec tests.
    pub spec_mode: bool,
}

/// One side-table entry: where a taken branch goes and how it reshapes the operand stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct SideEntry {
    /// pc of the next instruction after the branch is taken.
    pub target_pc: u32,
    /// Side-table pointer after the branch is taken.
    pub target_stp: u32,
    /// Number of values kept on top of the operand stack (0 or 1).
    pub keep: u8,
    /// Number of values removed below the kept ones.
    pub drop: u32,
}

/// The capability calls an enclave may import from module `castle` (docs/abi.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportKind {
    /// `send(cap, ptr, len) -> status`
    Send,
    /// `recv(ptr) -> header`
    Recv,
    /// `try_recv(ptr) -> header or -1`
    TryRecv,
    /// `grant(cap, give, rights) -> status`
    Grant,
    /// `drop(slot) -> status`
    Drop,
}

impl ImportKind {
    /// Every capability call, in function-table kind order (kind 1 first).
    pub const ALL: [ImportKind; 5] = [
        ImportKind::Send,
        ImportKind::Recv,
        ImportKind::TryRecv,
        ImportKind::Grant,
        ImportKind::Drop,
    ];

    /// The import's name in module `castle`.
    pub fn name(self) -> &'static str {
        match self {
            ImportKind::Send => "send",
            ImportKind::Recv => "recv",
            ImportKind::TryRecv => "try_recv",
            ImportKind::Grant => "grant",
            ImportKind::Drop => "drop",
        }
    }

    /// Number of i32 parameters (every call returns one i32).
    pub fn params(self) -> u32 {
        match self {
            ImportKind::Send | ImportKind::Grant => 3,
            ImportKind::Recv | ImportKind::TryRecv | ImportKind::Drop => 1,
        }
    }

    /// The function-table `kind` field of the import (0 is a defined function).
    pub fn code(self) -> u8 {
        1 + ImportKind::ALL.iter().position(|&k| k == self).unwrap_or(0) as u8
    }

    /// The import whose function-table `kind` is `code`.
    pub fn from_code(code: u8) -> Option<ImportKind> {
        ImportKind::ALL
            .get(usize::from(code).checked_sub(1)?)
            .copied()
    }

    /// Its signature in text format, for error messages.
    pub fn signature(self) -> &'static str {
        match self.params() {
            3 => "(param i32 i32 i32) (result i32)",
            _ => "(param i32) (result i32)",
        }
    }
}

/// What a function index refers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FuncKind {
    /// A function body in [`Image::code`].
    Defined,
    /// A capability call handled by the network interface.
    Import(ImportKind),
    /// Spec mode only: a function outside the subset, replaced by `unreachable; end`.
    Stub,
}

/// One entry of the function table, in Wasm function index order (imports first).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FuncEntry {
    /// Body, import or stub.
    pub kind: FuncKind,
    /// Canonical signature id: equal for structurally equal signatures.
    pub type_id: u32,
    /// Whether every parameter and result is i32 (always true except for stubs).
    pub i32_signature: bool,
    /// Number of parameters.
    pub params: u32,
    /// Number of results (0 or 1 unless `i32_signature` is false).
    pub results: u32,
    /// Declared locals, not counting parameters.
    pub locals: u32,
    /// pc of the first instruction after the local declarations.
    pub entry_pc: u32,
    /// pc of the body's final `end`.
    pub end_pc: u32,
    /// Index of the function's first side-table entry.
    pub entry_stp: u32,
    /// Highest operand-stack height (above parameters and locals) within the body.
    pub max_stack: u32,
}

/// An i32 global and its initial value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Global {
    /// Whether `global.set` may change it.
    pub mutable: bool,
    /// Value at instantiation.
    pub init: i32,
}

/// An active data segment, copied into linear memory at instantiation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataSegment {
    /// Byte address in linear memory.
    pub offset: u32,
    /// The bytes.
    pub bytes: Vec<u8>,
}

/// Linear memory size limits in 64 KiB pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MemLimits {
    /// Pages at instantiation.
    pub min_pages: u32,
    /// Declared maximum, if any.
    pub max_pages: Option<u32>,
}

/// Everything an enclave needs to run a module.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Image {
    /// Code section payload verbatim, followed by trap stubs (spec mode).
    pub code: Vec<u8>,
    /// Module byte offset of the code section payload (of pc 0).
    pub code_offset: u64,
    /// Length of the code section payload; stubs start here.
    pub module_code_len: u32,
    /// Function table, imports first.
    pub functions: Vec<FuncEntry>,
    /// Branch side table, in program order.
    pub side_table: Vec<SideEntry>,
    /// Canonical signature id of each type index (for `call_indirect`).
    pub type_ids: Vec<u32>,
    /// Globals in index order.
    pub globals: Vec<Global>,
    /// Table 0 after the active element segments: function indices, `None` when empty.
    pub table: Vec<Option<u32>>,
    /// Active data segments in order.
    pub data: Vec<DataSegment>,
    /// Linear memory, if the module has one.
    pub memory: Option<MemLimits>,
    /// Exported functions by name.
    pub exports: BTreeMap<String, u32>,
    /// Start function.
    pub start: Option<u32>,
    /// Spec mode: functions replaced by stubs, with the reason.
    pub unsupported: Vec<(u32, String)>,
    /// Spec mode: the first module-level feature outside the subset.
    pub module_unsupported: Option<String>,
}

impl Image {
    /// Module byte offset of `pc`, or `None` for a pc in the stubs or beyond.
    pub fn pc_to_module_offset(&self, pc: u32) -> Option<u64> {
        (pc < self.module_code_len).then(|| self.code_offset + u64::from(pc))
    }

    /// The defined function or stub whose body holds `pc`.
    pub fn func_at_pc(&self, pc: u32) -> Option<u32> {
        let holds = |f: &FuncEntry| {
            !matches!(f.kind, FuncKind::Import(_)) && (f.entry_pc..=f.end_pc).contains(&pc)
        };
        (0..)
            .zip(&self.functions)
            .find(|(_, f)| holds(f))
            .map(|(i, _)| i)
    }

    /// Why function `func` was replaced by a stub, if it was.
    pub fn unsupported_reason(&self, func: u32) -> Option<&str> {
        self.unsupported
            .iter()
            .find(|(f, _)| *f == func)
            .map(|(_, r)| r.as_str())
    }
}

/// Builds the image of a module given as Wasm binary or text, and checks that it fits
/// `profile`. The module is validated first (wasmparser's default features).
pub fn build(bytes: &[u8], options: &BuildOptions, profile: &Profile) -> Result<Image, BuildError> {
    let wasm = wat::parse_bytes(bytes)?;
    wasmparser::Validator::new().validate_all(&wasm)?;
    let image = module::translate(&wasm, options, profile)?;
    check_fit(&image, profile)?;
    Ok(image)
}

/// Refuses an image whose static footprint exceeds `profile`.
fn check_fit(image: &Image, profile: &Profile) -> Result<(), BuildError> {
    let does_not_fit = |resource: String, need: u64, limit: u32| {
        Err(BuildError::DoesNotFit {
            profile: profile.name,
            resource,
            need,
            limit: limit.into(),
        })
    };
    if image.code.len() as u64 > u64::from(profile.code_bytes) {
        return does_not_fit(
            "code bytes".into(),
            image.code.len() as u64,
            profile.code_bytes,
        );
    }
    if image.side_table.len() as u64 > u64::from(profile.side_entries) {
        return does_not_fit(
            "side-table entries".into(),
            image.side_table.len() as u64,
            profile.side_entries,
        );
    }
    if let Some(mem) = image.memory.filter(|m| m.min_pages > profile.memory_pages) {
        return does_not_fit(
            "linear memory pages".into(),
            mem.min_pages.into(),
            profile.memory_pages,
        );
    }
    for (index, f) in image.functions.iter().enumerate() {
        let frame = u64::from(f.params) + u64::from(f.locals) + u64::from(f.max_stack);
        if frame > u64::from(profile.value_stack_words) {
            return does_not_fit(
                format!("value stack words (frame of func {index})"),
                frame,
                profile.value_stack_words,
            );
        }
    }
    Ok(())
}
