#!/usr/bin/env bash
# Runs the whole API locally on http://127.0.0.1:5600 (MUISTOT_BIND): starts MariaDB and
# Redis if needed, creates the database, applies migrations, loads the demo data unless
# MUISTOT_DEMO_DATA=false, and serves. Login mail goes to ./outbox as .eml files.
set -euo pipefail
cd "$(dirname "$0")/.."

MUISTOT_NEED_MOTO=0 source .ci/services.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/muistot/target}"
export MUISTOT_DEMO_DATA="${MUISTOT_DEMO_DATA:-true}"
exec cargo run --release --bin local
