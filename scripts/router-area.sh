#!/usr/bin/env bash
# Where the router's iCE40 area goes: the experiments behind docs/noc.md, "Why 400 LC is out of
# reach". Exports the router at (1,1), derives variants of its Verilog (each breaks some part of
# the contract: they are measurements, not designs), adds two datapath-only models, and runs
# each through the flow of fpga/src/pnr.rs (yosys synth_ice40, nextpnr-ice40 --hx8k --package
# ct256, no PCF, --freq 100, --seed 1). Prints LC, SB_LUT4, FF and Fmax per variant.
#   usage: scripts/router-area.sh [SEED]        (~1 min after the first build)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
seed="${1:-1}"
export PATH="$root/.venv/bin:$PATH"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

(cd "$root" && PNR_DUMP="$work" cargo run -q --release -p castle-fpga --example pnr -- router ice40 >/dev/null)
v="$work/router.v"

pnr() { # pnr NAME FILE
  local d="$work/run-$1"
  mkdir -p "$d" && cp "$2" "$d/top.v"
  (cd "$d" &&
    yosys -q -l synth.log -p "synth_ice40 -top top -json top.json; tee -q -o stat.txt stat" top.v &&
    nextpnr-ice40 --hx8k --package ct256 --pcf-allow-unconstrained --json top.json --freq 100 \
      --seed "$seed" --timing-allow-fail --report report.json -l pnr.log -q 2>/dev/null)
  python3 - "$1" "$d" <<'EOF'
import json, re, sys
name, d = sys.argv[1], sys.argv[2]
r = json.load(open(f"{d}/report.json"))
stat = open(f"{d}/stat.txt").read()
count = lambda p: sum(int(n) for c, n in re.findall(r"^\s+(\S+)\s+(\d+)$", stat, re.M) if c.startswith(p))
fmax = max((v["achieved"] for k, v in r["fmax"].items() if "clock" in k), default=0.0)
print(f"{name:<40} LC {r['utilization']['ICESTORM_LC']['used']:>4}  LUT4 {count('SB_LUT4'):>4}  FF {count('SB_DFF'):>4}  Fmax {fmax:6.1f} MHz")
EOF
}

# Rewrite the body of the always block of some submodules (regex on the module name).
rewrite() { # rewrite IN OUT MODULE_RE FIRST_LINE_OF_BODY BODY_FILE
  python3 - "$@" <<'EOF'
import re, sys
src, dst, mod_re, first, body_file = sys.argv[1:]
body = open(body_file).read()
def repl(m):
    t = m.group(0)
    i, j = t.index(first), t.index("    end\n    \nendmodule")
    return t[:i] + body + t[j:]
v, n = re.subn(r"module " + mod_re + r"\(.*?endmodule", repl, open(src).read(), flags=re.S)
assert n > 0, mod_re
open(dst, "w").write(v)
EOF
}

pnr "router (1,1) as exported" "$v"

# 12 of the 16 data bits tied to zero at the inputs (dst [3:0] and last stay): the difference
# divided by 12 is the marginal cost of a flit bit.
sed -E 's/(ib_.\$in_flit = )in_(.)_flit;/\1{in_\2_flit[16], 12'"'"'d0, in_\2_flit[3:0]};/' "$v" >"$work/narrow.v"
pnr "5-bit datapath (bits 15:4 tied off)" "$work/narrow.v"
# Narrower flits: data bits above k-2 tied off (k-1 data bits + last).
narrow() { # narrow IN OUT FLIT_BITS
  sed -E "s/(ib_.\\\$in_flit = )in_(.)_flit;/\\1{in_\\2_flit[16], $((17 - $3))'d0, in_\\2_flit[$(($3 - 2)):0]};/" "$1" >"$2"
}
narrow "$v" "$work/w9.v" 9
pnr "9-bit flits (8 data + last)" "$work/w9.v"
narrow "$v" "$work/w8.v" 8
pnr "8-bit flits (7 data + last)" "$work/w8.v"

# No loopback: the local output's arbiter loses source 0.
awk '/^module top\$oa_l\(/{f=1} f&&/localparam  sources/{sub(/5.b11111/,"5'"'"'b11110");f=0} {print}' "$v" >"$work/noloop.v"
pnr "no loopback (l -> l removed)" "$work/noloop.v"

