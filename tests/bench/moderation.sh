#!/usr/bin/env bash
# Moderation-queue benchmark (not a test; docs/api-conventions.md#moderation-queue): seeds
# a separate database `muistot_bench_moderation` once (tests/bench/moderation_seed.sql:
# 10 000 waiting memories in `mod-project` among 50 000 of another project, 2 000 reported
# memories, 10 000 waiting comments), starts the local server on loopback with Redis
# sessions, mints a session for the project's admin and times single requests, one at a
# time, with curl: RESULT lines with the median and the slowest of BENCH_REPEAT (20) runs.
#   bash tests/bench/moderation.sh                      # dev build (what the tests build)
#   BENCH_PROFILE=bench bash tests/bench/moderation.sh  # opt-level 3, as load.sh
#   BENCH_RESEED=1 …                                    # drop and seed again
set -euo pipefail
cd "$(dirname "$0")/../.."

MUISTOT_NEED_MOTO=0 source .ci/services.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/muistot/target}"
PROFILE="${BENCH_PROFILE:-dev}"
REPEAT="${BENCH_REPEAT:-20}"
PORT="${BENCH_PORT:-5697}"
DB=muistot_bench_moderation
REDIS="${BENCH_REDIS:-redis://127.0.0.1:6379/0}"
mysql_q() { mysql -h127.0.0.1 -uroot -N "$@"; }

cargo build --profile "$PROFILE" --locked --bin local --bin session-token
dir=$([ "$PROFILE" = dev ] && echo debug || echo release)
bin="$CARGO_TARGET_DIR/$dir"

workdir="$(mktemp -d)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$workdir"
}
trap cleanup EXIT

if [ "${BENCH_RESEED:-0}" = "1" ]; then mysql_q -e "DROP DATABASE IF EXISTS $DB"; fi
export MUISTOT_DATABASE_URL="mysql://root@127.0.0.1:3306/$DB" MUISTOT_SESSIONS="$REDIS"
MUISTOT_BIND="127.0.0.1:$PORT" MUISTOT_IMAGES="dir:$workdir/images" MUISTOT_MAIL=log \
  MUISTOT_DEMO_DATA=false RUST_LOG=warn "$bin/local" >"$workdir/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 240); do
  if curl -sf "http://127.0.0.1:$PORT/" -o /dev/null; then break; fi
  sleep 0.5
done
users=$(mysql_q "$DB" -e "SELECT COUNT(*) FROM users WHERE username = 'mod-admin'")
if [ "$users" != "1" ]; then
  echo "bench: seeding $DB"
  time mysql_q "$DB" < tests/bench/moderation_seed.sql >/dev/null
  mysql_q "$DB" -e "ANALYZE TABLE sites, memories, comments, audit_memories" >/dev/null
fi
token=$("$bin/session-token" mod-admin)
base="http://127.0.0.1:$PORT/projects/mod-project/moderation"

get() { curl -sf -o "$workdir/body" -w '%{time_total}' -H "Authorization: bearer $token" "$1"; }

# Median and slowest of REPEAT single requests of URL $2, named $1, after one warm-up.
measure() {
  local name=$1 url=$2 times items
  get "$url" >/dev/null
  items=$(python3 -c "import json,sys; print(len(json.load(open(sys.argv[1]))['items']))" "$workdir/body")
  times=$(for _ in $(seq 1 "$REPEAT"); do get "$url"; echo; done | sort -n)
  echo "RESULT queue=$name items=$items bytes=$(wc -c <"$workdir/body") median_ms=$(echo "$times" | awk '{a[NR]=$1} END {printf "%.1f", a[int((NR+1)/2)]*1000}') max_ms=$(echo "$times" | tail -1 | awk '{printf "%.1f", $1*1000}') build=$PROFILE"
}

# The cursor after $2 pages of 100 of queue query $1.
cursor_after() {
  local query=$1 pages=$2 cursor=""
  for _ in $(seq 1 "$pages"); do
    get "$base?$query&limit=100${cursor:+&cursor=$cursor}" >/dev/null
    cursor=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['next'] or '')" "$workdir/body")
  done
  echo "$cursor"
}

measure waiting-memories-first-100 "$base?kind=memory&state=waiting&limit=100"
middle=$(cursor_after "kind=memory&state=waiting" 50)
measure waiting-memories-page-51 "$base?kind=memory&state=waiting&limit=100&cursor=$middle"
last=$(cursor_after "kind=memory&state=waiting" 99)
measure waiting-memories-page-100 "$base?kind=memory&state=waiting&limit=100&cursor=$last"
measure reported-memories-first-100 "$base?kind=memory&state=reported&limit=100"
measure waiting-comments-first-100 "$base?kind=comment&state=waiting&limit=100"
measure waiting-sites "$base?kind=site&state=waiting&limit=100"
measure waiting-memories-whole "$base?kind=memory&state=waiting"
mysql_q "$DB" -e "EXPLAIN SELECT m.id FROM memories m JOIN sites s ON s.id = m.site_id
  WHERE s.project_id = (SELECT id FROM projects WHERE name = 'mod-project')
    AND m.id > 0 AND m.deleted = 0 AND m.published = 0 ORDER BY m.id LIMIT 101" \
  | awk -F'\t' '{print "bench: explain waiting memories: table=" $3 " type=" $4 " key=" $6 " rows=" $9 " extra=" $10}'
