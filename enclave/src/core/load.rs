//! What the privileged load port writes to run an image: [`pack`] turns an [`Image`] into
//! load-port words, checked against the sizes of the core that will run it.
use super::enclave::{LoadTarget, MISC_TYPES};
use crate::image::{FuncKind, Image, Profile};

/// Globals the core holds (`Misc` words 0..256).
pub const MAX_GLOBALS: usize = 256;
/// Signature ids the core holds (`Misc` words 256..512).
pub const MAX_TYPES: usize = 256;
/// Parameters of one function (an 8-bit field of the function table).
pub const MAX_PARAMS: u32 = 255;

/// One write of the load port.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Load {
    pub target: LoadTarget,
    pub addr: u32,
    pub data: u64,
}

/// An image that does not fit the core's memories.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the image needs {need} {what}, the core has {limit}")]
pub struct PackError {
    pub what: &'static str,
    pub need: usize,
    pub limit: usize,
}

/// The load-port writes that put `image` into a core of `profile` with room for `functions`
/// functions, in this order: code, side table, function table, globals, signature ids, table
/// elements, the size registers (pages, maximum pages, table length, function count), and
/// the words of the data segments (linear memory is otherwise left as it is: zero in a fresh
/// core). Linear memory starts with the image's `min_pages`; `memory.grow` may reach the
/// smaller of its maximum and the profile's pages.
pub fn pack(image: &Image, profile: &Profile, functions: usize) -> Result<Vec<Load>, PackError> {
    let check = |what, need: usize, limit: usize| match need > limit {
        true => Err(PackError { what, need, limit }),
        false => Ok(()),
    };
    check("code bytes", image.code.len(), profile.code_bytes as usize)?;
    check(
        "side-table entries",
        image.side_table.len(),
        profile.side_entries as usize,
    )?;
    check("functions", image.functions.len(), functions)?;
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
    check(
        "linear memory pages",
        pages as usize,
        profile.memory_pages as usize,
    )?;
    let mut out = Vec::new();
    let mut put = |target, addr: u32, data: u64| out.push(Load { target, addr, data });
    for (i, word) in (0..).zip(image.code.chunks(4)) {
        let mut w = [0u8; 4];
        w[..word.len()].copy_from_slice(word);
        put(LoadTarget::Code, i, u32::from_le_bytes(w).into());
    }
    for (i, e) in (0..).zip(&image.side_table) {
        let data = (e.target_pc as u64 & 0xffff)
            | (e.target_stp as u64 & 0xffff) << 16
            | (e.keep as u64 & 1) << 32
            | (e.drop as u64 & 0xffff) << 33;
        put(LoadTarget::Side, i, data);
    }
    for (i, f) in (0..).zip(&image.functions) {
        let kind: u64 = match f.kind {
            FuncKind::Defined | FuncKind::Stub => 0,
            FuncKind::Import(kind) => kind.code().into(),
        };
        let lo = (f.entry_pc as u64 & 0xffff)
            | (f.entry_stp as u64 & 0xffff) << 16
            | (f.end_pc as u64 & 0xffff) << 32
            | (f.params as u64 & 0xff) << 48
            | (f.results.min(1) as u64) << 56
            | kind << 57;
        let hi = (f.locals as u64 & 0xffff)
            | (f.max_stack as u64 & 0xffff) << 16
            | (f.type_id as u64 & 0xffff) << 32;
        put(LoadTarget::Func, 2 * i, lo);
        put(LoadTarget::Func, 2 * i + 1, hi);
    }
    for (i, g) in (0..).zip(&image.globals) {
        put(LoadTarget::Misc, i, g.init as u32 as u64);
    }
    for (i, t) in (0..).zip(&image.type_ids) {
        put(LoadTarget::Misc, MISC_TYPES + i, *t as u64);
    }
    for (i, e) in (0..).zip(&image.table) {
        put(
            LoadTarget::Elem,
            i,
            e.map_or(0, |f| (f as u64 & 0xffff) | 1 << 16),
        );
    }
    put(LoadTarget::Regs, 0, pages.into());
    put(LoadTarget::Regs, 1, max_pages(image, profile).into());
    put(LoadTarget::Regs, 2, image.table.len() as u64);
    put(LoadTarget::Regs, 3, image.functions.len() as u64);
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
    Ok(out)
}

/// The pages `memory.grow` may reach on `profile`.
pub fn max_pages(image: &Image, profile: &Profile) -> u32 {
    image.memory.map_or(0, |m| {
        m.max_pages.unwrap_or(u32::MAX).min(profile.memory_pages)
    })
}

/// Linear memory at instantiation (`min_pages`, the data segments copied in), or `None` when a
/// segment does not fit.
pub fn initial_memory(image: &Image) -> Option<Vec<u8>> {
    let pages = image.memory.map_or(0, |m| m.min_pages) as usize;
    let mut memory = vec![0u8; pages * crate::model::PAGE];
    for segment in &image.data {
        let start = segment.offset as usize;
        let end = start.checked_add(segment.bytes.len())?;
        memory.get_mut(start..end)?.copy_from_slice(&segment.bytes);
    }
    Some(memory)
}
