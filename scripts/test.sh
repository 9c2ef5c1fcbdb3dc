#!/usr/bin/env bash
# Installs dependencies, builds, and runs the whole test suite: unit tests, black-box tests
# against the real binary, and the clang-format / clang-tidy gates.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
cd build
ctest --output-on-failure --timeout 900 -j "$(nproc)" "$@"
