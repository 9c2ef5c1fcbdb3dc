#!/usr/bin/env bash
# Two builds of swha-tts side by side on POST /api/v1/tts/generate, from the server's own
# metrics, which do not move with the engine's speed as timings do on a shared machine.
#
#   bash bench/ab_generate.sh OLD_BINARY NEW_BINARY [CLIENTS=1] [PAIRS=3] [SECONDS=8]
#
# Each pair runs both, OLD first in odd pairs and NEW first in even ones, each on a fresh
# DATA_DIR (SQLite catalog, local storage) and a fresh server: 1 s of warm-up, then SECONDS
# measured with `wrk -tC -cC` posting the benchmark sentence. Per run it prints wrk's req/s,
# p50 and p99, and from /metrics over the measured span: the catalog insert's mean
# (`record_session`) and how many took over 1 ms, and the server's time beyond synthesis
# (generate's duration sum minus synthesis seconds, per request); from /proc, the server's CPU
# (user + kernel) and minor page faults per request. Needs wrk and curl
# (scripts/install-deps.sh installs them).
#
# The servers' data go under AB_DATA_ROOT (default /tmp), a directory per run, all removed at
# exit. On ext4 without a journal (this project's test machine), a file or directory created
# within 1-6 minutes of many deletions costs more: the inode allocator passes over each inode
# freed in that time (recently_deleted in fs/ext4/ialloc.c), up to 0.4 ms per inode here after
# 15,000 deletions. Deleting between runs would charge each run with the one before it; and a
# second invocation started within 6 minutes of the first pays for the first's clean-up, OLD
# more than NEW (OLD goes first). Point AB_DATA_ROOT at tmpfs or a journaled file system, or
# wait, to keep that out. A run at 2 clients writes about 0.7 GB.
set -euo pipefail

old=${1:?old binary}
new=${2:?new binary}
clients=${3:-1}
pairs=${4:-3}
seconds=${5:-8}
port=${AB_PORT:-18191}
url="http://127.0.0.1:$port"
sentence="The quick brown fox jumps over the lazy dog near the river bank."

work=$(mktemp -d "${AB_DATA_ROOT:-/tmp}/swha-ab-XXXXXX")
server=""
cleanup() {
  if [[ -n "$server" ]]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
cat >"$work/post.lua" <<EOF
wrk.method = "POST"
wrk.body = '{"text": "$sentence"}'
wrk.headers["Content-Type"] = "application/json"
EOF

generate='{route="/api/v1/tts/generate",method="POST"}'
record='{operation="record_session"}'
# The five values a run compares, from one scrape, in this order; fails when one is missing.
snapshot() {
  curl -sf "$url/metrics" | awk -v keys="swha_synthesis_seconds_total \
swha_http_request_duration_seconds_sum$generate \
swha_catalog_query_duration_seconds_sum$record \
swha_catalog_query_duration_seconds_count$record \
swha_catalog_query_duration_seconds_bucket{operation=\"record_session\",le=\"0.001\"}" '
    BEGIN { n = split(keys, want, " ") }
    { value[$1] = $2 }
    END {
      for (i = 1; i <= n; i++) {
        if (!(want[i] in value)) { print "missing from /metrics: " want[i] > "/dev/stderr"; exit 1 }
        line = line (i > 1 ? " " : "") value[want[i]]
      }
      print line
    }'
}

# The server's minor page faults and CPU ticks (user, kernel) so far, from /proc/PID/stat: after
# "pid (comm) ", minflt is field 10, utime and stime 14 and 15.
ticks=$(getconf CLK_TCK)
process_counts() {
  sed 's/^.*) //' "/proc/$server/stat" | awk '{ print $8, $12, $13 }'
}

run() {
  local name=$1 binary=$2
  local data="$work/data-$name-$3"  # kept until exit (see the top)
  mkdir -p "$data"
  DATA_DIR=$data PORT=$port HOST=127.0.0.1 LOG_LEVEL=warn "$binary" serve >"$work/$name.log" 2>&1 &
  server=$!
  for _ in $(seq 100); do curl -sf "$url/health" >/dev/null && break; sleep 0.1; done
  # Answered by this server, not by something else on the port.
  if ! kill -0 "$server" 2>/dev/null || ! curl -sf "$url/health" >/dev/null; then
    echo "$name: the server did not start" >&2; cat "$work/$name.log" >&2; exit 1
  fi
  wrk -t"$clients" -c"$clients" -d1s -s "$work/post.lua" "$url/api/v1/tts/generate" >/dev/null
  local before after
  before=$(snapshot) || exit 1
  local process_before process_after
  process_before=$(process_counts)
  out=$(wrk -t"$clients" -c"$clients" -d"${seconds}s" -s "$work/post.lua" --latency "$url/api/v1/tts/generate")
  process_after=$(process_counts)
  after=$(snapshot) || exit 1
  read -r s0 t0 r0 n0 f0 <<<"$before"
  read -r s1 t1 r1 n1 f1 <<<"$after"
  read -r faults0 user0 kernel0 <<<"$process_before"
  read -r faults1 user1 kernel1 <<<"$process_after"
  if ! kill "$server" 2>/dev/null; then echo "$name: the server died during the run" >&2; cat "$work/$name.log" >&2; exit 1; fi
  wait "$server" 2>/dev/null || true; server=""
  if grep -qE "Non-2xx|Socket errors" <<<"$out"; then echo "$name: some requests failed" >&2; echo "$out" >&2; exit 1; fi
  awk -v name="$name" -v c="$clients" \
    -v rps="$(awk '/Requests\/sec/ { print $2 }' <<<"$out")" \
    -v p50="$(awk '$1 == "50%" { print $2 }' <<<"$out")" \
    -v p99="$(awk '$1 == "99%" { print $2 }' <<<"$out")" \
    -v s0="$s0" -v s1="$s1" -v t0="$t0" -v t1="$t1" -v r0="$r0" -v r1="$r1" -v n0="$n0" \
    -v n1="$n1" -v f0="$f0" -v f1="$f1" -v ticks="$ticks" \
    -v faults="$((faults1 - faults0))" -v user="$((user1 - user0))" -v kernel="$((kernel1 - kernel0))" \
    'BEGIN { s = s1 - s0; t = t1 - t0; r = r1 - r0; n = n1 - n0; slow = (n1 - f1) - (n0 - f0)
             printf "%-4s %d client(s): %7.1f req/s, p50 %s, p99 %s; catalog insert mean %.3f ms, %d of %d over 1 ms; beyond synthesis %.3f ms/request; server CPU user %.2f + kernel %.2f ms, %.1f page faults per request\n", name, c, rps, p50, p99, r / n * 1000, slow, n, (t - s) / n * 1000, user / ticks / n * 1000, kernel / ticks / n * 1000, faults / n }'
}

echo "== ab_generate: $clients client(s), $pairs pair(s) of ${seconds} s; old=$old new=$new"
# ABBA: each build goes first in every other pair, so neither always meets the warmer machine.
for pair in $(seq "$pairs"); do
  if (( pair % 2 == 1 )); then
    run old "$old" "$pair"; run new "$new" "$pair"
  else
    run new "$new" "$pair"; run old "$old" "$pair"
  fi
done
