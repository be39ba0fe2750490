//! Verilator co-simulation of exported rust-hdl Verilog, driven from Rust.
//!
//! ```no_run
//! use castle_testbench::verilator::{Design, BuildOptions};
//! let verilog = "module top(clock, d, q); input wire clock; input wire d; output reg q;\n\
//!                always @(posedge clock) q <= d;\nendmodule\n";
//! let design = Design::build("dff", verilog, &BuildOptions::default()).unwrap();
//! let mut m = design.instantiate().unwrap();
//! let (d, q) = (m.input("d").unwrap(), m.output("q").unwrap());
//! m.set(d, 1);
//! m.tick();
//! assert_eq!(m.get(q), 1);
//! ```
//!
//! Why not the `verilated` crate: it does not build against Verilator 5.006 and is
//! unmaintained (docs/verilator-harness.md).
mod build;
mod shim;

pub use build::{default_cache_dir, verilator_version, BuildError, BuildOptions, Built};
pub use castle_rtl::ports::{Dir, Port, PortError};

use libloading::Library;
use std::ffi::{c_char, c_void, CString};
use std::path::Path;
use std::sync::Arc;

type Handle = *mut c_void;

/// The shim's entry points, resolved once per library.
struct Api {
    new: unsafe extern "C" fn() -> Handle,
    free: unsafe extern "C" fn(Handle),
    eval: unsafe extern "C" fn(Handle),
    tick: unsafe extern "C" fn(Handle, u64, i64) -> i64,
    port: unsafe extern "C" fn(Handle, u32) -> *mut c_void,
    trace_open: unsafe extern "C" fn(Handle, *const c_char) -> i32,
    trace_dump: unsafe extern "C" fn(Handle, u64),
    // Last, so the functions above are dropped before the library is unloaded.
    _lib: Library,
}

/// A Verilated design: a loaded model library from which instances are made.
#[derive(Clone)]
pub struct Design {
    api: Arc<Api>,
    ports: Arc<[Port]>,
    built: Built,
    trace: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    #[error("no port `{name}` on the model; ports: {ports}")]
    NoPort { name: String, ports: String },
    #[error("port `{0}` is an output; it cannot be driven")]
    NotInput(String),
    #[error("the model has no `clock` input, so tick() cannot drive it")]
    NoClock,
    #[error("the model was built without trace support (BuildOptions::trace)")]
    NoTrace,
    #[error("a trace is already open on this model")]
    TraceOpen,
    #[error("cannot open trace file {0}")]
    TraceFile(String),
}

impl Design {
    /// Verilate `verilog` (top module `top`), or take it from the cache, and load it.
    pub fn build(name: &str, verilog: &str, opts: &BuildOptions) -> Result<Design, BuildError> {
        let built = build::build(name, verilog, opts)?;
        // SAFETY: the library is one we just built from our own shim; its initialisers are
        // Verilator's runtime and the model's static data.
        let lib = unsafe { Library::new(&built.library) }.map_err(|source| BuildError::Load {
            path: built.library.clone(),
            source,
        })?;
        let load = |source| BuildError::Load {
            path: built.library.clone(),
            source,
        };
        // SAFETY: the symbol types match the `extern "C"` definitions in shim.rs.
        let api = unsafe {
            let version: libloading::Symbol<unsafe extern "C" fn() -> u32> =
                lib.get(b"castle_shim_version").map_err(load)?;
            if version() != shim::SHIM_VERSION {
                return Err(BuildError::Load {
                    path: built.library.clone(),
                    source: libloading::Error::DlSymUnknown,
                });
            }
            Api {
                new: *lib.get(b"castle_new").map_err(load)?,
                free: *lib.get(b"castle_free").map_err(load)?,
                eval: *lib.get(b"castle_eval").map_err(load)?,
                tick: *lib.get(b"castle_tick").map_err(load)?,
                port: *lib.get(b"castle_port").map_err(load)?,
                trace_open: *lib.get(b"castle_trace_open").map_err(load)?,
                trace_dump: *lib.get(b"castle_trace_dump").map_err(load)?,
                _lib: lib,
            }
        };
        Ok(Design {
            api: Arc::new(api),
            ports: built.ports.clone().into(),
            built,
            trace: opts.trace,
        })
    }

