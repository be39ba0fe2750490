//! Word RAM with byte write enables: the enclave's linear memory.
//!
//! `2^A` words of 32 bits, one clock. Read port: `read_address` sampled at the rising edge,
//! `read_data` valid after it (latency 1). Write port: `write_address`, `write_data` and
//! `write_enable` (one bit per byte, bit 0 = bits 7:0) sampled at the same edge. A read and a
//! write of the same word in one cycle reads an undefined word (`no_rw_check`, as in
//! [`crate::core::sram`]; the model and simulation builds return the complement of the old
//! word). No reset: contents start at zero
//! (Verilog `initial`), as yosys maps it onto block RAM (`SB_RAM40_4K`, `DP16KD`).
//!
//! Written by hand (`Verilog::Custom`) because rust-hdl's `RAM` has no byte enables; the Rust
//! `update` below is its model, and the Verilator test in testbench/tests checks the two agree.
use rust_hdl::prelude::*;

#[derive(LogicBlock)]
pub struct ByteRam<const A: usize> {
    pub clock: Signal<In, Clock>,
    pub read_address: Signal<In, Bits<A>>,
    pub read_data: Signal<Out, Bits<32>>,
    pub write_address: Signal<In, Bits<A>>,
    pub write_data: Signal<In, Bits<32>>,
    pub write_enable: Signal<In, Bits<4>>,
    /// The contents, for rust-hdl simulation (fields starting with `_` are not signals).
    _mem: Vec<u32>,
}

impl<const A: usize> Default for ByteRam<A> {
    fn default() -> Self {
        ByteRam {
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

impl<const A: usize> Logic for ByteRam<A> {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let r = self.read_address.val().index();
            let w = self.write_address.val().index();
            let we = self.write_enable.val().to_u64();
            let old = self._mem[r];
            self.read_data.next = ((if we != 0 && w == r { !old } else { old }) as u64).into();
            if we != 0 {
                let mask = (0..4)
                    .filter(|b| we & (1 << b) != 0)
                    .fold(0u32, |m, b| m | 0xff << (8 * b));
                let d = self.write_data.val().to_u64() as u32;
                self._mem[w] = (self._mem[w] & !mask) | (d & mask);
            }
        }
    }

    fn connect(&mut self) {
        self.read_data.connect();
    }

    fn hdl(&self) -> Verilog {
        Verilog::Custom(format!(
            "\
(* no_rw_check *)
reg [31:0] mem [0:{last}];
integer i;
initial begin
   for (i = 0; i <= {last}; i = i + 1) mem[i] = 32'h0;
end

always @(posedge clock) begin
{read}   if (write_enable[0]) mem[write_address][7:0] <= write_data[7:0];
   if (write_enable[1]) mem[write_address][15:8] <= write_data[15:8];
   if (write_enable[2]) mem[write_address][23:16] <= write_data[23:16];
   if (write_enable[3]) mem[write_address][31:24] <= write_data[31:24];
end
",
            last = (1usize << A) - 1,
            read = crate::core::sram::POISON,
        ))
    }

    fn timing(&self) -> Vec<TimingInfo> {
        vec![TimingInfo {
            name: "byte_ram".into(),
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
