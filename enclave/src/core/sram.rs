//! Block RAM with one read and one write port.
//!
//! `2^A` words of `W ≤ 64` bits, one clock. `read_address` is sampled at the rising edge and
//! `read_data` holds `mem[read_address]` after it (latency 1). With `T` (transparent), a write
//! (`write_enable`, `write_address`, `write_data`) in the same cycle as a read of the same word
//! returns the *new* data, so the core needs no bypass of its own; that costs an address
//! comparator and a W-bit register and mux beside the block RAM, so memories that are never
//! read in the cycle they are written use `T = false` (the read then returns the old word).
//! Contents start at zero. yosys maps it onto `SB_RAM40_4K` / `DP16KD`.
//!
//! Written by hand (`Verilog::Custom`); the Rust `update` is its model (checked against the
//! Verilog by the enclave's Verilator tests).
use rust_hdl::prelude::*;

#[derive(LogicBlock)]
pub struct Sram<const A: usize, const W: usize, const T: bool> {
    pub clock: Signal<In, Clock>,
    pub read_address: Signal<In, Bits<A>>,
    pub read_data: Signal<Out, Bits<W>>,
    pub write_address: Signal<In, Bits<A>>,
    pub write_data: Signal<In, Bits<W>>,
    pub write_enable: Signal<In, Bit>,
    /// The contents, for rust-hdl simulation.
    _mem: Vec<u64>,
}

impl<const A: usize, const W: usize, const T: bool> Default for Sram<A, W, T> {
    fn default() -> Self {
        assert!(W <= 64, "Sram words are at most 64 bits");
        Sram {
            clock: Default::default(),
            read_address: Default::default(),
            read_data: Default::default(),
            write_address: Default::default(),
            write_data: Default::default(),
            write_enable: Default::default(),
            _mem: vec![0; 1 << A],
        }
    }
}

impl<const A: usize, const W: usize, const T: bool> Logic for Sram<A, W, T> {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let r = self.read_address.val().index();
            if !T {
                self.read_data.next = self._mem[r].to_bits();
            }
            if self.write_enable.val() {
                let w = self.write_address.val().index();
                self._mem[w] = self.write_data.val().to_u64();
            }
            if T {
                self.read_data.next = self._mem[r].to_bits();
            }
        }
    }

    fn connect(&mut self) {
        self.read_data.connect();
    }

    fn hdl(&self) -> Verilog {
        Verilog::Custom(format!(
            "\
reg [{msb}:0] mem [0:{last}];
integer i;
initial begin
   for (i = 0; i <= {last}; i = i + 1) mem[i] = {W}'h0;
end

always @(posedge clock) begin
   if (write_enable) mem[write_address] <= write_data;
{read}end
",
            msb = W - 1,
            last = (1usize << A) - 1,
            read = if T {
                "   if (write_enable && write_address == read_address) read_data <= write_data;\n   else read_data <= mem[read_address];\n"
            } else {
                "   read_data <= mem[read_address];\n"
            }
        ))
    }

    fn timing(&self) -> Vec<TimingInfo> {
        vec![TimingInfo {
            name: "sram".into(),
            clock: "clock".into(),
            inputs: vec![
                "read_address".into(),
                "write_address".into(),
                "write_data".into(),
                "write_enable".into(),
            ],
            outputs: vec!["read_data".into()],
        }]
    }
}
