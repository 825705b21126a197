// Runs Auth0 post-login Actions outside Auth0: an `event` shaped like Auth0's documented
// post-login event object and an `api` object that records every call (and, like Auth0,
// rejects what Auth0 rejects: unknown MFA providers, non-namespaced custom claims, calls after
// api.access.deny). Also fake risk servers for the failure paths. Node built-ins only.
//
// Auth0 references: .../login-trigger/post-login-event-object and .../post-login-api-object
// (see /work/shared/reference/auth0.md §8).
import { createRequire } from 'node:module';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../../..');
export const actionsDir = path.join(repoRoot, 'etc/auth0-actions');
const require = createRequire(import.meta.url);

// require()s an Action file freshly (no module cache), as Auth0 loads it: CommonJS.
export function loadAction(name) {
  const file = path.join(actionsDir, name);
  delete require.cache[require.resolve(file)];
  return require(file);
}

// Providers api.multifactor.enable accepts (auth0.md §8).
export const MFA_PROVIDERS = ['any', 'guardian', 'google-authenticator', 'duo', 'none'];

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function merge(base, overrides) {
  if (!isPlainObject(overrides)) return overrides;
  const out = { ...base };
  for (const [k, v] of Object.entries(overrides)) {
    // `undefined` removes the member (e.g. { session: undefined }).
    if (v === undefined) delete out[k];
    else out[k] = isPlainObject(v) && isPlainObject(base?.[k]) ? merge(base[k], v) : v;
  }
  return out;
}

// A post-login event for an interactive login. `overrides` is merged deeply.
export function makeEvent(overrides = {}) {
  const now = new Date();
  const base = {
    authentication: {
      methods: [{ name: 'pwd', timestamp: now.toISOString() }],
      riskAssessment: {
        confidence: 'high',
        version: '1',
        assessments: {
          NewDevice: { confidence: 'high', code: 'match', details: { device: 'known', useragent: 'known' } },
          ImpossibleTravel: { confidence: 'high', code: 'minimal_travel_from_last_login' },
          UntrustedIP: { confidence: 'high', code: 'not_found_on_deny_list' },
        },
      },
    },
    authorization: { roles: [] },
    client: { client_id: 'test-client-id', name: 'Test App', metadata: {} },
    connection: { id: 'con_test', name: 'Username-Password-Authentication', strategy: 'auth0', metadata: {} },
    request: {
      ip: '198.51.100.10',
      user_agent: 'Mozilla/5.0 (X11; Linux x86_64) Test/1.0',
      hostname: 'tenant.eu.auth0.com',
      language: 'en',
      method: 'GET',
      asn: '64496',
      query: {},
      body: {},
      geoip: {
        cityName: 'Amsterdam', continentCode: 'EU', countryCode: 'NL', countryCode3: 'NLD',
        countryName: 'Netherlands', latitude: 52.37, longitude: 4.89, subdivisionCode: 'NH',
        subdivisionName: 'North Holland', timeZone: 'Europe/Amsterdam',
      },
    },
    resource_server: { identifier: 'https://api.example.com/' },
    secrets: {},
    session: { id: 'sess-default' },
    stats: { logins_count: 5 },
    tenant: { id: 'test-tenant' },
    transaction: {
      id: 'txn-1', protocol: 'oidc-basic-profile', requested_scopes: ['openid', 'profile', 'offline_access'],
      locale: 'en', redirect_uri: 'https://app.example.com/callback', response_type: ['code'],
    },
    user: {
      user_id: 'auth0|default', email: 'user@example.com', email_verified: true,
      app_metadata: {}, user_metadata: {}, identities: [], multifactor: [],
      created_at: '2024-01-01T00:00:00.000Z', updated_at: now.toISOString(),
    },
  };
  return merge(base, overrides);
}

// A post-login event for a refresh-token exchange (no browser, no MFA possible).
export function makeRefreshEvent(overrides = {}) {
  return makeEvent(merge({
    transaction: { protocol: 'oauth2-refresh-token', response_type: [], redirect_uri: undefined },
    authentication: { methods: [{ name: 'pwd', timestamp: new Date(Date.now() - 3600e3).toISOString() }] },
    refresh_token: { id: 'rt-1', session_id: 'sess-default', client_id: 'test-client-id' },
  }, overrides));
}

