//! One interface to every executor of enclave images: the software model
//! ([`castle_enclave::model`]) and the Verilated core, so the spec runner, `castle run` and
//! the differential suites run the same code on each.
//!
//! An engine holds one instantiated image. [`Engine::instantiate`] loads it as the
//! privileged load port does (code, side table, function table, globals, table, data) and
//! runs the start function; invocations then share linear memory and globals, as in Wasm.
use castle_enclave::image::{Image, Profile};
use castle_enclave::model::{self, Trap};
use std::path::PathBuf;
use thiserror::Error;

/// Names accepted by [`by_name`], in the order the CLI lists them.
pub const ENGINE_NAMES: &[&str] = &["model", "verilator", "rust-hdl"];

/// Options an engine takes at construction (from `castle run`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Cycle budget of one invocation; past it a clocked engine stops with
    /// [`EngineError::Timeout`]. The model has no clock: callers give it as fuel instead.
    pub max_cycles: Option<u64>,
    /// Write a VCD trace of the run here (clocked engines only).
    pub vcd: Option<PathBuf>,
}

/// The engine called `name` (`model`, `verilator`, `rust-hdl`) for `profile`.
pub fn by_name(name: &str, profile: Profile) -> Result<Box<dyn Engine>, EngineError> {
    by_name_with(name, profile, &RunOptions::default())
}

/// As [`by_name`], with construction options.
pub fn by_name_with(
    name: &str,
    profile: Profile,
    options: &RunOptions,
) -> Result<Box<dyn Engine>, EngineError> {
    match name {
        "model" => {
            if options.vcd.is_some() {
                return Err(EngineError::Refused("--vcd is only for the verilator and rust-hdl engines (the model has no signals)".into()));
            }
            Ok(Box::new(ModelEngine::new(profile)))
        }
        "verilator" => {
            if profile != Profile::SIM {
                return Err(EngineError::Refused(format!(
                    "the Verilated core is built for the spec profile, not `{}`",
                    profile.name
                )));
            }
            let opts = crate::verilator::BuildOptions {
                trace: options.vcd.is_some(),
                ..Default::default()
            };
            let mut core = crate::core::CoreEngine::with_options(&opts)?;
            core.max_cycles = options.max_cycles;
            if let Some(path) = &options.vcd {
                core.trace_to(path)?;
            }
            Ok(Box::new(core))
        }
        "compact" => {
            if profile != Profile::SIM {
                return Err(EngineError::Refused(format!(
                    "the Verilated compact core is built for the spec profile, not `{}`",
                    profile.name
                )));
            }
            let opts = crate::verilator::BuildOptions {
                trace: options.vcd.is_some(),
                ..Default::default()
            };
            let mut core = crate::core::CoreEngine::compact_with_options(&opts)?;
            core.max_cycles = options.max_cycles;
            if let Some(path) = &options.vcd {
                core.trace_to(path)?;
            }
            Ok(Box::new(core))
        }
        "rust-hdl" => {
            if profile != Profile::SIM || options.vcd.is_some() {
                return Err(EngineError::Refused("the rust-hdl core runs the spec profile, without VCD output (use --engine verilator)".into()));
            }
            let mut core = crate::core::CoreEngine::rust_hdl();
            core.max_cycles = options.max_cycles;
            Ok(Box::new(core))
        }
        _ => Err(EngineError::Refused(format!(
            "no engine named `{name}` (known: {})",
            ENGINE_NAMES.join(", ")
        ))),
    }
}

/// Why an engine could not load an image or run a function (a trap is not an error: it is
/// an [`Outcome`]).
#[derive(Debug, Error)]
pub enum EngineError {
    /// The image or a call was refused before running (no such export, wrong argument
    /// count, does not fit the profile, an import invoked from the host, ...).
    #[error("{0}")]
    Refused(String),
    /// The simulator itself failed (build, load).
    #[error("{0}")]
    Simulator(String),
    /// The run exceeded its cycle budget without halting: a hang of the executor itself,
    /// as opposed to [`castle_enclave::model::TrapCause::FuelExhausted`].
    #[error("no halt within {0} cycles")]
    Timeout(u64),
}

/// What one invocation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    /// Results, or the trap that halted the run.
    pub result: Result<Vec<i32>, Trap>,
    /// Instructions executed by this invocation.
    pub instructions: u64,
    /// Clock cycles of this invocation (0 for engines without a clock).
    pub cycles: u64,
}

