// Parser behaviour on every body shape and on bad input: each bad item is a counted, descriptive
// error; good items of the same body are still taken; nothing crashes.
#include <doctest/doctest.h>
#include <simdjson.h>

#include "daemon/sources/event_parser.hpp"

using namespace authcorrd;

namespace {

struct Parsed {
  std::vector<Event> events;
  ParseReport report;
};

Parsed parse(std::string_view body, InputFormat format = InputFormat::auto_detect,
             ParseLimits limits = {}) {
  const simdjson::padded_string padded(body);
  EventParser parser(limits);
  Parsed parsed;
  parsed.report = parser.parse(padded, format, parsed.events);
  return parsed;
}

std::string auth0_line(std::string log_id, std::string type = "fp",
                       std::string extra = R"("user_id":"auth0|u1","ip":"203.0.113.5")") {
  return R"({"log_id":")" + log_id + R"(","data":{"date":"2025-01-01T00:00:00.000Z","type":")" +
         type + R"(",)" + extra + "}}";
}

bool has_error(const Parsed& parsed, std::string_view fragment, std::size_t line = 0) {
  for (const ItemError& e : parsed.report.errors) {
    if (e.message.find(fragment) != std::string::npos && (line == 0 || e.line == line)) return true;
  }
  return false;
}

std::string dump_errors(const Parsed& parsed) {
  std::string text;
  for (const ItemError& e : parsed.report.errors) {
    text += std::to_string(e.line) + ": " + e.message + "\n";
  }
  return text;
}

}  // namespace

TEST_CASE("the three Log Streams shapes and the Management API shape give the same events") {
  const std::string a = auth0_line("id-a"), b = auth0_line("id-b", "s");
  const Parsed lines = parse(a + "\n" + b + "\n");
  const Parsed array = parse("[" + a + ",\n" + b + "]");
  const Parsed object = parse(a);
  const Parsed pretty = parse(
      "{\n  \"log_id\": \"id-a\",\n  \"data\": {\"date\": \"2025-01-01T00:00:00Z\", \"type\": "
      "\"fp\"}\n}\n");
  const Parsed api = parse(
      R"([{"_id":"id-a","date":"2025-01-01T00:00:00.000Z","type":"fp","user_id":"auth0|u1"}])");
  REQUIRE(lines.events.size() == 2);
  REQUIRE(array.events.size() == 2);
  REQUIRE(object.events.size() == 1);
  REQUIRE(pretty.events.size() == 1);
  REQUIRE(api.events.size() == 1);
  for (const Parsed* p : {&lines, &array, &object, &pretty, &api}) {
    CHECK(p->report.errors.empty());
    CHECK(p->events[0].source_id == "id-a");
    CHECK(p->events[0].kind == EventKind::login_failure);
    CHECK(p->events[0].time == 1735689600000);
  }
  CHECK(lines.events[1].kind == EventKind::login_success);
  CHECK(lines.events[0].user_id == "auth0|u1");
  CHECK(lines.events[0].ip == "203.0.113.5");
}

