#!/usr/bin/env bash
# Installs dependencies, builds, and runs the whole test suite: unit tests, black-box tests
# against the real binary, the fuzz corpora and the clang-format / clang-tidy gates; then the
# suite again under AddressSanitizer + UndefinedBehaviorSanitizer, with every fuzz target run for
# 30 s, and the concurrency suites under ThreadSanitizer (scripts/sanitize.sh). Arguments go to
# every ctest run. Once the plain build is done, every part runs even when another failed (a
# sanitizer tree that did not build is reported, and its tests skipped); the exit status is 1 if
# any part failed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh

# The two sanitizer trees build meanwhile, one after the other, at the lowest priority: the
# plain suite spends much of its time waiting on servers, and nice 19 still leaves it the cores
# whenever it wants them. In a session of their own, so that an interrupted run stops them too.
# A new session is a new scheduler autogroup where the kernel has them, and nice only ranks
# processes within their group: the group itself is set to 19, or the builds would take half
# the cores from the suite (a suspected cause of a soak that failed in CI beside them).
modes=(address thread)
rm -f build/sanitize-*.status
setsid bash -c 'if [ -w /proc/self/autogroup ]; then echo 19 >/proc/self/autogroup; fi
for mode in "$@"; do
  SANITIZE_STEP=build nice -n 19 bash scripts/sanitize.sh "$mode" >"build/sanitize-$mode.log" 2>&1
  echo $? >"build/sanitize-$mode.status"
done' sanitizer-builds "${modes[@]}" &
sanitizer_builds=$!
trap 'kill -- -"$sanitizer_builds" 2>/dev/null || true' EXIT

# One line per part at the very end, where a CI log that keeps only its tail still shows it.
summary=()
status=0
plain_failed=0
started=$SECONDS
if (cd build && ctest --output-on-failure --timeout 900 -j "$(nproc)" "$@"); then
  summary+=("passed: plain suite ($((SECONDS - started)) s)")
else
  summary+=("FAILED: plain suite ($((SECONDS - started)) s); its failures are printed above")
  while read -r failed; do summary+=("  $failed"); done \
    < <(head -n 20 build/Testing/Temporary/LastTestsFailed.log 2>/dev/null || true)
  plain_failed=1
  status=1
fi
wait "$sanitizer_builds" || true
for mode in "${modes[@]}"; do
  if [ "$(cat "build/sanitize-$mode.status" 2>/dev/null)" != 0 ]; then
    echo "test: the $mode sanitizer tree did not build; its tests did not run:" >&2
    tail -n 60 "build/sanitize-$mode.log" >&2
    summary+=("FAILED: $mode sanitizer tree did not build (build/sanitize-$mode.log)")
    status=1
    continue
  fi
  started=$SECONDS
  if SANITIZE_STEP=test bash scripts/sanitize.sh "$mode" "$@"; then
    summary+=("passed: $mode sanitizer suites ($((SECONDS - started)) s)")
  else
    summary+=("FAILED: $mode sanitizer suites ($((SECONDS - started)) s)")
    status=1
  fi
done
# The failures of each failed test of the plain suite again, short, where a CI log's tail shows
# them: the lines after each GoogleTest "Failure" of its output, or, for a test that failed
# without one (a crash, a timeout), the end of its output.
if [ "$plain_failed" = 1 ] && [ -s build/Testing/Temporary/LastTestsFailed.log ]; then
  echo "test: the plain suite's failures, again:"
  while IFS=: read -r _ name; do
    echo "== $name"
    output=$(awk -v name="$name" '
      $0 ~ "Testing: " name "$" { inside = 1 }
      inside && $0 ~ "^\"" name "\" end time" { inside = 0 }
      inside' build/Testing/Temporary/LastTest.log)
    if grep -q ': Failure$' <<<"$output"; then
      grep -A 8 -m 6 ': Failure$' <<<"$output" | head -n 60
    else
      tail -n 30 <<<"$output"
    fi
  done < <(head -n 5 build/Testing/Temporary/LastTestsFailed.log)
fi
echo "test: summary"
printf '  %s\n' "${summary[@]}"
exit "$status"
