//! Drivers for the LEB128 decoder block: the same cycle interface over the Verilated export
//! and over rust-hdl's simulator, used by the equivalence tests, `castle bench` and the demo.
use crate::rusthdl::RustHdlSim;
use crate::verilator::{BuildError, BuildOptions, Design, InPort, Model, PortId};
use castle_enclave::leb128::Leb128Decoder;
use rand::Rng;

/// Inputs of one cycle.
#[derive(Clone, Copy, Debug, Default)]
pub struct LebIn {
    pub reset: bool,
    pub is_signed: bool,
    pub in_valid: bool,
    pub in_byte: u8,
    pub out_ready: bool,
}

impl LebIn {
    /// Random inputs: mostly valid bytes, a ready consumer, the odd reset.
    pub fn random(rng: &mut impl Rng) -> LebIn {
        LebIn {
            reset: rng.gen_ratio(1, 200),
            is_signed: rng.gen_ratio(1, 2),
            in_valid: rng.gen_ratio(3, 4),
            in_byte: rng.gen(),
            out_ready: rng.gen_ratio(3, 4),
        }
    }
}

/// Outputs of one cycle.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LebOut {
    pub in_ready: bool,
    pub out_valid: bool,
    pub out_value: u32,
    pub out_len: u8,
    pub out_error: bool,
}

/// Verilog of the decoder and its Verilated design.
pub fn design(opts: &BuildOptions) -> Result<Design, BuildError> {
    Design::from_named_block("leb128", opts)
}

/// The Verilated decoder.
pub struct VerilatedLeb128 {
    pub model: Model,
    reset: InPort,
    is_signed: InPort,
    in_valid: InPort,
    in_byte: InPort,
    out_ready: InPort,
    in_ready: PortId,
    out_valid: PortId,
    out_value: PortId,
    out_len: PortId,
    out_error: PortId,
}

impl VerilatedLeb128 {
    pub fn new(design: &Design) -> Result<Self, crate::verilator::ModelError> {
        let model = design.instantiate()?;
        Ok(VerilatedLeb128 {
            reset: model.input("reset")?,
            is_signed: model.input("is_signed")?,
            in_valid: model.input("in_valid")?,
            in_byte: model.input("in_byte")?,
            out_ready: model.input("out_ready")?,
            in_ready: model.output("in_ready")?,
            out_valid: model.output("out_valid")?,
            out_value: model.output("out_value")?,
            out_len: model.output("out_len")?,
            out_error: model.output("out_error")?,
            model,
        })
    }

    /// Apply inputs and settle.
    pub fn drive(&mut self, i: LebIn) {
        let m = &mut self.model;
        m.set(self.reset, i.reset as u64);
        m.set(self.is_signed, i.is_signed as u64);
        m.set(self.in_valid, i.in_valid as u64);
        m.set(self.in_byte, i.in_byte as u64);
        m.set(self.out_ready, i.out_ready as u64);
        m.eval();
    }

    pub fn sample(&mut self) -> LebOut {
        let m = &mut self.model;
        LebOut {
            in_ready: m.get(self.in_ready) != 0,
            out_valid: m.get(self.out_valid) != 0,
            out_value: m.get(self.out_value) as u32,
            out_len: m.get(self.out_len) as u8,
            out_error: m.get(self.out_error) != 0,
        }
    }

    pub fn tick(&mut self) {
        self.model.tick();
    }

    /// Feed one number's bytes and return the result with the cycles it took, or `None` if
    /// no result came within `bytes.len() + 2` cycles.
    pub fn decode(&mut self, bytes: &[u8], signed: bool) -> Option<(LebOut, u32)> {
        let mut taken = 0;
        for cycle in 1..=bytes.len() as u32 + 2 {
            let i = LebIn {
                reset: false,
                is_signed: signed,
                in_valid: taken < bytes.len(),
                in_byte: bytes.get(taken).copied().unwrap_or(0),
                out_ready: false,
            };
            self.drive(i);
            let before = self.sample();
            if i.in_valid && before.in_ready {
                taken += 1;
            }
            self.tick();
            self.drive(LebIn {
                in_valid: false,
                out_ready: true,
                ..i
            });
            let o = self.sample();
            if o.out_valid {
                self.tick();
                return Some((o, cycle));
            }
        }
        None
    }
}

/// The decoder in rust-hdl's simulator.
pub struct HdlLeb128(pub RustHdlSim<Leb128Decoder>);

impl Default for HdlLeb128 {
    fn default() -> Self {
        HdlLeb128(RustHdlSim::new(Leb128Decoder::default(), |u| &mut u.clock))
    }
}

impl HdlLeb128 {
    pub fn drive(&mut self, i: LebIn) {
        let u = &mut self.0.uut;
        u.reset.next = i.reset;
        u.is_signed.next = i.is_signed;
        u.in_valid.next = i.in_valid;
        u.in_byte.next = (i.in_byte as u64).into();
        u.out_ready.next = i.out_ready;
        self.0.settle();
    }

    pub fn sample(&self) -> LebOut {
        let u = &self.0.uut;
        LebOut {
            in_ready: u.in_ready.val(),
            out_valid: u.out_valid.val(),
            out_value: u.out_value.val().to_u64() as u32,
            out_len: u.out_len.val().to_u64() as u8,
            out_error: u.out_error.val(),
        }
    }

    pub fn tick(&mut self) {
        self.0.tick();
    }
}
