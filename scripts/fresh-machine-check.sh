#!/usr/bin/env bash
# Runs the README's two commands on a bare Debian 12, as a new user would: builds a minimal
# bookworm system with debootstrap (--variant=minbase, plus git and ca-certificates), copies a
# clean clone of this checkout's HEAD into it, then, as root inside it:
#   1. `bash scripts/test.sh` in full (it installs, builds and runs every test);
#   2. `bash scripts/run.sh` until GET /health answers, then stops it.
# Exits non-zero on the first failure, with the end of the failing command's output.
#
#   bash scripts/fresh-machine-check.sh            # the check; ~30 min on 2 cores
#   KEEP=1 bash scripts/fresh-machine-check.sh     # keep the system and its logs afterwards
#
# The Debian mirror is the one this machine's apt uses (its sources are copied in, never
# written into the repository). The tests and the service run in a network namespace of their
# own, with only a loopback interface: their ports cannot collide with anything on this
# machine, and a test that tried to download something would fail here instead of passing.
# Only the install step reaches the network. Environment: FRESH_CHECK_DIR (default: a new
# directory under /var/tmp), KEEP=1, HEALTH_TIMEOUT (seconds; default 900).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)

log() { echo "fresh-machine-check: $*" >&2; }
die() {
  log "FAIL: $*"
  exit 1
}

[ "$(id -u)" -eq 0 ] || die "run as root (debootstrap, chroot and mounts need it)"
for tool in debootstrap unshare; do
  command -v "$tool" >/dev/null ||
    die "missing $tool (package ${tool/unshare/util-linux}): scripts/install-deps.sh installs it"
done

# The first Debian archive (not its security suite) among this machine's apt sources.
mirror() {
  {
    cat /etc/apt/sources.list.d/*.sources 2>/dev/null | awk '/^URIs:/ {print $2}'
    cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null |
      sed -nE 's/^deb (\[[^]]*\] )?([^ ]+).*/\2/p'
  } | awk '!/-security/ {print; exit}'
}
MIRROR=$(mirror || true)
[ -n "$MIRROR" ] || die "no Debian mirror found in /etc/apt/sources.list{,.d}"

WORK=${FRESH_CHECK_DIR:-$(mktemp -d /var/tmp/swha-fresh.XXXXXX)}
mkdir -p "$WORK"
ROOT=$WORK/root
T0=$SECONDS

# Every process whose root directory is inside the new system (daemons a failed test left).
chroot_pids() {
  local p
  for p in /proc/[0-9]*; do
    [ "$(readlink "$p/root" 2>/dev/null)" = "$ROOT" ] && echo "${p#/proc/}"
  done
  return 0
}

