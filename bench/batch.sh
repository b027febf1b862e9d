#!/usr/bin/env bash
# Batch matching benchmark: our build and exact solver against Google OR-Tools'
# SimpleMinCostFlow on the same generated instance (10,000 orders, 2,000 listings), OR-Tools
# on the kinds network and on the general one. Arguments go to batch-bench (--seed,
# --orders, --tiered). Installs ortools into a cache venv. Not run by CI.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${HUB_BENCH_VENV:-$HOME/.cache/provider-hub/ortools-9.14}"
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet "ortools==9.14.6206"
fi
cargo build --release --locked -q -p provider-hub-batch-bench
instance=$(mktemp --suffix .json)
trap 'rm -f "$instance"' EXIT
"${CARGO_TARGET_DIR:-target}/release/batch-bench" --out "$instance" "$@"
"$venv/bin/python" bench/batch_ortools.py "$instance"
