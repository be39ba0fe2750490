//! The blocks `castle verilog --top` can export, by name.
use crate::export::{verilog, ExportError};
use castle_enclave::byte_ram::ByteRam;
use castle_enclave::core::enclave::{Ecp5Enclave, Hx8kEnclave, SimEnclave};
use castle_enclave::leb128::Leb128Decoder;
use castle_noc::{
    mesh::Mesh2x2,
    network::{Network2x2, Network4x4},
    ni::Ni,
    router::Router,
};

/// Names accepted by `castle verilog --top`, with what each is.
pub const BLOCKS: &[(&str, &str)] = &[
    (
        "leb128",
        "streaming LEB128 u32/s32 decoder (enclave immediates)",
    ),
    (
        "byte_ram",
        "512 x 32-bit RAM with byte write enables (enclave linear memory)",
    ),
    ("router", "5-port XY wormhole mesh router, at (1,1) (noc)"),
    ("mesh2x2", "2x2 mesh of routers, local ports only (noc)"),
    (
        "enclave",
        "enclave core, ECP5 profile memories: 16 KiB code, 2 Ki side entries, 1 page (enclave)",
    ),
    (
        "enclave_hx8k",
        "enclave core with 256-deep memories, the 32 block RAMs of an iCE40 HX8K (enclave)",
    ),
    (
        "enclave_sim",
        "enclave core, simulation profile: 64 KiB code, 1024 pages (Verilator)",
    ),
    (
        "ni",
        "network interface at (1,1): c-list, checked send, mailbox, status replies (noc)",
    ),
    (
        "network2x2",
        "2x2 mesh of routers, each with its NI; enclave-side ports exposed (noc)",
    ),
    (
        "network4x4",
        "4x4 mesh of routers, each with its NI; enclave-side ports exposed (noc)",
    ),
    (
        "compact_hx8k",
        "compact enclave core with 256-word memories, 1 KiB of code (enclave/compact)",
    ),
    (
        "compact_sim",
        "compact enclave core, simulation profile: 64 KiB code, 1024 pages (Verilator)",
    ),
    (
        "cluster2x2",
        "2x2 cluster of simulation-profile nodes: three enclaves and a console, one loader port (rtl)",
    ),
    (
        "cluster2x2_compact",
        "the 2x2 cluster with compact enclave cores (rtl)",
    ),
    ("uart_tx", "8N1 UART transmitter, 104 cycles a bit (rtl/board)"),
    ("uart_rx", "8N1 UART receiver, 104 cycles a bit (rtl/board)"),
    (
        "host_rx",
        "receiver of host frames for the UART gateway, checked (rtl/board)",
    ),
    (
        "boot_seq",
        "boot sequencer: loader operations from a 256-word ROM program (rtl/board)",
    ),
    (
        "board",
        "board top: a 2x1 board cluster (an enclave, a console), boot ROM, UART (rtl/board)",
    ),
];

/// Blocks linted but not synthesized by the tests: a yosys run on the 4x4 network (16
/// routers and 16 NIs) had not finished after 9 minutes, and its modules are those of
/// `network2x2` with other coordinate constants; `enclave` and `enclave_sim` are the logic of
/// `enclave_hx8k` with larger memories (`castle bench` synthesizes them).
pub const SYNTH_SKIP: &[&str] = &[
    "network4x4",
    "enclave",
    "enclave_sim",
    "cluster2x2",
    "cluster2x2_compact",
    "compact_sim",
    "board",
];

