// The Auth0 and Relock pollers against the simulator: end-to-end alerts from pulled events,
// and every fault the simulator can inject ending with every log journaled exactly once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  tempDir, startDaemon, startSimulator, readAlerts, metricSum, sql, waitFor, sleep,
} from './lib/harness.mjs';

const RELOCK_KEY = 'relock-api-key-for-tests';
let dir;
let sim;
let daemon;

function daemonConfig(simUrl, { secret = 'sim-secret', extra = '' } = {}) {
  return `
[server]
listen = "127.0.0.1:0"

[auth0]
base_url = "${simUrl}"
client_id = "sim-client"
client_secret = "${secret}"
poll_interval = "200ms"
start = "beginning"
page_size = 10
request_timeout = "1s"

[relock]
events_url = "${simUrl}/relock/events"
api_key = "${RELOCK_KEY}"
poll_interval = "200ms"
request_timeout = "1s"

[store]
path = "{{DIR}}/state.db"

[correlator]
medium_risk_score = 1000
high_risk_score = 1000

[[sinks.file]]
path = "{{DIR}}/alerts.jsonl"
${extra}`;
}

before(async () => {
  dir = tempDir();
  sim = await startSimulator(['--rate', '0', '--scenarios', 'none', '--relock-api-key', RELOCK_KEY],
    { logFile: path.join(dir, 'simulator.log') });
  daemon = await startDaemon(dir, daemonConfig(sim.url));
});

after(async () => {
  const exit = await daemon.stop();
  await sim.stop();
  assert.equal(exit.code, 0, daemon.log());
  fs.rmSync(dir, { recursive: true, force: true });
});

const db = () => path.join(dir, 'state.db');
const journaled = (source) => Number(sql(db(), `select count(*) from journal where source = '${source}'`));

// Waits until the daemon journaled exactly what the simulator has, then checks nothing twice.
async function allIngestedOnce() {
  const stats = await waitFor('every simulator event in the journal', async () => {
    const s = await sim.control('/_sim/stats');
    return journaled('auth0') === s.auth0_events && journaled('relock') === s.relock_events ? s : false;
  }, 30000, 100);
  assert.equal(sql(db(), 'select count(*) - count(distinct source || source_id) from journal'), '0');
  return stats;
}

test('pulled Auth0 failures raise a failed_login_burst alert', async () => {
  const user = 'auth0|pull-burst';
  await sim.control('/_sim/auth0/logs', [1, 2, 3, 4].map(() => ({ type: 'fp', user_id: user })));
  const alerts = await waitFor('the burst alert', () =>
    readAlerts(path.join(dir, 'alerts.jsonl')).filter((a) => a.user_id === user && a.type === 'failed_login_burst'));
  assert.equal(alerts.length, 1);
  await allIngestedOnce();
});

test('a pulled Relock authentication.failed pairs with a pulled Auth0 failure', async () => {
  const user = 'auth0|pull-paired';
  await sim.control('/_sim/auth0/logs', [{ type: 'fp', user_id: user }]);
  await sim.control('/_sim/relock/events', [{ event: 'authentication.failed', data: { userId: user, reason: 'device_not_trusted' } }]);
  const alerts = await waitFor('the correlated alert', () =>
    readAlerts(path.join(dir, 'alerts.jsonl')).filter((a) => a.user_id === user && a.type === 'correlated_security_event'));
  assert.equal(alerts.length, 1);
  await allIngestedOnce();
});

const faults = [
  { endpoint: 'logs', kind: '429', count: 2, delay_ms: 1000, outcome: 'rate_limited' },
  { endpoint: 'logs', kind: '500', count: 3, outcome: 'server_error' },
  { endpoint: 'logs', kind: 'slow', count: 1, delay_ms: 2500, outcome: 'timeout' },
  { endpoint: 'logs', kind: 'truncate', count: 2, outcome: 'bad_response' },
  { endpoint: 'logs', kind: 'close', count: 2, outcome: 'connection_error' },
  { endpoint: 'token', kind: 'expire_token', count: 1, outcome: 'unauthorized' },
  // The token is cached: expire it first so the next token request meets the fault.
  { endpoint: 'token', kind: '500', count: 2, outcome: 'unauthorized', expireFirst: true },
  { endpoint: 'relock_events', kind: '500', count: 2, outcome: 'server_error', poller: 'relock' },
  { endpoint: 'relock_events', kind: 'truncate', count: 1, outcome: 'bad_response', poller: 'relock' },
];

for (const fault of faults) {
  test(`fault ${fault.endpoint}/${fault.kind}: every log still journaled exactly once`, async () => {
    await allIngestedOnce();
    const poller = fault.poller ?? 'auth0';
    const before = fault.outcome
      ? metricSum(await daemon.metrics(), 'authcorrd_poller_requests_total', { poller, outcome: fault.outcome })
      : 0;
    const { outcome, poller: _poller, expireFirst, ...injected } = fault;
    await sim.control('/_sim/faults', injected);
    if (expireFirst) await sim.control('/_sim/faults', { endpoint: 'token', kind: 'expire_token' });
    // 25 logs: more than two pages of 10, so the fault hits a page in the middle of a run.
    const user = `auth0|fault-${fault.endpoint}-${fault.kind}`;
    await sim.control('/_sim/auth0/logs', Array.from({ length: 25 }, (_, i) => ({ type: i % 2 ? 's' : 'fp', user_id: user })));
    await sim.control('/_sim/relock/events', Array.from({ length: 5 }, (_, i) => ({ event: 'authentication.success', data: { userId: user, sessionId: `s-${i}` } })));
    await allIngestedOnce();
    if (outcome) {
      const after = metricSum(await daemon.metrics(), 'authcorrd_poller_requests_total', { poller, outcome: fault.outcome });
      assert.ok(after > before, `no ${fault.outcome} outcome counted for ${fault.kind}`);
    }
    const stats = await sim.control('/_sim/stats');
    assert.deepEqual(Object.values(stats.faults_remaining).filter((n) => n !== 0), []);
  });
}

test('the checkpoint survives a restart: nothing is pulled twice', async () => {
  await allIngestedOnce();
  const checkpoint = sql(db(), "select value from checkpoints where name = 'auth0.logs'");
  assert.match(checkpoint, /^\d{56}$/);
  assert.equal((await daemon.stop()).code, 0);
  await sim.control('/_sim/auth0/logs', [{ type: 's', user_id: 'auth0|after-restart' }]);
  daemon = await startDaemon(dir, daemonConfig(sim.url));
  await allIngestedOnce();
  const m = await daemon.metrics();
  assert.equal(metricSum(m, 'authcorrd_ingest_duplicate_events_total'), 0);
});

test('wrong client credentials: /readyz says why, and the daemon keeps serving', async () => {
  const other = tempDir();
  const bad = await startDaemon(other, daemonConfig(sim.url, { secret: 'wrong-secret' }));
  try {
    const body = await waitFor('readyz to report the auth0 poller', async () => {
      const response = await fetch(bad.url + '/readyz');
      return response.status === 503 ? response.json() : false;
    });
    assert.match(body.reason, /auth0/);
    assert.equal((await fetch(bad.url + '/healthz')).status, 200);
    assert.ok(!bad.log().includes('wrong-secret'));
    const m = await bad.metrics();
    assert.ok(metricSum(m, 'authcorrd_poller_token_requests_total', { outcome: 'error' }) >= 1);
  } finally {
    assert.equal((await bad.stop()).code, 0);
    fs.rmSync(other, { recursive: true, force: true });
  }
});
