//! The "Area and Fmax" figures of `castle bench`: every block that matters, placed and routed
//! on every device of [`crate::pnr`].
use crate::pnr::{place_route, Device, PnrError, PnrReport};
use castle_rtl::blocks::{export, BlockError, BLOCKS};

/// Blocks measured, in table order, when `castle_rtl::blocks::BLOCKS` has them: blocks added
/// later under these names get their rows without a change here.
pub const AREA_BLOCKS: &[&str] = &[
    "enclave",
    "ni",
    "router",
    "network2x2",
    "mesh2x2",
    "leb128",
    "byte_ram",
];

/// Whether `block` is placed on `device` out of context (every port on a pin): the enclave
/// core has 251 ports and 5,600 LUT4 of the HX8K's 7,680 (its iCE40 synthesis figures are in
/// `castle bench --only enclave`); the 2x2 network exposes 955 ports, more than either
/// package has (its logic is four routers and four NIs). The NI (184 port bits since the
/// enclave streams the payload) fits both.
pub fn fits(block: &str, device: Device) -> bool {
    match block {
        "enclave" => device != Device::Ice40Hx8k,
        "network2x2" => false,
        _ => true,
    }
}

#[derive(Debug, thiserror::Error)]
pub enum AreaError {
    #[error(transparent)]
    Export(#[from] BlockError),
    #[error(transparent)]
    Pnr(#[from] PnrError),
}

/// The blocks of [`AREA_BLOCKS`] that exist now.
pub fn area_blocks() -> Vec<&'static str> {
    AREA_BLOCKS
        .iter()
        .copied()
        .filter(|n| BLOCKS.iter().any(|b| b.0 == *n))
        .collect()
}

/// Place and route every block of [`area_blocks`] on every device. `progress(done, total,
/// what)` is called before each run.
pub fn area(progress: &dyn Fn(usize, usize, &str)) -> Result<Vec<PnrReport>, AreaError> {
    let blocks = area_blocks();
    let total = blocks
        .iter()
        .map(|b| Device::ALL.iter().filter(|d| fits(b, **d)).count())
        .sum();
    let mut rows = Vec::with_capacity(total);
    for name in blocks {
        let v = export(name)?;
        for device in Device::ALL.into_iter().filter(|d| fits(name, *d)) {
            progress(
                rows.len(),
                total,
                &format!("place and route {name} on {device}"),
            );
            rows.push(place_route(name, &v, device)?);
        }
    }
    progress(total, total, "done");
    Ok(rows)
}
