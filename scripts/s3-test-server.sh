#!/usr/bin/env bash
# Starts, stops and reports on a real, throw-away S3 server for swha-tts's tests: a one-node Ceph
# cluster (one monitor, one in-memory "memstore" OSD) with a RADOS Gateway serving the S3 API on
# 127.0.0.1 only, from Debian 12's own packages. See docs/s3-test-server.md.
#
#   bash scripts/s3-test-server.sh start  DIR   # create or restart, wait;
#                                              # last line, shell-sourceable: S3_ENDPOINT_URL=...
#                                              # AWS_ACCESS_KEY_ID=... AWS_SECRET_ACCESS_KEY=...
#                                              # S3_BUCKET_NAME=...
#   bash scripts/s3-test-server.sh stop   DIR   # stop every daemon by its own pid file
#   bash scripts/s3-test-server.sh status DIR   # "up" + the line above (exit 0), or "down" (exit 1)
#   bash scripts/s3-test-server.sh env    DIR   # just the line above (exit 1 if never started)
#
# Everything (ceph.conf, keyring, mon store, OSD data, logs, pid files, admin sockets) lives under
# DIR; nothing in /etc/ceph or /var/lib/ceph is read or written. Run as root (the daemons run
# as root); the packages come from scripts/install-deps.sh. start on a DIR whose cluster was
# stopped restarts it with its data. If start fails, it stops what it started and leaves the logs in DIR/log.
# Environment, all optional:
#   S3_TEST_PORT      S3 (radosgw) port on 127.0.0.1; default: the first free one from 17480
#   CEPH_MON_PORT     monitor port on 127.0.0.1;      default: the first free one from 16789
#                     (both are fixed when DIR is created; for parallel clusters set them)
#   S3_TEST_BUCKET    bucket created at start;        default: swha-test
#   S3_TEST_ACCESS_KEY, S3_TEST_SECRET_KEY            default: fixed test credentials
#   S3_TEST_MGR=1     also run a ceph-mgr (not needed for S3; ~300 MB)
#   S3_TEST_LC_DAY_SECONDS  a lifecycle "day" lasts this many seconds, and lifecycle rules run
#                     that often (rgw_lc_debug_interval); fixed when DIR is created
#   S3_TEST_STORE_BYTES  what the in-memory OSD holds before it is full and writes wait;
#                     default: 2147483648 (2 GiB); fixed when DIR is created
#   S3_TEST_TIMEOUT   seconds to wait for each step;  default: 60
#   S3_TEST_STOP_TIMEOUT  seconds between TERM and KILL for each daemon; default: 15
#   S3_TEST_QUIET=1   no progress lines on stderr
set -euo pipefail

PACKAGES=(ceph-mon ceph-osd ceph-mgr radosgw ceph-common)
# Daemons by Ceph name, which is also the pid file's name (DIR/$name.pid). The S3 server is up
# when the first three run; mgr.x runs only with S3_TEST_MGR=1.
CORE_DAEMONS=(mon.a osd.0 client.rgw)

usage() {
  sed -n '2,29p' "$0" | sed 's/^# \{0,1\}//' >&2
  exit 2
}

log() { echo "s3-test-server: $*" >&2; }
T0=${EPOCHREALTIME/[.,]/}
# step MESSAGE: a progress line with the time since the script started, unless S3_TEST_QUIET=1.
step() {
  [ "${S3_TEST_QUIET:-0}" = 1 ] && return 0
  local us=$((${EPOCHREALTIME/[.,]/} - T0))
  printf 's3-test-server: [%d.%01ds] %s\n' $((us / 1000000)) $((us % 1000000 / 100000)) "$*" >&2
}
die() {
  log "error: $*"
  exit 1
}
# die_log FILE MESSAGE: die, showing the end of FILE (a daemon's log) first.
die_log() {
  if [ -s "$1" ]; then
    log "last lines of $1:"
    tail -n 25 "$1" | sed 's/^/    /' >&2
  fi
  die "$2 (see $1)"
}

