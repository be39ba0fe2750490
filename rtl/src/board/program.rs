//! The boot program of a board cluster: every enclave's image and c-list, then the starts
//! (see [`super::boot`] for the encoding).
//!
//! Order, as the Verilator harness loads a cluster: each enclave's image (the compact core's
//! load-port writes, `castle_enclave::compact::load::pack`), an unlimited instruction budget
//! and its c-list, and the UART gateway's c-list; then each start function, waited for (a trap
//! there fails the boot); then each entry, in node order.
use super::boot::BootOp;
use crate::cluster::clist_entry;
use castle_enclave::compact::load::{pack, Reg, Sizes};
use castle_enclave::core::enclave::LoadTarget;
use castle_enclave::core::load::Load;
use castle_enclave::image::{FuncKind, Profile};
use castle_enclave::model::cluster::NodeSpec;

/// Memory sizes of the [`super::BoardCluster`]'s compact core `Compact<8, 10, 8, 8>`.
pub const BOARD_SIZES: Sizes = Sizes {
    prog_words: 1 << 8,
    code_bytes: 1 << 10,
    stack_words: 1 << 8,
    mem_words: 1 << 8,
};

/// The image profile of a board cluster's enclaves (its memories are [`BOARD_SIZES`]).
pub const BOARD_PROFILE: Profile = Profile::HX8K_NODE;

/// A cluster that cannot be booted from a ROM.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProgramError {
    #[error("node {node}: {message}")]
    Node { node: usize, message: String },
}

/// The boot program of the nodes `specs` on a mesh `columns` wide (node i at
/// `(i % columns, i / columns)`).
pub fn program(specs: &[NodeSpec], columns: usize) -> Result<Vec<BootOp>, ProgramError> {
    let mut ops = Vec::new();
    let mut starts = Vec::new();
    let mut entries = Vec::new();
    for (node, spec) in specs.iter().enumerate() {
        let error = |message: String| ProgramError::Node { node, message };
        let (image, entry, clist) = match spec {
            NodeSpec::Enclave {
                image,
                entry,
                clist,
            } => (image, entry, clist),
            NodeSpec::Uart { clist } => {
                ops.push(BootOp::Select(node as u8));
                ops.extend(configs(specs, columns, clist).map_err(error)?);
                continue;
            }
            NodeSpec::Console | NodeSpec::Led => continue,
        };
        let entry_index = *image
            .exports
            .get(entry)
            .ok_or_else(|| error(format!("no export named `{entry}`")))?;
        let f = &image.functions[entry_index as usize];
        if f.kind != FuncKind::Defined || f.params != 0 || f.results > 1 {
            return Err(error(format!(
                "`{entry}` must be a function without parameters"
            )));
        }
        let (loads, layout) =
            pack(image, &BOARD_PROFILE, &BOARD_SIZES).map_err(|e| error(e.to_string()))?;
        ops.push(BootOp::Select(node as u8));
        ops.extend(loads.into_iter().map(BootOp::Load));
        ops.push(BootOp::Load(Load {
            target: LoadTarget::Regs,
            addr: Reg::Fuel as u32,
            data: (1 << 48) - 1,
        }));
        ops.extend(configs(specs, columns, clist).map_err(error)?);
        let sp = layout.vs_base as u16;
        if let Some(start) = image.start {
            starts.extend([
                BootOp::Select(node as u8),
                BootOp::Start {
                    func: start as u16,
                    sp,
                },
                BootOp::Wait,
            ]);
        }
        entries.extend([
            BootOp::Select(node as u8),
            BootOp::Start {
                func: entry_index as u16,
                sp,
            },
        ]);
    }
    ops.extend(starts);
    ops.extend(entries);
    ops.push(BootOp::End);
    Ok(ops)
}

/// The c-list writes of `clist` (for the selected node).
fn configs(
    specs: &[NodeSpec],
    columns: usize,
    clist: &[castle_enclave::model::cluster::Cap],
) -> Result<Vec<BootOp>, String> {
    if clist.len() > castle_noc::ni::SLOTS {
        return Err(format!(
            "{} capabilities; a c-list has {} slots",
            clist.len(),
            castle_noc::ni::SLOTS
        ));
    }
    let mut ops = Vec::new();
    for (slot, cap) in clist.iter().enumerate() {
        if cap.node >= specs.len() {
            return Err(format!(
                "slot {slot} leads to node {}, which does not exist",
                cap.node
            ));
        }
        ops.push(BootOp::Config {
            slot: slot as u8,
            entry: clist_entry(cap, columns),
        });
    }
    Ok(ops)
}
