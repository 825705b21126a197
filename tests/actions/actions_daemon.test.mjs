// The Auth0 post-login Actions in etc/auth0-actions/ against the real authcorrd binary's
// POST /v1/risk, fed with Auth0 Log Streams pushes and signed Relock webhooks: trusted and new
// devices, failure bursts, deny, bad tokens, authcorrd down or hung, rate limits.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import {
  tempDir, startDaemon, hmacHex, waitFor, freePort, sleep, runBinary,
} from '../integration/lib/harness.mjs';
import { loadAction, runAction, stripNamespace } from './lib/auth0_action_harness.mjs';
import {
  NS, DEVICE, SESSION, IP1, IP2, UA1, UA2, newUser, iso, loginEvent, refreshEvent, assertNoToken, assertFailClosedMfa,
} from './lib/actions_common.mjs';

// ---------------------------------------------------------------------------------------------
// The real authcorrd.

const STREAM_TOKEN = 'stream-token-' + 'a'.repeat(24);
const RELOCK_SECRET = 'relock-secret-' + 'b'.repeat(24);

function daemonConfig(api) {
  return `
[server]
listen = "127.0.0.1:0"

[auth0.log_stream]
token = "${STREAM_TOKEN}"

[relock]
webhook_secret = "${RELOCK_SECRET}"

[store]
path = "{{DIR}}/state.db"

[correlator]
# Long enough for the whole run; short enough that a 20-minute-old verification is stale.
device_trust_ttl = "10m"
allowed_lateness = "1h"

${api}
`;
}

