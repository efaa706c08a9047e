#!/usr/bin/env bash
# Fuzzes the API against its own OpenAPI document with schemathesis (PyPI): every operation
# gets generated valid and invalid input; a 5xx, an undocumented status, content type or
# header, or a body that does not match its schema fails the run.
#
# Starts the local server on a free port against a fresh database muistot_fuzz_<pid>
# (demo data, auto-publish, mail to the log), registers three users through the API,
# marks them verified in SQL (one superuser, one admin of demo-project), logs them in,
# then runs schemathesis' phases (examples, coverage, fuzzing, stateful) four times:
#   1. superuser: every operation except those that end the token (DELETE /me,
#      DELETE /me/sessions, PUT /me/password, POST /me/username);
#   2. project admin (not superuser): the same operations, for the 403 paths;
#   3. session-ending operations with the third user's token (after its first success
#      the token is gone and the rest are 401s, which the document lists);
#   4. anonymous: every operation without a token (registration, 401 guards).
# Then stops the server and drops the database.
#
# Knobs (environment): FUZZ_SEED, FUZZ_EXAMPLES (examples per operation and run),
# FUZZ_MAX_TIME (seconds per run, unset: no limit), FUZZ_PHASES, FUZZ_KEEP_DB=1 (keep the
# database), FUZZ_KEEP_WORK=1 (keep the document, logs and JUnit reports).
set -euo pipefail
cd "$(dirname "$0")/.."

MUISTOT_NEED_MOTO=0 source .ci/services.sh
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/muistot/target}"

SCHEMATHESIS_VERSION="4.32.5"
VENV="${MUISTOT_FUZZ_VENV:-$HOME/.cache/muistot/fuzz-venv}"
if ! "$VENV/bin/schemathesis" --version 2>/dev/null | grep -q "$SCHEMATHESIS_VERSION"; then
  echo "fuzz: installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
  python3 -m venv "$VENV" 2>/dev/null || { apt_install python3-venv; python3 -m venv "$VENV"; }
  "$VENV/bin/pip" install -q "schemathesis==$SCHEMATHESIS_VERSION"
fi

SEED="${FUZZ_SEED:-20220405}"
EXAMPLES="${FUZZ_EXAMPLES:-100}"
PHASES="${FUZZ_PHASES:-examples,coverage,fuzzing,stateful}"
CHECKS="not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance"

echo "fuzz: building the local server"
cargo build --locked --quiet --bin local

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
DB="muistot_fuzz_$$"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/muistot-fuzz.XXXXXX")
BASE="http://127.0.0.1:$PORT"
SERVER_PID=""

cleanup() {
  local status=$?
  if [ -n "$SERVER_PID" ]; then kill "$SERVER_PID" 2>/dev/null || true; wait "$SERVER_PID" 2>/dev/null || true; fi
  if [ "${FUZZ_KEEP_DB:-0}" != "1" ]; then
    mysql -h127.0.0.1 -uroot -e "DROP DATABASE IF EXISTS \`$DB\`" || true
  fi
  if [ $status -ne 0 ]; then
    echo "fuzz: server log (last 40 lines):"; tail -n 40 "$WORK/server.log" 2>/dev/null || true
  fi
  if [ "${FUZZ_KEEP_WORK:-0}" = "1" ]; then echo "fuzz: kept $WORK"; else rm -rf "$WORK"; fi
  exit $status
}
trap cleanup EXIT

MUISTOT_BIND="127.0.0.1:$PORT" \
MUISTOT_DATABASE_URL="mysql://root@127.0.0.1:3306/$DB" \
MUISTOT_SESSIONS="redis://127.0.0.1:6379/0" \
MUISTOT_MAIL=log \
MUISTOT_AUTO_PUBLISH=true \
MUISTOT_DEMO_DATA=true \
MUISTOT_BCRYPT_COST=4 \
MUISTOT_IMAGES="dir:$WORK/images" \
RUST_LOG="${RUST_LOG:-warn}" \
  "$CARGO_TARGET_DIR/debug/local" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 120); do
  if curl -sf "$BASE/" -o /dev/null; then break; fi
  if ! kill -0 "$SERVER_PID" 2>/dev/null; then echo "fuzz: the server did not start" >&2; exit 1; fi
  sleep 0.5
done
curl -sf "$BASE/openapi.json" -o "$WORK/openapi.json"

