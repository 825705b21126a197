// The shipped observability files against the real thing: a real Prometheus scrapes the real
// daemon (fed by the simulator's traffic and attack scenarios, with a webhook sink, an
// Alertmanager sink and a failing file sink) and loads etc/prometheus/authcorrd-rules.yml. Then
// every query of etc/grafana/authcorrd-dashboard.json (each panel target and each template
// variable) must run without error and return data, and every rule must evaluate with health ok
// and every recording rule must produce series. A panel whose metric is misspelled, renamed or
// never exported fails here by name.
//
// AUTHCORRD_IT_SINKS lists the sinks to configure: "webhook,alertmanager" (the default), one of
// them, or "none" (for a binary built before a sink existed). The panels of a sink left out are
// skipped and listed as skipped.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import {
  repoRoot, tempDir, startDaemon, startSimulator, metricSum, readAlerts, waitFor, sleep, freePort, hmacHex,
} from './lib/harness.mjs';

const rulesFile = path.join(repoRoot, 'etc/prometheus/authcorrd-rules.yml');
const dashboardFile = path.join(repoRoot, 'etc/grafana/authcorrd-dashboard.json');
const dashboard = JSON.parse(fs.readFileSync(dashboardFile, 'utf8'));
const sinkList = (process.env.AUTHCORRD_IT_SINKS ?? 'webhook,alertmanager').split(',').map((s) => s.trim());
const withWebhook = sinkList.includes('webhook');
const withAlertmanager = sinkList.includes('alertmanager');
const skippedMetric = (expr) =>
  (!withWebhook && /authcorrd_webhook_/.test(expr)) || (!withAlertmanager && /authcorrd_alertmanager_/.test(expr));

// Grafana's built-in variables, as concrete values for a 1 s scrape interval. Rate windows must
// hold at least two samples; the test's whole history fits in $__range.
const builtins = { __rate_interval: '1m', __interval: '15s', __range: '10m' };

// ---------------------------------------------------------------- the dashboard as data

function visiblePanels() {
  const out = [];
  for (const panel of dashboard.panels) {
    if (panel.type === 'row') out.push(...(panel.panels ?? []));
    else out.push(panel);
  }
  return out;
}

// Every (panel, target) of the dashboard, in layout order.
function panelTargets() {
  return visiblePanels().flatMap((panel) => panel.targets.map((target) => ({ panel, target })));
}

// PromQL of a target with Grafana's variables replaced: built-ins by fixed durations, $job and
// $instance by the regex Grafana builds for the selected values.
function substitute(expr, vars) {
  const values = { ...builtins, ...vars };
  const out = expr.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced, plain) => {
    const name = braced ?? plain;
    if (!(name in values)) throw new Error(`unknown variable ${whole} in ${expr}`);
    return values[name];
  });
  return out;
}

// Grafana escapes regex metacharacters of multi-value variables; inside a PromQL string the
// backslash itself is escaped once more.
const promRegex = (values) => values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\\\$&')).join('|');

// Counts of "- record:" and "- alert:" entries of the rules file, without a YAML parser.
function ruleNames() {
  const text = fs.readFileSync(rulesFile, 'utf8');
  return {
    records: [...text.matchAll(/^\s*- record:\s*(\S+)/gm)].map((m) => m[1]),
    alerts: [...text.matchAll(/^\s*- alert:\s*(\S+)/gm)].map((m) => m[1]),
  };
}

