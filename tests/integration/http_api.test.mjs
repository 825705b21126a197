// The daemon's HTTP API as a client sees it: ingest endpoints, their authentication and every
// rejection (which must change nothing), operations endpoints, limits and deadlines,
// check-config, and shutdown on SIGTERM. Runs the real binary on 127.0.0.1:0.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import http from 'node:http';
import {
  tempDir, startDaemon, hmacHex, readAlerts, metricSum, sql, runBinary, waitFor, sleep,
} from './lib/harness.mjs';

const TOKEN = 'stream-token-' + 'x'.repeat(20);
const SECRET = 'relock-secret-' + 'y'.repeat(20);
let dir;
let daemon;

const config = `
[server]
listen = "127.0.0.1:0"
max_body_bytes = 65536
read_timeout = "1s"
idle_timeout = "2s"

[auth0.log_stream]
token = "${TOKEN}"

[relock]
webhook_secret = "${SECRET}"

[store]
path = "{{DIR}}/state.db"

[correlator]
# Risk alerts off, so each test sees only the detection it is about.
medium_risk_score = 1000
high_risk_score = 1000

[[sinks.file]]
path = "{{DIR}}/alerts.jsonl"
`;

before(async () => {
  dir = tempDir();
  daemon = await startDaemon(dir, config);
});

after(async () => {
  const exit = await daemon.stop();
  assert.equal(exit.code, 0, daemon.log());
  fs.rmSync(dir, { recursive: true, force: true });
});

const now = () => new Date().toISOString();
const auth0Envelope = (id, type, user, extra = {}) => ({
  log_id: id,
  data: { log_id: id, date: now(), type, user_id: user, ip: '203.0.113.9', user_agent: 'Mozilla/5.0 test', ...extra },
});

function postAuth0(body, { token = TOKEN, type = 'application/json', headers = {} } = {}) {
  return fetch(daemon.url + '/ingest/auth0', {
    method: 'POST',
    headers: { 'content-type': type, ...(token === null ? {} : { authorization: `Bearer ${token}` }), ...headers },
    body,
  });
}

function postRelock(body, { secret = SECRET, signature, type = 'application/json' } = {}) {
  return fetch(daemon.url + '/ingest/relock', {
    method: 'POST',
    headers: { 'content-type': type, 'x-relock-signature': signature ?? hmacHex(secret, body) },
    body,
  });
}

async function journalRows() {
  return Number(sql(path.join(dir, 'state.db'), 'select count(*) from journal'));
}

// Every rejected request below must leave the journal as it was.
async function assertRejected(responsePromise, status, errorCode) {
  const rowsBefore = await journalRows();
  const response = await responsePromise;
  assert.equal(response.status, status);
  assert.match(response.headers.get('content-type'), /application\/json/);
  const body = await response.json();
  if (errorCode) assert.equal(body.error, errorCode);
  assert.equal(typeof body.message, 'string');
  assert.equal(await journalRows(), rowsBefore, 'a rejected request changed the journal');
  return body;
}

test('Log Streams push in all three body forms is journaled and correlated', async () => {
  const user = 'auth0|push-burst';
  const events = [1, 2, 3, 4].map((n) => auth0Envelope(`push-fp-${n}-${Date.now()}`, 'fp', user));
  // JSON lines (two events), JSON array (one), JSON object (one).
  let response = await postAuth0(events.slice(0, 2).map((e) => JSON.stringify(e)).join('\n'), { type: 'application/x-ndjson' });
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { accepted: 2, duplicates: 0, ignored: 0 });
  response = await postAuth0(JSON.stringify([events[2]]));
  assert.equal(response.status, 200);
  response = await postAuth0(JSON.stringify(events[3]), { type: 'application/json; charset=utf-8' });
  assert.equal(response.status, 200);
  const alerts = await waitFor('the burst alert', () =>
    readAlerts(path.join(dir, 'alerts.jsonl')).filter((a) => a.user_id === user && a.type === 'failed_login_burst'));
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0].evidence.length, 4);

  // At-least-once delivery: the same events again are duplicates and fire nothing.
  response = await postAuth0(JSON.stringify(events));
  assert.deepEqual(await response.json(), { accepted: 0, duplicates: 4, ignored: 0 });
  await sleep(200);
  assert.equal(readAlerts(path.join(dir, 'alerts.jsonl')).filter((a) => a.user_id === user).length, 1);
});

