//! Castle enclave: the Wasm-subset core in rust-hdl and its building blocks.
pub mod byte_ram;
pub mod compact;
pub mod core;
pub mod image;
pub mod leb128;
pub mod model;
