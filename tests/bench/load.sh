#!/usr/bin/env bash
# Load benchmark (not a test): seeds a separate database `muistot_bench` once (1 project,
# 100 000 sites over Finland, 200 000 memories, 100 000 comments, and `bench-hot-site`
# with 500 memories), starts the local server (bench profile: opt-level 3) on loopback,
# and measures read endpoints with wrk at 32 connections (tests/bench/requests.lua names
# the kinds).
#   bash tests/bench/load.sh                                 # every kind, 20 s each
#   BENCH_KINDS="clusters5 bbox" BENCH_SECONDS=10 bash tests/bench/load.sh
#   BENCH_BEFORE=<git revision> bash tests/bench/load.sh     # that revision, then this one
#   BENCH_RESEED=1 …                                         # drop and seed again
# With BENCH_BEFORE the same kinds run first against the local server built from that
# revision (a git worktree and a target directory of its own, both kept beside
# CARGO_TARGET_DIR for the next run), then against this checkout, on
# the same data, in one run: the RESULT lines say `build=before` / `build=after`.
# Traffic goes to 127.0.0.1 only; every run is bounded in time.
set -euo pipefail
cd "$(dirname "$0")/../.."

MUISTOT_NEED_MOTO=0 source .ci/services.sh
if ! command -v wrk >/dev/null 2>&1; then
  echo "bench: installing wrk"
  apt_install wrk
fi
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/muistot/target}"
SECONDS_PER="${BENCH_SECONDS:-20}"
CONNECTIONS="${BENCH_CONNECTIONS:-32}"
PORT="${BENCH_PORT:-5698}"
KINDS="${BENCH_KINDS:-nearest memories site projects hot_memories hot_page hot_site revalidate bbox clusters5 clusters12}"
DB=muistot_bench
mysql_q() { mysql -h127.0.0.1 -uroot -N "$@"; }

workdir="$(mktemp -d)"
server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  server_pid=""
}
cleanup() {
  stop_server
  rm -rf "$workdir"
}
trap cleanup EXIT

# The local server binary of this checkout, and of BENCH_BEFORE when asked.
cargo build --profile bench --locked --bin local  # opt-level 3 (Cargo.toml), into target/release
after_bin="$CARGO_TARGET_DIR/release/local"
before_bin=""
if [ -n "${BENCH_BEFORE:-}" ]; then
  # A worktree and a target directory of its own, both kept for the next run (an
  # unchanged checkout is not rebuilt); cargo names workspace crates by package, not
  # by path, so the two builds must not share a target directory.
  before_tree="${CARGO_TARGET_DIR}-before-src"
  before_target="${CARGO_TARGET_DIR}-before"
  rev=$(git rev-parse "$BENCH_BEFORE^{commit}")
  if [ ! -d "$before_tree" ]; then
    git worktree add --detach "$before_tree" "$rev" >/dev/null
  elif [ "$(git -C "$before_tree" rev-parse HEAD)" != "$rev" ]; then
    git -C "$before_tree" checkout -q --detach "$rev"
  fi
  (cd "$before_tree" && CARGO_TARGET_DIR="$before_target" cargo build --profile bench --locked --bin local)
  before_bin="$before_target/release/local"
fi

if [ "${BENCH_RESEED:-0}" = "1" ]; then mysql_q -e "DROP DATABASE IF EXISTS $DB"; fi

# Starts `$1` on the benchmark database. It creates the database and applies its
# migrations at start-up.
start_server() {
  MUISTOT_DATABASE_URL="mysql://root@127.0.0.1:3306/$DB" MUISTOT_BIND="127.0.0.1:$PORT" \
    MUISTOT_SESSIONS=memory MUISTOT_IMAGES="dir:$workdir/images" MUISTOT_MAIL=log \
    MUISTOT_DEMO_DATA=false RUST_LOG=warn \
    "$1" >"$workdir/server.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 240); do
    if curl -sf "http://127.0.0.1:$PORT/" -o /dev/null; then return 0; fi
    sleep 0.5
  done
  cat "$workdir/server.log"; exit 1
}

# Seed once, with this checkout's migrations applied (a newer schema is a superset).
start_server "$after_bin"
sites=$(mysql_q "$DB" -e "SELECT COUNT(*) FROM sites WHERE name LIKE 'bench-site-%'")
if [ "$sites" != "100000" ]; then
  echo "bench: seeding $DB (100 000 sites, 200 000 memories)"
  time mysql_q "$DB" < tests/bench/seed.sql >/dev/null
fi
hot=$(mysql_q "$DB" -e "SELECT COUNT(*) FROM sites WHERE name = 'bench-hot-site'")
if [ "$hot" != "1" ]; then
  echo "bench: seeding bench-hot-site (500 memories)"
  mysql_q "$DB" < tests/bench/seed_hot.sql >/dev/null
fi
stop_server

# Show that the nearest search reads the SPATIAL index.
mysql_q "$DB" -e "EXPLAIN SELECT s.id FROM sites s FORCE INDEX (idx_sites_coordinate)
  WHERE MBRIntersects(ST_Envelope(LineString(Point(24.9, 60.1), Point(25.0, 60.2))), s.location)" \
  | awk '{print "bench: explain nearest: table=" $3 " type=" $4 " key=" $6}'

# Server counters, to report the database work per request beside the latency.
counter() { mysql_q -e "SHOW GLOBAL STATUS LIKE '$1'" | awk '{print $2}'; }

# One wrk run of BENCH_KIND=$1 at $2 connections for $3 seconds; prints its RESULT line
# with the build's label and the database work per request.
measure() {
  local kind=$1 conns=$2 secs=$3 label=$4 result requests stmts disk
  stmts=$(counter Com_stmt_execute); disk=$(counter Created_tmp_disk_tables)
  result=$(BENCH_KIND=$kind timeout $((secs + 30)) wrk -t"$(( conns < 2 ? 1 : 2 ))" -c"$conns" \
    -d"${secs}s" --latency -s tests/bench/requests.lua "http://127.0.0.1:$PORT" \
    | grep '^RESULT')
  requests=$(echo "$result" | sed -E 's/.*requests=([0-9]+).*/\1/')
  stmts=$(( $(counter Com_stmt_execute) - stmts )); disk=$(( $(counter Created_tmp_disk_tables) - disk ))
  echo "$result connections=$conns build=$label statements_per_request=$(awk -v s="$stmts" -v r="$requests" 'BEGIN{printf "%.2f", s/r}') disk_tmp_tables_per_request=$(awk -v s="$disk" -v r="$requests" 'BEGIN{printf "%.3f", s/r}')"
}

run_all() { # binary, label
  start_server "$1"
  for kind in $KINDS; do
    # Warm up (caches, connection pool), then measure.
    BENCH_KIND=$kind timeout 30 wrk -t2 -c"$CONNECTIONS" -d3s -s tests/bench/requests.lua \
      "http://127.0.0.1:$PORT" >/dev/null
    measure "$kind" "$CONNECTIONS" "$SECONDS_PER" "$2"
    # The clusters of a whole country also one request at a time (single-request latency).
    if [ "$kind" = "clusters5" ]; then measure "$kind" 1 "$SECONDS_PER" "$2"; fi
  done
  stop_server
}

if [ -n "$before_bin" ]; then run_all "$before_bin" before; fi
run_all "$after_bin" after
