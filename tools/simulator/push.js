'use strict';
// Outbound deliveries: Relock webhooks and Auth0 Log Streams POSTs, each retried up to 3
// attempts on a non-2xx answer, a connection error or a timeout, with a short backoff.
// Deliveries to one target go one at a time, in emission order.

const http = require('http');
const https = require('https');
const fs = require('fs');
const { URL } = require('url');

const ATTEMPTS = 3;
const BACKOFF_MS = [100, 300];
const MAX_PENDING = 10000;

// One POST. Resolves {status} or rejects with an Error (connection error, timeout).
function postOnce(url, body, headers, { timeoutMs, tls }) {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const mod = u.protocol === 'https:' ? https : http;
    const opts = {
      method: 'POST',
      headers: Object.assign({ 'Content-Length': Buffer.byteLength(body) }, headers),
      agent: false,
    };
    if (u.protocol === 'https:') Object.assign(opts, tls);
    let done = false;
    const req = mod.request(u, opts, (res) => {
      res.on('data', () => {});
      res.on('end', () => {
        if (!done) {
          done = true;
          resolve({ status: res.statusCode });
        }
      });
      res.on('error', (err) => {
        if (!done) {
          done = true;
          reject(err);
        }
      });
    });
    req.setTimeout(timeoutMs, () => {
      req.destroy(new Error(`timeout after ${timeoutMs} ms`));
    });
    req.on('error', (err) => {
      if (!done) {
        done = true;
        reject(err);
      }
    });
    req.end(body);
  });
}

function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

class DeliveryQueue {
  // name: for logs; url: target; counters: object with <prefix>_ok/_failed fields to bump.
  constructor({ name, url, timeoutMs, tls, stats, prefix, log }) {
    this.name = name;
    this.url = url;
    this.timeoutMs = timeoutMs;
    this.tls = tls;
    this.stats = stats;
    this.prefix = prefix;
    this.log = log;
    this.pending = [];
    this.running = false;
    this.closed = false;
  }

  // Queues a body; resolves true when delivered (2xx), false after the last failed attempt.
  // `count` = how many events the body carries (for the counters).
  send(body, headers, count) {
    this.last = new Promise((resolve) => {
      if (this.pending.length >= MAX_PENDING) {
        const dropped = this.pending.shift();
        this.stats[`${this.prefix}_dropped`] += dropped.count;
        dropped.resolve(false);
      }
      this.pending.push({ body, headers, count, resolve });
      if (!this.running) this.run();
    });
    return this.last;
  }

  // Bodies queued or being delivered.
  backlog() {
    return this.pending.length + (this.inFlight || 0);
  }

  // Resolves once everything queued so far is delivered or given up.
  idle() {
    return this.last || Promise.resolve(true);
  }

  async run() {
    this.running = true;
    while (this.pending.length > 0 && !this.closed) {
      const job = this.pending.shift();
      this.inFlight = 1;
      const ok = await this.deliver(job);
      this.inFlight = 0;
      job.resolve(ok);
    }
    for (const job of this.pending.splice(0)) job.resolve(false);
    this.running = false;
  }

  async deliver(job) {
    let lastError = '';
    for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
      this.stats[`${this.prefix}_attempts`] += 1;
      try {
        const { status } = await postOnce(this.url, job.body, job.headers, {
          timeoutMs: this.timeoutMs,
          tls: this.tls,
        });
        if (status >= 200 && status < 300) {
          this.stats[`${this.prefix}_ok`] += job.count;
          return true;
        }
        lastError = `HTTP ${status}`;
      } catch (err) {
        lastError = err.message;
      }
      if (attempt < ATTEMPTS && !this.closed) await sleep(BACKOFF_MS[attempt - 1]);
    }
    this.stats[`${this.prefix}_failed`] += job.count;
    this.log(`${this.name}: delivery of ${job.count} event(s) failed after ${ATTEMPTS} attempts (${lastError})`);
    return false;
  }

  close() {
    this.closed = true;
  }
}

// TLS options for outbound https: --push-ca FILE, --push-insecure.
function tlsOptions(opts) {
  const tls = {};
  if (opts.pushCa) tls.ca = fs.readFileSync(opts.pushCa);
  if (opts.pushInsecure) tls.rejectUnauthorized = false;
  return tls;
}

// Auth0 Log Streams "custom webhook": batches envelopes emitted within 100 ms (at most 100 per
// POST) in JSONLINES or JSONARRAY form; JSONOBJECT sends one envelope per POST.
class StreamBatcher {
  constructor({ queue, format, token }) {
    this.queue = queue;
    this.format = format;
    this.headers = { 'Content-Type': 'application/json', 'User-Agent': 'Auth0-Log-Streams/sim' };
    if (token) this.headers.Authorization = /^Bearer /i.test(token) ? token : `Bearer ${token}`;
    this.buffer = [];
    this.timer = null;
  }

  add(item) {
    this.buffer.push(item);
    if (this.buffer.length >= 100) this.flush();
    else if (!this.timer) this.timer = setTimeout(() => this.flush(), 100);
  }

  // Sends what is buffered; resolves with the number of events delivered.
  flush() {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const items = this.buffer.splice(0);
    if (items.length === 0) return Promise.resolve(0);
    const sends = [];
    if (this.format === 'jsonobject') {
      for (const it of items) sends.push(this.queue.send(JSON.stringify(it), this.headers, 1).then((ok) => (ok ? 1 : 0)));
    } else {
      const body = this.format === 'jsonarray'
        ? JSON.stringify(items)
        : items.map((it) => JSON.stringify(it)).join('\n');
      sends.push(this.queue.send(body, this.headers, items.length).then((ok) => (ok ? items.length : 0)));
    }
    return Promise.all(sends).then((n) => n.reduce((a, b) => a + b, 0));
  }
}

module.exports = { DeliveryQueue, StreamBatcher, postOnce, tlsOptions, sleep };
