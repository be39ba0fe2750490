//! The enclave core (`castle_enclave::core::enclave`) on Verilator, as an [`Engine`]: images
//! go in through the core's load port, results and traps come out of its status ports.
use crate::engine::{Engine, EngineError, Outcome};
use crate::verilator::{BuildOptions, Design, InPort, Model, PortId};
use castle_enclave::core::enclave::{LoadTarget, SimEnclave, MISC_TYPES, TRAP_CAUSES};
use castle_enclave::image::{FuncKind, Image, ImportKind, Profile};
use castle_enclave::model::{Trap, TrapCause, PAGE, START_FUEL};
use std::path::Path;

/// Size limits of the simulation core, beyond the [`Profile::SIM`] ones.
const MAX_FUNCS: usize = 1 << 11;
const MAX_GLOBALS: usize = 256;
const MAX_TYPES: usize = 256;
const MAX_PARAMS: u32 = 255;
/// Physical linear memory in 32-bit words (two banks of 2^15).
const MEM_WORDS: usize = 1 << 16;
/// Clock cycles allowed per instruction of fuel before a run counts as hung (div is 36).
const CYCLES_PER_FUEL: u64 = 40;

/// Verilog of the simulation-profile core and its Verilated design (cached in target/).
pub fn design(opts: &BuildOptions) -> Result<Design, EngineError> {
    let sim = |e: &dyn std::fmt::Display| EngineError::Simulator(e.to_string());
    Design::from_block("enclave_sim", &mut SimEnclave::default(), opts).map_err(|e| sim(&e))
}

struct Ports {
    start: InPort,
    start_func: InPort,
    start_sp: InPort,
    start_fuel: InPort,
    load_valid: InPort,
    load_target: InPort,
    load_addr: InPort,
    load_data: InPort,
    peek_target: InPort,
    peek_addr: InPort,
    peek_data: PortId,
    busy: PortId,
    trap_valid: PortId,
    trap_cause: PortId,
    trap_pc: PortId,
    result: PortId,
    instret: PortId,
    cycles: PortId,
    pages: PortId,
}

/// The Verilated enclave core.
pub struct CoreEngine {
    model: Model,
    p: Ports,
    image: Option<Image>,
    max_pages: u32,
    /// Linear memory words that may be non-zero (cleared on the next instantiate).
    dirty_words: usize,
    /// Optional cap on the cycles of one invocation (`castle run --max-cycles`).
    pub max_cycles: Option<u64>,
}

impl CoreEngine {
    /// A core from the cached build (built on first use, ~1 min).
    pub fn new() -> Result<CoreEngine, EngineError> {
        Self::with_options(&BuildOptions::default())
    }

    /// A core from a build with `opts` (e.g. `trace` for VCD output).
    pub fn with_options(opts: &BuildOptions) -> Result<CoreEngine, EngineError> {
        let design = design(opts)?;
        let model = design
            .instantiate()
            .map_err(|e| EngineError::Simulator(e.to_string()))?;
        let port_error = |e: crate::verilator::ModelError| EngineError::Simulator(e.to_string());
        let i = |n: &str| model.input(n).map_err(port_error);
        let o = |n: &str| model.output(n).map_err(port_error);
        let p = Ports {
            start: i("start")?,
            start_func: i("start_func")?,
            start_sp: i("start_sp")?,
            start_fuel: i("start_fuel")?,
            load_valid: i("load_valid")?,
            load_target: i("load_target")?,
            load_addr: i("load_addr")?,
            load_data: i("load_data")?,
            peek_target: i("peek_target")?,
            peek_addr: i("peek_addr")?,
            peek_data: o("peek_data")?,
            busy: o("busy")?,
            trap_valid: o("trap_valid")?,
            trap_cause: o("trap_cause")?,
            trap_pc: o("trap_pc")?,
            result: o("result")?,
            instret: o("instret")?,
            cycles: o("cycles")?,
            pages: o("pages")?,
        };
        Ok(CoreEngine {
            model,
            p,
            image: None,
            max_pages: 0,
            dirty_words: MEM_WORDS,
            max_cycles: None,
        })
    }

    /// Writes a VCD trace of everything from now on (needs a `trace` build).
    pub fn trace_to(&mut self, path: &Path) -> Result<(), EngineError> {
        self.model
            .trace_to(path)
            .map_err(|e| EngineError::Simulator(e.to_string()))
    }

