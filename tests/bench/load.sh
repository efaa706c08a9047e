#!/usr/bin/env bash
# Load benchmark (not a test): seeds a separate database `muistot_bench` once (1 project,
# 100 000 sites, 200 000 memories), starts the local server (bench profile: opt-level 3) on
# loopback, and measures four read endpoints with wrk at 32 connections.
#   bash tests/bench/load.sh            # 20 s per endpoint
#   BENCH_SECONDS=10 BENCH_RESEED=1 bash tests/bench/load.sh
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
DB=muistot_bench
mysql_q() { mysql -h127.0.0.1 -uroot -N "$@"; }

cargo build --profile bench --locked --bin local  # opt-level 3 (Cargo.toml), into target/release

if [ "${BENCH_RESEED:-0}" = "1" ]; then mysql_q -e "DROP DATABASE IF EXISTS $DB"; fi
workdir="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$workdir"
}
trap cleanup EXIT

# The local server creates the database and applies the migrations at start-up.
MUISTOT_DATABASE_URL="mysql://root@127.0.0.1:3306/$DB" MUISTOT_BIND="127.0.0.1:$PORT" \
  MUISTOT_SESSIONS=memory MUISTOT_IMAGES="dir:$workdir/images" MUISTOT_MAIL=log \
  MUISTOT_DEMO_DATA=false RUST_LOG=warn \
  "$CARGO_TARGET_DIR/release/local" >"$workdir/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do
  if curl -sf "http://127.0.0.1:$PORT/" -o /dev/null; then break; fi
  sleep 0.5
done
curl -sf "http://127.0.0.1:$PORT/" -o /dev/null || { cat "$workdir/server.log"; exit 1; }

sites=$(mysql_q "$DB" -e "SELECT COUNT(*) FROM sites s JOIN projects p ON p.id = s.project_id WHERE p.name = 'bench-project'")
if [ "$sites" != "100000" ]; then
  echo "bench: seeding $DB (100 000 sites, 200 000 memories)"
  time mysql_q "$DB" < tests/bench/seed.sql >/dev/null
fi

# Show that the nearest search reads the SPATIAL index.
mysql_q "$DB" -e "EXPLAIN SELECT s.id FROM sites s FORCE INDEX (idx_sites_coordinate)
  WHERE MBRIntersects(ST_Envelope(LineString(Point(24.9, 60.1), Point(25.0, 60.2))), s.location)" \
  | awk '{print "bench: explain nearest: table=" $3 " type=" $4 " key=" $6}'

# Server counters, to report the database work per request beside the latency.
counter() { mysql_q -e "SHOW GLOBAL STATUS LIKE '$1'" | awk '{print $2}'; }

for kind in nearest memories site projects; do
  # Warm up (caches, connection pool), then measure.
  BENCH_KIND=$kind timeout 30 wrk -t2 -c"$CONNECTIONS" -d3s -s tests/bench/requests.lua \
    "http://127.0.0.1:$PORT" >/dev/null
  stmts=$(counter Com_stmt_execute); disk=$(counter Created_tmp_disk_tables)
  result=$(BENCH_KIND=$kind timeout $((SECONDS_PER + 30)) wrk -t2 -c"$CONNECTIONS" \
    -d"${SECONDS_PER}s" --latency -s tests/bench/requests.lua "http://127.0.0.1:$PORT" \
    | grep '^RESULT')
  requests=$(echo "$result" | sed -E 's/.*requests=([0-9]+).*/\1/')
  stmts=$(( $(counter Com_stmt_execute) - stmts )); disk=$(( $(counter Created_tmp_disk_tables) - disk ))
  echo "$result statements_per_request=$(awk -v s="$stmts" -v r="$requests" 'BEGIN{printf "%.2f", s/r}') disk_tmp_tables_per_request=$(awk -v s="$disk" -v r="$requests" 'BEGIN{printf "%.3f", s/r}')"
done
