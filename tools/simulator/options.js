'use strict';
// Command line of authcorrd-sim. parse() returns the options or throws UsageError.

const { parseRateLimit } = require('./tenant');
const { SCENARIOS } = require('./traffic');

class UsageError extends Error {}

const USAGE = `usage: authcorrd-sim [options]

A fake Auth0 tenant and Relock gateway for authcorrd tests and demos (see tools/README.md).
Prints {"ready":true,"url":"..."} on stdout once listening; logs go to stderr.

Server:
  --listen HOST:PORT            address to listen on (default 127.0.0.1:0 = ephemeral port)
  --tls-cert FILE --tls-key FILE serve HTTPS instead of HTTP
Auth0 tenant:
  --tenant NAME                 tenant name in logs (default authcorrd-sim)
  --client-id ID                M2M client id (default sim-client)
  --client-secret SECRET        M2M client secret (default sim-secret)
  --token-ttl SECONDS           access token lifetime, expires_in (default 86400)
  --rate-limit N/PERIOD         token bucket for /api/v2/logs, e.g. 10/1s, 100/1m (default none)
  --pull-user-agent raw|parsed  user_agent in /api/v2/logs rows (default raw, see README)
Auth0 Log Streams push:
  --auth0-stream-url URL        the daemon's /ingest/auth0
  --auth0-stream-token TOKEN    sent as "Authorization: Bearer TOKEN"
  --auth0-stream-format F       jsonlines | jsonarray | jsonobject (default jsonlines)
  --auth0-delivery MODE         pull | stream | both (default: both with a stream URL, else pull)
Relock:
  --relock-webhook-url URL      the daemon's /ingest/relock (signed POSTs)
  --relock-secret SECRET        webhook HMAC key (required with --relock-webhook-url)
  --relock-api-key KEY          bearer key of GET /relock/events (default sim-relock-key)
Outbound HTTPS:
  --push-timeout MS             per-attempt timeout of webhook/stream POSTs (default 5000)
  --push-ca FILE                extra CA certificate for https targets
  --push-insecure               do not verify https targets' certificates
Traffic:
  --users N                     users in the tenant (default 20)
  --rate N                      background logins per second (default 5; 0 = none)
  --seed N                      PRNG seed (default 1)
  --scenarios LIST              burst,paired,new_device | all | none (default all)
  --scenario-interval SECONDS   each scenario plays once per interval (default 20)
  --duration SECONDS            exit 0 after this long (default: until SIGTERM/SIGINT)
Output:
  --quiet                       no per-scenario lines on stderr (errors still shown)
  --verbose                     also log every HTTP request on stderr
  -h, --help                    this text
`;

const DEFAULTS = {
  listen: '127.0.0.1:0',
  tlsCert: null,
  tlsKey: null,
  tenant: 'authcorrd-sim',
  clientId: 'sim-client',
  clientSecret: 'sim-secret',
  tokenTtl: 86400,
  rateLimit: null,
  pullUserAgent: 'raw',
  auth0StreamUrl: null,
  auth0StreamToken: null,
  auth0StreamFormat: 'jsonlines',
  auth0Delivery: null, // pull, or both when --auth0-stream-url is given
  relockWebhookUrl: null,
  relockSecret: null,
  relockApiKey: 'sim-relock-key',
  pushTimeout: 5000,
  pushCa: null,
  pushInsecure: false,
  users: 20,
  rate: 5,
  seed: 1,
  scenarios: SCENARIOS.slice(),
  scenarioInterval: 20,
  duration: null,
  quiet: false,
  verbose: false,
  help: false,
};

// flag -> [key, kind]
const FLAGS = {
  '--listen': ['listen', 'string'],
  '--tls-cert': ['tlsCert', 'string'],
  '--tls-key': ['tlsKey', 'string'],
  '--tenant': ['tenant', 'string'],
  '--client-id': ['clientId', 'string'],
  '--client-secret': ['clientSecret', 'string'],
  '--token-ttl': ['tokenTtl', 'number'],
  '--rate-limit': ['rateLimit', 'ratelimit'],
  '--pull-user-agent': ['pullUserAgent', ['raw', 'parsed']],
  '--auth0-stream-url': ['auth0StreamUrl', 'url'],
  '--auth0-stream-token': ['auth0StreamToken', 'string'],
  '--auth0-stream-format': ['auth0StreamFormat', ['jsonlines', 'jsonarray', 'jsonobject']],
  '--auth0-delivery': ['auth0Delivery', ['pull', 'stream', 'both']],
  '--relock-webhook-url': ['relockWebhookUrl', 'url'],
  '--relock-secret': ['relockSecret', 'string'],
  '--relock-api-key': ['relockApiKey', 'string'],
  '--push-timeout': ['pushTimeout', 'number'],
  '--push-ca': ['pushCa', 'string'],
  '--push-insecure': ['pushInsecure', 'bool'],
  '--users': ['users', 'int'],
  '--rate': ['rate', 'number'],
  '--seed': ['seed', 'int'],
  '--scenarios': ['scenarios', 'scenarios'],
  '--scenario-interval': ['scenarioInterval', 'number'],
  '--duration': ['duration', 'number'],
  '--quiet': ['quiet', 'bool'],
  '--verbose': ['verbose', 'bool'],
  '--help': ['help', 'bool'],
  '-h': ['help', 'bool'],
};

