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

impl TrapCause {
    /// The enclave core's `trap_cause` code (0 is no trap; [`crate::core::enclave::TRAP_CAUSES`]
    /// names them). [`TrapCause::MalformedImage`] is the core's "illegal instruction".
    pub fn code(self) -> u8 {
        match self {
            TrapCause::Unreachable => 1,
            TrapCause::DivByZero => 2,
            TrapCause::IntOverflow => 3,
            TrapCause::MemOutOfBounds => 4,
            TrapCause::UndefinedElement => 5,
            TrapCause::IndirectTypeMismatch => 6,
            TrapCause::StackOverflow => 7,
            TrapCause::FuelExhausted => 8,
            TrapCause::ImportCall(ImportKind::Drop) => 14,
            TrapCause::ImportCall(kind) => 8 + kind.code(),
            TrapCause::MalformedImage => 13,
        }
    }

    /// The cause of core code `code` (an unknown code is an illegal instruction).
    pub fn from_code(code: u8) -> TrapCause {
        const ALL: [TrapCause; 14] = [
            TrapCause::Unreachable,
            TrapCause::DivByZero,
            TrapCause::IntOverflow,
            TrapCause::MemOutOfBounds,
            TrapCause::UndefinedElement,
            TrapCause::IndirectTypeMismatch,
            TrapCause::StackOverflow,
            TrapCause::FuelExhausted,
            TrapCause::ImportCall(ImportKind::Send),
            TrapCause::ImportCall(ImportKind::Recv),
            TrapCause::ImportCall(ImportKind::TryRecv),
            TrapCause::ImportCall(ImportKind::Grant),
            TrapCause::ImportCall(ImportKind::Drop),
            TrapCause::MalformedImage,
        ];
        ALL.into_iter()
            .find(|c| c.code() == code)
            .unwrap_or(TrapCause::MalformedImage)
    }
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
                    "call to castle.{} (no network: a single enclave)",
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::enclave::TRAP_CAUSES;

    /// Every cause has its own core code, the codes round-trip, and the core's name table has
    /// an entry for each.
    #[test]
    fn codes_round_trip() {
        let mut seen = std::collections::HashSet::new();
        for code in 1..TRAP_CAUSES.len() as u8 {
            let cause = TrapCause::from_code(code);
            assert_eq!(cause.code(), code, "{cause}");
            assert!(seen.insert(code));
        }
        assert_eq!(TRAP_CAUSES[14], "call to castle.drop");
        assert_eq!(TRAP_CAUSES[4], "out of bounds memory access");
    }
}
