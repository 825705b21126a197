// kill -9 of the daemon in the middle of a stream of pulled and pushed events, then a restart
// on the same state: no accepted event is lost and no alert id is emitted twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  tempDir, startDaemon, startSimulator, readAlerts, sql, waitFor, sleep, freePort,
} from './lib/harness.mjs';

const RELOCK_KEY = 'relock-api-key-for-tests';
const SECRET = 'relock-webhook-secret-for-tests';

test('kill -9 three times mid-stream: nothing lost, no alert id twice', async () => {
  const dir = tempDir();
  const port = await freePort();
  const sim = await startSimulator([
    '--users', '30', '--rate', '40', '--seed', '7', '--scenarios', 'all', '--scenario-interval', '2',
    '--relock-api-key', RELOCK_KEY,
    '--relock-webhook-url', `http://127.0.0.1:${port}/ingest/relock`, '--relock-secret', SECRET,
  ], { logFile: path.join(dir, 'simulator.log') });
  const config = `
[server]
listen = "127.0.0.1:${port}"

[auth0]
base_url = "${sim.url}"
client_id = "sim-client"
client_secret = "sim-secret"
poll_interval = "100ms"
start = "beginning"

[relock]
webhook_secret = "${SECRET}"
events_url = "${sim.url}/relock/events"
api_key = "${RELOCK_KEY}"
poll_interval = "100ms"

[store]
path = "{{DIR}}/state.db"

[[sinks.file]]
path = "{{DIR}}/alerts.jsonl"
`;
  const db = path.join(dir, 'state.db');
  const alertsFile = path.join(dir, 'alerts.jsonl');
  try {
    let daemon = await startDaemon(dir, config);
    for (let round = 0; round < 3; round++) {
      await sleep(2500);
      const killed = await daemon.stop('SIGKILL');
      assert.equal(killed.signal, 'SIGKILL');
      await sleep(300);
      daemon = await startDaemon(dir, config);
    }
    await sleep(2000);
    await sim.control('/_sim/traffic', { rate: 0 });
    await sim.control('/_sim/traffic', { scenarios: 'none' });
    const stats = await waitFor('every simulator event in the journal', async () => {
      const s = await sim.control('/_sim/stats');
      const auth0 = Number(sql(db, "select count(*) from journal where source = 'auth0'"));
      const relock = Number(sql(db, "select count(*) from journal where source = 'relock'"));
      // Plays already started finish (flows_in_flight) before the counts can settle.
      return s.flows_in_flight === 0 && auth0 === s.auth0_events && relock === s.relock_events ? s : false;
    }, 60000, 200);
    assert.ok(stats.auth0_events > 200, `only ${stats.auth0_events} Auth0 events`);
    await sleep(1500);

    const alerts = readAlerts(alertsFile);
    const ids = alerts.map((a) => a.id);
    assert.equal(new Set(ids).size, ids.length, 'an alert id was emitted twice');
    assert.ok(alerts.length > 0);
    // Every scenario the simulator played produced its alert.
    const expected = await sim.control('/_sim/expected');
    const plays = expected.plays ?? expected;
    assert.ok(plays.length >= 3, `only ${plays.length} scenario plays`);
    for (const play of plays.filter((p) => p.status === 'done')) {
      assert.ok(alerts.some((a) => a.type === play.alert && a.user_id === play.user_id),
        `no ${play.alert} alert for ${play.user_id} (${JSON.stringify(play)})`);
    }
    assert.equal((await daemon.stop()).code, 0);
    // Four starts, pulls with tokens, signed webhooks, kills: no configured secret (nor the
    // simulator's access token, which starts with its client id) ever reached the log.
    const log = fs.readFileSync(daemon.logPath, 'utf8');
    assert.ok(log.length > 0);
    for (const secret of ['sim-secret', SECRET, RELOCK_KEY]) {
      assert.ok(!log.includes(secret), `a configured secret appears in the daemon log`);
    }
    assert.doesNotMatch(log, /authorization|bearer [a-z0-9]/i);
  } finally {
    await sim.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
