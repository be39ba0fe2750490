//! The enclave core (`castle_enclave::core::enclave`) on Verilator, as an [`Engine`]: images
//! go in through the core's load port, results and traps come out of its status ports.
use crate::engine::{Engine, EngineError, Outcome};
use crate::rusthdl::RustHdlSim;
use crate::verilator::{BuildOptions, Design, InPort, Model, PortId};
use castle_enclave::compact::{load as compact_load, SimCompact, SIM_SIZES};
use castle_enclave::core::enclave::{LoadTarget, SimEnclave, TRAP_CAUSES};
use castle_enclave::core::load::{initial_memory, max_pages, pack};
use castle_enclave::image::{FuncKind, Image, Profile};
use castle_enclave::model::{Trap, TrapCause, PAGE, START_FUEL};
use rust_hdl::prelude::*;
use std::path::Path;

/// Functions the simulation core holds (beyond the [`Profile::SIM`] sizes).
const MAX_FUNCS: usize = 1 << 11;
/// Physical linear memory in 32-bit words (two banks of 2^23: `Profile::SIM`'s 1024 pages).
const MEM_WORDS: usize = 1 << 24;
/// Clock cycles per instruction of fuel after which a run counts as hung: the longest
/// instruction is a call that zeroes its locals (at most the value stack, 4096 words) or a
/// division (36 cycles). The core cannot exceed this by construction; the check catches
/// a simulator or driver fault.
const CYCLES_PER_FUEL: u64 = 4096 + 40;
/// Cycles simulated between two looks at `busy`.
const BATCH: u64 = 128;

/// Which enclave core an engine runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// `castle_enclave::core::enclave`: decode a cycle ahead, two-bank memories.
    Fast,
    /// `castle_enclave::compact`: single-ported memories, a small datapath.
    Compact,
}

/// Verilog of the simulation-profile core and its Verilated design (cached in target/).
pub fn design(opts: &BuildOptions) -> Result<Design, EngineError> {
    design_of(Variant::Fast, opts)
}

/// The Verilated design of `variant`'s simulation-profile core.
pub fn design_of(variant: Variant, opts: &BuildOptions) -> Result<Design, EngineError> {
    let sim = |e: &dyn std::fmt::Display| EngineError::Simulator(e.to_string());
    match variant {
        Variant::Fast => {
            Design::from_block("enclave_sim", &mut SimEnclave::default(), opts).map_err(|e| sim(&e))
        }
        Variant::Compact => {
            Design::from_block("compact_sim", &mut SimCompact::default(), opts).map_err(|e| sim(&e))
        }
    }
}

/// The core's ports the engine drives or reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pin {
    Reset,
    Start,
    StartFunc,
    StartSp,
    LoadValid,
    LoadTarget,
    LoadAddr,
    LoadData,
    PeekTarget,
    PeekAddr,
    PeekData,
    Busy,
    TrapValid,
    TrapCause,
    TrapPc,
    Result,
    Retire,
    RetireOp,
}

const INPUTS: [(Pin, &str); 10] = [
    (Pin::Reset, "reset"),
    (Pin::Start, "start"),
    (Pin::StartFunc, "start_func"),
    (Pin::StartSp, "start_sp"),
    (Pin::LoadValid, "load_valid"),
    (Pin::LoadTarget, "load_target"),
    (Pin::LoadAddr, "load_addr"),
    (Pin::LoadData, "load_data"),
    (Pin::PeekTarget, "peek_target"),
    (Pin::PeekAddr, "peek_addr"),
];
const OUTPUTS: [(Pin, &str); 8] = [
    (Pin::Retire, "retire"),
    (Pin::RetireOp, "retire_op"),
    (Pin::PeekData, "peek_data"),
    (Pin::Busy, "busy"),
    (Pin::TrapValid, "trap_valid"),
    (Pin::TrapCause, "trap_cause"),
    (Pin::TrapPc, "trap_pc"),
    (Pin::Result, "result"),
];

/// A simulator of the core: Verilator or rust-hdl.
pub trait Pins: std::any::Any {
    fn as_any(&mut self) -> &mut dyn std::any::Any;
    fn set(&mut self, pin: Pin, value: u64);
    fn get(&mut self, pin: Pin) -> u64;
    /// One clock cycle.
    fn tick(&mut self);
    /// `n` clock cycles.
    fn ticks(&mut self, n: u64) {
        for _ in 0..n {
            self.tick();
        }
    }
}

