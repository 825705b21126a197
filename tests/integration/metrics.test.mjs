// /metrics as Prometheus reads it: the real daemon pulling the simulator's live traffic, the
// exposition checked by Debian's promtool, every family of docs/metrics.md present (the webhook
// and Alertmanager ones need a configured sink and are covered with the sinks), and no label
// that could carry a user, device, session or IP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  tempDir, startDaemon, startSimulator, parseMetrics, metricSum, waitFor,
} from './lib/harness.mjs';

const RELOCK_KEY = 'relock-api-key-for-metrics';
const STREAM_TOKEN = 'stream-token-for-metrics-' + 'x'.repeat(16);
let dir;
let sim;
let daemon;

const config = (simUrl) => `
[server]
listen = "127.0.0.1:0"

[auth0]
base_url = "${simUrl}"
client_id = "sim-client"
client_secret = "sim-secret"
poll_interval = "200ms"
start = "beginning"
request_timeout = "2s"

[auth0.log_stream]
token = "${STREAM_TOKEN}"

[relock]
events_url = "${simUrl}/relock/events"
api_key = "${RELOCK_KEY}"
poll_interval = "200ms"
request_timeout = "2s"

[store]
path = "{{DIR}}/state.db"

[[sinks.file]]
path = "{{DIR}}/alerts.jsonl"
`;

before(async () => {
  dir = tempDir();
  sim = await startSimulator(
    ['--users', '20', '--rate', '20', '--scenarios', 'none', '--relock-api-key', RELOCK_KEY],
    { logFile: path.join(dir, 'simulator.log') },
  );
  daemon = await startDaemon(dir, config(sim.url));
});

after(async () => {
  const exit = await daemon?.stop();
  await sim?.stop();
  assert.equal(exit?.code, 0, daemon?.log());
  fs.rmSync(dir, { recursive: true, force: true });
});

const scrape = async () => (await fetch(daemon.url + '/metrics')).text();

// Families with samples once traffic flowed (the label sets are closed, see docs/metrics.md).
const FAMILIES = {
  authcorrd_build_info: 'gauge',
  authcorrd_http_requests_total: 'counter',
  authcorrd_http_request_duration_seconds: 'histogram',
  authcorrd_ingest_events_total: 'counter',
  authcorrd_ingest_duplicate_events_total: 'counter',
  authcorrd_ingest_parse_errors_total: 'counter',
  authcorrd_ingest_relock_unknown_events_total: 'counter',
  authcorrd_ingest_late_events_total: 'counter',
  authcorrd_poller_requests_total: 'counter',
  authcorrd_poller_token_requests_total: 'counter',
  authcorrd_poller_up: 'gauge',
  authcorrd_poller_last_success_timestamp_seconds: 'gauge',
  authcorrd_alerts_total: 'counter',
  authcorrd_alerts_repeated_total: 'counter',
  authcorrd_store_rows: 'gauge',
  authcorrd_store_journal_duration_seconds: 'histogram',
  authcorrd_ready: 'gauge',
  authcorrd_source_lag_seconds: 'gauge',
  authcorrd_correlator_users: 'gauge',
  authcorrd_correlator_sessions: 'gauge',
  authcorrd_correlator_index_entries: 'gauge',
  authcorrd_correlator_evictions_total: 'counter',
  authcorrd_correlator_events_dropped_total: 'counter',
  authcorrd_correlator_device_verifications_total: 'counter',
  authcorrd_correlator_trusted_devices: 'gauge',
  authcorrd_correlator_logins_total: 'counter',
  authcorrd_correlator_login_failures_total: 'counter',
  authcorrd_correlator_login_risk_score: 'histogram',
};

const FORBIDDEN_LABELS = new Set(['user', 'user_id', 'ip', 'device', 'device_id', 'session', 'session_id']);

