#!/usr/bin/env bash
# Invokes a function running under `cargo lambda watch` with an event from events/ and checks
# the status its file name says. Each {{token:USER}} in the event becomes a fresh session of
# USER, minted in the store MUISTOT_SESSIONS names (the one the watched functions use).
#
#   cargo lambda watch -A 127.0.0.1 -P 9000          # in another shell, same MUISTOT_* env
#   events/invoke.sh [--fixture] events/projects/create.201.json [more events…]
#
# --fixture reloads events/fixture.sql into MUISTOT_DATABASE_URL's database first (mysql client).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/muistot/target}"
ADDRESS="${INVOKE_ADDRESS:-127.0.0.1}"
PORT="${INVOKE_PORT:-9000}"

fixture=0
if [ "${1:-}" = "--fixture" ]; then fixture=1; shift; fi
if [ $# -eq 0 ]; then
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi

load_fixture() {
  local url="${MUISTOT_DATABASE_URL:-mysql://root@127.0.0.1:3306/muistot}"
  local rest="${url#mysql://}" creds="" hostport db
  if [[ "$rest" == *@* ]]; then creds="${rest%%@*}"; rest="${rest#*@}"; fi
  hostport="${rest%%/*}"; db="${rest#*/}"; db="${db%%\?*}"
  local user="${creds%%:*}" pass=""
  [[ "$creds" == *:* ]] && pass="${creds#*:}"
  MYSQL_PWD="$pass" mysql -h"${hostport%%:*}" -P"${hostport##*:}" -u"${user:-root}" "$db" \
    < events/fixture.sql
}

failed=0
for event in "$@"; do
  [ "$fixture" = 1 ] && load_fixture
  function="$(basename "$(dirname "$event")")"
  expected="$(basename "$event" .json)"; expected="${expected##*.}"
  data="$(cat "$event")"
  for user in $(grep -o '{{token:[^}]*}}' "$event" | sort -u | sed 's/{{token:\(.*\)}}/\1/'); do
    token="$(cargo run -q -p muistot-tests --bin session-token -- "$user")"
    data="${data//\{\{token:$user\}\}/$token}"
  done
  answer="$(cargo lambda invoke "$function" --invoke-address "$ADDRESS" --invoke-port "$PORT" \
    --data-ascii "$data")"
  status="$(printf '%s' "$answer" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("statusCode"))')"
  if [ "$status" = "$expected" ]; then
    echo "ok   $event -> $status"
  else
    echo "FAIL $event -> $status (expected $expected): $answer"
    failed=1
  fi
done
exit $failed
