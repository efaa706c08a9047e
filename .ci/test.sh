#!/usr/bin/env bash
# Runs every test of the workspace against real services (started here if missing).
set -euo pipefail
cd "$(dirname "$0")/.."

source .ci/services.sh
# The OpenAPI document is validated by the reference validator (PyPI).
python3 -c "import openapi_spec_validator" 2>/dev/null || python3 -m pip install -q openapi-spec-validator
# Build output lives outside the clone so that later runs reuse it.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/muistot/target}"
export MUISTOT_TEST_DATABASE_URL="${MUISTOT_TEST_DATABASE_URL:-mysql://root@127.0.0.1:3306}"
export MUISTOT_TEST_REDIS_URL="${MUISTOT_TEST_REDIS_URL:-redis://127.0.0.1:6379/0}"
export AWS_ENDPOINT_URL="${AWS_ENDPOINT_URL:-http://127.0.0.1:${MOTO_PORT:-5055}}"

status=0
cargo test --workspace --locked "$@" || status=$?

# Each test binary creates its own database named muistot_test_<pid>_…; drop those whose
# process has ended (a concurrent run's databases are left alone).
for db in $(mysql -h127.0.0.1 -uroot -N -e "SHOW DATABASES LIKE 'muistot\_test\_%'"); do
  pid=$(echo "$db" | cut -d_ -f3)
  if [ ! -d "/proc/$pid" ]; then mysql -h127.0.0.1 -uroot -e "DROP DATABASE IF EXISTS \`$db\`"; fi
done
exit $status
