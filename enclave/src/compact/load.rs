//! The compact core's memory layout and what its load port writes to run an image.
//!
//! Program memory (32-bit words): the code bytes from word 0, then the side table (two words
//! an entry: target pc | target stp << 16; drop | keep << 16), the function table (four words a
//! function: entry pc | entry stp << 16; end pc | params << 16 | results << 24 | kind << 25;
//! locals + max stack | locals << 16; signature id), the table elements (function | valid <<
//! 16) and the signature ids of the types. Stack memory: the globals from word 0, the value
//! stack (`vs_base` = the number of globals, up to `vs_end`), then two words per frame up to
//! `cs_top`. The registers ([`Reg`]) tell the core where each part starts.
use crate::core::enclave::LoadTarget;
use crate::core::load::{
    initial_memory, max_pages, Load, PackError, MAX_GLOBALS, MAX_PARAMS, MAX_TYPES,
};
use crate::image::{FuncKind, Image, Profile};

/// Registers of the load port's `Regs` target (its address).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u32)]
pub enum Reg {
    Pages = 0,
    MaxPages = 1,
    TableLen = 2,
    Funcs = 3,
    /// The instruction budget of the next run (32 bits; more means no budget).
    Fuel = 4,
    SideBase = 8,
    FnBase = 9,
    ElemBase = 10,
    TypeBase = 11,
    VsEnd = 13,
    CsTop = 14,
    DepthLimit = 15,
}

/// The memory sizes of a compact core, in 32-bit words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sizes {
    pub prog_words: usize,
    /// Code bytes a pc can address (`2^PC_A`).
    pub code_bytes: usize,
    pub stack_words: usize,
    pub mem_words: usize,
}

/// Where an image's parts lie.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Layout {
    pub side_base: u32,
    pub fn_base: u32,
    pub elem_base: u32,
    pub type_base: u32,
    /// Program-memory words used.
    pub prog_words: u32,
    /// The value stack's first word: a run's arguments go here.
    pub vs_base: u32,
    pub vs_end: u32,
    pub cs_top: u32,
}

