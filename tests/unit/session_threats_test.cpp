// Session threats from Relock events: device_compromise, session_hijacking, unusual_activity.
#include <doctest/doctest.h>

#include "tests/unit/event_builders.hpp"

using namespace authcorrd;
using namespace authcorrd::testing;

namespace {

Event security_alert(TimeMs t, std::string alert_type, std::string description, std::string id) {
  Event e = relock("security.alert", t, "u1", std::move(id));
  e.alert_type = std::move(alert_type);
  e.description = std::move(description);
  return e;
}

Event session_created(TimeMs t, std::string session, std::string device, std::string ip,
                      std::string ua, TimeMs expires = 0) {
  Event e = relock("session.created", t, "u1", "c-" + session, std::move(ip), std::move(ua),
                   std::move(device), session);
  e.session_expires_at = expires;
  return e;
}

Event session_use(std::string name, TimeMs t, std::string session, std::string device,
                  std::string ip, std::string ua, std::string id) {
  return relock(std::move(name), t, "u1", std::move(id), std::move(ip), std::move(ua),
                std::move(device), std::move(session));
}

}  // namespace

TEST_CASE(
    "security.alert: compromise wording is device_compromise, anything else unusual_activity") {
  Correlator correlator;
  const auto alerts = feed(correlator, {
                                           security_alert(kT0, "device_compromised", "", "a1"),
                                           security_alert(kT0 + 2 * kHourMs, "suspicious_activity",
                                                          "Device reported as COMPROMISED", "a2"),
                                           security_alert(kT0 + 4 * kHourMs, "suspicious_activity",
                                                          "Unusual request rate", "a3"),
                                       });
  CHECK(count_type(alerts, AlertType::device_compromise) == 2);
  CHECK(count_type(alerts, AlertType::unusual_activity) == 1);
  for (const Alert& a : alerts) {
    if (a.type == AlertType::device_compromise) CHECK(a.severity == Severity::high);
    if (a.type == AlertType::unusual_activity) CHECK(a.severity == Severity::medium);
  }
}

TEST_CASE("device.revoked is a compromise only for a compromise reason") {
  auto revoked = [](std::string reason) {
    Correlator correlator;
    Event e = relock("device.revoked", kT0, "u1", "r1");
    e.reason = std::move(reason);
    return count_type(feed(correlator, {e}), AlertType::device_compromise);
  };
  CHECK(revoked("device_compromised") == 1);
  CHECK(revoked("stolen") == 1);
  CHECK(revoked("Malware detected") == 1);
  CHECK(revoked("user_requested") == 0);
  CHECK(revoked("") == 0);
}

TEST_CASE("session hijacking: another device, IP or browser while the session is open") {
  struct Case {
    const char* what;
    const char* device;
    const char* ip;
    const char* ua;
    std::size_t expected;
  };
  for (const Case& c :
       {Case{"same", "d1", "10.0.0.1", "UA", 0}, Case{"device", "d2", "10.0.0.1", "UA", 1},
        Case{"ip", "d1", "10.0.0.2", "UA", 1}, Case{"ua", "d1", "10.0.0.1", "UA2", 1},
        Case{"unknown fields", "", "", "", 0}}) {
    CAPTURE(c.what);
    Correlator correlator;
    const auto alerts = feed(correlator, {
                                             session_created(kT0, "s1", "d1", "10.0.0.1", "UA"),
                                             session_use("authentication.success", kT0 + kMinuteMs,
                                                         "s1", c.device, c.ip, c.ua, "u1"),
                                         });
    REQUIRE(count_type(alerts, AlertType::session_hijacking) == c.expected);
    if (c.expected == 1) {
      const Alert& a = alerts.back();
      CHECK(a.severity == Severity::critical);
      CHECK(a.session_id == "s1");
      CHECK(a.evidence.size() == 2);
      CHECK(a.evidence.front().id == "c-s1");
    }
  }
}

TEST_CASE("no hijack after the session ended or expired, and one alert per session") {
  Correlator ended;
  CHECK(count_type(
            feed(ended, {session_created(kT0, "s1", "d1", "ip1", "UA"),
                         session_use("session.ended", kT0 + kMinuteMs, "s1", "d1", "", "", "e1"),
                         session_use("authentication.success", kT0 + 2 * kMinuteMs, "s1", "d2",
                                     "ip2", "UA", "x1")}),
            AlertType::session_hijacking) == 0);

  Correlator expired;
  CHECK(count_type(feed(expired, {session_created(kT0, "s1", "d1", "ip1", "UA", kT0 + kMinuteMs),
                                  session_use("authentication.success", kT0 + 2 * kMinuteMs, "s1",
                                              "d2", "ip1", "UA", "x1")}),
                   AlertType::session_hijacking) == 0);

  CorrelatorParams no_suppression;
  no_suppression.suppression_period = 0;
  Correlator repeated(no_suppression);
  CHECK(
      count_type(
          feed(repeated,
               {session_created(kT0, "s1", "d1", "ip1", "UA"),
                session_use("authentication.success", kT0 + 1000, "s1", "d2", "ip1", "UA", "x1"),
                session_use("authentication.success", kT0 + 2000, "s1", "d3", "ip1", "UA", "x2")}),
          AlertType::session_hijacking) == 1);
}

TEST_CASE("a use that arrives before its session.created is still checked") {
  Correlator correlator;
  const auto alerts = feed(correlator, {
                                           session_use("authentication.success", kT0 + kMinuteMs,
                                                       "s1", "d2", "ip1", "UA", "x1"),
                                           session_created(kT0, "s1", "d1", "ip1", "UA"),
                                       });
  CHECK(count_type(alerts, AlertType::session_hijacking) == 1);
}

TEST_CASE("the per-user session limit evicts the least recently seen session, counted") {
  CorrelatorParams params;
  params.max_sessions_per_user = 2;
  Correlator correlator(params);
  feed(correlator, {session_created(kT0, "s1", "d1", "ip", "UA"),
                    session_created(kT0 + 1, "s2", "d1", "ip", "UA"),
                    session_created(kT0 + 2, "s3", "d1", "ip", "UA")});
  CHECK(correlator.stats().sessions_evicted == 1);
  CHECK(correlator.stats().tracked_sessions == 2);
}