cleanup() {
  local pids
  pids=$(chroot_pids)
  if [ -n "$pids" ]; then
    kill -TERM $pids 2>/dev/null || true
    sleep 3
    pids=$(chroot_pids)
    [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
  fi
  local m
  for m in dev/shm dev/pts dev sys proc; do
    mountpoint -q "$ROOT/$m" 2>/dev/null && umount -l "$ROOT/$m"
  done
  if [ "${KEEP:-0}" = 1 ]; then
    log "kept $WORK (logs: $WORK/*.log)"
  elif findmnt -rn -o TARGET | grep -q "^$ROOT"; then
    log "left $WORK in place: something is still mounted under it"
  else
    rm -rf --one-file-system "$WORK"
  fi
}
trap cleanup EXIT

# phase NAME COMMAND...: runs COMMAND with its output in $WORK/NAME.log; on failure prints the
# end of that log and stops the check.
phase() {
  local name=$1 start=$SECONDS
  shift
  log "$name ..."
  if ! "$@" >"$WORK/$name.log" 2>&1; then
    # CTest prints a failed test's own output right after its ***Failed line; the log's end
    # holds only the summary, so those sections come first.
    if grep -q '\*\*\*Failed\|\*\*\*Timeout' "$WORK/$name.log"; then
      log "failed tests in $WORK/$name.log:"
      grep -A 120 '\*\*\*Failed\|\*\*\*Timeout' "$WORK/$name.log" | head -n 400 | sed 's/^/    /' >&2
    fi
    log "last lines of $WORK/$name.log:"
    tail -n 80 "$WORK/$name.log" | sed 's/^/    /' >&2
    die "$name failed after $(((SECONDS - start) / 60)) min $(((SECONDS - start) % 60)) s"
  fi
  log "$name: ok in $(((SECONDS - start) / 60)) min $(((SECONDS - start) % 60)) s"
}

bootstrap() {
  debootstrap --variant=minbase --include=git,ca-certificates bookworm "$ROOT" "$MIRROR"
  # This machine's apt sources and settings, without hooks that would call its own programs.
  rm -f "$ROOT/etc/apt/sources.list"
  local f
  for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] && cp "$f" "$ROOT$f"
  done
  for f in /etc/apt/apt.conf.d/*; do
    [ -f "$f" ] && ! grep -q Invoke "$f" && cp "$f" "$ROOT/etc/apt/apt.conf.d/"
  done
  cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
  # This machine's TLS trust and npm settings, like its apt sources: the CA certificates it
  # added (an egress proxy's, which the npm registry is reached through) and /etc/npmrc.
  if compgen -G "/usr/local/share/ca-certificates/*.crt" >/dev/null; then
    mkdir -p "$ROOT/usr/local/share/ca-certificates"
    cp /usr/local/share/ca-certificates/*.crt "$ROOT/usr/local/share/ca-certificates/"
    chroot "$ROOT" update-ca-certificates >/dev/null
  fi
  [ -f /etc/npmrc ] && cp /etc/npmrc "$ROOT/etc/npmrc"
  mount -t proc proc "$ROOT/proc"
  mount -t sysfs sys "$ROOT/sys"
  mount --bind /dev "$ROOT/dev"
  mount --bind /dev/pts "$ROOT/dev/pts"
  mount -t tmpfs -o mode=1777 shm "$ROOT/dev/shm"
  git clone --quiet --no-local "$repo" "$ROOT/root/swha-tts"
  git -C "$ROOT/root/swha-tts" log -1 --format='checkout: %h %s'
}

# in_chroot [--isolated] SCRIPT: runs SCRIPT with bash in the checkout inside the new system,
# with a clean environment as CI has; --isolated gives it a network namespace with only lo.
in_chroot() {
  local net=()
  if [ "$1" = --isolated ]; then
    net=(unshare --net)
    shift
  fi
  env -i HOME=/root LANG=C.UTF-8 TERM=dumb CI=true \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    "${net[@]}" chroot "$ROOT" /bin/bash -c "set -euo pipefail
      [ -z '${net[*]}' ] || ip link set lo up
      cd /root/swha-tts
      $1"
}

# The README's run command in the background, /health polled until it answers, then stopped.
run_until_healthy() {
  in_chroot --isolated "
    setsid bash scripts/run.sh >/root/run.log 2>&1 &
    pid=\$!
    for _ in \$(seq ${HEALTH_TIMEOUT:-900}); do
      if body=\$(curl -fsS http://127.0.0.1:8000/health 2>/dev/null); then
        echo \"GET /health: \$body\"
        kill -TERM -\$pid
        wait \$pid || true
        exit 0
      fi
      kill -0 \$pid 2>/dev/null || { echo 'scripts/run.sh exited'; cat /root/run.log; exit 1; }
      sleep 1
    done
    echo 'no answer from /health'; cat /root/run.log; kill -KILL -\$pid; exit 1"
}

log "bare Debian 12 in $ROOT, mirror $MIRROR"
phase debootstrap bootstrap
# The install step is the one that needs the network; test.sh runs it again (then a no-op).
phase install in_chroot "bash scripts/install-deps.sh"
phase test in_chroot --isolated "bash scripts/test.sh"
grep -E 'tests passed|tests failed' "$WORK/test.log" | tail -n 1 | sed 's/^/fresh-machine-check: /' >&2
phase run run_until_healthy
tail -n 1 "$WORK/run.log" | sed 's/^/fresh-machine-check: /' >&2
log "PASS in $(((SECONDS - T0) / 60)) min $(((SECONDS - T0) % 60)) s"
