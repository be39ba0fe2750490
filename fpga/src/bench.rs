//! The "Area and Fmax" figures of `castle bench`: every block that matters, placed and routed
//! on every device of [`crate::pnr`].
use crate::pnr::{place_route, Device, PnrError, PnrReport};
use castle_rtl::blocks::{export, BlockError, BLOCKS};

/// Blocks measured, in table order, when `castle_rtl::blocks::BLOCKS` has them: blocks added
/// later under these names get their rows without a change here.
pub const AREA_BLOCKS: &[&str] = &["enclave", "ni", "router", "network2x2", "mesh2x2", "leb128", "byte_ram"];

#[derive(Debug, thiserror::Error)]
pub enum AreaError {
    #[error(transparent)]
    Export(#[from] BlockError),
    #[error(transparent)]
    Pnr(#[from] PnrError),
}

/// The blocks of [`AREA_BLOCKS`] that exist now.
pub fn area_blocks() -> Vec<&'static str> {
    AREA_BLOCKS.iter().copied().filter(|n| BLOCKS.iter().any(|b| b.0 == *n)).collect()
}

/// Place and route every block of [`area_blocks`] on every device. `progress(done, total,
/// what)` is called before each run.
pub fn area(progress: &dyn Fn(usize, usize, &str)) -> Result<Vec<PnrReport>, AreaError> {
    let blocks = area_blocks();
    let total = blocks.len() * Device::ALL.len();
    let mut rows = Vec::with_capacity(total);
    for name in blocks {
        let v = export(name)?;
        for device in Device::ALL {
            progress(rows.len(), total, &format!("place and route {name} on {device}"));
            rows.push(place_route(name, &v, device)?);
        }
    }
    progress(total, total, "done");
    Ok(rows)
}
