//! Shared helpers for the differential tests: wasmi as the golden model.
#![allow(dead_code)] // each test crate uses a different part

use castle_enclave::image::{build, BuildOptions, Image, Profile};
use castle_enclave::model::{Error, Instance, TrapCause};
use wasmi::{Engine, Linker, Module, Store, TrapCode, Val};

/// Outcome of a call, comparable across engines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Values(Vec<i32>),
    Trap(TrapCause),
}

/// The model's cause for a wasmi trap code.
pub fn cause_of(code: TrapCode) -> Option<TrapCause> {
    Some(match code {
        TrapCode::UnreachableCodeReached => TrapCause::Unreachable,
        TrapCode::MemoryOutOfBounds => TrapCause::MemOutOfBounds,
        TrapCode::TableOutOfBounds | TrapCode::IndirectCallToNull => TrapCause::UndefinedElement,
        TrapCode::IntegerDivisionByZero => TrapCause::DivByZero,
        TrapCode::IntegerOverflow => TrapCause::IntOverflow,
        TrapCode::StackOverflow => TrapCause::StackOverflow,
        TrapCode::BadSignature => TrapCause::IndirectTypeMismatch,
        TrapCode::OutOfFuel => TrapCause::FuelExhausted,
        _ => return None,
    })
}

/// The model's outcome, or the error when the call did not run.
pub fn model_outcome(result: Result<Vec<i32>, Error>) -> Result<Outcome, Error> {
    match result {
        Ok(values) => Ok(Outcome::Values(values)),
        Err(Error::Trap(trap)) => Ok(Outcome::Trap(trap.cause)),
        Err(e) => Err(e),
    }
}

/// The same module on wasmi and on the model.
pub struct Pair {
    pub image: Image,
    pub model: Instance,
    store: Store<()>,
    instance: wasmi::Instance,
}

impl Pair {
    /// Builds `wat` for both engines (panics on failure: test input).
    pub fn new(wat: &str) -> Pair {
        let image = build(wat.as_bytes(), &BuildOptions::default(), &Profile::SIM).expect("image");
        let model = Instance::new(&image, &Profile::SIM).expect("model instance");
        let wasm = wat::parse_str(wat).expect("wat");
        let engine = Engine::default();
        let module = Module::new(&engine, &wasm[..]).expect("wasmi module");
        let mut store = Store::new(&engine, ());
        let instance = Linker::new(&engine)
            .instantiate_and_start(&mut store, &module)
            .expect("wasmi instance");
        Pair {
            image,
            model,
            store,
            instance,
        }
    }

    /// Calls export `name` on wasmi.
    pub fn wasmi(&mut self, name: &str, args: &[i32]) -> Outcome {
        let func = self.instance.get_func(&self.store, name).expect("export");
        let n = func.ty(&self.store).results().len();
        let args: Vec<Val> = args.iter().map(|&a| Val::I32(a)).collect();
        let mut results = vec![Val::I32(0); n];
        match func.call(&mut self.store, &args, &mut results) {
            Ok(()) => Outcome::Values(
                results
                    .iter()
                    .map(|v| v.i32().expect("i32 result"))
                    .collect(),
            ),
            Err(e) => Outcome::Trap(
                e.as_trap_code()
                    .and_then(cause_of)
                    .unwrap_or_else(|| panic!("wasmi error {e}")),
            ),
        }
    }

    /// Calls export `name` on both engines, asserts equal outcomes and returns it.
    pub fn check(&mut self, name: &str, args: &[i32]) -> Outcome {
        let expected = self.wasmi(name, args);
        let got = model_outcome(self.model.invoke(name, args, 10_000_000)).expect("model call");
        assert_eq!(got, expected, "{name}{args:?}");
        got
    }
}
