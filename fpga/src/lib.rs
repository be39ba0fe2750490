//! Castle's FPGA flow: place and route of exported blocks (area and Fmax), and the area table
//! of `castle bench`. Boards, bitstreams and flashing come next (`castle build`, `castle flash`).
pub mod bench;
pub mod pnr;
pub mod wrap;