TEST_CASE("real variation is tolerated") {
  const Parsed parsed = parse(
      auth0_line("1", "s",
                 R"("scope":"openid profile","user_agent":"Mozilla/5.0","isMobile":false)") +
      "\n" +
      auth0_line(
          "2", "s",
          R"("scope":["openid","profile"],"user_agent":{"name":"Chrome","version":"95"},"is_mobile":true)") +
      "\n" +
      auth0_line(
          "3", "s",
          R"("location_info":{"latitude":"51.5","longitude":"-0.09","country_code":"GB"},"details":{"riskAssessment":null})") +
      "\n" +
      auth0_line(
          "4", "s",
          R"("location_info":{"latitude":51.5,"longitude":-0.09},"details":{"riskAssessment":{"confidence":"low"},"session_id":"sess"},"description":null,"client_ip":null)") +
      "\n" +
      auth0_line("5", "s",
                 R"("ip":null,"client_ip":"198.51.100.7","user_name":"Bob@Example.COM")") +
      "\n");
  CHECK_MESSAGE(parsed.report.errors.empty(), dump_errors(parsed));
  REQUIRE(parsed.events.size() == 5);
  CHECK(parsed.events[0].user_agent == "Mozilla/5.0");
  CHECK(parsed.events[1].user_agent == R"({"name":"Chrome","version":"95"})");
  REQUIRE(parsed.events[2].geo.has_value());
  CHECK(parsed.events[2].geo->latitude == doctest::Approx(51.5));
  CHECK(parsed.events[2].geo->country_code == "GB");
  CHECK(parsed.events[3].geo->longitude == doctest::Approx(-0.09));
  CHECK(parsed.events[3].session_id == "sess");
  CHECK(parsed.events[4].ip == "198.51.100.7");
  CHECK(parsed.events[4].email == "bob@example.com");
}

TEST_CASE("malformed bodies") {
  SUBCASE("empty") {
    for (const char* body : {"", "   \n\t  "}) {
      const Parsed p = parse(body);
      CHECK(p.events.empty());
      CHECK(has_error(p, "empty body"));
    }
  }
  SUBCASE("not JSON at all") {
    const Parsed p = parse("hello world");
    CHECK(p.events.empty());
    CHECK(has_error(p, "expected a JSON array, a JSON object or JSON lines"));
  }
  SUBCASE("a truncated line among good ones") {
    const std::string good = auth0_line("g1");
    const Parsed p =
        parse(good + "\n" + good.substr(0, good.size() / 2) + "\n" + auth0_line("g2") + "\n");
    CHECK(p.events.size() == 2);
    REQUIRE(p.report.errors.size() == 1);
    CHECK(p.report.errors[0].line == 2);
    CHECK(has_error(p, "invalid JSON"));
  }
  SUBCASE("a truncated array keeps the complete elements") {
    const std::string body =
        "[" + auth0_line("g1") + ",\n" + auth0_line("g2") + ",\n" + auth0_line("g3");
    const Parsed p = parse(body.substr(0, body.size() - 10));
    CHECK(p.events.size() == 2);
    CHECK(has_error(p, "truncated body"));
    CHECK(p.report.errors.size() == 2);  // the cut element, and the unclosed array
  }
  SUBCASE("content after the array") {
    const Parsed p = parse("[" + auth0_line("g1") + "] trailing");
    CHECK(p.events.size() == 1);
    CHECK(has_error(p, "unexpected content after the JSON array"));
  }
  SUBCASE("array elements of the wrong type") {
    const Parsed p = parse("[1, \"x\", null, [], " + auth0_line("g1") + "]");
    CHECK(p.events.size() == 1);
    CHECK(p.report.errors.size() == 4);
    CHECK(has_error(p, "expected a JSON object, got a number"));
    CHECK(has_error(p, "expected a JSON object, got a string"));
    CHECK(has_error(p, "expected a JSON object, got null"));
    CHECK(has_error(p, "expected a JSON object, got an array"));
  }
  SUBCASE("a UTF-8 byte order mark is skipped") {
    CHECK(parse("\xEF\xBB\xBF" + auth0_line("g1")).events.size() == 1);
  }
}

