'use strict';
// The fake Auth0 tenant: the tenant log (ids, objects, checkpoint and search reads), the
// client-credentials tokens and the /api/v2/logs rate-limit bucket.

const crypto = require('crypto');
const { parsedUserAgent, isMobileUserAgent } = require('./population');

const ID_COUNTER_DIGITS = 39;
const DEFAULT_IP = '198.51.100.1';
const DEFAULT_USER_AGENT = 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0';
// Types that happen on the tenant's login connection (get connection/client defaults).
const LOGIN_TYPES = new Set(['s', 'f', 'fp', 'fu', 'fc', 'fco', 'fcoa', 'fens', 'scoa', 'sens',
  'sdel', 'ss', 'fs', 'slo', 'flo', 'ssa', 'fsa', 'w', 'scv', 'limit_wc', 'limit_mu', 'pwd_leak']); // "900" + 14 timestamp digits + 39 = 56 digits, as observed

function compactUtc(ms) {
  // YYYYMMDDhhmmss of a UTC instant.
  return new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}

function sortedKeys(obj) {
  const out = {};
  for (const k of Object.keys(obj).sort()) out[k] = obj[k];
  return out;
}

// Parses "10/1s", "100/1m", "2/s", "50/500ms" into {capacity, periodMs}.
function parseRateLimit(text) {
  const m = /^(\d+)\/(\d*(?:\.\d+)?)(ms|s|m|min|h)$/.exec(String(text).trim());
  if (!m) return null;
  const capacity = Number(m[1]);
  const amount = m[2] === '' ? 1 : Number(m[2]);
  const unit = { ms: 1, s: 1000, m: 60000, min: 60000, h: 3600000 }[m[3]];
  const periodMs = amount * unit;
  if (!(capacity >= 1) || !(periodMs > 0)) return null;
  return { capacity, periodMs };
}

// Token bucket: holds at most `capacity` requests, refilled continuously at capacity/period.
class TokenBucket {
  constructor(capacity, periodMs, clock) {
    this.capacity = capacity;
    this.ratePerMs = capacity / periodMs;
    this.tokens = capacity;
    this.clock = clock;
    this.last = clock();
  }
  refill() {
    const now = this.clock();
    this.tokens = Math.min(this.capacity, this.tokens + (now - this.last) * this.ratePerMs);
    this.last = now;
    return now;
  }
  // Takes one request if available. Returns the x-ratelimit-* values either way.
  take() {
    const now = this.refill();
    let ok = false;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      ok = true;
    }
    const remaining = Math.floor(this.tokens);
    // When the next whole request becomes available (epoch seconds, rounded up).
    const missing = remaining >= this.capacity ? 0 : 1 - (this.tokens - remaining);
    const resetMs = now + missing / this.ratePerMs;
    return { ok, limit: this.capacity, remaining, reset: Math.ceil(resetMs / 1000) };
  }
}

class Tenant {
  constructor(opts) {
    this.name = opts.tenant;
    this.hostname = `${opts.tenant}.us.auth0.com`;
    this.clientId = opts.clientId;
    this.clientSecret = opts.clientSecret;
    this.tokenTtl = opts.tokenTtl;
    this.pullUserAgent = opts.pullUserAgent; // 'raw' | 'parsed'
    // --auth0-delivery stream: events go to the Log Stream only, /api/v2/logs stays empty.
    this.keepForPull = opts.keepForPull !== false;
    this.clock = opts.clock || Date.now;
    this.rng = opts.rng;
    this.logs = []; // canonical log objects in log_id order
    this.counter = 0;
    this.lastStamp = '';
    this.listeners = [];
    this.tokens = new Map(); // access token -> expiry (ms)
    this.bucket = opts.rateLimit
      ? new TokenBucket(opts.rateLimit.capacity, opts.rateLimit.periodMs, this.clock)
      : null;
    // The regular login application and database connection of the tenant.
    this.app = { client_id: this.rng.alnum(32), client_name: 'Acme Portal' };
    this.m2mName = 'authcorrd';
    this.connection = { name: 'Username-Password-Authentication', id: `con_${this.rng.alnum(16)}` };
    this.eventsByType = {};
  }

  onAppend(fn) {
    this.listeners.push(fn);
  }

  // Next log id: "900" + UTC timestamp of the emission + a 39-digit increasing counter. The
  // timestamp part never goes backwards, so ids are strictly increasing in emission order.
  nextLogId(nowMs) {
    let stamp = compactUtc(nowMs);
    if (stamp < this.lastStamp) stamp = this.lastStamp;
    this.lastStamp = stamp;
    this.counter += 1;
    return `900${stamp}${String(this.counter).padStart(ID_COUNTER_DIGITS, '0')}`;
  }

