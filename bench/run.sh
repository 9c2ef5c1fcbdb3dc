#!/usr/bin/env bash
# Builds swha_bench (RelWithDebInfo) and runs every benchmark, then prints a summary table.
# Results and how to read them: docs/performance.md.
#
#   bash bench/run.sh                      # all seventeen benchmarks
#   BENCHMARKS="limits instructions" bash bench/run.sh   # each hot path against its limit
#   bash bench/run.sh --rounds 5           # extra arguments go to every swha_bench run
#   BENCHMARKS="overhead memory" bash bench/run.sh
#   BENCHMARKS="presign s3-upload" bash bench/run.sh
#
# Benchmarks: limits (every hot path against its limit in one run: the engine, generate local
# and S3 at 1/2/8 clients, an HTTP floor, the local path's work without HTTP, bare signed PUTs,
# presign vs. its crypto floor) and instructions
# (bench/instructions.sh: callgrind counts per request against the same floors), then
# overhead throughput memory engine-scaling (the server and the engine), espeak-rand
# (espeak-ng's rand() from our lock-free shim vs. glibc's, which locks per draw), presign
# (S3Client::PresignGet vs. botocore; python3-botocore comes from scripts/install-deps.sh) and
# s3-upload (S3AudioStore::Upload, 10 concurrent uploads vs. 1), then the accounts and catalog
# ones: auth-cost, catalog-generate and session-get (which start their own throw-away
# PostgreSQL), batch-presign (POST /api/v1/tts/presign of 1000 keys vs. the bare signer),
# lipsync-waits (generate while 200 requests wait for lipsync jobs held by an in-process sync.so
# stand-in), metrics-cost (ns per metric update, 2 threads), and speech-stream (POST
# /v1/audio/speech: first byte vs. whole stream, and peak memory of a stream vs. a whole file),
# and upstream-segments (a 10-segment generate and a 10-sentence /v1/audio/speech stream
# through TTS_ENGINE=openai against the upstream stand-in, 4 segments at once or ahead vs. one
# at a time). s3-upload, session-get and
# batch-presign need a throw-away Ceph RADOS Gateway: run.sh starts one
# (scripts/s3-test-server.sh) in a temporary directory and stops it on exit. s3-upload runs
# twice: over plain loopback, then through swha_bench's delaying proxy, which adds
# S3_DELAY_MS to every round trip to the gateway (`tc ... netem` would do this in the kernel,
# but this machine's kernel has no sch_netem).
#
# Environment: BUILD_DIR (default: build), BENCHMARKS (default: all seventeen, in order),
# QUIET_WAIT (seconds to wait, before each benchmark, for the machine to be idle; default
# 120, 0 = do not wait), S3_DELAY_MS (default 10; 0 = loopback run only), S3_TEST_PORT and
# CEPH_MON_PORT (the gateway's ports; default 17541 and 16850). Benchmarks share the
# machine's cores with anything else running; each one reports how many cores other processes
# kept busy meanwhile ("other cores").
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${BUILD_DIR:-build}
benchmarks=${BENCHMARKS:-limits instructions overhead throughput memory engine-scaling espeak-rand presign s3-upload auth-cost catalog-generate session-get batch-presign lipsync-waits metrics-cost speech-stream upstream-segments}
quiet_wait=${QUIET_WAIT:-120}
s3_delay_ms=${S3_DELAY_MS:-10}

# Someone else may be building in the same directory: retry a failed build a few times.
for attempt in 1 2 3 4; do
  if cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null &&
     ninja -C "$build_dir" swha_bench swha-tts; then
    break
  fi
  if ((attempt == 4)); then
    echo "run.sh: build failed" >&2
    exit 1
  fi
  echo "run.sh: build failed (a concurrent build?); retrying in 15 s" >&2
  sleep 15
done

