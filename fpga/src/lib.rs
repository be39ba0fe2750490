//! Castle's FPGA flow: the boards (pins, clocks, flashing), bitstreams (`castle build`) with
//! their provenance, and out-of-context place and route of exported blocks (area and Fmax) for
//! the area table of `castle bench`.
pub mod bench;
pub mod board;
pub mod build;
pub mod pnr;
pub mod provenance;
pub mod wrap;
