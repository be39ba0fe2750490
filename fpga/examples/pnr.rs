//! Place and route named blocks and print their figures:
//! `cargo run --release -p castle-fpga --example pnr -- router [ice40|ecp5]`; with
//! `PNR_DUMP=DIR` the Verilog is written to `DIR/NAME.v` too. An argument ending in `.v` is
//! a Verilog file (top module `top`) placed as it is, named by its file stem. With `--serial`
//! every block is placed inside the serial-I/O wrapper (`castle_fpga::wrap::serial_io`: its
//! pins are clock, reset, si, shift, capture and so), for blocks with more port bits than pins;
//! the row is then named `NAME_serial`.
use castle_fpga::pnr::{place_route, Device};
use castle_fpga::wrap::serial_io;

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
    let serial = args.iter().any(|a| a == "--serial");
    let names = args
        .iter()
        .filter(|a| !matches!(a.as_str(), "ice40" | "ecp5" | "--serial"));
    for name in names {
        let path = std::path::Path::new(name);
        let (name, v) = if name.ends_with(".v") {
            let v =
                std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            let stem = path
                .file_stem()
                .map_or(name.clone(), |s| s.to_string_lossy().into());
            (stem, v)
        } else {
            let v = castle_rtl::blocks::export(name).unwrap_or_else(|e| panic!("{e}"));
            (name.clone(), v)
        };
        let (name, v) = if serial {
            let w = serial_io(&v).unwrap_or_else(|e| panic!("{name}: {e}"));
            eprintln!(
                "{name}: serial I/O wrapper, {} input and {} output bits",
                w.in_bits, w.out_bits
            );
            (format!("{name}_serial"), w.verilog)
        } else {
            (name, v)
        };
        if let Some(dir) = std::env::var_os("PNR_DUMP") {
            std::fs::write(std::path::Path::new(&dir).join(format!("{name}.v")), &v).unwrap();
        }
        for &d in &devices {
            match place_route(&name, &v, d) {
                Ok(r) => println!(
                    "{name:<10} {:<11} LC {:>5} FF {:>4} BRAM {} Fmax {:.1} MHz",
                    d.name(),
                    r.logic_cells,
                    r.flip_flops,
                    r.brams,
                    r.fmax_mhz.unwrap_or(0.0)
                ),
                Err(e) => println!("{name} {d}: {e}"),
            }
        }
    }
}
