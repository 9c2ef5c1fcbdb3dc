#!/usr/bin/env bash
# Installs dependencies, builds, and runs the whole test suite: unit tests, black-box tests
# against the real binary, the fuzz corpora and the clang-format / clang-tidy gates; then the
# suite again under AddressSanitizer + UndefinedBehaviorSanitizer, with every fuzz target run for
# 30 s, and the concurrency suites under ThreadSanitizer (scripts/sanitize.sh). Arguments go to
# every ctest run. Every part runs even when an earlier one failed; the exit status is 1 if any
# did.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh

# The two sanitizer trees build meanwhile, at the lowest priority: the plain suite spends much of
# its time waiting on servers, and nice 19 still leaves it the cores whenever it wants them.
(SANITIZE_STEP=build nice -n 19 bash scripts/sanitize.sh address &&
  SANITIZE_STEP=build nice -n 19 bash scripts/sanitize.sh thread) >build/sanitizer-build.log 2>&1 &
sanitizer_build=$!

status=0
(cd build && ctest --output-on-failure --timeout 900 -j "$(nproc)" "$@") || status=1
if ! wait "$sanitizer_build"; then
  echo "test: the sanitizer builds failed:" >&2
  tail -n 60 build/sanitizer-build.log >&2
  exit 1
fi
SANITIZE_STEP=test bash scripts/sanitize.sh address "$@" || status=1
SANITIZE_STEP=test bash scripts/sanitize.sh thread "$@" || status=1
exit "$status"
