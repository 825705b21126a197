// Reload (SIGHUP) as an operator does it: rewrite the file, `systemctl reload`. A good file swaps
// in new ingest tokens, API tokens and sinks while the index, the outbox and the listener stay;
// sections that need a restart keep their old values with a warning; a bad file changes nothing
// and is counted. No configured secret ever reaches the log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { freePort, metricSum, readAlerts, sleep, startDaemon, startSimulator, tempDir, waitFor } from './lib/harness.mjs';
import { makeSecret, startReceiver } from './lib/webhook_receiver.mjs';

const OLD_TOKEN = 'reload-old-ingest-token-7f3a';
const NEW_TOKEN = 'reload-new-ingest-token-91bc';
const API_TOKEN = 'reload-api-token-5d2e';

function config(dir, { token, webhook = null, api = false, listen = '127.0.0.1:0', threshold = 3 }) {
  return `
[server]
listen = "${listen}"
[auth0.log_stream]
token = "${token}"
[store]
path = "${dir}/state.db"
[correlator]
failure_threshold = ${threshold}
suppression_period = "0s"
medium_risk_score = 1000
high_risk_score = 1000
[[sinks.file]]
path = "${dir}/alerts.jsonl"
${webhook ? `[[sinks.webhook]]\nname = "soc"\nurl = "${webhook.url}"\nsecret = "${webhook.secret}"\n` : ''}
${api ? `[api]\ntoken = "${API_TOKEN}"\n` : ''}`;
}

let seq = 0;
async function burst(target, token, user) {
  const now = Date.now();
  const body = [0, 1, 2, 3].map((i) => JSON.stringify({
    log_id: `reload-${process.pid}-${++seq}`, data: { date: new Date(now + i).toISOString(), type: 'fp', user_id: user },
  })).join('\n');
  return fetch(target.url + '/ingest/auth0', {
    method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' }, body,
  });
}

const reloaded = (daemon, count) => waitFor(`reload number ${count}`, () =>
  daemon.log().split('\n').filter((l) => l.includes('reload: configuration from') || l.includes('reload: ') && l.includes('error(s)')).length >= count);

