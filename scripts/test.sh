#!/usr/bin/env bash
# The whole Castle test suite: installs what it needs, then every test of the workspace.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/setup.sh"
cd "$root"
exec cargo test --workspace --release "$@"
