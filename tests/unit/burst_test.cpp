// failed_login_burst: more than 3 failed logins for one user within 24 h.
#include <doctest/doctest.h>

#include "tests/unit/event_builders.hpp"

using namespace authcorrd;
using namespace authcorrd::testing;

namespace {

std::vector<Alert> failures_at(const std::vector<TimeMs>& offsets,
                               CorrelatorParams params = without_risk_alerts()) {
  Correlator correlator(params);
  std::vector<Event> events;
  int n = 0;
  for (const TimeMs offset : offsets) {
    events.push_back(auth0("fp", kT0 + offset, "auth0|bob", "log-" + std::to_string(++n)));
  }
  return feed(correlator, events);
}

}  // namespace

TEST_CASE("three failures are not a burst; the fourth within 24 h is") {
  CHECK(count_type(failures_at({0, kHourMs, 2 * kHourMs}), AlertType::failed_login_burst) == 0);
  const auto alerts = failures_at({0, kHourMs, 2 * kHourMs, 3 * kHourMs});
  REQUIRE(count_type(alerts, AlertType::failed_login_burst) == 1);
  const Alert& alert = alerts.back();
  CHECK(alert.severity == Severity::medium);
  CHECK(alert.event_time == kT0 + 3 * kHourMs);
  CHECK(alert.evidence.size() == 4);
}

TEST_CASE("the fourth failure at exactly 24 h after the first counts; 1 ms later it does not") {
  CHECK(count_type(failures_at({0, 8 * kHourMs, 16 * kHourMs, 24 * kHourMs}),
                   AlertType::failed_login_burst) == 1);
  CHECK(count_type(failures_at({0, 8 * kHourMs, 16 * kHourMs, 24 * kHourMs + 1}),
                   AlertType::failed_login_burst) == 0);
}

TEST_CASE(
    "at the window edge: a fourth failure 1 ms too late, then a fifth that completes a burst") {
  // The 4th comes 1 ms after the first one's 24 h: only three failures are in any window. The
  // 5th makes four within 24 h (failures 2..5).
  const std::vector<TimeMs> offsets = {0, 8 * kHourMs, 16 * kHourMs, 24 * kHourMs + 1,
                                       24 * kHourMs + 2};
  CHECK(count_type(failures_at({offsets.begin(), offsets.begin() + 4}),
                   AlertType::failed_login_burst) == 0);
  const auto alerts = failures_at(offsets);
  REQUIRE(count_type(alerts, AlertType::failed_login_burst) == 1);
  CHECK(alerts.back().event_time == kT0 + 24 * kHourMs + 2);
  CHECK(alerts.back().evidence.front().id == "log-2");
  CHECK(alerts.back().evidence.back().id == "log-5");
}

TEST_CASE("failures already reported do not re-fire; four fresh ones do") {
  CorrelatorParams params = without_risk_alerts();
  params.suppression_period = 0;
  CHECK(count_type(failures_at({0, 1, 2, 3, 4}, params), AlertType::failed_login_burst) == 1);
  CHECK(count_type(failures_at({0, 1, 2, 3, 4, 5, 6, 7}, params), AlertType::failed_login_burst) ==
        2);
}

TEST_CASE("out-of-order failures are counted by event time") {
  // Arrival order is not time order; the burst is detected when the window fills.
  const auto alerts = failures_at({3 * kMinuteMs, 0, 2 * kMinuteMs, kMinuteMs});
  REQUIRE(count_type(alerts, AlertType::failed_login_burst) == 1);
  CHECK(alerts.back().event_time == kT0 + 3 * kMinuteMs);
}

TEST_CASE("only failed-login codes count") {
  Correlator correlator(without_risk_alerts());
  std::vector<Event> events;
  int n = 0;
  for (const char* code : {"fs", "fsa", "feccft", "limit_wc", "pwd_leak", "fp", "fu", "f"}) {
    events.push_back(auth0(code, kT0 + n * 1000, "u1", "l" + std::to_string(n)));
    ++n;
  }
  CHECK(count_type(feed(correlator, events), AlertType::failed_login_burst) == 0);
  for (const char* code : {"fcoa", "fens", "fc", "fco", "fepft"}) {
    CAPTURE(code);
    Correlator fresh(without_risk_alerts());
    std::vector<Event> four;
    for (int i = 0; i < 4; ++i)
      four.push_back(auth0(code, kT0 + i, "u1", "x" + std::to_string(i)));
    CHECK(count_type(feed(fresh, four), AlertType::failed_login_burst) == 1);
  }
}
