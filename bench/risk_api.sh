#!/usr/bin/env bash
# Benchmark of POST /v1/risk (not a test): starts the daemon with an index of --users users (one
# successful login each, pushed through /ingest/auth0), then drives the risk API with wrk on
# loopback, each request for a random user, and prints wrk's throughput and latency
# distribution. Results go to docs/performance.md with this command line.
#   bench/risk_api.sh [--binary build/bench/daemon/authcorrd] [--users 10000] [--duration 15]
#                     [--connections "1 4 16"] [--paced 10]
# --paced N: instead of as fast as possible, N connections that each wait 1 ms between a
# response and the next request (wrk's delay hook), i.e. just under N x 1000 requests/s: the
# latency at a given load rather than at saturation.
set -euo pipefail
cd "$(dirname "$0")/.."

binary=build/lead/daemon/authcorrd
users=10000
duration=15
connections="1 4 16"
paced=
while [ $# -gt 0 ]; do
  case "$1" in
    --binary) binary=$2; shift 2 ;;
    --users) users=$2; shift 2 ;;
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --paced) paced=$2; shift 2 ;;
    *) echo "risk_api.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
command -v wrk >/dev/null || { echo "risk_api.sh: wrk is not installed (scripts/setup)" >&2; exit 2; }

work=$(mktemp -d)
daemon_pid=
cleanup() {
  [ -n "$daemon_pid" ] && kill -TERM "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/authcorrd.toml" <<TOML
[server]
listen = "127.0.0.1:0"
max_connections = 1024
[auth0.log_stream]
token = "bench-ingest"
[store]
path = "$work/state.db"
[api]
token = "bench-api"
rate_limit = 1000000
TOML
"$binary" run --config "$work/authcorrd.toml" --ready-file "$work/ready.json" 2>"$work/daemon.log" &
daemon_pid=$!
for _ in $(seq 100); do [ -s "$work/ready.json" ] && break; sleep 0.1; done
url="http://$(sed 's/.*"listen":"\([^"]*\)".*/\1/' "$work/ready.json")"

now=$(date -u +%FT%T.000Z)
node -e '
  const [users, now] = [Number(process.argv[1]), process.argv[2]];
  for (let u = 0; u < users; u++)
    console.log(JSON.stringify({log_id: `bench-${u}`, data: {date: now, type: "s",
      user_id: `auth0|bench-${u}`, ip: `10.0.${(u >> 8) & 255}.${u & 255}`, user_agent: "UA-bench"}}));
' "$users" "$now" >"$work/logins.jsonl"
split -l 5000 "$work/logins.jsonl" "$work/part-"
for part in "$work"/part-*; do
  curl -sf -H 'authorization: Bearer bench-ingest' -H 'content-type: application/x-ndjson' \
    --data-binary @"$part" "$url/ingest/auth0" >/dev/null
done
echo "==> $users users in the index; $(nproc) cores; wrk against $url/v1/risk for ${duration}s"

cat >"$work/risk.lua" <<LUA
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer bench-api"
wrk.headers["Content-Type"] = "application/json"
local users = $users
request = function()
  local u = math.random(0, users - 1)
  local body = string.format('{"user_id":"auth0|bench-%d","ip":"10.0.%d.%d","user_agent":"UA-bench"}',
    u, math.floor(u / 256) % 256, u % 256)
  return wrk.format(nil, "/v1/risk", nil, body)
end
LUA
if [ -n "$paced" ]; then
  printf 'delay = function() return 1 end\n' >>"$work/risk.lua"
  connections=$paced
fi
for c in $connections; do
  echo "==> $c connection(s), 1 wrk thread${paced:+, 1 ms pause between a response and the next request}"
  wrk -t1 -c"$c" -d"${duration}s" --latency -s "$work/risk.lua" "$url" | grep -E "Requests/sec|50%|90%|99%|Latency|Non-2xx"
done
curl -s "$url/metrics" | grep -E '^authcorrd_risk_api_(requests_total|evaluation_seconds_(sum|count))'
