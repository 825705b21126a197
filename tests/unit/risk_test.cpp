// Risk score of Auth0 login attempts: four factors, weights 20/15/30/25, levels at 40 and 70.
#include <doctest/doctest.h>

#include "tests/unit/event_builders.hpp"

using namespace authcorrd;
using namespace authcorrd::testing;

namespace {

constexpr const char* kHomeIp = "198.51.100.1";
constexpr const char* kOtherIp = "203.0.113.9";
constexpr const char* kHomeUa = "Mozilla/5.0 (X11; Linux x86_64) Firefox/125.0";
constexpr const char* kOtherUa = "curl/8.5.0";

struct Scenario {
  bool relock_trusted = true;  // a Relock verification one hour before the login
  bool four_failures = false;  // four failed logins in the 24 h before the login
  const char* login_ip = kHomeIp;
  const char* login_ua = kHomeUa;
};

std::vector<Event> history(const Scenario& s) {
  std::vector<Event> events;
  // The baseline: a successful Auth0 login two hours before, from home.
  events.push_back(auth0("s", kT0 - 2 * kHourMs, "u1", "base", kHomeIp, kHomeUa));
  if (s.relock_trusted) {
    events.push_back(relock("authentication.success", kT0 - kHourMs, "u1", "rl", kHomeIp, kHomeUa));
  }
  if (s.four_failures) {
    for (int i = 0; i < 4; ++i) {
      events.push_back(
          auth0("fp", kT0 - 30 * kMinuteMs + i, "u1", "f" + std::to_string(i), kHomeIp, kHomeUa));
    }
  }
  return events;
}

RiskAssessment score(const Scenario& s) {
  Correlator correlator;
  feed(correlator, history(s));
  return correlator.assess_login(auth0("s", kT0, "u1", "login", s.login_ip, s.login_ua));
}

// Alerts that ingesting the login itself raises, with default parameters.
std::vector<Alert> login_alerts(const Scenario& s) {
  Correlator correlator;
  feed(correlator, history(s));
  std::vector<Alert> alerts;
  correlator.ingest(auth0("s", kT0, "u1", "login", s.login_ip, s.login_ua), kT0, alerts);
  return alerts;
}

std::vector<std::string_view> factor_names(const RiskAssessment& risk) {
  std::vector<std::string_view> names;
  for (const auto& f : risk.factors)
    names.push_back(f.name);
  return names;
}

}  // namespace

TEST_CASE("no factor: a trusted user from the usual IP and browser scores 0") {
  const RiskAssessment risk = score({});
  CHECK(risk.score == 0);
  CHECK(risk.level == RiskLevel::low);
  CHECK(risk.factors.empty());
}

TEST_CASE("each factor alone") {
  CHECK(score({.login_ip = kOtherIp}).score == 20);
  CHECK(factor_names(score({.login_ip = kOtherIp})) == std::vector<std::string_view>{"ip_change"});
  CHECK(score({.login_ua = kOtherUa}).score == 15);
  CHECK(factor_names(score({.login_ua = kOtherUa})) ==
        std::vector<std::string_view>{"user_agent_change"});
  CHECK(score({.relock_trusted = false}).score == 30);
  CHECK(factor_names(score({.relock_trusted = false})) ==
        std::vector<std::string_view>{"low_device_trust"});
  CHECK(score({.four_failures = true}).score == 25);
  CHECK(factor_names(score({.four_failures = true})) ==
        std::vector<std::string_view>{"recent_failures"});
}

TEST_CASE("combined factors: 35, 45, 65, 70, 90 and their levels") {
  const RiskAssessment s35 = score({.login_ip = kOtherIp, .login_ua = kOtherUa});
  CHECK(s35.score == 35);
  CHECK(s35.level == RiskLevel::low);

  const RiskAssessment s45 = score({.four_failures = true, .login_ip = kOtherIp});
  CHECK(s45.score == 45);
  CHECK(s45.level == RiskLevel::medium);

  const RiskAssessment s65 =
      score({.relock_trusted = false, .login_ip = kOtherIp, .login_ua = kOtherUa});
  CHECK(s65.score == 65);
  CHECK(s65.level == RiskLevel::medium);

  const RiskAssessment s70 =
      score({.relock_trusted = false, .four_failures = true, .login_ua = kOtherUa});
  CHECK(s70.score == 70);
  CHECK(s70.level == RiskLevel::high);

  const RiskAssessment s90 = score(
      {.relock_trusted = false, .four_failures = true, .login_ip = kOtherIp, .login_ua = kOtherUa});
  CHECK(s90.score == 90);
  CHECK(s90.level == RiskLevel::high);
  CHECK(factor_names(s90) == std::vector<std::string_view>{"ip_change", "user_agent_change",
                                                           "low_device_trust", "recent_failures"});
}

