//! Castle's FPGA flow: place and route of exported blocks (area and Fmax), and the area table
//! of `castle bench`, and the boards `castle flash` programs. Bitstreams (`castle build`) come next.
pub mod bench;
pub mod board;
pub mod pnr;
pub mod wrap;
