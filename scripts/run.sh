#!/usr/bin/env bash
# Installs dependencies, builds, and starts the service in the foreground with the embedded
# defaults (127.0.0.1:8000, local storage under ./data). Settings come from the environment
# and from ./.env; `build/swha-tts config` prints them.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
bash scripts/build.sh
exec ./build/swha-tts serve "$@"
