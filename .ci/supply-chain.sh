#!/usr/bin/env bash
# Supply-chain checks with cargo-deny (config: deny.toml): licenses, banned/duplicate
# crates, sources and RustSec advisories, always. The advisory database lives on GitHub,
# which these build machines cannot reach, so the script tries a fresh `cargo deny fetch`
# and otherwise uses the local copy, restored from the snapshot committed in
# .ci/advisory-db when there is none or the snapshot is newer. It says how old the
# database is, warns past 90 days, and fails only when no database can be had at all.
set -euo pipefail
cd "$(dirname "$0")/.."

# Overridable for tests (e.g. a missing file, to see the "no database" failure).
snapshot="${SUPPLY_CHAIN_SNAPSHOT:-.ci/advisory-db/rustsec-advisory-db.bundle}"
upstream="https://github.com/RustSec/advisory-db"
# cargo-deny's own folder for the default database URL (name + hash of the URL), under its
# default db-path, $CARGO_HOME/advisory-dbs.
db="${CARGO_HOME:-$HOME/.cargo}/advisory-dbs/advisory-db-3157b0e258782691"
max_age_days=90

if ! command -v cargo-deny >/dev/null 2>&1; then
  echo "supply-chain: installing cargo-deny"
  cargo install --locked cargo-deny@0.20.2
fi
# Every crate of the lock file, for every platform, so the checks below can run offline.
cargo fetch --locked >/dev/null
cargo deny --offline check licenses bans sources

# A copy counts only if it is a checked-out clone with advisories in it (a fetch killed
# by the timeout, or an interrupted restore, can leave something less behind).
db_ok() { [ -d "$1/crates" ] && git -C "$1" rev-parse -q --verify HEAD >/dev/null 2>&1; }

# A copy restored from the bundle has the bundle as its origin; point it at GitHub so
# that a successful `cargo deny fetch` below really means a fresh database.
if db_ok "$db"; then
  git -C "$db" remote set-url origin "$upstream" 2>/dev/null || true
fi

db_source=""
# Short timeout: where GitHub is unreachable this must not hold CI up; no prompts either.
if GIT_TERMINAL_PROMPT=0 timeout 60 cargo deny fetch db >/dev/null 2>&1 && db_ok "$db"; then
  db_source="fresh from GitHub (cargo deny fetch)"
else
  echo "supply-chain: no fresh RustSec database: cargo deny fetch from GitHub not possible here"
  if [ -f "$snapshot" ]; then
    # Unpack the snapshot next to the copy (same file system, so the swap is one rename)
    # to compare its date with the copy's, and to replace the copy when it is newer.
    mkdir -p "$(dirname "$db")"
    tmp="$(mktemp -d "$(dirname "$db")/snapshot.XXXXXX")"
    trap 'rm -rf "$tmp"' EXIT
    # cargo-deny holds db.lock (flock, shared) while it reads the copy; the swap takes it
    # exclusively so that another CI run on this machine never reads a half-replaced copy.
    exec 9>"$(dirname "$db")/db.lock"
    if command -v flock >/dev/null 2>&1; then flock -w 120 9 || true; fi
    git -c init.defaultBranch=main clone -q "$snapshot" "$tmp/db"
    git -C "$tmp/db" remote set-url origin "$upstream"
    snapshot_time="$(git -C "$tmp/db" log -1 --format=%ct)"
    if ! db_ok "$db"; then
      rm -rf "$db"
      mv "$tmp/db" "$db"
      db_source="restored from the committed snapshot $snapshot"
    elif [ "$snapshot_time" -gt "$(git -C "$db" log -1 --format=%ct)" ]; then
      rm -rf "$db"
      mv "$tmp/db" "$db"
      db_source="restored from the committed snapshot $snapshot (newer than the local copy)"
    else
      db_source="local copy (the committed snapshot is not newer)"
    fi
    exec 9>&-
  elif db_ok "$db"; then
    db_source="local copy (no committed snapshot at $snapshot)"
  else
    echo "supply-chain: FAILED: no RustSec advisory database: GitHub unreachable, no local copy" \
      "at $db and no snapshot at $snapshot" >&2
    exit 1
  fi
fi

db_date="$(git -C "$db" log -1 --format=%cs)"
age_days=$(( ($(date +%s) - $(git -C "$db" log -1 --format=%ct)) / 86400 ))
echo "supply-chain: advisories from the RustSec database of $db_date ($age_days days old), $db_source"
if [ "$age_days" -gt "$max_age_days" ]; then
  # A warning, not a failure: an old database still catches every advisory it knows of,
  # and failing would stop CI on machines that cannot fetch a new one.
  echo "supply-chain: WARNING: the RustSec database is over $max_age_days days old;" \
    "advisories published since $db_date are not checked (refresh .ci/advisory-db, see its README.md)"
fi
cargo deny --offline check advisories
