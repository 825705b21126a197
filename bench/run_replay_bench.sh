#!/usr/bin/env bash
# Replay throughput: end-to-end `authcorrd replay` against a parse-only pass over the same file,
# in the same run, pinned to one core, with peak memory. A benchmark, not a test.
#
#   bench/run_replay_bench.sh [EVENTS] [USERS]      defaults: 1000000 events, 100000 users
#
# Builds a Release tree in build/bench-release, generates bench/out/events-N.jsonl once (about
# 1 KB per event), then runs the two modes interleaved five times and reports the best of each.
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-1000000}
users=${2:-100000}
build=build/bench-release
command -v /usr/bin/time >/dev/null || { echo "needs GNU time: apt-get install time" >&2; exit 1; }

cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "$(nproc)" --target authcorrd gen_events >/dev/null

mkdir -p bench/out
input="bench/out/events-$events.jsonl"
if [ ! -s "$input" ]; then
  "$build/bench/gen_events" --events "$events" --users "$users" --seed 1 --out "$input"
fi
bytes=$(stat -c %s "$input")
echo "input: $input ($events events, $users users, $((bytes / 1024 / 1024)) MiB, $((bytes / events)) bytes/event)"
cat "$input" >/dev/null  # warm the page cache

# The two modes run interleaved, five times each, and the best of each counts: this VM has slow
# phases lasting tens of seconds, and interleaving exposes both modes to them alike.
measure=$(mktemp)
run_once() {  # prints "seconds peak_kb" for: authcorrd replay "$@" input
  /usr/bin/time -o "$measure" -f "%e %M" taskset -c 0 "$build/daemon/authcorrd" replay "$@" \
    "$input" >/dev/null
  cat "$measure"
}
parse_s="" parse_kb="" full_s="" full_kb=""
for _ in 1 2 3 4 5; do
  read -r secs kb < <(run_once --parse-only)
  if [ -z "$parse_s" ] || awk "BEGIN{exit !($secs < $parse_s)}"; then parse_s=$secs; parse_kb=$kb; fi
  read -r secs kb < <(run_once)
  if [ -z "$full_s" ] || awk "BEGIN{exit !($secs < $full_s)}"; then full_s=$secs; full_kb=$kb; fi
done
rm -f "$measure"
alerts=$(taskset -c 0 "$build/daemon/authcorrd" replay "$input" | wc -l)
awk -v n="$events" -v ps="$parse_s" -v pk="$parse_kb" -v fs="$full_s" -v fk="$full_kb" -v a="$alerts" 'BEGIN {
  printf "parse-only  %6.2f s  %9.0f events/s  peak RSS %4.0f MiB\n", ps, n / ps, pk / 1024
  printf "end-to-end  %6.2f s  %9.0f events/s  peak RSS %4.0f MiB  (%d alerts)\n", fs, n / fs, fk / 1024, a
  printf "end-to-end / parse-only = %.2f\n", ps / fs
}'