test('SIGHUP swaps tokens, API and sinks in; keeps the index, listener and restart-only sections; a bad file changes nothing', async () => {
  const dir = tempDir('authcorrd-reload-');
  const secret = makeSecret(32);
  const receiver = await startReceiver({ secrets: [secret], label: 'soc' });
  const configPath = path.join(dir, 'authcorrd.toml');
  const daemon = await startDaemon(dir, config(dir, { token: OLD_TOKEN }));
  try {
    assert.equal((await burst(daemon, OLD_TOKEN, 'auth0|before')).status, 200);
    await waitFor('the first alert', () => readAlerts(path.join(dir, 'alerts.jsonl')).length === 1);
    // The gauge follows the index once a second.
    await waitFor('one tracked user', async () => metricSum(await daemon.metrics(), 'authcorrd_correlator_users') === 1);
    assert.equal((await fetch(daemon.url + '/v1/risk', { method: 'POST' })).status, 404);

    // A good file: new ingest token, a webhook sink, the risk API, a new listen address; and a
    // [correlator] change that only takes effect at the next restart.
    const port = await freePort();
    const moved = { url: `http://127.0.0.1:${port}` };
    fs.writeFileSync(configPath, config(dir, {
      token: NEW_TOKEN, webhook: { url: receiver.url, secret }, api: true, listen: `127.0.0.1:${port}`, threshold: 5,
    }));
    daemon.child.kill('SIGHUP');
    await reloaded(daemon, 1);
    assert.match(daemon.log(), /reload: \[correlator\] changed; the change takes effect at the next restart/);
    assert.equal((await fetch(moved.url + '/healthz')).status, 200);
    await assert.rejects(fetch(daemon.url + '/healthz'), 'the old listener still accepts');
    daemon.url = moved.url;
    assert.equal((await burst(daemon, OLD_TOKEN, 'auth0|old-token')).status, 401);
    // Still threshold 3: four failures are a burst.
    assert.equal((await burst(daemon, NEW_TOKEN, 'auth0|after')).status, 200);
    const delivered = await waitFor('the new alert at the new webhook sink', () =>
      receiver.requests.filter((r) => r.status === 200 && r.alert?.user_id === 'auth0|after'));
    assert.equal(delivered.length, 1);
    assert.deepEqual(receiver.violations, []);
    const risk = await fetch(daemon.url + '/v1/risk', {
      method: 'POST', headers: { authorization: `Bearer ${API_TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ user_id: 'auth0|before', ip: '192.0.2.1', user_agent: 'UA' }),
    });
    assert.equal(risk.status, 200);
    // The index survived: the user seen before the reload is still tracked, alerts continue.
    await waitFor('both users tracked', async () => metricSum(await daemon.metrics(), 'authcorrd_correlator_users') === 2);
    assert.equal(metricSum(await daemon.metrics(), 'authcorrd_config_reloads_total', { result: 'ok' }), 1);
    assert.deepEqual(readAlerts(path.join(dir, 'alerts.jsonl')).map((a) => a.user_id), ['auth0|before', 'auth0|after']);

    // A bad file: every error logged, nothing changes, the failure is counted.
    fs.writeFileSync(configPath, '[server]\nlisten = 12\n[sinks]\nwebhook = "nope"\n');
    daemon.child.kill('SIGHUP');
    await reloaded(daemon, 2);
    assert.match(daemon.log(), /reload: .*server\.listen/);
    assert.match(daemon.log(), /still running on the previous configuration/);
    assert.equal((await burst(daemon, NEW_TOKEN, 'auth0|still')).status, 200);
    await waitFor('the alert after the failed reload at the webhook', () =>
      receiver.requests.some((r) => r.status === 200 && r.alert?.user_id === 'auth0|still'));
    assert.equal(metricSum(await daemon.metrics(), 'authcorrd_config_reloads_total', { result: 'failed' }), 1);

    // A valid file whose new alert file cannot be opened: the reload fails as a whole, the
    // daemon keeps running on the previous sinks.
    fs.writeFileSync(configPath, config(dir, { token: 'reload-third-token-000', webhook: { url: receiver.url, secret }, api: true, listen: `127.0.0.1:${port}` })
      .replace(`path = "${dir}/alerts.jsonl"`, `path = "${dir}/no-such-dir/alerts.jsonl"`));
    daemon.child.kill('SIGHUP');
    await waitFor('the third reload to fail', async () =>
      metricSum(await daemon.metrics(), 'authcorrd_config_reloads_total', { result: 'failed' }) === 2);
    assert.equal(daemon.child.exitCode, null, 'the daemon exited');
    assert.equal((await burst(daemon, 'reload-third-token-000', 'auth0|third')).status, 401);
    assert.equal((await burst(daemon, NEW_TOKEN, 'auth0|third')).status, 200);

    // Secrets never reach the log.
    await sleep(100);
    const log = daemon.log();
    for (const value of [OLD_TOKEN, NEW_TOKEN, API_TOKEN, secret, secret.slice('whsec_'.length)]) {
      assert.ok(!log.includes(value), 'a configured secret appears in the daemon log');
    }
  } finally {
    await daemon.stop();
    await receiver.close?.();
    await receiver.stop?.();
  }
});

test('SIGHUP with changed pull settings restarts the poller: bad credentials fixed without a restart', async () => {
  const dir = tempDir('authcorrd-reload-pull-');
  const sim = await startSimulator(['--users', '5', '--rate', '20', '--seed', '3'], { logFile: path.join(dir, 'simulator.log') });
  const pull = (secret) => `
[server]
listen = "127.0.0.1:0"
[auth0]
base_url = "${sim.url}"
client_id = "sim-client"
client_secret = "${secret}"
poll_interval = "100ms"
start = "beginning"
[store]
path = "${dir}/state.db"
`;
  const daemon = await startDaemon(dir, pull('not-the-secret'));
  try {
    await waitFor('readyz to report the rejected credentials', async () => {
      const r = await fetch(daemon.url + '/readyz');
      return r.status === 503 && /auth0 poller/.test(await r.text());
    });
    fs.writeFileSync(path.join(dir, 'authcorrd.toml'), pull('sim-secret'));
    daemon.child.kill('SIGHUP');
    await reloaded(daemon, 1);
    assert.match(daemon.log(), /pollers restarted/);
    await waitFor('ready with the new credentials', async () => (await fetch(daemon.url + '/readyz')).status === 200);
    await waitFor('pulled events', async () =>
      metricSum(await daemon.metrics(), 'authcorrd_ingest_events_total', { source: 'auth0', path: 'pull' }) > 0);
    assert.ok(!daemon.log().includes('sim-secret'));
    assert.ok(!daemon.log().includes('not-the-secret'));
  } finally {
    await daemon.stop();
    await sim.stop();
  }
});

test('[log] format = "json" writes one JSON object per line; a reload switches the format', async () => {
  const dir = tempDir('authcorrd-reload-log-');
  const text = (format) => `[log]\nformat = "${format}"\n[server]\nlisten = "127.0.0.1:0"\n[store]\npath = "${dir}/state.db"\n`;
  const daemon = await startDaemon(dir, text('json'));
  try {
    await waitFor('a few log lines', () => daemon.log().split('\n').filter(Boolean).length >= 2);
    for (const line of daemon.log().split('\n').filter(Boolean)) {
      const entry = JSON.parse(line);
      assert.deepEqual(Object.keys(entry), ['time', 'level', 'message']);
      assert.match(entry.time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      assert.ok(['error', 'warn', 'info', 'debug'].includes(entry.level));
    }
    assert.ok(daemon.log().split('\n').some((l) => l && JSON.parse(l).message.startsWith('listening on 127.0.0.1:')));
    fs.writeFileSync(path.join(dir, 'authcorrd.toml'), text('text'));
    daemon.child.kill('SIGHUP');
    await reloaded(daemon, 1);
    assert.match(daemon.log().trimEnd().split('\n').at(-1), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ info reload: configuration from /);
  } finally {
    await daemon.stop();
  }
});
