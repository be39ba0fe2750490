//! Verilog export of any rust-hdl block, without rust-hdl's panics.
//!
//! `generate_verilog` unwraps its design-rule check and panics on an out-of-range constant
//! index; here both become errors. The top module is always called `top` (rust-hdl's choice);
//! harnesses give it a distinct C++ name with Verilator's `--prefix`.
use rust_hdl::prelude::*;
use std::panic::{catch_unwind, AssertUnwindSafe};

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("design check of `{block}` failed: {detail}")]
    Check { block: String, detail: String },
    #[error("Verilog generation for `{block}` panicked: {detail}")]
    Panic { block: String, detail: String },
}

/// Connect, check and export `uut` as Verilog. `block` names it in errors.
pub fn verilog<B: Block>(block: &str, uut: &mut B) -> Result<String, ExportError> {
    uut.connect_all();
    check_all(uut).map_err(|e| ExportError::Check {
        block: block.into(),
        detail: format!("{e:?}"),
    })?;
    // generate_verilog_unchecked has no Result; a panic inside it is a design bug we report.
    // (The panic hook is left alone: swapping it is racy when tests run in parallel.)
    let v = catch_unwind(AssertUnwindSafe(|| generate_verilog_unchecked(uut))).map_err(|p| {
        let detail = p
            .downcast_ref::<String>()
            .cloned()
            .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
            .unwrap_or_else(|| "unknown panic".into());
        ExportError::Panic {
            block: block.into(),
            detail,
        }
    })?;
    Ok(prune_enum_params(&v))
}

/// Drops the `localparam`s of a module that the module never uses. rust-hdl writes every
/// variant of a state enum into each module that carries the enum, the flip-flop holding a
/// named state included, where none is read (Verilator's UNUSEDPARAM).
pub fn prune_enum_params(verilog: &str) -> String {
    let mut out = String::with_capacity(verilog.len());
    let mut rest = verilog;
    while let Some(start) = rest.find("\nmodule ") {
        let body_start = start + 1;
        let Some(len) = rest[body_start..].find("\nendmodule") else {
            break;
        };
        out.push_str(&rest[..body_start]);
        out.push_str(&prune_module(&rest[body_start..body_start + len]));
        rest = &rest[body_start + len..];
    }
    out.push_str(rest);
    out
}

fn prune_module(module: &str) -> String {
    let lines: Vec<&str> = module.split_inclusive('\n').collect();
    let param = |l: &str| {
        let t = l.trim_start().strip_prefix("localparam")?;
        let name = t
            .trim_start()
            .split(|c: char| c == '=' || c.is_whitespace())
            .next()?;
        (!name.is_empty()).then_some(name.to_string())
    };
    let used = |name: &str, skip: usize| {
        lines
            .iter()
            .enumerate()
            .any(|(i, l)| i != skip && identifiers(l).contains(&name))
    };
    lines
        .iter()
        .enumerate()
        .filter(|(i, l)| param(l).is_none_or(|n| used(&n, *i)))
        .map(|(_, l)| *l)
        .collect()
}

#[cfg(test)]
mod prune_tests {
    #[test]
    fn unused_localparams_go_used_ones_stay() {
        let v = "\nmodule top$s(d,q);\n    localparam St$A = 0;\n    localparam St$B = 1;\n    reg q;\nendmodule // top$s\n\nmodule top(a);\n    localparam St$A = 0;\n    localparam St$AB = 2;\n    always @(*) if (a == St$AB) q = 1;\nendmodule // top\n";
        let p = super::prune_enum_params(v);
        assert!(!p.contains("localparam St$B"), "{p}");
        assert!(!p.contains("localparam St$A = 0"), "{p}");
        assert!(p.contains("localparam St$AB = 2"), "{p}");
        assert!(
            p.contains("endmodule // top$s") && p.contains("reg q;"),
            "{p}"
        );
    }
}