# Run copies of the two binaries, so a rebuild in $build_dir during the run cannot swap the
# server out from under a benchmark.
snapshot=$(mktemp -d /tmp/swha-bench-XXXXXX)
log="$snapshot/output.txt"
rgw_dir=""
cleanup() {
  if [ -n "$rgw_dir" ]; then
    S3_TEST_QUIET=1 bash scripts/s3-test-server.sh stop "$rgw_dir" >/dev/null 2>&1 ||
      echo "run.sh: could not stop the gateway in $rgw_dir" >&2
  fi
  rm -rf "$snapshot"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# The S3 gateway for s3-upload, started once, on first use; its S3_* variables are exported
# for swha_bench, and S3_TEST_DIR tells it where the daemons' pid files are.
start_gateway() {
  [ -n "$rgw_dir" ] && return 0
  rgw_dir="$snapshot/rgw"
  local env_line
  env_line=$(S3_TEST_PORT=${S3_TEST_PORT:-17541} CEPH_MON_PORT=${CEPH_MON_PORT:-16850} \
    S3_TEST_QUIET=1 bash scripts/s3-test-server.sh start "$rgw_dir" | tail -n 1)
  set -a
  eval "$env_line"
  S3_TEST_DIR=$rgw_dir
  set +a
  echo "run.sh: gateway up at $S3_ENDPOINT_URL"
}

if [[ " $benchmarks " == *" presign "* ]] && ! python3 -c 'import botocore' 2>/dev/null; then
  echo "run.sh: missing package python3-botocore: scripts/install-deps.sh should have installed it" >&2
  exit 1
fi
cp "$build_dir/swha_bench" "$build_dir/swha-tts" "$snapshot/"

# Share of all cores that was idle over one second, in percent.
idle_percent() {
  local a b
  read -r -a a < <(head -1 /proc/stat)
  sleep 1
  read -r -a b < <(head -1 /proc/stat)
  local busy=0 idle=0 i d
  for i in 1 2 3 4 5 6 7 8; do
    d=$((b[i] - a[i]))
    if ((i == 4 || i == 5)); then idle=$((idle + d)); else busy=$((busy + d)); fi
  done
  echo $((100 * idle / (busy + idle > 0 ? busy + idle : 1)))
}

wait_for_quiet() {
  local waited=0 idle
  idle=$(idle_percent)
  while ((idle < 90 && waited < quiet_wait)); do
    ((waited == 0)) && echo "run.sh: machine busy (${idle}% idle); waiting up to ${quiet_wait} s"
    sleep 4
    waited=$((waited + 5))
    idle=$(idle_percent)
  done
  echo "run.sh: ${idle}% idle before the benchmark"
}

cpu_model=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
build_type=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build_dir/CMakeCache.txt")
src_state=$(git diff --quiet HEAD -- src 2>/dev/null && echo "clean" || echo "src/ modified")
{
  echo "date:    $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "commit:  $(git rev-parse --short HEAD 2>/dev/null || echo unknown) ($src_state)"
  echo "machine: nproc=$(nproc), $cpu_model, $(uname -sr)"
  echo "build:   $build_type ($build_dir), $(c++ --version | head -1)"
} | tee "$log"

status=0
for b in $benchmarks; do
  echo
  if [ "$b" = instructions ]; then
    start_gateway
    BUILD_DIR="$snapshot" bash bench/instructions.sh | tee -a "$log" || status=1
    continue
  fi
  if [ "$b" = session-get ] || [ "$b" = batch-presign ] || [ "$b" = limits ]; then
    start_gateway
    ((quiet_wait > 0)) && wait_for_quiet
    "$snapshot/swha_bench" "$b" --binary "$snapshot/swha-tts" "$@" | tee -a "$log" ||
      status=1
    continue
  fi
  if [ "$b" = s3-upload ]; then
    start_gateway
    ((quiet_wait > 0)) && wait_for_quiet
    "$snapshot/swha_bench" s3-upload "$@" | tee -a "$log" || status=1
    if ((s3_delay_ms > 0)); then
      echo
      ((quiet_wait > 0)) && wait_for_quiet
      "$snapshot/swha_bench" s3-upload --s3-delay-ms "$s3_delay_ms" "$@" | tee -a "$log" ||
        status=1
    fi
    continue
  fi
  ((quiet_wait > 0)) && wait_for_quiet
  "$snapshot/swha_bench" "$b" --binary "$snapshot/swha-tts" "$@" | tee -a "$log" || status=1
done

echo
echo "== summary"
head -4 "$log"
{
  printf 'benchmark\tmetric\tvalue\ttarget\tverdict\n'
  grep '^SUMMARY' "$log" | cut -f2-
} | column -t -s $'\t'
exit $status