test('the dashboard JSON is importable: schema, datasource variable, unique ids, layout', () => {
  assert.ok(dashboard.schemaVersion >= 36, `schemaVersion ${dashboard.schemaVersion}`);
  assert.equal(dashboard.id, null);
  assert.equal(dashboard.uid, 'authcorrd');
  const variables = dashboard.templating.list;
  const datasource = variables.find((v) => v.name === 'datasource');
  assert.equal(datasource?.type, 'datasource');
  assert.equal(datasource.query, 'prometheus');
  assert.deepEqual(variables.map((v) => v.name), ['datasource', 'job', 'instance']);
  // No hard-coded data source anywhere: every reference is the variable.
  const refs = [];
  const walk = (node) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'datasource' && typeof value === 'object') refs.push(value);
        else walk(value);
      }
    }
  };
  walk({ panels: dashboard.panels, templating: dashboard.templating, annotations: dashboard.annotations });
  assert.ok(refs.length > visiblePanels().length);
  for (const { type, uid } of refs) {
    if (type === 'grafana') continue; // the built-in annotations
    assert.deepEqual({ type, uid }, { type: 'prometheus', uid: '${datasource}' });
  }
  assert.doesNotMatch(JSON.stringify(dashboard), /DS_PROMETHEUS/);
  const ids = dashboard.panels.flatMap((p) => [p.id, ...(p.panels ?? []).map((c) => c.id)]);
  assert.equal(new Set(ids).size, ids.length, 'panel ids are unique');
  const titles = visiblePanels().map((p) => p.title);
  assert.equal(new Set(titles).size, titles.length, 'panel titles are unique');
  for (const panel of visiblePanels()) {
    const { x, y, w, h } = panel.gridPos;
    assert.ok(x >= 0 && w > 0 && x + w <= 24 && y >= 0 && h > 0, `${panel.title}: gridPos`);
    assert.ok(panel.targets.length > 0, `${panel.title}: has queries`);
    assert.ok(panel.description, `${panel.title}: has a description`);
    const refIds = panel.targets.map((t) => t.refId);
    assert.equal(new Set(refIds).size, refIds.length, `${panel.title}: refIds are unique`);
    for (const target of panel.targets) assert.match(target.expr, /\S/, `${panel.title}: empty expr`);
  }
  // The areas the dashboard promises.
  for (const row of ['Security', 'Threat alerts by type and severity', 'User activity', 'Risk and MFA']) {
    assert.ok(dashboard.panels.some((p) => p.type === 'row' && p.title === row), `row ${row}`);
  }
  assert.ok(visiblePanels().some((p) => p.type === 'heatmap' &&
    /authcorrd_correlator_login_risk_score_bucket/.test(p.targets[0].expr)), 'risk-score heatmap');
});

// ---------------------------------------------------------------- processes

// A webhook receiver that answers 500 until told otherwise, then 200.
async function startReceiver() {
  const state = { status: 500, requests: 0, ok: 0 };
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => {
      state.requests += 1;
      if (state.status === 200) state.ok += 1;
      response.writeHead(state.status, { 'content-type': 'text/plain' }).end(String(state.status));
    });
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    state,
    url: `http://127.0.0.1:${server.address().port}/hook`,
    stop: () => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }),
  };
}

// Spawns a server binary listening on a fresh port (retried if another process took the port
// between freePort() and the bind) and resolves once `readyPath` answers 200.
async function startServer(name, dir, argsFor, readyPath) {
  for (let attempt = 1; ; attempt += 1) {
    const port = await freePort();
    const logPath = path.join(dir, `${name}.log`);
    const child = spawn(argsFor(port)[0], argsFor(port).slice(1), {
      stdio: ['ignore', fs.openSync(logPath, 'a'), fs.openSync(logPath, 'a')],
    });
    let exited = null;
    const exitPromise = new Promise((resolve) => child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    }));
    const url = `http://127.0.0.1:${port}`;
    const proc = {
      name, url, child, logPath,
      log: () => fs.readFileSync(logPath, 'utf8'),
      async stop() {
        if (exited) return exited;
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10000);
        await exitPromise;
        clearTimeout(timer);
        return exited;
      },
    };
    try {
      await waitFor(`${name} to be ready`, async () => {
        if (exited) throw new Error(`${name} exited: ${JSON.stringify(exited)}`);
        return (await fetch(url + readyPath)).ok;
      }, 20000, 100);
      return proc;
    } catch (error) {
      await proc.stop();
      if (attempt >= 3 || !/address already in use/.test(proc.log())) {
        throw new Error(`${error.message}\n${proc.log().slice(-2000)}`);
      }
    }
  }
}

async function promApi(prometheus, pathname, params = {}) {
  const response = await fetch(`${prometheus.url}/api/v1/${pathname}?${new URLSearchParams(params)}`);
  const body = await response.json();
  if (body.status !== 'success') throw new Error(`${pathname} ${JSON.stringify(params)}: ${body.errorType}: ${body.error}`);
  return body.data;
}

// Runs one dashboard query the way Grafana would: a range query over the last minute for
// time-series targets, an instant query for instant ones. Resolves to the number of series.
async function runTarget(prometheus, target, expr) {
  const now = Date.now() / 1000;
  const data = target.instant
    ? await promApi(prometheus, 'query', { query: expr, time: String(now) })
    : await promApi(prometheus, 'query_range', { query: expr, start: String(now - 60), end: String(now), step: '5' });
  return data.result.length;
}

// ---------------------------------------------------------------- the end-to-end run

