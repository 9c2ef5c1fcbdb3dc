#!/usr/bin/env bash
# Starts and stops a real, throw-away PostgreSQL server for swha-tts's tests and benchmarks: a
# cluster made with Debian 12's own initdb and run with pg_ctl, listening on 127.0.0.1 only,
# with password (SCRAM) authentication as a deployment would use.
#
#   bash scripts/pg-test-server.sh start DIR   # create (first time) or restart, wait until it
#                                             # accepts connections; last line, shell-sourceable:
#                                             # PG_TEST_URL=postgresql://swha:...@127.0.0.1:PORT/postgres
#   bash scripts/pg-test-server.sh stop  DIR   # fast shutdown (sessions are ended), wait
#
# Everything (data, socket, log) lives under DIR. PostgreSQL refuses to run as root, so as root
# the cluster belongs to a dedicated system user, swha-pgtest, created on first use; DIR and
# the directories above it must be traversable by that user. The packages come from
# scripts/install-deps.sh. Environment, all optional:
#   PG_TEST_PORT   port on 127.0.0.1; default: the first free one from 15432 (fixed at creation)
#   PG_TEST_FSYNC  on | off (default off: a test cluster need not survive a power cut; the
#                  benchmarks set it on, as a deployment has it)
#   PG_TEST_TIMEOUT  seconds to wait for start and stop; default: 60
set -euo pipefail

readonly PG_USER=swha-pgtest
readonly DB_ROLE=swha
readonly DB_PASSWORD=swha-test-password  # a throw-away cluster on loopback

log() { echo "pg-test-server: $*" >&2; }
die() {
  log "error: $*"
  exit 1
}
usage() {
  sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

[ $# -eq 2 ] || usage
command=$1
dir=$(realpath -m "$2")
timeout=${PG_TEST_TIMEOUT:-60}

bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
[ -n "$bindir" ] && [ -x "$bindir/initdb" ] ||
  die "missing package(s) postgresql: scripts/install-deps.sh should have installed them"
command -v ss >/dev/null ||
  die "missing package(s) iproute2: scripts/install-deps.sh should have installed them"

# as_owner CMD...: runs CMD as the cluster's owner (swha-pgtest as root, else the caller).
as_owner() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u "$PG_USER" -- "$@"
  else
    "$@"
  fi
}

port_in_use() { ss -Htln "sport = :$1" | grep -q .; }

url() { echo "PG_TEST_URL=postgresql://$DB_ROLE:$DB_PASSWORD@127.0.0.1:$(cat "$dir/port")/postgres"; }

create() {
  local port=${PG_TEST_PORT:-}
  if [ -z "$port" ]; then
    port=15432
    while port_in_use "$port"; do port=$((port + 1)); done
  fi
  mkdir -p "$dir"
  if [ "$(id -u)" -eq 0 ]; then
    # Suites starting clusters at once may race to create the user (or for /etc/passwd's
    # lock): whoever loses finds it made, or tries again.
    local tries=0
    until id -u "$PG_USER" >/dev/null 2>&1; do
      useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin \
        "$PG_USER" 2>/dev/null || true
      tries=$((tries + 1))
      ((tries < 20)) || die "cannot create the system user $PG_USER"
      id -u "$PG_USER" >/dev/null 2>&1 || sleep 0.5
    done
    chown "$PG_USER" "$dir"
  fi
  chmod 0700 "$dir"
  echo "$port" >"$dir/port"
  local pwfile="$dir/pwfile"
  as_owner sh -c "umask 077 && echo '$DB_PASSWORD' > '$pwfile'"
  as_owner "$bindir/initdb" --pgdata="$dir/data" --username="$DB_ROLE" --pwfile="$pwfile" \
    --auth=scram-sha-256 --encoding=UTF8 --locale=C --no-sync >"$dir/initdb.log" 2>&1 ||
    die "initdb failed: $(tail -n 5 "$dir/initdb.log")"
  rm -f "$pwfile"
  cat >>"$dir/data/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 200
shared_buffers = 64MB
fsync = ${PG_TEST_FSYNC:-off}
synchronous_commit = ${PG_TEST_FSYNC:-off}
full_page_writes = ${PG_TEST_FSYNC:-off}
EOF
}

case "$command" in
  start)
    [ -f "$dir/data/PG_VERSION" ] || create
    port=$(cat "$dir/port")
    port_in_use "$port" && die "port $port on 127.0.0.1 is taken"
    as_owner "$bindir/pg_ctl" --pgdata="$dir/data" --log="$dir/server.log" --wait \
      --timeout="$timeout" start >/dev/null ||
      die "pg_ctl start failed: $(tail -n 10 "$dir/server.log" 2>/dev/null)"
    "$bindir/pg_isready" --host=127.0.0.1 --port="$port" --timeout="$timeout" >/dev/null ||
      die "the server does not accept connections on 127.0.0.1:$port"
    url
    ;;
  stop)
    [ -f "$dir/data/postmaster.pid" ] || exit 0
    as_owner "$bindir/pg_ctl" --pgdata="$dir/data" --mode=fast --wait --timeout="$timeout" \
      stop >/dev/null || die "pg_ctl stop failed: $(tail -n 10 "$dir/server.log" 2>/dev/null)"
    ;;
  *) usage ;;
esac
