#!/usr/bin/env node
// Push-ingest throughput of the real daemon: POSTs Log Streams bodies (JSON lines, `--batch`
// events each) to /ingest/auth0 over keep-alive connections, `--concurrency` at a time, and
// prints events/s and request latency percentiles. Every 200 includes the SQLite commit.
// Not a test: prints figures only.
//   node bench/ingest_push.mjs [--binary build/daemon/authcorrd] [--events 200000] [--batch 100]
//                              [--concurrency 4] [--users 10000] [--synchronous normal|full]
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, arg, i, all) =>
  (arg.startsWith('--') ? [...pairs, [arg.slice(2), all[i + 1]]] : pairs), []));
const events = Number(args.events ?? 200000);
const batch = Number(args.batch ?? 100);
const concurrency = Number(args.concurrency ?? 4);
const users = Number(args.users ?? 10000);
const synchronous = args.synchronous ?? 'normal';
if (args.binary) process.env.AUTHCORRD_BINARY = path.resolve(args.binary);
// Imported after the line above: the harness reads AUTHCORRD_BINARY when it loads.
const { tempDir, startDaemon } = await import('../tests/integration/lib/harness.mjs');

const token = 'bench-token';
const dir = tempDir('authcorrd-bench-');
const daemon = await startDaemon(dir, `
[log]
level = "warn"
[server]
listen = "127.0.0.1:0"
[auth0.log_stream]
token = "${token}"
[store]
path = "{{DIR}}/state.db"
synchronous = "${synchronous}"
`);

// Realistic-sized Log Streams items (~700 bytes): logins, a few failures.
const start = Date.now() - 60000;
function body(first) {
  const lines = [];
  for (let i = first; i < first + batch; i++) {
    const user = `auth0|${(i * 7919) % users}`;
    const type = i % 10 === 0 ? 'fp' : 's';
    const date = new Date(start + Math.floor(i / 50)).toISOString();
    lines.push(JSON.stringify({ log_id: `bench-${i}`, data: {
      log_id: `bench-${i}`, date, type, user_id: user, user_name: `user${i % users}@example.com`,
      ip: `198.51.${(i % users) % 250}.${(i % users) % 200}`, client_id: 'bench-client', client_name: 'Bench',
      connection: 'Username-Password-Authentication', connection_id: 'con_bench', strategy: 'auth0',
      strategy_type: 'database', hostname: 'bench.eu.auth0.com', isMobile: false,
      user_agent: 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
      details: { prompts: [], session_id: `sess-${i % users}` },
    } }));
  }
  return lines.join('\n');
}

const agent = new http.Agent({ keepAlive: true, maxSockets: concurrency });
const url = new URL(daemon.url + '/ingest/auth0');
function post(payload) {
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const request = http.request({ host: url.hostname, port: url.port, path: url.pathname, method: 'POST', agent,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson', 'content-length': Buffer.byteLength(payload) } },
    (response) => {
      response.resume();
      response.on('end', () => (response.statusCode === 200 ? resolve(Number(process.hrtime.bigint() - t0) / 1e6)
        : reject(new Error(`HTTP ${response.statusCode}`))));
    });
    request.on('error', reject);
    request.end(payload);
  });
}

const bodies = [];
for (let i = 0; i < events; i += batch) bodies.push(body(i));
const latencies = [];
let next = 0;
const t0 = Date.now();
await Promise.all(Array.from({ length: concurrency }, async () => {
  while (next < bodies.length) latencies.push(await post(bodies[next++]));
}));
const seconds = (Date.now() - t0) / 1000;
latencies.sort((a, b) => a - b);
const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(p * latencies.length))].toFixed(2);
const bytes = bodies.reduce((n, b) => n + b.length, 0);
console.log(`events ${events}, batch ${batch}, concurrency ${concurrency}, synchronous=${synchronous}, ` +
  `${(bytes / events).toFixed(0)} B/event`);
console.log(`throughput ${(events / seconds).toFixed(0)} events/s (${(bodies.length / seconds).toFixed(0)} requests/s), ` +
  `latency ms p50 ${pct(0.5)} p90 ${pct(0.9)} p99 ${pct(0.99)} max ${latencies.at(-1).toFixed(2)}`);
const rss = fs.readFileSync(`/proc/${daemon.child.pid}/status`, 'utf8').match(/VmHWM:\s+(\d+)/)[1];
console.log(`daemon peak RSS ${(Number(rss) / 1024).toFixed(0)} MiB, state file ${(fs.statSync(path.join(dir, 'state.db')).size / 1048576).toFixed(0)} MiB`);
agent.destroy();
await daemon.stop();
// Restart on the same state file: how long the index rebuild from the journal takes.
const restartStarted = Date.now();
const restarted = await startDaemon(dir, fs.readFileSync(daemon.configPath, 'utf8').replace('level = "warn"', 'level = "info"'), { name: 'restart' });
const readyAfter = (Date.now() - restartStarted) / 1000;
const rebuilt = restarted.log().match(/rebuilt the index from (\d+) journaled event\(s\) in ([\d.]+) s/);
console.log(`restart: rebuilt ${rebuilt[1]} events in ${rebuilt[2]} s (${(Number(rebuilt[1]) / Number(rebuilt[2])).toFixed(0)} events/s); ready after ${readyAfter.toFixed(2)} s`);
await restarted.stop();
fs.rmSync(dir, { recursive: true, force: true });
