/**
 * authcorrd — Auth0 post-login Action: session validation on refresh-token exchanges.
 *
 * Post-login Actions also run when an application exchanges a refresh token
 * (event.transaction.protocol === "oauth2-refresh-token"). For those, this Action asks
 * authcorrd's risk API (POST /v1/risk) about the session and:
 *   decision "deny", or level "high"   -> api.access.deny: no new tokens; the application has to
 *                                         send the user through an interactive login again
 *   otherwise                          -> allow; the new access token carries the risk score
 *   authcorrd unreachable, slow, non-200, malformed answer, missing configuration
 *                                      -> fail closed: api.access.deny (see below)
 * Interactive logins are left alone (device-verification.js handles them).
 *
 * Why deny when authcorrd cannot answer: MFA cannot be prompted on a refresh-token exchange (there
 * is no browser), so the only closed outcomes are "deny" and "revoke". Denying makes the
 * application start an interactive login, where device-verification.js requires MFA when
 * authcorrd is still unavailable. The cost: while authcorrd is down, every refresh turns into a
 * login. Operators who prefer availability over that can return early instead of denying in
 * failClosed() below; see README.md.
 *
 * Secrets: AUTHCORRD_URL, AUTHCORRD_API_TOKEN, optional AUTHCORRD_TIMEOUT_MS (default 1500),
 * optional AUTHCORRD_CLAIM_NAMESPACE (default "https://authcorrd.dev/").
 *
 * The API token is never logged, put in a claim or in a deny message.
 *
 * Each Action is one self-contained file because Auth0 runs an Action as a single module with no
 * local imports; the request and answer-checking helpers are therefore repeated in both files
 * (tests/actions/actions_fake.test.mjs runs the same contract checks against each).
 */

const DEFAULT_TIMEOUT_MS = 1500;
const MAX_TIMEOUT_MS = 10000;
const DEFAULT_CLAIM_NAMESPACE = 'https://authcorrd.dev/';
const REFRESH_TOKEN_PROTOCOL = 'oauth2-refresh-token';
const DENY_MESSAGE = 'The session must be re-authenticated. Sign in again.';
const UNAVAILABLE_MESSAGE = 'The session could not be verified. Sign in again.';

const LEVELS = ['low', 'medium', 'high'];
const DECISIONS = ['allow', 'mfa', 'deny'];
const VERIFICATION_LEVELS = ['verified', 'failed', 'revoked', 'stale', 'none'];

function isLoopbackHost(hostname) {
  const host = hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

// https only, except http to a loopback host: the bearer token must not travel in clear text.
function riskEndpoint(base) {
  let url;
  try {
    url = new URL(String(base));
  } catch {
    return null;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    return null;
  }
  if (url.username || url.password || url.search || url.hash) return null;
  url.pathname = url.pathname.replace(/\/+$/, '') + '/v1/risk';
  return url.toString();
}

function timeoutMs(secrets) {
  const raw = secrets.AUTHCORRD_TIMEOUT_MS;
  if (raw === undefined || raw === null || raw === '') return DEFAULT_TIMEOUT_MS;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0) return DEFAULT_TIMEOUT_MS;
  return Math.min(Math.floor(value), MAX_TIMEOUT_MS);
}

function claimNamespace(secrets) {
  const ns = typeof secrets.AUTHCORRD_CLAIM_NAMESPACE === 'string' && secrets.AUTHCORRD_CLAIM_NAMESPACE !== ''
    ? secrets.AUTHCORRD_CLAIM_NAMESPACE
    : DEFAULT_CLAIM_NAMESPACE;
  return ns.endsWith('/') ? ns : ns + '/';
}

const isInt = (v) => Number.isInteger(v);

function validRisk(body) {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
  if (!isInt(body.score) || !LEVELS.includes(body.level) || !DECISIONS.includes(body.decision)) return null;
  if (typeof body.device_trusted !== 'boolean') return null;
  if (!VERIFICATION_LEVELS.includes(body.verification_level)) return null;
  if (!Array.isArray(body.factors)) return null;
  for (const f of body.factors) {
    if (!f || typeof f.factor !== 'string' || !isInt(f.score)) return null;
  }
  return body;
}

// POST /v1/risk. Resolves to {risk} or {error: "<short code>"}; never rejects.
async function assessRisk(event, requestBody) {
  const secrets = event.secrets || {};
  const token = secrets.AUTHCORRD_API_TOKEN;
  if (typeof token !== 'string' || token === '' || !secrets.AUTHCORRD_URL) return { error: 'not_configured' };
  const endpoint = riskEndpoint(secrets.AUTHCORRD_URL);
  if (!endpoint) return { error: 'bad_url' };

  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs(secrets));
  try {
    const response = await fetch(endpoint, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'application/json',
      },
      body: JSON.stringify(requestBody),
      redirect: 'manual',
      signal: controller.signal,
    });
    if (response.status !== 200) {
      await response.arrayBuffer().catch(() => {});
      return { error: `http_${response.status}` };
    }
    let body;
    try {
      body = JSON.parse(await response.text());
    } catch (error) {
      if (controller.signal.aborted) return { error: 'timeout' };
      return { error: 'bad_response' };
    }
    const risk = validRisk(body);
    return risk ? { risk } : { error: 'bad_response' };
  } catch (error) {
    return { error: controller.signal.aborted ? 'timeout' : 'unreachable' };
  } finally {
    clearTimeout(timer);
  }
}

function failClosed(api, error) {
  console.log(`authcorrd: session check failed (${error}); denying the refresh`);
  api.access.deny(UNAVAILABLE_MESSAGE);
}

exports.onExecutePostLogin = async (event, api) => {
  const protocol = event.transaction && event.transaction.protocol;
  if (protocol !== REFRESH_TOKEN_PROTOCOL) return; // interactive logins: device-verification.js

  const request = event.request || {};
  const sessionId = (event.session && event.session.id) ||
    (event.refresh_token && event.refresh_token.session_id) || undefined;
  const body = {
    user_id: event.user && event.user.user_id,
    ip: request.ip,
    user_agent: typeof request.user_agent === 'string' ? request.user_agent : '',
  };
  if (typeof sessionId === 'string' && sessionId !== '') body.session_id = sessionId;
  const riskAssessment = event.authentication && event.authentication.riskAssessment;
  if (riskAssessment && typeof riskAssessment === 'object') body.risk_assessment = riskAssessment;

  const { risk, error } = await assessRisk(event, body);
  if (error) {
    failClosed(api, error);
    return;
  }
  if (risk.decision === 'deny' || risk.level === 'high') {
    api.access.deny(DENY_MESSAGE);
    return;
  }
  const ns = claimNamespace(event.secrets || {});
  api.accessToken.setCustomClaim(ns + 'relock_risk_score', risk.score);
  api.accessToken.setCustomClaim(ns + 'relock_verification_level', risk.verification_level);
};
