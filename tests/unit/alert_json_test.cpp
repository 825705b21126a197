#include <doctest/doctest.h>
#include <simdjson.h>

#include "sinks/alert_json.hpp"

using namespace authcorrd;

namespace {

Alert sample_alert() {
  Alert alert;
  alert.type = AlertType::medium_risk_login;
  alert.severity = Severity::medium;
  alert.user_id = "auth0|a\"b\\c\n";
  alert.ip = "203.0.113.9";
  alert.event_time = 1735689600000;
  alert.risk = RiskAssessment{45, RiskLevel::medium, {{"ip_change", 20}, {"recent_failures", 25}}};
  alert.recommendations = {"Step up."};
  alert.evidence = {{Source::auth0, "900200", "s", 1735689600000}};
  return alert;
}

}  // namespace

TEST_CASE("alert JSON follows the contract and parses back") {
  const Alert alert = sample_alert();
  const std::string json = alert_to_json(alert);
  CHECK(json.find('\n') == std::string::npos);
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  REQUIRE(parser.parse(json).get(doc) == simdjson::SUCCESS);
  CHECK(std::string_view(doc["id"]) == alert_id(alert));
  CHECK(std::string_view(doc["type"]) == "medium_risk_login");
  CHECK(std::string_view(doc["severity"]) == "medium");
  CHECK(std::string_view(doc["user_id"]) == "auth0|a\"b\\c\n");
  CHECK(std::string_view(doc["ip"]) == "203.0.113.9");
  CHECK(std::string_view(doc["event_time"]) == "2025-01-01T00:00:00.000Z");
  CHECK(int64_t(doc["risk"]["score"]) == 45);
  CHECK(std::string_view(doc["risk"]["level"]) == "medium");
  CHECK(std::string_view(doc["risk"]["factors"].at(1)["factor"]) == "recent_failures");
  CHECK(int64_t(doc["risk"]["factors"].at(1)["score"]) == 25);
  CHECK(std::string_view(doc["recommendations"].at(0)) == "Step up.");
  CHECK(std::string_view(doc["evidence"].at(0)["source"]) == "auth0");
  CHECK(std::string_view(doc["evidence"].at(0)["id"]) == "900200");
  CHECK(std::string_view(doc["evidence"].at(0)["type"]) == "s");
  CHECK(std::string_view(doc["evidence"].at(0)["time"]) == "2025-01-01T00:00:00.000Z");
  // Optional members are omitted, never null.
  CHECK(doc["device_id"].error() == simdjson::NO_SUCH_FIELD);
  CHECK(doc["session_id"].error() == simdjson::NO_SUCH_FIELD);
  CHECK(json.find("null") == std::string::npos);
}

TEST_CASE("control characters are escaped") {
  Alert alert = sample_alert();
  alert.user_id = "a";
  alert.user_id += '\x01';
  alert.user_id += 'b';
  CHECK(alert_to_json(alert).find("\"a\\u0001b\"") != std::string::npos);
}

TEST_CASE("alert ids depend on type, user and evidence, nothing else") {
  const Alert base = sample_alert();
  Alert other_time = base;
  other_time.event_time += 1;
  CHECK(alert_id(other_time) == alert_id(base));
  Alert other_user = base;
  other_user.user_id = "auth0|z";
  CHECK(alert_id(other_user) != alert_id(base));
  Alert other_type = base;
  other_type.type = AlertType::high_risk_login;
  CHECK(alert_id(other_type) != alert_id(base));
  Alert other_evidence = base;
  other_evidence.evidence[0].id = "900201";
  CHECK(alert_id(other_evidence) != alert_id(base));
  // Field boundaries cannot be shifted to forge the same identity.
  Alert a = base, b = base;
  a.user_id = "ab";
  a.evidence[0].id = "c";
  b.user_id = "a";
  b.evidence[0].id = "bc";
  CHECK(alert_id(a) != alert_id(b));
}