  // Defaults of a login-ish event for `user` (may be undefined).
  userDefaults(user, type) {
    const base = {};
    if (user || LOGIN_TYPES.has(type)) {
      Object.assign(base, {
        connection: this.connection.name,
        connection_id: this.connection.id,
        client_id: this.app.client_id,
        client_name: this.app.client_name,
        strategy: 'auth0',
        strategy_type: 'database',
      });
    }
    if (user) {
      base.user_id = user.user_id;
      base.user_name = user.email;
      base.ip = user.ip;
      base.user_agent = user.user_agent;
    }
    base.description = defaultDescription(type);
    return base;
  }

  // Appends one event. `fields` is a partial log object (at least `type`); missing members get
  // defaults. Returns the canonical object (raw user agent, no `_id`).
  append(fields, user) {
    const now = this.clock();
    const log = {};
    const type = fields.type;
    const date = fields.date !== undefined ? fields.date : new Date(now).toISOString();
    log.date = date;
    log.type = type;
    Object.assign(log, this.userDefaults(user, type));
    // Defaults for a user the population does not know (control API injections).
    if (log.ip === undefined) log.ip = DEFAULT_IP;
    if (log.user_agent === undefined) log.user_agent = DEFAULT_USER_AGENT;
    if (log.user_id === undefined) log.user_id = '';
    if (log.user_name === undefined) log.user_name = '';
    for (const [k, v] of Object.entries(fields)) {
      if (k === 'log_id' || k === '_id') continue;
      log[k] = v;
    }
    if (log.details === undefined) log.details = defaultDetails(type, this.rng);
    if (log.hostname === undefined) log.hostname = this.hostname;
    if (log.isMobile === undefined && log.user_agent) log.isMobile = isMobileUserAgent(log.user_agent);
    if (log.tenant_name === undefined) log.tenant_name = this.name;
    log.log_id = this.nextLogId(now);
    if (this.keepForPull) this.logs.push(log);
    this.eventsByType[type] = (this.eventsByType[type] || 0) + 1;
    for (const fn of this.listeners) fn(log);
    return log;
  }

  // A row as GET /api/v2/logs returns it.
  apiRow(log) {
    const row = Object.assign({}, log, { _id: log.log_id });
    if (this.pullUserAgent === 'parsed' && typeof log.user_agent === 'string') {
      row.user_agent = parsedUserAgent(log.user_agent);
    }
    return sortedKeys(row);
  }

  // A Log Streams envelope.
  streamItem(log) {
    return { log_id: log.log_id, data: log };
  }

  // Index of the first log with log_id > from (ids are fixed-width digit strings).
  indexAfter(from) {
    let lo = 0;
    let hi = this.logs.length;
    const key = BigInt(from);
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (BigInt(this.logs[mid].log_id) <= key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  checkpointPage(from, take) {
    const start = from === '' ? 0 : this.indexAfter(from);
    return this.logs.slice(start, start + take);
  }

  searchPage(sortDir, page, perPage) {
    const sorted = this.logs.slice().sort((a, b) => {
      const d = a.date < b.date ? -1 : a.date > b.date ? 1 : 0;
      if (d !== 0) return d * sortDir;
      return (a.log_id < b.log_id ? -1 : 1) * sortDir;
    });
    return { total: sorted.length, rows: sorted.slice(page * perPage, page * perPage + perPage) };
  }

  // ---- tokens ----
  issueToken() {
    const now = this.clock();
    for (const [tok, exp] of this.tokens) if (exp < now - 3600 * 1000) this.tokens.delete(tok);
    const token = crypto.randomBytes(32).toString('base64url');
    this.tokens.set(token, now + this.tokenTtl * 1000);
    return token;
  }
  // 'ok' | 'expired' | 'invalid'
  checkToken(token) {
    const exp = this.tokens.get(token);
    if (exp === undefined) return 'invalid';
    return exp > this.clock() ? 'ok' : 'expired';
  }
  expireAllTokens() {
    const now = this.clock();
    let n = 0;
    for (const tok of this.tokens.keys()) {
      this.tokens.set(tok, now - 1);
      n += 1;
    }
    return n;
  }

  // x-ratelimit-* for a request; consumes one request from the bucket when one is configured.
  rateLimit() {
    if (this.bucket) return this.bucket.take();
    return { ok: true, limit: 1000, remaining: 1000, reset: Math.ceil(this.clock() / 1000) };
  }
}

function defaultDescription(type) {
  switch (type) {
    case 's': return 'Successful login';
    case 'fp': return 'Wrong email or password.';
    case 'fu': return 'Wrong email or password.';
    case 'slo': return 'User successfully logged out.';
    case 'seccft': return '';
    default: return '';
  }
}

function defaultDetails(type, rng) {
  switch (type) {
    case 's':
    case 'ssa':
      return { prompts: [], session_id: rng.token(32), stats: { loginsCount: 1 } };
    case 'fp':
    case 'fu':
      return { error: { message: 'Wrong email or password.' } };
    case 'f':
      return { error: { message: 'Login failed' } };
    default:
      return {};
  }
}

module.exports = { Tenant, TokenBucket, parseRateLimit, compactUtc };
