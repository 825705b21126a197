#!/usr/bin/env bash
# Self-test of authcorrd-sim against curl and a tiny receiver (no daemon needed):
#   tools/simulator/selftest.sh
# Exits non-zero when any check fails. Needs node (18+) and curl; openssl for the TLS check.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
SIM="$HERE/authcorrd-sim"
TMP=$(mktemp -d)
FAILS=0
PIDS=()
SECRET=s3cret
STREAM_TOKEN=stream-tok

cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  rm -rf "$TMP"
}
trap cleanup EXIT

ok() { echo "ok   - $*"; }
fail() { echo "FAIL - $*"; FAILS=$((FAILS + 1)); }
check() { # check DESCRIPTION COMMAND...
  local what=$1; shift
  if "$@"; then ok "$what"; else fail "$what"; fi
}
# js EXPR: evaluates EXPR with `v` = the JSON read from stdin, prints the result.
js() { node -e "const v=JSON.parse(require('fs').readFileSync(0,'utf8')); const r=($1); console.log(typeof r==='string'?r:JSON.stringify(r));"; }
# Wait until FILE has a first line; print it.
first_line() {
  for _ in $(seq 1 100); do
    if [ -s "$1" ]; then head -n 1 "$1"; return 0; fi
    sleep 0.05
  done
  return 1
}

