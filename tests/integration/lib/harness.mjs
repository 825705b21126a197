// Test harness for the daemon's integration tests: starts the real authcorrd binary and the
// simulator as processes on 127.0.0.1 with ephemeral ports, in a fresh temporary directory,
// and stops them afterwards. Node built-ins only.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import crypto from 'node:crypto';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '../../..');
export const binary = process.env.AUTHCORRD_BINARY || path.join(repoRoot, 'build/daemon/authcorrd');
export const simulator = path.join(repoRoot, 'tools/simulator/authcorrd-sim');

export function tempDir(prefix = 'authcorrd-it-') {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export async function waitFor(what, predicate, timeoutMs = 15000, intervalMs = 50) {
  const deadline = Date.now() + timeoutMs;
  let last;
  while (Date.now() < deadline) {
    try {
      last = await predicate();
      // An empty array means "not yet", like false.
      if (last && !(Array.isArray(last) && last.length === 0)) return last;
    } catch (error) {
      last = error;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what} (last: ${last})`);
}

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

export function hmacHex(secret, body) {
  return crypto.createHmac('sha256', secret).update(body).digest('hex');
}

// Starts the simulator; resolves once it printed its ready line.
export async function startSimulator(args = [], { logFile } = {}) {
  const child = spawn(simulator, ['--listen', '127.0.0.1:0', ...args], {
    stdio: ['ignore', 'pipe', logFile ? fs.openSync(logFile, 'a') : 'ignore'],
  });
  const url = await new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error('simulator did not become ready')), 10000);
    child.stdout.on('data', (chunk) => {
      buffered += chunk;
      const newline = buffered.indexOf('\n');
      if (newline >= 0) {
        clearTimeout(timer);
        try {
          resolve(JSON.parse(buffered.slice(0, newline)).url);
        } catch (error) {
          reject(error);
        }
      }
    });
    child.on('exit', (code) => reject(new Error(`simulator exited with ${code}`)));
  });
  child.stdout.resume();
  return {
    url,
    child,
    async control(pathname, body) {
      const response = await fetch(url + pathname, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      if (!response.ok) throw new Error(`${pathname}: HTTP ${response.status} ${await response.text()}`);
      return response.json();
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

// Writes `toml` (a string; "{{DIR}}" is replaced by the work directory) and starts the daemon
// with it. Resolves once the daemon wrote its ready file.
export async function startDaemon(dir, toml, { name = 'authcorrd' } = {}) {
  const configPath = path.join(dir, `${name}.toml`);
  fs.writeFileSync(configPath, toml.replaceAll('{{DIR}}', dir));
  const readyFile = path.join(dir, `${name}.ready.json`);
  fs.rmSync(readyFile, { force: true });
  const logPath = path.join(dir, `${name}.log`);
  const child = spawn(binary, ['run', '--config', configPath, '--ready-file', readyFile], {
    stdio: ['ignore', fs.openSync(path.join(dir, `${name}.stdout`), 'a'), fs.openSync(logPath, 'a')],
  });
  let exited = null;
  const exitPromise = new Promise((resolve) =>
    child.once('exit', (code, signal) => {
      exited = { code, signal };
      resolve(exited);
    }),
  );
  try {
    await waitFor('the daemon to be ready', () => {
      if (exited) throw new Error(`daemon exited: ${JSON.stringify(exited)}\n${fs.readFileSync(logPath, 'utf8')}`);
      return fs.existsSync(readyFile);
    }, 20000);
  } catch (error) {
    // Never leave a daemon behind that the caller has no handle to stop.
    if (!exited) child.kill('SIGKILL');
    throw error;
  }
  const ready = JSON.parse(fs.readFileSync(readyFile, 'utf8'));
  const url = `http://${ready.listen}`;
  return {
    url,
    child,
    configPath,
    logPath,
    exitPromise,
    log: () => fs.readFileSync(logPath, 'utf8'),
    // `this.url`, not the start-up one: a reload may move the listener (tests then set url).
    async metrics() {
      const text = await (await fetch(this.url + '/metrics')).text();
      return parseMetrics(text);
    },
    async stop(signal = 'SIGTERM') {
      if (exited) return exited;
      child.kill(signal);
      return exitPromise;
    },
  };
}

// Prometheus text → Map("name{labels}" → number), labels as written by prometheus-cpp.
export function parseMetrics(text) {
  const values = new Map();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const space = line.lastIndexOf(' ');
    values.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return values;
}

// Sum of every sample of `name` whose labels include all of `labels`.
export function metricSum(values, name, labels = {}) {
  let sum = 0;
  for (const [key, value] of values) {
    const brace = key.indexOf('{');
    const metric = brace < 0 ? key : key.slice(0, brace);
    if (metric !== name) continue;
    if (Object.entries(labels).every(([k, v]) => key.includes(`${k}="${v}"`))) sum += value;
  }
  return sum;
}

export function readAlerts(file) {
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line));
}

// Runs a query on the daemon's SQLite file with the sqlite3 command-line tool.
export function sql(dbPath, query) {
  const result = spawnSync('sqlite3', ['-readonly', dbPath, query], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`sqlite3: ${result.stderr}`);
  return result.stdout.trim();
}

export function runBinary(args, options = {}) {
  return spawnSync(binary, args, { encoding: 'utf8', ...options });
}