test('Prometheus loads the rules and every dashboard query returns data from the real daemon', { timeout: 200000 }, async (t) => {
  const dir = tempDir('authcorrd-prom-');
  const stops = [];
  let daemon;
  try {
    const relockSecret = crypto.randomBytes(24).toString('hex');
    const streamToken = crypto.randomBytes(24).toString('hex');
    const daemonPort = await freePort();
    const daemonUrl = `http://127.0.0.1:${daemonPort}`;

    // Peers first: the webhook receiver (failing for now) and a real Alertmanager.
    const receiver = await startReceiver();
    stops.push(() => receiver.stop());
    let alertmanager;
    if (withAlertmanager) {
      fs.writeFileSync(path.join(dir, 'am.yml'), 'route:\n  receiver: "null"\nreceivers:\n  - name: "null"\n');
      alertmanager = await startServer('alertmanager', dir, (port) => [
        'prometheus-alertmanager', `--config.file=${path.join(dir, 'am.yml')}`,
        `--storage.path=${path.join(dir, 'am-data')}`, `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
      ], '/-/ready');
      stops.push(() => alertmanager.stop());
    }

    // Traffic: background logins and every attack scenario every 2 s, Auth0 by pull, Relock by
    // signed webhooks and by pull (so the daemon also sees and drops duplicates).
    const sim = await startSimulator(['--rate', '5', '--users', '30', '--scenarios', 'all',
      '--scenario-interval', '2', '--quiet', '--relock-webhook-url', `${daemonUrl}/ingest/relock`,
      '--relock-secret', relockSecret], { logFile: path.join(dir, 'simulator.log') });
    stops.push(() => sim.stop());

    const webhookSecret = `whsec_${crypto.randomBytes(32).toString('base64')}`;
    const webhookToml = withWebhook ? `
[[sinks.webhook]]
name = "receiver"
url = "${receiver.url}"
secret = "${webhookSecret}"
timeout = "2s"
retry_initial = "200ms"
retry_max_interval = "1s"
# Small, so the failing phase overflows into dead letters.
max_outbox = 2
` : '';
    const alertmanagerToml = withAlertmanager ? `
[[sinks.alertmanager]]
name = "am"
url = "${alertmanager.url}"
resend_interval = "2s"
timeout = "2s"
` : '';
    daemon = await startDaemon(dir, `
[server]
listen = "127.0.0.1:${daemonPort}"
[auth0]
base_url = "${sim.url}"
client_id = "sim-client"
client_secret = "sim-secret"
poll_interval = "200ms"
start = "beginning"
request_timeout = "2s"
[auth0.log_stream]
token = "${streamToken}"
[relock]
webhook_secret = "${relockSecret}"
events_url = "${sim.url}/relock/events"
api_key = "sim-relock-key"
poll_interval = "500ms"
request_timeout = "2s"
[store]
path = "{{DIR}}/state.db"
[[sinks.file]]
path = "{{DIR}}/alerts.jsonl"
# Every write fails (ENOSPC): authcorrd_sink_errors_total{sink="file"} has data.
[[sinks.file]]
path = "/dev/full"
${webhookToml}${alertmanagerToml}`);
    stops.push(() => daemon.stop());

    // Prometheus scraping the daemon every second and evaluating the shipped rules.
    fs.writeFileSync(path.join(dir, 'prometheus.yml'), `
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files:
  - ${JSON.stringify(rulesFile)}
scrape_configs:
  - job_name: authcorrd
    static_configs:
      - targets: ["127.0.0.1:${daemonPort}"]
`);
    const prometheus = await startServer('prometheus', dir, (port) => [
      'prometheus', `--config.file=${path.join(dir, 'prometheus.yml')}`,
      `--storage.tsdb.path=${path.join(dir, 'prom-data')}`, `--web.listen-address=127.0.0.1:${port}`,
    ], '/-/ready');
    stops.push(() => prometheus.stop());

    // Ingest problems the dashboard shows, made on purpose: a parse error, a duplicate, a late
    // and a future event (Log Streams push), and a Relock event name authcorrd does not use.
    const pushAuth0 = (body) => fetch(`${daemonUrl}/ingest/auth0`, {
      method: 'POST', headers: { authorization: `Bearer ${streamToken}`, 'content-type': 'application/x-ndjson' }, body,
    });
    const line = (id, offsetMs) => JSON.stringify({
      log_id: id, data: { date: new Date(Date.now() + offsetMs).toISOString(), type: 'fp', user_id: 'auth0|prom-test' },
    });
    assert.equal((await pushAuth0(`${line('prom-1', 0)}\n`)).status, 200);
    assert.equal((await pushAuth0(`${line('prom-1', 0)}\n`)).status, 200);
    assert.equal((await pushAuth0(`${line('prom-late', -60 * 86400e3)}\n${line('prom-future', 86400e3)}\n`)).status, 200);
    assert.equal((await pushAuth0('{"log_id": "prom-bad", "data": \n')).status, 400);
    const unknown = JSON.stringify({ event: 'device.renamed', data: { userId: 'auth0|prom-test', timestamp: new Date().toISOString() } });
    assert.equal((await fetch(`${daemonUrl}/ingest/relock`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-relock-signature': hmacHex(relockSecret, unknown) }, body: unknown,
    })).status, 200);

    await waitFor('Prometheus to scrape the daemon', async () => {
      const { activeTargets } = await promApi(prometheus, 'targets');
      return activeTargets.some((target) => target.health === 'up');
    }, 20000, 250);

    if (withWebhook) {
      // Failing receiver: retries, then outbox overflow into dead letters; then it recovers.
      await waitFor('failed webhook deliveries and an outbox overflow', async () => {
        const m = await daemon.metrics();
        return metricSum(m, 'authcorrd_webhook_deliveries_total', { result: 'failed' }) > 0 &&
          metricSum(m, 'authcorrd_webhook_outbox_overflow_total') > 0;
      }, 30000, 250);
      receiver.state.status = 200;
      await waitFor('delivered webhooks', async () =>
        metricSum(await daemon.metrics(), 'authcorrd_webhook_deliveries_total', { result: 'delivered' }) > 0, 20000, 250);
    }

    // Template variables: the values Grafana would offer.
    const jobs = await promApi(prometheus, 'label/job/values', { 'match[]': 'authcorrd_ready' });
    assert.deepEqual(jobs, ['authcorrd']);
    const instances = await promApi(prometheus, 'label/instance/values', { 'match[]': 'authcorrd_ready{job=~"authcorrd"}' });
    assert.deepEqual(instances, [`127.0.0.1:${daemonPort}`]);
    for (const variable of dashboard.templating.list.filter((v) => v.type === 'query')) {
      const m = /^label_values\((.*), (\w+)\)$/.exec(variable.query.query);
      assert.ok(m, `variable ${variable.name}: label_values(selector, label)`);
      const values = await promApi(prometheus, `label/${m[2]}/values`, { 'match[]': substitute(m[1], { job: 'authcorrd' }) });
      assert.ok(values.length > 0, `variable ${variable.name} (${variable.query.query}) offers no value`);
    }
    const vars = { job: promRegex(jobs), instance: promRegex(instances), datasource: 'unused' };

    // Every dashboard query, until all have data (rate windows fill as samples arrive).
    const all = panelTargets().map(({ panel, target }) => ({
      panel, target, expr: substitute(target.expr, vars),
      skipped: skippedMetric(target.expr),
    }));
    // A target counts once it returned data in any round, as a refreshing Grafana would show it:
    // under load a scrape can time out, and its staleness markers blank instant selectors.
    let missing = all.filter((i) => !i.skipped);
    for (const deadline = Date.now() + 45000; ;) {
      const still = [];
      for (const item of missing) {
        // A PromQL error fails at once: waiting does not fix it.
        const series = await runTarget(prometheus, item.target, item.expr).catch((error) => {
          throw new Error(`panel "${item.panel.title}" query ${item.target.refId}: ${error.message}`);
        });
        if (series === 0) still.push(item);
      }
      missing = still;
      if (missing.length === 0 || Date.now() > deadline) break;
      await sleep(2000);
    }
    for (const item of all.filter((i) => i.skipped)) {
      t.diagnostic(`skipped (AUTHCORRD_IT_SINKS=${sinkList}): "${item.panel.title}" ${item.target.refId}`);
    }
    const scrapeStat = async (query) => (await promApi(prometheus, 'query', { query })).result.map((r) => r.value[1]).join();
    t.diagnostic(`scrapes: ${await scrapeStat('count_over_time(up[10m])')}, failed: ${await scrapeStat('count_over_time((up == 0)[10m:1s]) or vector(0)')
    }, slowest: ${await scrapeStat('max_over_time(scrape_duration_seconds[10m])')} s`);
    assert.deepEqual(missing.map((i) => `panel "${i.panel.title}" query ${i.target.refId} returned no data: ${i.expr}`), []);

    // The panels show what they say: spot checks of values against what the test knows.
    const instant = async (title, refId = 'A') => {
      const item = all.find((i) => i.panel.title === title && i.target.refId === refId);
      assert.ok(item, `no panel "${title}" ${refId}`);
      return (await promApi(prometheus, 'query', { query: item.expr })).result
        .map((r) => ({ labels: r.metric, value: Number(r.value[1]) }));
    };
    const upAndReady = async () => [...await instant('Up'), ...await instant('Ready')].map((r) => r.value);
    await waitFor('the Up and Ready panels to show 1', async () => (await upAndReady()).join() === '1,1', 10000, 500)
      .catch(async (error) => assert.fail(`${error.message}: ${await upAndReady()}`));
    assert.ok((await instant('Tracked users'))[0].value > 0);
    const [ratio] = await instant('MFA bypass ratio in range');
    assert.ok(ratio.value >= 0 && ratio.value <= 1, `MFA bypass ratio ${ratio.value}`);
    // 10 buckets of 10 points plus +Inf.
    assert.equal((await instant('Risk scores in range')).length, 11);
    // Every alert type the daemon wrote (3 s ago: scraped since) is on the threat panel.
    const writtenTypes = new Set(readAlerts(path.join(dir, 'alerts.jsonl')).map((a) => a.type));
    assert.ok(writtenTypes.size > 0);
    await sleep(3000);
    const shownTypes = new Set((await instant('Alerts by type in range')).map((r) => r.labels.type));
    for (const type of writtenTypes) assert.ok(shownTypes.has(type), `alert type ${type} not on the dashboard`);
    if (withWebhook) {
      const results = new Set((await instant('Webhook deliveries by result')).map((r) => `${r.labels.sink} ${r.labels.result}`));
      assert.ok(results.has('receiver failed') && results.has('receiver delivered'), [...results].join(', '));
      assert.ok((await instant('Dead letters and outbox overflow'))[0].value > 0, 'dead letters after the overflow');
      assert.deepEqual((await instant('Webhook endpoints')).map((r) => r.value), [1]);
    }
    if (withAlertmanager) {
      const posts = new Set((await instant('Alertmanager posts by result')).map((r) => `${r.labels.sink} ${r.labels.result}`));
      assert.ok(posts.has('am ok'), [...posts].join(', '));
      const received = await (await fetch(`${alertmanager.url}/api/v2/alerts`)).json();
      assert.ok(received.length > 0, 'Alertmanager holds the posted alerts');
      assert.ok((await instant('Alertmanager active alerts'))[0].value > 0);
    }

    // The rules file loaded: both groups, every rule evaluated with health ok.
    const { records, alerts } = ruleNames();
    const groups = await waitFor('every rule to be evaluated', async () => {
      const data = await promApi(prometheus, 'rules');
      const rules = data.groups.flatMap((g) => g.rules);
      return rules.length === records.length + alerts.length && rules.every((r) => r.health !== 'unknown') && data.groups;
    }, 20000, 250);
    assert.deepEqual(groups.map((g) => g.name).sort(), ['authcorrd.alerts', 'authcorrd.recording']);
    assert.deepEqual(groups.flatMap((g) => g.rules).filter((r) => r.type === 'recording').map((r) => r.name), records);
    assert.deepEqual(groups.flatMap((g) => g.rules).filter((r) => r.type === 'alerting').map((r) => r.name), alerts);
    for (const rule of groups.flatMap((g) => g.rules)) {
      assert.equal(rule.health, 'ok', `rule ${rule.name}: ${rule.lastError}`);
    }
    // Every recording rule produces series from the daemon's metrics.
    const emptyRecords = async () => {
      const empty = [];
      for (const name of records) {
        if ((await promApi(prometheus, 'query', { query: name })).result.length === 0) empty.push(name);
      }
      return empty;
    };
    let empty = await emptyRecords();
    for (const until = Date.now() + 20000; empty.length > 0 && Date.now() < until; empty = await emptyRecords()) {
      await sleep(500);
    }
    assert.deepEqual(empty, [], 'recording rules without data');
    // A healthy daemon: neither of the daemon-down alerts is pending or firing.
    const active = (await promApi(prometheus, 'alerts')).alerts.map((a) => a.labels.alertname);
    assert.ok(!active.includes('AuthcorrdDown') && !active.includes('AuthcorrdTargetMissing'), active.join(', '));
    if (withWebhook) {
      // The overflow left dead letters: the rule sees the real gauge (pending for its 1m "for").
      assert.ok(active.includes('AuthcorrdWebhookDeadLetters'), active.join(', '));
    }
    assert.equal((await daemon.stop()).code, 0);
  } finally {
    // Everything this test started stops, in reverse order, even after a failure.
    for (const stop of stops.reverse()) {
      try {
        await stop();
      } catch (error) {
        t.diagnostic(`cleanup: ${error.message}`);
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
