//! wasmi 2 as the golden model of the differential suites, and the outcome type every suite
//! compares.
use crate::engine;
use castle_enclave::model::TrapCause;
use serde::Serialize;
use std::fmt;
use wasmi::{Config, Linker, Module, Store, TrapCode, Val};

/// The observable result of one call, comparable across engines: values or a trap cause
/// (trap pcs are engine-specific and wasmi has none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Observed {
    /// The call returned these values.
    Values(Vec<i32>),
    /// The call trapped.
    Trap(TrapCause),
}

impl fmt::Display for Observed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Observed::Values(values) => write!(f, "{values:?}"),
            Observed::Trap(cause) => write!(f, "trap: {cause}"),
        }
    }
}

impl Serialize for Observed {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl From<&engine::Outcome> for Observed {
    fn from(outcome: &engine::Outcome) -> Observed {
        match &outcome.result {
            Ok(values) => Observed::Values(values.clone()),
            Err(trap) => Observed::Trap(trap.cause),
        }
    }
}

/// The enclave's cause for a wasmi trap code (`None` for causes outside the subset).
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

/// One module instantiated on wasmi, with fuel metering (one unit per Wasm operator, about
/// one enclave instruction).
pub struct Wasmi {
    store: Store<()>,
    instance: wasmi::Instance,
}

impl Wasmi {
    /// Instantiates `wasm` (binary) without imports; the error says why it cannot.
    pub fn new(wasm: &[u8]) -> Result<Wasmi, String> {
        let mut config = Config::default();
        config.consume_fuel(true);
        let engine = wasmi::Engine::new(&config);
        let module = Module::new(&engine, wasm).map_err(|e| format!("wasmi: {e}"))?;
        let mut store = Store::new(&engine, ());
        store
            .set_fuel(u64::MAX / 2)
            .map_err(|e| format!("wasmi: {e}"))?;
        let instance = Linker::new(&engine)
            .instantiate_and_start(&mut store, &module)
            .map_err(|e| format!("wasmi: {e}"))?;
        Ok(Wasmi { store, instance })
    }

    /// Calls export `name` with i32 `args` and at most `fuel` units; an error for a call that
    /// cannot be made or a trap outside the subset.
    pub fn call(&mut self, name: &str, args: &[i32], fuel: u64) -> Result<Observed, String> {
        let func = self
            .instance
            .get_func(&self.store, name)
            .ok_or_else(|| format!("wasmi: no export {name:?}"))?;
        let ty = func.ty(&self.store);
        let mut results: Vec<Val> = ty
            .results()
            .iter()
            .map(|t| Val::default_for_ty(*t))
            .collect();
        let args: Vec<Val> = args.iter().map(|&a| Val::I32(a)).collect();
        self.store
            .set_fuel(fuel)
            .map_err(|e| format!("wasmi: {e}"))?;
        match func.call(&mut self.store, &args, &mut results) {
            Ok(()) => results
                .iter()
                .map(|v| v.i32().ok_or_else(|| "wasmi: non-i32 result".to_string()))
                .collect::<Result<Vec<i32>, String>>()
                .map(Observed::Values),
            Err(e) => match e.as_trap_code().and_then(cause_of) {
                Some(cause) => Ok(Observed::Trap(cause)),
                None => Err(format!("wasmi: {e}")),
            },
        }
    }
}
