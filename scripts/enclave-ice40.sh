#!/usr/bin/env bash
# Place and route one enclave core (`enclave_hx8k`) on an iCE40 HX8K, for its LC count and Fmax.
# The core has 251 port bits, more than the ct256 package's 206 usable pins, so a wrapper
# (below) shifts the wide inputs in and the wide outputs out through two shift registers; every
# core port still reaches a pin, so yosys cannot remove logic. The flow is fpga/src/pnr.rs's
# (through its `pnr` example): yosys synth_ice40, nextpnr-ice40 --hx8k --package ct256, no
# PCF, --freq 100, --seed 1. Prints LC, FF, BRAM and Fmax of core + wrapper; the wrapper adds
# 244 flip-flops and ~92 LUT4 (the output shift register's muxes).
#   usage: scripts/enclave-ice40.sh        (several minutes: the device is nearly full)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export PATH="$root/.venv/bin:$PATH"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
v="$work/enclave_hx8k_serial.v"

(cd "$root" && cargo run -q --release -- verilog --top enclave_hx8k -o "$v" 2>/dev/null)
# The exported top module is `top`; its submodules are `top$...` and stay as they are.
sed -i 's/^module top(/module enclave_core(/' "$v"
cat >> "$v" <<'EOF'
module top(input clock, input reset, input start, input load_valid, input si, input shift,
           input capture, output so, output busy, output trap_valid, output retire);
    // {load_data, load_addr, peek_addr, start_func, start_sp, load_target, peek_target}
    reg [151:0] in_sr = 0;
    always @(posedge clock) if (shift) in_sr <= {in_sr[150:0], si};
    wire [31:0] peek_data, result;
    wire [15:0] trap_pc;
    wire [3:0] trap_cause;
    wire [7:0] retire_op;
    reg [91:0] out_sr = 0;
    always @(posedge clock)
        if (capture) out_sr <= {peek_data, result, trap_pc, trap_cause, retire_op};
        else out_sr <= {out_sr[90:0], 1'b0};
    assign so = out_sr[91];
    enclave_core core(
        .clock(clock), .reset(reset), .start(start), .load_valid(load_valid),
        .load_data(in_sr[151:88]), .load_addr(in_sr[87:64]), .peek_addr(in_sr[63:40]),
        .start_func(in_sr[39:24]), .start_sp(in_sr[23:8]), .load_target(in_sr[7:4]),
        .peek_target(in_sr[3:0]), .peek_data(peek_data), .busy(busy), .trap_valid(trap_valid),
        .trap_cause(trap_cause), .trap_pc(trap_pc), .result(result), .retire(retire),
        .retire_op(retire_op));
endmodule
EOF
(cd "$root" && cargo run -q --release -p castle-fpga --example pnr -- "$v" ice40)
