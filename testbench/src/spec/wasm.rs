//! Binary-level helpers of the spec runner.

/// `wasm` with extra exports `__castle_memory` (memory 0) and `__castle_global_{i}` (every
/// global), so the runner can read state that code outside the subset left.
pub(crate) fn with_state_exports(wasm: &[u8]) -> Vec<u8> {
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
pub(crate) fn call_graph(wasm: &[u8]) -> Vec<(Vec<u32>, bool)> {
    let mut graph = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        let Ok(payload) = payload else { break };
        match payload {
            wasmparser::Payload::ImportSection(reader) => {
                for import in reader.into_imports().flatten() {
                    if matches!(
                        import.ty,
                        wasmparser::TypeRef::Func(_) | wasmparser::TypeRef::FuncExact(_)
                    ) {
                        graph.push((Vec::new(), false));
                    }
                }
            }
            wasmparser::Payload::CodeSectionEntry(body) => {
                let mut calls = (Vec::new(), false);
                for op in body.get_operators_reader().into_iter().flatten().flatten() {
                    match op {
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
