#!/usr/bin/env bash
# Fails when the checked-in .env.example is not, byte for byte, what the settings table prints
# (`swha-tts config env-example`), so a new setting cannot be left out of it.
#   bash scripts/check-env-example.sh BINARY FILE
set -euo pipefail
binary=$1
file=$2
generated=$(mktemp)
trap 'rm -f "$generated"' EXIT
# An environment full of settings must not change the file: it comes from the table alone.
PORT=1 SECRET_KEY=not-in-the-file "$binary" config env-example >"$generated"
if ! cmp -s "$file" "$generated"; then
  diff -u "$file" "$generated" | head -n 60 || true
  echo "FAIL: $file is stale (it must be exactly what the settings table prints)." >&2
  echo "Regenerate it from the repository root with:" >&2
  echo "  build/swha-tts config env-example > .env.example" >&2
  exit 1
fi
echo "PASS: $file matches \`swha-tts config env-example\`"
