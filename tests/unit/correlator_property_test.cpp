// Seeded random event streams through the correlator: invariants that must hold for any input
// (bounds, alert shape, suppression) and determinism (same stream, same alert ids).
#include <doctest/doctest.h>

#include <algorithm>
#include <map>
#include <random>

#include "sinks/alert_json.hpp"
#include "tests/unit/event_builders.hpp"

using namespace authcorrd;
using namespace authcorrd::testing;

namespace {

std::vector<Event> random_stream(std::uint64_t seed, std::size_t count) {
  std::mt19937_64 rng(seed);
  auto pick = [&rng](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  static constexpr const char* kAuth0[] = {"s", "s", "s", "fp", "fu", "f", "fs", "fsa", "seacft"};
  static constexpr const char* kRelock[] = {
      "authentication.success", "authentication.failed", "device.registered", "device.revoked",
      "session.created",        "session.ended",         "security.alert"};
  std::vector<Event> events;
  TimeMs clock = kT0;
  for (std::size_t i = 0; i < count; ++i) {
    clock += static_cast<TimeMs>(pick(90'000));
    // Up to 5 minutes out of order: within the allowed lateness.
    const TimeMs time = clock - static_cast<TimeMs>(pick(300'000));
    const std::string user = "user-" + std::to_string(pick(60));
    const std::string ip = "10.0.0." + std::to_string(pick(4));
    const std::string ua = "UA-" + std::to_string(pick(3));
    const std::string id = "e" + std::to_string(i);
    if (!events.empty() && pick(50) == 0) {
      events.push_back(events[events.size() - 1 - pick(std::min<std::size_t>(events.size(), 20))]);
      continue;  // an at-least-once re-delivery of a recent event
    }
    if (pick(10) < 7) {
      events.push_back(auth0(kAuth0[pick(std::size(kAuth0))], time, user, id, ip, ua));
    } else {
      Event e = relock(kRelock[pick(std::size(kRelock))], time, user, id, ip, ua,
                       "dev-" + std::to_string(pick(3)), "sess-" + std::to_string(pick(8)));
      e.alert_type = pick(2) == 0 ? "device_compromised" : "suspicious_activity";
      e.reason = pick(2) == 0 ? "stolen" : "user_requested";
      events.push_back(std::move(e));
    }
  }
  return events;
}

Severity expected_severity(AlertType type) {
  switch (type) {
    case AlertType::session_hijacking:
      return Severity::critical;
    case AlertType::failed_login_burst:
    case AlertType::medium_risk_login:
    case AlertType::unusual_activity:
      return Severity::medium;
    default:
      return Severity::high;
  }
}

struct StreamResult {
  std::vector<Alert> alerts;
  CorrelatorStats stats;
};

StreamResult run_stream(const std::vector<Event>& events, const CorrelatorParams& params) {
  Correlator correlator(params);
  StreamResult outcome;
  TimeMs now = kT0;
  for (std::size_t i = 0; i < events.size(); ++i) {
    now = std::max(now, events[i].time);
    correlator.ingest(events[i], now, outcome.alerts);
    CHECK(correlator.stats().tracked_users <= params.max_users);
    if (i % 500 == 0) correlator.advance(now);
  }
  outcome.stats = correlator.stats();
  return outcome;
}

void check_alert_shapes(const std::vector<Alert>& alerts) {
  for (const Alert& alert : alerts) {
    CHECK_FALSE(alert.user_id.empty());
    REQUIRE_FALSE(alert.evidence.empty());
    CHECK(alert.severity == expected_severity(alert.type));
    TimeMs newest_evidence = kNoTime;
    for (std::size_t k = 0; k < alert.evidence.size(); ++k) {
      newest_evidence = std::max(newest_evidence, alert.evidence[k].time);
      if (k > 0) CHECK(alert.evidence[k - 1].time <= alert.evidence[k].time);
    }
    CHECK(alert.event_time >= newest_evidence);
    CHECK(alert.risk.has_value() ==
          (alert.type == AlertType::medium_risk_login || alert.type == AlertType::high_risk_login));
  }
}

}  // namespace

TEST_CASE("random streams within the memory bounds: suppression, shape and determinism") {
  for (const std::uint64_t seed : {1ULL, 2ULL, 3ULL, 42ULL}) {
    CAPTURE(seed);
    const std::vector<Event> events = random_stream(seed, 20'000);
    const CorrelatorParams params;
    const StreamResult outcome = run_stream(events, params);
    CHECK(outcome.stats.duplicate_events > 0);
    CHECK(outcome.alerts.size() > 10);
    check_alert_shapes(outcome.alerts);

    std::map<std::pair<AlertType, std::string>, std::vector<TimeMs>> times;
    for (const Alert& alert : outcome.alerts) {
      times[{alert.type, alert.user_id}].push_back(alert.event_time);
    }
    for (auto& [key, list] : times) {
      std::sort(list.begin(), list.end());
      for (std::size_t k = 1; k < list.size(); ++k) {
        CHECK(list[k] - list[k - 1] >= params.suppression_period);
      }
    }

    const StreamResult again = run_stream(events, params);
    REQUIRE(again.alerts.size() == outcome.alerts.size());
    for (std::size_t k = 0; k < outcome.alerts.size(); ++k) {
      CHECK(alert_id(again.alerts[k]) == alert_id(outcome.alerts[k]));
    }
  }
}

TEST_CASE("random streams beyond the memory bounds: limits hold, evictions are counted") {
  for (const std::uint64_t seed : {7ULL, 8ULL}) {
    CAPTURE(seed);
    CorrelatorParams params;
    params.max_users = 40;  // below the 60 users in the stream
    params.max_events_per_user = 16;
    params.max_sessions_per_user = 2;
    const StreamResult outcome = run_stream(random_stream(seed, 20'000), params);
    CHECK(outcome.stats.users_evicted > 0);
    CHECK(outcome.stats.records_evicted > 0);
    CHECK(outcome.stats.sessions_evicted > 0);
    CHECK(outcome.stats.tracked_sessions <= params.max_users * params.max_sessions_per_user);
    check_alert_shapes(outcome.alerts);
  }
}
