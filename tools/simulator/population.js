'use strict';
// The simulated users: stable identity, IP, user agent and Relock device per user, drawn from a
// seeded PRNG. IPs come from networks of MaxMind's GeoIP2-City test database
// (../shared/fixtures/geoip), so a daemon that geolocates with that database finds them.

// [first address prefix, lowest host, highest host, location] — IPv4 /24 (or smaller) ranges.
const HOME_NETWORKS = [
  { prefix: '81.2.69.', lo: 160, hi: 191, loc: { country: 'GB', city: 'London', timezone: 'Europe/London' } },
  { prefix: '89.160.20.', lo: 129, hi: 254, loc: { country: 'SE', city: 'Linköping', timezone: 'Europe/Stockholm' } },
  { prefix: '216.160.83.', lo: 57, hi: 62, loc: { country: 'US', city: 'Milton', timezone: 'America/Los_Angeles' } },
  { prefix: '214.78.120.', lo: 1, hi: 254, loc: { country: 'US', city: 'San Diego', timezone: 'America/Los_Angeles' } },
  { prefix: '214.78.121.', lo: 1, hi: 254, loc: { country: 'US', city: 'San Diego', timezone: 'America/Los_Angeles' } },
  { prefix: '214.0.0.', lo: 1, hi: 254, loc: { country: 'SG', city: 'Singapore', timezone: 'Asia/Singapore' } },
  { prefix: '214.0.1.', lo: 1, hi: 254, loc: { country: 'AU', city: 'Melbourne', timezone: 'Australia/Melbourne' } },
  { prefix: '2.2.3.', lo: 1, hi: 254, loc: { country: 'GB', city: 'Boxford', timezone: 'Europe/London' } },
];

// Where attackers and "new devices" come from: networks no regular user lives in.
const FOREIGN_NETWORKS = [
  { prefix: '175.16.199.', lo: 1, hi: 254, loc: { country: 'CN', city: 'Changchun', timezone: 'Asia/Harbin' } },
  { prefix: '67.43.156.', lo: 1, hi: 254, loc: { country: 'BT', timezone: 'Asia/Thimphu' } },
  { prefix: '202.196.224.', lo: 1, hi: 254, loc: { country: 'PH', timezone: 'Asia/Manila' } },
  { prefix: '214.78.122.', lo: 1, hi: 254, loc: { country: 'US', city: 'San Diego', timezone: 'America/Los_Angeles' } },
];

// Raw User-Agent headers (what Log Streams and Relock carry) with the parsed form the
// Management API shows for them, and whether Auth0 flags them as mobile.
const USER_AGENTS = [
  ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36', 'Chrome 120.0.0 / Mac OS X 10.15.7', false],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Safari/537.36', 'Chrome 121.0.0 / Windows 10.0.0', false],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:122.0) Gecko/20100101 Firefox/122.0', 'Firefox 122.0.0 / Windows 10.0.0', false],
  ['Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', 'Firefox 125.0.0 / Linux 0.0.0', false],
  ['Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Safari/605.1.15', 'Safari 17.2.0 / Mac OS X 10.15.7', false],
  ['Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.2 Mobile/15E148 Safari/604.1', 'Mobile Safari 17.2.0 / iOS 17.2.0', true],
  ['Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.6099.144 Mobile Safari/537.36', 'Chrome Mobile 120.0.6099 / Android 14.0.0', true],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.2210.91', 'Edge 120.0.2210 / Windows 10.0.0', false],
  ['Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0.0.0 Safari/537.36', 'Chrome 119.0.0 / Linux 0.0.0', false],
  ['Mozilla/5.0 (iPad; CPU OS 16_7 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1', 'Mobile Safari 16.6.0 / iOS 16.7.0', true],
];

// User agents of attackers and of a victim's "new device"; never given to a regular user.
const FOREIGN_USER_AGENTS = [
  ['Mozilla/5.0 (Windows NT 6.1; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/87.0.4280.88 Safari/537.36', 'Chrome 87.0.4280 / Windows 7.0.0', false],
  ['Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:93.0) Gecko/20100101 Firefox/93.0', 'Firefox 93.0.0 / Ubuntu 0.0.0', false],
  ['Mozilla/5.0 (Linux; Android 10; SM-G973F) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/83.0.4103.106 Mobile Safari/537.36', 'Chrome Mobile 83.0.4103 / Android 10.0.0', true],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:109.0) Gecko/20100101 Firefox/115.0', 'Firefox 115.0.0 / Windows 10.0.0', false],
  ['python-requests/2.31.0', 'Python Requests 2.31.0 / Other 0.0.0', false],
];