// The recording `api`. `calls` lists every call in order as {method, args}.
export function makeApi() {
  const calls = [];
  let denied = false;
  const record = (method, args) => {
    if (denied) throw new Error(`api.${method} called after api.access.deny`);
    calls.push({ method, args });
  };
  const claimSetter = (method) => (name, value) => {
    if (typeof name !== 'string' || !/^https?:\/\/[^\s/]+\/./.test(name)) {
      throw new Error(`${method}: claim "${name}" is not namespaced (https://host/name)`);
    }
    record(method, [name, value]);
    return api;
  };
  const api = {
    access: {
      deny(reason) {
        if (typeof reason !== 'string' || reason === '') throw new Error('api.access.deny needs a reason');
        record('access.deny', [reason]);
        denied = true;
        return api;
      },
    },
    accessToken: {
      setCustomClaim: claimSetter('accessToken.setCustomClaim'),
      addScope(scope) { record('accessToken.addScope', [scope]); return api; },
      removeScope(scope) { record('accessToken.removeScope', [scope]); return api; },
    },
    idToken: { setCustomClaim: claimSetter('idToken.setCustomClaim') },
    multifactor: {
      enable(provider, options) {
        if (!MFA_PROVIDERS.includes(provider)) throw new Error(`api.multifactor.enable: unknown provider "${provider}"`);
        record('multifactor.enable', [provider, options]);
        return api;
      },
    },
    authentication: {
      challengeWith(factor, options) { record('authentication.challengeWith', [factor, options]); return api; },
      challengeWithAny(factors) { record('authentication.challengeWithAny', [factors]); return api; },
      recordMethod(url) { record('authentication.recordMethod', [url]); return api; },
    },
    user: {
      setAppMetadata(k, v) { record('user.setAppMetadata', [k, v]); return api; },
      setUserMetadata(k, v) { record('user.setUserMetadata', [k, v]); return api; },
    },
    redirect: {
      sendUserTo(url, options) { record('redirect.sendUserTo', [url, options]); return api; },
      encodeToken(options) { record('redirect.encodeToken', [options]); return 'token'; },
      validateToken(options) { record('redirect.validateToken', [options]); return {}; },
    },
    session: { revoke(reason, options) { record('session.revoke', [reason, options]); return api; } },
    refreshToken: { revoke(reason) { record('refreshToken.revoke', [reason]); return api; } },
    cache: {
      get() { return undefined; },
      set(k, v) { record('cache.set', [k, v]); return { type: 'success' }; },
      delete(k) { record('cache.delete', [k]); return { type: 'success' }; },
    },
  };
  return { api, calls };
}

// Runs `action.onExecutePostLogin(event, api)` with console output captured. Resolves to a
// summary of what the Action did.
export async function runAction(action, event) {
  const { api, calls } = makeApi();
  const logs = [];
  const saved = {};
  for (const level of ['log', 'info', 'warn', 'error', 'debug']) {
    saved[level] = console[level];
    console[level] = (...args) => logs.push(args.map(String).join(' '));
  }
  const started = performance.now();
  let thrown;
  try {
    await action.onExecutePostLogin(event, api);
  } catch (error) {
    thrown = error;
  } finally {
    Object.assign(console, saved);
  }
  const elapsedMs = performance.now() - started;
  if (thrown) throw thrown;
  return summarize(calls, logs, elapsedMs);
}

function summarize(calls, logs, elapsedMs) {
  const claims = (method) =>
    Object.fromEntries(calls.filter((c) => c.method === method).map((c) => [c.args[0], c.args[1]]));
  const mfa = calls.filter((c) => c.method === 'multifactor.enable');
  const deny = calls.filter((c) => c.method === 'access.deny');
  return {
    calls,
    logs,
    elapsedMs,
    mfa: mfa.map((c) => ({ provider: c.args[0], options: c.args[1] })),
    denied: deny.length > 0,
    denyReasons: deny.map((c) => c.args[0]),
    idClaims: claims('idToken.setCustomClaim'),
    accessClaims: claims('accessToken.setCustomClaim'),
  };
}

// Claims without the namespace prefix.
export function stripNamespace(claims, ns = 'https://authcorrd.dev/') {
  return Object.fromEntries(Object.entries(claims).map(([k, v]) => [k.startsWith(ns) ? k.slice(ns.length) : k, v]));
}

// A local HTTP server standing in for authcorrd. `handler(req, bodyText, res)` answers; each
// request is recorded as {method, url, headers, body}.
export async function startFakeServer(handler) {
  const requests = [];
  const sockets = new Set();
  const server = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      requests.push({ method: req.method, url: req.url, headers: req.headers, body });
      handler(req, body, res);
    });
  });
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)); });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    requests,
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

// A TCP server that accepts connections and never answers (a hung authcorrd).
export async function startSilentServer() {
  const sockets = new Set();
  let accepted = 0;
  const server = net.createServer((s) => {
    accepted += 1;
    sockets.add(s);
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    get accepted() { return accepted; },
    async stop() {
      for (const s of sockets) s.destroy();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

// A JSON risk answer as the contract describes it, with `overrides`.
export function riskAnswer(overrides = {}) {
  return {
    score: 0, level: 'low', factors: [], recommendations: [], decision: 'allow',
    device_trusted: true, device_id: 'dev-1', verification_level: 'verified', ...overrides,
  };
}
