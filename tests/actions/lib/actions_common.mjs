// Shared by the Auth0 Actions test files: constants, Auth0-shaped login and refresh events
// pointed at an authcorrd URL, and the assertions both files make. Test-only.
import assert from 'node:assert/strict';
import { makeEvent, makeRefreshEvent, stripNamespace } from './auth0_action_harness.mjs';

export const NS = 'https://authcorrd.dev/';
export const DEVICE = 'device-verification.js';
export const SESSION = 'session-validation.js';
export const IP1 = '198.51.100.10';
export const IP2 = '203.0.113.77';
export const UA1 = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
export const UA2 = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 Safari/605.1.15';

let seq = 0;
export const newUser = (name) => `auth0|${name}-${process.pid}-${Date.now()}-${++seq}`;
export const iso = (msAgo = 0) => new Date(Date.now() - msAgo).toISOString();

// Secrets for an Action pointed at `url` with `token`.
export const secrets = (url, token, extra = {}) => ({ AUTHCORRD_URL: url, AUTHCORRD_API_TOKEN: token, ...extra });

// An interactive login event for `user` from ip/ua, with the device id in the /authorize query.
export function loginEvent(url, token, user, { ip = IP1, ua = UA1, deviceId, sessionId, riskAssessment, extraSecrets } = {}) {
  const event = makeEvent({
    user: { user_id: user },
    request: { ip, user_agent: ua, query: deviceId ? { relock_device_id: deviceId } : {} },
    ...(sessionId ? { session: { id: sessionId } } : {}),
    secrets: secrets(url, token, extraSecrets),
  });
  // Replaced whole, not merged with the default assessment.
  if (riskAssessment) event.authentication.riskAssessment = riskAssessment;
  return event;
}

export function refreshEvent(url, token, user, { ip = IP1, ua = UA1, sessionId = 'sess-refresh', extraSecrets } = {}) {
  return makeRefreshEvent({
    user: { user_id: user },
    request: { ip, user_agent: ua },
    session: { id: sessionId },
    refresh_token: { session_id: sessionId },
    secrets: secrets(url, token, extraSecrets),
  });
}

// The token never appears in a call to `api` (claims, deny reasons) or in the Action's logs.
export function assertNoToken(result, token) {
  const seen = JSON.stringify(result.calls) + '\n' + result.logs.join('\n');
  assert.ok(!seen.includes(token), 'the API token leaked into api calls or logs');
}

export function assertFailClosedMfa(result, errorCode) {
  assert.deepEqual(result.mfa, [{ provider: 'any', options: { allowRememberBrowser: false } }]);
  assert.equal(result.denied, false);
  const id = stripNamespace(result.idClaims, NS);
  assert.equal(id.relock_error, errorCode);
  assert.equal(id.relock_device_trusted, false);
  assert.equal(id.relock_mfa_reason, 'risk_check_failed');
  assert.deepEqual(result.accessClaims, result.idClaims);
}

