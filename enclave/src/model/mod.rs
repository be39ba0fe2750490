//! Software model of one enclave: executes an [`Image`] with exactly the semantics of the
//! hardware (see the execution contract in [`crate::image`]).
//!
//! ```
//! use castle_enclave::image::{build, BuildOptions, Profile};
//! use castle_enclave::model::Instance;
//! let wat = r#"(module (func (export "add") (param i32 i32) (result i32)
//!     local.get 0 local.get 1 i32.add))"#;
//! let image = build(wat.as_bytes(), &BuildOptions::default(), &Profile::SIM).unwrap();
//! let mut instance = Instance::new(&image, &Profile::SIM).unwrap();
//! assert_eq!(instance.invoke("add", &[2, 3], 1000).unwrap(), vec![5]);
//! ```
pub mod cluster;
mod exec;
mod memory;
mod trap;

pub use exec::Event;
pub use memory::PAGE;
pub use trap::{Trap, TrapCause};

use crate::image::{FuncKind, Image, Profile};
use memory::Memory;
use thiserror::Error;

/// Instruction budget of the start function in [`Instance::new`].
pub const START_FUEL: u64 = 100_000_000;

/// Why an instance could not be created or a function not run.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum Error {
    /// Execution trapped.
    #[error("trap: {0}")]
    Trap(#[from] Trap),
    /// No function is exported under this name.
    #[error("no exported function named {0:?}")]
    NoSuchExport(String),
    /// The function index is out of range.
    #[error("no function with index {0}")]
    NoSuchFunc(u32),
    /// The function cannot be invoked from the host (an import, or a signature outside the
    /// subset).
    #[error("func {func} cannot be invoked: {reason}")]
    NotInvocable {
        /// Function index.
        func: u32,
        /// Why.
        reason: String,
    },
    /// Wrong number of arguments.
    #[error("func {func} takes {expected} arguments, got {got}")]
    ArgCount {
        /// Function index.
        func: u32,
        /// Parameters of the function.
        expected: u32,
        /// Arguments given.
        got: usize,
    },
    /// A load through [`Instance::load_memory`] or [`Instance::set_global`] was refused.
    #[error("load refused: {0}")]
    BadLoad(&'static str),
    /// The image's initial memory does not fit the profile.
    #[error("the image needs {need} memory pages, the {profile} profile has {limit}")]
    DoesNotFit {
        /// Profile name.
        profile: &'static str,
        /// Pages the image starts with.
        need: u32,
        /// Pages the profile has.
        limit: u32,
    },
}

/// Event counts, cumulative over the instance's runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counters {
    /// Instructions executed.
    pub instructions: u64,
    /// Function entries (invocations and calls).
    pub calls: u64,
    /// Deepest call nesting reached (frames).
    pub max_call_depth: u32,
    /// Most value-stack words reserved by the active frames.
    pub max_stack_words: u32,
}

/// A run of one function in progress, made by [`Instance::start`].
#[derive(Debug, Clone)]
pub struct Run(exec::State);

impl Run {
    /// Instructions the run may still execute.
    pub fn fuel(&self) -> u64 {
        self.0.fuel
    }
}

/// An instantiated image: linear memory and globals persist across invocations.
#[derive(Debug, Clone)]
pub struct Instance {
    image: Image,
    profile: Profile,
    memory: Memory,
    globals: Vec<i32>,
    counters: Counters,
}

impl Instance {
    /// Instantiates `image` on an enclave of `profile`: allocates `min_pages` of memory,
    /// copies the data segments, initializes the globals, then runs the start function with
    /// [`START_FUEL`].
    pub fn new(image: &Image, profile: &Profile) -> Result<Instance, Error> {
        let memory = match image.memory {
            Some(m) if m.min_pages > profile.memory_pages => {
                return Err(Error::DoesNotFit {
                    profile: profile.name,
                    need: m.min_pages,
                    limit: profile.memory_pages,
                });
            }
            Some(m) => Memory::new(
                m.min_pages,
                m.max_pages.unwrap_or(u32::MAX).min(profile.memory_pages),
                profile.memory_bytes,
            ),
            None => Memory::new(0, 0, None),
        };
        let mut instance = Instance {
            image: image.clone(),
            profile: *profile,
            memory,
            globals: image.globals.iter().map(|g| g.init).collect(),
            counters: Counters::default(),
        };
        for segment in &image.data {
            if !instance.memory.store(segment.offset, 0, &segment.bytes) {
                return Err(Trap {
                    cause: TrapCause::MemOutOfBounds,
                    pc: 0,
                }
                .into());
            }
        }
        if let Some(start) = image.start {
            instance.invoke_index(start, &[], START_FUEL)?;
        }
        Ok(instance)
    }

    /// Runs the function exported as `name` with at most `fuel` instructions.
    pub fn invoke(&mut self, name: &str, args: &[i32], fuel: u64) -> Result<Vec<i32>, Error> {
        let func = *self
            .image
            .exports
            .get(name)
            .ok_or_else(|| Error::NoSuchExport(name.to_string()))?;
        self.invoke_index(func, args, fuel)
    }

