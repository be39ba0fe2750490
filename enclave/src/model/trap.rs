//! Traps: why and where an enclave halted.
use crate::image::ImportKind;
use std::fmt;

/// Why execution stopped abnormally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrapCause {
    /// `unreachable` executed (also a stub of a function outside the subset).
    Unreachable,
    /// Integer division or remainder by zero.
    DivByZero,
    /// `i32.div_s` of `i32::MIN` by -1.
    IntOverflow,
    /// A load or store outside linear memory.
    MemOutOfBounds,
    /// `call_indirect` with an index beyond the table or at an empty element.
    UndefinedElement,
    /// `call_indirect` to a function whose signature differs from the expected one.
    IndirectTypeMismatch,
    /// A call beyond the profile's call depth or value stack.
    StackOverflow,
    /// The instruction budget ran out.
    FuelExhausted,
    /// A capability call; a single enclave has no network interface to serve it.
    ImportCall(ImportKind),
    /// Model only: the image is inconsistent (never produced by the image builder).
    MalformedImage,
}

impl fmt::Display for TrapCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TrapCause::Unreachable => f.write_str("unreachable"),
            TrapCause::DivByZero => f.write_str("integer divide by zero"),
            TrapCause::IntOverflow => f.write_str("integer overflow"),
            TrapCause::MemOutOfBounds => f.write_str("out of bounds memory access"),
            TrapCause::UndefinedElement => f.write_str("undefined element"),
            TrapCause::IndirectTypeMismatch => f.write_str("indirect call type mismatch"),
            TrapCause::StackOverflow => f.write_str("call stack exhausted"),
            TrapCause::FuelExhausted => f.write_str("fuel exhausted"),
            TrapCause::ImportCall(kind) => {
                write!(
                    f,
                    "call to castle.{} (unsupported in single-enclave mode)",
                    kind.name()
                )
            }
            TrapCause::MalformedImage => f.write_str("malformed image"),
        }
    }
}

/// A trap: its cause and the pc of the instruction that raised it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Trap {
    /// Why.
    pub cause: TrapCause,
    /// pc (offset in the code section payload) of the trapping instruction, or of the next
    /// instruction for [`TrapCause::FuelExhausted`].
    pub pc: u32,
}

impl fmt::Display for Trap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at pc {:#x}", self.cause, self.pc)
    }
}

impl std::error::Error for Trap {}