// name -> TYPE line, and every label name used by any sample.
function describe(text) {
  const types = new Map();
  const labels = new Set();
  for (const line of text.split('\n')) {
    const type = line.match(/^# TYPE (\S+) (\S+)$/);
    if (type) types.set(type[1], type[2]);
    if (line === '' || line.startsWith('#')) continue;
    const brace = line.indexOf('{');
    if (brace < 0) continue;
    for (const match of line.slice(brace, line.lastIndexOf('}')).matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="/g)) {
      labels.add(match[1]);
    }
  }
  return { types, labels };
}

async function postAuth0(body) {
  return fetch(daemon.url + '/ingest/auth0', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${STREAM_TOKEN}` },
    body,
  });
}

test('the exposition passes promtool and has every family, with no identifying label', async () => {
  // A login that completed MFA (Guardian success first, in log_id order), a failed-login burst
  // (an alert), a re-delivered and an unreadable Log Streams item.
  const mfaUser = 'auth0|metrics-mfa-user';
  await sim.control('/_sim/auth0/logs', [
    { type: 'gd_auth_succeed', user_id: mfaUser },
    { type: 's', user_id: mfaUser, ip: '203.0.113.7', user_agent: 'Mozilla/5.0 metrics' },
  ]);
  await sim.control('/_sim/auth0/logs', [1, 2, 3, 4].map(() => ({ type: 'fp', user_id: 'auth0|metrics-burst' })));
  const item = JSON.stringify({
    log_id: 'metrics-dup-1',
    data: { log_id: 'metrics-dup-1', date: new Date().toISOString(), type: 'slo', user_id: mfaUser },
  });
  assert.equal((await postAuth0(item)).status, 200);
  assert.equal((await postAuth0(item)).status, 200);
  assert.equal((await postAuth0('{"log_id": "x", "data": {"type": 7}}')).status, 400);

  // Traffic from both sources, the MFA login and the burst alert reach the metrics.
  const values = await waitFor('traffic from both sources in /metrics', async () => {
    const m = parseMetrics(await scrape());
    const ok = metricSum(m, 'authcorrd_correlator_logins_total', { mfa: 'with_mfa' }) >= 1 &&
      metricSum(m, 'authcorrd_correlator_logins_total', { mfa: 'without_mfa' }) >= 5 &&
      metricSum(m, 'authcorrd_correlator_device_verifications_total', { result: 'success' }) >= 5 &&
      metricSum(m, 'authcorrd_correlator_trusted_devices') >= 1 &&
      metricSum(m, 'authcorrd_correlator_login_failures_total') >= 4 &&
      metricSum(m, 'authcorrd_alerts_total', { type: 'failed_login_burst' }) >= 1 &&
      m.has('authcorrd_source_lag_seconds{source="auth0"}') &&
      m.has('authcorrd_source_lag_seconds{source="relock"}');
    return ok ? m : false;
  }, 30000, 250);

  const text = await scrape();
  // promtool reads the exposition on stdin; a clean result is exit 0 and no output at all.
  const lint = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
  assert.equal(lint.status, 0, `promtool: ${lint.stdout}${lint.stderr}`);
  assert.equal(lint.stdout + lint.stderr, '');

  const { types, labels } = describe(text);
  for (const [name, type] of Object.entries(FAMILIES)) {
    assert.equal(types.get(name), type, `${name} should be a ${type}`);
  }
  for (const label of labels) assert.ok(!FORBIDDEN_LABELS.has(label), `label ${label} in /metrics`);
  assert.ok(!types.has('authcorrd_correlator_tracked'), 'replaced by users/sessions/index_entries');
  assert.doesNotMatch(text, /events_dropped_total\{reason="late"\}/);

  // The values mean what docs/metrics.md says.
  const version = [...values.keys()].find((k) => k.startsWith('authcorrd_build_info{'));
  assert.match(version, /^authcorrd_build_info\{version="\d+\.\d+\.\d+[^"]*"\}$/);
  assert.equal(values.get(version), 1);
  assert.ok(metricSum(values, 'authcorrd_correlator_users') >= 3);
  assert.ok(metricSum(values, 'authcorrd_correlator_index_entries', { kind: 'events' }) > 0);
  assert.ok(metricSum(values, 'authcorrd_correlator_index_entries', { kind: 'strings' }) > 0);
  // Pulled every 200 ms: each source's newest event is seconds old at most.
  for (const source of ['auth0', 'relock']) {
    const lag = values.get(`authcorrd_source_lag_seconds{source="${source}"}`);
    assert.ok(lag >= 0 && lag < 30, `${source} lag ${lag}`);
  }
  assert.ok(metricSum(values, 'authcorrd_ingest_duplicate_events_total', { source: 'auth0' }) >= 1);
  assert.ok(metricSum(values, 'authcorrd_ingest_parse_errors_total', { source: 'auth0' }) >= 1);
  // Every assessed login is in the histogram: at least the successes and failures counted.
  const assessed = metricSum(values, 'authcorrd_correlator_login_risk_score_count');
  assert.ok(assessed >= 1 + 5 + 4, `assessed ${assessed}`);
  assert.equal(values.get('authcorrd_correlator_login_risk_score_bucket{le="+Inf"}'), assessed);
  assert.equal(metricSum(values, 'authcorrd_correlator_evictions_total'), 0);
});

test('counters only grow between scrapes while gauges follow the index', async () => {
  const first = parseMetrics(await scrape());
  await waitFor('more logins', async () => {
    const m = parseMetrics(await scrape());
    return metricSum(m, 'authcorrd_correlator_logins_total') > metricSum(first, 'authcorrd_correlator_logins_total');
  }, 15000, 250);
  const second = parseMetrics(await scrape());
  for (const [key, value] of first) {
    const name = key.replace(/\{.*$/, '');
    if (!/_total$|_count$|_sum$|_bucket$/.test(name)) continue;
    if (!second.has(key)) continue;
    assert.ok(second.get(key) >= value, `${key}: ${value} -> ${second.get(key)}`);
  }
  // The MFA-bypass ratio of docs/metrics.md is computable and within [0, 1].
  const withMfa = metricSum(second, 'authcorrd_correlator_logins_total', { mfa: 'with_mfa' });
  const withoutMfa = metricSum(second, 'authcorrd_correlator_logins_total', { mfa: 'without_mfa' });
  const ratio = withoutMfa / (withMfa + withoutMfa);
  assert.ok(ratio > 0 && ratio < 1, `ratio ${ratio}`);
});
