// The Auth0 post-login Actions in etc/auth0-actions/ against fake servers: every failure path,
// the request they send and the claims they set. The real daemon: actions_daemon.test.mjs.
import { test, describe, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { freePort } from '../integration/lib/harness.mjs';
import {
  actionsDir, loadAction, makeEvent, makeRefreshEvent, runAction, stripNamespace, startFakeServer, startSilentServer, riskAnswer,
} from './lib/auth0_action_harness.mjs';
import {
  NS, DEVICE, SESSION, IP1, UA1, secrets, loginEvent, refreshEvent, assertNoToken, assertFailClosedMfa,
} from './lib/actions_common.mjs';

// ---------------------------------------------------------------------------------------------
// Pure: the files load as Auth0 loads them.

test('each Action file loads with require and exports an async onExecutePostLogin', () => {
  const require = createRequire(import.meta.url);
  for (const name of [DEVICE, SESSION]) {
    const file = path.join(actionsDir, name);
    const mod = require(file);
    assert.equal(typeof mod.onExecutePostLogin, 'function', name);
    assert.equal(mod.onExecutePostLogin.constructor.name, 'AsyncFunction', name);
    // No other npm dependency: Auth0 would have to install it.
    const source = fs.readFileSync(file, 'utf8');
    assert.doesNotMatch(source, /require\(/, `${name} requires a module`);
    assert.doesNotMatch(source, /relock-trusted-device/, `${name} names a non-existent MFA provider`);
  }
});

// ---------------------------------------------------------------------------------------------
// Fake servers: request shape and every failure path, without the daemon.

describe('device-verification against fake servers', () => {
  const TOKEN = 'fake-token-' + 'q'.repeat(24);
  let server;
  let answer;
  before(async () => {
    server = await startFakeServer((req, body, res) => answer(req, body, res));
  });
  after(async () => server.stop());

  const json = (status, value, headers = {}) => (req, body, res) => {
    res.writeHead(status, { 'content-type': 'application/json', ...headers });
    res.end(typeof value === 'string' ? value : JSON.stringify(value));
  };

  test('sends the documented request: bearer token, JSON body, device id, session, riskAssessment', async () => {
    answer = json(200, riskAnswer({ device_id: 'dev-abc' }));
    server.requests.length = 0;
    const riskAssessment = {
      confidence: 'medium', version: '1',
      assessments: { NewDevice: { confidence: 'low', code: 'no_match', details: { device: 'unknown', useragent: 'unknown' } } },
    };
    const event = loginEvent(server.url + '/prefix/', TOKEN, 'auth0|shape', {
      deviceId: 'dev-abc', sessionId: 'sess-42', riskAssessment,
    });
    const result = await runAction(loadAction(DEVICE), event);
    assert.equal(server.requests.length, 1);
    const request = server.requests[0];
    assert.equal(request.method, 'POST');
    assert.equal(request.url, '/prefix/v1/risk');
    assert.equal(request.headers.authorization, `Bearer ${TOKEN}`);
    assert.match(request.headers['content-type'], /^application\/json/);
    assert.deepEqual(JSON.parse(request.body), {
      user_id: 'auth0|shape', ip: IP1, user_agent: UA1, device_id: 'dev-abc', session_id: 'sess-42',
      risk_assessment: riskAssessment,
    });
    // allow + trusted: no MFA, the four claims on both tokens.
    assert.deepEqual(result.mfa, []);
    assert.equal(result.denied, false);
    assert.deepEqual(stripNamespace(result.idClaims, NS), {
      relock_device_trusted: true, relock_device_id: 'dev-abc', relock_verification_level: 'verified', relock_risk_score: 0,
    });
    assert.deepEqual(result.accessClaims, result.idClaims);
    assertNoToken(result, TOKEN);
  });

  test('a device id with characters outside the allowed set is not sent', async () => {
    answer = json(200, riskAnswer({ device_id: undefined, device_trusted: false, verification_level: 'none' }));
    server.requests.length = 0;
    const event = loginEvent(server.url, TOKEN, 'auth0|bad-dev', { deviceId: 'x"><script>' });
    const result = await runAction(loadAction(DEVICE), event);
    assert.equal(JSON.parse(server.requests[0].body).device_id, undefined);
    assert.equal(JSON.parse(server.requests[0].body).session_id, 'sess-default');
    assert.equal(result.mfa.length, 1);
    assert.equal(stripNamespace(result.idClaims, NS).relock_mfa_reason, 'no_device_id');
    assert.equal(stripNamespace(result.idClaims, NS).relock_device_id, undefined);
  });

  test('"allow" and device_trusted but no device id presented: MFA (trust would be per user only)', async () => {
    answer = json(200, riskAnswer({ device_id: 'dev-1' }));
    const result = await runAction(loadAction(DEVICE), loginEvent(server.url, TOKEN, 'auth0|nodev'));
    assert.deepEqual(result.mfa, [{ provider: 'any', options: { allowRememberBrowser: false } }]);
    const id = stripNamespace(result.idClaims, NS);
    assert.equal(id.relock_mfa_reason, 'no_device_id');
    assert.equal(id.relock_device_trusted, false);
    assert.equal(id.relock_device_id, undefined);
  });

  test('the device id may come from the request body (form post) as well as the query', async () => {
    answer = json(200, riskAnswer({ device_id: 'dev-body' }));
    server.requests.length = 0;
    const event = loginEvent(server.url, TOKEN, 'auth0|body');
    event.request.method = 'POST';
    event.request.body = { relock_device_id: 'dev-body' };
    const result = await runAction(loadAction(DEVICE), event);
    assert.equal(JSON.parse(server.requests[0].body).device_id, 'dev-body');
    assert.deepEqual(result.mfa, []);
  });

  test('a trusted answer for another device than the one presented: MFA', async () => {
    answer = json(200, riskAnswer({ device_id: 'dev-other' }));
    const result = await runAction(loadAction(DEVICE), loginEvent(server.url, TOKEN, 'auth0|mismatch', { deviceId: 'dev-1' }));
    assert.equal(result.mfa.length, 1);
    const id = stripNamespace(result.idClaims, NS);
    assert.equal(id.relock_mfa_reason, 'device_not_trusted');
    assert.equal(id.relock_device_trusted, false);
    assert.equal(id.relock_device_id, 'dev-1');
  });

  test('the claim namespace comes from AUTHCORRD_CLAIM_NAMESPACE', async () => {
    answer = json(200, riskAnswer());
    const event = loginEvent(server.url, TOKEN, 'auth0|ns', {
      deviceId: 'dev-1', extraSecrets: { AUTHCORRD_CLAIM_NAMESPACE: 'https://claims.example.com' },
    });
    const result = await runAction(loadAction(DEVICE), event);
    assert.deepEqual(Object.keys(result.idClaims).sort(), [
      'https://claims.example.com/relock_device_id', 'https://claims.example.com/relock_device_trusted',
      'https://claims.example.com/relock_risk_score', 'https://claims.example.com/relock_verification_level',
    ]);
  });

  test('decision "mfa" requires MFA even on a trusted device', async () => {
    answer = json(200, riskAnswer({ score: 45, level: 'medium', decision: 'mfa', factors: [{ factor: 'ip_change', score: 20 }, { factor: 'recent_failures', score: 25 }] }));
    const result = await runAction(loadAction(DEVICE), loginEvent(server.url, TOKEN, 'auth0|m', { deviceId: 'dev-1' }));
    assert.deepEqual(result.mfa, [{ provider: 'any', options: { allowRememberBrowser: false } }]);
    const id = stripNamespace(result.idClaims, NS);
    assert.equal(id.relock_mfa_reason, 'risk_score');
    assert.equal(id.relock_risk_score, 45);
    assert.equal(id.relock_error, undefined);
  });

  test('decision "deny" denies with a generic message and sets no claims', async () => {
    answer = json(200, riskAnswer({ score: 90, level: 'high', decision: 'deny', device_trusted: false, verification_level: 'revoked' }));
    const result = await runAction(loadAction(DEVICE), loginEvent(server.url, TOKEN, 'auth0|d'));
    assert.equal(result.denied, true);
    assert.deepEqual(result.mfa, []);
    assert.deepEqual(result.idClaims, {});
    assert.doesNotMatch(result.denyReasons[0], /score|factor|authcorrd|relock|revoked|90/i);
  });

  const failures = [
    ['HTTP 500', json(500, { error: 'internal', message: 'x' }), 'http_500'],
    ['HTTP 429', json(429, { error: 'rate_limited', message: 'x' }, { 'retry-after': '1' }), 'http_429'],
    ['a redirect (not followed)', (req, body, res) => { res.writeHead(302, { location: 'http://127.0.0.1:1/' }); res.end(); }, 'http_302'],
    ['a non-JSON body', json(200, '<html>ok</html>'), 'bad_response'],
    ['a truncated JSON body', json(200, '{"score": 1, "level": "lo'), 'bad_response'],
    ['an unknown decision', json(200, riskAnswer({ decision: 'maybe' })), 'bad_response'],
    ['a missing decision', json(200, riskAnswer({ decision: undefined })), 'bad_response'],
    ['a string score', json(200, riskAnswer({ score: '0' })), 'bad_response'],
    ['a non-boolean device_trusted', json(200, riskAnswer({ device_trusted: 'true' })), 'bad_response'],
    ['an unknown verification_level', json(200, riskAnswer({ verification_level: 'trusted' })), 'bad_response'],
    ['malformed factors', json(200, riskAnswer({ factors: [{ factor: 'ip_change' }] })), 'bad_response'],
    ['a JSON array', json(200, [riskAnswer()]), 'bad_response'],
  ];
  for (const [what, handler, code] of failures) {
    test(`${what} fails closed: MFA and relock_error ${code}`, async () => {
      answer = handler;
      const result = await runAction(loadAction(DEVICE), loginEvent(server.url, TOKEN, 'auth0|f', { deviceId: 'dev-1' }));
      assertFailClosedMfa(result, code);
      assertNoToken(result, TOKEN);
    });
  }

  test('missing secrets fail closed without a request', async () => {
    server.requests.length = 0;
    for (const s of [{}, { AUTHCORRD_URL: server.url }, { AUTHCORRD_API_TOKEN: TOKEN }]) {
      const event = makeEvent({ user: { user_id: 'auth0|nocfg' }, secrets: s });
      assertFailClosedMfa(await runAction(loadAction(DEVICE), event), 'not_configured');
    }
    assert.equal(server.requests.length, 0);
  });

  test('a plain-http URL to a non-loopback host is refused (the token would travel in clear)', async () => {
    for (const url of ['http://authcorrd.example.com', 'ftp://127.0.0.1/', 'not a url', 'https://user:pw@h.example/']) {
      const result = await runAction(loadAction(DEVICE), loginEvent(url, TOKEN, 'auth0|u'));
      assertFailClosedMfa(result, 'bad_url');
    }
  });

  test('connection refused (authcorrd down): MFA and relock_error unreachable', async () => {
    const port = await freePort();
    const result = await runAction(loadAction(DEVICE), loginEvent(`http://127.0.0.1:${port}`, TOKEN, 'auth0|down'));
    assertFailClosedMfa(result, 'unreachable');
    assertNoToken(result, TOKEN);
  });

  test('a server that never answers: MFA after the 1500 ms default timeout, well within 2 s', { timeout: 10000 }, async () => {
    const silent = await startSilentServer();
    try {
      const result = await runAction(loadAction(DEVICE), loginEvent(silent.url, TOKEN, 'auth0|slow'));
      assertFailClosedMfa(result, 'timeout');
      assert.ok(result.elapsedMs >= 1400 && result.elapsedMs < 2000, `took ${result.elapsedMs} ms`);
      assert.equal(silent.accepted, 1);
    } finally {
      await silent.stop();
    }
  });

  test('headers sent but the body never finishes: the timeout covers the body too', { timeout: 10000 }, async () => {
    answer = (req, body, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '500' });
      res.write('{"score": 0,');
    };
    const event = loginEvent(server.url, TOKEN, 'auth0|slowbody', { extraSecrets: { AUTHCORRD_TIMEOUT_MS: '300' } });
    const result = await runAction(loadAction(DEVICE), event);
    assertFailClosedMfa(result, 'timeout');
    assert.ok(result.elapsedMs >= 250 && result.elapsedMs < 1000, `took ${result.elapsedMs} ms`);
  });

  test('AUTHCORRD_TIMEOUT_MS shortens the timeout; nonsense values fall back to 1500 ms', { timeout: 10000 }, async () => {
    const silent = await startSilentServer();
    try {
      let result = await runAction(loadAction(DEVICE), loginEvent(silent.url, TOKEN, 'auth0|t', { extraSecrets: { AUTHCORRD_TIMEOUT_MS: '200' } }));
      assertFailClosedMfa(result, 'timeout');
      assert.ok(result.elapsedMs < 700, `took ${result.elapsedMs} ms`);
      result = await runAction(loadAction(DEVICE), loginEvent(silent.url, TOKEN, 'auth0|t', { extraSecrets: { AUTHCORRD_TIMEOUT_MS: 'soon' } }));
      assert.ok(result.elapsedMs >= 1400 && result.elapsedMs < 2000, `took ${result.elapsedMs} ms`);
    } finally {
      await silent.stop();
    }
  });

  test('a refresh-token exchange is left to session-validation: no request, no MFA', async () => {
    server.requests.length = 0;
    const result = await runAction(loadAction(DEVICE), refreshEvent(server.url, TOKEN, 'auth0|r'));
    assert.equal(server.requests.length, 0);
    assert.deepEqual(result.calls, []);
  });
});

