//! Module-level translation: sections, imports, segments, and one [`func`] pass per body.
use super::func::{self, type_reason, Env};
use super::{
    BuildError, BuildOptions, DataSegment, FuncEntry, FuncKind, Global, Image, ImportKind,
    MemLimits, Profile,
};
use wasmparser::{
    CompositeInnerType, ConstExpr, DataKind, ElementItems, ElementKind, Encoding, ExternalKind,
    FuncType, Operator, Parser, Payload, RefType, TableInit, TypeRef, ValType, ValidPayload,
    Validator,
};

/// Translates a module that wasmparser already validated.
pub(crate) fn translate(
    wasm: &[u8],
    options: &BuildOptions,
    profile: &Profile,
) -> Result<Image, BuildError> {
    let mut builder = ModuleBuilder {
        wasm,
        options,
        profile,
        image: Image::default(),
        validator: Validator::new(),
        types: Vec::new(),
        type_i32: Vec::new(),
        func_i32: Vec::new(),
        global_i32: Vec::new(),
        imported_funcs: 0,
        defined_funcs: 0,
        tables: 0,
        table_ok: false,
        memories: 0,
    };
    for payload in Parser::new(0).parse_all(wasm) {
        let payload = payload?;
        let valid = builder.validator.payload(&payload)?;
        builder.payload(payload, valid)?;
    }
    builder.append_stubs();
    Ok(builder.image)
}

struct ModuleBuilder<'a> {
    wasm: &'a [u8],
    options: &'a BuildOptions,
    profile: &'a Profile,
    image: Image,
    validator: Validator,
    /// Function signature of each type index (`None` for GC types).
    types: Vec<Option<FuncType>>,
    /// Per type index: i32-only signature with at most one result.
    type_i32: Vec<bool>,
    /// Per function index: the same for the function's signature.
    func_i32: Vec<bool>,
    /// Per global index: the global is an i32.
    global_i32: Vec<bool>,
    imported_funcs: u32,
    defined_funcs: u32,
    tables: u32,
    /// Table 0 is a plain funcref table (its elements are applied).
    table_ok: bool,
    memories: u32,
}

