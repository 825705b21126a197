// Black-box tests of [[sinks.webhook]]: the real daemon delivers its alerts to a Standard
// Webhooks receiver (lib/webhook_receiver.mjs) that verifies every request and can be scripted to
// fail in every way a real endpoint does (503, 429/503 with Retry-After, hanging, closing the
// connection, not listening, 410). Alerts come from failed-login bursts pushed to /ingest/auth0.
// What is checked is the contract of docs/webhooks.md: each alert is acknowledged exactly once,
// nothing is lost (also across a restart), a user's alerts arrive in recording order, pauses and
// timeouts are honoured, 410 disables the endpoint, old deliveries (and those beyond max_outbox)
// become dead letters that the `authcorrd outbox` commands list, re-drive and purge, and filters
// pick the alerts. AUTHCORRD_KEEP_TEST_DIRS=1 keeps the work directories and receiver logs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  tempDir, startDaemon, metricSum, readAlerts, sql, sleep, runBinary,
} from './lib/harness.mjs';
import {
  startReceiver, makeSecret, assertExactlyOnce, assertUserOrder, assertPausesHonoured,
} from './lib/webhook_receiver.mjs';

const TOKEN = 'webhook-test-log-stream-token';
const SEVERITIES = ['low', 'medium', 'high', 'critical'];

// Everything started is stopped at the end, also when a test failed half-way.
const live = { daemons: new Set(), receivers: new Set(), dirs: new Set() };
after(async () => {
  for (const daemon of live.daemons) daemon.child.kill('SIGKILL');
  for (const receiver of live.receivers) {
    await receiver.stop();
    if (process.env.AUTHCORRD_KEEP_TEST_DIRS && receiver.dumpTo) receiver.dump(receiver.dumpTo);
  }
  if (!process.env.AUTHCORRD_KEEP_TEST_DIRS) for (const dir of live.dirs) fs.rmSync(dir, { recursive: true, force: true });
});

function workDir() {
  const dir = tempDir('authcorrd-webhook-');
  live.dirs.add(dir);
  return dir;
}

// The receivers' request logs are written into the work directory at the end (kept with
// AUTHCORRD_KEEP_TEST_DIRS=1 for looking into a failure).
async function receiver(secrets, label = 'hook', dir = undefined) {
  const r = await startReceiver({ secrets, label });
  live.receivers.add(r);
  if (dir) r.dumpTo = path.join(dir, `receiver-${label}.json`);
  return r;
}

// One [[sinks.webhook]] table with the short retry settings every test uses.
function hookToml(name, rx, secrets, extra = {}) {
  const lines = [
    '[[sinks.webhook]]',
    `name = "${name}"`,
    `url = "${rx.url}"`,
    `secret = "${secrets.join(' ')}"`,
    'timeout = "1s"',
    'retry_initial = "200ms"',
    'retry_max_interval = "2s"',
  ];
  // JSON strings and arrays of strings are valid TOML.
  for (const [key, value] of Object.entries(extra)) lines.push(`${key} = ${JSON.stringify(value)}`);
  return lines.join('\n');
}

// No risk alerts and no suppression by default: each burst of four failures is one
// failed_login_burst alert, so a test knows how many alerts it made.
const QUIET_CORRELATOR = `
medium_risk_score = 1000
high_risk_score = 1000
suppression_period = "0s"`;

function daemonToml(hooks, correlator = QUIET_CORRELATOR) {
  return `
[server]
listen = "127.0.0.1:0"
[auth0.log_stream]
token = "${TOKEN}"
[store]
path = "{{DIR}}/state.db"
[correlator]
${correlator}
[[sinks.file]]
path = "{{DIR}}/alerts.jsonl"
${hooks.join('\n')}
`;
}

async function launch(dir, toml) {
  const daemon = await startDaemon(dir, toml);
  live.daemons.add(daemon);
  return daemon;
}