# ---------------------------------------------------------------- syntax
for f in "$HERE"/authcorrd-sim "$HERE"/*.js; do
  check "node --check $(basename "$f")" node --check "$f"
done

# ---------------------------------------------------------------- receiver
# Relock webhooks (/ingest/relock: checks X-Relock-Signature) and Auth0 Log Streams
# (/ingest/auth0: checks the bearer token, splits JSON lines). GET /dump returns what it got.
cat >"$TMP/receiver.js" <<'EOF'
const http = require('http');
const crypto = require('crypto');
const [secret, token] = process.argv.slice(2);
const got = { relock: [], relock_bad_sig: 0, stream: [], stream_posts: 0, stream_bad: 0 };
http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    if (req.method === 'GET' && req.url === '/dump') {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      return res.end(JSON.stringify(got));
    }
    if (req.url === '/ingest/relock') {
      const want = crypto.createHmac('sha256', secret).update(body).digest('hex');
      const have = String(req.headers['x-relock-signature'] || '');
      const good = have.length === want.length && /^[0-9a-f]+$/.test(have) &&
        crypto.timingSafeEqual(Buffer.from(have), Buffer.from(want)) &&
        /^application\/json/.test(req.headers['content-type'] || '');
      if (!good) { got.relock_bad_sig += 1; res.writeHead(401); return res.end('{"error":"bad signature"}'); }
      got.relock.push(body.toString('utf8'));
      res.writeHead(202); return res.end('{}');
    }
    if (req.url === '/ingest/auth0') {
      if (req.headers.authorization !== `Bearer ${token}`) { got.stream_bad += 1; res.writeHead(401); return res.end('{}'); }
      got.stream_posts += 1;
      for (const line of body.toString('utf8').split('\n')) if (line.trim()) got.stream.push(JSON.parse(line));
      res.writeHead(200); return res.end('{}');
    }
    res.writeHead(404); res.end('{}');
  });
}).listen(0, '127.0.0.1', function () { console.log(this.address().port); });
EOF
node "$TMP/receiver.js" "$SECRET" "$STREAM_TOKEN" >"$TMP/recv.out" 2>"$TMP/recv.err" &
PIDS+=($!)
RP=$(first_line "$TMP/recv.out") || { echo "receiver did not start"; exit 1; }
RECV="http://127.0.0.1:$RP"

check "the receiver rejects a wrong signature" \
  test "$(curl -s -o /dev/null -w '%{http_code}' -H 'X-Relock-Signature: 00' -H 'Content-Type: application/json' -d '{}' "$RECV/ingest/relock")" = 401

# ---------------------------------------------------------------- simulator
"$SIM" --seed 7 --users 30 --rate 15 --scenarios all --scenario-interval 2 \
  --relock-webhook-url "$RECV/ingest/relock" --relock-secret "$SECRET" \
  --auth0-stream-url "$RECV/ingest/auth0" --auth0-stream-token "$STREAM_TOKEN" \
  --auth0-stream-format jsonlines >"$TMP/sim.out" 2>"$TMP/sim.err" &
SIM_PID=$!
PIDS+=($SIM_PID)
READY=$(first_line "$TMP/sim.out") || { echo "simulator did not start"; cat "$TMP/sim.err"; exit 1; }
URL=$(echo "$READY" | js 'v.url')
check "ready line is exactly {ready, url}" \
  test "$READY" = "{\"ready\":true,\"url\":\"$URL\"}"

# ---------------------------------------------------------------- token endpoint
token_json() {
  curl -s -X POST "$URL/oauth/token" -H 'Content-Type: application/json' \
    -d "{\"grant_type\":\"client_credentials\",\"client_id\":\"sim-client\",\"client_secret\":\"sim-secret\",\"audience\":\"$URL/api/v2/\"}"
}
TOKEN_RESP=$(token_json)
TOKEN=$(echo "$TOKEN_RESP" | js 'v.access_token')
check "token response shape" test "$(echo "$TOKEN_RESP" | js '[typeof v.access_token, v.expires_in, v.scope, v.token_type].join(" ")')" = "string 86400 read:logs Bearer"
FORM=$(curl -s -X POST "$URL/oauth/token" --data-urlencode grant_type=client_credentials \
  --data-urlencode client_id=sim-client --data-urlencode client_secret=sim-secret --data-urlencode "audience=$URL/api/v2/" | js 'v.token_type')
check "form-encoded token request" test "$FORM" = Bearer
BAD=$(curl -s -w ' %{http_code}' -X POST "$URL/oauth/token" -H 'Content-Type: application/json' \
  -d "{\"grant_type\":\"client_credentials\",\"client_id\":\"sim-client\",\"client_secret\":\"nope\",\"audience\":\"$URL/api/v2/\"}")
check "wrong secret -> 401 access_denied" test "$BAD" = '{"error":"access_denied","error_description":"Unauthorized"} 401'
check "wrong audience -> 403" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/oauth/token" -H 'Content-Type: application/json' \
  -d '{"grant_type":"client_credentials","client_id":"sim-client","client_secret":"sim-secret","audience":"https://elsewhere/api/v2/"}')" = 403
check "grant_type password -> 403" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/oauth/token" -H 'Content-Type: application/json' \
  -d "{\"grant_type\":\"password\",\"client_id\":\"sim-client\",\"client_secret\":\"sim-secret\",\"audience\":\"$URL/api/v2/\"}")" = 403

# ---------------------------------------------------------------- logs: errors
code_body() { curl -s -w ' %{http_code}' "$@"; }
check "no token -> 401" test "$(curl -s -o /dev/null -w '%{http_code}' "$URL/api/v2/logs?from=&take=10")" = 401
check "invalid token -> 401 Invalid token" test "$(code_body -H 'Authorization: Bearer nope' "$URL/api/v2/logs?from=&take=10")" = '{"statusCode":401,"error":"Unauthorized","message":"Invalid token"} 401'
check "take=101 -> 400" test "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL/api/v2/logs?from=&take=101")" = 400
check "rate-limit headers on every response" \
  bash -c "curl -s -D - -o /dev/null -H 'Authorization: Bearer nope' '$URL/api/v2/logs?from=&take=1' | grep -qi '^x-ratelimit-reset: [0-9]'"

# ---------------------------------------------------------------- logs: paging while traffic runs
IDS="$TMP/ids.txt"; : >"$IDS"
ROWS="$TMP/rows.jsonl"; : >"$ROWS"
NEXT="$URL/api/v2/logs?from=&take=37"
EMPTY_OK=1
EMPTY_SEEN=0
# Follows Link from $NEXT, appending ids and rows, until a page shorter than take (caught up
# with live traffic) or, with "empty", until an empty page.
page_until() {
  local hdr="$TMP/h" body="$TMP/b" link n
  for _ in $(seq 1 2000); do
    curl -s -D "$hdr" -o "$body" -H "Authorization: Bearer $TOKEN" "$NEXT" || { fail "GET $NEXT"; return 1; }
    link=$(grep -i '^link:' "$hdr" | sed -E 's/^[Ll]ink: <([^>]*)>; rel="next"\r?$/\1/')
    # One node per page: append "log_id _id" lines and rows, print "count last_log_id".
    read -r n last < <(node -e '
      const fs = require("fs");
      const v = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
      if (v.length) {
        fs.appendFileSync(process.argv[2], v.map(r => r.log_id + " " + r._id + "\n").join(""));
        fs.appendFileSync(process.argv[3], v.map(r => JSON.stringify(r) + "\n").join(""));
      }
      console.log(v.length, v.length ? v[v.length - 1].log_id : "-");' "$body" "$IDS" "$ROWS")
    if [ "$n" = 0 ]; then
      [ "$link" = "$NEXT" ] || { EMPTY_OK=0; echo "empty page: Link $link != called $NEXT"; }
      EMPTY_SEEN=$((EMPTY_SEEN + 1))
      [ "$1" = empty ] && return 0
      continue
    fi
    [ "$link" = "$URL/api/v2/logs?from=$last&take=37" ] || fail "Link of a page: $link"
    NEXT=$link
    [ "$1" = short ] && [ "$n" -lt 37 ] && return 0
  done
}
sleep 3
page_until short
sleep 2
page_until short   # continue from the same next URL: new events, no gaps
curl -s -X POST "$URL/_sim/traffic" -d '{"rate":0,"scenarios":"none"}' >/dev/null
# Let in-flight logins, scenario plays and pushes finish.
for _ in $(seq 1 300); do
  S=$(curl -s "$URL/_sim/stats")
  [ "$(echo "$S" | js 'v.flows_in_flight + v.webhook_backlog + v.stream_backlog')" = 0 ] && break
  sleep 0.1
done
page_until empty
page_until empty   # an empty page's next URL is the URL called: calling it again is empty too
check "empty page returns the URL that was called as next ($EMPTY_SEEN empty pages)" test "$EMPTY_OK-$((EMPTY_SEEN >= 2))" = 1-1
STATS=$(curl -s "$URL/_sim/stats")
STORED=$(echo "$STATS" | js 'v.auth0_logs_stored')
cat >"$TMP/ids.js" <<'EOF'
const lines = require('fs').readFileSync(process.argv[2], 'utf8').split('\n').filter(Boolean);
const stored = Number(process.argv[3]);
const errs = [];
let prev = null;
lines.forEach((l, i) => {
  const [id, _id] = l.split(' ');
  if (!/^900\d{53}$/.test(id)) errs.push(`bad id ${id}`);
  if (id !== _id) errs.push(`_id ${_id} != log_id ${id}`);
  if (prev !== null && !(id > prev)) errs.push(`not increasing: ${prev} then ${id}`);
  if (Number(id.slice(17)) !== i + 1) errs.push(`gap or repeat at position ${i}: counter ${Number(id.slice(17))}`);
  prev = id;
});
if (lines.length !== stored) errs.push(`read ${lines.length} ids, tenant holds ${stored}`);
if (lines.length < 50) errs.push(`only ${lines.length} ids: traffic too thin for the test`);
if (errs.length) { console.log(errs.slice(0, 10).join('\n')); process.exit(1); }
console.log(`${lines.length} ids`);
EOF
check "log ids: 56 digits, strictly increasing, no gaps or repeats across pages ($STORED events)" node "$TMP/ids.js" "$IDS" "$STORED"
check "rows look like Management API rows" node -e '
const rows = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean).map(JSON.parse);
const bad = rows.filter(r => {
  if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(r.date)) return true;
  if (r.log_id.slice(3, 17) < r.date.replace(/[-:T]/g, "").slice(0, 14)) return true;
  if (r.type === "s") return !(r.user_id.startsWith("auth0|") && r.user_name.includes("@") && r.details.session_id && r.ip && r.user_agent.startsWith("Mozilla/5.0") && r.connection && r.client_id && r.tenant_name && typeof r.isMobile === "boolean");
  if (r.type === "fp") return r.details.error.message !== "Wrong email or password.";
  if (r.type === "seccft") return r.scope !== "read:logs" || !r.audience.endsWith("/api/v2/");
  return false;
});
const types = new Set(rows.map(r => r.type));
if (bad.length || !types.has("s") || !types.has("fp") || !types.has("seccft") || !types.has("feccft")) { console.log(JSON.stringify(bad[0]), [...types]); process.exit(1); }' "$ROWS"

# ---------------------------------------------------------------- Log Streams push
DUMP=$(curl -s "$RECV/dump")
echo "$DUMP" >"$TMP/dump.json"
check "stream: every event delivered once, same user agent as the pull rows" node -e '
const dump = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const rows = require("fs").readFileSync(process.argv[2], "utf8").split("\n").filter(Boolean).map(JSON.parse);
const byId = new Map(dump.stream.map(e => [e.log_id, e]));
let err = "";
if (dump.stream_bad) err = "bad token seen";
if (byId.size !== dump.stream.length) err = "duplicate stream items";
if (dump.stream.length !== rows.length) err = `stream ${dump.stream.length} != pulled ${rows.length}`;
for (const r of rows) {
  const s = byId.get(r.log_id);
  if (!s) { err = `log ${r.log_id} not streamed`; break; }
  if (s.data.user_agent !== r.user_agent || s.data.type !== r.type || s.data.log_id !== r.log_id || s.data._id !== undefined) { err = `stream item differs: ${JSON.stringify(s)}`; break; }
}
if (err) { console.log(err); process.exit(1); }' "$TMP/dump.json" "$ROWS"

# ---------------------------------------------------------------- Relock: webhooks and pull
check "webhooks: all signatures verify, one delivery per event" node -e '
const [dump, stats] = [JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")), JSON.parse(process.argv[2])];
const ok = dump.relock_bad_sig === 1 /* the receiver self-check above */ && dump.relock.length === stats.relock_events && stats.webhook_deliveries_ok === stats.relock_events && stats.webhook_deliveries_failed === 0 && dump.relock.length > 10;
if (!ok) { console.log(dump.relock_bad_sig, dump.relock.length, JSON.stringify(stats)); process.exit(1); }' "$TMP/dump.json" "$STATS"
check "relock pull: wrong key -> 401 INVALID_API_KEY" test "$(curl -s -H 'Authorization: Bearer nope' "$URL/relock/events" | js 'v.success === false && v.error.code')" = INVALID_API_KEY
RELOCK="$TMP/relock.jsonl"; : >"$RELOCK"
CURSOR=""
LAST_MORE=""
for _ in $(seq 1 1000); do
  curl -s -H 'Authorization: Bearer sim-relock-key' "$URL/relock/events?limit=13&cursor=$CURSOR" >"$TMP/rp"
  read -r CURSOR LAST_MORE < <(node -e '
    const fs = require("fs");
    const v = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
    fs.appendFileSync(process.argv[2], v.data.map(e => JSON.stringify(e) + "\n").join(""));
    console.log(v.next_cursor, v.has_more);' "$TMP/rp" "$RELOCK")
  [ "$LAST_MORE" = false ] && break
done
AGAIN=$(curl -s -H 'Authorization: Bearer sim-relock-key' "$URL/relock/events?limit=13&cursor=$CURSOR")
check "relock pull: the last cursor gives an empty page and itself back" test "$(echo "$AGAIN" | js "v.data.length === 0 && v.next_cursor === '$CURSOR' && v.has_more === false")" = true
check "relock pull: every event exactly once, in emission order, equal to the webhooks" node -e '
const pulled = require("fs").readFileSync(process.argv[1], "utf8").split("\n").filter(Boolean);
const pushed = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8")).relock;
if (pulled.length !== pushed.length || pulled.some((p, i) => p !== pushed[i])) { console.log(pulled.length, pushed.length); process.exit(1); }
const names = new Set(pulled.map(p => JSON.parse(p).event));
for (const n of ["authentication.success", "session.created", "authentication.failed"]) if (!names.has(n)) { console.log("missing", n); process.exit(1); }' "$RELOCK" "$TMP/dump.json"

# ---------------------------------------------------------------- scenarios
check "expected: every scenario played with its alert" node -e '
const e = JSON.parse(process.argv[1]);
const want = { burst: "failed_login_burst", paired: "correlated_security_event", new_device: "medium_risk_login" };
for (const [s, a] of Object.entries(want)) if (!e.some(x => x.scenario === s && x.alert === a && x.status === "done" && x.user_id && x.time)) { console.log("missing", s); process.exit(1); }
if (new Set(e.map(x => x.user_id)).size !== e.length) { console.log("victim reused"); process.exit(1); }' "$(curl -s "$URL/_sim/expected")"
PLAY=$(curl -s -X POST "$URL/_sim/traffic" -d '{"scenario":"paired"}')
check "scenario on demand (paired)" test "$(echo "$PLAY" | js 'v.expected.alert + " " + v.expected.status + " " + v.expected.auth0_log_ids.length + " " + v.expected.relock_events.length')" = "correlated_security_event done 1 1"

# ---------------------------------------------------------------- control injection
INJ=$(curl -s -X POST "$URL/_sim/auth0/logs" -d '[{"type":"fp","user_id":"auth0|selftest"},{"type":"s","user_id":"auth0|selftest","ip":"203.0.113.9","date":"2025-01-01T00:00:00.000Z"}]')
check "inject auth0 logs: ids returned and streamed" test "$(echo "$INJ" | js 'v.log_ids.length + " " + v.streamed')" = "2 2"
curl -s -H "Authorization: Bearer $TOKEN" "$URL/api/v2/logs?from=$(echo "$INJ" | js 'v.log_ids[0]')&take=1" >"$TMP/inj"
check "injected log keeps given fields, gets defaults" test "$(js 'v[0].type + " " + v[0].ip + " " + v[0].date + " " + v[0].hostname' <"$TMP/inj")" = "s 203.0.113.9 2025-01-01T00:00:00.000Z authcorrd-sim.us.auth0.com"
RI=$(curl -s -X POST "$URL/_sim/relock/events" -d '[{"event":"security.alert","data":{"userId":"auth0|selftest","alertType":"suspicious_activity"}}]')
check "inject relock event: delivered, timestamp filled" test "$(echo "$RI" | js 'v.delivered + " " + /Z$/.test(v.events[0].data.timestamp)')" = "1 true"

# ---------------------------------------------------------------- faults
fault() { curl -s -X POST "$URL/_sim/faults" -d "$1" >/dev/null; }
LOGS="$URL/api/v2/logs?from=&take=5"
AUTH="Authorization: Bearer $TOKEN"
fault '{"endpoint":"logs","kind":"429","count":1,"delay_ms":3000}'
NOW=$(date +%s)
curl -s -D "$TMP/h429" -o "$TMP/b429" -H "$AUTH" "$LOGS"
RESET=$(grep -i '^x-ratelimit-reset:' "$TMP/h429" | tr -dc '0-9')
check "429 fault: status, body and x-ratelimit-reset = now+3" bash -c "head -1 '$TMP/h429' | grep -q ' 429' && grep -q 'Global limit has been reached' '$TMP/b429' && [ '$RESET' -ge $((NOW + 2)) ] && [ '$RESET' -le $((NOW + 4)) ]"
fault '{"endpoint":"logs","kind":"500","count":2}'
check "500 fault x2 then 200" test "$(for i in 1 2 3; do curl -s -o /dev/null -w '%{http_code} ' -H "$AUTH" "$LOGS"; done)" = "500 500 200 "
fault '{"endpoint":"logs","kind":"truncate","count":1}'
curl -s -o /dev/null -H "$AUTH" "$LOGS"; RC=$?
check "truncate fault: curl reports error 18 (partial file), got $RC" test "$RC" = 18
fault '{"endpoint":"logs","kind":"close","count":1}'
curl -s -o /dev/null -H "$AUTH" "$LOGS"; RC=$?
check "close fault: curl reports error 52 (empty reply), got $RC" test "$RC" = 52
fault '{"endpoint":"logs","kind":"slow","count":1,"delay_ms":1500}'
curl -s -o /dev/null --max-time 0.5 -H "$AUTH" "$LOGS"; RC=$?
check "slow fault: a 0.5 s client times out (28), got $RC" test "$RC" = 28
fault '{"endpoint":"token","kind":"500","count":1}'
check "token fault 500 then a token" test "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$URL/oauth/token" -d grant_type=client_credentials)-$(token_json | js 'v.token_type')" = "500-Bearer"
fault '{"endpoint":"relock_events","kind":"429","count":1}'
check "relock_events fault 429" test "$(curl -s -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer sim-relock-key' "$URL/relock/events")" = 429
fault '{"kind":"expire_token"}'
check "expire_token: old token -> 401" test "$(curl -s -o /dev/null -w '%{http_code}' -H "$AUTH" "$LOGS")" = 401
NEW=$(token_json | js 'v.access_token')
check "expire_token: a new token works" test "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $NEW" "$LOGS")" = 200
check "stats: faults all used up" test "$(curl -s "$URL/_sim/stats" | js 'Object.values(v.faults_remaining).reduce((a,b)=>a+b,0) + " " + (v.responses_by_status.closed || 0)')" = "0 1"