[ $# -eq 2 ] || usage
cmd=$1
[ -n "$2" ] || usage
if [ "$cmd" = start ]; then mkdir -p "$2" 2>/dev/null || true; fi
if [ -d "$2" ]; then
  DIR=$(cd "$2" && pwd)
elif [ "$cmd" = start ]; then
  die "cannot create directory '$2'"
else
  DIR=$2 # never started: stop has nothing to do, status and env say so
fi
CONF=$DIR/ceph.conf
ENV_FILE=$DIR/s3.env
TIMEOUT=${S3_TEST_TIMEOUT:-60}
STOP_TIMEOUT=${S3_TEST_STOP_TIMEOUT:-15}

ceph_cli() { timeout "$TIMEOUT" ceph -c "$CONF" --connect-timeout 15 "$@"; }
rgw_admin() { timeout "$TIMEOUT" radosgw-admin -c "$CONF" -n client.admin "$@"; }

# ---- packages ----------------------------------------------------------------------------------

# Fails, naming the package, when something the gateway needs is not installed: installing is
# scripts/install-deps.sh's job, never the tests' (parallel suites would race for dpkg's lock).
require_packages() {
  local missing=() p
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  command -v curl >/dev/null || missing+=(curl)
  command -v ss >/dev/null || missing+=(iproute2)
  [ ${#missing[@]} -eq 0 ] ||
    die "missing package(s) ${missing[*]}: scripts/install-deps.sh should have installed them"
}

# ---- ports -------------------------------------------------------------------------------------

port_in_use() { [ -n "$(ss -Hltn "sport = :$1" 2>/dev/null)" ]; }

# free_port BASE [EXCLUDE]: the first port from BASE up that nothing listens on.
free_port() {
  local p=$1
  while port_in_use "$p" || [ "$p" = "${2:-}" ]; do
    p=$((p + 1))
    [ "$p" -lt $(($1 + 500)) ] || die "no free port from $1 to $p"
  done
  echo "$p"
}

conf_get() { sed -n "s/^[[:space:]]*$1[[:space:]]*=[[:space:]]*//p" "$CONF" | head -n 1; }

# ---- daemons -----------------------------------------------------------------------------------

# pid_of NAME: the pid in DIR/NAME.pid if that process is alive and is one of this DIR's daemons.
pid_of() {
  local f=$DIR/$1.pid pid
  [ -f "$f" ] || return 1
  pid=$(tr -dc '0-9' <"$f")
  [ -n "$pid" ] && [ -r "/proc/$pid/cmdline" ] || return 1
  # Guards against a recycled pid: the process must have been started with this DIR's ceph.conf.
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF -- "$CONF" || return 1
  echo "$pid"
}

# wait_for SECONDS COMMAND...: retry COMMAND every 0.5 s until it succeeds.
wait_for() {
  local deadline=$((SECONDS + $1))
  shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.5
  done
}

stop_daemon() {
  local name=$1 pid deadline
  pid=$(pid_of "$name") || {
    rm -f "$DIR/$name.pid"
    return 0
  }
  kill -TERM "$pid" 2>/dev/null || true
  deadline=$((SECONDS + STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
  if kill -0 "$pid" 2>/dev/null; then
    log "$name (pid $pid) ignored TERM for ${STOP_TIMEOUT}s; sending KILL"
    kill -KILL "$pid" 2>/dev/null || true
    deadline=$((SECONDS + 10))
    while kill -0 "$pid" 2>/dev/null && [ $SECONDS -lt $deadline ]; do sleep 0.2; done
  fi
  kill -0 "$pid" 2>/dev/null && die "$name (pid $pid) survived KILL"
  rm -f "$DIR/$name.pid"
}

cmd_stop() {
  # radosgw first: its shutdown still talks to the OSD (with the OSD gone it hangs past any
  # timeout and needs KILL). Then the manager and the OSD together (the OSD marks itself down and
  # writes memstore's objects to DIR/osd/0), then the monitor. Each takes ~2 s to exit on TERM.
  local failed=0
  stop_daemon client.rgw || failed=1
  stop_daemon mgr.x &
  stop_daemon osd.0 &
  wait -n || failed=1
  wait -n || failed=1
  stop_daemon mon.a || failed=1
  [ $failed -eq 0 ] || die "some daemon could not be stopped"
  log "stopped ($DIR)"
}

# ---- configuration -----------------------------------------------------------------------------

write_conf() {
  local fsid=$1 mon_port=$2 s3_port=$3
  cat >"$CONF" <<EOF
# Generated by scripts/s3-test-server.sh: a one-node test cluster, everything under this folder.
[global]
fsid = $fsid
# Name v1 explicitly: with a bare address on any port but 6789, clients try msgr2 and fail.
mon host = v1:127.0.0.1:$mon_port
mon initial members = a
public addr = 127.0.0.1
cluster addr = 127.0.0.1
ms bind ipv6 = false
ms bind msgr2 = false
# cephx (the default), not auth none: with auth none over msgr v1 a client's first command can
# leave before the monmap has arrived, with a zero fsid, and the monitor refuses it ("wrong
# fsid", "problem getting command descriptions from mon"). Every daemon reads its key from here.
keyring = $DIR/keyring
mon warn on insecure global id reclaim = false
mon warn on insecure global id reclaim allowed = false
run dir = $DIR/run
pid file = $DIR/\$name.pid
log file = $DIR/log/\$name.log
log to stderr = false
err to stderr = true
mon cluster log file = $DIR/log/cluster.log
crash dir = $DIR/crash
mon data = $DIR/mon/\$id
osd data = $DIR/osd/\$id
mgr data = $DIR/mgr/\$id
rgw data = $DIR/rgw/\$id
# One OSD, in memory, replica count 1, few PGs, and no health alarms about any of that.
osd objectstore = memstore
memstore device bytes = ${S3_TEST_STORE_BYTES:-2147483648}
osd memory target = 1073741824
osd pool default size = 1
osd pool default min size = 1
mon allow pool size one = true
mon warn on pool no redundancy = false
osd pool default pg num = 8
osd pool default pgp num = 8
osd pool default pg autoscale mode = off
osd crush chooseleaf type = 0
osd max object name len = 2048
osd max object namespace len = 256
osd failsafe full ratio = 0.99
mon osd full ratio = 0.98
mon osd backfillfull ratio = 0.97
mon osd nearfull ratio = 0.96
mon data avail warn = 2
mon data avail crit = 1
osd op num shards = 2
osd op num threads per shard = 1
# No mgr module that listens on a port (restful, dashboard, prometheus).
mgr initial modules = iostat
# Commit monitor changes (each pool radosgw creates) every 0.1 s instead of every 1 s.
paxos propose interval = 0.1
debug ms = 0
debug mon = 1
debug osd = 1
debug mgr = 1
debug rgw = 1
debug paxos = 0
debug auth = 0
debug monc = 0

[mon]
admin socket = $DIR/run/\$name.asok

[mgr]
admin socket = $DIR/run/\$name.asok

[osd]
admin socket = $DIR/run/\$name.asok
# The script puts osd.0 in the CRUSH map itself (ceph osd crush add), so it does not depend on
# the OSD's own commands at start.
osd crush update on start = false
osd class update on start = false
# memstore writes its objects to osd data only when it is unmounted, which the default fast
# shutdown skips: without this, a stop/start of the same DIR loses every object.
osd fast shutdown = false

[client.rgw]
admin socket = $DIR/run/\$name.asok
rgw frontends = beast endpoint=127.0.0.1:$s3_port
rgw thread pool size = 64
rgw enable usage log = false
rgw enable ops log = false
rgw dns name =
# STS (AssumeRole on this same endpoint), for temporary credentials: the key encrypts the
# session tokens and must be 16 characters.
rgw s3 auth use sts = true
rgw sts key = swhaTestStsKey16
EOF
  if [ -n "${S3_TEST_LC_DAY_SECONDS:-}" ]; then
    echo "rgw lc debug interval = $S3_TEST_LC_DAY_SECONDS" >>"$CONF"
  fi
}

# ---- start -------------------------------------------------------------------------------------

s3_up() { [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$1/")" = 200 ]; }

all_running() {
  local name
  for name in "${CORE_DAEMONS[@]}"; do pid_of "$name" >/dev/null || return 1; done
}

# start_daemon NAME COMMAND...: run a daemonizing Ceph command; it writes DIR/NAME.pid itself.
start_daemon() {
  local name=$1
  shift
  pid_of "$name" >/dev/null && return 0
  step "starting $name"
  rm -f "$DIR/$name.pid"
  "$@" -c "$CONF" >>"$DIR/log/$name.out" 2>&1 || {
    cat "$DIR/log/$name.out" >&2
    die_log "$DIR/log/$name.log" "$name failed to start"
  }
  wait_for "$TIMEOUT" pid_of "$name" || die_log "$DIR/log/$name.log" "$name did not come up"
}

osd_up() { ceph_cli osd dump 2>/dev/null | grep -q '^osd\.0 up'; }

# create_user AK SK: the S3 user swha-test with that key (on a restart: make sure it has it).
create_user() {
  local out=$DIR/log/user-create.out
  if rgw_admin user info --uid=swha-test >/dev/null 2>&1; then
    rgw_admin key create --uid=swha-test --key-type=s3 --access-key="$1" --secret="$2" \
      >"$out" 2>&1 || die_log "$out" "radosgw-admin key create failed"
  else
    rgw_admin user create --uid=swha-test --display-name="swha-tts test user" \
      --access-key="$1" --secret="$2" >"$out" 2>&1 || die_log "$out" "radosgw-admin user create failed"
  fi
}

# create_role: the role swha-s3-test (ARN arn:aws:iam:::role/swha-s3-test), which the user
# swha-test may assume through STS and which may do anything in S3.
create_role() {
  local out=$DIR/log/role-create.out
  local trust='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":["arn:aws:iam:::user/swha-test"]},"Action":["sts:AssumeRole"]}]}'
  local policy='{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*"],"Resource":"arn:aws:s3:::*"}]}'
  if ! rgw_admin role get --role-name=swha-s3-test >/dev/null 2>&1; then
    rgw_admin role create --role-name=swha-s3-test --assume-role-policy-doc="$trust" \
      >"$out" 2>&1 || die_log "$out" "radosgw-admin role create failed"
  fi
  rgw_admin role-policy put --role-name=swha-s3-test --policy-name=swha-s3-all \
    --policy-doc="$policy" >>"$out" 2>&1 || die_log "$out" "radosgw-admin role-policy put failed"
}

# create_bucket ENDPOINT AK SK BUCKET: a SigV4-signed PUT Bucket through the S3 API (200, or 409
# BucketAlreadyOwnedByYou when it exists) via curl's --aws-sigv4.
create_bucket() {
  local code
  code=$(curl -s -o "$DIR/log/bucket-create.out" -w '%{http_code}' --max-time 30 -X PUT \
    --aws-sigv4 "aws:amz:us-east-1:s3" --user "$2:$3" \
    -H "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" \
    "$1/$4") || true
  case $code in
    200 | 409) return 0 ;;
    *) return 1 ;;
  esac
}

on_start_exit() {
  local rc=$?
  [ $rc -eq 0 ] && return 0
  log "start failed; stopping its daemons (logs in $DIR/log)"
  cmd_stop >/dev/null 2>&1 || true
  exit $rc
}

cmd_start() {
  local t0=$SECONDS
  require_packages
  local mon_port s3_port fsid endpoint ak sk bucket
  ak=${S3_TEST_ACCESS_KEY:-SWHATESTACCESSKEY001}
  sk=${S3_TEST_SECRET_KEY:-swhaTestSecretKey0000000000000000000000001}
  bucket=${S3_TEST_BUCKET:-swha-test}

  if [ -f "$CONF" ]; then
    # Existing cluster folder: reuse its ports and data.
    mon_port=$(conf_get 'mon host' | sed 's/.*://')
    s3_port=$(conf_get 'rgw frontends' | sed 's/.*://')
    endpoint=http://127.0.0.1:$s3_port
    if all_running && s3_up "$endpoint"; then
      log "already running ($DIR)"
      cat "$ENV_FILE"
      return 0
    fi
  fi
  mkdir -p "$DIR"/{run,log,crash}
  # On any failure from here on, stop whatever this start started; the logs stay.
  trap on_start_exit EXIT

  if [ -f "$ENV_FILE" ] && pid_of mon.a >/dev/null && pid_of osd.0 >/dev/null; then
    # Only the gateway is down (stopped or killed, as the fault tests do): its user, role and
    # bucket are still in the cluster, so starting radosgw again is all it takes (seconds,
    # where a start that makes them again takes half a minute under load).
    start_daemon client.rgw radosgw -n client.rgw
    step "waiting for radosgw on $endpoint"
    wait_for "$TIMEOUT" s3_up "$endpoint" ||
      die_log "$DIR/log/client.rgw.log" "radosgw does not answer on $endpoint"
    trap - EXIT
    log "gateway up again in $((SECONDS - t0)) s ($DIR)"
    cat "$ENV_FILE"
    return 0
  fi

  if [ ! -d "$DIR/mon/a/store.db" ] || [ ! -f "$DIR/osd/0/whoami" ]; then
    # Fresh cluster. Clear anything a half-finished earlier attempt left.
    cmd_stop 2>/dev/null
    rm -rf "$DIR"/{mon,osd,mgr,rgw,run,keyring,monmap,ceph.conf}
    mkdir -p "$DIR"/{run,log,crash,mon,osd/0,mgr/x,rgw}
    mon_port=${CEPH_MON_PORT:-$(free_port 16789)}
    s3_port=${S3_TEST_PORT:-$(free_port 17480 "$mon_port")}
    port_in_use "$mon_port" && die "monitor port $mon_port is in use"
    port_in_use "$s3_port" && die "S3 port $s3_port is in use"
    step "creating a new cluster in $DIR (mon port $mon_port, S3 port $s3_port)"
    fsid=$(cat /proc/sys/kernel/random/uuid)
    write_conf "$fsid" "$mon_port" "$s3_port"

    # One keyring for every entity; ceph-mon --mkfs imports all of them into the auth database.
    local kr=$DIR/keyring
    ceph-authtool --create-keyring "$kr" --gen-key -n mon. --cap mon 'allow *' >/dev/null
    ceph-authtool "$kr" --gen-key -n client.admin --cap mon 'allow *' --cap osd 'allow *' \
      --cap mgr 'allow *' --cap mds 'allow *' >/dev/null
    ceph-authtool "$kr" --gen-key -n osd.0 --cap mon 'allow profile osd' \
      --cap mgr 'allow profile osd' --cap osd 'allow *' >/dev/null
    ceph-authtool "$kr" --gen-key -n mgr.x --cap mon 'allow profile mgr' --cap osd 'allow *' \
      --cap mds 'allow *' >/dev/null
    ceph-authtool "$kr" --gen-key -n client.rgw --cap mon 'allow rw' --cap osd 'allow rwx' \
      --cap mgr 'allow rw' >/dev/null
    monmaptool --create --clobber --addv a "[v1:127.0.0.1:$mon_port]" --fsid "$fsid" \
      "$DIR/monmap" >/dev/null
    ceph-mon -c "$CONF" --mkfs -i a --monmap "$DIR/monmap" --keyring "$DIR/keyring" \
      >"$DIR/log/mon-mkfs.out" 2>&1 || die_log "$DIR/log/mon-mkfs.out" "ceph-mon --mkfs failed"
    start_daemon mon.a ceph-mon -i a
    local osd_uuid osd_id
    osd_uuid=$(cat /proc/sys/kernel/random/uuid)
    step "creating osd.0"
    osd_id=$(ceph_cli osd create "$osd_uuid" 2>"$DIR/log/osd-create.out") ||
      die_log "$DIR/log/osd-create.out" "ceph osd create failed"
    [ "$osd_id" = 0 ] || die "ceph osd create gave id '$osd_id', expected 0"
    ceph_cli osd crush add osd.0 1.0 root=default >>"$DIR/log/osd-create.out" 2>&1 ||
      die_log "$DIR/log/osd-create.out" "ceph osd crush add failed"
    ceph-osd -c "$CONF" -i 0 --mkfs --osd-uuid "$osd_uuid" >"$DIR/log/osd-mkfs.out" 2>&1 ||
      die_log "$DIR/log/osd-mkfs.out" "ceph-osd --mkfs failed"
  else
    port_in_use "$mon_port" && ! pid_of mon.a >/dev/null && die "monitor port $mon_port is in use"
    port_in_use "$s3_port" && ! pid_of client.rgw >/dev/null && die "S3 port $s3_port is in use"
    start_daemon mon.a ceph-mon -i a
  fi
  endpoint=http://127.0.0.1:$s3_port

  start_daemon osd.0 ceph-osd -i 0
  # radosgw needs no manager (pools are created by the monitor, autoscaling is off); one only adds
  # PG statistics to `ceph -s` and costs ~300 MB RSS and a second of CPU at start.
  if [ "${S3_TEST_MGR:-0}" = 1 ]; then start_daemon mgr.x ceph-mgr -i x; fi
  step "waiting for osd.0 to be up"
  wait_for "$TIMEOUT" osd_up || die_log "$DIR/log/osd.0.log" "osd.0 did not come up"
  start_daemon client.rgw radosgw -n client.rgw
  step "waiting for radosgw on $endpoint"
  wait_for "$TIMEOUT" s3_up "$endpoint" ||
    die_log "$DIR/log/client.rgw.log" "radosgw does not answer on $endpoint"
  step "creating user swha-test"
  create_user "$ak" "$sk"
  step "creating role swha-s3-test"
  create_role
  step "creating bucket $bucket"
  # A freshly created user can take a moment to be seen by radosgw's cache; retry the PUT.
  wait_for "$TIMEOUT" create_bucket "$endpoint" "$ak" "$sk" "$bucket" ||
    die_log "$DIR/log/bucket-create.out" "could not create bucket $bucket"

  echo "S3_ENDPOINT_URL=$endpoint AWS_ACCESS_KEY_ID=$ak AWS_SECRET_ACCESS_KEY=$sk" \
    "S3_BUCKET_NAME=$bucket" >"$ENV_FILE"
  trap - EXIT
  log "up in $((SECONDS - t0)) s ($DIR)"
  cat "$ENV_FILE"
}

cmd_status() {
  local name pid s3_port down=0
  [ -f "$CONF" ] || {
    echo "down (no cluster in $DIR)"
    return 1
  }
  for name in "${CORE_DAEMONS[@]}" mgr.x; do
    if pid=$(pid_of "$name"); then
      echo "$name: running (pid $pid)"
    elif [ "$name" != mgr.x ]; then
      echo "$name: not running"
      down=1
    fi
  done
  s3_port=$(conf_get 'rgw frontends' | sed 's/.*://')
  if [ $down -eq 0 ] && s3_up "http://127.0.0.1:$s3_port" && [ -f "$ENV_FILE" ]; then
    echo "up"
    cat "$ENV_FILE"
    return 0
  fi
  echo "down"
  return 1
}

case $cmd in
  start) cmd_start ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
  env)
    [ -f "$ENV_FILE" ] || die "no $ENV_FILE: start it first"
    cat "$ENV_FILE"
    ;;
  *) usage ;;
esac