    fn load(&mut self, target: LoadTarget, addr: u32, data: u64) {
        self.model.set(self.p.load_valid, 1);
        self.model.set(self.p.load_target, target as u64);
        self.model.set(self.p.load_addr, addr as u64);
        self.model.set(self.p.load_data, data);
        self.model.tick();
        self.model.set(self.p.load_valid, 0);
    }

    fn peek(&mut self, target: LoadTarget, addr: u32) -> u32 {
        self.model.set(self.p.peek_target, target as u64);
        self.model.set(self.p.peek_addr, addr as u64);
        self.model.tick();
        self.model.get(self.p.peek_data) as u32
    }

    /// Loads raw memories: used by [`Engine::instantiate`] and by the random-code suite,
    /// which bypasses the image builder's checks (sizes are still enforced).
    pub fn load_image(&mut self, image: &Image) -> Result<(), EngineError> {
        let refuse = |what: &str, need: usize, limit: usize| {
            Err(EngineError::Refused(format!(
                "the image needs {need} {what}, the simulation core has {limit}"
            )))
        };
        let sim = Profile::SIM;
        if image.code.len() > sim.code_bytes as usize {
            return refuse("code bytes", image.code.len(), sim.code_bytes as usize);
        }
        if image.side_table.len() > sim.side_entries as usize {
            return refuse(
                "side-table entries",
                image.side_table.len(),
                sim.side_entries as usize,
            );
        }
        if image.functions.len() > MAX_FUNCS {
            return refuse("functions", image.functions.len(), MAX_FUNCS);
        }
        if image.globals.len() > MAX_GLOBALS {
            return refuse("globals", image.globals.len(), MAX_GLOBALS);
        }
        if image.type_ids.len() > MAX_TYPES {
            return refuse("types", image.type_ids.len(), MAX_TYPES);
        }
        if image.table.len() > sim.table_entries as usize {
            return refuse(
                "table elements",
                image.table.len(),
                sim.table_entries as usize,
            );
        }
        if let Some(f) = image.functions.iter().find(|f| f.params > MAX_PARAMS) {
            return refuse(
                "parameters in one function",
                f.params as usize,
                MAX_PARAMS as usize,
            );
        }
        let pages = image.memory.map_or(0, |m| m.min_pages);
        if pages > sim.memory_pages {
            return refuse(
                "linear memory pages",
                pages as usize,
                sim.memory_pages as usize,
            );
        }
        for (i, word) in image.code.chunks(4).enumerate() {
            let mut w = [0u8; 4];
            w[..word.len()].copy_from_slice(word);
            self.load(LoadTarget::Code, i as u32, u32::from_le_bytes(w) as u64);
        }
        for (i, e) in image.side_table.iter().enumerate() {
            let data = (e.target_pc as u64 & 0xffff)
                | (e.target_stp as u64 & 0xffff) << 16
                | (e.keep as u64 & 1) << 32
                | (e.drop as u64 & 0xffff) << 33;
            self.load(LoadTarget::Side, i as u32, data);
        }
        for (i, f) in image.functions.iter().enumerate() {
            let kind: u64 = match f.kind {
                FuncKind::Defined | FuncKind::Stub => 0,
                FuncKind::Import(ImportKind::Send) => 1,
                FuncKind::Import(ImportKind::Recv) => 2,
                FuncKind::Import(ImportKind::TryRecv) => 3,
                FuncKind::Import(ImportKind::Grant) => 4,
            };
            let lo = (f.entry_pc as u64 & 0xffff)
                | (f.entry_stp as u64 & 0xffff) << 16
                | (f.end_pc as u64 & 0xffff) << 32
                | (f.params as u64 & 0xff) << 48
                | (f.results.min(1) as u64) << 56
                | kind << 57;
            let hi = (f.locals as u64 & 0xffff)
                | (f.max_stack as u64 & 0xffff) << 16
                | (f.type_id as u64 & 0xffff) << 32;
            self.load(LoadTarget::Func, 2 * i as u32, lo);
            self.load(LoadTarget::Func, 2 * i as u32 + 1, hi);
        }
        for (i, g) in image.globals.iter().enumerate() {
            self.load(LoadTarget::Misc, i as u32, g.init as u32 as u64);
        }
        for (i, t) in image.type_ids.iter().enumerate() {
            self.load(LoadTarget::Misc, MISC_TYPES + i as u32, *t as u64);
        }
        for (i, e) in image.table.iter().enumerate() {
            self.load(
                LoadTarget::Elem,
                i as u32,
                e.map_or(0, |f| (f as u64 & 0xffff) | 1 << 16),
            );
        }
        self.max_pages = image
            .memory
            .map_or(0, |m| m.max_pages.unwrap_or(u32::MAX).min(sim.memory_pages));
        self.load(LoadTarget::Regs, 0, pages as u64);
        self.load(LoadTarget::Regs, 1, self.max_pages as u64);
        self.load(LoadTarget::Regs, 2, image.table.len() as u64);
        self.load(LoadTarget::Regs, 3, image.functions.len() as u64);
        let mut memory = vec![0u8; pages as usize * PAGE as usize];
        for segment in &image.data {
            let end = segment.offset as usize + segment.bytes.len();
            if end > memory.len() {
                return Err(EngineError::Refused(
                    model_trap(Trap {
                        cause: TrapCause::MemOutOfBounds,
                        pc: 0,
                    })
                    .to_string(),
                ));
            }
            memory[segment.offset as usize..end].copy_from_slice(&segment.bytes);
        }
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
        self.dirty_words = words.max(self.max_pages as usize * PAGE as usize / 4);
    }

