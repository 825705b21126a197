/**
 * authcorrd — Auth0 post-login Action: device verification and step-up MFA.
 *
 * Asks authcorrd's synchronous risk API (POST /v1/risk) about this login and acts on the answer:
 *   decision "allow" and the named device trusted -> no MFA; claims say the device is trusted
 *   decision "mfa", no device id, or the device not trusted
 *                                             -> api.multifactor.enable('any'); claims say why
 *   decision "deny"                           -> api.access.deny with a generic message
 *   authcorrd unreachable, slow (timeout), non-200, malformed answer, missing configuration
 *                                             -> fail closed: MFA, claim relock_error = short code
 *
 * Refresh-token exchanges are left to session-validation.js (MFA cannot be prompted there).
 *
 * Secrets (Actions -> this Action -> Secrets):
 *   AUTHCORRD_URL              base URL of authcorrd (or its TLS proxy), e.g. https://authcorrd.example.com
 *   AUTHCORRD_API_TOKEN        one of the tokens of authcorrd's [api] section
 *   AUTHCORRD_TIMEOUT_MS       optional, default 1500 (whole request, including the body)
 *   AUTHCORRD_CLAIM_NAMESPACE  optional, default "https://authcorrd.dev/"
 *
 * Device id: the optional `relock_device_id` parameter of the /authorize request (the app reads
 * it from the Relock agent and adds it to the login redirect; Auth0 passes it to the Action in
 * event.request.query), else the same name in event.request.body (form posts). Without it the
 * login always gets MFA. It is not a credential: trust comes from authcorrd's record of Relock's
 * signed webhooks for that user and device, never from this value alone. See README.md.
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
const DENY_MESSAGE = 'Sign-in was blocked by a security check. Contact your administrator.';
const REFRESH_TOKEN_PROTOCOL = 'oauth2-refresh-token';

const LEVELS = ['low', 'medium', 'high'];
const DECISIONS = ['allow', 'mfa', 'deny'];
const VERIFICATION_LEVELS = ['verified', 'failed', 'revoked', 'stale', 'none'];
const DEVICE_ID_PATTERN = /^[A-Za-z0-9._:@|+=\/-]{1,256}$/;

function isLoopbackHost(hostname) {
  const host = hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

// The risk endpoint from AUTHCORRD_URL. https only, except http to a loopback host (tests,
// a proxy on the same machine): the bearer token must not travel in clear text.
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

function pickDeviceId(event) {
  const sources = [event.request && event.request.query, event.request && event.request.body];
  for (const source of sources) {
    const value = source && typeof source === 'object' ? source.relock_device_id : undefined;
    if (typeof value === 'string' && DEVICE_ID_PATTERN.test(value)) return value;
  }
  return undefined;
}

const isInt = (v) => Number.isInteger(v);

// Checks the 200 body against the contract; returns it or null.
function validRisk(body) {
  if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
  if (!isInt(body.score) || !LEVELS.includes(body.level) || !DECISIONS.includes(body.decision)) return null;
  if (typeof body.device_trusted !== 'boolean') return null;
  if (!VERIFICATION_LEVELS.includes(body.verification_level)) return null;
  if (!Array.isArray(body.factors)) return null;
  for (const f of body.factors) {
    if (!f || typeof f.factor !== 'string' || !isInt(f.score)) return null;
  }
  if (body.device_id !== undefined && typeof body.device_id !== 'string') return null;
  return body;
}

// POST /v1/risk. Resolves to {risk} or {error: "<short code>"}; never rejects, never exposes
// the token.
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
      // Drain so the connection can be reused; the body is not used (it is not ours to show).
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

function setClaims(api, ns, claims) {
  for (const [name, value] of Object.entries(claims)) {
    if (value === undefined) continue;
    api.idToken.setCustomClaim(ns + name, value);
    api.accessToken.setCustomClaim(ns + name, value);
  }
}

function requireMfa(api) {
  api.multifactor.enable('any', { allowRememberBrowser: false });
}

exports.onExecutePostLogin = async (event, api) => {
  const protocol = event.transaction && event.transaction.protocol;
  if (protocol === REFRESH_TOKEN_PROTOCOL) return; // session-validation.js handles these

  const secrets = event.secrets || {};
  const ns = claimNamespace(secrets);
  const deviceId = pickDeviceId(event);
  const request = event.request || {};
  const sessionId = (event.session && event.session.id) || undefined;
  const riskAssessment = event.authentication && event.authentication.riskAssessment;

  const body = {
    user_id: event.user && event.user.user_id,
    ip: request.ip,
    user_agent: typeof request.user_agent === 'string' ? request.user_agent : '',
  };
  if (deviceId) body.device_id = deviceId;
  if (typeof sessionId === 'string' && sessionId !== '') body.session_id = sessionId;
  if (riskAssessment && typeof riskAssessment === 'object') body.risk_assessment = riskAssessment;

  const { risk, error } = await assessRisk(event, body);

  if (error) {
    console.log(`authcorrd: risk check failed (${error}); requiring MFA`);
    requireMfa(api);
    setClaims(api, ns, {
      relock_device_trusted: false,
      relock_mfa_reason: 'risk_check_failed',
      relock_error: error,
    });
    return;
  }

  if (risk.decision === 'deny') {
    api.access.deny(DENY_MESSAGE);
    return;
  }

  // authcorrd's trust is per user unless the query names a device: without a device id, any
  // browser of a user with a recent Relock verification would count as trusted. So MFA is
  // skipped only for a named device that authcorrd confirms as the one Relock verified.
  const deviceConfirmed = risk.device_trusted && deviceId !== undefined &&
    (risk.device_id === undefined || risk.device_id === deviceId);
  const claims = {
    relock_device_trusted: deviceConfirmed,
    relock_device_id: deviceId,
    relock_verification_level: risk.verification_level,
    relock_risk_score: risk.score,
  };
  if (risk.decision === 'allow' && deviceConfirmed) {
    setClaims(api, ns, claims);
    return;
  }
  requireMfa(api);
  claims.relock_mfa_reason = risk.decision === 'mfa' ? 'risk_score'
    : deviceId === undefined ? 'no_device_id'
      : 'device_not_trusted';
  setClaims(api, ns, claims);
};
