#!/usr/bin/env bash
# Builds the project with a sanitizer (clang, from Debian) into its own tree and runs tests there:
#   scripts/sanitize.sh address  # build-asan: AddressSanitizer + UndefinedBehaviorSanitizer
#                                # (and LeakSanitizer) on the whole suite, then every fuzz
#                                # target for SWHA_FUZZ_SECONDS (30) from its corpus
#   scripts/sanitize.sh thread   # build-tsan: ThreadSanitizer on the unit suite and on the
#                                # black-box suites that load the server from many threads
# The unit suites are the sanitizer tree's own. The black-box suites test the server binary, so
# they are the plain build's (scripts/build.sh first) run against the sanitizer tree's binary
# (SWHA_TEST_BINARY). Extra arguments go to every ctest run. SANITIZE_STEP=build only builds
# the tree, SANITIZE_STEP=test only runs the tests (scripts/test.sh builds while the plain suite
# runs). Every process the tests start (the server, CLI runs, the test binaries) writes its
# sanitizer reports into <tree>/sanitizer-reports instead of its stderr, so a report cannot hide
# in a test's captured output: any file there fails the run, after the tests, with the reports
# printed.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-}
shift || true
case "$mode" in
  address) dir=build-asan ;;
  thread) dir=build-tsan ;;
  *)
    echo "usage: $0 address|thread [ctest arguments]" >&2
    exit 2
    ;;
esac

# -O1 keeps the instrumented code fast enough for the suite's timeouts; line tables are all
# a report needs. assert()s stay on.
step=${SANITIZE_STEP:-all}
if [ "$step" != test ]; then
  cmake -S . -B "$dir" -G Ninja -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" -DSWHA_SANITIZE="$mode" >/dev/null
  cmake --build "$dir" --parallel "$(nproc)"
fi
[ "$step" = build ] && exit 0

reports=$PWD/$dir/sanitizer-reports
rm -rf "$reports"
mkdir -p "$reports"
asan_checks=detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1
export ASAN_OPTIONS="log_path=$reports/asan:$asan_checks:check_initialization_order=1"
export UBSAN_OPTIONS="log_path=$reports/ubsan:print_stacktrace=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp:print_suppressions=0"
tsan_checks=halt_on_error=0:second_deadlock_stack=1
tsan_suppressions=suppressions=$PWD/scripts/tsan.supp:print_suppressions=0
export TSAN_OPTIONS="log_path=$reports/tsan:$tsan_checks:$tsan_suppressions"

if [ ! -x build/swha_blackbox_tests ]; then
  echo "sanitize: build/swha_blackbox_tests is missing: run scripts/build.sh first" >&2
  exit 1
fi
export SWHA_TEST_BINARY=$PWD/$dir/swha-tts
# Without extra arguments every selection below must find tests: a renamed suite fails here
# rather than leaving a run that tests nothing.
no_tests=()
[ $# -eq 0 ] && no_tests=(--no-tests=error)
run_ctest() {  # TREE ARGS...
  local tree=$1
  shift
  if ! (cd "$tree" && ctest --output-on-failure --timeout 900 -j "$(nproc)" "${no_tests[@]}" "$@"); then
    status=1
    failed+=("$tree: $(tr "\n" " " 2>/dev/null <"$tree/Testing/Temporary/LastTestsFailed.log" || true)")
  fi
}
failed=()

status=0
if [ "$mode" = address ]; then
  # 50 kills of the crash test rather than the plain suite's 200: each takes four times as long
  # here, and what ASan looks for (memory errors on the recovery paths) 50 reach as well. And a
  # kill up to 600 ms after start rather than 150: a generate takes that much longer here, and
  # on PostgreSQL 48 of 50 kills once came before any answer.
  export SWHA_CRASH_ROUNDS=${SWHA_CRASH_ROUNDS:-50}
  export SWHA_CRASH_MAX_DELAY_MS=${SWHA_CRASH_MAX_DELAY_MS:-600}
  run_ctest "$dir" -LE fuzz "$@"
  run_ctest build -L blackbox -LE soak "$@"  # the soak's memory check is for plain builds
  run_ctest "$dir" -L fuzz "$@"
else
  run_ctest "$dir" -L unit "$@"
  run_ctest build -R '^(ConcurrencyTest|LimitsTest|ShutdownTest)\.' "$@"
fi

if [ -n "$(ls -A "$reports")" ]; then
  echo "sanitize: $(ls "$reports" | wc -l) sanitizer report(s) in $reports:" >&2
  for report in "$reports"/*; do
    echo "----- $report" >&2
    head -c 20000 "$report" >&2
  done
  status=1
fi
# Repeated at the end, where a log that keeps only its tail still shows them.
[ ${#failed[@]} -eq 0 ] || printf 'sanitize: %s failed: %s\n' "$mode" "${failed[@]}" >&2
exit "$status"