/// An executor of enclave images.
pub trait Engine {
    /// Short name (`model`, `verilator`, `rust-hdl`).
    fn name(&self) -> &'static str;
    /// The profile whose memory sizes the engine implements.
    fn profile(&self) -> Profile;
    /// Loads `image` (replacing any previous one), sets linear memory and globals to their
    /// initial values and runs the start function, if any.
    fn instantiate(&mut self, image: &Image) -> Result<(), EngineError>;
    /// Runs function `func` (Wasm function index) with `args` and at most `fuel`
    /// instructions.
    fn invoke(&mut self, func: u32, args: &[i32], fuel: u64) -> Result<Outcome, EngineError>;
    /// The current linear memory (its current size in pages, times 64 KiB).
    fn memory(&mut self) -> Vec<u8>;
    /// Replaces linear memory, as the load port does (a whole number of pages).
    fn load_memory(&mut self, bytes: &[u8]) -> Result<(), EngineError>;
    /// Current values of the globals.
    fn globals(&mut self) -> Vec<i32>;
    /// Sets global `index`, as the load port does.
    fn set_global(&mut self, index: u32, value: i32) -> Result<(), EngineError>;

    /// Runs the function exported as `name`.
    fn invoke_export(
        &mut self,
        image: &Image,
        name: &str,
        args: &[i32],
        fuel: u64,
    ) -> Result<Outcome, EngineError> {
        let func = *image
            .exports
            .get(name)
            .ok_or_else(|| EngineError::Refused(format!("no exported function named {name:?}")))?;
        self.invoke(func, args, fuel)
    }
}

/// The software model as an [`Engine`].
#[derive(Debug)]
pub struct ModelEngine {
    profile: Profile,
    instance: Option<model::Instance>,
}

impl ModelEngine {
    /// A model enclave of `profile`.
    pub fn new(profile: Profile) -> ModelEngine {
        ModelEngine {
            profile,
            instance: None,
        }
    }

    fn instance(&mut self) -> Result<&mut model::Instance, EngineError> {
        self.instance
            .as_mut()
            .ok_or_else(|| EngineError::Refused("no image instantiated".into()))
    }
}

fn refused(e: model::Error) -> EngineError {
    EngineError::Refused(e.to_string())
}

impl Engine for ModelEngine {
    fn name(&self) -> &'static str {
        "model"
    }

    fn profile(&self) -> Profile {
        self.profile
    }

    fn instantiate(&mut self, image: &Image) -> Result<(), EngineError> {
        self.instance = None;
        self.instance = Some(model::Instance::new(image, &self.profile).map_err(refused)?);
        Ok(())
    }

    fn invoke(&mut self, func: u32, args: &[i32], fuel: u64) -> Result<Outcome, EngineError> {
        let instance = self.instance()?;
        let before = instance.counters().instructions;
        let result = match instance.invoke_index(func, args, fuel) {
            Ok(values) => Ok(values),
            Err(model::Error::Trap(trap)) => Err(trap),
            Err(e) => return Err(refused(e)),
        };
        let instructions = instance.counters().instructions - before;
        Ok(Outcome {
            result,
            instructions,
            cycles: 0,
        })
    }

    fn memory(&mut self) -> Vec<u8> {
        self.instance
            .as_ref()
            .map_or_else(Vec::new, |i| i.memory().to_vec())
    }

    fn load_memory(&mut self, bytes: &[u8]) -> Result<(), EngineError> {
        self.instance()?.load_memory(bytes).map_err(refused)
    }

    fn globals(&mut self) -> Vec<i32> {
        self.instance
            .as_ref()
            .map_or_else(Vec::new, |i| i.globals().to_vec())
    }

    fn set_global(&mut self, index: u32, value: i32) -> Result<(), EngineError> {
        self.instance()?.set_global(index, value).map_err(refused)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use castle_enclave::image::{build, BuildOptions};

    #[test]
    fn model_engine_runs_and_counts() {
        let wat = r#"(module (func (export "f") (param i32) (result i32)
            local.get 0 i32.const 1 i32.add))"#;
        let image = build(wat.as_bytes(), &BuildOptions::default(), &Profile::SIM).unwrap();
        let mut engine = ModelEngine::new(Profile::SIM);
        engine.instantiate(&image).unwrap();
        let out = engine.invoke_export(&image, "f", &[41], 100).unwrap();
        assert_eq!(out.result, Ok(vec![42]));
        assert_eq!(out.instructions, 4);
        assert!(engine.invoke_export(&image, "g", &[], 100).is_err());
    }

    #[test]
    fn engines_by_name() {
        assert_eq!(by_name("model", Profile::SIM).unwrap().name(), "model");
        for name in ["verilator", "rust-hdl"] {
            assert_eq!(by_name(name, Profile::SIM).unwrap().name(), name);
            let e = by_name(name, Profile::ECP5).err().unwrap().to_string();
            assert!(e.contains("spec profile"), "{e}");
        }
        assert!(by_name("nosuch", Profile::SIM).is_err());
        let vcd = RunOptions {
            vcd: Some("t.vcd".into()),
            ..RunOptions::default()
        };
        assert!(by_name_with("model", Profile::SIM, &vcd).is_err());
    }
}