/// The Verilated core.
pub struct VerilatedPins {
    pub model: Model,
    inputs: Vec<(Pin, InPort)>,
    outputs: Vec<(Pin, PortId)>,
}

impl VerilatedPins {
    pub fn new(design: &Design) -> Result<VerilatedPins, EngineError> {
        let model = design
            .instantiate()
            .map_err(|e| EngineError::Simulator(e.to_string()))?;
        let port_error = |e: crate::verilator::ModelError| EngineError::Simulator(e.to_string());
        let inputs = INPUTS
            .iter()
            .map(|&(p, n)| Ok((p, model.input(n).map_err(port_error)?)))
            .collect::<Result<_, EngineError>>()?;
        let outputs = OUTPUTS
            .iter()
            .map(|&(p, n)| Ok((p, model.output(n).map_err(port_error)?)))
            .collect::<Result<_, EngineError>>()?;
        Ok(VerilatedPins {
            model,
            inputs,
            outputs,
        })
    }
}

impl Pins for VerilatedPins {
    fn as_any(&mut self) -> &mut dyn std::any::Any {
        self
    }

    fn set(&mut self, pin: Pin, value: u64) {
        let port = self
            .inputs
            .iter()
            .find(|(p, _)| *p == pin)
            .expect("input pin")
            .1;
        self.model.set(port, value);
    }

    fn get(&mut self, pin: Pin) -> u64 {
        let port = self
            .outputs
            .iter()
            .find(|(p, _)| *p == pin)
            .expect("output pin")
            .1;
        self.model.get(port)
    }

    fn tick(&mut self) {
        self.model.tick();
    }

    fn ticks(&mut self, n: u64) {
        self.model.ticks(n);
    }
}

/// The core in rust-hdl's own simulator (slow: for small runs and the speed ratio).
pub struct RustHdlPins(pub RustHdlSim<SimEnclave>);

impl Default for RustHdlPins {
    fn default() -> Self {
        RustHdlPins(RustHdlSim::new(SimEnclave::default(), |u| &mut u.clock))
    }
}

impl Pins for RustHdlPins {
    fn as_any(&mut self) -> &mut dyn std::any::Any {
        self
    }

    fn set(&mut self, pin: Pin, value: u64) {
        let u = &mut self.0.uut;
        match pin {
            Pin::Reset => u.reset.next = value != 0,
            Pin::Start => u.start.next = value != 0,
            Pin::StartFunc => u.start_func.next = value.to_bits(),
            Pin::StartSp => u.start_sp.next = value.to_bits(),
            Pin::LoadValid => u.load_valid.next = value != 0,
            Pin::LoadTarget => u.load_target.next = value.to_bits(),
            Pin::LoadAddr => u.load_addr.next = value.to_bits(),
            Pin::LoadData => u.load_data.next = value.to_bits(),
            Pin::PeekTarget => u.peek_target.next = value.to_bits(),
            Pin::PeekAddr => u.peek_addr.next = value.to_bits(),
            _ => panic!("{pin:?} is an output"),
        }
    }

    fn get(&mut self, pin: Pin) -> u64 {
        self.0.settle();
        let u = &self.0.uut;
        match pin {
            Pin::PeekData => u.peek_data.val().to_u64(),
            Pin::Busy => u.busy.val() as u64,
            Pin::TrapValid => u.trap_valid.val() as u64,
            Pin::TrapCause => u.trap_cause.val().to_u64(),
            Pin::TrapPc => u.trap_pc.val().to_u64(),
            Pin::Result => u.result.val().to_u64(),
            Pin::Retire => u.retire.val() as u64,
            Pin::RetireOp => u.retire_op.val().to_u64(),
            _ => panic!("{pin:?} is an input"),
        }
    }

    fn tick(&mut self) {
        self.0.tick();
    }
}

/// The enclave core on a simulator.
pub struct CoreEngine {
    pins: Box<dyn Pins>,
    name: &'static str,
    image: Option<Image>,
    max_pages: u32,
    /// Linear memory words that may be non-zero (cleared on the next instantiate); every
    /// word from here on is zero (a fresh core's memory is, and stores stay below the
    /// current pages, which are counted in after every run).
    dirty_words: usize,
    /// Optional cap on the cycles of one invocation (`castle run --max-cycles`).
    pub max_cycles: Option<u64>,
    /// When set, every cycle of a run is charged to the opcode whose execution it belongs
    /// to ([`OpProfile`]); slows the simulation down.
    pub profile: Option<OpProfile>,
    variant: Variant,
    /// Compact core: where the value stack starts (a run's arguments go there).
    vs_base: u32,
}