    /// Export the block `castle verilog --top` knows as `name` and build it.
    pub fn from_named_block(name: &str, opts: &BuildOptions) -> Result<Design, BuildError> {
        Design::build(name, &castle_rtl::blocks::export(name)?, opts)
    }

    /// Export a rust-hdl block and build it.
    pub fn from_block<B: rust_hdl::prelude::Block>(
        name: &str,
        uut: &mut B,
        opts: &BuildOptions,
    ) -> Result<Design, Box<dyn std::error::Error + Send + Sync>> {
        let verilog = castle_rtl::export::verilog(name, uut)?;
        Ok(Design::build(name, &verilog, opts)?)
    }

    /// The top module's ports, in header order.
    pub fn ports(&self) -> &[Port] {
        &self.ports
    }

    /// Where the build lives, and whether it came from the cache.
    pub fn built(&self) -> &Built {
        &self.built
    }

    /// A fresh instance, with every input 0 and one `eval()` done (so the first `tick()` is a
    /// real rising edge).
    pub fn instantiate(&self) -> Result<Model, ModelError> {
        // SAFETY: castle_new allocates a context and a model and never returns null.
        let handle = unsafe { (self.api.new)() };
        let slots = (0..self.ports.len() as u32)
            // SAFETY: every index below the port count has a case in the shim.
            .map(|i| Slot {
                ptr: unsafe { (self.api.port)(handle, i) }.cast(),
                width: self.ports[i as usize].width,
            })
            .collect();
        let clock = self
            .ports
            .iter()
            .position(Port::is_clock)
            .map(|i| InPort(PortId(i as u32)));
        let mut m = Model {
            design: self.clone(),
            handle,
            slots,
            clock,
            fast_edge: None,
            skips_input_pass: None,
            time: 0,
            tracing: false,
        };
        m.eval();
        Ok(m)
    }
}

/// A port of a model, resolved by name once.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PortId(u32);

/// An input port, which `Model::set` accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InPort(PortId);

/// Where a port lives inside the model: `u8`/`u16`/`u32`/`u64` by width up to 64 bits, an
/// array of `u32` words above.
struct Slot {
    ptr: *mut u8,
    width: u32,
}

impl Slot {
    fn mask(&self) -> u64 {
        if self.width >= 64 {
            u64::MAX
        } else {
            (1u64 << self.width) - 1
        }
    }
}

/// One instance of a Verilated design.
pub struct Model {
    design: Design,
    handle: Handle,
    slots: Vec<Slot>,
    clock: Option<InPort>,
    fast_edge: Option<bool>,
    skips_input_pass: Option<bool>,
    time: u64,
    tracing: bool,
}

// SAFETY: an instance owns its own VerilatedContext; nothing in it is shared between threads.
unsafe impl Send for Model {}

