#!/usr/bin/env bash
# Soak benchmark (not a test): the release local server over the benchmark database
# (tests/bench/load.sh seeds it: 1 project, 100 000 sites, 200 000 memories), Redis
# sessions, 64 connections of a realistic mix (tests/bench/mix.lua: 80% reads, 20%
# authenticated writes) for SOAK_SECONDS (default 600). Reports req/s, p50/p99, errors
# and the server's resident memory at the start and the end. Loopback only, bounded.
#   bash tests/bench/soak.sh
#   SOAK_SECONDS=60 SOAK_CONNECTIONS=32 bash tests/bench/soak.sh
set -euo pipefail
cd "$(dirname "$0")/../.."

MUISTOT_NEED_MOTO=0 source .ci/services.sh
command -v wrk >/dev/null 2>&1 || apt_install wrk
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/muistot/target}"
SECONDS_TOTAL="${SOAK_SECONDS:-600}"
CONNECTIONS="${SOAK_CONNECTIONS:-64}"
PORT="${SOAK_PORT:-5697}"
DB=muistot_bench
base="http://127.0.0.1:$PORT"

sites=$(mysql -h127.0.0.1 -uroot -N -e "SELECT COUNT(*) FROM $DB.sites WHERE name LIKE 'bench-site-%'" 2>/dev/null || echo 0)
if [ "$sites" != "100000" ]; then
  echo "soak: seeding first with tests/bench/load.sh"
  BENCH_SECONDS=1 bash tests/bench/load.sh >/dev/null
fi
# SOAK_SKIP_BUILD=1 reuses the release binary already built.
[ "${SOAK_SKIP_BUILD:-0}" = "1" ] || cargo build --profile bench --locked --bin local  # opt-level 3, into target/release

workdir="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$workdir"
}
trap cleanup EXIT
MUISTOT_DATABASE_URL="mysql://root@127.0.0.1:3306/$DB" MUISTOT_BIND="127.0.0.1:$PORT" \
  MUISTOT_SESSIONS="redis://127.0.0.1:6379/0" MUISTOT_IMAGES="dir:$workdir/images" \
  MUISTOT_MAIL=log MUISTOT_AUTO_PUBLISH=true MUISTOT_BCRYPT_COST=4 RUST_LOG=warn \
  "$CARGO_TARGET_DIR/release/local" >"$workdir/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 120); do curl -sf "$base/" -o /dev/null && break; sleep 0.5; done

# Sixteen writers: registered through the API, verified in SQL, logged in by password.
tokens=""
run=$RANDOM$RANDOM
for i in $(seq 1 16); do
  name="soak-$run-$i"
  curl -sf -X POST "$base/register" -H 'content-type: application/json' \
    -d "{\"username\":\"$name\",\"email\":\"$name@example.com\",\"password\":\"soak-password-$i\"}" -o /dev/null
  mysql -h127.0.0.1 -uroot "$DB" -e "UPDATE users SET verified = 1 WHERE username = '$name'"
  token=$(curl -sf -D - -X POST "$base/login" -H 'content-type: application/json' \
    -d "{\"username\":\"$name\",\"password\":\"soak-password-$i\"}" -o /dev/null \
    | tr -d '\r' | awk 'tolower($1)=="authorization:" {print $3}')
  tokens="$tokens${tokens:+,}$token"
done

rss() { awk '/VmRSS/ {print $2}' "/proc/$server_pid/status"; }
# Warm up, then measure resident memory at the start of the run proper.
SOAK_TOKENS="$tokens" timeout 60 wrk -t2 -c"$CONNECTIONS" -d10s -s tests/bench/mix.lua "$base" >/dev/null
rss_start=$(rss)
memories_before=$(mysql -h127.0.0.1 -uroot -N "$DB" -e "SELECT COUNT(*) FROM memories")
SOAK_TOKENS="$tokens" timeout $((SECONDS_TOTAL + 60)) wrk -t2 -c"$CONNECTIONS" -d"${SECONDS_TOTAL}s" \
  --timeout 10s --latency -s tests/bench/mix.lua "$base" | tee "$workdir/wrk.txt" | grep '^RESULT'
rss_end=$(rss)
memories_after=$(mysql -h127.0.0.1 -uroot -N "$DB" -e "SELECT COUNT(*) FROM memories")
growth=$(awk -v a="$rss_start" -v b="$rss_end" 'BEGIN { printf "%.1f", (b - a) * 100 / a }')
echo "SOAK connections=$CONNECTIONS seconds=$SECONDS_TOTAL rss_start_kib=$rss_start rss_end_kib=$rss_end rss_growth_pct=$growth memories_written=$((memories_after - memories_before))"
if grep -qi panicked "$workdir/server.log"; then echo "soak: the server panicked"; exit 1; fi
