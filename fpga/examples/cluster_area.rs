//! Area of the cluster and of its node's parts, each placed and routed out of context inside
//! the serial-I/O wrapper (`castle_fpga::wrap::serial_io`; the cluster has ~600 port bits):
//! `cargo run --release -p castle-fpga --example cluster_area -- [ROW...] [ice40|ecp5]`.
//! Rows (all of them when none is named, in this order; both devices unless one is named):
//! - `cluster2x2-enclave`: `Cluster<11, 11, 10, 6, 8, 8, 13>` (ECP5-profile core), 2x2, four
//!   enclave nodes;
//! - `cluster2x2-enclave_hx8k`: `Cluster<8, 8, 8, 8, 8, 8, 8>` (every core memory 256 deep);
//! - `node-enclave`, `node-enclave_hx8k`: a 1x1 cluster of one enclave node with that core
//!   (its router's four links are the mesh edge, tied off: only the local port is live);
//! - `cluster2x2-compact`, `node-compact`: the same with the compact core of the
//!   `compact_hx8k` block (`Compact<8, 10, 8, 8>`: 1 KiB of program words, 256 stack words,
//!   1 KiB of linear memory);
//! - any other name: a block of `castle_rtl::blocks::export` (`ni`, `router`, ...).
//!
//! With `--verilog DIR` the wrapped Verilog of each row is written to `DIR/ROW.v` and nothing
//! is placed.
//!
//! Each row prints what nextpnr placed (LC/LUT4, FF, BRAM, Fmax), or its error (the end of
//! its log and yosys' cell counts), the wrapper's bits and the time the row took. The flow is
//! fpga/src/pnr.rs's (`--freq 100 --seed 1`). The ECP5 2x2 takes about an hour in all.
use castle_fpga::pnr::{place_route, Device};
use castle_fpga::wrap::serial_io;
use castle_rtl::cluster::{Cluster, CoreKind, NodeKind};
use castle_rtl::export::{dedup_modules, verilog};
use std::time::Instant;

const ROWS: &[&str] = &[
    "cluster2x2-enclave",
    "cluster2x2-enclave_hx8k",
    "node-enclave",
    "node-enclave_hx8k",
    "cluster2x2-compact",
    "node-compact",
    "ni",
    "router",
];

/// The Verilog of row `name` (top module `top`, identical modules merged).
fn export(name: &str) -> String {
    use CoreKind::{Compact, Fast};
    use NodeKind::Enclave;
    // The compact core's sizes (unused by fast-core rows): those of `compact_hx8k`.
    type Ecp5 = Cluster<11, 11, 10, 6, 8, 8, 13, 8, 10, 8, 8>;
    type Hx8k = Cluster<8, 8, 8, 8, 8, 8, 8, 8, 10, 8, 8>;
    let v = match name {
        "cluster2x2-enclave" => verilog(name, &mut Ecp5::new(2, 2, &[Enclave; 4], Fast)),
        "cluster2x2-enclave_hx8k" => verilog(name, &mut Hx8k::new(2, 2, &[Enclave; 4], Fast)),
        "node-enclave" => verilog(name, &mut Ecp5::new(1, 1, &[Enclave], Fast)),
        "node-enclave_hx8k" => verilog(name, &mut Hx8k::new(1, 1, &[Enclave], Fast)),
        "cluster2x2-compact" => verilog(name, &mut Hx8k::new(2, 2, &[Enclave; 4], Compact)),
        "node-compact" => verilog(name, &mut Hx8k::new(1, 1, &[Enclave], Compact)),
        _ => return castle_rtl::blocks::export(name).unwrap_or_else(|e| panic!("{e}")),
    };
    dedup_modules(&v.unwrap_or_else(|e| panic!("{e}")))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let devices: Vec<Device> = match args
        .iter()
        .find(|a| *a == "ice40" || *a == "ecp5")
        .map(String::as_str)
    {
        Some("ice40") => vec![Device::Ice40Hx8k],
        Some("ecp5") => vec![Device::Ecp5_85k],
        _ => Device::ALL.to_vec(),
    };
    let dump = args
        .iter()
        .position(|a| a == "--verilog")
        .map(|i| args.get(i + 1).expect("--verilog DIR").clone());
    let mut names: Vec<&str> = args
        .iter()
        .map(String::as_str)
        .filter(|a| !matches!(*a, "ice40" | "ecp5" | "--verilog") && Some(*a) != dump.as_deref())
        .collect();
    if names.is_empty() {
        names = ROWS.to_vec();
    }
    for name in names {
        let w = serial_io(&export(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        if let Some(dir) = &dump {
            let path = std::path::Path::new(dir).join(format!("{name}.v"));
            std::fs::write(&path, &w.verilog).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            println!(
                "{name}: {} ({} in + {} out bits)",
                path.display(),
                w.in_bits,
                w.out_bits
            );
            continue;
        }
        for &d in &devices {
            let t = Instant::now();
            let r = place_route(name, &w.verilog, d);
            let secs = t.elapsed().as_secs();
            let bits = format!("wrapper {} in + {} out bits", w.in_bits, w.out_bits);
            match r {
                Ok(r) => println!(
                    "{name:<24} {:<11} LC/LUT4 {:>6} FF {:>5} BRAM {:>3} Fmax {:5.1} MHz  ({bits}; {secs} s)",
                    d.name(),
                    r.logic_cells,
                    r.flip_flops,
                    r.brams,
                    r.fmax_mhz.unwrap_or(0.0)
                ),
                Err(e) => println!("{name:<24} {:<11} ({bits}; {secs} s): {e}", d.name()),
            }
        }
    }
}
