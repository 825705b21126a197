// The index itself: suppression, memory bounds with counted evictions, expiry, compaction.
#include <doctest/doctest.h>

#include "tests/unit/event_builders.hpp"

using namespace authcorrd;
using namespace authcorrd::testing;

namespace {

void add_failures(Correlator& c, std::vector<Alert>& out, const std::string& user, TimeMs at,
                  int count, const std::string& tag) {
  for (int i = 0; i < count; ++i) {
    c.ingest(auth0("fp", at + i, user, tag + std::to_string(i)), at + i, out);
  }
}

}  // namespace

TEST_CASE("a repeated alert of the same type for the same user is suppressed for the period") {
  Correlator correlator(without_risk_alerts());  // default suppression: 1 h
  std::vector<Alert> alerts;
  add_failures(correlator, alerts, "u1", kT0, 4, "a");
  add_failures(correlator, alerts, "u1", kT0 + 30 * kMinuteMs, 4, "b");
  CHECK(count_type(alerts, AlertType::failed_login_burst) == 1);
  CHECK(correlator.stats()
            .alerts_suppressed[static_cast<std::size_t>(AlertType::failed_login_burst)] == 1);

  // Another user is not affected by u1's suppression.
  add_failures(correlator, alerts, "u2", kT0 + 31 * kMinuteMs, 4, "c");
  CHECK(count_type(alerts, AlertType::failed_login_burst) == 2);

  // After the period the same user alerts again.
  add_failures(correlator, alerts, "u1", kT0 + 2 * kHourMs, 4, "d");
  CHECK(count_type(alerts, AlertType::failed_login_burst) == 3);
  CHECK(correlator.stats().alerts[static_cast<std::size_t>(AlertType::failed_login_burst)] == 3);
}

TEST_CASE("suppression is per type: a burst does not hide a correlated event") {
  Correlator correlator(without_risk_alerts());
  std::vector<Alert> alerts;
  add_failures(correlator, alerts, "u1", kT0, 4, "a");
  correlator.ingest(relock("authentication.failed", kT0 + 10, "u1", "r1"), kT0 + 10, alerts);
  CHECK(count_type(alerts, AlertType::failed_login_burst) == 1);
  CHECK(count_type(alerts, AlertType::correlated_security_event) == 1);
}

TEST_CASE("the user limit evicts the least recently active user, counted") {
  CorrelatorParams params;
  params.max_users = 2;
  Correlator correlator(params);
  std::vector<Alert> alerts;
  correlator.ingest(relock("authentication.success", kT0, "u1", "r1"), kT0, alerts);
  correlator.ingest(relock("authentication.success", kT0 + 1, "u2", "r2"), kT0 + 1, alerts);
  CHECK(correlator.stats().tracked_users == 2);
  CHECK(correlator.assess_login(auth0("s", kT0 + 5, "u1", "x")).score == 0);

  correlator.ingest(relock("authentication.success", kT0 + 2, "u3", "r3"), kT0 + 2, alerts);
  CHECK(correlator.stats().tracked_users == 2);
  CHECK(correlator.stats().users_evicted == 1);
  // u1 was least recently active: its Relock trust is gone with it.
  CHECK(correlator.assess_login(auth0("s", kT0 + 5, "u1", "x")).score == 30);
  CHECK(correlator.assess_login(auth0("s", kT0 + 5, "u2", "x")).score == 0);
}

TEST_CASE("the per-user event limit evicts the oldest event, counted") {
  CorrelatorParams params = without_risk_alerts();
  params.max_events_per_user = 3;
  Correlator correlator(params);
  std::vector<Alert> alerts;
  add_failures(correlator, alerts, "u1", kT0, 5, "f");
  CHECK(correlator.stats().records_evicted == 2);
  // Only three failures are retained, so no burst can be seen.
  CHECK(count_type(alerts, AlertType::failed_login_burst) == 0);
}