# Fixed priority instead of round robin (lock kept): what round robin costs.
cat >"$work/fixed.txt" <<'EOF'
        rs = req & sources;
        masked = 5'd0;
        pick = rs & ~((rs << 32'h1) | (rs << 32'h2) | (rs << 32'h3) | (rs << 32'h4));
        if (locked$q) begin
            grant = (owner$q & valid) & sources;
        end
        else begin
            grant = pick;
        end
        out_valid = |grant;
        if (out_valid) begin
            owner$d = grant;
            above$d = 5'd0;
            locked$d = ~(ready & ((grant & last) != 5'd0));
        end
        if (reset) begin
            locked$d = 1'b0;
            owner$d = 5'd0;
            above$d = 5'd0;
        end
EOF
rewrite "$v" "$work/fixed.v" 'top\$oa_[lnesw]' '        rs = req & sources;' "$work/fixed.txt"
pnr "fixed priority (no round robin)" "$work/fixed.v"

# 1-flit input buffers with a combinational ready (in_ready = !head_valid | pop): no skid.
cat >"$work/noskid.txt" <<'EOF'
        in_ready = ~head_valid$q | out_ready;
        out_valid = head_valid$q;
        out_flit = head$q;
        out_req = req$q;
        load = ~head_valid$q | out_ready;
        next_flit = in_flit;
        next_dst = next_flit[3:0];
        next_valid = in_valid;
        if (load) begin
            head$d = next_flit;
            head_valid$d = next_valid;
            req$d = 5'd0;
            if (next_valid) begin
                mid$d = ~next_flit[16];
                if (~mid$q) begin
                    req$d = next_route;
                end
            end
        end
        skid_valid$d = 1'b0;
        if (reset) begin
            head_valid$d = 1'b0;
            req$d = 5'd0;
            mid$d = 1'b0;
        end
EOF
rewrite "$v" "$work/noskid.v" 'top\$ib_[lnesw]' '        in_ready = ~skid_valid$q;' "$work/noskid.txt"
pnr "1-flit buffers, combinational in_ready" "$work/noskid.v"
narrow "$work/noskid.v" "$work/noskid9.v" 9
pnr "the same with 9-bit flits" "$work/noskid9.v"

# Datapath only, no control at all (every enable, select and grant is a pin): the floor of
# the present structure (head + skid per input, head D = skid_valid ? skid : in, one-hot
# AND-OR crossbar over the XY-legal sources).
cat >"$work/floor.v" <<'EOF'
module top(input clock, input [4:0] ld, input [4:0] sk, input [4:0] sv,
  input [16:0] il, input [16:0] in_, input [16:0] ie, input [16:0] is, input [16:0] iw,
  input [4:0] gl, input [3:0] gn, input [3:0] gs, input ge, input gw,
  output [16:0] ol, output [16:0] on, output [16:0] os, output [16:0] oe, output [16:0] ow);
  reg [16:0] hl, hn, he, hs, hw, kl, kn, ke, ks, kw;
  always @(posedge clock) begin
    if (ld[0]) hl <= sv[0] ? kl : il; if (sk[0]) kl <= il;
    if (ld[1]) hn <= sv[1] ? kn : in_; if (sk[1]) kn <= in_;
    if (ld[2]) he <= sv[2] ? ke : ie; if (sk[2]) ke <= ie;
    if (ld[3]) hs <= sv[3] ? ks : is; if (sk[3]) ks <= is;
    if (ld[4]) hw <= sv[4] ? kw : iw; if (sk[4]) kw <= iw;
  end
  assign ol = ({17{gl[0]}}&hl)|({17{gl[1]}}&hn)|({17{gl[2]}}&he)|({17{gl[3]}}&hs)|({17{gl[4]}}&hw);
  assign on = ({17{gn[0]}}&hl)|({17{gn[1]}}&he)|({17{gn[2]}}&hs)|({17{gn[3]}}&hw);
  assign os = ({17{gs[0]}}&hl)|({17{gs[1]}}&hn)|({17{gs[2]}}&he)|({17{gs[3]}}&hw);
  assign oe = gw ? hw : hl;
  assign ow = ge ? he : hl;
endmodule
EOF
pnr "datapath only: input head + skid" "$work/floor.v"

# The same for buffering moved to the outputs: a 1-flit skid per input (used only while
# blocked) and a register per output fed by the crossbar (the crossbar's last LUT packs with it).
cat >"$work/floor-out.v" <<'EOF'
module top(input clock, input [4:0] sk, input [4:0] sv, input [4:0] ld,
  input [16:0] il, input [16:0] in_, input [16:0] ie, input [16:0] is, input [16:0] iw,
  input [4:0] gl, input [3:0] gn, input [3:0] gs, input ge, input gw,
  output reg [16:0] ol, output reg [16:0] on, output reg [16:0] os, output reg [16:0] oe, output reg [16:0] ow);
  reg [16:0] kl, kn, ke, ks, kw;
  wire [16:0] ml = sv[0] ? kl : il, mn = sv[1] ? kn : in_, me = sv[2] ? ke : ie, ms = sv[3] ? ks : is, mw = sv[4] ? kw : iw;
  always @(posedge clock) begin
    if (sk[0]) kl <= il; if (sk[1]) kn <= in_; if (sk[2]) ke <= ie; if (sk[3]) ks <= is; if (sk[4]) kw <= iw;
    if (ld[0]) ol <= ({17{gl[0]}}&ml)|({17{gl[1]}}&mn)|({17{gl[2]}}&me)|({17{gl[3]}}&ms)|({17{gl[4]}}&mw);
    if (ld[1]) on <= ({17{gn[0]}}&ml)|({17{gn[1]}}&me)|({17{gn[2]}}&ms)|({17{gn[3]}}&mw);
    if (ld[2]) os <= ({17{gs[0]}}&ml)|({17{gs[1]}}&mn)|({17{gs[2]}}&me)|({17{gs[3]}}&mw);
    if (ld[3]) oe <= gw ? mw : ml;
    if (ld[4]) ow <= ge ? me : ml;
  end
endmodule
EOF
pnr "datapath only: input skid + output regs" "$work/floor-out.v"