TEST_CASE("wrong types and missing members name the member") {
  struct Case {
    std::string item;
    std::string message;
  };
  const std::vector<Case> cases = {
      {R"({"log_id":"x","data":{"date":"2025-01-01T00:00:00Z","type":5}})",
       "data.type: expected a string, got a number"},
      {R"({"log_id":"x","data":{"date":"2025-01-01T00:00:00Z"}})", "data.type is missing"},
      {R"({"log_id":"x","data":{"type":"fp"}})", "data.date is missing"},
      {R"({"log_id":"x","data":{"type":"fp","date":"yesterday"}})",
       "data.date: \"yesterday\" is not an ISO 8601 timestamp"},
      {R"({"log_id":"x","data":{"type":"fp","date":{"$date":1}}})",
       "data.date: expected a string, got an object"},
      {R"({"log_id":"x","data":"fp"})", "data: expected an object, got a string"},
      {R"({"log_id":"x","data":{"type":"fp","date":"2025-01-01T00:00:00Z","user_id":{"id":1}}})",
       "data.user_id: expected a string, got an object"},
      {R"({"log_id":"x","data":{"type":"fp","date":"2025-01-01T00:00:00Z","ip":true}})",
       "data.ip: expected a string, got a boolean"},
      {R"({"log_id":7,"data":{"type":"fp","date":"2025-01-01T00:00:00Z"}})",
       "log_id: expected a string, got a number"},
      {R"({"log_id":"x","data":{"type":"s","date":"2025-01-01T00:00:00Z","location_info":{"latitude":"north","longitude":1}}})",
       "data.location_info.latitude: expected a number"},
      {R"({"event":"authentication.failed","data":{"userId":"u"}})", "data.timestamp is missing"},
      {R"({"event":5,"data":{}})", "event: expected a string, got a number"},
  };
  for (const Case& c : cases) {
    CAPTURE(c.item);
    const Parsed p = parse(c.item + "\n" + auth0_line("good") + "\n");
    CHECK(p.events.size() == 1);  // the good line is still taken
    CHECK_MESSAGE(has_error(p, c.message, 1), dump_errors(p));
    CHECK(p.report.errors.size() == 1);
  }
}

TEST_CASE("oversize input: a 10 MB string is a clear error, other items survive") {
  const std::string huge(10 * 1024 * 1024, 'A');
  const std::string big_item = auth0_line("big", "fp", R"("description":")" + huge + R"(")");
  SUBCASE("JSON lines") {
    const Parsed p = parse(auth0_line("a") + "\n" + big_item + "\n" + auth0_line("b") + "\n");
    CHECK(p.events.size() == 2);
    CHECK(has_error(p, "more than the limit of 2097152 bytes", 2));
  }
  SUBCASE("array") {
    const Parsed p = parse("[" + auth0_line("a") + "," + big_item + "," + auth0_line("b") + "]");
    CHECK(p.events.size() == 2);
    CHECK(has_error(p, "more than the limit"));
  }
  SUBCASE("an id field over its own limit, with a generous item limit") {
    ParseLimits limits;
    limits.max_item_bytes = 64 * 1024 * 1024;
    const Parsed p =
        parse(auth0_line("x", "fp", R"("user_id":")" + huge + R"(")"), InputFormat::auth0, limits);
    CHECK(p.events.empty());
    CHECK(has_error(p, "data.user_id is 10485760 bytes, more than the limit of 512 bytes"));
  }
  SUBCASE("long free text is cut at a character boundary, not rejected") {
    ParseLimits limits;
    limits.max_item_bytes = 64 * 1024 * 1024;
    std::string agent;
    for (int i = 0; i < 2000; ++i)
      agent += "\xC3\xA9";  // é, two bytes each
    const Parsed p = parse(auth0_line("x", "s", R"("user_agent":")" + agent + R"(")"),
                           InputFormat::auth0, limits);
    REQUIRE(p.events.size() == 1);
    CHECK(p.events[0].user_agent.size() == 2048);
    CHECK(p.events[0].user_agent.substr(2046) == "\xC3\xA9");
  }
}