function convert(flag, kind, raw) {
  if (Array.isArray(kind)) {
    if (!kind.includes(raw)) throw new UsageError(`${flag}: expected one of ${kind.join(', ')}, got "${raw}"`);
    return raw;
  }
  switch (kind) {
    case 'string':
      return raw;
    case 'number': {
      const n = Number(raw);
      if (raw === '' || !Number.isFinite(n) || n < 0) throw new UsageError(`${flag}: expected a non-negative number, got "${raw}"`);
      return n;
    }
    case 'int': {
      if (!/^\d+$/.test(raw)) throw new UsageError(`${flag}: expected a non-negative integer, got "${raw}"`);
      return Number(raw);
    }
    case 'url': {
      let u;
      try {
        u = new URL(raw);
      } catch (_) {
        throw new UsageError(`${flag}: not a URL: "${raw}"`);
      }
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new UsageError(`${flag}: expected an http(s) URL, got "${raw}"`);
      return raw;
    }
    case 'ratelimit': {
      const r = parseRateLimit(raw);
      if (!r) throw new UsageError(`${flag}: expected N/PERIOD such as 10/1s or 100/1m, got "${raw}"`);
      r.text = raw;
      return r;
    }
    case 'scenarios': {
      if (raw === 'all') return SCENARIOS.slice();
      if (raw === 'none' || raw === '') return [];
      const list = raw.split(',').map((s) => s.trim()).filter(Boolean);
      for (const s of list) {
        if (!SCENARIOS.includes(s)) throw new UsageError(`${flag}: unknown scenario "${s}" (known: ${SCENARIOS.join(', ')}, all, none)`);
      }
      return Array.from(new Set(list));
    }
    default:
      throw new Error(`bad kind ${kind}`);
  }
}

// "host:port", "[v6]:port" -> {host, port}
function parseListen(text) {
  const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d{1,5})$/.exec(text);
  if (!m || Number(m[3]) > 65535) throw new UsageError(`--listen: expected HOST:PORT, got "${text}"`);
  return { host: m[1] || m[2], port: Number(m[3]) };
}

function parse(argv) {
  const opts = Object.assign({}, DEFAULTS, { scenarios: DEFAULTS.scenarios.slice() });
  for (let i = 0; i < argv.length; i++) {
    let arg = argv[i];
    let inline = null;
    const eq = arg.indexOf('=');
    if (arg.startsWith('--') && eq > 0) {
      inline = arg.slice(eq + 1);
      arg = arg.slice(0, eq);
    }
    const spec = FLAGS[arg];
    if (!spec) throw new UsageError(`unknown option "${argv[i]}"`);
    const [key, kind] = spec;
    if (kind === 'bool') {
      if (inline !== null) throw new UsageError(`${arg} takes no value`);
      opts[key] = true;
      continue;
    }
    let raw = inline;
    if (raw === null) {
      if (i + 1 >= argv.length) throw new UsageError(`${arg} needs a value`);
      raw = argv[++i];
    }
    opts[key] = convert(arg, kind, raw);
  }
  if (opts.help) return opts;
  opts.listenAddr = parseListen(opts.listen);
  if ((opts.tlsCert === null) !== (opts.tlsKey === null)) throw new UsageError('--tls-cert and --tls-key go together');
  if (opts.relockWebhookUrl && !opts.relockSecret) throw new UsageError('--relock-webhook-url needs --relock-secret');
  if (opts.auth0Delivery === null) opts.auth0Delivery = opts.auth0StreamUrl ? 'both' : 'pull';
  if (opts.auth0Delivery !== 'pull' && !opts.auth0StreamUrl) throw new UsageError(`--auth0-delivery ${opts.auth0Delivery} needs --auth0-stream-url`);
  if (opts.users < 1) throw new UsageError('--users must be at least 1');
  if (!(opts.scenarioInterval > 0)) throw new UsageError('--scenario-interval must be positive');
  if (!(opts.tokenTtl > 0)) throw new UsageError('--token-ttl must be positive');
  if (!(opts.pushTimeout > 0)) throw new UsageError('--push-timeout must be positive');
  return opts;
}

module.exports = { parse, USAGE, UsageError };
