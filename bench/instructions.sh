#!/usr/bin/env bash
# Instructions executed per request, counted by valgrind's callgrind. Unlike a timing, a count
# repeats on a busy machine, so a change to the hot path can be judged by it (results:
# docs/performance.md, "Instructions per request").
#
#   bash bench/instructions.sh        # the local path; the S3 path too when S3_* are set
#
# It counts, under callgrind, with every thread included:
#   synthesize  the in-process Synthesizer on one sentence (swha_bench instructions-baseline)
#   put         one signed PutObject of that sentence's WAV with the project's S3Client
#   local       POST /api/v1/tts/generate of the sentence, local storage (ENGINE_THREADS=1)
#   s3          the same with USE_S3_STORAGE=true and KEEP_LOCAL_COPY=false
#   presign     one presigned GET URL, against the SHA-256 + HMAC it cannot do without (under
#               valgrind, SHA-256 runs without the CPU's SHA instructions: the floor is higher
#               than natively, so the ratio is lower)
# and prints each request's count against its floor (synthesize; synthesize + put), then the
# functions that cost the server most outside espeak-ng.
#
# Environment: BUILD_DIR (default build; RelWithDebInfo, as bench/run.sh builds it), REQUESTS
# (measured requests per path, default 50), S3_ENDPOINT_URL, AWS_ACCESS_KEY_ID,
# AWS_SECRET_ACCESS_KEY, S3_BUCKET_NAME (bench/run.sh sets them when it starts a gateway).
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${BUILD_DIR:-build}
requests=${REQUESTS:-50}
warmup=10
for tool in valgrind callgrind_control callgrind_annotate curl; do
  command -v "$tool" >/dev/null || {
    echo "instructions.sh: $tool is missing: scripts/install-deps.sh installs it" >&2
    exit 1
  }
