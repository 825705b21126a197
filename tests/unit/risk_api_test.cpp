// POST /v1/risk (RiskApi) on a real correlator: every factor, the decision thresholds, device
// trust details, and every kind of bad request (method, token, rate limit, content type, size,
// JSON, member types). No sockets: requests go straight to preflight() and handle(), as the
// HTTP server would hand them over.

#include <doctest/doctest.h>

#include <fmt/format.h>

#include <string>

#include "daemon/risk_api.hpp"
#include "event_builders.hpp"

namespace authcorrd {
namespace {

using namespace testing;

constexpr TimeMs kNow = kT0 + 10 * kMinuteMs;
constexpr std::string_view kUser = "auth0|risk";

http::Request request(std::string body, std::string token = "client-a",
                      std::string method = "POST") {
  http::Request r;
  r.method = std::move(method);
  r.path = r.target = "/v1/risk";
  if (!token.empty()) r.headers.emplace_back("authorization", "Bearer " + token);
  r.headers.emplace_back("content-type", "application/json");
  r.body = std::move(body);
  r.body.reserve(r.body.size() + 64);  // simdjson padding, as the server leaves it
  return r;
}

std::string query(std::string_view extra = "", std::string_view ip = "198.51.100.1",
                  std::string_view user_agent = "UA-1") {
  return fmt::format(R"({{"user_id":"{}","ip":"{}","user_agent":"{}"{}}})", kUser, ip, user_agent,
                     extra);
}

struct Fixture {
  DaemonMetrics metrics;
  Correlator correlator;
  ApiConfig config;
  std::optional<RiskApi> api;

