#!/usr/bin/env bash
# Place and route one enclave core (`enclave_hx8k`) on an iCE40 HX8K, for its LC count and Fmax.
# The core has 369 port bits, more than the ct256 package's 206 usable pins, so it is placed
# inside the serial-I/O wrapper of castle_fpga::wrap::serial_io (the `pnr` example's --serial):
# clock and reset stay pins, one shift register drives the other 217 input bits and one
# captures the 150 output bits; every core port still reaches a register, so yosys cannot
# remove logic. The flow is fpga/src/pnr.rs's: yosys synth_ice40, nextpnr-ice40 --hx8k
# --package ct256, no PCF, --freq 100, --seed 1. Prints LC, FF, BRAM and Fmax of core + wrapper;
# the wrapper adds 367 flip-flops (one per wrapped bit) and the output register's muxes.
#   usage: scripts/enclave-ice40.sh        (several minutes: the device is nearly full)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$root/.venv/bin:$PATH"
cd "$root"
cargo run -q --release -p castle-fpga --example pnr -- --serial enclave_hx8k ice40 2>/dev/null
