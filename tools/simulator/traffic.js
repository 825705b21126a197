'use strict';
// Background logins and the attack scenarios (burst, paired, new_device), all dated "now".
//
// Victims are never reused: each scenario play takes a user no earlier play touched, and when
// the population runs out a new user joins the tenant for it. So every play raises exactly the
// alert it is recorded with in /_sim/expected, whatever the daemon's suppression period, and
// background traffic raises none (each background user fails at most once per 24 h, so
// `recent_failures` and `failed_login_burst` never come from background traffic).

const relock = require('./relock');

const SCENARIOS = ['burst', 'paired', 'new_device'];
const DAY_MS = 24 * 3600 * 1000;

const EXPECT = {
  burst: { alert: 'failed_login_burst', severity: 'medium' },
  paired: { alert: 'correlated_security_event', severity: 'high' },
  new_device: { alert: 'medium_risk_login', severity: 'medium' },
};

class Traffic {
  // world: {emitAuth0(fields, user) -> log, emitRelock(item) -> stored item}
  constructor({ population, world, rng, opts, log }) {
    this.pop = population;
    this.world = world;
    this.rng = rng;
    this.opts = opts;
    this.log = log;
    this.rate = opts.rate;
    this.scenarios = opts.scenarios;
    this.stopped = false;
    this.timers = new Set();
    this.expected = [];
    this.regularQueue = [];
    this.reservedQueue = [];
    this.bgTimer = null;
    this.inflight = 0; // login flows and scenario plays still emitting events
  }

  clock() {
    return Date.now();
  }

  sleep(ms) {
    return new Promise((resolve) => {
      const t = setTimeout(() => {
        this.timers.delete(t);
        resolve();
      }, ms);
      this.timers.add(t);
    });
  }

  // Creates the population and plays the startup baseline.
  setup() {
    const n = this.opts.users;
    const wantsNewDevice = this.scenarios.includes('new_device');
    let reserved = wantsNewDevice ? Math.max(1, Math.floor(n / 10)) : 0;
    if (reserved >= n && n > 1) reserved = n - 1;
    for (let i = 0; i < n - reserved; i++) this.regularQueue.push(this.pop.create('regular', true));
    for (let i = 0; i < reserved; i++) this.reservedQueue.push(this.pop.create('reserved', false));
    this.regularQueue = this.rng.shuffle(this.regularQueue);
    this.log(`population: ${n - reserved} regular user(s), ${reserved} reserved for new_device`);
  }

  start() {
    // Baseline: every user logs in once at startup, so scenario victims have a known IP, user
    // agent and (regular users only) a Relock verification before anything happens to them.
    if (this.scenarios.length > 0) {
      const all = this.regularQueue.concat(this.reservedQueue);
      const step = all.length > 0 ? Math.min(100, 2000 / all.length) : 0;
      all.forEach((user, i) => {
        const t = setTimeout(() => {
          this.timers.delete(t);
          if (this.stopped) return;
          if (user.kind === 'reserved') this.baselineLogin(user);
          else this.normalLogin(user, false).catch((err) => this.log(`baseline: ${err.message}`));
        }, i * step);
        this.timers.add(t);
      });
    }
    this.scheduleScenarios();
    this.scheduleBackground();
  }

  stop() {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    if (this.bgTimer) clearTimeout(this.bgTimer);
    if (this.scenarioTimer) clearTimeout(this.scenarioTimer);
  }

  // Plays every listed scenario once per --scenario-interval, the first one interval after
  // start (or after the list changes).
  scheduleScenarios() {
    if (this.scenarioTimer) clearTimeout(this.scenarioTimer);
    this.scenarioTimer = null;
    if (this.stopped || this.scenarios.length === 0) return;
    const interval = this.opts.scenarioInterval * 1000;
    const tick = () => {
      if (this.stopped) return;
      for (const name of this.scenarios) this.play(name).catch((err) => this.log(`scenario ${name}: ${err.message}`));
      this.scenarioTimer = setTimeout(tick, interval);
    };
    this.scenarioTimer = setTimeout(tick, interval);
  }

  setScenarios(list) {
    this.scenarios = list;
    this.scheduleScenarios();
  }

  setRate(rate) {
    this.rate = rate;
    if (this.bgTimer) clearTimeout(this.bgTimer);
    this.bgTimer = null;
    this.scheduleBackground();
  }

