// Operational paths: pulling over TLS with certificate verification, Log Streams pushes from
// the simulator, and alert-file rotation on SIGHUP / SIGUSR1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import https from 'node:https';
import path from 'node:path';
import {
  tempDir, startDaemon, startSimulator, readAlerts, metricSum, sql, waitFor, sleep, freePort,
} from './lib/harness.mjs';

// A throwaway CA and a server certificate for localhost / 127.0.0.1, made with openssl.
function makePki(dir) {
  const run = (args) => execFileSync('openssl', args, { stdio: 'ignore' });
  const key = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run(['req', '-x509', ...key, '-keyout', `${dir}/ca.key`, '-out', `${dir}/ca.pem`, '-days', '2', '-subj', '/CN=authcorrd-it-CA']);
  run(['req', ...key, '-keyout', `${dir}/server.key`, '-out', `${dir}/server.csr`, '-subj', '/CN=localhost']);
  fs.writeFileSync(`${dir}/server.ext`, 'subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n');
  run(['x509', '-req', '-in', `${dir}/server.csr`, '-CA', `${dir}/ca.pem`, '-CAkey', `${dir}/ca.key`,
    '-CAcreateserial', '-out', `${dir}/server.pem`, '-days', '2', '-extfile', `${dir}/server.ext`]);
  return { ca: `${dir}/ca.pem`, cert: `${dir}/server.pem`, key: `${dir}/server.key` };
}

