// Tunable parameters of the correlator, as plain structs with DESIGN.md's defaults. The daemon
// fills them from the configuration file; tests construct them directly. Immutable once a
// Correlator is built from them.
#pragma once

#include <cstddef>

#include "correlator/event.hpp"

namespace authcorrd {

struct RiskWeights {
  int ip_change = 20;
  int user_agent_change = 15;
  int low_device_trust = 30;
  int recent_failures = 25;

  bool operator==(const RiskWeights&) const = default;
};

struct CorrelatorParams {
  // correlated_security_event: an Auth0 failed login and a Relock security event at most this
  // far apart in event time, in either order.
  TimeMs correlation_window = 60 * kSecondMs;

  // failed_login_burst and the recent_failures factor: more than `failure_threshold` failed
  // logins within `failure_window`.
  TimeMs failure_window = 24 * kHourMs;
  int failure_threshold = 3;

  RiskWeights weights;
  int medium_risk_score = 40;
  int high_risk_score = 70;

  // A Relock verification makes a device trusted for this long.
  TimeMs device_trust_ttl = 30 * kDayMs;

  // A second alert of the same type for the same user within this period is suppressed.
  TimeMs suppression_period = 1 * kHourMs;

  // Watermark of a source = newest event time seen from it minus this.
  TimeMs allowed_lateness = 10 * kMinuteMs;
  // advance(now) treats a source that is quiet for longer than this as caught up, so one idle
  // source cannot stop the index from pruning.
  TimeMs max_source_lag = 1 * kHourMs;
  // Events dated more than this after `now` are counted as future events and ignored, so a
  // source with a wrong clock cannot push watermarks ahead of real time.
  TimeMs max_clock_skew = 5 * kMinuteMs;

  // Memory bounds. Exceeding them evicts (and counts) the least recently active user, the
  // oldest event of a user, or the oldest session of a user.
  std::size_t max_users = 1'000'000;
  std::size_t max_events_per_user = 1024;
  std::size_t max_sessions_per_user = 64;

  // Join events that carry no user id but an email address to the user last seen with it.
  bool join_on_email = false;

  bool operator==(const CorrelatorParams&) const = default;
};

}  // namespace authcorrd