/// Cycles and executions per opcode, from the core's `retire`/`retire_op` ports: a cycle
/// belongs to the last instruction that started executing (index 256: the entry of the
/// invoked function, before its first instruction).
#[derive(Debug, Clone)]
pub struct OpProfile {
    pub count: Vec<u64>,
    pub cycles: Vec<u64>,
}

impl Default for OpProfile {
    fn default() -> Self {
        OpProfile {
            count: vec![0; 257],
            cycles: vec![0; 257],
        }
    }
}

impl CoreEngine {
    /// The Verilated core from the cached build (built on first use, ~1 min).
    pub fn new() -> Result<CoreEngine, EngineError> {
        Self::with_options(&BuildOptions::default())
    }

    /// The Verilated core from a build with `opts` (e.g. `trace` for VCD output).
    pub fn with_options(opts: &BuildOptions) -> Result<CoreEngine, EngineError> {
        let pins = VerilatedPins::new(&design(opts)?)?;
        Ok(Self::on(Box::new(pins), "verilator"))
    }

    /// The Verilated compact core (`castle_enclave::compact`), cached like the fast one.
    pub fn compact() -> Result<CoreEngine, EngineError> {
        Self::compact_with_options(&BuildOptions::default())
    }

    /// The Verilated compact core from a build with `opts`.
    pub fn compact_with_options(opts: &BuildOptions) -> Result<CoreEngine, EngineError> {
        let pins = VerilatedPins::new(&design_of(Variant::Compact, opts)?)?;
        let mut e = Self::on(Box::new(pins), "compact");
        e.variant = Variant::Compact;
        Ok(e)
    }

    /// The core in rust-hdl's simulator.
    pub fn rust_hdl() -> CoreEngine {
        Self::on(Box::new(RustHdlPins::default()), "rust-hdl")
    }

    fn on(pins: Box<dyn Pins>, name: &'static str) -> CoreEngine {
        CoreEngine {
            pins,
            name,
            image: None,
            max_pages: 0,
            dirty_words: 0,
            max_cycles: None,
            profile: None,
            variant: Variant::Fast,
            vs_base: 0,
        }
    }

    /// Writes a VCD trace of everything from now on (needs a `trace` build).
    pub fn trace_to(&mut self, path: &Path) -> Result<(), EngineError> {
        let refuse = || EngineError::Refused("VCD traces come from the Verilated core only".into());
        let v = self
            .pins
            .as_any()
            .downcast_mut::<VerilatedPins>()
            .ok_or_else(refuse)?;
        v.model
            .trace_to(path)
            .map_err(|e| EngineError::Simulator(e.to_string()))
    }

    fn load(&mut self, target: LoadTarget, addr: u32, data: u64) {
        self.pins.set(Pin::LoadValid, 1);
        self.pins.set(Pin::LoadTarget, target as u64);
        self.pins.set(Pin::LoadAddr, addr as u64);
        self.pins.set(Pin::LoadData, data);
        self.pins.tick();
        self.pins.set(Pin::LoadValid, 0);
    }

    fn peek(&mut self, target: LoadTarget, addr: u32) -> u32 {
        self.pins.set(Pin::PeekTarget, target as u64);
        self.pins.set(Pin::PeekAddr, addr as u64);
        self.pins.tick();
        self.pins.get(Pin::PeekData) as u32
    }

    /// Stops a run that reached `max_cycles` (a synchronous reset of the core: memories and
    /// registers keep their contents) and reports it as a fuel trap at the current pc.
    fn stop_at_cycle_limit(&mut self) -> Outcome {
        self.pins.set(Pin::Reset, 1);
        self.pins.tick();
        self.pins.set(Pin::Reset, 0);
        let pc = self.peek(LoadTarget::Regs, 5);
        self.count_grown_pages();
        Outcome {
            result: Err(Trap {
                cause: TrapCause::FuelExhausted,
                pc,
            }),
            instructions: self.peek_wide(0),
            cycles: self.peek_wide(2),
        }
    }