TEST_CASE("levels become alerts: low none, medium_risk_login, high_risk_login") {
  CHECK(count_type(login_alerts({.login_ip = kOtherIp, .login_ua = kOtherUa}),
                   AlertType::medium_risk_login) == 0);

  const auto medium = login_alerts({.four_failures = true, .login_ip = kOtherIp});
  REQUIRE(count_type(medium, AlertType::medium_risk_login) == 1);
  const Alert& m = medium.back();
  CHECK(m.severity == Severity::medium);
  REQUIRE(m.risk.has_value());
  CHECK(m.risk->score == 45);
  CHECK(m.recommendations.size() == 2);
  CHECK(m.evidence.size() == 1);
  CHECK(m.evidence[0].id == "login");
  CHECK(m.ip == kOtherIp);

  const auto high = login_alerts(
      {.relock_trusted = false, .four_failures = true, .login_ip = kOtherIp, .login_ua = kOtherUa});
  REQUIRE(count_type(high, AlertType::high_risk_login) == 1);
  CHECK(high.back().severity == Severity::high);
  CHECK(high.back().risk->score == 90);
  CHECK(high.back().risk->level == RiskLevel::high);
}

TEST_CASE("failed logins are scored too") {
  Correlator correlator;
  feed(correlator, history({.relock_trusted = false}));
  const RiskAssessment risk =
      correlator.assess_login(auth0("fp", kT0, "u1", "x", kOtherIp, kOtherUa));
  CHECK(risk.score == 65);
}

TEST_CASE("device trust: TTL edge, and a newer Relock failure or revocation") {
  auto trust_after = [](TimeMs verified_ago, const char* newer_signal) {
    Correlator correlator;
    std::vector<Event> events = {
        relock("device.registered", kT0 - verified_ago, "u1", "r1", kHomeIp, kHomeUa)};
    if (newer_signal != nullptr) {
      events.push_back(relock(newer_signal, kT0 - 1000, "u1", "r2", kHomeIp, kHomeUa));
    }
    feed(correlator, events);
    const RiskAssessment risk =
        correlator.assess_login(auth0("s", kT0, "u1", "x", kHomeIp, kHomeUa));
    return risk.score;
  };
  CHECK(trust_after(30 * kDayMs, nullptr) == 0);
  CHECK(trust_after(30 * kDayMs + 1, nullptr) == 30);
  CHECK(trust_after(kHourMs, "authentication.failed") == 30);
  CHECK(trust_after(kHourMs, "device.revoked") == 30);
  CHECK(trust_after(kHourMs, "session.created") == 0);
  CHECK(trust_after(kHourMs, "session.ended") == 0);  // neither a verification nor a failure
}

TEST_CASE("the baseline is the newest verified login before the event, in event time") {
  Correlator correlator;
  // Arrives out of order: the newer verification (other IP) is ingested first.
  feed(correlator,
       {relock("authentication.success", kT0 - kMinuteMs, "u1", "r2", kOtherIp, kHomeUa),
        relock("authentication.success", kT0 - kHourMs, "u1", "r1", kHomeIp, kHomeUa)});
  CHECK(correlator.assess_login(auth0("s", kT0, "u1", "x", kOtherIp, kHomeUa)).score == 0);
  CHECK(correlator.assess_login(auth0("s", kT0, "u1", "x", kHomeIp, kHomeUa)).score == 20);
  // A login between the two compares with the older one.
  CHECK(correlator.assess_login(auth0("s", kT0 - 30 * kMinuteMs, "u1", "x", kHomeIp, kHomeUa))
            .score == 0);
}

TEST_CASE("a first login has no baseline: no IP or user-agent change") {
  Correlator correlator;
  CHECK(correlator.assess_login(auth0("s", kT0, "new", "x", kOtherIp, kOtherUa)).score == 30);
}

TEST_CASE("weights and thresholds are parameters") {
  CorrelatorParams params;
  params.weights.ip_change = 50;
  params.medium_risk_score = 10;
  params.high_risk_score = 50;
  Correlator correlator(params);
  feed(correlator, history({}));
  const RiskAssessment risk =
      correlator.assess_login(auth0("s", kT0, "u1", "x", kOtherIp, kHomeUa));
  CHECK(risk.score == 50);
  CHECK(risk.level == RiskLevel::high);
}
