#!/usr/bin/env bash
# Style and static-analysis gates, run by CTest: `lint.sh format|tidy BUILD_DIR`.
# `lint.sh tidy-record BUILD_DIR` is the tidy gate that, when clean, also records its units'
# keys in scripts/clang-tidy-passed.txt (commit it: a fresh clone then checks only what changed).
set -euo pipefail
mode=$1
build_dir=$2
cd "$(dirname "$0")/.."
mapfile -t sources < <(git ls-files -- 'src/*.cc' 'src/*.h' 'tests/*.cc' 'tests/*.h' 'bench/*.cc' \
                         'fuzz/*.cc' 'fuzz/*.h' 2>/dev/null ||
                       find src tests bench fuzz -name '*.cc' -o -name '*.h')
case "$mode" in
  format)
    clang-format --dry-run --Werror "${sources[@]}"
    echo "clang-format: ${#sources[@]} files clean"
    ;;
  tidy | tidy-record)
    # Units unchanged since they last passed (same source, headers, flags, checks) are skipped.
    mapfile -t units < <(printf '%s\n' "${sources[@]}" | grep '\.cc$')
    record=()
    [ "$mode" = tidy-record ] && record=(--record)
    python3 scripts/clang_tidy_cached.py "${record[@]}" "$build_dir" "${units[@]}"
    ;;
  *)
    echo "usage: lint.sh format|tidy|tidy-record BUILD_DIR" >&2
    exit 2
    ;;
esac