    /// After a run: pages `memory.grow` added may have been written (reset keeps the count).
    fn count_grown_pages(&mut self) {
        let pages = self.peek(LoadTarget::Regs, 4) as usize;
        self.dirty_words = self.dirty_words.max(pages * PAGE / 4);
    }

    /// A 48-bit counter from peek register `index` (low) and `index + 1` (high).
    fn peek_wide(&mut self, index: u32) -> u64 {
        self.peek(LoadTarget::Regs, index) as u64
            | (self.peek(LoadTarget::Regs, index + 1) as u64) << 32
    }

    /// Loads raw memories: used by [`Engine::instantiate`] and by the random-code suite,
    /// which bypasses the image builder's checks (sizes are still enforced).
    pub fn load_image(&mut self, image: &Image) -> Result<(), EngineError> {
        let sim = Profile::SIM;
        let loads = match self.variant {
            Variant::Fast => pack(image, &sim, MAX_FUNCS),
            Variant::Compact => compact_load::pack(image, &sim, &SIM_SIZES).map(|(l, layout)| {
                self.vs_base = layout.vs_base;
                l
            }),
        }
        .map_err(|e| EngineError::Refused(format!("{e} (the simulation core)")))?;
        let memory = initial_memory(image).ok_or_else(|| {
            EngineError::Refused(
                model_trap(Trap {
                    cause: TrapCause::MemOutOfBounds,
                    pc: 0,
                })
                .to_string(),
            )
        })?;
        for l in loads.iter().filter(|l| l.target != LoadTarget::Memory) {
            self.load(l.target, l.addr, l.data);
        }
        self.max_pages = max_pages(image, &sim);
        self.write_memory(&memory);
        self.image = Some(image.clone());
        Ok(())
    }

    /// Writes linear memory from word 0 and zeroes what an earlier image may have left above.
    fn write_memory(&mut self, bytes: &[u8]) {
        let words = bytes.len().div_ceil(4);
        for i in 0..words.max(self.dirty_words) {
            let mut w = [0u8; 4];
            if let Some(chunk) = bytes.get(4 * i..(4 * i + 4).min(bytes.len())) {
                w[..chunk.len()].copy_from_slice(chunk);
            }
            self.load(LoadTarget::Memory, i as u32, u32::from_le_bytes(w) as u64);
        }
        self.dirty_words = words;
    }

    /// Runs function `func` on the loaded image without the host-side checks of
    /// [`Engine::invoke`] (the random-code suite uses it).
    pub fn run_raw(&mut self, func: u32, args: &[i32], fuel: u64) -> Result<Outcome, EngineError> {
        let base = self.vs_base;
        for (i, a) in (0..).zip(args) {
            self.load(LoadTarget::Stack, base + i, *a as u32 as u64);
        }
        let fuel = fuel.min((1 << 48) - 1);
        self.pins.set(Pin::StartFunc, func as u64);
        self.pins
            .set(Pin::StartSp, (base as usize + args.len()) as u64);
        self.load(LoadTarget::Regs, 4, fuel);
        self.pins.set(Pin::Start, 1);
        self.pins.tick();
        self.pins.set(Pin::Start, 0);
        let hang = fuel.saturating_mul(CYCLES_PER_FUEL).saturating_add(10_000);
        let budget = self.max_cycles.unwrap_or(u64::MAX).min(hang);
        let mut cycles = 0u64;
        let mut current = 256;
        while self.pins.get(Pin::Busy) != 0 {
            if cycles >= budget {
                if self.max_cycles.is_some_and(|m| cycles >= m) {
                    return Ok(self.stop_at_cycle_limit());
                }
                return Err(EngineError::Timeout(cycles));
            }
            if let Some(p) = self.profile.as_mut() {
                if self.pins.get(Pin::Retire) != 0 {
                    current = self.pins.get(Pin::RetireOp) as usize;
                    p.count[current] += 1;
                }
                p.cycles[current] += 1;
                self.pins.tick();
                cycles += 1;
            } else {
                // Ticks after the halt change nothing (an idle core only serves its ports),
                // so check for it every BATCH cycles.
                let n = BATCH.min(budget - cycles);
                self.pins.ticks(n);
                cycles += n;
            }
        }
        let instructions = self.peek_wide(0);
        let cycles = self.peek_wide(2);
        self.count_grown_pages();
        let result = if self.pins.get(Pin::TrapValid) != 0 {
            let code = self.pins.get(Pin::TrapCause) as usize;
            let pc = self.pins.get(Pin::TrapPc) as u32;
            Err(Trap {
                cause: cause_of(code),
                pc,
            })
        } else {
            let results = self
                .image
                .as_ref()
                .and_then(|i| i.functions.get(func as usize))
                .map_or(0, |f| f.results);
            Ok(if results == 1 {
                vec![self.pins.get(Pin::Result) as u32 as i32]
            } else {
                vec![]
            })
        };
        Ok(Outcome {
            result,
            instructions,
            cycles,
        })
    }
}