TEST_CASE("an evicted baseline is still remembered for the IP comparison") {
  CorrelatorParams params;
  params.max_events_per_user = 2;
  Correlator correlator(params);
  std::vector<Alert> alerts;
  correlator.ingest(relock("authentication.success", kT0, "u1", "r1", "10.0.0.1"), kT0, alerts);
  correlator.ingest(auth0("fp", kT0 + 1, "u1", "f1"), kT0 + 1, alerts);
  correlator.ingest(auth0("fp", kT0 + 2, "u1", "f2"), kT0 + 2, alerts);
  CHECK(correlator.stats().records_evicted == 1);
  CHECK(correlator.assess_login(auth0("s", kT0 + 3, "u1", "x", "10.0.0.1")).score == 0);
  CHECK(correlator.assess_login(auth0("s", kT0 + 3, "u1", "x", "10.0.0.2")).score == 20);
}

TEST_CASE("advance() expires users nothing can need any more") {
  Correlator correlator;
  std::vector<Alert> alerts;
  correlator.ingest(auth0("s", kT0, "old", "l1"), kT0, alerts);
  const TimeMs later = kT0 + 40 * kDayMs;
  correlator.ingest(auth0("s", later, "new", "l2"), later, alerts);
  CHECK(correlator.stats().tracked_users == 2);
  correlator.advance(later);
  CHECK(correlator.stats().tracked_users == 1);
  CHECK(correlator.stats().users_expired == 1);
}

