//! Place and route named blocks and print their figures:
//! `cargo run --release -p castle-fpga --example pnr -- router [ice40|ecp5]`; with
//! `PNR_DUMP=DIR` the Verilog is written to `DIR/NAME.v` too.
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
        let v = castle_rtl::blocks::export(name).unwrap_or_else(|e| panic!("{e}"));
        if let Some(dir) = std::env::var_os("PNR_DUMP") {
            std::fs::write(std::path::Path::new(&dir).join(format!("{name}.v")), &v).unwrap();
        }
        for &d in &devices {
            match place_route(name, &v, d) {
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