  scheduleBackground() {
    if (this.stopped || !(this.rate > 0)) return;
    const mean = 1000 / this.rate;
    const delay = mean * this.rng.range(0.5, 1.5);
    this.bgTimer = setTimeout(() => {
      this.bgTimer = null;
      this.backgroundTick();
      this.scheduleBackground();
    }, delay);
  }

  backgroundTick() {
    const candidates = this.pop.users.filter((u) => u.background && !u.busy);
    if (candidates.length === 0) return;
    const user = this.rng.pick(candidates);
    const now = this.clock();
    // One failed password first, now and then, but never twice within 24 h for a user.
    const withFailure = this.rng.chance(0.05) && now - user.lastFailureAt > DAY_MS && !user.victimOf;
    this.normalLogin(user, withFailure).catch((err) => this.log(`background: ${err.message}`));
  }

  // ---- building blocks ----

  auth0(fields, user) {
    return this.world.emitAuth0(fields, user);
  }

  loginDetails(user) {
    user.logins += 1;
    const now = this.clock();
    return {
      prompts: [],
      initiatedAt: now - this.rng.int(2000, 9000),
      completedAt: now,
      session_id: this.rng.token(32),
      stats: { loginsCount: user.logins },
    };
  }

  successLogin(user, ip, userAgent) {
    const fields = { type: 's', details: this.loginDetails(user) };
    if (ip !== undefined) fields.ip = ip;
    if (userAgent !== undefined) fields.user_agent = userAgent;
    return this.auth0(fields, user);
  }

  failedPassword(user, ip, userAgent) {
    const fields = { type: 'fp', details: { error: { message: 'Wrong email or password.' } } };
    if (ip !== undefined) fields.ip = ip;
    if (userAgent !== undefined) fields.user_agent = userAgent;
    user.lastFailureAt = this.clock();
    return this.auth0(fields, user);
  }

  // A normal login: [fp, pause,] s, then Relock authentication.success and session.created
  // within a second or two. Resolves when all events are emitted.
  async normalLogin(user, withFailure) {
    this.inflight += 1;
    try {
      await this.normalLoginSteps(user, withFailure);
    } finally {
      this.inflight -= 1;
    }
  }

  async normalLoginSteps(user, withFailure) {
    if (withFailure) {
      this.failedPassword(user);
      await this.sleep(this.rng.int(2000, 5000));
      if (this.stopped) return;
    }
    this.successLogin(user);
    user.baselineAt = user.baselineAt || this.clock();
    if (user.kind === 'reserved') return; // never any Relock traffic for these
    const sessionId = `rls_${this.rng.alnum(24)}`;
    await this.sleep(this.rng.int(300, 1000));
    if (this.stopped) return;
    this.world.emitRelock(relock.authenticationSuccess(user, sessionId, this.clock()));
    user.relockVerifiedAt = this.clock();
    await this.sleep(this.rng.int(200, 800));
    if (this.stopped) return;
    this.world.emitRelock(relock.sessionCreated(user, sessionId, this.clock()));
  }

  // Auth0 login only (reserved users): the new_device victim's known IP and user agent.
  baselineLogin(user) {
    this.successLogin(user);
    user.baselineAt = this.clock();
  }

  // ---- scenarios ----

  takeRegularVictim(scenario) {
    // Prefer a user with no failed login in the last 24 h (a background fp would count
    // towards the burst and move the alert to an earlier failure).
    const now = this.clock();
    let i = this.regularQueue.findIndex((u) => !u.busy && now - u.lastFailureAt > DAY_MS);
    if (i < 0) i = this.regularQueue.findIndex((u) => !u.busy);
    let user = i >= 0 ? this.regularQueue.splice(i, 1)[0] : null;
    if (!user) user = this.pop.create('regular', false);
    user.victimOf = scenario;
    return user;
  }

  takeReservedVictim() {
    let user = this.reservedQueue.shift();
    if (!user) user = this.pop.create('reserved', false);
    user.victimOf = 'new_device';
    return user;
  }

  record(scenario, user) {
    const entry = Object.assign({
      id: this.expected.length + 1,
      scenario,
      user_id: user.user_id,
      user_name: user.email,
      status: 'playing',
      started_at: new Date(this.clock()).toISOString(),
    }, EXPECT[scenario]);
    entry.auth0_log_ids = [];
    entry.relock_events = [];
    this.expected.push(entry);
    return entry;
  }