describe('session-validation against fake servers', () => {
  const TOKEN = 'fake-token-' + 's'.repeat(24);
  let server;
  let answer;
  before(async () => {
    server = await startFakeServer((req, body, res) => answer(req, body, res));
  });
  after(async () => server.stop());
  const json = (status, value) => (req, body, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(typeof value === 'string' ? value : JSON.stringify(value));
  };

  test('interactive logins are left alone: no request, no api call', async () => {
    server.requests.length = 0;
    const result = await runAction(loadAction(SESSION), loginEvent(server.url, TOKEN, 'auth0|i'));
    assert.equal(server.requests.length, 0);
    assert.deepEqual(result.calls, []);
  });

  test('refresh exchange: sends the session id; low/medium and not deny -> allowed with claims', async () => {
    for (const [level, decision] of [['low', 'allow'], ['medium', 'mfa']]) {
      answer = json(200, riskAnswer({ score: level === 'low' ? 0 : 45, level, decision }));
      server.requests.length = 0;
      const result = await runAction(loadAction(SESSION), refreshEvent(server.url, TOKEN, 'auth0|s', { sessionId: 'sess-77' }));
      const sent = JSON.parse(server.requests[0].body);
      assert.equal(sent.session_id, 'sess-77');
      assert.equal(sent.user_id, 'auth0|s');
      assert.equal(server.requests[0].headers.authorization, `Bearer ${TOKEN}`);
      assert.equal(result.denied, false, `${level}/${decision}`);
      assert.deepEqual(result.mfa, []);
      assert.equal(stripNamespace(result.accessClaims, NS).relock_risk_score, level === 'low' ? 0 : 45);
    }
  });

  test('refresh exchange: decision deny or level high -> denied', async () => {
    for (const over of [{ decision: 'deny', level: 'high', score: 90 }, { decision: 'mfa', level: 'high', score: 75 }, { decision: 'deny', level: 'medium', score: 50 }]) {
      answer = json(200, riskAnswer(over));
      const result = await runAction(loadAction(SESSION), refreshEvent(server.url, TOKEN, 'auth0|s'));
      assert.equal(result.denied, true, JSON.stringify(over));
      assert.deepEqual(result.mfa, []);
      assert.doesNotMatch(result.denyReasons[0], /score|factor|authcorrd|high/i);
    }
  });

  test('refresh exchange: errors fail closed by denying (MFA is impossible there)', async () => {
    answer = json(500, { error: 'x', message: 'y' });
    let result = await runAction(loadAction(SESSION), refreshEvent(server.url, TOKEN, 'auth0|s'));
    assert.equal(result.denied, true);
    assert.deepEqual(result.mfa, []);
    assertNoToken(result, TOKEN);
    answer = json(200, 'nope');
    result = await runAction(loadAction(SESSION), refreshEvent(server.url, TOKEN, 'auth0|s'));
    assert.equal(result.denied, true);
    const port = await freePort();
    result = await runAction(loadAction(SESSION), refreshEvent(`http://127.0.0.1:${port}`, TOKEN, 'auth0|s'));
    assert.equal(result.denied, true);
    result = await runAction(loadAction(SESSION), makeRefreshEvent({ secrets: {} }));
    assert.equal(result.denied, true);
  });
});

