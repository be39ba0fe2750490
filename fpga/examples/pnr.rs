//! Place and route named blocks and print their figures:
//! `cargo run --release -p castle-fpga --example pnr -- router [ice40|ecp5]`; with
//! `PNR_DUMP=DIR` the Verilog is written to `DIR/NAME.v` too. An argument ending in `.v` is
//! a Verilog file (top module `top`) placed as it is, named by its file stem.
use castle_fpga::pnr::{place_route, Device};

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
    for name in args.iter().filter(|a| *a != "ice40" && *a != "ecp5") {
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
