#!/usr/bin/env bash
# Compile a freestanding C file to a Wasm module inside the Castle enclave subset (i32 only).
#   usage: scripts/c2wasm.sh IN.c OUT.wasm [EXPORT...]   (default export: run)
# clang-16 (wasm32, MVP, no libc) then binaryen's wasm-opt to lower any i64 clang emits
# (e.g. 8-byte stores from zeroing loops) to i32. --flatten is required: the i64-to-i32
# lowering pass refuses non-flat IR ("IR must be flat: run --flatten beforehand"); -O2 after
# it re-optimizes the flattened code. OUT is written atomically (temp file, then mv).
# Extra clang flags (include paths, defines) may be given in C2WASM_CFLAGS (split on spaces).
# Tools come from scripts/setup.sh (packages clang-16, lld-16, binaryen).
set -euo pipefail

usage() {
  echo "usage: $0 IN.c OUT.wasm [EXPORT...]   (exports default to: run)" >&2
  exit 2
}
(($# >= 2)) || usage
in="$1"
out="$2"
shift 2
exports=("$@")
((${#exports[@]})) || exports=(run)

[ -f "$in" ] || { echo "c2wasm: no such input file: $in" >&2; exit 1; }
for tool in clang-16 wasm-opt; do
  command -v "$tool" >/dev/null || { echo "c2wasm: $tool not found; run scripts/setup.sh" >&2; exit 1; }
done

export_flags=()
for name in "${exports[@]}"; do
  [[ "$name" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]] || { echo "c2wasm: bad export name: $name" >&2; exit 2; }
  export_flags+=("-Wl,--export=$name")
done

out_dir="$(dirname -- "$out")"
[ -d "$out_dir" ] || { echo "c2wasm: output directory does not exist: $out_dir" >&2; exit 1; }
tmp="$(mktemp "$out_dir/.c2wasm.XXXXXX")"
raw="$tmp.raw"
trap 'rm -f -- "$tmp" "$raw"' EXIT

read -r -a extra_cflags <<< "${C2WASM_CFLAGS:-}"
clang-16 --target=wasm32 -mcpu=mvp -O2 -nostdlib -fno-builtin "${extra_cflags[@]}" \
  -Wl,--no-entry "${export_flags[@]}" -Wl,--allow-undefined \
  -o "$raw" "$in"
wasm-opt --flatten --i64-to-i32-lowering -O2 "$raw" -o "$tmp"
mv -f -- "$tmp" "$out"