test('a signed Relock webhook pairs with an Auth0 failure within 60 s', async () => {
  const user = 'auth0|paired';
  const response = await postAuth0(JSON.stringify([auth0Envelope(`pair-fp-${Date.now()}`, 'fp', user)]));
  assert.equal(response.status, 200);
  const body = JSON.stringify({
    event: 'authentication.failed',
    data: { userId: user, sessionId: 's-1', timestamp: now(), reason: 'device_not_trusted', ipAddress: '203.0.113.9', userAgent: 'Mozilla/5.0 test' },
  });
  const relock = await postRelock(body);
  assert.equal(relock.status, 200);
  assert.equal((await relock.json()).accepted, 1);
  const alerts = await waitFor('the correlated alert', () =>
    readAlerts(path.join(dir, 'alerts.jsonl')).filter((a) => a.user_id === user && a.type === 'correlated_security_event'));
  assert.equal(alerts.length, 1);
  assert.equal(alerts[0].severity, 'high');
  assert.deepEqual(alerts[0].evidence.map((e) => e.source).sort(), ['auth0', 'relock']);
});

test('an unknown Relock event name is accepted, counted and ignored', async () => {
  const before = metricSum(await daemon.metrics(), 'authcorrd_ingest_relock_unknown_events_total');
  const response = await postRelock(JSON.stringify({ event: 'device.renamed', data: { userId: 'u', timestamp: now() } }));
  assert.equal(response.status, 200);
  assert.deepEqual(await response.json(), { accepted: 0, duplicates: 0, ignored: 1 });
  assert.equal(metricSum(await daemon.metrics(), 'authcorrd_ingest_relock_unknown_events_total'), before + 1);
});

test('wrong or missing authentication is 401 and changes nothing', async () => {
  const body = JSON.stringify([auth0Envelope(`auth-${Date.now()}`, 'fp', 'auth0|x')]);
  let response = postAuth0(body, { token: null });
  const missing = await assertRejected(response, 401, 'unauthorized');
  assert.match(missing.message, /missing bearer token/);
  await assertRejected(postAuth0(body, { token: TOKEN + 'x' }), 401, 'unauthorized');
  await assertRejected(postAuth0(body, { token: TOKEN.slice(0, -1) }), 401, 'unauthorized');
  await assertRejected(postAuth0(body, { headers: { authorization: `Basic ${TOKEN}` } }), 401);
  const r = await postAuth0(body, { token: 'wrong' });
  assert.match(r.headers.get('www-authenticate'), /Bearer/);
  assert.equal(r.status, 401);

  const relockBody = JSON.stringify({ event: 'authentication.failed', data: { userId: 'auth0|x', timestamp: now() } });
  await assertRejected(postRelock(relockBody, { secret: 'not-the-secret' }), 401, 'unauthorized');
  await assertRejected(postRelock(relockBody, { signature: hmacHex(SECRET, relockBody + ' ') }), 401);
  await assertRejected(postRelock(relockBody, { signature: 'zz' }), 401);
  // Signature of the body, but the body changed in transit.
  await assertRejected(postRelock(relockBody.replace('auth0|x', 'auth0|y'), { signature: hmacHex(SECRET, relockBody) }), 401);
  await assertRejected(fetch(daemon.url + '/ingest/relock', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: relockBody,
  }), 401);
  // The signature is hex: upper case is the same signature.
  const upper = await postRelock(relockBody, { signature: hmacHex(SECRET, relockBody).toUpperCase() });
  assert.equal(upper.status, 200);
});

test('a wrong content type is 415, an oversize body 413, a malformed body 400', async () => {
  const good = JSON.stringify([auth0Envelope(`ct-${Date.now()}`, 'fp', 'auth0|x')]);
  await assertRejected(postAuth0(good, { type: 'text/html' }), 415, 'unsupported_media_type');
  await assertRejected(postAuth0(good, { type: 'application/x-www-form-urlencoded' }), 415);
  await assertRejected(postRelock('{}', { type: 'text/plain' }), 415);

  const big = JSON.stringify([auth0Envelope('big', 'fp', 'auth0|x', { description: 'z'.repeat(70000) })]);
  await assertRejected(postAuth0(big), 413, 'body_too_large');

  const truncated = good.slice(0, good.length - 5);
  const body = await assertRejected(postAuth0(truncated), 400, 'bad_request');
  assert.match(body.message, /item 0/);
  await assertRejected(postAuth0(''), 400, 'bad_request');
  await assertRejected(postAuth0('   \n'), 400);
  // One bad item among good ones rejects the whole body (all or nothing).
  const mixed = [auth0Envelope(`mixed-ok-${Date.now()}`, 'fp', 'auth0|x'), { log_id: 'bad', data: { type: 42, date: 'yesterday' } }];
  const mixedBody = await assertRejected(postAuth0(JSON.stringify(mixed)), 400);
  assert.match(mixedBody.message, /1 of 2 item/);
  await assertRejected(postAuth0('[{"log_id": "x", "data": {"type": "fp", "date": 12}}]'), 400);
  await assertRejected(postAuth0('{"log_id": "x", "data": ' + '['.repeat(5000)), 400);
  await assertRejected(postAuth0(Buffer.from([0x5b, 0xff, 0xfe, 0x5d])), 400);
  const relockBad = '{"event": "authentication.failed", "data": {"userId": 7}}';
  await assertRejected(postRelock(relockBad), 400);
  await assertRejected(postRelock('not json'), 400);
});

