#!/usr/bin/env bash
# Runs one libFuzzer target (built by scripts/sanitize.sh address) from its checked-in corpus.
#   scripts/fuzz.sh TARGET SEED_CORPUS WORK_DIR SECONDS
# New inputs go to WORK_DIR/corpus, never into the checked-in seeds; a crash, leak, timeout or
# out-of-memory is saved as WORK_DIR/crash-* (or leak-, timeout-, oom-) and fails the run.
# FUZZ_RUNS=N runs N executions instead of SECONDS (the recorded runs in docs/reliability.md);
# FUZZ_JOBS=N runs N processes at once (libFuzzer's -fork), each with its own share of cores.
# FUZZ_TIMEOUT=S fails an input that runs longer than S seconds (default 10). libFuzzer's clock
# is wall time, so a run at nice 19 beside other work needs more: an input that waited for a
# core is not a hang (docs/reliability.md gives each recorded run's slowest input).
set -euo pipefail
if [ $# -ne 4 ]; then
  echo "usage: $0 TARGET SEED_CORPUS WORK_DIR SECONDS" >&2
  exit 2
fi
target=$1 seeds=$2 work=$3 seconds=$4
if [ ! -d "$seeds" ] || [ -z "$(ls -A "$seeds")" ]; then
  echo "fuzz: no seed corpus at $seeds" >&2
  exit 1
fi
mkdir -p "$work/corpus"
args=(-timeout="${FUZZ_TIMEOUT:-10}" -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$work/")
if [ -n "${FUZZ_RUNS:-}" ]; then
  args+=(-runs="$FUZZ_RUNS")
else
  args+=(-max_total_time="$seconds")
fi
if [ -n "${FUZZ_JOBS:-}" ]; then
  args+=(-fork="$FUZZ_JOBS" -ignore_crashes=0)
fi
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"
exec "$target" "${args[@]}" "$work/corpus" "$seeds"
