#!/usr/bin/env bash
# Ensures the services the API and its tests need are installed and running on this
# machine: MariaDB (127.0.0.1:3306, root), Redis (127.0.0.1:6379) and, for the AWS
# parts, moto's server (127.0.0.1:${MOTO_PORT:-5055}). Installs what is missing with apt/pip.
# Source it or run it; it is idempotent.
set -euo pipefail

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
MOTO_PORT="${MOTO_PORT:-5055}"
apt_updated=""

apt_install() {
  if [ -z "$apt_updated" ]; then $SUDO apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

wait_for() { # description, command...
  local what="$1"; shift
  for _ in $(seq 1 60); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  echo "services: $what did not come up" >&2
  return 1
}

mariadb_up() { mysqladmin -h127.0.0.1 -P3306 -uroot ping; }
if ! mariadb_up >/dev/null 2>&1; then
  if ! command -v mariadbd >/dev/null 2>&1 && [ ! -x /usr/sbin/mariadbd ]; then
    echo "services: installing MariaDB"
    apt_install mariadb-server mariadb-client
  fi
  echo "services: starting MariaDB"
  $SUDO mkdir -p /run/mysqld && $SUDO chown mysql:mysql /run/mysqld 2>/dev/null || true
  $SUDO start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
  wait_for "MariaDB" mariadb_up
fi

# The database TLS test (tests/tests/api/database_tls.rs) starts a private MariaDB with a
# certificate it makes: it needs these programs beside the running server.
if ! command -v openssl >/dev/null 2>&1; then apt_install openssl; fi
if ! command -v mariadb-install-db >/dev/null 2>&1 && [ ! -x /usr/bin/mariadb-install-db ]; then
  apt_install mariadb-server
fi

redis_up() { redis-cli -h 127.0.0.1 -p 6379 ping | grep -q PONG; }
if ! redis_up >/dev/null 2>&1; then
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "services: installing Redis"
    apt_install redis-server
  fi
  echo "services: starting Redis"
  $SUDO mkdir -p /var/lib/redis /var/log/redis
  $SUDO redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/muistot.log
  wait_for "Redis" redis_up
fi

moto_up() { curl -sf "http://127.0.0.1:${MOTO_PORT}/moto-api/data.json" -o /dev/null; }
# 5.2.6 or newer: older ones answer S3's CompleteMultipartUpload with an XML root element
# the SDK refuses (the export's multipart upload, tests/tests/api/export.rs).
moto_recent() {
  python3 -c 'import sys, moto; v = tuple(int(p) for p in moto.__version__.split(".")[:3]); sys.exit(v < (5, 2, 6))'
}
if [ "${MUISTOT_NEED_MOTO:-1}" = "1" ] && ! moto_up >/dev/null 2>&1; then
  if ! command -v moto_server >/dev/null 2>&1 || ! moto_recent 2>/dev/null; then
    echo "services: installing moto"
    python3 -m pip install -q 'moto[server]>=5.2.6'
  fi
  echo "services: starting moto on 127.0.0.1:${MOTO_PORT}"
  mkdir -p "${TMPDIR:-/tmp}/muistot"
  nohup moto_server -H 127.0.0.1 -p "$MOTO_PORT" >"${TMPDIR:-/tmp}/muistot/moto.log" 2>&1 &
  wait_for "moto" moto_up
fi
