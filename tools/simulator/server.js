'use strict';
// HTTP(S) front of the simulator: the Auth0 endpoints (POST /oauth/token, GET /api/v2/logs),
// the Relock pull endpoint (GET /relock/events), injected faults, and the /_sim/ control API
// (control.js).

const { URL } = require('url');
const querystring = require('querystring');
const { handleControl } = require('./control');

const JSON_TYPE = 'application/json; charset=utf-8';

function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > limit) {
        reject(Object.assign(new Error(`body larger than ${limit} bytes`), { status: 413 }));
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

function json(status, obj, headers) {
  return { status, headers: Object.assign({ 'Content-Type': JSON_TYPE }, headers || {}), body: JSON.stringify(obj) };
}

function rateHeaders(rl) {
  return {
    'x-ratelimit-limit': String(rl.limit),
    'x-ratelimit-remaining': String(rl.remaining),
    'x-ratelimit-reset': String(rl.reset),
  };
}

function remoteIp(req) {
  const a = req.socket.remoteAddress || '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

function bearer(req) {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization || '');
  return m ? m[1] : null;
}

const FAULT_BODIES = {
  logs: {
    429: { statusCode: 429, error: 'Too Many Requests', message: 'Global limit has been reached' },
    500: { statusCode: 500, error: 'Internal Server Error', message: 'Internal Server Error' },
  },
  token: {
    429: { error: 'too_many_requests', error_description: 'Global limit has been reached' },
    500: { error: 'server_error', error_description: 'Internal Server Error' },
  },
  relock_events: {
    429: { success: false, error: { code: 'RATE_LIMIT_EXCEEDED', message: 'Rate limit exceeded' } },
    500: { success: false, error: { code: 'INTERNAL_ERROR', message: 'Internal server error' } },
  },
};

class Server {
  constructor(ctx) {
    this.ctx = ctx; // {opts, tenant, feed, traffic, stats, faults, world, log, logError, url}
  }

  handler() {
    return (req, res) => {
      this.route(req, res).catch((err) => {
        this.ctx.logError(`${req.method} ${req.url}: ${err.stack || err.message}`);
        if (!res.headersSent && !res.destroyed) this.write(res, json(err.status || 500, { error: 'internal', message: err.message }));
      });
    };
  }

  write(res, r) {
    if (res.destroyed || res.writableEnded) return;
    const body = Buffer.from(r.body);
    res.writeHead(r.status, Object.assign({ 'Content-Length': body.length }, r.headers));
    res.end(body);
  }

  count(status) {
    const s = this.ctx.stats.responses_by_status;
    s[status] = (s[status] || 0) + 1;
  }

  async route(req, res) {
    const u = new URL(req.url, 'http://sim.invalid');
    if (this.ctx.opts.verbose) {
      res.on('finish', () => this.ctx.log(`${req.method} ${req.url} -> ${res.statusCode}`));
    }
    const path = u.pathname;
    if (path === '/oauth/token') {
      if (req.method !== 'POST') return this.write(res, json(405, { error: 'invalid_request', error_description: 'Method not allowed' }, { Allow: 'POST' }));
      this.ctx.stats.token_requests += 1;
      return this.api('token', req, res, () => this.token(req));
    }
    if (path === '/api/v2/logs') {
      if (req.method !== 'GET') return this.write(res, json(405, { statusCode: 405, error: 'Method Not Allowed', message: 'Method not allowed' }, { Allow: 'GET' }));
      this.ctx.stats.logs_requests += 1;
      return this.api('logs', req, res, () => this.logs(req, u));
    }
    if (path === '/relock/events') {
      if (req.method !== 'GET') return this.write(res, json(405, { success: false, error: { code: 'INVALID_REQUEST', message: 'Method not allowed' } }, { Allow: 'GET' }));
      this.ctx.stats.relock_pull_requests += 1;
      return this.api('relock_events', req, res, () => this.relockEvents(req, u));
    }
    if (path.startsWith('/_sim/')) {
      const r = await handleControl(this.ctx, req, u, readBody);
      return this.write(res, r);
    }
    return this.write(res, json(404, { statusCode: 404, error: 'Not Found', message: `No route for ${req.method} ${path}` }));
  }

  // Runs an API endpoint through the fault injector. produce() -> {status, headers, body, served}
  async api(endpoint, req, res, produce) {
    const ctx = this.ctx;
    const fault = ctx.faults.take(endpoint);
    let truncate = false;
    if (fault) {
      ctx.stats.faults_applied[fault.kind] = (ctx.stats.faults_applied[fault.kind] || 0) + 1;
      if (fault.kind === 'close') {
        this.count('closed');
        req.socket.destroy();
        return;
      }
      if (fault.kind === '429') {
        const wait = fault.delay_ms > 0 ? Math.ceil(fault.delay_ms / 1000) : 2;
        const reset = Math.ceil(Date.now() / 1000) + wait;
        const headers = { 'x-ratelimit-limit': String(ctx.tenant.bucket ? ctx.tenant.bucket.capacity : 1000), 'x-ratelimit-remaining': '0', 'x-ratelimit-reset': String(reset) };
        this.count(429);
        return this.write(res, json(429, FAULT_BODIES[endpoint][429], headers));
      }
      if (fault.kind === '500') {
        this.count(500);
        const headers = endpoint === 'logs' ? rateHeaders(ctx.tenant.rateLimit()) : {};
        return this.write(res, json(500, FAULT_BODIES[endpoint][500], headers));
      }
      if (fault.kind === 'slow') await new Promise((r) => setTimeout(r, fault.delay_ms));
      if (fault.kind === 'truncate') truncate = true;
    }
    if (res.destroyed) {
      this.count('closed');
      return;
    }
    const r = await produce();
    this.count(r.status);
    if (!truncate) {
      if (r.served) ctx.stats.logs_served += r.served;
      if (r.relockServed) ctx.stats.relock_events_served += r.relockServed;
      return this.write(res, r);
    }
    // Full Content-Length, half the bytes, then the connection drops.
    const body = Buffer.from(r.body);
    res.writeHead(r.status, Object.assign({}, r.headers, { 'Content-Length': body.length }));
    res.write(body.subarray(0, Math.floor(body.length / 2)), () => {
      res.socket && res.socket.destroy();
    });
  }

  // ---- POST /oauth/token ----
  async token(req) {
    const ctx = this.ctx;
    const raw = (await readBody(req, 64 * 1024)).toString('utf8');
    const type = (req.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
    let params;
    try {
      if (type === 'application/x-www-form-urlencoded') params = querystring.parse(raw);
      else if (type === 'application/json' || raw.trim().startsWith('{')) params = JSON.parse(raw);
      else params = querystring.parse(raw);
      if (params === null || typeof params !== 'object' || Array.isArray(params)) throw new Error('not an object');
    } catch (_) {
      return json(400, { error: 'invalid_request', error_description: 'Invalid request body' });
    }
    let clientId = params.client_id;
    let clientSecret = params.client_secret;
    const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization || '');
    if (basic) {
      const [id, ...rest] = Buffer.from(basic[1], 'base64').toString().split(':');
      clientId = decodeURIComponent(id);
      clientSecret = decodeURIComponent(rest.join(':'));
    }
    const audience = params.audience;
    const failLog = (description) => ctx.world.emitAuth0({
      type: 'feccft', description, client_id: typeof clientId === 'string' ? clientId : '',
      client_name: '', audience: typeof audience === 'string' ? audience : '', connection_id: '',
      ip: remoteIp(req), user_agent: req.headers['user-agent'] || '', user_id: '', user_name: '',
    });
    if (!params.grant_type) return json(400, { error: 'invalid_request', error_description: 'Missing required parameter: grant_type' });
    if (params.grant_type !== 'client_credentials') {
      return json(403, { error: 'unauthorized_client', error_description: `Grant type '${params.grant_type}' not allowed for the client.` });
    }
    if (clientId !== ctx.opts.clientId || clientSecret !== ctx.opts.clientSecret) {
      failLog('Unauthorized');
      return json(401, { error: 'access_denied', error_description: 'Unauthorized' });
    }
    const host = req.headers.host;
    const scheme = ctx.opts.tlsCert ? 'https' : 'http';
    const accepted = [`${ctx.url}/api/v2/`, host ? `${scheme}://${host}/api/v2/` : null];
    if (!accepted.includes(audience)) {
      const description = `Service not enabled within domain: ${audience === undefined ? '' : audience}`;
      failLog(description);
      return json(403, { error: 'access_denied', error_description: description });
    }
    const token = ctx.tenant.issueToken();
    ctx.stats.tokens_issued += 1;
    ctx.world.emitAuth0({
      type: 'seccft', description: '', client_id: clientId, client_name: ctx.tenant.m2mName,
      audience, scope: 'read:logs', connection_id: '', ip: remoteIp(req),
      user_agent: req.headers['user-agent'] || '', user_id: '', user_name: '',
    });
    return json(200, { access_token: token, expires_in: ctx.opts.tokenTtl, scope: 'read:logs', token_type: 'Bearer' },
      { 'Cache-Control': 'no-store', Pragma: 'no-cache' });
  }

  // ---- GET /api/v2/logs ----
  logs(req, u) {
    const ctx = this.ctx;
    const rl = ctx.tenant.rateLimit();
    const headers = rateHeaders(rl);
    if (!rl.ok) return json(429, FAULT_BODIES.logs[429], headers);
    const tok = bearer(req);
    if (!tok) return json(401, { statusCode: 401, error: 'Unauthorized', message: 'Missing authentication' }, headers);
    const state = ctx.tenant.checkToken(tok);
    if (state === 'invalid') return json(401, { statusCode: 401, error: 'Unauthorized', message: 'Invalid token' }, headers);
    if (state === 'expired') return json(401, { statusCode: 401, error: 'Unauthorized', message: 'Expired token received for JSON Web Token validation' }, headers);
    const q = u.searchParams;
    const bad = (message) => json(400, { statusCode: 400, error: 'Bad Request', message, errorCode: 'invalid_query_string' }, headers);
    const intParam = (name, def, lo, hi) => {
      if (!q.has(name)) return def;
      const v = q.get(name);
      if (!/^\d+$/.test(v)) return { error: `Query validation error: 'Expected type integer but found type string' on property ${name}.` };
      const n = Number(v);
      if (n < lo) return { error: `Query validation error: 'Value must be ${lo} or more' on property ${name}.` };
      if (n > hi) return { error: `Query validation error: 'Value must be ${hi} or less' on property ${name}.` };
      return n;
    };
    if (q.has('from')) {
      // Checkpoint mode: logs with log_id > from, in log_id order; every other parameter but
      // take is ignored.
      const from = q.get('from');
      if (!/^\d{0,64}$/.test(from)) return bad("Query validation error: 'String does not match pattern ^\\d+$' on property from.");
      const take = intParam('take', 50, 1, 100);
      if (typeof take === 'object') return bad(take.error);
      const rows = ctx.tenant.checkpointPage(from, take);
      const next = rows.length > 0
        ? `${ctx.url}/api/v2/logs?from=${rows[rows.length - 1].log_id}&take=${take}`
        : `${ctx.url}${req.url}`;
      headers.Link = `<${next}>; rel="next"`;
      const r = json(200, rows.map((l) => ctx.tenant.apiRow(l)), headers);
      r.served = rows.length;
      return r;
    }
    // Search mode: page/per_page over the logs sorted by date (first 1000 results only).
    const sort = q.has('sort') ? q.get('sort') : 'date:-1';
    if (sort !== 'date:1' && sort !== 'date:-1') return bad(`Query validation error: 'Value does not match pattern' on property sort (${sort}).`);
    const page = intParam('page', 0, 0, 1000);
    if (typeof page === 'object') return bad(page.error);
    const perPage = intParam('per_page', 50, 1, 100);
    if (typeof perPage === 'object') return bad(perPage.error);
    if ((page + 1) * perPage > 1000) return bad('You can only page through the first 1000 records.');
    const { total, rows } = ctx.tenant.searchPage(sort === 'date:1' ? 1 : -1, page, perPage);
    const list = rows.map((l) => ctx.tenant.apiRow(l));
    const body = q.get('include_totals') === 'true'
      ? { start: page * perPage, limit: perPage, length: list.length, total: Math.min(total, 1000), logs: list }
      : list;
    const r = json(200, body, headers);
    r.served = rows.length;
    return r;
  }

  // ---- GET /relock/events ----
  relockEvents(req, u) {
    const ctx = this.ctx;
    const meta = () => ({ timestamp: new Date().toISOString(), requestId: `req_${Math.random().toString(36).slice(2, 12)}` });
    if (bearer(req) !== ctx.opts.relockApiKey) {
      return json(401, { success: false, error: { code: 'INVALID_API_KEY', message: 'Invalid API key' }, meta: meta() });
    }
    const q = u.searchParams;
    let limit = 100;
    if (q.has('limit')) {
      const v = q.get('limit');
      if (!/^\d+$/.test(v) || Number(v) < 1 || Number(v) > 1000) {
        return json(400, { success: false, error: { code: 'INVALID_REQUEST', message: 'limit must be an integer from 1 to 1000' }, meta: meta() });
      }
      limit = Number(v);
    }
    const page = ctx.feed.page(q.get('cursor'), limit);
    if (!page) return json(400, { success: false, error: { code: 'INVALID_REQUEST', message: 'Invalid cursor' }, meta: meta() });
    const r = json(200, page);
    r.relockServed = page.data.length;
    return r;
  }
}

module.exports = { Server, readBody, json };
