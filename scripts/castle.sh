#!/usr/bin/env bash
# Run the castle CLI from a fresh checkout: installs what it needs, builds, runs.
#   scripts/castle.sh demo        scripts/castle.sh --help
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
cd "$root"
cargo build --release -q --bin castle
exec "$root/target/release/castle" "$@"
