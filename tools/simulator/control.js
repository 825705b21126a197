'use strict';
// The /_sim/ control API (for tests and demos) and the fault injector it configures.

const FAULT_ENDPOINTS = ['logs', 'token', 'relock_events'];
const FAULT_KINDS = ['429', '500', 'slow', 'truncate', 'expire_token', 'close'];

class Faults {
  constructor() {
    this.queues = {};
    for (const e of FAULT_ENDPOINTS) this.queues[e] = [];
  }
  add(endpoint, kind, count, delayMs) {
    this.queues[endpoint].push({ kind, remaining: count, delay_ms: delayMs });
  }
  // The fault for the next request to `endpoint`, or null.
  take(endpoint) {
    const q = this.queues[endpoint];
    if (!q || q.length === 0) return null;
    const f = q[0];
    f.remaining -= 1;
    if (f.remaining <= 0) q.shift();
    return f;
  }
  remaining() {
    const out = {};
    for (const e of FAULT_ENDPOINTS) out[e] = this.queues[e].reduce((n, f) => n + f.remaining, 0);
    return out;
  }
  list() {
    const out = {};
    for (const e of FAULT_ENDPOINTS) out[e] = this.queues[e].map((f) => ({ kind: f.kind, remaining: f.remaining, delay_ms: f.delay_ms }));
    return out;
  }
  clear() {
    for (const e of FAULT_ENDPOINTS) this.queues[e] = [];
  }
}

function newStats() {
  return {
    started_at: new Date().toISOString(),
    tokens_issued: 0,
    token_requests: 0,
    logs_requests: 0,
    logs_served: 0,
    relock_pull_requests: 0,
    relock_events_served: 0,
    responses_by_status: {},
    faults_applied: {},
    auth0_events: 0,
    relock_events: 0,
    webhook_deliveries_ok: 0,
    webhook_deliveries_failed: 0,
    webhook_deliveries_attempts: 0,
    webhook_deliveries_dropped: 0,
    stream_deliveries_ok: 0,
    stream_deliveries_failed: 0,
    stream_deliveries_attempts: 0,
    stream_deliveries_dropped: 0,
  };
}

function json(status, obj) {
  return { status, headers: { 'Content-Type': 'application/json; charset=utf-8' }, body: JSON.stringify(obj) };
}

function bad(message) {
  return json(400, { error: 'bad_request', message });
}

async function readJson(req, readBody) {
  const raw = (await readBody(req, 10 * 1024 * 1024)).toString('utf8');
  try {
    return { value: JSON.parse(raw) };
  } catch (err) {
    return { error: `body is not JSON: ${err.message}` };
  }
}

function isObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

async function handleControl(ctx, req, u, readBody) {
  const route = `${req.method} ${u.pathname}`;
  switch (route) {
    case 'GET /_sim/stats':
      return json(200, stats(ctx));
    case 'GET /_sim/expected':
      return json(200, ctx.traffic.expected);
    case 'GET /_sim/users':
      return json(200, ctx.population.users.map((user) => ctx.population.describe(user)));
    case 'GET /_sim/faults':
      return json(200, ctx.faults.list());
    case 'DELETE /_sim/faults':
      ctx.faults.clear();
      return json(200, { faults_remaining: ctx.faults.remaining() });
    case 'POST /_sim/faults':
      return postFaults(ctx, await readJson(req, readBody));
    case 'POST /_sim/auth0/logs':
      return postAuth0Logs(ctx, await readJson(req, readBody));
    case 'POST /_sim/relock/events':
      return postRelockEvents(ctx, await readJson(req, readBody));
    case 'POST /_sim/traffic':
      return postTraffic(ctx, await readJson(req, readBody));
    default:
      return json(404, { error: 'not_found', message: `No control route for ${route}` });
  }
}

function stats(ctx) {
  const s = Object.assign({}, ctx.stats);
  s.faults_remaining = ctx.faults.remaining();
  s.auth0_events_by_type = ctx.tenant.eventsByType;
  s.auth0_logs_stored = ctx.tenant.logs.length;
  s.relock_events_by_name = ctx.feed.byName;
  s.scenarios_played = ctx.traffic.expected.length;
  s.rate = ctx.traffic.rate;
  s.scenarios = ctx.traffic.scenarios;
  s.flows_in_flight = ctx.traffic.inflight;
  s.webhook_backlog = ctx.world.relockQueue ? ctx.world.relockQueue.backlog() : 0;
  s.stream_backlog = (ctx.world.streamQueue ? ctx.world.streamQueue.backlog() : 0) +
    (ctx.world.streamBatcher ? ctx.world.streamBatcher.buffer.length : 0);
  s.users = ctx.population.users.length;
  s.tokens_valid = Array.from(ctx.tenant.tokens.keys()).filter((t) => ctx.tenant.checkToken(t) === 'ok').length;
  return s;
}

