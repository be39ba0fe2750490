//! Cycle-by-cycle driver of a block in rust-hdl's own simulator, with the same shape as the
//! Verilator `Model` (set inputs, `tick`, read outputs), so one test drives both.
use rust_hdl::prelude::*;

/// Iterations allowed for the combinational logic to settle after a change.
const SETTLE_ITERATIONS: usize = 1000;

/// A rust-hdl block under simulation.
pub struct RustHdlSim<B: Block> {
    pub uut: B,
    clock: fn(&mut B) -> &mut Signal<In, Clock>,
}

impl<B: Block> RustHdlSim<B> {
    /// Connect `uut` and settle it with the clock low. `clock` picks the block's clock input.
    pub fn new(mut uut: B, clock: fn(&mut B) -> &mut Signal<In, Clock>) -> Self {
        uut.connect_all();
        let mut s = RustHdlSim { uut, clock };
        (s.clock)(&mut s.uut).next = false.into();
        s.settle();
        s
    }

    /// Settle the combinational logic after inputs changed.
    pub fn settle(&mut self) {
        assert!(
            simulate(&mut self.uut, SETTLE_ITERATIONS),
            "rust-hdl simulation did not settle (combinational loop?)"
        );
    }

    /// One clock cycle: rising edge, settle, falling edge, settle.
    pub fn tick(&mut self) {
        for level in [true, false] {
            (self.clock)(&mut self.uut).next = level.into();
            self.settle();
        }
    }
}