# ---------------------------------------------------------------- shutdown
kill -TERM "$SIM_PID"; wait "$SIM_PID"; RC=$?
check "SIGTERM: exit 0, got $RC" test "$RC" = 0

# ---------------------------------------------------------------- rate limit bucket, duration
"$SIM" --rate 0 --scenarios none --rate-limit 3/1s --duration 8 >"$TMP/sim2.out" 2>"$TMP/sim2.err" &
SIM2=$!
PIDS+=($SIM2)
URL2=$(first_line "$TMP/sim2.out" | js 'v.url')
T2=$(curl -s -X POST "$URL2/oauth/token" -d grant_type=client_credentials -d client_id=sim-client -d client_secret=sim-secret --data-urlencode "audience=$URL2/api/v2/" | js 'v.access_token')
SEQ=""
for i in 1 2 3 4; do
  SEQ+=$(curl -s -D - -o /dev/null -H "Authorization: Bearer $T2" "$URL2/api/v2/logs?from=&take=5" | awk 'NR==1{c=$2} tolower($1)=="x-ratelimit-remaining:"{r=$2} END{printf "%s/%s ", c, r}' | tr -d '\r')
done
check "bucket 3/1s: 200 x3 then 429 (remaining 2,1,0,0): $SEQ" test "$SEQ" = "200/2 200/1 200/0 429/0 "
sleep 1.1
check "bucket refills" test "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $T2" "$URL2/api/v2/logs?from=&take=5")" = 200
check "an empty tenant (scenarios none, rate 0) holds only the seccft" test "$(curl -s -H "Authorization: Bearer $T2" "$URL2/api/v2/logs?from=&take=100" | js 'v.map(r => r.type).join(",")')" = seccft
wait "$SIM2"; RC=$?
check "--duration: exit 0, got $RC" test "$RC" = 0