/// Merges identical modules of `verilog`: rust-hdl writes one module per instance (a cluster
/// of 16 enclaves holds 16 copies of the core), and Verilator and yosys compile every copy.
/// Modules are compared children first, with their own name blanked out; each set of equal
/// modules keeps one name (the first in that order) and every instantiation names it. The result elaborates to the same
/// hardware (instances keep their names, so signal paths in traces do not change).
pub fn dedup_modules(verilog: &str) -> String {
    struct Module {
        name: String,
        text: String,
    }
    let mut modules = Vec::new();
    let mut rest = verilog;
    let mut preamble = String::new();
    while let Some(start) = rest.find("module ") {
        let header_end = rest[start..].find('(').map(|i| start + i);
        let Some(header_end) = header_end else { break };
        let name = rest[start + "module ".len()..header_end].trim().to_string();
        let end_tag = format!("endmodule // {name}\n");
        let Some(end) = rest[start..]
            .find(&end_tag)
            .map(|i| start + i + end_tag.len())
        else {
            break;
        };
        if modules.is_empty() {
            preamble.push_str(&rest[..start]);
        }
        modules.push(Module {
            name,
            text: rest[start..end].to_string(),
        });
        rest = &rest[end..];
    }
    if modules.is_empty() {
        return verilog.to_string();
    }
    let names: std::collections::HashSet<String> = modules.iter().map(|m| m.name.clone()).collect();
    // Instantiation lines: `    <module> <instance>(`.
    let instantiated = |line: &str| -> Option<(usize, usize)> {
        let t = line.strip_prefix("    ")?;
        let sp = t.find(' ')?;
        (t.trim_end().ends_with('(') && names.contains(&t[..sp])).then_some((4, 4 + sp))
    };
    // Children before parents: a depth-first order over the instantiations.
    let index: std::collections::HashMap<&str, usize> = modules
        .iter()
        .enumerate()
        .map(|(i, m)| (m.name.as_str(), i))
        .collect();
    let children: Vec<Vec<usize>> = modules
        .iter()
        .map(|m| {
            m.text
                .lines()
                .filter_map(|l| instantiated(l).map(|(a, b)| index[&l[a..b]]))
                .collect()
        })
        .collect();
    let mut order = Vec::with_capacity(modules.len());
    let mut seen = vec![false; modules.len()];
    for root in 0..modules.len() {
        let mut stack = vec![(root, 0usize)];
        while let Some((m, next)) = stack.pop() {
            if next == 0 {
                if seen[m] {
                    continue;
                }
                seen[m] = true;
            }
            match children[m].get(next) {
                Some(&c) => {
                    stack.push((m, next + 1));
                    if !seen[c] {
                        stack.push((c, 0));
                    }
                }
                None => order.push(m),
            }
        }
    }
    let mut canonical: std::collections::HashMap<String, String> = Default::default();
    let mut by_body: std::collections::HashMap<String, String> = Default::default();
    for &i in &order {
        let m = &mut modules[i];
        let mut text = String::with_capacity(m.text.len());
        for line in m.text.split_inclusive('\n') {
            match instantiated(line) {
                Some((a, b)) => {
                    let child = &line[a..b];
                    text.push_str(&line[..a]);
                    text.push_str(canonical.get(child).map_or(child, String::as_str));
                    text.push_str(&line[b..]);
                }
                None => text.push_str(line),
            }
        }
        let body = text
            .replacen(&format!("module {}(", m.name), "module \u{0}(", 1)
            .replacen(
                &format!("endmodule // {}\n", m.name),
                "endmodule // \u{0}\n",
                1,
            );
        let keep = by_body
            .entry(body)
            .or_insert_with(|| m.name.clone())
            .clone();
        canonical.insert(m.name.clone(), keep);
        m.text = text;
    }
    let mut out = preamble;
    for m in &modules {
        if canonical.get(&m.name) == Some(&m.name) {
            out.push_str(&m.text);
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::dedup_modules;

    #[test]
    fn identical_modules_merge_and_instances_follow() {
        let v =
            "\n\nmodule top(a);\n    top$x x(\n    );\n    top$y y(\n    );\nendmodule // top\n\n\
                 module top$x(a);\n    top$x$r r(\n    );\nendmodule // top$x\n\n\
                 module top$x$r(a);\n    assign a = 1;\nendmodule // top$x$r\n\n\
                 module top$y(a);\n    top$y$r r(\n    );\nendmodule // top$y\n\n\
                 module top$y$r(a);\n    assign a = 1;\nendmodule // top$y$r\n";
        let d = dedup_modules(v);
        assert!(d.contains("    top$x y(\n"), "{d}");
        assert!(!d.contains("module top$y"), "{d}");
        assert!(!d.contains("module top$x$r") || !d.contains("module top$y$r"));
        let modules = |v: &str| v.lines().filter(|l| l.starts_with("module ")).count();
        assert_eq!(modules(&d), 3, "{d}");
        // Different bodies stay apart.
        let v2 = v.replacen(
            "assign a = 1;\nendmodule // top$y$r",
            "assign a = 0;\nendmodule // top$y$r",
            1,
        );
        assert_eq!(modules(&dedup_modules(&v2)), 5);
    }
}

/// Renames the top module `top` to `name` and every submodule `top$...` to `name$...` (a
/// user integrating a block does not want a module called `top`). `None` unless `name` is a
/// plain Verilog identifier.
pub fn rename_top(verilog: &str, name: &str) -> Option<String> {
    let mut chars = name.chars();
    let first_ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    let bytes = verilog.as_bytes();
    let ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_' || b == b'$';
    let mut out = String::with_capacity(verilog.len());
    let mut i = 0;
    while let Some(k) = verilog[i..].find("top") {
        let at = i + k;
        let before_ok = at == 0 || !ident(bytes[at - 1]);
        let after = bytes.get(at + 3).copied();
        // `top$...` (a submodule), `top(` (the header) or `top` at the end of a line
        // (`endmodule // top`).
        let after_ok = matches!(after, Some(b'$') | Some(b'(') | Some(b'\n') | None);
        out.push_str(&verilog[i..at]);
        out.push_str(if before_ok && after_ok { name } else { "top" });
        i = at + 3;
    }
    out.push_str(&verilog[i..]);
    Some(out)
}

#[cfg(test)]
mod rename_tests {
    use super::rename_top;

    #[test]
    fn renames_modules_not_signals() {
        let v = "module top(a);\n    wire stop$q;\n    top$x x(\n    );\nendmodule // top\nmodule top$x(a);\nendmodule // top$x\n";
        let r = rename_top(v, "castle_cluster").unwrap();
        assert!(r.contains("module castle_cluster(a);"), "{r}");
        assert!(r.contains("    castle_cluster$x x("), "{r}");
        assert!(r.contains("endmodule // castle_cluster\n"), "{r}");
        assert!(r.contains("module castle_cluster$x(a);"), "{r}");
        assert!(r.contains("wire stop$q;"), "{r}");
        assert!(!r.contains(" top$") && !r.contains("module top"), "{r}");
        assert!(rename_top(v, "1bad").is_none());
        assert!(rename_top(v, "a-b").is_none());
    }
}

/// Splits every `always @(*)` block of `verilog` into independent blocks, one per group of
/// signals that must be computed together, keeping each statement's order.
///
/// rust-hdl writes a module's whole combinational logic, its wiring to submodules included,
/// as one `always @(*)`. A simulator schedules such a block as one process: when it reads a
/// submodule's output and drives one of its inputs, the module and the submodule form a
/// combinational cycle (Verilator's UNOPTFLAT) although no signal depends on itself, and
/// Verilator evaluates the cycle again and again until it settles. Splitting removes those
/// false cycles, so it can order the logic once.
///
/// A top-level statement is a line at the block's first indentation with the lines nested
/// under it (`if ... end else ... end`, `case ... endcase`). Statements that write the same
/// signal stay together; a statement that reads a signal before the signal's last write in
/// the block (it sees an intermediate value) stays with that signal's writers. Each group
/// becomes its own block: every signal is written in one block only and every read sees the
/// value it saw before, so the hardware is the same.
pub fn split_always(verilog: &str) -> String {
    let mut out = String::with_capacity(verilog.len() + verilog.len() / 8);
    let mut lines = verilog.split_inclusive('\n').peekable();
    while let Some(line) = lines.next() {
        if line.trim_end() != "    always @(*) begin" {
            out.push_str(line);
            continue;
        }
        let mut body = Vec::new();
        for l in lines.by_ref() {
            if l.trim_end() == "    end" {
                break;
            }
            body.push(l);
        }
        out.push_str(&split_block(&body));
    }
    out
}

/// One `always @(*)` body (its lines, without `begin`/`end`) as one or more blocks.
fn split_block(body: &[&str]) -> String {
    // Top-level statements.
    let mut stmts: Vec<Vec<&str>> = Vec::new();
    for &l in body {
        let indent = l.len() - l.trim_start().len();
        let t = l.trim_start();
        let continues =
            indent > 8 || t.starts_with("end") || t.starts_with("else") || t.trim().is_empty();
        match stmts.last_mut() {
            Some(s) if continues => s.push(l),
            _ => stmts.push(vec![l]),
        }
    }
    let (mut writes, mut reads) = (Vec::new(), Vec::new());
    for s in &stmts {
        let (w, r) = writes_and_reads(s);
        writes.push(w);
        reads.push(r);
    }
    // Union-find over statements.
    let mut parent: Vec<usize> = (0..stmts.len()).collect();
    fn find(p: &mut [usize], mut i: usize) -> usize {
        while p[i] != i {
            p[i] = p[p[i]];
            i = p[i];
        }
        i
    }
    let union = |p: &mut Vec<usize>, a: usize, b: usize| {
        let (ra, rb) = (find(p, a), find(p, b));
        if ra != rb {
            p[ra.max(rb)] = ra.min(rb);
        }
    };
    let mut writers: std::collections::HashMap<&str, Vec<usize>> = Default::default();
    for (i, w) in writes.iter().enumerate() {
        for &sig in w {
            writers.entry(sig).or_default().push(i);
        }
    }
    for ws in writers.values() {
        for &i in &ws[1..] {
            union(&mut parent, ws[0], i);
        }
    }
    for (i, r) in reads.iter().enumerate() {
        for sig in r {
            if let Some(ws) = writers.get(sig) {
                if ws.last().is_some_and(|&last| last >= i) {
                    union(&mut parent, ws[0], i);
                }
            }
        }
    }
    let mut groups: Vec<(usize, Vec<usize>)> = Vec::new();
    for i in 0..stmts.len() {
        let root = find(&mut parent, i);
        match groups.iter_mut().find(|(r, _)| *r == root) {
            Some((_, g)) => g.push(i),
            None => groups.push((root, vec![i])),
        }
    }
    let mut out = String::new();
    for (_, g) in groups {
        out.push_str("    always @(*) begin\n");
        for &i in &g {
            for l in &stmts[i] {
                out.push_str(l);
            }
        }
        out.push_str("    end\n");
    }
    out
}

/// Signals a statement assigns (the left side of `=`), and identifiers it reads.
fn writes_and_reads<'a>(stmt: &[&'a str]) -> (Vec<&'a str>, Vec<&'a str>) {
    let (mut w, mut r) = (Vec::new(), Vec::new());
    for l in stmt {
        let t = l.trim_start();
        let mut rest = t;
        if let Some(eq) = assignment_eq(t) {
            let lhs = &t[..eq];
            let name_end = lhs
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_' || c == '$'))
                .unwrap_or(lhs.len());
            w.push(&lhs[..name_end]);
            // An index on the left side is read.
            r.extend(identifiers(&lhs[name_end..]));
            rest = &t[eq + 1..];
        }
        r.extend(identifiers(rest));
    }
    (w, r)
}