  explicit Fixture(ApiConfig api_config = base_config(), CorrelatorParams params = {})
      : correlator(params), config(std::move(api_config)) {
    api.emplace(config, correlator, metrics, [] { return kNow; });
  }
  static ApiConfig base_config() {
    ApiConfig c;
    c.tokens = Secret{"client-a\nclient-b", "inline"};
    return c;
  }
  void feed(const std::vector<Event>& events) {
    std::vector<Alert> ignored;
    for (const Event& e : events)
      correlator.ingest(e, kNow, ignored);
  }
  // preflight then handle, like the server.
  http::Response call(const http::Request& r) {
    if (auto early = api->preflight(r)) return *early;
    return api->handle(r);
  }
};

bool contains(std::string_view text, std::string_view part) {
  return text.find(part) != std::string_view::npos;
}

TEST_CASE("risk API: a verified device with a known IP and user agent is allowed") {
  Fixture f;
  f.feed({auth0("s", kNow - 5 * kMinuteMs, std::string(kUser), "login-1"),
          relock("authentication.success", kNow - kMinuteMs, std::string(kUser), "r1")});
  const http::Response response = f.call(request(query(R"(,"device_id":"dev-1")")));
  CHECK(response.status == 200);
  CHECK(response.body ==
        R"({"score":0,"level":"low","factors":[],"recommendations":[],"decision":"allow",)"
        R"("device_trusted":true,"device_id":"dev-1","verification_level":"verified"})");
  // Without a device id the score is the same (Relock trust is per user), but no device can
  // be called trusted.
  CHECK(f.call(request(query())).body ==
        R"({"score":0,"level":"low","factors":[],"recommendations":[],"decision":"allow",)"
        R"("device_trusted":false,"device_id":"dev-1","verification_level":"verified"})");
}

TEST_CASE("risk API: each factor, alone and together") {
  Fixture f;
  f.feed({auth0("s", kNow - 5 * kMinuteMs, std::string(kUser), "login-1"),
          relock("authentication.success", kNow - kMinuteMs, std::string(kUser), "r1")});
  SUBCASE("ip_change") {
    const auto body = f.call(request(query("", "203.0.113.9"))).body;
    CHECK(contains(body, R"("factors":[{"factor":"ip_change","score":20}])"));
    CHECK(contains(body, R"("decision":"allow")"));
  }
  SUBCASE("user_agent_change") {
    const auto body = f.call(request(query("", "198.51.100.1", "UA-2"))).body;
    CHECK(contains(body, R"("factors":[{"factor":"user_agent_change","score":15}])"));
  }
  SUBCASE("another device than the verified one is not trusted") {
    const auto body = f.call(request(query(R"(,"device_id":"dev-2")"))).body;
    CHECK(contains(body, R"("factors":[{"factor":"low_device_trust","score":30}])"));
    CHECK(contains(body, R"("device_trusted":false,"device_id":"dev-1")"));
    CHECK(contains(body, R"("verification_level":"verified")"));
  }
  SUBCASE("Auth0 riskAssessment confidence low and medium; high adds nothing") {
    auto body =
        f.call(request(query(R"(,"risk_assessment":{"confidence":"low","version":"1"})"))).body;
    CHECK(contains(body, R"({"factor":"auth0_risk_assessment","score":40})"));
    CHECK(contains(body, R"("decision":"mfa")"));
    body = f.call(request(query(R"(,"risk_assessment":{"confidence":"medium"})"))).body;
    CHECK(contains(body, R"({"factor":"auth0_risk_assessment","score":20})"));
    body = f.call(request(query(R"(,"risk_assessment":{"confidence":"high"})"))).body;
    CHECK(contains(body, R"("score":0)"));
  }
  SUBCASE("everything at once: high, mfa") {
    const auto body = f.call(request(query(R"(,"device_id":"dev-9","risk_assessment":)"
                                           R"({"confidence":"low"})",
                                           "203.0.113.9", "UA-2")))
                          .body;
    CHECK(contains(body, R"("score":105,"level":"high")"));
    CHECK(contains(body, R"("decision":"mfa")"));
    CHECK(contains(body, "revoking the user's sessions"));
  }
}

TEST_CASE("risk API: no Relock signal, a failure burst, revocation, stale trust") {
  Fixture f;
  SUBCASE("unknown user: untrusted but under the MFA threshold") {
    const auto body = f.call(request(query())).body;
    CHECK(contains(body, R"("score":30,"level":"low")"));
    CHECK(
        contains(body, R"("decision":"allow","device_trusted":false,"verification_level":"none")"));
  }
  SUBCASE("recent failures push it to mfa") {
    std::vector<Event> failures;
    for (int i = 0; i < 4; ++i) {
      failures.push_back(
          auth0("fp", kNow - 30 * kSecondMs + i, std::string(kUser), "fail-" + std::to_string(i)));
    }
    f.feed(failures);
    const auto body = f.call(request(query())).body;
    CHECK(contains(body, R"({"factor":"recent_failures","score":25})"));
    CHECK(contains(body, R"("score":55,"level":"medium")"));
    CHECK(contains(body, R"("decision":"mfa")"));
  }
  SUBCASE("a revoked device") {
    f.feed({relock("authentication.success", kNow - 2 * kMinuteMs, std::string(kUser), "r1"),
            relock("device.revoked", kNow - kMinuteMs, std::string(kUser), "r2")});
    CHECK(contains(f.call(request(query())).body, R"("verification_level":"revoked")"));
  }
  SUBCASE("verification older than the trust TTL") {
    CorrelatorParams params;
    params.device_trust_ttl = 5 * kMinuteMs;
    Fixture short_trust(Fixture::base_config(), params);
    short_trust.feed(
        {relock("authentication.success", kNow - 8 * kMinuteMs, std::string(kUser), "r1")});
    const auto body = short_trust.call(request(query())).body;
    CHECK(contains(body, R"("device_trusted":false,"device_id":"dev-1")"));
    CHECK(contains(body, R"("verification_level":"stale")"));
  }
}

TEST_CASE("risk API: decision thresholds are configuration") {
  ApiConfig config = Fixture::base_config();
  config.mfa_score = 20;
  config.deny_score = 50;
  Fixture f(config);
  CHECK(contains(f.call(request(query())).body, R"("decision":"mfa")"));  // 30
  CHECK(contains(f.call(request(query(R"(,"risk_assessment":{"confidence":"low"})"))).body,
                 R"("decision":"deny")"));  // 70
}

TEST_CASE("risk API: bad requests are refused with a JSON error") {
  Fixture f;
  const auto error_of = [&](const http::Request& r, unsigned status) {
    const http::Response response = f.call(r);
    CHECK(response.status == status);
    return response.body;
  };
  CHECK(contains(error_of(request(query(), ""), 401), "missing bearer token"));
  CHECK(contains(error_of(request(query(), "client-c"), 401), "wrong bearer token"));
  CHECK(contains(error_of(request(query(), "client-a", "GET"), 405), "use POST"));
  http::Request text = request(query());
  text.headers[1].second = "text/plain";
  CHECK(contains(error_of(text, 415), "application/json"));
  http::Request declared = request(query());
  declared.headers.emplace_back("content-length", "100000");
  CHECK(contains(error_of(declared, 413), "at most 65536 bytes"));
  CHECK(contains(error_of(request(std::string(70000, ' ')), 413), "at most"));
  CHECK(contains(error_of(request(""), 400), "not valid JSON"));
  CHECK(contains(error_of(request(R"({"user_id":"u","ip":"1")"), 400), "not valid JSON"));
  CHECK(contains(error_of(request("[1]"), 400), "must be a JSON object"));
  CHECK(contains(error_of(request(R"({"ip":"1","user_agent":"a"})"), 400),
                 R"(member \"user_id\" is required)"));
  CHECK(contains(error_of(request(R"({"user_id":"","ip":"1","user_agent":"a"})"), 400),
                 "must not be empty"));
  CHECK(contains(error_of(request(R"({"user_id":"u","ip":7,"user_agent":"a"})"), 400),
                 R"(member \"ip\" must be a string)"));
  CHECK(contains(error_of(request(query(R"(,"device_id":["d"])")), 400), "device_id"));
  CHECK(contains(error_of(request(query(R"(,"risk_assessment":"low")")), 400), "risk_assessment"));
  CHECK(contains(error_of(request(query(R"(,"risk_assessment":{"confidence":1})")), 400),
                 "confidence"));
  CHECK(contains(error_of(request(fmt::format(R"({{"user_id":"{}","ip":"1","user_agent":"a"}})",
                                              std::string(2000, 'u'))),
                          400),
                 "longer than"));
  // A bad request changed nothing: the same user is still unknown.
  CHECK(contains(f.call(request(query())).body, R"("verification_level":"none")"));
}

TEST_CASE("risk API: each client token has its own rate limit; unconfigured is 404") {
  ApiConfig config = Fixture::base_config();
  config.rate_limit = 3;
  Fixture f(config);
  for (int i = 0; i < 3; ++i)
    CHECK(f.call(request(query(), "client-a")).status == 200);
  const http::Response limited = f.call(request(query(), "client-a"));
  CHECK(limited.status == 429);
  CHECK(limited.headers.front() == std::pair<std::string, std::string>{"Retry-After", "1"});
  CHECK(f.call(request(query(), "client-b")).status == 200);

  Fixture off(ApiConfig{});
  CHECK(off.call(request(query())).status == 404);
}

}  // namespace
}  // namespace authcorrd