TEST_CASE("deep nesting is an error for that item only") {
  const std::string deep = std::string(5000, '[') + std::string(5000, ']');
  const std::string deep_item = auth0_line("deep", "fp", R"("details":)" + deep);
  SUBCASE("JSON lines") {
    const Parsed p = parse(auth0_line("a") + "\n" + deep_item + "\n" + auth0_line("b") + "\n");
    CHECK(p.events.size() == 2);
    CHECK(p.report.errors.size() == 1);
    CHECK(has_error(p, "invalid JSON", 2));
  }
  SUBCASE("array") {
    const Parsed p =
        parse("[" + auth0_line("a") + ",\n" + deep_item + ",\n" + auth0_line("b") + "]");
    CHECK(p.events.size() == 2);
    CHECK(p.report.errors.size() == 1);
    CHECK(has_error(p, "invalid JSON", 2));
  }
}

TEST_CASE("invalid UTF-8 is an error for that item only") {
  const std::string bad = auth0_line("bad", "fp", "\"user_id\":\"auth0|\xFF\xFE\"");
  SUBCASE("JSON lines") {
    const Parsed p = parse(auth0_line("a") + "\n" + bad + "\n" + auth0_line("b") + "\n");
    CHECK(p.events.size() == 2);
    CHECK(has_error(p, "UTF-8", 2));
  }
  SUBCASE("array") {
    const Parsed p = parse("[" + auth0_line("a") + ",\n" + bad + ",\n" + auth0_line("b") + "]");
    CHECK(p.events.size() == 2);
    CHECK(p.report.errors.size() == 1);
    CHECK(has_error(p, "UTF-8", 2));
  }
}

TEST_CASE("Relock webhooks: the seven events, unknown names counted and ignored") {
  const std::string body =
      R"({"event":"authentication.success","data":{"userId":"auth0|u1","sessionId":"s1","deviceId":"d1","timestamp":"2024-01-01T00:00:00Z","ipAddress":"203.0.113.5","userAgent":"UA","location":{"country":"US","city":"X","timezone":"UTC"}}}
{"event":"authentication.failed","data":{"userId":"auth0|u1","sessionId":"s1","timestamp":"2024-01-01T00:00:01Z","reason":"device_not_trusted","ipAddress":"203.0.113.5","userAgent":"UA"}}
{"event":"device.registered","data":{"deviceId":"d1","userId":"auth0|u1","deviceInfo":{"name":"Mac","type":"desktop","os":"macOS","browser":"Safari"},"timestamp":"2024-01-01T00:00:02Z","ipAddress":"203.0.113.5"}}
{"event":"device.revoked","data":{"deviceId":"d1","userId":"auth0|u1","reason":"user_requested","timestamp":"2024-01-01T00:00:03Z","revokedBy":"admin"}}
{"event":"session.created","data":{"sessionId":"s2","userId":"auth0|u1","deviceId":"d1","timestamp":"2024-01-01T00:00:04Z","expiresAt":"2024-01-02T00:00:04Z","ipAddress":"203.0.113.5","userAgent":"UA"}}
{"event":"session.ended","data":{"sessionId":"s2","userId":"auth0|u1","deviceId":"d1","timestamp":"2024-01-01T00:00:05Z","reason":"user_logout","duration":1}}
{"event":"security.alert","data":{"alertId":"a1","userId":"auth0|u1","alertType":"suspicious_activity","severity":"high","description":"Odd","timestamp":"2024-01-01T00:00:06Z","ipAddress":"203.0.113.5","details":{"k":"v"}}}
{"event":"device.updated","data":{"deviceId":"d1","timestamp":"2024-01-01T00:00:07Z"}}
{"event":"device.updated","data":{"deviceId":"d2","timestamp":"2024-01-01T00:00:08Z"}}
)";
  const Parsed p = parse(body, InputFormat::relock);
  CHECK_MESSAGE(p.report.errors.empty(), dump_errors(p));
  REQUIRE(p.events.size() == 7);
  CHECK(p.report.ignored_relock_events.at("device.updated") == 2);
  CHECK(p.events[0].kind == EventKind::relock_authentication_success);
  CHECK(p.events[0].device_id == "d1");
  CHECK(p.events[0].session_id == "s1");
  CHECK(p.events[0].ip == "203.0.113.5");
  CHECK(p.events[0].user_agent == "UA");
  CHECK(p.events[0].time == 1704067200000);
  CHECK(p.events[1].reason == "device_not_trusted");
  CHECK(p.events[4].session_expires_at == 1704153604000);
  CHECK(p.events[6].alert_type == "suspicious_activity");
  CHECK(p.events[6].description == "Odd");
  for (const Event& e : p.events) {
    CHECK(e.source == Source::relock);
    CHECK(e.user_id == "auth0|u1");
    if (e.kind == EventKind::relock_security_alert)
      CHECK(e.source_id == "a1");  // its alertId
    else
      CHECK(e.source_id.starts_with("rl_"));
  }
  // Derived ids are stable and distinct.
  const Parsed again = parse(body, InputFormat::relock);
  CHECK(again.events[3].source_id == p.events[3].source_id);
  CHECK(p.events[3].source_id != p.events[4].source_id);
}

