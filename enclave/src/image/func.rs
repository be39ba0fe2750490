//! Translation of one function body: subset check, side-table entries and stack bound.
//!
//! The body is validated again operator by operator with wasmparser's function validator,
//! whose operand and control stacks give the exact heights (also in unreachable code).
use super::ops;
use super::{BuildError, SideEntry};
use wasmparser::{
    BlockType, FuncValidator, FunctionBody, MemArg, MemArgTarget, Operator, ValType,
    ValidatorResources,
};

/// What the module tells the translator about the indices used in code.
pub(crate) struct Env<'a> {
    /// The module bytes (to check raw immediate encodings).
    pub wasm: &'a [u8],
    /// Module offset of pc 0.
    pub code_start: u64,
    /// Per function index: whether its signature is i32-only with at most one result.
    pub func_i32: &'a [bool],
    /// Per type index: the same for signatures.
    pub type_i32: &'a [bool],
    /// Per global index: whether the global is an i32.
    pub global_i32: &'a [bool],
}

/// The parts of a [`super::FuncEntry`] that come from its body.
pub(crate) struct Translation {
    pub locals: u32,
    pub entry_pc: u32,
    pub end_pc: u32,
    pub max_stack: u32,
}

/// Translates the body of function `func`, appending its entries to `side`. On error, `side`
/// may hold entries of the failed body: the caller truncates it.
pub(crate) fn translate(
    env: &Env<'_>,
    func: u32,
    results: u32,
    body: &FunctionBody<'_>,
    validator: FuncValidator<ValidatorResources>,
    side: &mut Vec<SideEntry>,
) -> Result<Translation, BuildError> {
    let mut t = Translator {
        env,
        func,
        side,
        validator,
        labels: Vec::new(),
        max_stack: 0,
        end_pc: None,
    };
    let mut locals_reader = body.get_locals_reader()?;
    let mut locals: u32 = 0;
    for _ in 0..locals_reader.get_count() {
        let offset = locals_reader.original_position();
        let (count, ty) = locals_reader.read()?;
        t.validator.define_locals(offset, count, ty)?;
        if ty != ValType::I32 {
            return Err(t.unsupported("local".into(), offset, type_reason(ty)));
        }
        locals = locals
            .checked_add(count)
            .ok_or_else(|| t.malformed(offset, "too many locals"))?;
    }
    let mut reader = body.get_operators_reader()?;
    let entry_pc = t.pc(reader.original_position());
    t.labels.push(Label::new(LabelKind::Func, results as u8, 0));
    while !reader.eof() {
        let (op, offset) = reader.read_with_offset()?;
        let next = reader.original_position();
        t.check(&op, offset)?;
        let height = t.validator.operand_stack_height();
        t.validator.op(offset, &op)?;
        t.emit(&op, offset, next, height)?;
        t.max_stack = t.max_stack.max(t.validator.operand_stack_height());
    }
    reader.finish()?;
    let end_pc = t
        .end_pc
        .ok_or_else(|| t.malformed(reader.original_position(), "function without end"))?;
    Ok(Translation {
        locals,
        entry_pc,
        end_pc,
        max_stack: t.max_stack,
    })
}