done
work=$(mktemp -d /tmp/swha-instructions-XXXXXX)
server_pid=""
stop_server() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=""
  fi
}
cleanup() {
  stop_server
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

with_s3=0
[ -n "${S3_ENDPOINT_URL:-}" ] && with_s3=1

# The instruction count of the dump whose trigger names `part`, among `files`: callgrind's
# "totals:" line, the sum of every cost in the dump (all threads; see --dump-instr etc.).
part_total() {
  local part=$1
  shift
  awk -v part="$part" '
    /^desc: Trigger:/ { mine = index($0, part) > 0 }
    /^totals:/ && mine { print $2; exit }' "$@"
}

echo "== instructions: callgrind counts per request, $requests requests per path after $warmup" \
  "unmeasured, every thread counted"
valgrind --tool=callgrind --callgrind-out-file="$work/baseline.%p" \
  "$build_dir/swha_bench" instructions-baseline --requests "$requests" >"$work/baseline.log" 2>&1 ||
  { cat "$work/baseline.log" >&2; exit 1; }
synthesize=$(part_total "synthesize" "$work"/baseline.*.*)
presign=$(part_total "presign-1000" "$work"/baseline.*.*)
presign_floor=$(part_total "floor-1000" "$work"/baseline.*.*)
put=0
((with_s3)) && put=$(part_total "put" "$work"/baseline.*.*)

body='{"text": "The quick brown fox jumps over the lazy dog near the river bank."}'
# Runs one server under callgrind with extra environment `$@`, sends the warm-up and then the
# measured requests over one keep-alive connection, and prints the count per request.
count_server() {
  local name=$1
  shift
  stop_server
  rm -rf "$work/data"
  mkdir -p "$work/data"
  env -i PATH="$PATH" HOME="$work" LANG=C.UTF-8 DATA_DIR="$work/data" ENGINE_THREADS=1 \
    LOG_LEVEL=warn "$@" \
    valgrind --tool=callgrind --callgrind-out-file="$work/$name.%p" \
    "$build_dir/swha-tts" serve --host 127.0.0.1 --port 0 >"$work/$name.out" 2>"$work/$name.err" &
  server_pid=$!
  local port="" waited=0
  while [ -z "$port" ]; do
    port=$(sed -n 's/^LISTENING .*:\([0-9]*\)$/\1/p' "$work/$name.out")
    sleep 1
    waited=$((waited + 1))
    if ((waited > 180)) || ! kill -0 "$server_pid" 2>/dev/null; then
      echo "instructions.sh: the $name server did not start" >&2
      cat "$work/$name.err" >&2
      exit 1
    fi
  done
  # One curl, one connection: a config file with a url and an output per request.
  send() {
    local n=$1 i
    : >"$work/curl.cfg"
    for ((i = 0; i < n; i++)); do
      printf 'url = "http://127.0.0.1:%s/api/v1/tts/generate"\noutput = "/dev/null"\n' \
        "$port" >>"$work/curl.cfg"
    done
    curl -sS -K "$work/curl.cfg" -H 'Content-Type: application/json' -d "$body" \
      -w '%{http_code}\n' | sort | uniq -c | awk '$2 != 200 { bad = 1 } END { exit bad }' || {
      echo "instructions.sh: a $name generate failed" >&2
      exit 1
    }
  }
  send "$warmup"
  callgrind_control --zero "$server_pid" >/dev/null
  send "$requests"
  callgrind_control --dump="measured-$name" "$server_pid" >/dev/null
  # The dump is written when the process next runs; wait for the file.
  local tries=0
  until [ -n "$(part_total "measured-$name" "$work/$name".*.* 2>/dev/null)" ]; do
    sleep 1
    tries=$((tries + 1))
    ((tries < 60)) || { echo "instructions.sh: no callgrind dump from the $name server" >&2; exit 1; }
  done
  stop_server
}

count_server local
local_total=$(part_total "measured-local" "$work"/local.*.*)
s3_total=0
if ((with_s3)); then
  count_server s3 USE_S3_STORAGE=true KEEP_LOCAL_COPY=false S3_ENDPOINT_URL="$S3_ENDPOINT_URL" \
    AWS_ACCESS_KEY_ID="$AWS_ACCESS_KEY_ID" AWS_SECRET_ACCESS_KEY="$AWS_SECRET_ACCESS_KEY" \
    S3_BUCKET_NAME="$S3_BUCKET_NAME"
  s3_total=$(part_total "measured-s3" "$work"/s3.*.*)
fi

per() { awk -v t="$1" -v n="$requests" 'BEGIN { printf "%.2f", t / n / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
summary() { printf 'SUMMARY\tinstructions\t%s\t%s\t-\t-\n' "$1" "$2"; }
printf '   %-34s %14s %12s\n' "path" "M instr/req" "vs floor"
printf '   %-34s %14s %12s\n' "synthesize (floor of local)" "$(per "$synthesize")" "-"
summary "synthesize, M instructions/call" "$(per "$synthesize")"
printf '   %-34s %14s %12s\n' "generate local" "$(per "$local_total")" \
  "$(ratio "$local_total" "$synthesize")x"
summary "generate local, M instructions/request" \
  "$(per "$local_total") ($(ratio "$local_total" "$synthesize")x synthesize)"
printf '   %-34s %14s %12s\n' "presign (floor: SHA-256 + HMAC)" \
  "$(awk -v t="$presign" 'BEGIN { printf "%.4f", t / 1000 / 1e6 }')" \
  "$(ratio "$presign" "$presign_floor")x"
summary "presign, instructions/URL" \
  "$((presign / 1000)) ($(ratio "$presign" "$presign_floor")x the floor's $((presign_floor / 1000)))"
if ((with_s3)); then
  floor=$((synthesize + put))
  printf '   %-34s %14s %12s\n' "signed PUT" "$(per "$put")" "-"
  printf '   %-34s %14s %12s\n' "generate S3 (floor: synth + PUT)" "$(per "$s3_total")" \
    "$(ratio "$s3_total" "$floor")x"
  summary "signed PUT, M instructions/call" "$(per "$put")"
  summary "generate S3, M instructions/request" \
    "$(per "$s3_total") ($(ratio "$s3_total" "$floor")x synthesize + PUT)"
fi
# Where the rest goes: the server's costliest functions outside espeak-ng's thread (inclusive
# counts, which callgrind_annotate gives for these dumps; divide by $requests for one request).
for name in local s3; do
  file=$(grep -l "measured-$name" "$work/$name".*.* 2>/dev/null | head -1) || true
  [ -n "$file" ] || continue
  echo "   -- $name: costliest functions outside the engine (inclusive, all $requests requests)"
  callgrind_annotate --inclusive=yes --threshold=100 "$file" 2>/dev/null |
    grep -v 'PROGRAM TOTALS\|clone\.S\|pthread_create\.c\|libstdc++\.so[.0-9]*\]$\|espeak_engine\.cc' |
    awk '/^ *[0-9,]+ .*[a-zA-Z]/ && ++n <= 12 { print "     " substr($0, 1, 160) }'
done