    /// Runs function `func` (Wasm index) with at most `fuel` instructions.
    pub fn invoke_index(&mut self, func: u32, args: &[i32], fuel: u64) -> Result<Vec<i32>, Error> {
        self.check_invocable(func, args)?;
        Ok(self.machine().run(func, args, fuel)?)
    }

    /// Whether the host may run function `func` with `args`.
    fn check_invocable(&self, func: u32, args: &[i32]) -> Result<(), Error> {
        let entry = self
            .image
            .functions
            .get(func as usize)
            .ok_or(Error::NoSuchFunc(func))?;
        let not_invocable = |reason: &str| {
            Err(Error::NotInvocable {
                func,
                reason: reason.to_string(),
            })
        };
        if let FuncKind::Import(kind) = entry.kind {
            return not_invocable(&format!("it is the capability call castle.{}", kind.name()));
        }
        if !entry.i32_signature {
            return not_invocable(
                self.image
                    .unsupported_reason(func)
                    .unwrap_or("its signature is not i32-only"),
            );
        }
        if args.len() != entry.params as usize {
            return Err(Error::ArgCount {
                func,
                expected: entry.params,
                got: args.len(),
            });
        }
        Ok(())
    }

    fn machine(&mut self) -> exec::Machine<'_> {
        exec::Machine {
            image: &self.image,
            profile: &self.profile,
            memory: &mut self.memory,
            globals: &mut self.globals,
            counters: &mut self.counters,
        }
    }

    /// Starts the exported function `name` as a run that [`Instance::resume`] executes step
    /// by step and that stops at capability calls (the cluster model serves them).
    pub fn start(&mut self, name: &str, args: &[i32], fuel: u64) -> Result<Run, Error> {
        let func = *self
            .image
            .exports
            .get(name)
            .ok_or_else(|| Error::NoSuchExport(name.to_string()))?;
        self.start_index(func, args, fuel)
    }

    /// [`Instance::start`] by function index.
    pub fn start_index(&mut self, func: u32, args: &[i32], fuel: u64) -> Result<Run, Error> {
        self.check_invocable(func, args)?;
        Ok(Run(self.machine().start(func, args, fuel)))
    }

    /// Executes at most `steps` instructions of `run` (see [`Event`]).
    pub fn resume(&mut self, run: &mut Run, steps: u64) -> Event {
        self.machine().resume(&mut run.0, steps)
    }

    /// Gives the capability call `run` stopped at its result, so the next resume goes on
    /// after the call.
    pub fn complete_import(&mut self, run: &mut Run, result: i32) {
        exec::Machine::complete_import(&mut run.0, result);
    }

    /// The image being executed.
    pub fn image(&self) -> &Image {
        &self.image
    }

    /// Linear memory.
    pub fn memory(&self) -> &[u8] {
        self.memory.bytes()
    }

    /// Linear memory, writable (for a host loading inputs).
    pub fn memory_mut(&mut self) -> &mut [u8] {
        self.memory.bytes_mut()
    }

    /// Replaces linear memory, as the privileged load port does: `bytes` must be a whole
    /// number of pages within the memory's limit.
    pub fn load_memory(&mut self, bytes: &[u8]) -> Result<(), Error> {
        match self.memory.replace(bytes) {
            true => Ok(()),
            false => Err(Error::BadLoad(
                "not a whole number of pages within the limit",
            )),
        }
    }

    /// Whether bytes `ptr .. ptr + len` lie in linear memory.
    pub fn range_ok(&self, ptr: u32, len: u32) -> bool {
        u64::from(ptr) + u64::from(len) <= self.memory.limit() as u64
    }

    /// `n` little-endian words from byte address `ptr` (in range: see [`Instance::range_ok`];
    /// bytes beyond memory read as 0).
    pub fn read_words(&self, ptr: u32, n: usize) -> Vec<u32> {
        (0..n as u32)
            .map(|i| u32::from_le_bytes(self.memory.load(ptr, 4 * i).unwrap_or_default()))
            .collect()
    }

    /// Writes `words` little-endian from byte address `ptr`; false (nothing written beyond
    /// the first word out of range) when they do not fit.
    pub fn write_words(&mut self, ptr: u32, words: &[u32]) -> bool {
        (0..)
            .zip(words)
            .all(|(i, w)| self.memory.store(ptr, 4 * i, &w.to_le_bytes()))
    }

    /// Sets global `index`, as the privileged load port does.
    pub fn set_global(&mut self, index: u32, value: i32) -> Result<(), Error> {
        let global = self
            .globals
            .get_mut(index as usize)
            .ok_or(Error::BadLoad("no such global"))?;
        *global = value;
        Ok(())
    }

    /// Current values of the globals.
    pub fn globals(&self) -> &[i32] {
        &self.globals
    }

    /// Event counts so far.
    pub fn counters(&self) -> Counters {
        self.counters
    }
}
