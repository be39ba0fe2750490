//! Random code loaded straight into code memory, bypassing the image builder: an [`Image`]
//! built by hand from random code bytes (mostly subset opcodes with random immediates), a
//! random function table pointing into them and a random side table.
//!
//! Such an image breaks the builder's guarantees (operand heights, side-table entries,
//! LEB128 immediates, opcodes outside the subset). What any engine must still do: return
//! results or a trap within its fuel (a clocked engine that does not halt within its cycle
//! budget reports [`EngineError::Timeout`], a failure here), never panic, never hang. The
//! *cause* is not compared: on an inconsistent image the model traps with
//! [`castle_enclave::model::TrapCause::MalformedImage`], while the hardware may raise any
//! trap (an illegal-instruction trap, a stack trap) or run on; only "results or trap" is
//! required of it. For engines whose state is visible, the check also covers the memories:
//! linear memory keeps whole pages within the profile, changes size only through
//! `memory.grow`, and the globals keep their number.
use crate::engine::{Engine, EngineError};
use castle_enclave::image::{FuncEntry, FuncKind, Global, Image, MemLimits, SideEntry};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Fuel per invocation.
pub const FUEL: u64 = 20_000;

/// Opcodes of the subset, from which most code bytes are drawn.
const OPCODES: &[u8] = &[
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x1a, 0x1b, 0x20,
    0x21, 0x22, 0x23, 0x24, 0x28, 0x2c, 0x2d, 0x2e, 0x2f, 0x36, 0x3a, 0x3b, 0x3f, 0x40, 0x41, 0x45,
    0x46, 0x47, 0x48, 0x49, 0x4a, 0x4b, 0x4c, 0x4d, 0x4e, 0x4f, 0x67, 0x68, 0x69, 0x6a, 0x6b, 0x6c,
    0x6d, 0x6e, 0x6f, 0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78,
];

/// A random image (deterministic in `seed`) and the function to invoke with its arguments.
pub fn random_image(seed: u64) -> (Image, u32, Vec<i32>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let len = rng.gen_range(8..400usize);
    let mut code = Vec::with_capacity(len + 8);
    while code.len() < len {
        // Weighted towards pushes so that most pops find operands and runs go deeper.
        match rng.gen_range(0..20) {
            0 => code.push(rng.gen()),
            1..=5 => {
                code.push(0x41);
                code.push(rng.gen_range(0..0x80));
            }
            6..=7 => {
                code.push(0x20);
                code.push(rng.gen_range(0..4));
            }
            8..=9 => {
                // A small index or memory immediate after any opcode.
                code.push(OPCODES[rng.gen_range(0..OPCODES.len())]);
                code.push(rng.gen_range(0..4));
            }
            10 => code.push(0x0b),
            _ => code.push(OPCODES[rng.gen_range(1..OPCODES.len())]),
        }
    }
    let code_len = code.len() as u32;
    let side_len = rng.gen_range(0..40u32);
    let side_table = (0..side_len)
        .map(|_| SideEntry {
            target_pc: if rng.gen_bool(0.95) {
                rng.gen_range(0..code_len)
            } else {
                rng.gen()
            },
            target_stp: if rng.gen_bool(0.95) {
                rng.gen_range(0..side_len.max(1))
            } else {
                rng.gen()
            },
            keep: rng.gen_range(0..2),
            drop: if rng.gen_bool(0.9) {
                rng.gen_range(0..2)
            } else {
                rng.gen()
            },
        })
        .collect();
    let types = rng.gen_range(1..4u32);
    let functions = (0..rng.gen_range(1..5))
        .map(|_| {
            let entry_pc = rng.gen_range(0..code_len);
            FuncEntry {
                kind: FuncKind::Defined,
                type_id: rng.gen_range(0..types),
                i32_signature: true,
                params: rng.gen_range(0..4),
                results: rng.gen_range(0..2),
                locals: rng.gen_range(0..5),
                entry_pc,
                end_pc: rng.gen_range(entry_pc..code_len),
                entry_stp: rng.gen_range(0..side_len.max(1)),
                max_stack: rng.gen_range(0..32),
            }
        })
        .collect::<Vec<_>>();
    let nfuncs = functions.len() as u32;
    let table = (0..rng.gen_range(0..6))
        .map(|_| rng.gen_bool(0.8).then(|| rng.gen_range(0..nfuncs + 1)))
        .collect();
    let memory = rng.gen_bool(0.8).then(|| MemLimits {
        min_pages: rng.gen_range(0..2),
        max_pages: Some(rng.gen_range(1..4)),
    });
    let image = Image {
        code,
        code_offset: 0,
        module_code_len: code_len,
        functions,
        side_table,
        type_ids: (0..types).map(|_| rng.gen_range(0..types)).collect(),
        globals: (0..rng.gen_range(0..4))
            .map(|_| Global {
                mutable: true,
                init: rng.gen(),
            })
            .collect(),
        table,
        data: Vec::new(),
        memory,
        exports: Default::default(),
        start: None,
        unsupported: Vec::new(),
        module_unsupported: None,
    };
    let func = rng.gen_range(0..nfuncs);
    let args = (0..image.functions[func as usize].params)
        .map(|_| rng.gen_range(-4..70_000))
        .collect();
    (image, func, args)
}