// SIGTERM, and SIGKILL if the daemon does not exit within `timeoutMs` (then the test fails).
async function halt(daemon, timeoutMs = 10000) {
  const timer = sleep(timeoutMs).then(() => 'timeout');
  const result = await Promise.race([daemon.stop('SIGTERM'), timer]);
  if (result === 'timeout') {
    daemon.child.kill('SIGKILL');
    await daemon.exitPromise;
    live.daemons.delete(daemon);
    throw new Error(`the daemon did not exit within ${timeoutMs} ms of SIGTERM`);
  }
  live.daemons.delete(daemon);
  return result;
}

let logSeq = 0;
// Pushes `count` failed logins (type fp) for `user` to /ingest/auth0, dated now.
async function failures(daemon, user, count = 4) {
  const base = Date.now();
  const lines = [];
  for (let i = 0; i < count; i++) {
    const logId = `wh-${process.pid}-${++logSeq}`;
    lines.push(JSON.stringify({ log_id: logId, data: { date: new Date(base + i).toISOString(), type: 'fp', user_id: user, ip: '192.0.2.10' } }));
  }
  const response = await fetch(daemon.url + '/ingest/auth0', {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/x-ndjson' },
    body: lines.join('\n'),
  });
  assert.equal(response.status, 200, `ingest: ${await response.text()}`);
}

// The alerts the daemon recorded, in recording order (the alerts table's insertion order).
function recordedAlerts(dir) {
  const db = path.join(dir, 'state.db');
  if (!fs.existsSync(db)) return [];
  const out = sql(db, 'select json from alerts order by rowid');
  return out === '' ? [] : out.split('\n').map((line) => JSON.parse(line));
}