  // Plays one scenario; resolves with its /_sim/expected entry once every event is emitted.
  async play(name) {
    if (!SCENARIOS.includes(name)) throw new Error(`unknown scenario "${name}"`);
    const user = name === 'new_device' ? this.takeReservedVictim() : this.takeRegularVictim(name);
    user.busy = true;
    this.inflight += 1;
    const entry = this.record(name, user);
    try {
      if (name === 'burst') await this.burst(user, entry);
      else if (name === 'paired') await this.paired(user, entry);
      else await this.newDevice(user, entry);
      entry.status = this.stopped ? 'aborted' : 'done';
    } finally {
      this.inflight -= 1;
      user.busy = false;
      entry.finished_at = new Date(this.clock()).toISOString();
    }
    return entry;
  }

  // A victim with no Relock verification yet (a user created for this play) logs in normally
  // first, so the play itself adds no low_device_trust.
  async warmUp(user, entry) {
    if (user.relockVerifiedAt) return;
    await this.normalLogin(user, false);
    entry.warm_up = true;
    await this.sleep(3000);
  }

  async burst(user, entry) {
    await this.warmUp(user, entry);
    if (this.stopped) return;
    this.log(`scenario #${entry.id} burst: 5 failed logins (fp) for ${user.user_id} (${user.email}) from ${user.ip} within ~10 s -> expect failed_login_burst`);
    // A background failure within 24 h (at most one) counts too: the alert comes with the
    // failure that makes four.
    const prior = this.clock() - user.lastFailureAt <= DAY_MS ? 1 : 0;
    for (let i = 0; i < 5; i++) {
      // From the user's own IP and browser: the burst adds only recent_failures (25, low) to
      // the 5th attempt's risk, so failed_login_burst is the only alert.
      const log = this.failedPassword(user);
      entry.auth0_log_ids.push(log.log_id);
      if (i === 3 - prior) entry.time = log.date; // more than 3 failures in 24 h fires
      if (i < 4) await this.sleep(this.rng.int(1500, 2300));
      if (this.stopped) return;
    }
  }

  async paired(user, entry) {
    await this.warmUp(user, entry);
    if (this.stopped) return;
    const attacker = this.pop.foreignIp(user);
    const ua = this.pop.foreignUserAgent(user);
    this.log(`scenario #${entry.id} paired: fp + Relock authentication.failed for ${user.user_id} (${user.email}) from ${attacker.ip} -> expect correlated_security_event`);
    const log = this.failedPassword(user, attacker.ip, ua);
    entry.auth0_log_ids.push(log.log_id);
    await this.sleep(this.rng.int(1000, 3000));
    if (this.stopped) return;
    const sessionId = `rls_${this.rng.alnum(24)}`;
    const item = this.world.emitRelock(relock.authenticationFailed(
      user, sessionId, this.clock(), attacker.ip, ua, attacker.location, 'device_not_trusted'));
    entry.relock_events.push(item);
    entry.time = item.data.timestamp; // the later of the pair
    entry.ip = attacker.ip;
  }

  async newDevice(user, entry) {
    if (!user.baselineAt) {
      // A user created for this play: the baseline login comes first.
      this.baselineLogin(user);
      entry.warm_up = true;
      await this.sleep(3000);
      if (this.stopped) return;
    }
    const fresh = this.pop.foreignIp(user);
    const ua = this.pop.foreignUserAgent(user);
    this.log(`scenario #${entry.id} new_device: ${user.user_id} (${user.email}) known from ${user.ip} logs in from ${fresh.ip} with a new browser, no Relock ever -> expect medium_risk_login (65)`);
    const log = this.successLogin(user, fresh.ip, ua);
    entry.auth0_log_ids.push(log.log_id);
    entry.time = log.date;
    entry.ip = fresh.ip;
    entry.previous_ip = user.ip;
    entry.risk = {
      score: 65,
      level: 'medium',
      factors: [
        { factor: 'ip_change', score: 20 },
        { factor: 'user_agent_change', score: 15 },
        { factor: 'low_device_trust', score: 30 },
      ],
    };
  }
}

module.exports = { Traffic, SCENARIOS };
