//! Linear memory of the model.

/// Bytes per Wasm page.
pub const PAGE: usize = 65536;

/// Linear memory: `pages` 64 KiB pages, growable up to a limit; accesses at or beyond
/// `physical` bytes trap even inside the pages (a profile's `memory_bytes`).
#[derive(Debug, Clone)]
pub(crate) struct Memory {
    bytes: Vec<u8>,
    max_pages: u32,
    physical: usize,
}

impl Memory {
    /// A zeroed memory of `pages` pages that can grow to `max_pages`, of which the first
    /// `physical` bytes exist (`None`: all of it).
    pub(crate) fn new(pages: u32, max_pages: u32, physical: Option<u32>) -> Self {
        Memory {
            bytes: vec![0; pages as usize * PAGE],
            max_pages,
            physical: physical.map_or(usize::MAX, |b| b as usize),
        }
    }

    pub(crate) fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub(crate) fn bytes_mut(&mut self) -> &mut [u8] {
        &mut self.bytes
    }

    /// Replaces the contents; `false` (nothing changes) unless `bytes` is a whole number of
    /// pages within the limit.
    pub(crate) fn replace(&mut self, bytes: &[u8]) -> bool {
        let fits =
            bytes.len().is_multiple_of(PAGE) && bytes.len() / PAGE <= self.max_pages as usize;
        if fits {
            self.bytes = bytes.to_vec();
        }
        fits
    }

    /// Bytes an access may reach: the pages, or the physical memory when smaller.
    pub(crate) fn limit(&self) -> usize {
        self.bytes.len().min(self.physical)
    }

    pub(crate) fn pages(&self) -> u32 {
        (self.bytes.len() / PAGE) as u32
    }

    /// `memory.grow`: the old size in pages, or -1 if the limit would be exceeded.
    pub(crate) fn grow(&mut self, delta: u32) -> i32 {
        let old = self.pages();
        match old.checked_add(delta) {
            Some(new) if new <= self.max_pages => {
                self.bytes.resize(new as usize * PAGE, 0);
                old as i32
            }
            _ => -1,
        }
    }

    /// The `N` bytes at `addr + offset`, or `None` when out of bounds.
    pub(crate) fn load<const N: usize>(&self, addr: u32, offset: u32) -> Option<[u8; N]> {
        let start = usize::try_from(u64::from(addr) + u64::from(offset)).ok()?;
        if start.checked_add(N)? > self.physical {
            return None;
        }
        self.bytes
            .get(start..start.checked_add(N)?)?
            .try_into()
            .ok()
    }

    /// Writes `value` at `addr + offset`; `false` when out of bounds (nothing is written).
    pub(crate) fn store(&mut self, addr: u32, offset: u32, value: &[u8]) -> bool {
        let Ok(start) = usize::try_from(u64::from(addr) + u64::from(offset)) else {
            return false;
        };
        match start
            .checked_add(value.len())
            .filter(|end| *end <= self.physical)
            .and_then(|end| self.bytes.get_mut(start..end))
        {
            Some(slot) => {
                slot.copy_from_slice(value);
                true
            }
            None => false,
        }
    }
}
