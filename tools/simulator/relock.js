'use strict';
// The fake Relock gateway: the feed of every emitted event (read by GET /relock/events), the
// webhook signing, and builders for the documented event payloads (reference/relock.md).

const crypto = require('crypto');

function sign(secret, bodyBuffer) {
  return crypto.createHmac('sha256', secret).update(bodyBuffer).digest('hex');
}

class RelockFeed {
  constructor(clock) {
    this.clock = clock || Date.now;
    this.events = []; // {event, data} in emission order
    // Cursors name a position in this run's feed; a cursor of another run restarts at 0.
    this.runId = crypto.randomBytes(4).toString('hex');
    this.byName = {};
  }

  // Appends one {event, data}; fills data.timestamp when absent. Returns the stored item.
  append(item) {
    const data = Object.assign({}, item.data || {});
    if (data.timestamp === undefined) data.timestamp = new Date(this.clock()).toISOString();
    const stored = { event: item.event, data };
    this.events.push(stored);
    this.byName[item.event] = (this.byName[item.event] || 0) + 1;
    return stored;
  }

  cursorFor(position) {
    return Buffer.from(`relock-sim:${this.runId}:${position}`).toString('base64url');
  }

  // Position of a cursor: a number, or null when malformed. Empty/absent = 0.
  positionOf(cursor) {
    if (cursor === undefined || cursor === null || cursor === '') return 0;
    if (!/^[A-Za-z0-9_-]+$/.test(cursor)) return null;
    const m = /^relock-sim:([0-9a-f]+):(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
    if (!m) return null;
    if (m[1] !== this.runId) return 0; // the simulator restarted: its feed starts afresh
    const pos = Number(m[2]);
    return pos > this.events.length ? this.events.length : pos;
  }

  page(cursor, limit) {
    const pos = this.positionOf(cursor);
    if (pos === null) return null;
    const items = this.events.slice(pos, pos + limit);
    const next = pos + items.length;
    return {
      data: items,
      next_cursor: this.cursorFor(next),
      has_more: next < this.events.length,
    };
  }
}

// ---- payload builders (field order as in Relock's documentation) ----

function iso(ms) {
  return new Date(ms).toISOString();
}

function authenticationSuccess(user, sessionId, ms) {
  return {
    event: 'authentication.success',
    data: {
      userId: user.user_id,
      sessionId,
      deviceId: user.device_id,
      timestamp: iso(ms),
      ipAddress: user.ip,
      userAgent: user.user_agent,
      location: user.location,
    },
  };
}

function sessionCreated(user, sessionId, ms) {
  return {
    event: 'session.created',
    data: {
      sessionId,
      userId: user.user_id,
      deviceId: user.device_id,
      timestamp: iso(ms),
      expiresAt: iso(ms + 24 * 3600 * 1000),
      ipAddress: user.ip,
      userAgent: user.user_agent,
    },
  };
}

function authenticationFailed(user, sessionId, ms, ip, userAgent, location, reason) {
  return {
    event: 'authentication.failed',
    data: {
      userId: user.user_id,
      sessionId,
      timestamp: iso(ms),
      reason: reason || 'device_not_trusted',
      ipAddress: ip,
      userAgent,
      location,
    },
  };
}

module.exports = { RelockFeed, sign, authenticationSuccess, sessionCreated, authenticationFailed };
