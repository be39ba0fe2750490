//! Block RAM with one read and one write port.
//!
//! `2^A` words of `W ≤ 64` bits, one clock. `read_address` is sampled at the rising edge and
//! `read_data` holds `mem[read_address]` after it (latency 1). `M` is the read-during-write
//! mode:
//! - [`PLAIN`]: a read of the word written in the same cycle is undefined (`no_rw_check`:
//!   otherwise yosys emulates read-old-data with a W-bit register, the write address and a mux
//!   beside each block RAM, ~40 LUT + 74 FF for 32 bits, in the read path); the Rust model and
//!   Verilator builds (`CASTLE_RAM_POISON`, defined by the test harness) return the complement
//!   of the stored word, so a design that depends on it fails its tests.
//! - [`TRANSPARENT`]: such a read returns the *new* data, so the core needs no bypass of its
//!   own; that costs an address comparator and a W-bit register and mux beside the block RAM.
//! - [`WRITE_BEHIND`]: transparent as seen from the ports, but the write is registered and
//!   done in the next cycle, so `write_data` ends at a flip-flop beside the logic instead of
//!   at the block RAM's data pins (a long route); two comparators and 2W flip-flops bypass the
//!   new and the pending write.
//!
//! Contents start at zero. yosys maps it onto `SB_RAM40_4K` / `DP16KD`.
//!
//! Written by hand (`Verilog::Custom`); the Rust `update` is its model (checked against the
//! Verilog by the enclave's Verilator tests).
use rust_hdl::prelude::*;

/// Read-during-write modes (`Sram`'s `M`).
pub const PLAIN: u8 = 0;
pub const TRANSPARENT: u8 = 1;
pub const WRITE_BEHIND: u8 = 2;

#[derive(LogicBlock)]
pub struct Sram<const A: usize, const W: usize, const M: u8> {
    pub clock: Signal<In, Clock>,
    pub read_address: Signal<In, Bits<A>>,
    pub read_data: Signal<Out, Bits<W>>,
    pub write_address: Signal<In, Bits<A>>,
    pub write_data: Signal<In, Bits<W>>,
    pub write_enable: Signal<In, Bit>,
    /// The contents, for rust-hdl simulation.
    _mem: Vec<u64>,
}

impl<const A: usize, const W: usize, const M: u8> Default for Sram<A, W, M> {
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

impl<const A: usize, const W: usize, const M: u8> Logic for Sram<A, W, M> {
    fn update(&mut self) {
        if self.clock.pos_edge() {
            let r = self.read_address.val().index();
            let w = self.write_address.val().index();
            if M == PLAIN {
                let collides = self.write_enable.val() && w == r;
                let mask = u64::MAX >> (64 - W);
                let word = if collides {
                    !self._mem[r]
                } else {
                    self._mem[r]
                };
                self.read_data.next = (word & mask).to_bits();
            }
            if self.write_enable.val() {
                self._mem[w] = self.write_data.val().to_u64();
            }
            if M != PLAIN {
                self.read_data.next = self._mem[r].to_bits();
            }
        }
    }

    fn connect(&mut self) {
        self.read_data.connect();
    }

    fn hdl(&self) -> Verilog {
        let (msb, last) = (W - 1, (1usize << A) - 1);
        let body = match M {
            PLAIN => format!(
                "always @(posedge clock) begin\n   if (write_enable) mem[write_address] <= write_data;\n{POISON}end\n"
            ),
            TRANSPARENT => "\
always @(posedge clock) begin
   if (write_enable) mem[write_address] <= write_data;
   if (write_enable && write_address == read_address) read_data <= write_data;
   else read_data <= mem[read_address];
end
"
            .to_string(),
            _ => format!(
                "\
reg [{msb}:0] ram_q, new_d, old_d;
reg [{amsb}:0] new_a;
reg new_we, hit_new, hit_old;
initial begin
   new_we = 0;
   hit_new = 0;
   hit_old = 0;
end
always @(posedge clock) begin
   if (new_we) mem[new_a] <= new_d;
`ifdef CASTLE_RAM_POISON
   if (new_we && new_a == read_address) ram_q <= ~mem[read_address];
   else ram_q <= mem[read_address];
`else
   ram_q <= mem[read_address];
`endif
   hit_new <= write_enable && write_address == read_address;
   hit_old <= new_we && new_a == read_address;
   new_we <= write_enable;
   new_a <= write_address;
   new_d <= write_data;
   old_d <= new_d;
end
always @(*) begin
   if (hit_new) read_data = new_d;
   else if (hit_old) read_data = old_d;
   else read_data = ram_q;
end
",
                amsb = A - 1
            ),
        };
        Verilog::Custom(format!(
            "\
(* no_rw_check *)
reg [{msb}:0] mem [0:{last}];
integer i;
initial begin
   for (i = 0; i <= {last}; i = i + 1) mem[i] = {W}'h0;
end

{body}"
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

/// The read of a RAM without read-during-write semantics: in simulation builds a read that
/// collides with a write returns the complement of the stored word (the hardware's is undefined).
pub(crate) const POISON: &str = "\
`ifdef CASTLE_RAM_POISON
   if (write_enable != 0 && write_address == read_address) read_data <= ~mem[read_address];
   else read_data <= mem[read_address];
`else
   read_data <= mem[read_address];
`endif
";