# Seed: two accounts registered through the API, verified in SQL, logged in through the API.
PASSWORD="fuzz-password-$$"
login() { # username → token
  curl -sf -D - -o /dev/null -X POST "$BASE/login" -H 'Content-Type: application/json' \
    -d "{\"username\": \"$1\", \"password\": \"$PASSWORD\"}" |
    tr -d '\r' | awk 'tolower($1) == "authorization:" { print $3 }'
}
for user in fuzz-admin fuzz-editor fuzz-leaver; do
  curl -sf -o /dev/null -X POST "$BASE/register" -H 'Content-Type: application/json' \
    -d "{\"username\": \"$user\", \"email\": \"$user@example.com\", \"password\": \"$PASSWORD\"}"
done
mysql -h127.0.0.1 -uroot "$DB" -e "
  UPDATE users SET verified = 1 WHERE username LIKE 'fuzz-%';
  INSERT INTO superusers (user_id) SELECT id FROM users WHERE username = 'fuzz-admin';
  INSERT INTO project_admins (project_id, user_id)
    SELECT p.id, u.id FROM projects p, users u
    WHERE p.name = 'demo-project' AND u.username = 'fuzz-editor';"
ADMIN_TOKEN=$(login fuzz-admin)
EDITOR_TOKEN=$(login fuzz-editor)
LEAVER_TOKEN=$(login fuzz-leaver)
if [ -z "$ADMIN_TOKEN" ] || [ -z "$EDITOR_TOKEN" ] || [ -z "$LEAVER_TOKEN" ]; then
  echo "fuzz: login failed" >&2; exit 1
fi

ENDING=(--include-operation-id me_logout --include-operation-id me_logout_everywhere
        --include-operation-id me_change_password --include-operation-id me_change_username)
NOT_ENDING=(--exclude-operation-id me_logout --exclude-operation-id me_logout_everywhere
            --exclude-operation-id me_change_password --exclude-operation-id me_change_username)

total=0
failed=0
runs=0
run() { # name, schemathesis options…
  local name="$1"; shift
  runs=$((runs + 1))
  echo "== fuzz: $name"
  local args=(run "$WORK/openapi.json" --url "$BASE" --seed "$SEED" --max-examples "$EXAMPLES"
              --phases "$PHASES" --checks "$CHECKS" --workers 1 --no-color
              --generation-database none --request-timeout 30
              --report junit --report-junit-path "$WORK/$name.xml")
  if [ -n "${FUZZ_MAX_TIME:-}" ]; then args+=(--max-time "$FUZZ_MAX_TIME"); fi
  local status=0
  # From the work folder: schemathesis keeps a cache (.schemathesis/) in the current one.
  (cd "$WORK" && "$VENV/bin/schemathesis" "${args[@]}" "$@") >"$WORK/$name.log" 2>&1 || status=$?
  # The summary: operations, generated cases, failures.
  sed -n '/SUMMARY/,$p' "$WORK/$name.log"
  local cases
  cases=$(grep -Eo '[0-9]+ generated' "$WORK/$name.log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
  total=$((total + cases))
  if [ $status -ne 0 ]; then
    failed=$((failed + 1))
    echo "fuzz: $name FAILED (schemathesis exit $status); full output:"
    cat "$WORK/$name.log"
  fi
}

run superuser -H "Authorization: bearer $ADMIN_TOKEN" "${NOT_ENDING[@]}"
run project-admin -H "Authorization: bearer $EDITOR_TOKEN" "${NOT_ENDING[@]}"
run session-ending -H "Authorization: bearer $LEAVER_TOKEN" "${ENDING[@]}"
run anonymous

# A panic in the server is a failure even where no response showed it.
panics=$(grep -c 'panicked' "$WORK/server.log" || true)
if [ "$panics" -gt 0 ]; then
  echo "fuzz: the server panicked $panics times:"
  grep -A2 'panicked' "$WORK/server.log" | head -n 30
  failed=$((failed + 1))
fi
echo "fuzz: $total generated test cases in $runs runs, seed $SEED"
if [ "$total" -lt 1000 ]; then
  echo "fuzz: fewer than 1000 cases; raise FUZZ_EXAMPLES" >&2
  failed=$((failed + 1))
fi
echo "fuzz: $((runs - failed < 0 ? 0 : runs - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