/// Why a value type other than i32 is outside the subset.
pub(crate) fn type_reason(ty: ValType) -> String {
    match ty {
        ValType::I32 => "i32 is not expected here".into(),
        ValType::I64 => "i64 is not supported by enclaves".into(),
        ValType::F32 => "f32 is not supported by enclaves".into(),
        ValType::F64 => "f64 is not supported by enclaves".into(),
        ValType::V128 => "SIMD is not supported by enclaves".into(),
        ValType::Ref(_) => "reference types are not supported by enclaves".into(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LabelKind {
    Func,
    Block,
    Loop { pc: u32, stp: u32 },
    If,
}

/// A control frame of the body being translated.
struct Label {
    kind: LabelKind,
    /// Values a branch to this label keeps (0 for loops).
    keep: u8,
    /// Operand height when the label was entered.
    height: u32,
    /// Entries whose target is this label's end, patched at `end`.
    pending: Vec<usize>,
    /// The `if` entry, until an `else` (or the `end`) fixes its target.
    if_entry: Option<usize>,
}

impl Label {
    fn new(kind: LabelKind, keep: u8, height: u32) -> Self {
        Label {
            kind,
            keep,
            height,
            pending: Vec::new(),
            if_entry: None,
        }
    }
}

struct Translator<'a, 's> {
    env: &'a Env<'a>,
    func: u32,
    side: &'s mut Vec<SideEntry>,
    validator: FuncValidator<ValidatorResources>,
    labels: Vec<Label>,
    max_stack: u32,
    end_pc: Option<u32>,
}

impl Translator<'_, '_> {
    fn pc(&self, offset: u64) -> u32 {
        (offset - self.env.code_start) as u32
    }

    fn unsupported(&self, name: String, offset: u64, reason: String) -> BuildError {
        BuildError::UnsupportedInFunc {
            name,
            offset,
            func: self.func,
            reason,
        }
    }

    fn malformed(&self, offset: u64, reason: &str) -> BuildError {
        self.unsupported("function body".into(), offset, reason.into())
    }

    /// Rejects operators and immediates outside the subset.
    fn check(&self, op: &Operator<'_>, offset: u64) -> Result<(), BuildError> {
        let fail = |reason: String| Err(self.unsupported(ops::name(op), offset, reason));
        if let Some(reason) = ops::unsupported_reason(op) {
            return fail(reason);
        }
        match *op {
            Operator::Block { blockty } | Operator::Loop { blockty } | Operator::If { blockty } => {
                block_keep(blockty).map(|_| ()).or_else(fail)
            }
            Operator::Call { function_index } if !flag(self.env.func_i32, function_index) => fail(
                format!("callee func {function_index} has a signature outside the subset"),
            ),
            Operator::CallIndirect {
                type_index,
                table_index,
            } => {
                if table_index != 0 || !self.one_byte_at(offset, 1) {
                    fail("only table 0 (as the single byte 0x00) is supported by enclaves".into())
                } else if !flag(self.env.type_i32, type_index) {
                    fail(format!(
                        "type {type_index} is a signature outside the subset"
                    ))
                } else {
                    Ok(())
                }
            }
            Operator::GlobalGet { global_index } | Operator::GlobalSet { global_index }
                if !flag(self.env.global_i32, global_index) =>
            {
                fail(format!("global {global_index} is not an i32"))
            }
            Operator::MemorySize { mem } | Operator::MemoryGrow { mem }
                if mem != 0 || !self.one_byte_at(offset, 0) =>
            {
                fail("only memory 0 (as the single byte 0x00) is supported by enclaves".into())
            }
            Operator::I32Load { memarg }
            | Operator::I32Load8S { memarg }
            | Operator::I32Load8U { memarg }
            | Operator::I32Load16S { memarg }
            | Operator::I32Load16U { memarg }
            | Operator::I32Store { memarg }
            | Operator::I32Store8 { memarg }
            | Operator::I32Store16 { memarg } => self.check_memarg(memarg, offset).or_else(fail),
            _ => Ok(()),
        }
    }

    /// The memarg must address memory 0 without the multi-memory encoding, so the enclave
    /// decodes it as two plain LEB128 numbers (flags, offset).
    fn check_memarg(&self, memarg: MemArg, offset: u64) -> Result<(), String> {
        let flags = usize::try_from(offset + 1)
            .ok()
            .and_then(|at| self.env.wasm.get(at..))
            .and_then(|bytes| crate::leb128::decode(bytes, false));
        match (memarg.target, flags) {
            (MemArgTarget::Memory(0), Some((flags, 1, false))) if flags < 64 => Ok(()),
            (MemArgTarget::Memory(0), Some((_, _, false))) => {
                Err("a memarg alignment of more than one byte is not supported by enclaves".into())
            }
            _ => Err("only memory 0 is supported by enclaves".into()),
        }
    }

    /// Whether the instruction at `offset`, after its opcode and `lebs` LEB128 immediates,
    /// has a one-byte LEB128 number (the enclave decodes these as fixed single bytes).
    fn one_byte_at(&self, offset: u64, lebs: usize) -> bool {
        let Some(mut at) = usize::try_from(offset + 1).ok() else {
            return false;
        };
        for _ in 0..lebs {
            match self
                .env
                .wasm
                .get(at..)
                .and_then(|b| crate::leb128::decode(b, false))
            {
                Some((_, len, false)) => at += len,
                _ => return false,
            }
        }
        matches!(self.env.wasm.get(at), Some(b) if b & 0x80 == 0)
    }

    /// Emits side-table entries and tracks labels, after `op` was validated. `height` is the
    /// operand height before `op`; `next` the offset of the following instruction.
    fn emit(
        &mut self,
        op: &Operator<'_>,
        offset: u64,
        next: u64,
        height: u32,
    ) -> Result<(), BuildError> {
        let now = self.validator.operand_stack_height();
        let below_top = height.saturating_sub(1);
        match op {
            Operator::Block { blockty } => {
                let keep = block_keep(*blockty).unwrap_or(0);
                self.labels.push(Label::new(LabelKind::Block, keep, now));
            }
            Operator::Loop { blockty } => {
                let kind = LabelKind::Loop {
                    pc: self.pc(next),
                    stp: self.side.len() as u32,
                };
                self.labels
                    .push(Label::new(kind, block_keep(*blockty).unwrap_or(0), now));
            }
            Operator::If { blockty } => {
                let mut label = Label::new(LabelKind::If, block_keep(*blockty).unwrap_or(0), now);
                label.if_entry = Some(self.push(SideEntry::default()));
                self.labels.push(label);
            }
            Operator::Else => {
                let at = self.side.len();
                let else_pc = self.pc(next);
                let label = self
                    .labels
                    .last()
                    .ok_or_else(|| self.malformed(offset, "else outside if"))?;
                let entry = SideEntry {
                    keep: label.keep,
                    drop: drop(height, label),
                    ..Default::default()
                };
                let if_entry = label.if_entry;
                self.push(entry);
                if let Some(i) = if_entry {
                    self.side[i].target_pc = else_pc;
                    self.side[i].target_stp = at as u32 + 1;
                }
                if let Some(label) = self.labels.last_mut() {
                    label.if_entry = None;
                    label.pending.push(at);
                }
            }
            Operator::End => {
                let label = self
                    .labels
                    .pop()
                    .ok_or_else(|| self.malformed(offset, "unbalanced end"))?;
                let target_pc = if label.kind == LabelKind::Func {
                    self.pc(offset)
                } else {
                    self.pc(next)
                };
                let target_stp = self.side.len() as u32;
                for i in label.pending.into_iter().chain(label.if_entry) {
                    self.side[i].target_pc = target_pc;
                    self.side[i].target_stp = target_stp;
                }
                if label.kind == LabelKind::Func {
                    self.end_pc = Some(target_pc);
                }
            }
            Operator::Br { relative_depth } => self.branch(*relative_depth, height, offset)?,
            Operator::BrIf { relative_depth } => self.branch(*relative_depth, below_top, offset)?,
            Operator::BrTable { targets } => {
                for depth in targets.targets() {
                    self.branch(depth?, below_top, offset)?;
                }
                self.branch(targets.default(), below_top, offset)?;
            }
            _ => {}
        }
        Ok(())
    }

    /// Emits the entry of a branch to the label `depth` levels out, taken at operand height
    /// `height`.
    fn branch(&mut self, depth: u32, height: u32, offset: u64) -> Result<(), BuildError> {
        let index = self.labels.len().checked_sub(depth as usize + 1);
        let Some(label) = index.and_then(|i| self.labels.get(i)) else {
            return Err(self.malformed(offset, "branch depth out of range"));
        };
        let entry = match label.kind {
            LabelKind::Loop { pc, stp } => SideEntry {
                target_pc: pc,
                target_stp: stp,
                keep: 0,
                drop: height.saturating_sub(label.height),
            },
            _ => SideEntry {
                keep: label.keep,
                drop: drop(height, label),
                ..Default::default()
            },
        };
        let is_loop = matches!(label.kind, LabelKind::Loop { .. });
        let at = self.push(entry);
        if !is_loop {
            if let Some(label) = index.and_then(|i| self.labels.get_mut(i)) {
                label.pending.push(at);
            }
        }
        Ok(())
    }

    fn push(&mut self, entry: SideEntry) -> usize {
        self.side.push(entry);
        self.side.len() - 1
    }
}

/// Values dropped by a branch to a forward label at operand height `height`.
fn drop(height: u32, label: &Label) -> u32 {
    height.saturating_sub(label.height + u32::from(label.keep))
}

/// Number of results of a block type in the subset, or why it is not.
fn block_keep(ty: BlockType) -> Result<u8, String> {
    match ty {
        BlockType::Empty => Ok(0),
        BlockType::Type(ValType::I32) => Ok(1),
        BlockType::Type(ty) => Err(type_reason(ty)),
        BlockType::FuncType(_) => {
            Err("multi-value block types are not supported by enclaves".into())
        }
    }
}

fn flag(flags: &[bool], index: u32) -> bool {
    flags.get(index as usize).copied().unwrap_or(false)
}