#[derive(Debug, thiserror::Error)]
pub enum BlockError {
    #[error("`cluster` is sized from a manifest: castle verilog MANIFEST --top cluster -o FILE")]
    NeedsManifest,
    #[error("unknown block `{name}`; known: {known}")]
    Unknown { name: String, known: String },
    #[error(transparent)]
    Export(#[from] ExportError),
}

/// Export the block called `name` as Verilog (top module `top`).
pub fn export(name: &str) -> Result<String, BlockError> {
    match name {
        "leb128" => Ok(verilog(name, &mut Leb128Decoder::default())?),
        "router" => Ok(verilog(name, &mut Router::new(1, 1))?),
        "mesh2x2" => Ok(verilog(name, &mut Mesh2x2::default())?),
        "ni" => Ok(verilog(name, &mut Ni::new(1, 1, 0xffff))?),
        "network2x2" => Ok(verilog(name, &mut Network2x2::default())?),
        "network4x4" => Ok(verilog(name, &mut Network4x4::default())?),
        "byte_ram" => Ok(verilog(name, &mut ByteRam::<9>::default())?),
        "enclave" => Ok(verilog(name, &mut Ecp5Enclave::default())?),
        "enclave_hx8k" => Ok(verilog(name, &mut Hx8kEnclave::default())?),
        "enclave_sim" => Ok(verilog(name, &mut SimEnclave::default())?),
        "compact_hx8k" => Ok(verilog(
            name,
            &mut castle_enclave::compact::core::Compact::<8, 10, 8, 8>::default(),
        )?),
        "compact_sim" => Ok(verilog(
            name,
            &mut castle_enclave::compact::SimCompact::default(),
        )?),
        "cluster2x2" => {
            use crate::cluster::NodeKind::{Device, Enclave};
            Ok(crate::cluster::sim_verilog(
                2,
                2,
                &[Enclave, Enclave, Enclave, Device],
                crate::cluster::CoreKind::Fast,
            )?)
        }
        "cluster2x2_compact" => {
            use crate::cluster::NodeKind::{Device, Enclave};
            Ok(crate::cluster::sim_verilog(
                2,
                2,
                &[Enclave, Enclave, Enclave, Device],
                crate::cluster::CoreKind::Compact,
            )?)
        }
        "uart_tx" => Ok(verilog(name, &mut crate::board::uart::UartTx::new(103))?),
        "uart_rx" => Ok(verilog(name, &mut crate::board::uart::UartRx::new(103))?),
        "host_rx" => Ok(verilog(name, &mut crate::board::host::HostRx::new(0xffff))?),
        "boot_seq" => Ok(verilog(
            name,
            &mut crate::board::boot::BootSeq::<8>::default(),
        )?),
        "board" => {
            use crate::cluster::NodeKind::{Device, Enclave};
            let cluster = crate::board::BoardCluster::new(
                2,
                1,
                &[Enclave, Device],
                crate::cluster::CoreKind::Compact,
            );
            let mut top = crate::board::BoardTop::<8>::new(cluster, &[0], 0, Some(1), 103);
            Ok(crate::export::dedup_modules(&verilog(name, &mut top)?))
        }
        "cluster" => Err(BlockError::NeedsManifest),
        n => Err(BlockError::Unknown {
            name: n.into(),
            known: BLOCKS
                .iter()
                .map(|b| b.0)
                .chain(["cluster"])
                .collect::<Vec<_>>()
                .join(", "),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{lint, synth};

    /// Every exportable block is lint-clean and synthesizes for iCE40 without latches.
    #[test]
    fn every_block_lints_and_synthesizes() {
        for (name, _) in BLOCKS {
            let v = export(name).unwrap();
            lint::verilator_lint(name, &v).unwrap_or_else(|e| panic!("{e}"));
            if SYNTH_SKIP.contains(name) {
                continue;
            }
            let r = synth::ice40(name, &v).unwrap_or_else(|e| panic!("{e}"));
            // Something was built: logic and registers, or block RAM (a plain memory is
            // nothing else).
            assert!(
                (r.luts > 0 && r.flip_flops > 0) || r.brams > 0,
                "{name}: implausible synthesis {r:?}"
            );
        }
    }

    /// 512 x 32 bits is 16 Kibit: four iCE40 block RAMs, not flip-flops.
    #[test]
    fn byte_ram_maps_to_block_ram() {
        let r = synth::ice40("byte_ram", &export("byte_ram").unwrap())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.brams, 4, "{r:?}");
        assert!(r.flip_flops < 128, "memory went into flip-flops: {r:?}");
        // no_rw_check: no read-during-write emulation beside the block RAMs.
        assert_eq!((r.luts, r.flip_flops), (0, 0), "{r:?}");
    }

    #[test]
    fn cluster_without_manifest_and_unknown_blocks_are_errors() {
        assert!(matches!(export("cluster"), Err(BlockError::NeedsManifest)));
        let e = export("nosuch").unwrap_err().to_string();
        assert!(e.contains("leb128"), "{e}");
    }

    /// The latch check is live: a block with a latch is refused.
    #[test]
    fn latch_is_refused() {
        let v = "module top(input wire e, input wire d, output reg q);\n always @(*) if (e) q = d;\nendmodule\n";
        match synth::ice40("latch", v) {
            Err(synth::SynthError::Latches { .. }) => {}
            other => panic!("expected a latch error, got {other:?}"),
        }
    }

    /// Lint is live: an unused input is a finding under -Wall.
    #[test]
    fn lint_findings_are_reported() {
        let v =
            "module top(input wire a, input wire b, output wire q);\n assign q = a;\nendmodule\n";
        assert!(matches!(
            lint::verilator_lint("unused", v),
            Err(lint::LintError::Findings { .. })
        ));
    }
}