test('an oversize chunked body is cut off at the limit with 413', async () => {
  const status = await new Promise((resolve, reject) => {
    const url = new URL(daemon.url + '/ingest/auth0');
    const request = http.request({
      host: url.hostname, port: url.port, path: url.pathname, method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
    }, (response) => {
      response.resume();
      resolve(response.statusCode);
    });
    request.on('error', reject);
    request.write('[' + ' '.repeat(40000));
    request.write(' '.repeat(40000) + ']');
    request.end();
  });
  assert.equal(status, 413);
});

test('unknown paths are 404, wrong methods 405, and /healthz /readyz /metrics answer', async () => {
  let response = await fetch(daemon.url + '/nope');
  assert.equal(response.status, 404);
  response = await fetch(daemon.url + '/ingest/auth0', { method: 'GET', headers: { authorization: `Bearer ${TOKEN}` } });
  assert.equal(response.status, 405);
  assert.equal(response.headers.get('allow'), 'POST');
  response = await fetch(daemon.url + '/metrics', { method: 'POST' });
  assert.equal(response.status, 405);
  response = await fetch(daemon.url + '/healthz');
  assert.deepEqual(await response.json(), { status: 'ok' });
  response = await fetch(daemon.url + '/readyz');
  assert.equal(response.status, 200);
  response = await fetch(daemon.url + '/metrics');
  assert.match(response.headers.get('content-type'), /text\/plain; version=0.0.4/);
  const text = await response.text();
  assert.match(text, /authcorrd_http_requests_total\{/);
  assert.match(text, /authcorrd_ingest_events_total\{/);
  assert.ok(!text.includes(TOKEN) && !text.includes(SECRET), 'a secret reached /metrics');
  assert.ok(!daemon.log().includes(TOKEN) && !daemon.log().includes(SECRET), 'a secret reached the log');
});

// Raw HTTP on one connection; resolves with everything the server sent until it closed.
function rawExchange(text, { waitMs = 500 } = {}) {
  const url = new URL(daemon.url);
  return new Promise((resolve, reject) => {
    let received = '';
    const socket = net.connect(Number(url.port), url.hostname, () => socket.write(text));
    socket.on('data', (chunk) => { received += chunk; });
    socket.on('error', reject);
    socket.on('close', () => resolve(received));
    setTimeout(() => socket.end(), waitMs);
  });
}

test('HEAD gets the headers and no body, so the next response on the connection is intact', async () => {
  const reply = await rawExchange('HEAD /healthz HTTP/1.1\r\nHost: x\r\n\r\nGET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
  const responses = reply.split('HTTP/1.1 ');
  assert.equal(responses.length, 3, reply);
  assert.match(responses[1], /^200 OK\r\n/);
  assert.match(responses[1], /Content-Length: 15\r\n/i);
  assert.ok(responses[1].endsWith('\r\n\r\n'), 'HEAD response carried a body');
  assert.match(responses[2], /\{"status":"ok"\}$/);
});

test('a client still sending a huge body gets its 401 or 413, not a reset', async () => {
  const huge = Buffer.alloc(20 * 1024 * 1024, 0x20);
  for (const [token, status] of [['wrong-token', 401], [TOKEN, 413]]) {
    const response = await fetch(daemon.url + '/ingest/auth0', {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: huge,
    });
    assert.equal(response.status, status);
  }
});

test('oversized request headers get 431', async () => {
  const reply = await rawExchange(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20000)}\r\n\r\n`);
  assert.match(reply, /^HTTP\/1.1 431 /);
});

test('keep-alive: one connection carries several requests', async () => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const sockets = new Set();
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve, reject) => {
      const request = http.get(daemon.url + '/healthz', { agent }, (response) => {
        sockets.add(request.socket);
        response.resume();
        response.on('end', resolve);
      });
      request.on('error', reject);
    });
  }
  assert.equal(sockets.size, 1);
  agent.destroy();
});

test('a client that stalls mid-request is disconnected after the read deadline', async () => {
  const url = new URL(daemon.url);
  const started = Date.now();
  const closedAfter = await new Promise((resolve, reject) => {
    const socket = net.connect(Number(url.port), url.hostname, () => {
      socket.write('POST /ingest/auth0 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ' + TOKEN + '\r\n');
    });
    socket.on('error', () => {});
    socket.on('close', () => resolve(Date.now() - started));
    setTimeout(() => reject(new Error('still connected after 5 s')), 5000);
  });
  assert.ok(closedAfter >= 900 && closedAfter < 3000, `closed after ${closedAfter} ms`);
  // An idle kept-alive connection goes after idle_timeout (2 s) too.
  const idleClosed = await new Promise((resolve, reject) => {
    const t0 = Date.now();
    const socket = net.connect(Number(url.port), url.hostname, () => {
      socket.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    });
    socket.on('data', () => {});
    socket.on('close', () => resolve(Date.now() - t0));
    setTimeout(() => reject(new Error('idle connection kept for 6 s')), 6000);
  });
  assert.ok(idleClosed >= 1500 && idleClosed < 4500, `idle closed after ${idleClosed} ms`);
});

test('an ingest endpoint without a configured secret is 404 and never accepts data', async () => {
  const other = tempDir();
  const bare = await startDaemon(other, `[server]\nlisten = "127.0.0.1:0"\n[store]\npath = "{{DIR}}/state.db"\n`);
  try {
    let response = await fetch(bare.url + '/ingest/auth0', {
      method: 'POST', headers: { 'content-type': 'application/json', authorization: 'Bearer ' },
      body: JSON.stringify([auth0Envelope('bare-1', 'fp', 'auth0|x')]),
    });
    assert.equal(response.status, 404);
    response = await fetch(bare.url + '/ingest/relock', {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-relock-signature': hmacHex('', '{}') }, body: '{}',
    });
    assert.equal(response.status, 404);
    assert.equal((await fetch(bare.url + '/readyz')).status, 200);
    assert.equal(sql(path.join(other, 'state.db'), 'select count(*) from journal'), '0');
  } finally {
    assert.equal((await bare.stop()).code, 0);
    fs.rmSync(other, { recursive: true, force: true });
  }
});

test('SIGTERM finishes the request in flight and exits 0 within a few seconds', async () => {
  const other = tempDir();
  const d = await startDaemon(other, config);
  try {
    // A request whose body is still arriving when the signal comes.
    const url = new URL(d.url + '/ingest/auth0');
    const body = JSON.stringify([auth0Envelope(`term-${Date.now()}`, 'fp', 'auth0|term')]);
    const result = new Promise((resolve, reject) => {
      const request = http.request({
        host: url.hostname, port: url.port, path: url.pathname, method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      }, (response) => {
        response.resume();
        resolve(response.statusCode);
      });
      request.on('error', reject);
      request.write(body.slice(0, 10));
      setTimeout(() => request.end(body.slice(10)), 300);
    });
    await sleep(100);
    const t0 = Date.now();
    d.child.kill('SIGTERM');
    assert.equal(await result, 200);
    const exit = await d.exitPromise;
    assert.equal(exit.code, 0);
    assert.ok(Date.now() - t0 < 5000);
    assert.equal(sql(path.join(other, 'state.db'), "select count(*) from journal where user_id = 'auth0|term'"), '1');
  } finally {
    await d.stop();
    fs.rmSync(other, { recursive: true, force: true });
  }
});

test('check-config: exit 0 with secrets redacted; exit 1 listing every error with its line', () => {
  const good = runBinary(['check-config', '--config', daemon.configPath]);
  assert.equal(good.status, 0, good.stderr);
  assert.ok(!good.stdout.includes(TOKEN) && !good.stdout.includes(SECRET));
  assert.match(good.stdout, /<redacted>/);

  const badPath = path.join(dir, 'bad.toml');
  fs.writeFileSync(badPath, [
    '[server]',
    'listen = "127.0.0.1:99999"',
    'colour = "blue"',
    '[correlator]',
    'failure_window = 24',
    'correlation_window = "soon"',
    '[auth0]',
    'base_url = "http://auth0.example.com"',
    'client_id = "c"',
    `client_secret = "${SECRET}"`,
  ].join('\n'));
  const bad = runBinary(['check-config', '--config', badPath]);
  assert.equal(bad.status, 1);
  const errors = bad.stderr.split('\n').filter((line) => line.startsWith(badPath));
  assert.ok(errors.length >= 5, bad.stderr);
  for (const line of [2, 3, 5, 6, 8]) {
    assert.ok(errors.some((e) => e.startsWith(`${badPath}:${line}:`)), `no error for line ${line}: ${bad.stderr}`);
  }
  assert.ok(!bad.stderr.includes(SECRET));

  const missing = runBinary(['check-config', '--config', path.join(dir, 'missing.toml')]);
  assert.equal(missing.status, 1);
  const syntax = path.join(dir, 'syntax.toml');
  fs.writeFileSync(syntax, '[server\nlisten = 1');
  assert.equal(runBinary(['check-config', '--config', syntax]).status, 1);
});
