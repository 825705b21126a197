// A scriptable Standard Webhooks receiver for the webhook integration tests: a Node http server
// on 127.0.0.1 (ephemeral port, kept across stop()/start() so the daemon's URL stays valid) that
// verifies every request (webhook-id, webhook-timestamp, every configured secret's v1 signature,
// body = alert JSON with the same id) and answers as the test scripts it. Everything it sees is
// recorded with timestamps, so the test can check ordering, pauses and exactly-once acks.
// Verification failures are collected in `violations` (the tests fail on any). At the end: the
// assertions over a receiver's request log (exactly once, per-user order, Retry-After pauses).
// Node built-ins only.
import assert from 'node:assert/strict';
import http from 'node:http';
import crypto from 'node:crypto';
import fs from 'node:fs';

// A fresh "whsec_<base64>" secret of `bytes` random bytes (Standard Webhooks: 24..64).
export function makeSecret(bytes = 32) {
  return `whsec_${crypto.randomBytes(bytes).toString('base64')}`;
}

// The v1 signature of Standard Webhooks for one "whsec_..." secret.
export function signV1(secret, id, timestamp, body) {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  return crypto.createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64');
}

function sameSignature(a, b) {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

// Checks one request per Standard Webhooks; returns the problems found (empty when valid).
export function verifyRequest(secrets, headers, body, nowMs = Date.now()) {
  const problems = [];
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signature = headers['webhook-signature'];
  if (!id) problems.push('no webhook-id header');
  if (!timestamp || !/^\d+$/.test(timestamp)) {
    problems.push(`webhook-timestamp is not unix seconds: ${JSON.stringify(timestamp)}`);
  } else if (Math.abs(Number(timestamp) * 1000 - nowMs) > 5 * 60 * 1000) {
    problems.push(`webhook-timestamp ${timestamp} is more than 5 minutes from now (${Math.round(nowMs / 1000)})`);
  } else if (Math.abs(Number(timestamp) - Math.floor(nowMs / 1000)) > 2) {
    // Stricter than a receiver needs, but the contract: the time of this attempt.
    problems.push(`webhook-timestamp ${timestamp} is not the time of the attempt (${Math.floor(nowMs / 1000)})`);
  }
  if (!String(headers['content-type'] ?? '').toLowerCase().startsWith('application/json')) {
    problems.push(`content-type is ${JSON.stringify(headers['content-type'])}, not application/json`);
  }
  if (!signature) {
    problems.push('no webhook-signature header');
  } else if (id && timestamp) {
    const given = signature.split(' ').filter((s) => s !== '');
    const v1 = given.filter((s) => s.startsWith('v1,')).map((s) => s.slice(3));
    for (const [index, secret] of secrets.entries()) {
      const expected = signV1(secret, id, timestamp, body);
      if (!v1.some((s) => sameSignature(s, expected))) problems.push(`no valid v1 signature for secret #${index + 1}`);
    }
    const valid = v1.filter((s) => secrets.some((secret) => sameSignature(s, signV1(secret, id, timestamp, body))));
    if (valid.length !== given.length) {
      problems.push(`webhook-signature has ${given.length} entries, ${valid.length} valid (${secrets.length} secrets)`);
    }
  }
  let alert;
  try {
    alert = JSON.parse(body.toString('utf8'));
  } catch (error) {
    problems.push(`body is not JSON: ${error.message}`);
  }
  if (alert && id && alert.id !== id) problems.push(`body id ${alert.id} differs from webhook-id ${id}`);
  return { problems, alert };
}

// Modes, set with setMode():
//   { status: 200 }                      answer 200 (the default)
//   { status: 503 } / { status: 410 }    answer that status
//   { status: 429, retryAfter: 2 }       answer with a Retry-After header (seconds)
//   { hang: true }                       never answer (the daemon's timeout must end it)
//   { close: true }                      destroy the connection once the request was read
//   { ..., byUser: { [user_id]: mode } }  another mode for the alerts of some users
// stop() closes the listener and every connection (connection refused); start() listens again
// on the same port.
export async function startReceiver({ secrets, label = 'receiver' }) {
  const state = {
    label,
    mode: { status: 200 },
    requests: [], // every request, in arrival order
    violations: [],
    port: 0,
  };
  const hanging = new Set();
  const socketRecords = new WeakMap();
  const sockets = new Set();

  const handler = (req, res) => {
    const arrivedAt = Date.now();
    const chunks = [];
    req.on('data', (chunk) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const { problems, alert } = verifyRequest(secrets, req.headers, body);
      const record = {
        n: state.requests.length,
        method: req.method,
        path: req.url,
        id: req.headers['webhook-id'],
        timestamp: req.headers['webhook-timestamp'],
        signature: req.headers['webhook-signature'],
        body: body.toString('utf8'),
        alert,
        arrivedAt,
        mode: state.mode,
        status: null, // the status answered, null when hung or closed
        answeredAt: null,
        closedAt: null,
      };
      state.requests.push(record);
      // closedAt: when the connection carrying the request ended (for a hung request: the
      // daemon's timeout). One listener per socket, however many requests it carried.
      if (!socketRecords.has(req.socket)) {
        socketRecords.set(req.socket, []);
        req.socket.once('close', () => {
          const now = Date.now();
          for (const r of socketRecords.get(req.socket)) r.closedAt ??= now;
        });
      }
      socketRecords.get(req.socket).push(record);
      if (req.method !== 'POST') problems.push(`method ${req.method}, not POST`);
      if (problems.length > 0) {
        state.violations.push(`${label} request #${record.n} (${record.id}): ${problems.join('; ')}`);
        record.status = 400;
        res.writeHead(400).end();
        record.answeredAt = Date.now();
        return;
      }
      // A mode may answer some users' alerts differently: { status: 200, byUser: { u: {...} } }.
      const mode = state.mode.byUser?.[alert.user_id] ?? state.mode;
      record.mode = mode;
      if (mode.hang) {
        hanging.add(res);
        res.once('close', () => hanging.delete(res));
        return;
      }
      if (mode.close) {
        req.socket.destroy();
        return;
      }
      const headers = { 'content-type': 'text/plain' };
      if (mode.retryAfter !== undefined) headers['retry-after'] = String(mode.retryAfter);
      record.status = mode.status;
      // Taken before the answer is written: the daemon cannot have seen it earlier, so checks
      // of what it may do only after the answer ("not before Retry-After", per-user order)
      // measure from here.
      record.answeredAt = Date.now();
      res.writeHead(mode.status, headers);
      res.end(mode.status >= 200 && mode.status < 300 ? 'ok' : 'no');
    });
  };

  let server = null;
  const listen = (port) => new Promise((resolve, reject) => {
    server = http.createServer(handler);
    server.keepAliveTimeout = 30000;
    server.on('connection', (socket) => {
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
    });
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      state.port = server.address().port;
      resolve();
    });
  });
  const dropHanging = () => {
    for (const res of hanging) res.socket?.destroy();
    hanging.clear();
  };
  await listen(0);

  return {
    state,
    get url() { return `http://127.0.0.1:${state.port}/hooks/${label}`; },
    get requests() { return state.requests; },
    get violations() { return state.violations; },
    setMode(mode) {
      // Connections left hanging by a previous mode are cut, so they end as failures.
      if (!mode.hang) dropHanging();
      state.mode = mode;
    },
    // Requests answered 2xx, by alert id.
    acked() {
      const byId = new Map();
      for (const r of state.requests) {
        if (r.status !== null && r.status >= 200 && r.status < 300) {
          if (!byId.has(r.id)) byId.set(r.id, []);
          byId.get(r.id).push(r);
        }
      }
      return byId;
    },
    // The request log without bodies, for looking into a failure.
    dump(file) {
      const rows = state.requests.map(({ body, alert, signature, ...rest }) => ({ ...rest, user: alert?.user_id }));
      fs.writeFileSync(file, JSON.stringify({ violations: state.violations, requests: rows }, null, 1));
    },
    async stop() {
      if (!server) return;
      const closing = server;
      server = null;
      dropHanging();
      await new Promise((resolve) => {
        closing.close(() => resolve());
        closing.closeAllConnections();
        for (const socket of sockets) socket.destroy();
      });
    },
    async start() {
      if (server) return;
      await listen(state.port);
    },
  };
}