// Client for one running daemon.
function client(daemon) {
  return {
    async pushAuth0(items) {
      const response = await fetch(daemon.url + '/ingest/auth0', {
        method: 'POST',
        headers: { authorization: `Bearer ${STREAM_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify(items),
      });
      assert.equal(response.status, 200, await response.text());
    },
    async pushRelock(event, data) {
      const body = JSON.stringify({ event, data });
      const response = await fetch(daemon.url + '/ingest/relock', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-relock-signature': hmacHex(RELOCK_SECRET, body) },
        body,
      });
      assert.equal(response.status, 200, await response.text());
    },
    async risk(token, body, { type = 'application/json', raw } = {}) {
      const headers = { 'content-type': type };
      if (token !== null) headers.authorization = `Bearer ${token}`;
      const response = await fetch(daemon.url + '/v1/risk', {
        method: 'POST', headers, body: raw ?? JSON.stringify(body),
      });
      const text = await response.text();
      let json;
      try { json = JSON.parse(text); } catch { json = undefined; }
      return { status: response.status, headers: response.headers, json, text };
    },
    // Polls /v1/risk until `predicate(json)` holds (the pushes are correlated asynchronously).
    async riskWhen(token, body, predicate, what, intervalMs = 50) {
      let last;
      try {
        return await waitFor(what, async () => {
          last = await this.risk(token, body);
          return last.status === 200 && predicate(last.json) ? last.json : false;
        }, 10000, intervalMs);
      } catch (error) {
        error.message += `\nlast answer: HTTP ${last?.status} ${last?.text}`;
        throw error;
      }
    },
  };
}

let logSeq = 0;
function auth0Log(type, user, { ip = IP1, ua = UA1, msAgo = 0, sessionId } = {}) {
  const id = `90020250101${process.pid}${Date.now()}${++logSeq}`;
  const data = { log_id: id, date: iso(msAgo), type, user_id: user, ip, user_agent: ua, client_id: 'test-client-id', connection: 'Username-Password-Authentication' };
  if (sessionId) data.details = { session_id: sessionId };
  return { log_id: id, data };
}

const relockData = (user, { deviceId, ip = IP1, ua = UA1, msAgo = 1000, sessionId = 'relock-sess' } = {}) => ({
  userId: user, sessionId, deviceId, timestamp: iso(msAgo), ipAddress: ip, userAgent: ua,
  location: { country: 'NL', city: 'Amsterdam', timezone: 'Europe/Amsterdam' },
});

// Sets up a user whose device is trusted: a successful Auth0 login and then a Relock
// authentication.success, both from IP1/UA1, shortly before now.
async function trustedUser(c, user, deviceId) {
  await c.pushAuth0([auth0Log('s', user, { msAgo: 5000, sessionId: `sess-${user}` })]);
  await c.pushRelock('authentication.success', relockData(user, { deviceId, msAgo: 3000 }));
}

function assertContractShape(json) {
  assert.equal(typeof json.score, 'number');
  assert.ok(Number.isInteger(json.score));
  assert.ok(['low', 'medium', 'high'].includes(json.level), `level ${json.level}`);
  assert.ok(['allow', 'mfa', 'deny'].includes(json.decision), `decision ${json.decision}`);
  assert.equal(typeof json.device_trusted, 'boolean');
  assert.ok(['verified', 'failed', 'revoked', 'stale', 'none'].includes(json.verification_level), `verification_level ${json.verification_level}`);
  assert.ok(Array.isArray(json.factors));
  for (const f of json.factors) {
    assert.equal(typeof f.factor, 'string');
    assert.ok(Number.isInteger(f.score));
  }
  assert.equal(json.factors.reduce((sum, f) => sum + f.score, 0), json.score, 'score is the sum of the factors');
  assert.ok(Array.isArray(json.recommendations));
  for (const r of json.recommendations) assert.equal(typeof r, 'string');
}

const factorNames = (json) => json.factors.map((f) => f.factor).sort();

// The daemon binary must know [api]; otherwise every test below fails with this message.
function assertApiSupported(dir) {
  const file = path.join(dir, 'probe.toml');
  fs.writeFileSync(file, '[api]\ntoken = "probe-token-0123456789abcdef"\nmfa_score = 40\n');
  const result = runBinary(['check-config', '--config', file]);
  assert.equal(result.status, 0, `this authcorrd does not accept [api] (no /v1/risk yet?):\n${result.stderr}`);
}

describe('against a real authcorrd (mfa_score 40, deny_score 70)', () => {
  const TOKENS = ['risk-client-one-' + 'c'.repeat(24), 'risk-client-two-' + 'd'.repeat(24)];
  const [TOKEN, TOKEN2] = TOKENS;
  let dir;
  let daemon;
  let c;

  before(async () => {
    dir = tempDir('authcorrd-actions-');
    assertApiSupported(dir);
    // Two clients in one token file, one per line (the second with a trailing blank line).
    fs.writeFileSync(path.join(dir, 'api-tokens'), `${TOKENS[0]}\n${TOKENS[1]}\n\n`, { mode: 0o600 });
    daemon = await startDaemon(dir, daemonConfig(`
[api]
token_file = "{{DIR}}/api-tokens"
mfa_score = 40
deny_score = 70
rate_limit = 200
`));
    c = client(daemon);
  });

  after(async () => {
    if (daemon) {
      daemon.child.kill('SIGCONT'); // in case a test stopped it and failed before resuming
      const exit = await daemon.stop();
      const log = daemon.log();
      for (const token of TOKENS) assert.ok(!log.includes(token), 'an API token appears in the daemon log');
      assert.equal(exit.code, 0, log);
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('trusted device (Relock authentication.success, same IP and UA): allow, no MFA, claims', async () => {
    const user = newUser('trusted');
    await trustedUser(c, user, 'dev-trusted-1');
    const direct = await c.riskWhen(TOKEN, { user_id: user, ip: IP1, user_agent: UA1, device_id: 'dev-trusted-1' },
      (j) => j.device_trusted === true, 'the device to be trusted');
    assertContractShape(direct);
    assert.equal(direct.score, 0);
    assert.equal(direct.level, 'low');
    assert.equal(direct.decision, 'allow');
    assert.deepEqual(direct.factors, []);
    assert.equal(direct.verification_level, 'verified');

    const event = loginEvent(daemon.url, TOKEN, user, { deviceId: 'dev-trusted-1', sessionId: `sess-${user}` });
    const result = await runAction(loadAction(DEVICE), event);
    assert.deepEqual(result.mfa, [], 'MFA must not be enabled for a trusted device');
    assert.equal(result.denied, false);
    assert.deepEqual(stripNamespace(result.idClaims, NS), {
      relock_device_trusted: true, relock_device_id: 'dev-trusted-1', relock_verification_level: 'verified', relock_risk_score: 0,
    });
    assert.deepEqual(result.accessClaims, result.idClaims);
    assertNoToken(result, TOKEN);
  });

  test('both tokens of the token file are clients', async () => {
    const body = { user_id: newUser('two-tokens'), ip: IP1, user_agent: UA1 };
    for (const token of TOKENS) {
      const r = await c.risk(token, body);
      assert.equal(r.status, 200, `token #${TOKENS.indexOf(token) + 1}: ${r.text}`);
    }
  });

  test('new device (no Relock verification): MFA with reason device_not_trusted', async () => {
    const user = newUser('newdev');
    await c.pushAuth0([auth0Log('s', user, { msAgo: 5000 })]);
    const direct = await c.riskWhen(TOKEN2, { user_id: user, ip: IP1, user_agent: UA1, device_id: 'dev-new' },
      (j) => j.factors.some((f) => f.factor === 'low_device_trust'), 'the login to be known');
    assertContractShape(direct);
    assert.deepEqual(factorNames(direct), ['low_device_trust']);
    assert.equal(direct.device_trusted, false);
    assert.equal(direct.verification_level, 'none');

    const result = await runAction(loadAction(DEVICE), loginEvent(daemon.url, TOKEN2, user, { deviceId: 'dev-new' }));
    assert.deepEqual(result.mfa, [{ provider: 'any', options: { allowRememberBrowser: false } }]);
    const id = stripNamespace(result.idClaims, NS);
    assert.equal(id.relock_device_trusted, false);
    assert.equal(id.relock_mfa_reason, direct.decision === 'mfa' ? 'risk_score' : 'device_not_trusted');
    assert.equal(id.relock_verification_level, 'none');
    assert.equal(id.relock_risk_score, direct.score);
    assert.equal(id.relock_error, undefined);
  });

  test('a user never seen at all: MFA', async () => {
    const user = newUser('unknown');
    const result = await runAction(loadAction(DEVICE), loginEvent(daemon.url, TOKEN, user, { deviceId: 'dev-x' }));
    assert.equal(result.mfa.length, 1);
    const id = stripNamespace(result.idClaims, NS);
    assert.equal(id.relock_error, undefined, 'an unknown user is an answer, not an error');
    assert.equal(id.relock_device_trusted, false);
    assert.equal(id.relock_verification_level, 'none');
  });

  test('trusted user but another device, or no device id: MFA', async () => {
    const user = newUser('otherdev');
    await trustedUser(c, user, 'dev-home');
    await c.riskWhen(TOKEN, { user_id: user, ip: IP1, user_agent: UA1, device_id: 'dev-home' },
      (j) => j.device_trusted === true, 'the device to be trusted');
    // Another device of the same user: not trusted by authcorrd.
    const other = await c.risk(TOKEN, { user_id: user, ip: IP1, user_agent: UA1, device_id: 'dev-stranger' });
    assert.equal(other.status, 200, other.text);
    assert.equal(other.json.device_trusted, false);
    assert.ok(factorNames(other.json).includes('low_device_trust'));
    let result = await runAction(loadAction(DEVICE), loginEvent(daemon.url, TOKEN, user, { deviceId: 'dev-stranger' }));
    assert.equal(result.mfa.length, 1);
    assert.equal(stripNamespace(result.idClaims, NS).relock_device_id, 'dev-stranger');
    assert.equal(stripNamespace(result.idClaims, NS).relock_device_trusted, false);

    // No device id from a new IP and browser: authcorrd scores 35 (< mfa_score) and calls the
    // user trusted; the Action still requires MFA because no device was named.
    const anon = await c.risk(TOKEN, { user_id: user, ip: IP2, user_agent: UA2 });
    assert.equal(anon.status, 200, anon.text);
    assert.equal(anon.json.decision, 'allow');
    result = await runAction(loadAction(DEVICE), loginEvent(daemon.url, TOKEN, user, { ip: IP2, ua: UA2 }));
    assert.equal(result.mfa.length, 1);
    assert.equal(stripNamespace(result.idClaims, NS).relock_mfa_reason, 'no_device_id');
  });

  test('revoked device (Relock device.revoked after the verification): MFA, verification_level revoked', async () => {
    const user = newUser('revoked');
    await trustedUser(c, user, 'dev-rev');
    await c.pushRelock('device.revoked', { deviceId: 'dev-rev', userId: user, reason: 'user_requested', timestamp: iso(1000), revokedBy: 'admin' });
    const direct = await c.riskWhen(TOKEN, { user_id: user, ip: IP1, user_agent: UA1, device_id: 'dev-rev' },
      (j) => j.verification_level !== 'verified' && j.verification_level !== 'none', 'the revocation to be known');
    assertContractShape(direct);
    assert.equal(direct.verification_level, 'revoked');
    assert.equal(direct.device_trusted, false);
    assert.ok(factorNames(direct).includes('low_device_trust'));
    const result = await runAction(loadAction(DEVICE), loginEvent(daemon.url, TOKEN, user, { deviceId: 'dev-rev' }));
    assert.equal(result.mfa.length, 1);
    assert.equal(stripNamespace(result.idClaims, NS).relock_verification_level, 'revoked');
  });

  test('failed Relock verification (authentication.failed): MFA, verification_level failed', async () => {
    const user = newUser('relockfail');
    await trustedUser(c, user, 'dev-f');
    await c.pushRelock('authentication.failed', { ...relockData(user, { msAgo: 1000 }), deviceId: undefined, reason: 'device_not_trusted' });
    const direct = await c.riskWhen(TOKEN, { user_id: user, ip: IP1, user_agent: UA1, device_id: 'dev-f' },
      (j) => j.verification_level !== 'verified' && j.verification_level !== 'none', 'the failure to be known');
    assert.equal(direct.verification_level, 'failed');
    assert.equal(direct.device_trusted, false);
    const result = await runAction(loadAction(DEVICE), loginEvent(daemon.url, TOKEN, user, { deviceId: 'dev-f' }));
    assert.equal(result.mfa.length, 1);
  });

  test('stale verification (older than device_trust_ttl): MFA, verification_level stale', async () => {
    const user = newUser('stale');
    await c.pushAuth0([auth0Log('s', user, { msAgo: 21 * 60e3 })]);
    await c.pushRelock('authentication.success', relockData(user, { deviceId: 'dev-old', msAgo: 20 * 60e3 }));
    const direct = await c.riskWhen(TOKEN, { user_id: user, ip: IP1, user_agent: UA1, device_id: 'dev-old' },
      (j) => j.verification_level !== 'none', 'the old verification to be known');
    assert.equal(direct.verification_level, 'stale');
    assert.equal(direct.device_trusted, false);
    const result = await runAction(loadAction(DEVICE), loginEvent(daemon.url, TOKEN, user, { deviceId: 'dev-old' }));
    assert.equal(result.mfa.length, 1);
  });

  test('failed-login burst: recent_failures turns an allowed trusted login into MFA', async () => {
    const user = newUser('burst');
    await trustedUser(c, user, 'dev-burst');
    const body = { user_id: user, ip: IP2, user_agent: UA1, device_id: 'dev-burst' };
    // Before the burst: a new IP on a trusted device scores 20, below mfa_score.
    const beforeBurst = await c.riskWhen(TOKEN, body, (j) => j.device_trusted === true, 'the device to be trusted');
    assert.deepEqual(factorNames(beforeBurst), ['ip_change']);
    assert.equal(beforeBurst.decision, 'allow');
    let result = await runAction(loadAction(DEVICE), loginEvent(daemon.url, TOKEN, user, { ip: IP2, deviceId: 'dev-burst' }));
    assert.deepEqual(result.mfa, []);

    // Four failed logins (more than failure_threshold 3) within the failure window.
    await c.pushAuth0([1, 2, 3, 4].map((n) => auth0Log('fp', user, { ip: IP2, msAgo: 4000 - n * 100 })));
    const afterBurst = await c.riskWhen(TOKEN, body, (j) => j.factors.some((f) => f.factor === 'recent_failures'), 'recent_failures');
    assertContractShape(afterBurst);
    assert.deepEqual(factorNames(afterBurst), ['ip_change', 'recent_failures']);
    assert.equal(afterBurst.score, 45);
    assert.equal(afterBurst.level, 'medium');
    assert.equal(afterBurst.decision, 'mfa');
    assert.equal(afterBurst.device_trusted, true);
    assert.ok(afterBurst.recommendations.length >= 2, 'a recommendation per factor');

    result = await runAction(loadAction(DEVICE), loginEvent(daemon.url, TOKEN, user, { ip: IP2, deviceId: 'dev-burst' }));
    assert.deepEqual(result.mfa, [{ provider: 'any', options: { allowRememberBrowser: false } }]);
    const id = stripNamespace(result.idClaims, NS);
    assert.equal(id.relock_mfa_reason, 'risk_score');
    assert.equal(id.relock_risk_score, 45);
    assert.equal(id.relock_device_trusted, true);
  });

  test("Auth0's riskAssessment: confidence low/medium adds auth0_risk_assessment, high/neutral nothing", async () => {
    const user = newUser('adaptive');
    await trustedUser(c, user, 'dev-a');
    const base = { user_id: user, ip: IP1, user_agent: UA1, device_id: 'dev-a' };
    await c.riskWhen(TOKEN, base, (j) => j.device_trusted === true, 'the device to be trusted');
    const scores = {};
    for (const confidence of ['low', 'medium', 'high', 'neutral']) {
      const r = await c.risk(TOKEN, { ...base, risk_assessment: { confidence, version: '1', assessments: { NewDevice: { confidence, code: 'no_match' } } } });
      assert.equal(r.status, 200, r.text);
      assertContractShape(r.json);
      const f = r.json.factors.find((x) => x.factor === 'auth0_risk_assessment');
      scores[confidence] = f ? f.score : 0;
    }
    assert.ok(scores.low > 0, `low: ${JSON.stringify(scores)}`);
    assert.ok(scores.medium > 0, `medium: ${JSON.stringify(scores)}`);
    assert.ok(scores.low >= scores.medium, `low >= medium: ${JSON.stringify(scores)}`);
    assert.equal(scores.high, 0);
    assert.equal(scores.neutral, 0);

    // The Action passes event.authentication.riskAssessment through unchanged.
    const riskAssessment = { confidence: 'low', version: '1', assessments: { ImpossibleTravel: { confidence: 'low', code: 'impossible_travel_from_last_login' } } };
    const result = await runAction(loadAction(DEVICE), loginEvent(daemon.url, TOKEN, user, { deviceId: 'dev-a', riskAssessment }));
    const id = stripNamespace(result.idClaims, NS);
    assert.equal(id.relock_risk_score, scores.low);
    assert.equal(result.mfa.length, scores.low >= 40 ? 1 : 0);
  });

  test('deny_score: a login scoring at least 70 is denied with a generic message', async () => {
    const user = newUser('deny');
    // Last verified login from IP1/UA1, no Relock, then a burst: IP2/UA2 scores 20+15+30+25 = 90.
    await c.pushAuth0([auth0Log('s', user, { msAgo: 10000 })]);
    await c.pushAuth0([1, 2, 3, 4].map((n) => auth0Log('fp', user, { ip: IP2, ua: UA2, msAgo: 5000 - n * 100 })));
    const direct = await c.riskWhen(TOKEN, { user_id: user, ip: IP2, user_agent: UA2 },
      (j) => j.factors.some((f) => f.factor === 'recent_failures'), 'the burst');
    assertContractShape(direct);
    assert.deepEqual(factorNames(direct), ['ip_change', 'low_device_trust', 'recent_failures', 'user_agent_change']);
    assert.equal(direct.score, 90);
    assert.equal(direct.level, 'high');
    assert.equal(direct.decision, 'deny');

    const result = await runAction(loadAction(DEVICE), loginEvent(daemon.url, TOKEN, user, { ip: IP2, ua: UA2 }));
    assert.equal(result.denied, true);
    assert.deepEqual(result.mfa, []);
    assert.deepEqual(result.idClaims, {});
    assert.doesNotMatch(result.denyReasons[0], /score|factor|authcorrd|relock|failure|90/i);
    assertNoToken(result, TOKEN);

    // The same session refreshing its tokens is denied too.
    const refresh = await runAction(loadAction(SESSION), refreshEvent(daemon.url, TOKEN, user, { ip: IP2, ua: UA2 }));
    assert.equal(refresh.denied, true);
  });

  test('a wrong API token: 401, MFA and relock_error http_401', async () => {
    const user = newUser('badtoken');
    const wrong = TOKEN.slice(0, -1) + 'X';
    const direct = await c.risk(wrong, { user_id: user, ip: IP1, user_agent: UA1 });
    assert.equal(direct.status, 401);
    assert.equal(direct.json?.error, 'unauthorized');
    const result = await runAction(loadAction(DEVICE), loginEvent(daemon.url, wrong, user));
    assertFailClosedMfa(result, 'http_401');
    assertNoToken(result, wrong);
    const refresh = await runAction(loadAction(SESSION), refreshEvent(daemon.url, wrong, user));
    assert.equal(refresh.denied, true);
  });

  test('authcorrd hung (SIGSTOP): MFA and relock_error timeout after 1.5 s, well within 2 s', { timeout: 20000 }, async () => {
    const user = newUser('sigstop');
    daemon.child.kill('SIGSTOP');
    try {
      const result = await runAction(loadAction(DEVICE), loginEvent(daemon.url, TOKEN, user));
      assertFailClosedMfa(result, 'timeout');
      assert.ok(result.elapsedMs >= 1400 && result.elapsedMs < 2000, `took ${result.elapsedMs} ms`);
      const refresh = await runAction(loadAction(SESSION), refreshEvent(daemon.url, TOKEN, user));
      assert.equal(refresh.denied, true);
      assert.ok(refresh.elapsedMs < 2000, `took ${refresh.elapsedMs} ms`);
    } finally {
      daemon.child.kill('SIGCONT');
    }
    // And it answers again once resumed.
    await c.riskWhen(TOKEN, { user_id: user, ip: IP1, user_agent: UA1 }, () => true, 'the daemon to answer again');
  });

  test('session-validation on a refresh-token exchange: a trusted session is allowed', async () => {
    const user = newUser('refresh-ok');
    await trustedUser(c, user, 'dev-r');
    await c.riskWhen(TOKEN, { user_id: user, ip: IP1, user_agent: UA1 }, (j) => j.verification_level === 'verified', 'the Relock verification');
    const result = await runAction(loadAction(SESSION), refreshEvent(daemon.url, TOKEN, user, { sessionId: `sess-${user}` }));
    assert.equal(result.denied, false);
    assert.deepEqual(result.mfa, []);
    assert.equal(stripNamespace(result.accessClaims, NS).relock_risk_score, 0);
    // And the interactive-login Action does nothing on this exchange.
    const device = await runAction(loadAction(DEVICE), refreshEvent(daemon.url, TOKEN, user));
    assert.deepEqual(device.calls, []);
  });

  test('session-validation fails closed when authcorrd is down (connection refused)', async () => {
    const port = await freePort();
    const result = await runAction(loadAction(SESSION), refreshEvent(`http://127.0.0.1:${port}`, TOKEN, newUser('refresh-down')));
    assert.equal(result.denied, true);
    assert.deepEqual(result.mfa, []);
    assertNoToken(result, TOKEN);
  });

  test('/v1/risk contract: errors are JSON {error, message} with the documented statuses', async () => {
    const good = { user_id: 'auth0|contract', ip: IP1, user_agent: UA1 };
    const expectError = (r, status) => {
      assert.equal(r.status, status, r.text);
      assert.match(r.headers.get('content-type') ?? '', /application\/json/);
      assert.equal(typeof r.json?.error, 'string', r.text);
      assert.equal(typeof r.json?.message, 'string', r.text);
    };
    expectError(await c.risk(null, good), 401);
    expectError(await c.risk('nope', good), 401);
    expectError(await c.risk(TOKEN, good, { type: 'text/plain' }), 415);
    expectError(await c.risk(TOKEN, null, { raw: '{"user_id": ' }), 400);
    expectError(await c.risk(TOKEN, null, { raw: '[]' }), 400);
    expectError(await c.risk(TOKEN, { ip: IP1, user_agent: UA1 }), 400);
    expectError(await c.risk(TOKEN, { ...good, user_id: 42 }), 400);
    expectError(await c.risk(TOKEN, { ...good, ip: ['x'] }), 400);
    expectError(await c.risk(TOKEN, { ...good, device_id: 7 }), 400);
    expectError(await c.risk(TOKEN, { ...good, risk_assessment: 'low' }), 400);
    expectError(await c.risk(TOKEN, { ...good, pad: 'z'.repeat(100 * 1024) }), 413);
    const ok = await c.risk(TOKEN, good);
    assert.equal(ok.status, 200, ok.text);
    assert.match(ok.headers.get('content-type') ?? '', /application\/json/);
    assertContractShape(ok.json);
  });
});

describe('against a real authcorrd (deny_score 0, rate_limit 5)', () => {
  const TOKEN = 'risk-client-b-' + 'e'.repeat(24);
  const FLOOD = 'risk-client-flood-' + 'f'.repeat(24);
  let dir;
  let daemon;
  let c;

  before(async () => {
    dir = tempDir('authcorrd-actions-b-');
    assertApiSupported(dir);
    fs.writeFileSync(path.join(dir, 'api-tokens'), `${TOKEN}\n${FLOOD}\n`, { mode: 0o600 });
    daemon = await startDaemon(dir, daemonConfig(`
[api]
token_file = "{{DIR}}/api-tokens"
rate_limit = 5
`));
    c = client(daemon);
  });

  after(async () => {
    if (daemon) {
      const exit = await daemon.stop();
      assert.equal(exit.code, 0, daemon.log());
    }
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  test('deny_score 0 never denies: a high-risk login gets MFA; its refresh is denied (level high)', async () => {
    const user = newUser('high-nodeny');
    await c.pushAuth0([auth0Log('s', user, { msAgo: 10000 })]);
    await c.pushAuth0([1, 2, 3, 4].map((n) => auth0Log('fp', user, { ip: IP2, ua: UA2, msAgo: 5000 - n * 100 })));
    const direct = await c.riskWhen(TOKEN, { user_id: user, ip: IP2, user_agent: UA2 },
      (j) => j.factors.some((f) => f.factor === 'recent_failures'), 'the burst', 300);
    assert.equal(direct.score, 90);
    assert.equal(direct.level, 'high');
    assert.equal(direct.decision, 'mfa');

    const result = await runAction(loadAction(DEVICE), loginEvent(daemon.url, TOKEN, user, { ip: IP2, ua: UA2 }));
    assert.equal(result.denied, false);
    assert.deepEqual(result.mfa, [{ provider: 'any', options: { allowRememberBrowser: false } }]);
    assert.equal(stripNamespace(result.idClaims, NS).relock_mfa_reason, 'risk_score');

    const refresh = await runAction(loadAction(SESSION), refreshEvent(daemon.url, TOKEN, user, { ip: IP2, ua: UA2 }));
    assert.equal(refresh.denied, true, 'level high must deny the refresh even when decision is mfa');
  });

  test('rate limit: excess requests get 429 with Retry-After; the Action then fails closed', async () => {
    const body = { user_id: newUser('flood'), ip: IP1, user_agent: UA1 };
    const answers = await Promise.all(Array.from({ length: 30 }, () => c.risk(FLOOD, body)));
    const limited = answers.filter((r) => r.status === 429);
    assert.ok(limited.length >= 20, `only ${limited.length} of 30 were limited`);
    assert.ok(answers.every((r) => r.status === 200 || r.status === 429), answers.map((r) => r.status).join(','));
    for (const r of limited) {
      assert.match(r.headers.get('retry-after') ?? '', /^\d+$/);
      assert.equal(typeof r.json?.error, 'string');
      assert.equal(typeof r.json?.message, 'string');
    }
    // Another client is not affected.
    assert.equal((await c.risk(TOKEN, body)).status, 200);

    let result;
    for (let i = 0; i < 5; i += 1) {
      await Promise.all(Array.from({ length: 10 }, () => c.risk(FLOOD, body)));
      result = await runAction(loadAction(DEVICE), loginEvent(daemon.url, FLOOD, body.user_id));
      if (stripNamespace(result.idClaims, NS).relock_error === 'http_429') break;
    }
    assertFailClosedMfa(result, 'http_429');
    await sleep(1100);
    assert.equal((await c.risk(FLOOD, body)).status, 200, 'the bucket refills');
  });
});