TEST_CASE("format mismatches are errors, auto-detection is per item") {
  const std::string relock_item =
      R"({"event":"authentication.failed","data":{"userId":"u","timestamp":"2024-01-01T00:00:00Z"}})";
  CHECK(has_error(parse(relock_item, InputFormat::auth0), "Relock"));
  CHECK(has_error(parse(auth0_line("x"), InputFormat::relock), "event is missing"));
  const Parsed mixed = parse(relock_item + "\n" + auth0_line("x") + "\n");
  REQUIRE(mixed.events.size() == 2);
  CHECK(mixed.events[0].source == Source::relock);
  CHECK(mixed.events[1].source == Source::auth0);
}

TEST_CASE("unknown Auth0 type codes parse as kind other and are counted") {
  const Parsed p = parse(auth0_line("x", "brand_new_code"));
  REQUIRE(p.events.size() == 1);
  CHECK(p.events[0].kind == EventKind::other);
  CHECK(p.report.unknown_auth0_types == 1);
}

TEST_CASE("large arrays parse in linear time with exact line numbers") {
  // 40,000 items took minutes when each item's line was counted from the start of the body.
  std::string body = "[\n";
  constexpr int kItems = 40'000;
  for (int i = 0; i < kItems; ++i)
    body += auth0_line("id-" + std::to_string(i)) + ",\n";
  body += R"({"log_id":"bad","data":{"type":"fp"}})"
          "\n]";
  const Parsed p = parse(body);
  CHECK(p.events.size() == kItems);
  REQUIRE(p.report.errors.size() == 1);
  CHECK(p.report.errors[0].line == kItems + 2);
  CHECK(p.report.errors[0].index == kItems);
}

TEST_CASE("Relock ids: alertId when present, else the digest of the canonical event") {
  const Parsed alert = parse(
      R"({"event":"security.alert","data":{"alertId":"al-42","userId":"u","timestamp":"2024-01-01T00:00:00Z"}})");
  REQUIRE(alert.events.size() == 1);
  CHECK(alert.events[0].source_id == "al-42");

  const std::string compact =
      R"({"event":"session.ended","data":{"sessionId":"s","userId":"u","timestamp":"2024-01-01T00:00:00Z"}})";
  const std::string spaced =
      "{ \"event\" : \"session.ended\",\n \"data\": { \"sessionId\": \"s\", \"userId\": \"u\", "
      "\"timestamp\": \"2024-01-01T00:00:00Z\" } }";
  const Parsed one = parse(compact);
  const Parsed two = parse(spaced);
  const Parsed batched = parse("[" + compact + "," + compact + "]");
  REQUIRE(one.events.size() == 1);
  REQUIRE(two.events.size() == 1);
  REQUIRE(batched.events.size() == 2);
  CHECK(one.events[0].source_id == two.events[0].source_id);
  CHECK(one.events[0].source_id == batched.events[1].source_id);
}