/// The position of the `=` of an assignment line `name = ...;` or `name[...] = ...;`.
fn assignment_eq(t: &str) -> Option<usize> {
    let b = t.as_bytes();
    if !b
        .first()
        .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
    {
        return None;
    }
    let mut i = 0;
    while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'$') {
        i += 1;
    }
    if matches!(
        &t[..i],
        "if" | "else" | "case" | "begin" | "end" | "endcase" | "default"
    ) {
        return None;
    }
    let skip_spaces = |mut i: usize| {
        while b.get(i) == Some(&b' ') {
            i += 1;
        }
        i
    };
    i = skip_spaces(i);
    if b.get(i) == Some(&b'[') {
        let mut depth = 0;
        while i < b.len() {
            match b[i] {
                b'[' => depth += 1,
                b']' => depth -= 1,
                _ => {}
            }
            i += 1;
            if depth == 0 {
                break;
            }
        }
        i = skip_spaces(i);
    }
    (b.get(i) == Some(&b'=') && b.get(i + 1) != Some(&b'=')).then_some(i)
}

/// Identifiers in `s`, skipping the digits and letters of sized literals (`17'h1ffff`).
fn identifiers(s: &str) -> Vec<&str> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'\'' {
            // A literal's base and digits.
            i += 1;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_' || b[i] == b'$') {
                i += 1;
            }
            let word = &s[start..i];
            if !matches!(
                word,
                "if" | "else" | "begin" | "end" | "case" | "endcase" | "default"
            ) {
                out.push(word);
            }
        } else if c.is_ascii_digit() {
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
        } else {
            i += 1;
        }
    }
    out
}

#[cfg(test)]
mod split_tests {
    use super::split_always;

    #[test]
    fn independent_statements_get_their_own_blocks() {
        let v = "module m(a, b, c, x, y);\n    always @(*) begin\n        x = a;\n        y = 1'b0;\n        if (b) begin\n            y = c;\n        end\n        z = x & y;\n        w = 17'h1ffff & a;\n    end\nendmodule\n";
        let s = split_always(v);
        assert_eq!(s.matches("always @(*) begin").count(), 4, "{s}");
        assert!(
            s.contains(
                "        y = 1'b0;\n        if (b) begin\n            y = c;\n        end\n"
            ),
            "{s}"
        );
    }

    #[test]
    fn a_read_of_an_intermediate_value_keeps_the_statements_together() {
        let v = "    always @(*) begin\n        x = a;\n        y = x;\n        x = b;\n    end\n";
        let s = split_always(v);
        assert_eq!(s.matches("always @(*) begin").count(), 1, "{s}");
    }
}
