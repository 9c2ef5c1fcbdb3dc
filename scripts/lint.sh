#!/usr/bin/env bash
# Style and static-analysis gates, run by CTest: `lint.sh format|tidy BUILD_DIR`.
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
  tidy)
    # Units unchanged since they last passed (same source, headers, flags, checks) are skipped.
    mapfile -t units < <(printf '%s\n' "${sources[@]}" | grep '\.cc$')
    python3 scripts/clang_tidy_cached.py "$build_dir" "${units[@]}"
    ;;
  *)
    echo "usage: lint.sh format|tidy BUILD_DIR" >&2
    exit 2
    ;;
esac
