//! Castle test benches: the Verilator harness and the drivers that compare rust-hdl
//! simulation, Verilated Verilog and software models.
pub mod bench;
pub mod bench_cluster;
pub mod board;
pub mod cluster;
pub mod core;
pub mod engine;
pub mod golden;
pub mod leb128;
pub mod mesh;
pub mod network;
pub mod rusthdl;
pub mod sim;
pub mod spec;
pub mod suites;
pub mod verilator;
