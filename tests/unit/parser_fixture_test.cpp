// Every real Auth0 sample under ../shared/fixtures/auth0 parses with zero errors, with the
// counts and fields SOURCES.md documents.
#include <doctest/doctest.h>
#include <simdjson.h>

#include <filesystem>
#include <map>

#include "daemon/sources/event_parser.hpp"

using namespace authcorrd;
namespace fs = std::filesystem;

namespace {

struct Parsed {
  std::vector<Event> events;
  ParseReport report;
};

Parsed parse_file(const fs::path& path, InputFormat format = InputFormat::auth0) {
  simdjson::padded_string body;
  REQUIRE_MESSAGE(simdjson::padded_string::load(path.string()).get(body) == simdjson::SUCCESS,
                  path.string());
  EventParser parser;
  Parsed parsed;
  parsed.report = parser.parse(body, format, parsed.events);
  return parsed;
}

fs::path fixture(const std::string& relative) {
  return fs::path(AUTHCORRD_FIXTURES_DIR) / "auth0" / relative;
}

std::map<std::string, std::size_t> type_counts(const std::vector<Event>& events) {
  std::map<std::string, std::size_t> counts;
  for (const Event& e : events)
    ++counts[e.type_code];
  return counts;
}

}  // namespace

TEST_CASE("every fixture file parses with zero errors and every event has an id, time and type") {
  std::size_t files = 0;
  for (const auto& entry :
       fs::recursive_directory_iterator(fs::path(AUTHCORRD_FIXTURES_DIR) / "auth0")) {
    const auto ext = entry.path().extension();
    if (ext != ".json" && ext != ".jsonl") continue;
    ++files;
    CAPTURE(entry.path().string());
    const Parsed parsed = parse_file(entry.path());
    for (const ItemError& e : parsed.report.errors)
      FAIL_CHECK(e.line << ": " << e.message);
    CHECK(parsed.report.errors.empty());
    CHECK(parsed.report.events > 0);
    CHECK(parsed.report.events == parsed.report.items);
    for (const Event& e : parsed.events) {
      CHECK(e.source == Source::auth0);
      CHECK_FALSE(e.source_id.empty());
      CHECK_FALSE(e.type_code.empty());
      CHECK(e.time > 1500000000000);  // after 2017
    }
  }
  CHECK(files == 34);
}

TEST_CASE("login failures: f x3, fu, fp, with users, IPs and array scope tolerated") {
  const Parsed parsed = parse_file(fixture("elastic/test-login-failure.jsonl"));
  REQUIRE(parsed.events.size() == 5);
  CHECK(type_counts(parsed.events) ==
        std::map<std::string, std::size_t>{{"f", 3}, {"fp", 1}, {"fu", 1}});
  for (const Event& e : parsed.events)
    CHECK(e.kind == EventKind::login_failure);
}

TEST_CASE(
    "login successes carry user, IP, user agent and session id; duplicates are kept for the "
    "caller") {
  const Parsed parsed = parse_file(fixture("elastic/test-login-success.jsonl"));
  REQUIRE(parsed.events.size() == 22);
  const Event& first = parsed.events.front();
  CHECK(first.kind == EventKind::login_success);
  CHECK_FALSE(first.user_id.empty());
  CHECK_FALSE(first.ip.empty());
  CHECK_FALSE(first.user_agent.empty());
  CHECK(first.source_id == "90020211104001515271334544008635532534914988032684720226");
  CHECK(first.session_id == "m5SgtzMKxmeNBxj_kCfUUJhzrSdfvLFu");
  CHECK(first.user_id == "auth0|618223a4e3f49e006948565c");
  CHECK(first.email == "dev@test.com");
  CHECK(first.ip == "114.76.60.57");
  CHECK(first.time == 1635984910706);
  // The last two lines repeat a log_id: the parser keeps both, de-duplication is the caller's.
  CHECK(parsed.events[20].source_id == parsed.events[21].source_id);
}

TEST_CASE(
    "a Management API page: array of log objects with _id, isMobile and a parsed user agent") {
  const Parsed parsed = parse_file(fixture("elastic/test-pull-responses.json"));
  REQUIRE(parsed.events.size() == 7);
  CHECK(type_counts(parsed.events) ==
        std::map<std::string, std::size_t>{
            {"gd_tenant_update", 1}, {"mgmt_api_read", 1}, {"sapi", 4}, {"seccft", 1}});
  CHECK(parsed.events[0].source_id == "90020240308035328208838000000000000001223372052034940964");
  CHECK(parsed.events[0].kind == EventKind::mfa);
  CHECK(parsed.events[0].tenant == "dev-fulaoenaspapatoulp");
  CHECK(parsed.events[0].ip == "81.2.69.144");
}

TEST_CASE("Adaptive MFA examples: no log id gets a stable derived one; riskAssessment tolerated") {
  const Parsed first = parse_file(fixture("auth0-docs/adaptive-mfa-events.jsonl"));
  const Parsed second = parse_file(fixture("auth0-docs/adaptive-mfa-events.jsonl"));
  REQUIRE(first.events.size() == 5);
  CHECK(first.events[0].source_id.starts_with("sha256:"));
  CHECK(first.events[0].source_id == second.events[0].source_id);
  CHECK(first.events[0].source_id != first.events[1].source_id);
  CHECK(first.events[1].ip == "10.12.13.1");  // client_ip null is tolerated
  CHECK(first.events[4].type_code == "gd_auth_succeed");
}

TEST_CASE("Panther samples: kinds of attack-protection, breached-password and token events") {
  CHECK(parse_file(fixture("panther/auth0_limits.jsonl")).events.at(0).kind ==
        EventKind::attack_protection);
  const Parsed leak = parse_file(fixture("panther/auth0_leaked_password_login_attempt.jsonl"));
  CHECK(leak.events.at(0).kind == EventKind::breached_password);
  CHECK(leak.events.at(0).ip.find(':') != std::string::npos);  // IPv6
  CHECK(parse_file(fixture("panther/auth0_cic_credential_stuffing.jsonl")).events.at(0).kind ==
        EventKind::login_failure);
  CHECK(parse_file(fixture("panther/auth0_token_reuse.jsonl")).events.at(0).kind ==
        EventKind::token_exchange);
  CHECK(parse_file(fixture("elastic/test-signup-failure.jsonl")).events.at(0).kind ==
        EventKind::signup_failure);
}