// Polls `predicate` like waitFor, but fails at once when a receiver saw an invalid request.
async function until(what, predicate, receivers, timeoutMs = 15000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    for (const daemon of live.daemons) {
      if (daemon.child.exitCode !== null || daemon.child.signalCode !== null) {
        const tail = daemon.log().split('\n').slice(-15).join('\n');
        throw new Error(`the daemon died (${daemon.child.exitCode ?? daemon.child.signalCode}) while waiting for ${what}; log ends:\n${tail}`);
      }
    }
    for (const rx of receivers) {
      if (rx.violations.length > 0) throw new Error(`invalid webhook request(s):\n${rx.violations.join('\n')}`);
    }
    try {
      last = await predicate();
      if (last && !(Array.isArray(last) && last.length === 0)) return last;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) {
      const logs = [...live.daemons].map((d) => d.log().split('\n').slice(-15).join('\n')).join('\n--\n');
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last?.stack ?? last}); daemon log ends:\n${logs}`);
    }
    await sleep(50);
  }
}

async function waitAlerts(dir, count, receivers) {
  const alerts = await until(`${count} recorded alerts`, () => {
    const a = recordedAlerts(dir);
    return a.length >= count && a;
  }, receivers);
  await sleep(200);
  const settled = recordedAlerts(dir);
  assert.equal(settled.length, count, `expected ${count} alerts, the daemon recorded ${settled.length}`);
  return settled;
}

async function metric(daemon, name, labels) {
  return metricSum(await daemon.metrics(), name, labels);
}

const deliveries = (daemon, sink, result) =>
  metric(daemon, 'authcorrd_webhook_deliveries_total', { sink, result });

function assertClean(rx) {
  assert.deepEqual(rx.violations, [], `invalid webhook requests at ${rx.state.label}`);
}

function outbox(daemon, ...args) {
  const result = runBinary(['outbox', ...args, '--config', daemon.configPath]);
  return { code: result.status, out: result.stdout, err: result.stderr };
}

test('happy path: each alert once, signed with both rotation secrets, body = recorded alert', async () => {
  const dir = workDir();
  const secrets = [makeSecret(32), makeSecret(64)];
  const rx = await receiver(secrets, 'hook', dir);
  const daemon = await launch(dir, daemonToml([hookToml('hook', rx, secrets)]));
  try {
    const users = ['auth0|happy-1', 'auth0|happy-2', 'auth0|happy-3'];
    for (let round = 0; round < 2; round++) for (const user of users) await failures(daemon, user);
    const alerts = await waitAlerts(dir, 6, [rx]);
    await until('every alert acknowledged', () => alerts.every((a) => rx.acked().has(a.id)), [rx]);
    await until('delivered = 6 and an empty outbox in the metrics', async () =>
      await deliveries(daemon, 'hook', 'delivered') === 6
      && await metric(daemon, 'authcorrd_webhook_outbox_depth', { sink: 'hook' }) === 0, [rx]);
    await sleep(500); // nothing more may arrive
    assertClean(rx);
    assertExactlyOnce(rx, alerts);
    assertUserOrder(rx, alerts);
    assert.equal(rx.requests.length, 6, 'a request was made that was not needed');
    for (const r of rx.requests) assert.equal(r.signature.split(' ').length, 2, 'one v1 signature per secret');
    // The file sink got the same alerts.
    assert.deepEqual(readAlerts(path.join(dir, 'alerts.jsonl')).map((a) => a.id).sort(), alerts.map((a) => a.id).sort());
    const m = await daemon.metrics();
    assert.equal(metricSum(m, 'authcorrd_webhook_deliveries_total', { sink: 'hook', result: 'failed' }), 0);
    assert.equal(metricSum(m, 'authcorrd_webhook_dead_letters', { sink: 'hook' }), 0);
    assert.equal(metricSum(m, 'authcorrd_webhook_endpoint_enabled', { sink: 'hook' }), 1);
    assert.ok(metricSum(m, 'authcorrd_webhook_delivery_duration_seconds_count', { sink: 'hook' }) >= 6, 'attempts timed');
    assert.equal(outbox(daemon, 'list').code, 0);
    assert.equal((await halt(daemon)).code, 0, 'exit status after SIGTERM');
  } finally {
    await halt(daemon).catch(() => {});
    await rx.stop();
  }
});

test('outages (503, Retry-After, timeouts, resets, refused): nothing lost, once each, in order', async () => {
  const dir = workDir();
  const secrets = [makeSecret(32), makeSecret(32)];
  const rx = await receiver(secrets, 'hook', dir);
  const daemon = await launch(dir, daemonToml([hookToml('hook', rx, secrets)]));
  const users = ['auth0|out-1', 'auth0|out-2', 'auth0|out-3'];
  const answered = (pred) => rx.requests.filter((r) => r.status !== null && pred(r));
  try {
    // 503 without Retry-After: retried with backoff, never longer apart than retry_max_interval.
    rx.setMode({ status: 503 });
    for (let round = 0; round < 2; round++) for (const user of users) await failures(daemon, user);
    await waitAlerts(dir, 6, [rx]);
    await until('retries of a 503', () => {
      const counts = new Map();
      for (const r of answered((x) => x.status === 503)) counts.set(r.id, (counts.get(r.id) ?? 0) + 1);
      return Math.max(0, ...counts.values()) >= 3;
    }, [rx]);
    const plain503 = rx.requests.filter((r) => r.mode.status === 503 && r.mode.retryAfter === undefined);
    for (const r of plain503) {
      const next = plain503.find((x) => x.id === r.id && x.n > r.n);
      if (next) assert.ok(next.arrivedAt - r.answeredAt <= 3000, `retry of ${r.id} came ${next.arrivedAt - r.answeredAt} ms after a 503 (retry_max_interval 2s)`);
    }

    // 503 with Retry-After: 1, then 429 with Retry-After: 2: the endpoint pauses that long. The
    // mode changes just before the pause ends, so the first request after it meets the next one.
    for (const mode of [{ status: 503, retryAfter: 1 }, { status: 429, retryAfter: 2 }]) {
      const start = rx.requests.length;
      rx.setMode(mode);
      const paused = await until(`a ${mode.status} with Retry-After`, () =>
        rx.requests.slice(start).find((r) => r.status === mode.status), [rx], 10000);
      await sleep(Math.max(0, paused.answeredAt + mode.retryAfter * 1000 - 100 - Date.now()));
    }

    // Hanging: every attempt is cut by the daemon after timeout = 1s.
    const hangStart = rx.requests.length;
    rx.setMode({ hang: true });
    for (const user of users) await failures(daemon, user);
    await waitAlerts(dir, 9, [rx]);
    const hung = await until('two attempts ended by the daemon\'s timeout', () => {
      const h = rx.requests.slice(hangStart).filter((r) => r.closedAt !== null);
      return h.length >= 2 && h;
    }, [rx], 15000);
    for (const r of hung) {
      const held = r.closedAt - r.arrivedAt;
      assert.ok(held >= 900 && held <= 3000, `a hanging attempt was held ${held} ms (timeout = "1s")`);
    }

    // Connection closed without an answer.
    const closeStart = rx.requests.length;
    rx.setMode({ close: true });
    await until('two attempts on a closed connection', () => rx.requests.length - closeStart >= 2, [rx], 10000);

    // Not listening: connection refused, counted as failures.
    await rx.stop();
    await sleep(300); // the last reset attempts are counted before the snapshot
    const failedBefore = await deliveries(daemon, 'hook', 'failed');
    for (const user of users) await failures(daemon, user);
    const alerts = await waitAlerts(dir, 12, [rx]);
    await until('failed attempts while the receiver is down', async () =>
      await deliveries(daemon, 'hook', 'failed') >= failedBefore + 2, [rx], 10000);
    assert.ok(await metric(daemon, 'authcorrd_webhook_outbox_depth', { sink: 'hook' }) > 0, 'outbox depth while down');
    assert.ok(await metric(daemon, 'authcorrd_webhook_outbox_oldest_age_seconds', { sink: 'hook' }) > 0, 'oldest age while down');

    // Back: everything arrives.
    rx.setMode({ status: 200 });
    await rx.start();
    await until('every alert acknowledged after the outage', () => alerts.every((a) => rx.acked().has(a.id)), [rx], 30000);
    await until('an empty outbox', async () =>
      await metric(daemon, 'authcorrd_webhook_outbox_depth', { sink: 'hook' }) === 0
      && await deliveries(daemon, 'hook', 'delivered') === 12, [rx]);
    await sleep(500);
    assertClean(rx);
    assertExactlyOnce(rx, alerts);
    assertUserOrder(rx, alerts);
    assertPausesHonoured(rx);

    const m = await daemon.metrics();
    const failed = metricSum(m, 'authcorrd_webhook_deliveries_total', { sink: 'hook', result: 'failed' });
    const throttled = metricSum(m, 'authcorrd_webhook_deliveries_total', { sink: 'hook', result: 'throttled' });
    // Every failed attempt is counted: throttled for each answer with Retry-After (docs/webhooks.md),
    // failed for the rest. The HTTP client may re-send once on a fresh connection when a reused
    // one was closed under the request, so two closed requests can be one attempt.
    const hungCount = rx.requests.filter((r) => r.status === null && r.mode.hang).length;
    const closedCount = rx.requests.filter((r) => r.status === null && r.mode.close).length;
    const withRetryAfter = answered((r) => r.mode.retryAfter !== undefined && r.status === r.mode.status).length;
    const otherFailures = answered((r) => r.status >= 300 && r.mode.retryAfter === undefined).length;
    assert.equal(throttled, withRetryAfter, 'throttled = answers with Retry-After');
    assert.ok(failed >= otherFailures + hungCount + Math.ceil(closedCount / 2) + 2,
      `failed = ${failed} < ${otherFailures} failing answers + ${hungCount} timeouts + ${closedCount} resets (halved) + 2 refused`);
    assert.equal(metricSum(m, 'authcorrd_webhook_dead_letters', { sink: 'hook' }), 0);
    assert.equal(metricSum(m, 'authcorrd_webhook_deliveries_total', { sink: 'hook', result: 'dead_lettered' }), 0);
    assert.ok(metricSum(m, 'authcorrd_webhook_delivery_duration_seconds_count', { sink: 'hook' }) >= rx.requests.length);
    assert.equal((await halt(daemon)).code, 0, 'exit status after SIGTERM');
  } finally {
    await halt(daemon).catch(() => {});
    await rx.stop();
  }
});

test('SIGTERM (and kill -9) and restart in the middle of an outage: every alert arrives once after it', async () => {
  const dir = workDir();
  const secrets = [makeSecret(32)];
  const rx = await receiver(secrets, 'hook', dir);
  const toml = daemonToml([hookToml('hook', rx, secrets)]);
  let daemon = await launch(dir, toml);
  const users = ['auth0|restart-1', 'auth0|restart-2', 'auth0|restart-3'];
  try {
    rx.setMode({ status: 503 });
    for (let round = 0; round < 2; round++) for (const user of users) await failures(daemon, user);
    const before = await waitAlerts(dir, 6, [rx]);
    await until('failed attempts', () => rx.requests.length >= 3, [rx]);
    // One attempt in flight when SIGTERM comes: the daemon waits for it (at most timeout = 1s).
    const hangStart = rx.requests.length;
    rx.setMode({ hang: true });
    const inFlight = await until('an attempt in flight', () => rx.requests.slice(hangStart).find((r) => r.closedAt === null), [rx], 10000);
    const stoppedAt = Date.now();
    assert.equal((await halt(daemon)).code, 0);
    assert.ok(Date.now() - stoppedAt < 5000, `SIGTERM took ${Date.now() - stoppedAt} ms`);
    await until('the in-flight attempt ended', () => inFlight.closedAt !== null, [rx], 5000);
    if (stoppedAt < inFlight.arrivedAt + 900) {
      assert.ok(inFlight.closedAt - inFlight.arrivedAt >= 900,
        `SIGTERM cut the attempt in flight after ${inFlight.closedAt - inFlight.arrivedAt} ms instead of waiting for it (timeout = "1s")`);
    }
    await rx.stop();

    // The outbox survived, as the CLI shows while the daemon is down.
    const listed = outbox(daemon, 'list');
    assert.equal(listed.code, 0, listed.err);
    for (const alert of before) assert.ok(listed.out.includes(alert.id), `outbox list lacks ${alert.id}:\n${listed.out}`);

    daemon = await launch(dir, toml);
    for (const user of users) await failures(daemon, user);
    await waitAlerts(dir, 9, [rx]);
    await until('refused attempts after the restart', async () => await deliveries(daemon, 'hook', 'failed') > 0, [rx], 10000);

    // And a crash (kill -9) on top, with alerts just recorded.
    for (const user of users) await failures(daemon, user);
    await waitAlerts(dir, 12, [rx]);
    assert.equal((await daemon.stop('SIGKILL')).signal, 'SIGKILL');
    live.daemons.delete(daemon);
    daemon = await launch(dir, toml);
    const alerts = recordedAlerts(dir);
    assert.equal(alerts.length, 12);
    assert.deepEqual(alerts.slice(0, 6).map((a) => a.id), before.map((a) => a.id));

    rx.setMode({ status: 200 });
    await rx.start();
    await until('every alert acknowledged', () => alerts.every((a) => rx.acked().has(a.id)), [rx], 30000);
    await until('an empty outbox', async () => await metric(daemon, 'authcorrd_webhook_outbox_depth', { sink: 'hook' }) === 0, [rx]);
    await sleep(500);
    assertClean(rx);
    assertExactlyOnce(rx, alerts);
    assertUserOrder(rx, alerts);
    const fileIds = readAlerts(path.join(dir, 'alerts.jsonl')).map((a) => a.id);
    assert.equal(new Set(fileIds).size, fileIds.length, 'an alert was emitted twice');
    assert.equal((await halt(daemon)).code, 0, 'exit status after SIGTERM');
  } finally {
    await halt(daemon).catch(() => {});
    await rx.stop();
  }
});

test('410 disables the endpoint until `authcorrd outbox retry` re-drives the dead letters', async () => {
  const dir = workDir();
  const secrets = [makeSecret(32)];
  const rx = await receiver(secrets, 'hook', dir);
  const toml = daemonToml([hookToml('hook', rx, secrets)]);
  let daemon = await launch(dir, toml);
  const enabled = async () => metric(daemon, 'authcorrd_webhook_endpoint_enabled', { sink: 'hook' });
  const deadGauge = async () => metric(daemon, 'authcorrd_webhook_dead_letters', { sink: 'hook' });
  try {
    await failures(daemon, 'auth0|gone-1');
    const [first] = await waitAlerts(dir, 1, [rx]);
    await until('the first alert acknowledged', () => rx.acked().has(first.id), [rx]);

    rx.setMode({ status: 410 });
    await failures(daemon, 'auth0|gone-2');
    const second = (await waitAlerts(dir, 2, [rx]))[1];
    await until('the 410 answered', () => rx.requests.some((r) => r.id === second.id && r.status === 410), [rx]);
    await until('the endpoint disabled in the metrics', async () =>
      await enabled() === 0 && await deliveries(daemon, 'hook', 'gone') === 1, [rx]);
    assert.equal(await deliveries(daemon, 'hook', 'delivered'), 1);
    const requestsAfter410 = rx.requests.length;

    // Later alerts are not sent: they go straight to the dead letters.
    await failures(daemon, 'auth0|gone-3');
    const third = (await waitAlerts(dir, 3, [rx]))[2];
    await until('two dead letters', async () =>
      await deadGauge() === 2 && await deliveries(daemon, 'hook', 'dead_lettered') === 2, [rx]);
    await sleep(1500);
    assert.equal(rx.requests.length, requestsAfter410, 'a request was sent to a disabled endpoint');
    const dead = outbox(daemon, 'list', '--dead');
    assert.equal(dead.code, 0, dead.err);
    for (const alert of [second, third]) assert.ok(dead.out.includes(alert.id), `outbox list --dead lacks ${alert.id}:\n${dead.out}`);
    const pending = outbox(daemon, 'list');
    assert.equal(pending.code, 0, pending.err);
    for (const alert of [second, third]) assert.ok(!pending.out.includes(alert.id), `outbox list shows the dead letter ${alert.id} as pending`);
    const logLines = daemon.log().split('\n').filter((line) => /\b410\b/.test(line));
    assert.equal(logLines.length, 1, `the 410 should be logged once:\n${logLines.join('\n')}`);

    // Disabled is persisted: still disabled after a restart.
    assert.equal((await halt(daemon)).code, 0);
    daemon = await launch(dir, toml);
    await until('the endpoint still disabled after a restart', async () => await enabled() === 0, [rx]);
    await failures(daemon, 'auth0|gone-4');
    const fourth = (await waitAlerts(dir, 4, [rx]))[3];
    await until('three dead letters', async () => await deadGauge() === 3, [rx]);
    await sleep(1000);
    assert.equal(rx.requests.length, requestsAfter410, 'a request was sent to a disabled endpoint after the restart');

    // The receiver is fixed; `outbox retry`, with the daemon running, re-enables and re-drives.
    rx.setMode({ status: 200 });
    const retried = outbox(daemon, 'retry');
    assert.equal(retried.code, 0, `outbox retry: ${retried.err}`);
    await until('the dead letters delivered after outbox retry', () =>
      [second, third, fourth].every((a) => rx.acked().has(a.id)), [rx], 20000);
    await until('the endpoint enabled with no dead letters', async () =>
      await enabled() === 1 && await deadGauge() === 0
      && await metric(daemon, 'authcorrd_webhook_outbox_depth', { sink: 'hook' }) === 0, [rx]);
    await failures(daemon, 'auth0|gone-5');
    const alerts = await waitAlerts(dir, 5, [rx]);
    await until('a new alert delivered', () => rx.acked().has(alerts[4].id), [rx]);
    const emptied = outbox(daemon, 'list', '--dead');
    for (const alert of alerts) assert.ok(!emptied.out.includes(alert.id), `${alert.id} still a dead letter`);
    await sleep(500);
    assertClean(rx);
    assertExactlyOnce(rx, alerts);
    assert.equal((await halt(daemon)).code, 0, 'exit status after SIGTERM');
  } finally {
    await halt(daemon).catch(() => {});
    await rx.stop();
  }
});

test('deliveries older than max_age become dead letters; outbox purge --dead removes them', async () => {
  const dir = workDir();
  const secrets = [makeSecret(32)];
  const rx = await receiver(secrets, 'hook', dir);
  const toml = daemonToml([hookToml('hook', rx, secrets, { max_age: '3s' })]);
  let daemon = await launch(dir, toml);
  try {
    rx.setMode({ status: 503 });
    for (const user of ['auth0|old-1', 'auth0|old-2', 'auth0|old-3', 'auth0|old-1']) await failures(daemon, user);
    const recordedAt = Date.now();
    const alerts = await waitAlerts(dir, 4, [rx]);
    await until('four dead-lettered deliveries', async () =>
      await deliveries(daemon, 'hook', 'dead_lettered') === 4
      && await metric(daemon, 'authcorrd_webhook_dead_letters', { sink: 'hook' }) === 4
      && await metric(daemon, 'authcorrd_webhook_outbox_depth', { sink: 'hook' }) === 0, [rx], 20000);
    assert.ok(Date.now() - recordedAt >= 2800, `dead-lettered ${Date.now() - recordedAt} ms after recording (max_age = "3s")`);
    assert.ok(rx.requests.length >= 3, 'attempts were made before max_age');
    const settled = rx.requests.length;
    await sleep(1500);
    assert.equal(rx.requests.length, settled, 'a dead letter was still being sent');
    assert.equal(rx.acked().size, 0);

    const dead = outbox(daemon, 'list', '--dead');
    assert.equal(dead.code, 0, dead.err);
    for (const alert of alerts) assert.ok(dead.out.includes(alert.id), `outbox list --dead lacks ${alert.id}:\n${dead.out}`);
    const purged = outbox(daemon, 'purge', '--dead');
    assert.equal(purged.code, 0, `outbox purge --dead: ${purged.err}`);
    const listedAfter = outbox(daemon, 'list', '--dead');
    assert.equal(listedAfter.code, 0, listedAfter.err);
    for (const alert of alerts) assert.ok(!listedAfter.out.includes(alert.id), `${alert.id} still listed after purge:\n${listedAfter.out}`);
    // The daemon's gauge agrees, at the latest after a restart.
    assert.equal((await halt(daemon)).code, 0);
    daemon = await launch(dir, toml);
    await until('no dead letters in the metrics', async () => await metric(daemon, 'authcorrd_webhook_dead_letters', { sink: 'hook' }) === 0, [rx]);
    await sleep(1000);
    assert.equal(rx.requests.length, settled, 'a purged dead letter was sent');
    assertClean(rx);
    assert.equal((await halt(daemon)).code, 0, 'exit status after SIGTERM');
  } finally {
    await halt(daemon).catch(() => {});
    await rx.stop();
  }
});

test('min_severity and types make a sink skip alerts', async () => {
  const dir = workDir();
  const sinks = {
    all: {},
    high: { min_severity: 'high' },
    bursts: { types: ['failed_login_burst'] },
    combo: { types: ['failed_login_burst', 'high_risk_login'], min_severity: 'high' },
    critical: { min_severity: 'critical' },
  };
  const receivers = {};
  const tables = [];
  for (const [name, filter] of Object.entries(sinks)) {
    const secrets = [makeSecret(32)];
    receivers[name] = await receiver(secrets, name, dir);
    tables.push(hookToml(name, receivers[name], secrets, filter));
  }
  const all = Object.values(receivers);
  // A fifth failure scores 30 (no trusted device) + 25 (recent failures) = 55: high here.
  const daemon = await launch(dir, daemonToml(tables, 'medium_risk_score = 50\nhigh_risk_score = 50'));
  try {
    for (const user of ['auth0|filter-1', 'auth0|filter-2']) await failures(daemon, user, 5);
    const alerts = await until('burst and high-risk alerts', () => {
      const a = recordedAlerts(dir);
      return a.filter((x) => x.type === 'failed_login_burst').length === 2
        && a.filter((x) => x.type === 'high_risk_login').length === 2 && a;
    }, all);
    await sleep(300);
    const final = recordedAlerts(dir);
    assert.ok(final.some((a) => SEVERITIES.indexOf(a.severity) < 2), 'test premise: some alert below high');
    const expected = (filter) => final.filter((a) =>
      SEVERITIES.indexOf(a.severity) >= SEVERITIES.indexOf(filter.min_severity ?? 'low')
      && (!filter.types || filter.types.includes(a.type)));
    await until('every sink delivered what it takes', async () => {
      for (const [name, filter] of Object.entries(sinks)) {
        const want = expected(filter);
        if (!want.every((a) => receivers[name].acked().has(a.id))) return false;
        if (await deliveries(daemon, name, 'delivered') !== want.length) return false;
      }
      return true;
    }, all);
    await sleep(1000);
    for (const [name, filter] of Object.entries(sinks)) {
      const want = expected(filter);
      assertClean(receivers[name]);
      assertExactlyOnce(receivers[name], want);
      assert.equal(receivers[name].requests.length, want.length, `${name} got requests for alerts it does not take`);
    }
    assert.equal(expected(sinks.critical).length, 0);
    assert.equal(final.length, alerts.length);
    assertUserOrder(receivers.all, final);
    assert.equal((await halt(daemon)).code, 0, 'exit status after SIGTERM');
  } finally {
    await halt(daemon).catch(() => {});
    for (const rx of all) await rx.stop();
  }
});

test('beyond max_outbox new alerts go to the dead letters at once, counted', async () => {
  const dir = workDir();
  const secrets = [makeSecret(32)];
  const rx = await receiver(secrets, 'hook', dir);
  const daemon = await launch(dir, daemonToml([hookToml('hook', rx, secrets, { max_outbox: 2 })]));
  try {
    rx.setMode({ status: 503 });
    const users = ['auth0|full-1', 'auth0|full-2', 'auth0|full-3', 'auth0|full-4'];
    for (const user of users) await failures(daemon, user);
    const alerts = await waitAlerts(dir, 4, [rx]);
    await until('two pending, two overflowed into the dead letters', async () =>
      await metric(daemon, 'authcorrd_webhook_outbox_depth', { sink: 'hook' }) === 2
      && await metric(daemon, 'authcorrd_webhook_dead_letters', { sink: 'hook' }) === 2
      && await metric(daemon, 'authcorrd_webhook_outbox_overflow_total', { sink: 'hook' }) === 2, [rx]);
    const dead = outbox(daemon, 'list', '--dead');
    assert.equal(dead.code, 0, dead.err);
    // The first two alerts were queued; the later two did not fit.
    for (const alert of alerts.slice(2)) assert.ok(dead.out.includes(alert.id), `outbox list --dead lacks ${alert.id}:\n${dead.out}`);
    for (const alert of alerts.slice(0, 2)) assert.ok(!dead.out.includes(alert.id), `${alert.id} dead-lettered although it fitted`);
    assert.deepEqual([...new Set(rx.requests.map((r) => r.id))].filter((id) => !alerts.slice(0, 2).some((a) => a.id === id)), [],
      'an overflowed alert was sent');

    rx.setMode({ status: 200 });
    await until('the queued alerts delivered', () => alerts.slice(0, 2).every((a) => rx.acked().has(a.id)), [rx]);
    const retried = outbox(daemon, 'retry');
    assert.equal(retried.code, 0, `outbox retry: ${retried.err}`);
    await until('the overflowed alerts delivered after outbox retry', () => alerts.every((a) => rx.acked().has(a.id)), [rx]);
    await sleep(500);
    assertClean(rx);
    assertExactlyOnce(rx, alerts);
    assert.equal((await halt(daemon)).code, 0, 'exit status after SIGTERM');
  } finally {
    await halt(daemon).catch(() => {});
    await rx.stop();
  }
});