impl ModuleBuilder<'_> {
    fn payload(&mut self, payload: Payload<'_>, valid: ValidPayload<'_>) -> Result<(), BuildError> {
        match payload {
            Payload::Version {
                encoding: Encoding::Component,
                range,
                ..
            } => Err(unsupported(
                "component",
                range.start,
                "components are not supported by enclaves",
            )),
            Payload::TypeSection(reader) => self.types(reader),
            Payload::ImportSection(reader) => {
                for import in reader.into_imports_with_offsets() {
                    let (offset, import) = import?;
                    self.import(offset, import)?;
                }
                Ok(())
            }
            Payload::FunctionSection(reader) => {
                for ty in reader {
                    let entry = self.func_entry(FuncKind::Defined, ty?);
                    self.image.functions.push(entry);
                }
                Ok(())
            }
            Payload::TableSection(reader) => self.tables(reader),
            Payload::MemorySection(reader) => {
                for memory in reader.into_iter_with_offsets() {
                    let (offset, ty) = memory?;
                    self.memories += 1;
                    if self.memories > 1 {
                        self.module_unsupported(
                            "memory",
                            offset,
                            "multiple memories are not supported by enclaves",
                        )?;
                    } else if ty.memory64 || ty.shared || ty.page_size_log2.is_some() {
                        self.module_unsupported(
                            "memory",
                            offset,
                            "only plain 32-bit memories are supported by enclaves",
                        )?;
                    } else {
                        let pages = |p: u64| u32::try_from(p).unwrap_or(u32::MAX);
                        self.image.memory = Some(MemLimits {
                            min_pages: pages(ty.initial),
                            max_pages: ty.maximum.map(pages),
                        });
                    }
                }
                Ok(())
            }
            Payload::GlobalSection(reader) => {
                for global in reader.into_iter_with_offsets() {
                    let (offset, global) = global?;
                    let i32_type = global.ty.content_type == ValType::I32 && !global.ty.shared;
                    let mut init = 0;
                    if !i32_type {
                        self.module_unsupported(
                            "global",
                            offset,
                            &type_reason(global.ty.content_type),
                        )?;
                    } else if let Some(value) = self.eval_i32(&global.init_expr)? {
                        init = value;
                    } else {
                        self.module_unsupported(
                            "global",
                            offset,
                            "unsupported initializer expression",
                        )?;
                    }
                    self.global_i32.push(i32_type);
                    self.image.globals.push(Global {
                        mutable: global.ty.mutable,
                        init,
                    });
                }
                Ok(())
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let export = export?;
                    if matches!(export.kind, ExternalKind::Func | ExternalKind::FuncExact) {
                        self.image
                            .exports
                            .insert(export.name.to_string(), export.index);
                    }
                }
                Ok(())
            }
            Payload::StartSection { func, .. } => {
                self.image.start = Some(func);
                Ok(())
            }
            Payload::ElementSection(reader) => {
                for element in reader {
                    self.element(element?)?;
                }
                Ok(())
            }
            Payload::DataSection(reader) => {
                for data in reader {
                    self.data(data?)?;
                }
                Ok(())
            }
            Payload::TagSection(reader) => self.module_unsupported(
                "tag",
                reader.range().start,
                "exceptions are not supported by enclaves",
            ),
            Payload::CodeSectionStart {
                unchecked_range: range,
                ..
            } => {
                let bytes = usize::try_from(range.start)
                    .ok()
                    .zip(usize::try_from(range.end).ok())
                    .and_then(|(start, end)| self.wasm.get(start..end))
                    .ok_or_else(|| unsupported("code section", range.start, "truncated"))?;
                self.image.code = bytes.to_vec();
                self.image.code_offset = range.start;
                self.image.module_code_len = bytes.len() as u32;
                Ok(())
            }
            Payload::CodeSectionEntry(body) => {
                let ValidPayload::Func(to_validate, _) = valid else {
                    return Err(unsupported(
                        "code",
                        body.range().start,
                        "body without validator",
                    ));
                };
                let index = self.imported_funcs + self.defined_funcs;
                self.defined_funcs += 1;
                self.body(index, &body, to_validate.into_validator(Default::default()))
            }
            _ => Ok(()),
        }
    }

    fn types(&mut self, reader: wasmparser::TypeSectionReader<'_>) -> Result<(), BuildError> {
        for group in reader.into_iter_with_offsets() {
            let (offset, group) = group?;
            let plain = !group.is_explicit_rec_group() || group.types().len() == 1;
            for sub in group.types() {
                match &sub.composite_type.inner {
                    CompositeInnerType::Func(ty)
                        if plain && sub.is_final && sub.supertype_idxs.is_empty() =>
                    {
                        self.types.push(Some(ty.clone()));
                    }
                    _ => {
                        self.module_unsupported(
                            "type",
                            offset,
                            "GC types are not supported by enclaves",
                        )?;
                        self.types.push(None);
                    }
                }
            }
        }
        // Canonical id: the first type index with a structurally equal signature.
        self.image.type_ids = (0..self.types.len())
            .map(|i| match &self.types[i] {
                Some(ty) => self
                    .types
                    .iter()
                    .position(|t| t.as_ref() == Some(ty))
                    .unwrap_or(i) as u32,
                None => i as u32,
            })
            .collect();
        self.type_i32 = self
            .types
            .iter()
            .map(|t| t.as_ref().is_some_and(sig_i32))
            .collect();
        Ok(())
    }

    /// A function-table entry for a function of type `ty` (body fields filled in later).
    fn func_entry(&mut self, kind: FuncKind, ty: u32) -> FuncEntry {
        let sig = self.types.get(ty as usize).cloned().flatten();
        let (params, results) = sig
            .as_ref()
            .map_or((0, 0), |s| (s.params().len(), s.results().len()));
        let i32_signature = sig.as_ref().is_some_and(sig_i32);
        self.func_i32.push(i32_signature);
        FuncEntry {
            kind,
            type_id: self.image.type_ids.get(ty as usize).copied().unwrap_or(ty),
            i32_signature,
            params: params as u32,
            results: results as u32,
            locals: 0,
            entry_pc: 0,
            end_pc: 0,
            entry_stp: 0,
            max_stack: 0,
        }
    }

    fn import(&mut self, offset: u64, import: wasmparser::Import<'_>) -> Result<(), BuildError> {
        let name = format!("import {}.{}", import.module, import.name);
        match import.ty {
            TypeRef::Func(ty) | TypeRef::FuncExact(ty) => {
                let index = self.imported_funcs;
                self.imported_funcs += 1;
                let entry = self.func_entry(FuncKind::Stub, ty);
                let castle = castle_import(import.module, import.name);
                let result = match castle {
                    None if import.module == "castle" => Err(format!(
                        "module `castle` has no function `{}`; it has {}",
                        import.name,
                        ImportKind::ALL.map(ImportKind::name).join(", ")
                    )),
                    None => Err(
                        "imports from modules other than `castle` are not supported by enclaves"
                            .to_string(),
                    ),
                    Some(kind)
                        if !entry.i32_signature
                            || entry.params != kind.params()
                            || entry.results != 1 =>
                    {
                        Err(format!(
                            "castle.{} must have the signature {}",
                            kind.name(),
                            kind.signature()
                        ))
                    }
                    Some(kind) => Ok(kind),
                };
                let kind = result
                    .as_ref()
                    .map_or(FuncKind::Stub, |kind| FuncKind::Import(*kind));
                self.image.functions.push(FuncEntry { kind, ..entry });
                match result {
                    Ok(_) => Ok(()),
                    Err(reason) => {
                        self.func_unsupported(index, unsupported(&name, offset, &reason))
                    }
                }
            }
            TypeRef::Global(ty) => {
                self.global_i32.push(ty.content_type == ValType::I32);
                self.image.globals.push(Global {
                    mutable: ty.mutable,
                    init: 0,
                });
                self.module_unsupported(
                    &name,
                    offset,
                    "imported globals are not supported by enclaves",
                )
            }
            TypeRef::Memory(_) => {
                self.memories += 1;
                self.module_unsupported(
                    &name,
                    offset,
                    "imported memories are not supported by enclaves",
                )
            }
            TypeRef::Table(_) => {
                self.tables += 1;
                self.module_unsupported(
                    &name,
                    offset,
                    "imported tables are not supported by enclaves",
                )
            }
            TypeRef::Tag(_) => {
                self.module_unsupported(&name, offset, "exceptions are not supported by enclaves")
            }
        }
    }

    fn tables(&mut self, reader: wasmparser::TableSectionReader<'_>) -> Result<(), BuildError> {
        for table in reader.into_iter_with_offsets() {
            let (offset, table) = table?;
            self.tables += 1;
            let ty = table.ty;
            if self.tables > 1 {
                self.module_unsupported(
                    "table",
                    offset,
                    "multiple tables are not supported by enclaves",
                )?;
            } else if ty.element_type != RefType::FUNCREF || ty.table64 || ty.shared {
                self.module_unsupported(
                    "table",
                    offset,
                    "only funcref tables are supported by enclaves",
                )?;
            } else if matches!(table.init, TableInit::Expr(_)) {
                self.module_unsupported(
                    "table",
                    offset,
                    "table initializers are not supported by enclaves",
                )?;
            } else if ty.initial > u64::from(self.profile.table_entries) {
                return Err(BuildError::DoesNotFit {
                    profile: self.profile.name,
                    resource: "table elements".into(),
                    need: ty.initial,
                    limit: self.profile.table_entries.into(),
                });
            } else {
                self.image.table = vec![None; ty.initial as usize];
                self.table_ok = true;
            }
        }
        Ok(())
    }

    fn element(&mut self, element: wasmparser::Element<'_>) -> Result<(), BuildError> {
        let offset = element.range.start;
        let ElementKind::Active {
            table_index,
            offset_expr,
        } = element.kind
        else {
            return Ok(()); // passive and declared segments only serve unsupported instructions
        };
        let items: Vec<Option<Option<u32>>> = match element.items {
            ElementItems::Functions(reader) => reader
                .into_iter()
                .map(|f| f.map(|f| Some(Some(f))))
                .collect::<Result<_, _>>()?,
            ElementItems::Expressions(_, reader) => reader
                .into_iter()
                .map(|e| e.and_then(|e| eval_ref(&e)))
                .collect::<Result<_, _>>()?,
        };
        let start = self.eval_i32(&offset_expr)?;
        let (Some(start), Some(items)) = (start, items.into_iter().collect::<Option<Vec<_>>>())
        else {
            return self.module_unsupported(
                "element segment",
                offset,
                "unsupported constant expression",
            );
        };
        if table_index.unwrap_or(0) != 0 || !self.table_ok {
            return Ok(()); // already reported
        }
        let start = start as u32 as usize;
        let Some(slots) = self
            .image
            .table
            .get_mut(start..start.saturating_add(items.len()))
        else {
            return Err(BuildError::InstantiationTrap {
                offset,
                reason: "out of bounds table access",
            });
        };
        slots.copy_from_slice(&items);
        Ok(())
    }

    fn data(&mut self, data: wasmparser::Data<'_>) -> Result<(), BuildError> {
        let offset = data.range.start;
        let DataKind::Active {
            memory_index: 0,
            offset_expr,
        } = data.kind
        else {
            return Ok(()); // passive segments only serve bulk memory; other memories are reported
        };
        let Some(start) = self.eval_i32(&offset_expr)? else {
            return self.module_unsupported(
                "data segment",
                offset,
                "unsupported constant expression",
            );
        };
        let Some(memory) = self.image.memory else {
            return Ok(()); // imported memory, already reported
        };
        let end = u64::from(start as u32) + data.data.len() as u64;
        if end > u64::from(memory.min_pages) * 65536 {
            return Err(BuildError::InstantiationTrap {
                offset,
                reason: "out of bounds memory access",
            });
        }
        self.image.data.push(DataSegment {
            offset: start as u32,
            bytes: data.data.to_vec(),
        });
        Ok(())
    }

    fn body(
        &mut self,
        index: u32,
        body: &wasmparser::FunctionBody<'_>,
        validator: wasmparser::FuncValidator<wasmparser::ValidatorResources>,
    ) -> Result<(), BuildError> {
        let offset = body.range().start;
        let Some(entry) = self.image.functions.get(index as usize) else {
            return Err(unsupported("code", offset, "more bodies than functions"));
        };
        if !entry.i32_signature {
            let reason =
                "the signature is outside the subset (i32 parameters, at most one i32 result)";
            let error = BuildError::UnsupportedInFunc {
                name: "signature".into(),
                offset,
                func: index,
                reason: reason.into(),
            };
            return self.func_unsupported(index, error);
        }
        let results = entry.results;
        let env = Env {
            wasm: self.wasm,
            code_start: self.image.code_offset,
            func_i32: &self.func_i32,
            type_i32: &self.type_i32,
            global_i32: &self.global_i32,
        };
        let entry_stp = self.image.side_table.len();
        match func::translate(
            &env,
            index,
            results,
            body,
            validator,
            &mut self.image.side_table,
        ) {
            Ok(t) => {
                let entry = &mut self.image.functions[index as usize];
                entry.locals = t.locals;
                entry.entry_pc = t.entry_pc;
                entry.end_pc = t.end_pc;
                entry.entry_stp = entry_stp as u32;
                entry.max_stack = t.max_stack;
                Ok(())
            }
            Err(error @ BuildError::UnsupportedInFunc { .. }) => {
                self.image.side_table.truncate(entry_stp);
                self.func_unsupported(index, error)
            }
            Err(error) => Err(error),
        }
    }

    /// Evaluates an i32 constant expression (`i32.const`, `global.get`, extended-const
    /// `i32.add`/`sub`/`mul`); `None` for other forms.
    fn eval_i32(&self, expr: &ConstExpr<'_>) -> Result<Option<i32>, BuildError> {
        let mut stack: Vec<i32> = Vec::new();
        let mut reader = expr.get_operators_reader();
        loop {
            let op = reader.read()?;
            let value = match op {
                Operator::I32Const { value } => value,
                Operator::GlobalGet { global_index } => {
                    match self.image.globals.get(global_index as usize) {
                        Some(global) => global.init,
                        None => return Ok(None),
                    }
                }
                Operator::I32Add | Operator::I32Sub | Operator::I32Mul => {
                    let (Some(b), Some(a)) = (stack.pop(), stack.pop()) else {
                        return Ok(None);
                    };
                    match op {
                        Operator::I32Add => a.wrapping_add(b),
                        Operator::I32Sub => a.wrapping_sub(b),
                        _ => a.wrapping_mul(b),
                    }
                }
                Operator::End => return Ok(stack.pop()),
                _ => return Ok(None),
            };
            stack.push(value);
        }
    }

    /// Records a module-level feature outside the subset (spec mode) or fails.
    fn module_unsupported(
        &mut self,
        name: &str,
        offset: u64,
        reason: &str,
    ) -> Result<(), BuildError> {
        let error = unsupported(name, offset, reason);
        if !self.options.spec_mode {
            return Err(error);
        }
        self.image
            .module_unsupported
            .get_or_insert_with(|| error.to_string());
        Ok(())
    }

    /// Replaces function `index` by a stub (spec mode) or fails.
    fn func_unsupported(&mut self, index: u32, error: BuildError) -> Result<(), BuildError> {
        if !self.options.spec_mode {
            return Err(error);
        }
        if let Some(entry) = self.image.functions.get_mut(index as usize) {
            entry.kind = FuncKind::Stub;
        }
        self.image.unsupported.push((index, error.to_string()));
        Ok(())
    }

    /// Appends `unreachable; end` for every stub and points the stub's entry at it.
    fn append_stubs(&mut self) {
        for entry in self
            .image
            .functions
            .iter_mut()
            .filter(|f| f.kind == FuncKind::Stub)
        {
            entry.entry_pc = self.image.code.len() as u32;
            entry.end_pc = entry.entry_pc + 1;
            entry.entry_stp = self.image.side_table.len() as u32;
            entry.locals = 0;
            entry.max_stack = 0;
            self.image.code.extend([0x00, 0x0b]);
        }
    }
}

/// The capability call `module.name`, if it is one.
fn castle_import(module: &str, name: &str) -> Option<ImportKind> {
    ImportKind::ALL
        .into_iter()
        .find(|k| module == "castle" && k.name() == name)
}

/// Evaluates an element expression: `Some(Some(f))` for `ref.func f`, `Some(None)` for
/// `ref.null`, `None` for other forms.
fn eval_ref(expr: &ConstExpr<'_>) -> wasmparser::Result<Option<Option<u32>>> {
    let mut reader = expr.get_operators_reader();
    let value = match reader.read()? {
        Operator::RefFunc { function_index } => Some(function_index),
        Operator::RefNull { .. } => None,
        _ => return Ok(None),
    };
    Ok(matches!(reader.read()?, Operator::End).then_some(value))
}

/// Whether a signature has only i32 parameters and at most one i32 result.
fn sig_i32(ty: &FuncType) -> bool {
    ty.params()
        .iter()
        .chain(ty.results())
        .all(|t| *t == ValType::I32)
        && ty.results().len() <= 1
}

fn unsupported(name: &str, offset: u64, reason: &str) -> BuildError {
    BuildError::Unsupported {
        name: name.into(),
        offset,
        reason: reason.into(),
    }
}