    /// Runs function `func` on the loaded image without the host-side checks of
    /// [`Engine::invoke`] (the random-code suite uses it).
    pub fn run_raw(&mut self, func: u32, args: &[i32], fuel: u64) -> Result<Outcome, EngineError> {
        for (i, a) in args.iter().enumerate() {
            self.load(LoadTarget::Stack, i as u32, *a as u32 as u64);
        }
        let fuel = fuel.min((1 << 48) - 1);
        self.model.set(self.p.start_func, func as u64);
        self.model.set(self.p.start_sp, args.len() as u64);
        self.model.set(self.p.start_fuel, fuel);
        self.model.set(self.p.start, 1);
        self.model.tick();
        self.model.set(self.p.start, 0);
        let budget = self
            .max_cycles
            .unwrap_or(u64::MAX)
            .min(fuel.saturating_mul(CYCLES_PER_FUEL).saturating_add(10_000));
        let mut cycles = 0u64;
        while self.model.get(self.p.busy) != 0 {
            if cycles >= budget {
                return Err(EngineError::Timeout(cycles));
            }
            self.model.tick();
            cycles += 1;
        }
        let instructions = self.model.get(self.p.instret);
        let cycles = self.model.get(self.p.cycles);
        let result = if self.model.get(self.p.trap_valid) != 0 {
            let code = self.model.get(self.p.trap_cause) as usize;
            let pc = self.model.get(self.p.trap_pc) as u32;
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
                vec![self.model.get(self.p.result) as u32 as i32]
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
    match code {
        1 => TrapCause::Unreachable,
        2 => TrapCause::DivByZero,
        3 => TrapCause::IntOverflow,
        4 => TrapCause::MemOutOfBounds,
        5 => TrapCause::UndefinedElement,
        6 => TrapCause::IndirectTypeMismatch,
        7 => TrapCause::StackOverflow,
        8 => TrapCause::FuelExhausted,
        9 => TrapCause::ImportCall(ImportKind::Send),
        10 => TrapCause::ImportCall(ImportKind::Recv),
        11 => TrapCause::ImportCall(ImportKind::TryRecv),
        12 => TrapCause::ImportCall(ImportKind::Grant),
        _ => TrapCause::MalformedImage,
    }
}

impl Engine for CoreEngine {
    fn name(&self) -> &'static str {
        "verilator"
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
        let pages = self.model.get(self.p.pages) as usize;
        let mut out = Vec::with_capacity(pages * PAGE as usize);
        for i in 0..(pages * PAGE as usize / 4).min(MEM_WORDS) {
            out.extend_from_slice(&self.peek(LoadTarget::Memory, i as u32).to_le_bytes());
        }
        out
    }

    fn load_memory(&mut self, bytes: &[u8]) -> Result<(), EngineError> {
        let pages = bytes.len() / PAGE as usize;
        if bytes.len() % PAGE as usize != 0 || pages as u32 > self.max_pages {
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
