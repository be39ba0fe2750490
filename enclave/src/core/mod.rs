//! The enclave core in rust-hdl: executes Wasm bytecode in place (docs/enclave.md).
pub mod enclave;
pub mod load;
pub mod muldiv;
pub mod sram;