/// The load-port writes that put `image` into a compact core with `sizes` memories running
/// `profile`, and the layout; as [`crate::core::load::pack`] for the fast core.
pub fn pack(
    image: &Image,
    profile: &Profile,
    sizes: &Sizes,
) -> Result<(Vec<Load>, Layout), PackError> {
    let check = |what, need: usize, limit: usize| match need > limit {
        true => Err(PackError { what, need, limit }),
        false => Ok(()),
    };
    check(
        "code bytes",
        image.code.len(),
        (profile.code_bytes as usize).min(sizes.code_bytes),
    )?;
    check(
        "side-table entries",
        image.side_table.len(),
        profile.side_entries as usize,
    )?;
    check("functions", image.functions.len(), 1 << 16)?;
    check("globals", image.globals.len(), MAX_GLOBALS)?;
    check("types", image.type_ids.len(), MAX_TYPES)?;
    check(
        "table elements",
        image.table.len(),
        profile.table_entries as usize,
    )?;
    if let Some(f) = image.functions.iter().find(|f| f.params > MAX_PARAMS) {
        check(
            "parameters in one function",
            f.params as usize,
            MAX_PARAMS as usize,
        )?;
    }
    let pages = image.memory.map_or(0, |m| m.min_pages);
    // Memory smaller than a page holds one page's first bytes (`Profile::memory_bytes`;
    // the core bounds accesses by it).
    let physical = sizes.mem_words * 4;
    check(
        "linear memory pages",
        pages as usize,
        (profile.memory_pages as usize).min(physical.div_ceil(crate::model::PAGE)),
    )?;
    let data_end = image
        .data
        .iter()
        .map(|s| s.offset as usize + s.bytes.len())
        .max()
        .unwrap_or(0);
    let memory_bytes = (profile.memory_bytes.unwrap_or(u32::MAX) as usize).min(physical);
    check(
        "bytes of physical linear memory for its data segments",
        data_end,
        memory_bytes,
    )?;
    let code_words = image.code.len().div_ceil(4) as u32;
    let side_base = code_words;
    let fn_base = side_base + 2 * image.side_table.len() as u32;
    let elem_base = fn_base + 4 * image.functions.len() as u32;
    let type_base = elem_base + image.table.len() as u32;
    let prog_words = type_base + image.type_ids.len() as u32;
    check(
        "program-memory words",
        prog_words as usize,
        sizes.prog_words,
    )?;
    let vs_base = image.globals.len() as u32;
    let vs_end = vs_base + profile.value_stack_words;
    let cs_top = vs_end + 2 * profile.call_depth;
    check("stack-memory words", cs_top as usize, sizes.stack_words)?;
    let layout = Layout {
        side_base,
        fn_base,
        elem_base,
        type_base,
        prog_words,
        vs_base,
        vs_end,
        cs_top,
    };
    let mut out = Vec::new();
    let mut put = |target, addr: u32, data: u64| out.push(Load { target, addr, data });
    let prog = LoadTarget::Code;
    for (i, word) in (0..).zip(image.code.chunks(4)) {
        let mut w = [0u8; 4];
        w[..word.len()].copy_from_slice(word);
        put(prog, i, u32::from_le_bytes(w).into());
    }
    for (i, e) in (0..).zip(&image.side_table) {
        put(
            prog,
            side_base + 2 * i,
            (e.target_pc as u64 & 0xffff) | (e.target_stp as u64 & 0xffff) << 16,
        );
        put(
            prog,
            side_base + 2 * i + 1,
            (e.drop as u64 & 0xffff) | (e.keep as u64 & 1) << 16,
        );
    }
    for (i, f) in (0..).zip(&image.functions) {
        let kind: u64 = match f.kind {
            FuncKind::Defined | FuncKind::Stub => 0,
            FuncKind::Import(kind) => kind.code().into(),
        };
        let need = (f.locals as u64 + f.max_stack as u64).min(0xffff);
        let base = fn_base + 4 * i;
        put(
            prog,
            base,
            (f.entry_pc as u64 & 0xffff) | (f.entry_stp as u64 & 0xffff) << 16,
        );
        put(
            prog,
            base + 1,
            (f.end_pc as u64 & 0xffff)
                | (f.params as u64 & 0xff) << 16
                | (f.results.min(1) as u64) << 24
                | kind << 25,
        );
        put(prog, base + 2, need | (f.locals as u64 & 0xffff) << 16);
        put(prog, base + 3, f.type_id as u64 & 0xffff);
    }
    for (i, e) in (0..).zip(&image.table) {
        put(
            prog,
            elem_base + i,
            e.map_or(0, |f| (f as u64 & 0xffff) | 1 << 16),
        );
    }
    for (i, t) in (0..).zip(&image.type_ids) {
        put(prog, type_base + i, *t as u64);
    }
    for (i, g) in (0..).zip(&image.globals) {
        put(LoadTarget::Stack, i, g.init as u32 as u64);
    }
    let reg = |r: Reg| r as u32;
    put(LoadTarget::Regs, reg(Reg::Pages), pages.into());
    put(
        LoadTarget::Regs,
        reg(Reg::MaxPages),
        max_pages(image, profile).into(),
    );
    put(
        LoadTarget::Regs,
        reg(Reg::TableLen),
        image.table.len() as u64,
    );
    put(
        LoadTarget::Regs,
        reg(Reg::Funcs),
        image.functions.len() as u64,
    );
    put(LoadTarget::Regs, reg(Reg::SideBase), side_base.into());
    put(LoadTarget::Regs, reg(Reg::FnBase), fn_base.into());
    put(LoadTarget::Regs, reg(Reg::ElemBase), elem_base.into());
    put(LoadTarget::Regs, reg(Reg::TypeBase), type_base.into());
    put(LoadTarget::Regs, reg(Reg::VsEnd), vs_end.into());
    put(LoadTarget::Regs, reg(Reg::CsTop), cs_top.into());
    put(
        LoadTarget::Regs,
        reg(Reg::DepthLimit),
        profile.call_depth.into(),
    );
    let memory = initial_memory(image).ok_or(PackError {
        what: "bytes of linear memory for its data segments",
        need: image
            .data
            .iter()
            .map(|s| s.offset as usize + s.bytes.len())
            .max()
            .unwrap_or(0),
        limit: pages as usize * crate::model::PAGE,
    })?;
    for (i, w) in (0..).zip(memory.chunks(4)) {
        let mut b = [0u8; 4];
        b[..w.len()].copy_from_slice(w);
        let word = u32::from_le_bytes(b);
        if word != 0 {
            put(LoadTarget::Memory, i, word.into());
        }
    }
    Ok((out, layout))
}