TEST_CASE("memory stays bounded and detections keep working across string-table compaction") {
  CorrelatorParams params = without_risk_alerts();
  params.max_users = 1000;
  Correlator correlator(params);
  std::vector<Alert> alerts;
  // 200k distinct users, IPs and user agents: far beyond max_users, and enough strings to force
  // compaction.
  TimeMs t = kT0;
  for (int i = 0; i < 200'000; ++i, t += 10) {
    correlator.ingest(auth0("s", t, "user-" + std::to_string(i), "l" + std::to_string(i),
                            "ip-" + std::to_string(i), "ua-" + std::to_string(i)),
                      t, alerts);
    if (i % 4096 == 0) correlator.advance(t);
  }
  correlator.advance(t);
  CHECK(correlator.stats().tracked_users == 1000);
  CHECK(correlator.stats().users_evicted == 199'000);
  CHECK(correlator.stats().interner_compactions >= 1);
  CHECK(correlator.stats().interned_strings < 400'000);

  // A live user still correlates after compaction renumbered the strings.
  add_failures(correlator, alerts, "user-199999", t + 1, 4, "z");
  CHECK(count_type(alerts, AlertType::failed_login_burst) == 1);
  CHECK(alerts.back().user_id == "user-199999");
  CHECK(alerts.back().ip == "198.51.100.1");
}

TEST_CASE("events without a user are counted as unattributed; email join is opt-in") {
  Event unknown = auth0("fu", kT0, "", "l1");
  unknown.email = "bob@example.com";
  {
    Correlator correlator;
    correlator.ingest(unknown, kT0);
    CHECK(correlator.stats().unattributed_events == 1);
  }
  {
    CorrelatorParams params = without_risk_alerts();
    params.join_on_email = true;
    Correlator correlator(params);
    Event known = auth0("fp", kT0 - 10, "auth0|bob", "l0");
    known.email = "bob@example.com";
    std::vector<Alert> alerts;
    correlator.ingest(known, kT0, alerts);
    correlator.ingest(unknown, kT0, alerts);
    Event relock_by_email = relock("authentication.failed", kT0 + 5, "", "r1");
    relock_by_email.email = "bob@example.com";
    correlator.ingest(relock_by_email, kT0 + 5, alerts);
    CHECK(correlator.stats().unattributed_events == 0);
    REQUIRE(count_type(alerts, AlertType::correlated_security_event) == 1);
    CHECK(alerts.back().user_id == "auth0|bob");
  }
}

TEST_CASE("event counts by source and kind") {
  Correlator correlator;
  feed(correlator, {auth0("sapi", kT0, "admin", "l1"), auth0("fs", kT0, "u", "l2"),
                    relock("session.ended", kT0, "u", "r1")});
  const auto& events = correlator.stats().events;
  CHECK(events[0][static_cast<std::size_t>(EventKind::management_api)] == 1);
  CHECK(events[0][static_cast<std::size_t>(EventKind::signup_failure)] == 1);
  CHECK(events[1][static_cast<std::size_t>(EventKind::relock_session_ended)] == 1);
}

TEST_CASE("re-delivered events are ignored: no double counting, no double alert") {
  Correlator correlator(without_risk_alerts());
  std::vector<Alert> alerts;
  const Event failure = auth0("fp", kT0, "u1", "log-1");
  for (int copy = 0; copy < 4; ++copy)
    correlator.ingest(failure, kT0 + copy * kHourMs, alerts);
  CHECK(alerts.empty());  // one failure, four deliveries: no burst
  CHECK(correlator.stats().duplicate_events == 3);
  CHECK(correlator.stats().events[0][static_cast<std::size_t>(EventKind::login_failure)] == 1);

  // The same id at another time, or from the other source, is a different event.
  correlator.ingest(auth0("fp", kT0 + 1, "u1", "log-1"), kT0 + 1, alerts);
  correlator.ingest(relock("authentication.failed", kT0, "u1", "log-1"), kT0, alerts);
  CHECK(correlator.stats().duplicate_events == 3);
  CHECK(count_type(alerts, AlertType::correlated_security_event) == 1);
  correlator.ingest(relock("authentication.failed", kT0, "u1", "log-1"), kT0, alerts);
  CHECK(correlator.stats().duplicate_events == 4);
}

TEST_CASE("an event accepted at the lateness edge still sees the 24 h before it") {
  // Failures at 3h, 4h and 5h, then newer traffic moves the watermark to 30h, then a failure at
  // 6h arrives: not late (within 24 h + lateness of 30h) and the fourth in 24 h.
  Correlator correlator(without_risk_alerts());
  std::vector<Alert> alerts;
  for (int h = 3; h <= 5; ++h) {
    correlator.ingest(auth0("fp", kT0 + h * kHourMs, "u", "f" + std::to_string(h)),
                      kT0 + h * kHourMs, alerts);
  }
  const TimeMs later = kT0 + 30 * kHourMs;
  correlator.ingest(auth0("s", later, "other", "s1"), later, alerts);
  correlator.ingest(relock("authentication.success", later, "other", "r1"), later, alerts);
  correlator.advance(later);
  CHECK(correlator.assess_login(auth0("s", kT0 + 6 * kHourMs, "u", "x")).score == 30);
  correlator.ingest(auth0("fp", kT0 + 6 * kHourMs, "u", "f6"), later, alerts);
  CHECK(correlator.stats().late_events[0] == 0);
  CHECK(count_type(alerts, AlertType::failed_login_burst) == 1);
  // And a Relock failure pairs with the failure 20 s away, though both are a day old.
  correlator.ingest(relock("authentication.failed", kT0 + 6 * kHourMs + 20'000, "u", "r2"), later,
                    alerts);
  CHECK(count_type(alerts, AlertType::correlated_security_event) == 1);
}

TEST_CASE("events dated after now + clock skew are counted and cannot move the watermark") {
  Correlator correlator(without_risk_alerts());
  std::vector<Alert> alerts;
  correlator.ingest(auth0("s", kT0 + 365 * kDayMs, "u", "future"), kT0, alerts);
  CHECK(correlator.stats().future_events[0] == 1);
  CHECK(correlator.watermark(Source::auth0) == kNoTime);
  for (int i = 0; i < 4; ++i) {
    correlator.ingest(auth0("fp", kT0 + i, "u", "f" + std::to_string(i)), kT0 + i, alerts);
  }
  CHECK(correlator.stats().late_events[0] == 0);
  CHECK(count_type(alerts, AlertType::failed_login_burst) == 1);
  // Within the skew is fine.
  correlator.ingest(auth0("s", kT0 + 4 * kMinuteMs, "u", "soon"), kT0, alerts);
  CHECK(correlator.stats().future_events[0] == 1);
}