// Checks of what a receiver saw, used by webhook.test.mjs.

// Each of `alerts` answered 2xx exactly once, never sent again after that, and nothing else
// acknowledged; every acknowledged body equals the recorded alert JSON.
export function assertExactlyOnce(rx, alerts) {
  const acked = rx.acked();
  const ids = new Set(alerts.map((a) => a.id));
  for (const alert of alerts) {
    const acks = acked.get(alert.id) ?? [];
    assert.equal(acks.length, 1, `alert ${alert.id} (${alert.user_id}) acknowledged ${acks.length} times at ${rx.state.label}`);
    assert.deepEqual(acks[0].alert, alert, `body of ${alert.id} differs from the recorded alert JSON`);
  }
  assert.deepEqual([...acked.keys()].filter((id) => !ids.has(id)), [], `acknowledged ids that are not among the expected alerts at ${rx.state.label}`);
  for (const r of rx.requests) {
    const first = acked.get(r.id)?.[0];
    assert.ok(!first || r.n <= first.n, `alert ${r.id} sent again (request #${r.n}) after request #${first?.n} was answered ${first?.status}`);
  }
}

// Per user: the order of first 2xx answers is the recording order, and no request for a user's
// alert arrived before the user's previous alert was acknowledged.
export function assertUserOrder(rx, alerts) {
  const acked = rx.acked();
  const byUser = new Map();
  for (const alert of alerts) {
    if (!byUser.has(alert.user_id)) byUser.set(alert.user_id, []);
    byUser.get(alert.user_id).push(alert.id);
  }
  for (const [user, ids] of byUser) {
    const ackOrder = [...ids].sort((a, b) => acked.get(a)[0].n - acked.get(b)[0].n);
    assert.deepEqual(ackOrder, ids, `${user}: first 2xx order differs from the recording order`);
    for (let k = 1; k < ids.length; k++) {
      const previousAck = acked.get(ids[k - 1])[0];
      const firstSend = rx.requests.find((r) => r.id === ids[k]);
      assert.ok(firstSend.arrivedAt >= previousAck.answeredAt,
        `${user}: alert ${ids[k]} sent (request #${firstSend.n}) before the earlier ${ids[k - 1]} was acknowledged (request #${previousAck.n})`);
    }
  }
}

// After an answer with Retry-After: R (429 or 503), no request may arrive within R seconds. A
// 250 ms grace after the answer covers requests already on their way when it was sent.
export function assertPausesHonoured(rx) {
  for (const paused of rx.requests.filter((r) => r.mode.retryAfter !== undefined && r.status === r.mode.status)) {
    const from = paused.answeredAt;
    const to = from + paused.mode.retryAfter * 1000;
    for (const r of rx.requests) {
      assert.ok(!(r.arrivedAt > from + 250 && r.arrivedAt < to - 50),
        `request #${r.n} arrived ${r.arrivedAt - from} ms after request #${paused.n} was answered ${paused.status} with Retry-After: ${paused.mode.retryAfter}`);
    }
  }
}
