#!/usr/bin/env bash
# Supply-chain checks with cargo-deny (config: deny.toml): licenses, banned/duplicate
# crates and sources always; RustSec advisories when a copy of the advisory database is
# on this machine (it is fetched from GitHub, which these build machines cannot reach:
# `cargo deny fetch` where the network allows, or copy a clone into
# ~/.cargo/advisory-dbs/advisory-db-3157b0e258782691).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo-deny >/dev/null 2>&1; then
  echo "supply-chain: installing cargo-deny"
  cargo install --locked cargo-deny@0.20.2
fi
# Every crate of the lock file, for every platform, so the checks below can run offline.
cargo fetch --locked >/dev/null
cargo deny --offline check licenses bans sources
db="$HOME/.cargo/advisory-dbs/advisory-db-3157b0e258782691"
if [ -d "$db/crates" ]; then
  echo "supply-chain: advisories from the local RustSec copy of $(git -C "$db" log -1 --format=%cs)"
  cargo deny --offline check advisories
else
  echo "supply-chain: advisories SKIPPED: no local RustSec database at $db"
fi
