#!/usr/bin/env bash
# Installs the build into a temporary prefix (`cmake --install`) and checks the layout and the
# systemd unit: `systemd-analyze verify` must accept it without a single warning (it reports
# unknown keys and bad values only as warnings, with exit status 0). Fails, never skips, when
# systemd-analyze is missing: scripts/install-deps.sh installs the systemd package.
#   bash scripts/check-install.sh BUILD_DIR
set -euo pipefail
build=$1
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
command -v systemd-analyze >/dev/null ||
  fail "systemd-analyze is missing: install Debian's systemd package (bash scripts/install-deps.sh)"

prefix=$(mktemp -d /tmp/swha-install-XXXXXX)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix" >"$prefix/install.log" ||
  fail "cmake --install failed: $(cat "$prefix/install.log")"

unit=$prefix/lib/systemd/system/swha-tts.service
for f in bin/swha-tts lib/systemd/system/swha-tts.service share/doc/swha-tts/swha-tts.env.example \
  share/doc/swha-tts/README.md; do
  [ -f "$prefix/$f" ] || fail "$f was not installed; cmake --install said: $(cat "$prefix/install.log")"
done
[ -x "$prefix/bin/swha-tts" ] || fail "bin/swha-tts is not executable"
# The unit names the binary where this prefix put it.
grep -qx "ExecStart=$prefix/bin/swha-tts serve" "$unit" ||
  fail "the installed unit's ExecStart is not $prefix/bin/swha-tts: $(grep ExecStart "$unit")"
"$prefix/bin/swha-tts" config env-example | cmp -s - "$prefix/share/doc/swha-tts/swha-tts.env.example" ||
  fail "the installed swha-tts.env.example is not what the installed binary prints"
for setting in DynamicUser=yes StateDirectory=swha-tts ProtectSystem=strict NoNewPrivileges=yes \
  PrivateTmp=yes ProtectHome=yes EnvironmentFile=-/etc/swha-tts/swha-tts.env; do
  grep -qx "$setting" "$unit" || fail "the unit lacks $setting"
done

# --man=no: the unit names no man pages, and the container has none to look up.
set +e
verify=$(systemd-analyze verify --man=no "$unit" 2>&1)
status=$?
set -e
if [ "$status" -ne 0 ] || [ -n "$verify" ]; then
  fail "systemd-analyze verify $unit (exit $status):
$verify"
fi
echo "PASS: installed into $prefix: bin/swha-tts, lib/systemd/system/swha-tts.service (verified), share/doc/swha-tts/"