/// How one random image ended.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Tally {
    /// Images run.
    pub images: u64,
    /// Runs that returned values.
    pub returned: u64,
    /// Runs that trapped (any cause).
    pub trapped: u64,
    /// Of those, traps on fuel.
    pub out_of_fuel: u64,
    /// Images the engine refused to load or call (a clean refusal, allowed).
    pub refused: u64,
    /// Traps by cause.
    pub causes: std::collections::BTreeMap<String, u64>,
    /// Instructions executed over all runs.
    pub instructions: u64,
}

/// Runs random image `seed` on `engine`; an error describes a violation.
pub fn check(engine: &mut dyn Engine, seed: u64, tally: &mut Tally) -> Result<(), String> {
    let (image, func, args) = random_image(seed);
    tally.images += 1;
    if let Err(e) = engine.instantiate(&image) {
        return match e {
            EngineError::Refused(_) => {
                tally.refused += 1;
                Ok(())
            }
            e => Err(format!("instantiate: {e}")),
        };
    }
    let pages_before = engine.memory().len() / castle_enclave::model::PAGE;
    let globals_before = engine.globals().len();
    let outcome = match engine.invoke(func, &args, FUEL) {
        Ok(outcome) => outcome,
        Err(EngineError::Refused(_)) => {
            tally.refused += 1;
            return Ok(());
        }
        Err(e) => return Err(format!("invoke: {e}")),
    };
    tally.instructions += outcome.instructions;
    if outcome.instructions > FUEL {
        return Err(format!(
            "{} instructions with fuel {FUEL}",
            outcome.instructions
        ));
    }
    match &outcome.result {
        Ok(values) => {
            tally.returned += 1;
            let want = image.functions[func as usize].results as usize;
            if values.len() != want {
                return Err(format!(
                    "returned {} values, the function has {want} results",
                    values.len()
                ));
            }
        }
        Err(trap) => {
            tally.trapped += 1;
            *tally.causes.entry(trap.cause.to_string()).or_default() += 1;
            tally.out_of_fuel +=
                u64::from(trap.cause == castle_enclave::model::TrapCause::FuelExhausted);
        }
    }
    let memory = engine.memory();
    let pages = memory.len() / castle_enclave::model::PAGE;
    if !memory.len().is_multiple_of(castle_enclave::model::PAGE) {
        return Err(format!(
            "linear memory is {} bytes, not whole pages",
            memory.len()
        ));
    }
    let limit = image.memory.map_or(0, |m| {
        m.max_pages
            .unwrap_or(u32::MAX)
            .min(engine.profile().memory_pages)
    }) as usize;
    if pages != pages_before && (!image.code.contains(&0x40) || pages > limit.max(pages_before)) {
        return Err(format!(
            "linear memory went from {pages_before} to {pages} pages (limit {limit})"
        ));
    }
    if engine.globals().len() != globals_before {
        return Err(format!(
            "{} globals became {}",
            globals_before,
            engine.globals().len()
        ));
    }
    Ok(())
}

/// Runs `count` images from `first_seed` on `engine` (panics of the engine are caught and
/// reported with the seed); the failures, each starting with its seed.
pub fn run(engine: &mut dyn Engine, first_seed: u64, count: u64, tally: &mut Tally) -> Vec<String> {
    let mut failures = Vec::new();
    for seed in first_seed..first_seed + count {
        let result =
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(engine, seed, tally)));
        match result {
            Ok(Ok(())) => {}
            Ok(Err(e)) => failures.push(format!("random code seed {seed}: {e}")),
            Err(panic) => {
                let message = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                failures.push(format!(
                    "random code seed {seed}: the engine panicked: {message}"
                ));
            }
        }
    }
    failures
}
