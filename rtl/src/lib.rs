//! Castle register-transfer level: the blocks that can be exported, their Verilog, and the
//! checks every exported block passes (Verilator lint, yosys synthesis without latches); the
//! cluster manifest ([`manifest`]) and its capability audit ([`audit`]).
pub mod audit;
pub mod blocks;
pub mod board;
pub mod cluster;
pub mod export;
pub mod formal;
pub mod lint;
pub mod manifest;
pub mod ports;
pub mod scratch;
pub mod synth;
pub mod tools;
