#!/usr/bin/env bash
# Installs everything swha-tts needs to build, run and test, from Debian 12's packages only.
# Idempotent: apt-get skips what is already installed. Must run as root (or with sudo).
# This is the only place that installs: tests and benchmarks that find a tool missing fail,
# naming the package, rather than install it while other suites run.
set -euo pipefail

packages=(
  # toolchain
  g++ cmake ninja-build ccache pkg-config git ca-certificates curl python3
  clang-format clang-tidy
  # the sanitizer builds and the fuzz targets (scripts/sanitize.sh): clang with its sanitizer and
  # libFuzzer runtimes, and llvm-symbolizer for the reports' stack traces
  clang libclang-rt-14-dev llvm-14
  # libraries
  libcpp-httplib-dev nlohmann-json3-dev libssl-dev libcurl4-openssl-dev libpugixml-dev
  libespeak-ng-dev espeak-ng-data libkakasi2-dev libpcre2-dev libspdlog-dev libcli11-dev
  libsqlite3-dev libsodium-dev libpq-dev
  # audio encoders (MP3, Ogg Opus, FLAC, AAC) and the resampler
  libmp3lame-dev libopusenc-dev libflac-dev libavcodec-dev libsoxr-dev
  # speeds beyond espeak-ng's own range (time-stretching that keeps the pitch)
  libsonic-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev sox wrk python3-botocore python3-cryptography
  # bench/instructions.sh counts instructions per request under callgrind (swha_bench includes
  # valgrind/callgrind.h for its client requests)
  valgrind
  # tests/openapi: every answer checked against its documented JSON Schema
  python3-jsonschema
  # an independent decoder that checks every audio format (ffprobe, ffmpeg)
  ffmpeg
  # a real browser for the web page's test (tests/node/web_page_check.mjs drives it with
  # npm's playwright-core)
  chromium
  # a real S3 server for the tests: Ceph's RADOS Gateway (scripts/s3-test-server.sh, which
  # also needs curl and iproute2's `ss`)
  ceph-mon ceph-osd ceph-mgr radosgw ceph-common iproute2
  # a real PostgreSQL for the shared-catalog tests (scripts/pg-test-server.sh)
  postgresql
  # scripts/fresh-machine-check.sh: a bare Debian 12 to run the README's commands in
  debootstrap
  # `systemd-analyze verify` checks the installed packaging/swha-tts.service (ctest
  # packaging.install); a bare debootstrap Debian 12 has no systemd
  systemd
)

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive

# promtool, from Debian's prometheus package, checks /metrics and docs/alerts.yml in the tests.
# Only the package's files are unpacked, under /opt/swha-tools: installing it would also start a
# Prometheus server listening on every interface.
promtool_dir=/opt/swha-tools/prometheus
if [ ! -x "$promtool_dir/usr/bin/promtool" ]; then
  tmp=$(mktemp -d)
  chmod 1777 "$tmp"  # apt downloads as its sandbox user, which must be able to write here
  if ! (cd "$tmp" && $SUDO apt-get download -qq prometheus); then
    $SUDO apt-get update -qq
    (cd "$tmp" && $SUDO apt-get download -qq prometheus)
  fi
  $SUDO mkdir -p "$promtool_dir"
  $SUDO dpkg -x "$tmp"/prometheus_*.deb "$promtool_dir"
  rm -rf "$tmp"
  echo "install-deps: promtool unpacked under $promtool_dir"
fi

# npm fetches Swagger UI's files (built into the binary for /docs) and the JavaScript test
# tools (tests/node: the OpenAI SDK, Redocly's linter, and playwright-core driving Chromium,
# pinned to a release that still runs on Debian 12's Node 18). A machine that already has
# Node.js and npm, from any source, keeps its own; else Debian's.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
else
  echo "install-deps: installing ${missing[*]}"
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

repo="$(cd "$(dirname "$0")/.." && pwd)"
# npm_ci DIR [OPTION...]: the packages DIR/package-lock.json pins, from the npm registry; only
# when the lock file changed since the last install.
npm_ci() {
  local dir="$repo/$1"
  shift
  local stamp="$dir/node_modules/.swha-lock-sha256"
  local lock_sum
  lock_sum=$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)
  if [ "$(cat "$stamp" 2>/dev/null)" != "$lock_sum" ]; then
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error "$@")
    echo "$lock_sum" > "$stamp"
    echo "install-deps: npm packages installed in ${dir#"$repo"/}"
  fi
}

# Swagger UI's files, compiled into the binary for /docs: the service's own, needed to build
# it. No install scripts: a dependency's would report the download to its author.
npm_ci third_party/swagger-ui --ignore-scripts
# The JavaScript test clients (the OpenAI SDK, Redocly's linter) at the versions
# tests/node/package-lock.json pins.
npm_ci tests/node