# ---------------------------------------------------------------- TLS
if command -v openssl >/dev/null; then
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$TMP/key.pem" -out "$TMP/cert.pem" -days 1 \
    -subj /CN=127.0.0.1 >/dev/null 2>&1
  "$SIM" --rate 0 --scenarios none --tls-cert "$TMP/cert.pem" --tls-key "$TMP/key.pem" >"$TMP/sim3.out" 2>"$TMP/sim3.err" &
  SIM3=$!
  PIDS+=($SIM3)
  URL3=$(first_line "$TMP/sim3.out" | js 'v.url')
  check "TLS: https url and a token" test "${URL3%%:*}-$(curl -sk -X POST "$URL3/oauth/token" -d grant_type=client_credentials -d client_id=sim-client -d client_secret=sim-secret --data-urlencode "audience=$URL3/api/v2/" | js 'v.token_type')" = "https-Bearer"
  kill -INT "$SIM3"; wait "$SIM3"; RC=$?
  check "SIGINT: exit 0, got $RC" test "$RC" = 0
fi

if [ "$FAILS" -gt 0 ]; then
  echo "selftest: $FAILS check(s) failed (simulator log: see above)"
  sed -n '1,40p' "$TMP/sim.err"
  exit 1
fi
echo "selftest: all checks passed"
