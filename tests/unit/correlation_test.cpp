// correlated_security_event: an Auth0 failed login and a Relock security event within 60 s.
#include <doctest/doctest.h>

#include "sinks/alert_json.hpp"
#include "tests/unit/event_builders.hpp"

using namespace authcorrd;
using namespace authcorrd::testing;

namespace {

std::vector<Alert> pair_apart(TimeMs relock_offset, bool auth0_arrives_first) {
  Correlator correlator(without_risk_alerts());
  const Event failure = auth0("fp", kT0, "auth0|alice", "log-1");
  const Event relock_failure =
      relock("authentication.failed", kT0 + relock_offset, "auth0|alice", "rl-1");
  return auth0_arrives_first ? feed(correlator, {failure, relock_failure})
                             : feed(correlator, {relock_failure, failure});
}

}  // namespace

TEST_CASE("pairs 59.999 s apart correlate, 60.001 s apart do not, in either order") {
  for (const bool auth0_first : {true, false}) {
    CAPTURE(auth0_first);
    for (const TimeMs sign : {TimeMs{1}, TimeMs{-1}}) {
      CAPTURE(sign);
      CHECK(count_type(pair_apart(sign * 59'999, auth0_first),
                       AlertType::correlated_security_event) == 1);
      CHECK(count_type(pair_apart(sign * 60'000, auth0_first),
                       AlertType::correlated_security_event) == 1);
      CHECK(count_type(pair_apart(sign * 60'001, auth0_first),
                       AlertType::correlated_security_event) == 0);
    }
  }
}

TEST_CASE("the correlated alert carries both events as evidence") {
  const auto alerts = pair_apart(-5'000, true);
  REQUIRE(alerts.size() == 1);
  const Alert& alert = alerts.front();
  CHECK(alert.severity == Severity::high);
  CHECK(alert.user_id == "auth0|alice");
  CHECK(alert.device_id == "dev-1");
  CHECK(alert.ip == "198.51.100.1");
  CHECK(alert.event_time == kT0);
  REQUIRE(alert.evidence.size() == 2);
  CHECK(alert.evidence[0].source == Source::relock);  // earlier in time comes first
  CHECK(alert.evidence[0].type == "authentication.failed");
  CHECK(alert.evidence[1].id == "log-1");
  CHECK(alert.evidence[1].type == "fp");
}

TEST_CASE("every Relock security event kind pairs; other Relock events do not") {
  for (const char* name : {"authentication.failed", "security.alert", "device.revoked"}) {
    CAPTURE(name);
    Correlator correlator(without_risk_alerts());
    const auto alerts =
        feed(correlator, {auth0("fu", kT0, "u1", "l1"), relock(name, kT0 + 1000, "u1", "r1")});
    CHECK(count_type(alerts, AlertType::correlated_security_event) == 1);
  }
  for (const char* name : {"authentication.success", "session.created", "device.registered"}) {
    CAPTURE(name);
    Correlator correlator(without_risk_alerts());
    const auto alerts =
        feed(correlator, {auth0("fp", kT0, "u1", "l1"), relock(name, kT0 + 1000, "u1", "r1")});
    CHECK(count_type(alerts, AlertType::correlated_security_event) == 0);
  }
}

TEST_CASE("fs and fsa are not failed logins and never pair") {
  for (const char* code : {"fs", "fsa", "s", "slo"}) {
    CAPTURE(code);
    Correlator correlator(without_risk_alerts());
    const auto alerts = feed(correlator, {auth0(code, kT0, "u1", "l1"),
                                          relock("authentication.failed", kT0 + 1000, "u1", "r1")});
    CHECK(count_type(alerts, AlertType::correlated_security_event) == 0);
  }
}

TEST_CASE("different users never pair") {
  Correlator correlator(without_risk_alerts());
  const auto alerts = feed(correlator, {auth0("fp", kT0, "u1", "l1"),
                                        relock("authentication.failed", kT0 + 1000, "u2", "r1")});
  CHECK(alerts.empty());
}

TEST_CASE("one alert per pairing episode") {
  CorrelatorParams params = without_risk_alerts();
  params.suppression_period = 0;  // isolate episode de-duplication from suppression
  Correlator correlator(params);
  const auto alerts =
      feed(correlator, {
                           auth0("fp", kT0, "u1", "l1"),
                           relock("authentication.failed", kT0 + 10'000, "u1", "r1"),
                           auth0("fp", kT0 + 30'000, "u1", "l2"),
                           relock("security.alert", kT0 + 50'000, "u1", "r2"),
                       });
  CHECK(count_type(alerts, AlertType::correlated_security_event) == 1);

  // Well after the episode, a new pairing is a new episode.
  std::vector<Alert> later;
  correlator.ingest(auth0("fp", kT0 + 10 * kMinuteMs, "u1", "l3"), kT0 + 10 * kMinuteMs, later);
  correlator.ingest(relock("authentication.failed", kT0 + 10 * kMinuteMs + 1000, "u1", "r3"),
                    kT0 + 10 * kMinuteMs + 1000, later);
  CHECK(count_type(later, AlertType::correlated_security_event) == 1);
}

TEST_CASE("out-of-order arrival within the allowed lateness still pairs") {
  Correlator correlator(without_risk_alerts());
  std::vector<Alert> alerts;
  // The Relock event happened first but arrives 5 minutes later, after unrelated traffic.
  correlator.ingest(auth0("fp", kT0, "u1", "l1"), kT0, alerts);
  correlator.ingest(auth0("s", kT0 + 5 * kMinuteMs, "u2", "l2"), kT0 + 5 * kMinuteMs, alerts);
  correlator.ingest(relock("authentication.failed", kT0 - 20'000, "u1", "r1"), kT0 + 5 * kMinuteMs,
                    alerts);
  CHECK(count_type(alerts, AlertType::correlated_security_event) == 1);
}

TEST_CASE("an event older than the retained window is counted late and changes nothing") {
  Correlator correlator(without_risk_alerts());
  std::vector<Alert> alerts;
  const TimeMs newest = kT0 + 2 * kDayMs;
  correlator.ingest(auth0("s", newest, "u2", "l0"), newest, alerts);
  correlator.ingest(relock("authentication.success", newest, "u2", "r0"), newest, alerts);
  // Retained: 24 h window + 10 min lateness behind each source's newest event.
  const TimeMs too_old = newest - 24 * kHourMs - 10 * kMinuteMs - 1;
  correlator.ingest(auth0("fp", too_old, "u1", "l1"), newest, alerts);
  correlator.ingest(relock("authentication.failed", too_old, "u1", "r1"), newest, alerts);
  CHECK(alerts.empty());
  CHECK(correlator.stats().late_events[0] == 1);
  CHECK(correlator.stats().late_events[1] == 1);

  // Just inside the window the same pair correlates.
  const TimeMs inside = newest - 24 * kHourMs - 10 * kMinuteMs + 1000;
  correlator.ingest(auth0("fp", inside, "u3", "l3"), newest, alerts);
  correlator.ingest(relock("authentication.failed", inside + 1000, "u3", "r3"), newest, alerts);
  CHECK(count_type(alerts, AlertType::correlated_security_event) == 1);
}

TEST_CASE("the same input gives the same alert ids on every run and in any arrival order") {
  auto run = [](bool reversed) {
    Correlator correlator(without_risk_alerts());
    std::vector<Event> events = {auth0("fp", kT0, "u1", "log-a"),
                                 relock("device.revoked", kT0 + 3000, "u1", "rl-b")};
    if (reversed) std::swap(events[0], events[1]);
    const auto alerts = feed(correlator, events);
    REQUIRE(alerts.size() == 1);
    return alert_id(alerts.front());
  };
  const std::string first = run(false);
  CHECK(first.size() == 32);
  CHECK(first.find_first_not_of("0123456789abcdef") == std::string::npos);
  CHECK(run(false) == first);
  CHECK(run(true) == first);
}