function postFaults(ctx, body) {
  if (body.error) return bad(body.error);
  const list = Array.isArray(body.value) ? body.value : [body.value];
  const checked = [];
  for (const f of list) {
    if (!isObject(f)) return bad('a fault is an object {endpoint, kind, count, delay_ms}');
    const kind = String(f.kind);
    if (!FAULT_KINDS.includes(kind)) return bad(`kind must be one of ${FAULT_KINDS.join(', ')}`);
    if (kind !== 'expire_token' && !FAULT_ENDPOINTS.includes(f.endpoint)) return bad(`endpoint must be one of ${FAULT_ENDPOINTS.join(', ')}`);
    const count = f.count === undefined ? 1 : f.count;
    if (!Number.isInteger(count) || count < 1) return bad('count must be a positive integer');
    const delay = f.delay_ms === undefined ? (kind === 'slow' ? 2000 : 0) : f.delay_ms;
    if (!Number.isFinite(delay) || delay < 0) return bad('delay_ms must be a non-negative number');
    checked.push({ endpoint: f.endpoint, kind, count, delay });
  }
  const out = {};
  for (const f of checked) {
    if (f.kind === 'expire_token') {
      out.expired_tokens = (out.expired_tokens || 0) + ctx.tenant.expireAllTokens();
      ctx.log('fault: every issued token expired now');
    } else {
      ctx.faults.add(f.endpoint, f.kind, f.count, f.delay);
      ctx.log(`fault: next ${f.count} request(s) to ${f.endpoint} -> ${f.kind}${f.kind === 'slow' || f.kind === '429' ? ` (${f.delay} ms)` : ''}`);
    }
  }
  out.faults_remaining = ctx.faults.remaining();
  return json(200, out);
}

async function postAuth0Logs(ctx, body) {
  if (body.error) return bad(body.error);
  const list = Array.isArray(body.value) ? body.value : [body.value];
  for (const [i, item] of list.entries()) {
    if (!isObject(item)) return bad(`item ${i}: expected an object`);
    if (typeof item.type !== 'string' || item.type === '') return bad(`item ${i}: "type" (string) is required`);
    if (typeof item.user_id !== 'string') return bad(`item ${i}: "user_id" (string, may be "") is required`);
    if (item.date !== undefined && typeof item.date !== 'string') return bad(`item ${i}: "date" must be a string`);
  }
  const ids = [];
  for (const item of list) {
    const user = ctx.population.get(item.user_id);
    ids.push(ctx.world.emitAuth0(item, user).log_id);
  }
  const out = { log_ids: ids };
  if (ctx.world.streamBatcher) out.streamed = await ctx.world.streamBatcher.flush();
  return json(200, out);
}

async function postRelockEvents(ctx, body) {
  if (body.error) return bad(body.error);
  const list = Array.isArray(body.value) ? body.value : [body.value];
  for (const [i, item] of list.entries()) {
    if (!isObject(item)) return bad(`item ${i}: expected an object {event, data}`);
    if (typeof item.event !== 'string' || item.event === '') return bad(`item ${i}: "event" (string) is required`);
    if (item.data !== undefined && !isObject(item.data)) return bad(`item ${i}: "data" must be an object`);
  }
  const results = list.map((item) => ctx.world.emitRelockTracked(item));
  const oks = await Promise.all(results.map((r) => r.delivery));
  return json(200, {
    delivered: oks.filter((ok) => ok === true).length,
    pushed: ctx.world.relockQueue ? list.length : 0,
    events: results.map((r) => r.stored),
  });
}

async function postTraffic(ctx, body) {
  if (body.error) return bad(body.error);
  const v = body.value;
  if (!isObject(v)) return bad('expected {"rate": n}, {"scenarios": list} or {"scenario": name}');
  const out = {};
  if (v.rate !== undefined) {
    if (typeof v.rate !== 'number' || !Number.isFinite(v.rate) || v.rate < 0) return bad('rate must be a non-negative number');
    ctx.traffic.setRate(v.rate);
    ctx.log(`background rate now ${v.rate}/s`);
    out.rate = v.rate;
  }
  const { SCENARIOS } = require('./traffic');
  if (v.scenarios !== undefined) {
    let list = v.scenarios;
    if (list === 'all') list = SCENARIOS.slice();
    else if (list === 'none') list = [];
    else if (typeof list === 'string') list = list.split(',').map((x) => x.trim()).filter(Boolean);
    if (!Array.isArray(list) || !list.every((x) => SCENARIOS.includes(x))) {
      return bad(`scenarios must be "all", "none" or a list of ${SCENARIOS.join(', ')}`);
    }
    ctx.traffic.setScenarios(Array.from(new Set(list)));
    ctx.log(`periodic scenarios now: ${list.join(',') || 'none'}`);
    out.scenarios = ctx.traffic.scenarios;
  }
  if (v.scenario !== undefined) {
    if (!SCENARIOS.includes(v.scenario)) return bad(`scenario must be one of ${SCENARIOS.join(', ')}`);
    const playing = ctx.traffic.play(v.scenario);
    if (v.wait === false) {
      playing.catch((err) => ctx.logError(`scenario ${v.scenario}: ${err.message}`));
      out.expected = ctx.traffic.expected[ctx.traffic.expected.length - 1];
    } else {
      out.expected = await playing;
      // Let the pushes of the play's last events reach the daemon before answering.
      if (ctx.world.streamBatcher) await ctx.world.streamBatcher.flush();
      await ctx.world.relockIdle();
    }
  }
  if (Object.keys(out).length === 0) return bad('expected {"rate": n}, {"scenarios": list} and/or {"scenario": name}');
  return json(200, out);
}

module.exports = { handleControl, Faults, newStats, FAULT_ENDPOINTS, FAULT_KINDS };
