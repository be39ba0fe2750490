//! The "Area and Fmax" figures of `castle bench`: every block that matters, placed and routed
//! on every device of [`crate::pnr`].
use crate::pnr::{place_route, Device, PnrError, PnrReport};
use crate::wrap::{serial_io, WrapError};
use castle_rtl::blocks::{export, BlockError, BLOCKS};

/// Blocks measured, in table order, when `castle_rtl::blocks::BLOCKS` has them: blocks added
/// later under these names get their rows without a change here.
pub const AREA_BLOCKS: &[&str] = &[
    "enclave",
    "compact_hx8k",
    "ni",
    "router",
    "network2x2",
    "mesh2x2",
    "leb128",
    "byte_ram",
];

/// Whether `block` is placed on `device`: the ECP5-profile enclave needs 56 block RAMs, the
/// HX8K has 32 (the `enclave_hx8k` configuration is measured by scripts/enclave-ice40.sh).
pub fn fits(block: &str, device: Device) -> bool {
    !(block == "enclave" && device == Device::Ice40Hx8k)
}

/// Whether `block` is placed inside the serial-I/O wrapper ([`crate::wrap::serial_io`]; its
/// row is then named `NAME_serial`): the cores have more port bits than either package has
/// pins (the enclave 369, CABGA381 has 365), the 2x2 network 955. The wrapper adds one
/// flip-flop per port bit and about one LUT4 per output bit.
pub fn serial(block: &str) -> bool {
    matches!(block, "enclave" | "compact_hx8k" | "network2x2")
}

#[derive(Debug, thiserror::Error)]
pub enum AreaError {
    #[error(transparent)]
    Export(#[from] BlockError),
    #[error(transparent)]
    Pnr(#[from] PnrError),
    #[error(transparent)]
    Wrap(#[from] WrapError),
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
        let (row, v) = match serial(name) {
            true => (format!("{name}_serial"), serial_io(&export(name)?)?.verilog),
            false => (name.to_string(), export(name)?),
        };
        for device in Device::ALL.into_iter().filter(|d| fits(name, *d)) {
            progress(
                rows.len(),
                total,
                &format!("place and route {row} on {device}"),
            );
            rows.push(place_route(&row, &v, device)?);
        }
    }
    progress(total, total, "done");
    Ok(rows)
}