fn model_trap(t: Trap) -> castle_enclave::model::Error {
    castle_enclave::model::Error::Trap(t)
}

/// The model's cause for a `trap_cause` code.
pub fn cause_of(code: usize) -> TrapCause {
    TrapCause::from_code(code.try_into().unwrap_or(0))
}

impl Engine for CoreEngine {
    fn name(&self) -> &'static str {
        self.name
    }

    fn profile(&self) -> Profile {
        Profile::SIM
    }

    fn instantiate(&mut self, image: &Image) -> Result<(), EngineError> {
        self.image = None;
        self.load_image(image)?;
        if let Some(start) = image.start {
            let out = self.invoke(start, &[], START_FUEL)?;
            if let Err(trap) = out.result {
                self.image = None;
                return Err(EngineError::Refused(model_trap(trap).to_string()));
            }
        }
        Ok(())
    }

    fn invoke(&mut self, func: u32, args: &[i32], fuel: u64) -> Result<Outcome, EngineError> {
        let image = self
            .image
            .as_ref()
            .ok_or_else(|| EngineError::Refused("no image instantiated".into()))?;
        let entry = image
            .functions
            .get(func as usize)
            .ok_or_else(|| EngineError::Refused(format!("no function with index {func}")))?;
        let refuse = |reason: String| {
            Err(EngineError::Refused(format!(
                "func {func} cannot be invoked: {reason}"
            )))
        };
        if let FuncKind::Import(kind) = entry.kind {
            return refuse(format!("it is the capability call castle.{}", kind.name()));
        }
        if !entry.i32_signature {
            return refuse(
                image
                    .unsupported_reason(func)
                    .unwrap_or("its signature is not i32-only")
                    .to_string(),
            );
        }
        if args.len() != entry.params as usize {
            return Err(EngineError::Refused(format!(
                "func {func} takes {} arguments, got {}",
                entry.params,
                args.len()
            )));
        }
        self.run_raw(func, args, fuel)
    }

    fn memory(&mut self) -> Vec<u8> {
        let pages = self.peek(LoadTarget::Regs, 4) as usize;
        let mut out = Vec::with_capacity(pages * PAGE);
        for i in 0..(pages * PAGE / 4).min(MEM_WORDS) {
            out.extend_from_slice(&self.peek(LoadTarget::Memory, i as u32).to_le_bytes());
        }
        out
    }

    fn load_memory(&mut self, bytes: &[u8]) -> Result<(), EngineError> {
        let pages = bytes.len() / PAGE;
        if !bytes.len().is_multiple_of(PAGE) || pages as u32 > self.max_pages {
            return Err(EngineError::Refused(
                "load refused: not a whole number of pages within the limit".into(),
            ));
        }
        self.write_memory(bytes);
        self.load(LoadTarget::Regs, 0, pages as u64);
        Ok(())
    }

    fn globals(&mut self) -> Vec<i32> {
        let n = self.image.as_ref().map_or(0, |i| i.globals.len());
        (0..n as u32)
            .map(|i| self.peek(LoadTarget::Misc, i) as i32)
            .collect()
    }

    fn set_global(&mut self, index: u32, value: i32) -> Result<(), EngineError> {
        let n = self.image.as_ref().map_or(0, |i| i.globals.len());
        if index as usize >= n {
            return Err(EngineError::Refused("load refused: no such global".into()));
        }
        self.load(LoadTarget::Misc, index, value as u32 as u64);
        Ok(())
    }
}

/// Names of the trap causes, for reports.
pub fn cause_name(code: usize) -> &'static str {
    TRAP_CAUSES.get(code).copied().unwrap_or("unknown")
}
