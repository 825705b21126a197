// Small builders for correlator tests: events at explicit virtual times, so every window edge is
// exact. Test-only.
#pragma once

#include <string>
#include <vector>

#include "correlator/correlator.hpp"
#include "correlator/event_codes.hpp"

namespace authcorrd::testing {

// 2025-01-01T00:00:00Z, the epoch of every test scenario.
inline constexpr TimeMs kT0 = 1735689600000;

inline Event auth0(std::string code, TimeMs time, std::string user, std::string id,
                   std::string ip = "198.51.100.1", std::string user_agent = "UA-1") {
  Event event;
  event.source = Source::auth0;
  const Classification c = classify_auth0_type(code);
  event.kind = c.kind;
  event.outcome = c.outcome;
  event.type_code = std::move(code);
  event.time = time;
  event.user_id = std::move(user);
  event.source_id = std::move(id);
  event.ip = std::move(ip);
  event.user_agent = std::move(user_agent);
  return event;
}

inline Event relock(std::string name, TimeMs time, std::string user, std::string id,
                    std::string ip = "198.51.100.1", std::string user_agent = "UA-1",
                    std::string device = "dev-1", std::string session = "") {
  Event event;
  event.source = Source::relock;
  event.kind = *classify_relock_event(name);
  event.type_code = std::move(name);
  event.time = time;
  event.user_id = std::move(user);
  event.source_id = std::move(id);
  event.ip = std::move(ip);
  event.user_agent = std::move(user_agent);
  event.device_id = std::move(device);
  event.session_id = std::move(session);
  return event;
}

// Feeds events in the given order, `now` being the newest event time so far (as replay does),
// and returns every alert.
inline std::vector<Alert> feed(Correlator& correlator, const std::vector<Event>& events) {
  std::vector<Alert> alerts;
  TimeMs now = kT0;
  for (const Event& event : events) {
    now = std::max(now, event.time);
    correlator.ingest(event, now, alerts);
  }
  return alerts;
}

inline std::size_t count_type(const std::vector<Alert>& alerts, AlertType type) {
  std::size_t n = 0;
  for (const Alert& a : alerts)
    n += a.type == type ? 1 : 0;
  return n;
}

// Parameters that switch off the risk alerts, so a test sees only the detection it is about.
inline CorrelatorParams without_risk_alerts() {
  CorrelatorParams params;
  params.medium_risk_score = 1000;
  params.high_risk_score = 1000;
  return params;
}

}  // namespace authcorrd::testing