function httpsJson(url, ca, body) {
  return new Promise((resolve, reject) => {
    const request = https.request(url, {
      method: body === undefined ? 'GET' : 'POST', ca: fs.readFileSync(ca),
      headers: { 'content-type': 'application/json' },
    }, (response) => {
      let text = '';
      response.on('data', (chunk) => { text += chunk; });
      response.on('end', () => resolve(JSON.parse(text)));
    });
    request.on('error', reject);
    request.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const pullConfig = (baseUrl, caLine) => `
[server]
listen = "127.0.0.1:0"
[auth0]
base_url = "${baseUrl}"
client_id = "sim-client"
client_secret = "sim-secret"
poll_interval = "200ms"
start = "beginning"
request_timeout = "2s"
${caLine}
[store]
path = "{{DIR}}/state.db"
[correlator]
medium_risk_score = 1000
high_risk_score = 1000
[[sinks.file]]
path = "{{DIR}}/alerts.jsonl"
`;

test('pulling over https verifies the certificate against ca_file, by host name', async () => {
  const dir = tempDir();
  const pki = makePki(dir);
  const sim = await startSimulator(['--rate', '0', '--scenarios', 'none', '--tls-cert', pki.cert, '--tls-key', pki.key],
    { logFile: path.join(dir, 'simulator.log') });
  const port = new URL(sim.url).port;
  const trusted = tempDir();
  const untrusted = tempDir();
  let good;
  let bad;
  try {
    assert.match(sim.url, /^https:/);
    // "localhost" (not the IP) exercises SNI and host name verification.
    good = await startDaemon(trusted, pullConfig(`https://localhost:${port}`, `ca_file = "${pki.ca}"`));
    bad = await startDaemon(untrusted, pullConfig(`https://localhost:${port}`, ''));
    const user = 'auth0|over-tls';
    await httpsJson(`https://127.0.0.1:${port}/_sim/auth0/logs`, pki.ca, [1, 2, 3, 4].map(() => ({ type: 'fp', user_id: user })));
    await waitFor('the burst alert pulled over TLS', () =>
      readAlerts(path.join(trusted, 'alerts.jsonl')).filter((a) => a.user_id === user));
    // Without the CA the certificate is not trusted: nothing is pulled, the failures are counted.
    await waitFor('a counted token error', async () =>
      metricSum(await bad.metrics(), 'authcorrd_poller_token_requests_total', { outcome: 'error' }) > 0);
    assert.match(bad.log(), /certificate verify failed/);
    assert.equal(sql(path.join(untrusted, 'state.db'), 'select count(*) from journal'), '0');
  } finally {
    if (good) assert.equal((await good.stop()).code, 0);
    if (bad) assert.equal((await bad.stop()).code, 0);
    await sim.stop();
    for (const d of [dir, trusted, untrusted]) fs.rmSync(d, { recursive: true, force: true });
  }
});

test('Log Streams pushes from the simulator are journaled once and correlated', async () => {
  const dir = tempDir();
  const port = await freePort();
  const token = 'stream-token-for-tests';
  const sim = await startSimulator(['--rate', '0', '--scenarios', 'none',
    '--auth0-stream-url', `http://127.0.0.1:${port}/ingest/auth0`, '--auth0-stream-token', token,
    '--auth0-stream-format', 'jsonlines', '--auth0-delivery', 'stream'], { logFile: path.join(dir, 'simulator.log') });
  let daemon;
  try {
    daemon = await startDaemon(dir, `
[server]
listen = "127.0.0.1:${port}"
[auth0.log_stream]
token = "${token}"
[store]
path = "{{DIR}}/state.db"
[correlator]
medium_risk_score = 1000
high_risk_score = 1000
[[sinks.file]]
path = "{{DIR}}/alerts.jsonl"
`);
    const user = 'auth0|streamed';
    const answer = await sim.control('/_sim/auth0/logs', [1, 2, 3, 4].map(() => ({ type: 'fp', user_id: user })));
    assert.equal(answer.log_ids.length, 4);
    const alerts = await waitFor('the burst alert from the stream', () =>
      readAlerts(path.join(dir, 'alerts.jsonl')).filter((a) => a.user_id === user));
    assert.equal(alerts.length, 1);
    assert.deepEqual(alerts[0].evidence.map((e) => e.id).sort(), [...answer.log_ids].sort());
    const stats = await sim.control('/_sim/stats');
    assert.ok(stats.stream_deliveries_ok >= 1);
    assert.equal(stats.stream_deliveries_failed, 0);
    assert.equal(sql(path.join(dir, 'state.db'), `select count(*) from journal where user_id = '${user}'`), '4');
  } finally {
    if (daemon) assert.equal((await daemon.stop()).code, 0);
    await sim.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('SIGHUP and SIGUSR1 reopen the alert file after rotation', async () => {
  const dir = tempDir();
  const token = 'rotation-token';
  const daemon = await startDaemon(dir, `
[server]
listen = "127.0.0.1:0"
[auth0.log_stream]
token = "${token}"
[store]
path = "{{DIR}}/state.db"
[correlator]
medium_risk_score = 1000
high_risk_score = 1000
[[sinks.file]]
path = "{{DIR}}/alerts.jsonl"
`);
  const burst = async (user) => {
    const now = new Date().toISOString();
    const body = [1, 2, 3, 4].map((n) => JSON.stringify({ log_id: `${user}-${n}`, data: { date: now, type: 'fp', user_id: user } })).join('\n');
    const response = await fetch(daemon.url + '/ingest/auth0', {
      method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' }, body,
    });
    assert.equal(response.status, 200);
  };
  const file = path.join(dir, 'alerts.jsonl');
  try {
    await burst('auth0|before-rotation');
    fs.renameSync(file, `${file}.1`);
    daemon.child.kill('SIGHUP');
    await waitFor('the new alert file', () => fs.existsSync(file));
    await burst('auth0|after-hup');
    fs.renameSync(file, `${file}.2`);
    daemon.child.kill('SIGUSR1');
    await waitFor('the new alert file', () => fs.existsSync(file));
    await burst('auth0|after-usr1');
    assert.deepEqual(readAlerts(`${file}.1`).map((a) => a.user_id), ['auth0|before-rotation']);
    assert.deepEqual(readAlerts(`${file}.2`).map((a) => a.user_id), ['auth0|after-hup']);
    assert.deepEqual(readAlerts(file).map((a) => a.user_id), ['auth0|after-usr1']);
    assert.match(daemon.log(), /reopening alert files/);
  } finally {
    assert.equal((await daemon.stop()).code, 0);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
