//! Errors of the image builder.
use thiserror::Error;

/// Why an image could not be built.
#[derive(Debug, Error)]
pub enum BuildError {
    /// The input is neither a Wasm binary nor valid Wasm text.
    #[error("invalid wasm text: {0}")]
    Text(#[from] wat::Error),
    /// The module is malformed or invalid (wasmparser's message, with its offset).
    #[error("invalid module: {0}")]
    Invalid(#[from] wasmparser::BinaryReaderError),
    /// An instruction, local or signature of a function is outside the enclave subset.
    #[error("{name} at offset {offset:#x} in func {func}: {reason}")]
    UnsupportedInFunc {
        /// Text-format name of the instruction or item (`i64.add`, `local`, `signature`).
        name: String,
        /// Module byte offset.
        offset: u64,
        /// Wasm function index (imports included).
        func: u32,
        /// Why it is rejected.
        reason: String,
    },
    /// A module-level feature is outside the enclave subset.
    #[error("{name} at offset {offset:#x}: {reason}")]
    Unsupported {
        /// The feature (`imported memory`, `global`, `table`, ...).
        name: String,
        /// Module byte offset.
        offset: u64,
        /// Why it is rejected.
        reason: String,
    },
    /// Instantiating the module would trap (a segment out of bounds).
    #[error("instantiation traps at offset {offset:#x}: {reason}")]
    InstantiationTrap {
        /// Module byte offset of the segment.
        offset: u64,
        /// The spec's trap message.
        reason: &'static str,
    },
    /// The image needs more of a resource than the profile has.
    #[error(
        "image does not fit the {profile} profile: {resource} needs {need}, the limit is {limit}"
    )]
    DoesNotFit {
        /// Profile name.
        profile: &'static str,
        /// The resource and its unit (`code bytes`, `side-table entries`, ...).
        resource: String,
        /// What the image needs.
        need: u64,
        /// What the profile has.
        limit: u64,
    },
}