impl Model {
    fn find(&self, name: &str) -> Result<(PortId, &Port), ModelError> {
        self.design
            .ports
            .iter()
            .enumerate()
            .find(|(_, p)| p.name == name)
            .map(|(i, p)| (PortId(i as u32), p))
            .ok_or_else(|| ModelError::NoPort {
                name: name.into(),
                ports: self
                    .design
                    .ports
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", "),
            })
    }

    /// An input port by name.
    pub fn input(&self, name: &str) -> Result<InPort, ModelError> {
        match self.find(name)? {
            (id, p) if p.dir == Dir::Input => Ok(InPort(id)),
            _ => Err(ModelError::NotInput(name.into())),
        }
    }

    /// Any port by name, for reading.
    pub fn output(&self, name: &str) -> Result<PortId, ModelError> {
        Ok(self.find(name)?.0)
    }

    /// Drive an input with `value` (bits above the port's width are dropped; the words of a
    /// port wider than 64 bits above the second are zeroed).
    #[inline]
    pub fn set(&mut self, port: InPort, value: u64) {
        let s = &self.slots[port.0 .0 as usize];
        let v = value & s.mask();
        // SAFETY: ptr points at the port's storage, sized by width as the shim documents.
        unsafe {
            match s.width {
                0..=8 => *s.ptr = v as u8,
                9..=16 => *s.ptr.cast::<u16>() = v as u16,
                17..=32 => *s.ptr.cast::<u32>() = v as u32,
                33..=64 => *s.ptr.cast::<u64>() = v,
                w => {
                    let words = std::slice::from_raw_parts_mut(
                        s.ptr.cast::<u32>(),
                        w.div_ceil(32) as usize,
                    );
                    words.fill(0);
                    words[0] = v as u32;
                    words[1] = (v >> 32) as u32;
                }
            }
        }
    }

    /// Drive an input of any width from 32-bit words, least significant first; missing words
    /// are zero, extra words and bits above the width are dropped.
    pub fn set_words(&mut self, port: InPort, words: &[u32]) {
        let s = &self.slots[port.0 .0 as usize];
        if s.width <= 64 {
            let v = words.first().copied().unwrap_or(0) as u64
                | (words.get(1).copied().unwrap_or(0) as u64) << 32;
            return self.set(port, v);
        }
        let n = s.width.div_ceil(32) as usize;
        // SAFETY: a port wider than 64 bits is an array of n u32 words.
        let dst = unsafe { std::slice::from_raw_parts_mut(s.ptr.cast::<u32>(), n) };
        for (k, d) in dst.iter_mut().enumerate() {
            *d = words.get(k).copied().unwrap_or(0);
        }
        if !s.width.is_multiple_of(32) {
            dst[n - 1] &= (1u32 << (s.width % 32)) - 1;
        }
    }

    /// Read a port (its low 64 bits).
    #[inline]
    pub fn get(&mut self, port: PortId) -> u64 {
        let s = &self.slots[port.0 as usize];
        // SAFETY: as in `set`.
        unsafe {
            match s.width {
                0..=8 => *s.ptr as u64,
                9..=16 => *s.ptr.cast::<u16>() as u64,
                17..=32 => *s.ptr.cast::<u32>() as u64,
                33..=64 => *s.ptr.cast::<u64>(),
                _ => *s.ptr.cast::<u32>() as u64 | (*s.ptr.cast::<u32>().add(1) as u64) << 32,
            }
        }
    }

    /// Read a port of any width as 32-bit words, least significant first.
    pub fn get_words(&mut self, port: PortId) -> Vec<u32> {
        let s = &self.slots[port.0 as usize];
        if s.width <= 64 {
            let v = self.get(port);
            return vec![v as u32, (v >> 32) as u32];
        }
        let s = &self.slots[port.0 as usize];
        // SAFETY: a port wider than 64 bits is an array of width/32 (rounded up) u32 words.
        unsafe { std::slice::from_raw_parts(s.ptr.cast::<u32>(), s.width.div_ceil(32) as usize) }
            .to_vec()
    }

    /// Drive an input by name.
    pub fn set_by_name(&mut self, name: &str, value: u64) -> Result<(), ModelError> {
        let p = self.input(name)?;
        self.set(p, value);
        Ok(())
    }

    /// Read a port by name.
    pub fn get_by_name(&mut self, name: &str) -> Result<u64, ModelError> {
        let p = self.output(name)?;
        Ok(self.get(p))
    }

    /// Settle the combinational logic after inputs changed.
    #[inline]
    pub fn eval(&mut self) {
        // SAFETY: the handle is live until drop.
        unsafe { (self.design.api.eval)(self.handle) }
    }

    /// One clock cycle on the `clock` input: a rising edge, evaluated, then the clock is
    /// lowered. Inputs set before `tick` are sampled at the rising edge. Without a trace the
    /// cycle is one call into the shim (`castle_tick`, one eval per cycle where Verilator
    /// allows it: shim.rs); with a trace both edges are evaluated and dumped.
    /// Panics if the model has no `clock` input (see `has_clock`).
    #[inline]
    pub fn tick(&mut self) {
        self.ticks(1);
    }

    /// `n` clock cycles, as `n` calls of `tick` would run them.
    pub fn ticks(&mut self, n: u64) {
        self.ticks_until(n, None);
    }

    /// Up to `n` clock cycles, stopping after the first cycle that leaves output `stop` (at
    /// most 64 bits wide) non-zero; returns the cycles run. The check costs nothing per cycle
    /// on the Rust side (the shim does it).
    pub fn ticks_until(&mut self, n: u64, stop: Option<PortId>) -> u64 {
        let clock = self
            .clock
            .expect("tick() on a model without a `clock` input");
        if !self.tracing {
            let stop = stop.map_or(-1, |p| i64::from(p.0));
            // SAFETY: the handle is live until drop; the model has a clock, so the shim's
            // castle_tick drives it.
            let flags = unsafe { (self.design.api.tick)(self.handle, n, stop) };
            let ran = (flags >> 8) as u64;
            self.fast_edge = Some(flags & 1 == 1);
            if ran > 1 {
                self.skips_input_pass = Some(flags & 2 == 2);
            }
            self.time += 2 * ran;
            return ran;
        }
        for i in 0..n {
            self.set(clock, 1);
            self.eval();
            self.time += 1;
            self.dump();
            self.set(clock, 0);
            self.time += 1;
            self.eval();
            self.dump();
            if stop.is_some_and(|p| self.get(p) != 0) {
                return i + 1;
            }
        }
        n
    }

    fn dump(&mut self) {
        if self.tracing {
            // SAFETY: the handle is live and a trace is open.
            unsafe { (self.design.api.trace_dump)(self.handle, self.time) }
        }
    }

    /// Whether the last untraced `tick` evaluated each cycle once (the shim's fast edge) or
    /// twice (shim.rs); None before one.
    pub fn fast_edge(&self) -> Option<bool> {
        self.fast_edge
    }

    /// Whether the last untraced `ticks(n)` with n > 1 skipped the input pass of Verilator's
    /// eval in every cycle after the first (shim.rs); None before one.
    pub fn skips_input_pass(&self) -> Option<bool> {
        self.skips_input_pass
    }

    /// True when the model has a `clock` input that `tick` drives.
    pub fn has_clock(&self) -> bool {
        self.clock.is_some()
    }

    /// Start writing a VCD trace of every signal to `path` (the design must be built with
    /// `BuildOptions::trace`). The trace is closed when the model is dropped.
    pub fn trace_to(&mut self, path: &Path) -> Result<(), ModelError> {
        if !self.design.trace {
            return Err(ModelError::NoTrace);
        }
        let c = CString::new(path.as_os_str().as_encoded_bytes())
            .map_err(|_| ModelError::TraceFile(path.display().to_string()))?;
        // SAFETY: the handle is live and `c` outlives the call.
        match unsafe { (self.design.api.trace_open)(self.handle, c.as_ptr()) } {
            0 => {
                self.tracing = true;
                // SAFETY: as above; dump the initial state at the current time.
                unsafe { (self.design.api.trace_dump)(self.handle, self.time) };
                Ok(())
            }
            -1 => Err(ModelError::TraceOpen),
            _ => Err(ModelError::TraceFile(path.display().to_string())),
        }
    }

    /// Half-cycles simulated by `tick` so far.
    pub fn time(&self) -> u64 {
        self.time
    }
}

impl Drop for Model {
    fn drop(&mut self) {
        // SAFETY: the handle came from castle_new and is freed exactly once.
        unsafe { (self.design.api.free)(self.handle) }
    }
}