const PARSED = new Map();
const MOBILE = new Map();
for (const [raw, parsed, mobile] of USER_AGENTS.concat(FOREIGN_USER_AGENTS)) {
  PARSED.set(raw, parsed);
  MOBILE.set(raw, mobile);
}

// Management API style of a raw User-Agent header ("Chrome 120.0.0 / Mac OS X 10.15.7").
function parsedUserAgent(raw) {
  if (!raw) return '';
  return PARSED.get(raw) || 'Other 0.0.0 / Other 0.0.0';
}

function isMobileUserAgent(raw) {
  return MOBILE.get(raw) || /Mobile|Android|iPhone|iPad/.test(raw || '');
}

const FIRST = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank', 'grace', 'heidi', 'ivan', 'judy',
  'mallory', 'niaj', 'olivia', 'peggy', 'rupert', 'sybil', 'trent', 'victor', 'walter', 'yasmin'];
const LAST = ['nguyen', 'smith', 'garcia', 'muller', 'rossi', 'kowalski', 'tanaka', 'silva',
  'johansson', 'okafor', 'dubois', 'novak', 'haddad', 'kim', 'larsen', 'moreau'];

class Population {
  constructor(rng) {
    this.rng = rng;
    this.users = [];
    this.byId = new Map();
    this.usedIps = new Set();
    this.usedNames = new Set();
  }

  pickIp(networks, avoid) {
    for (let attempt = 0; attempt < 64; attempt++) {
      const net = this.rng.pick(networks);
      const ip = net.prefix + this.rng.int(net.lo, net.hi);
      if (!this.usedIps.has(ip) && ip !== avoid) return { ip, location: Object.assign({}, net.loc) };
    }
    // Pools exhausted: documentation range, no geolocation.
    const ip = `198.51.100.${this.rng.int(1, 254)}`;
    return { ip, location: {} };
  }

  // A new user. kind: 'regular' (background traffic, Relock verified) or 'reserved' (only for
  // the new_device scenario: never any Relock traffic).
  create(kind, inBackground) {
    let name;
    for (let attempt = 0; ; attempt++) {
      name = `${this.rng.pick(FIRST)}.${this.rng.pick(LAST)}`;
      if (attempt > 20) name += this.users.length;
      if (!this.usedNames.has(name)) break;
    }
    this.usedNames.add(name);
    const home = this.pickIp(HOME_NETWORKS);
    this.usedIps.add(home.ip);
    const ua = this.rng.pick(USER_AGENTS)[0];
    const user = {
      index: this.users.length,
      user_id: `auth0|${this.rng.hex(24)}`,
      email: `${name}@example.com`,
      ip: home.ip,
      location: home.location,
      user_agent: ua,
      device_id: `dev_${this.rng.alnum(20)}`,
      kind,
      background: inBackground,
      logins: 0,
      busy: false,
      lastFailureAt: -Infinity,
      relockVerifiedAt: null,
      baselineAt: null,
      victimOf: null,
    };
    this.users.push(user);
    this.byId.set(user.user_id, user);
    return user;
  }

  // An IP from a network the user never logs in from, and a user agent the user never used.
  foreignIp(user) {
    return this.pickIp(FOREIGN_NETWORKS, user ? user.ip : undefined);
  }
  foreignUserAgent(user) {
    for (;;) {
      const ua = this.rng.pick(FOREIGN_USER_AGENTS)[0];
      if (!user || ua !== user.user_agent) return ua;
    }
  }

  get(userId) {
    return this.byId.get(userId);
  }

  describe(user) {
    return {
      user_id: user.user_id,
      email: user.email,
      kind: user.kind,
      background: user.background,
      ip: user.ip,
      location: user.location,
      user_agent: user.user_agent,
      device_id: user.device_id,
      logins: user.logins,
      victim_of: user.victimOf,
    };
  }
}

module.exports = { Population, parsedUserAgent, isMobileUserAgent };
