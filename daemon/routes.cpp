#include "daemon/routes.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <boost/algorithm/string/case_conv.hpp>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <exception>
#include <vector>

#include <fmt/format.h>

#include "daemon/clock.hpp"
#include "daemon/log.hpp"
#include "daemon/store/store.hpp"
#include "sinks/alert_json.hpp"

namespace authcorrd {
namespace {

constexpr std::string_view kAuth0Route = "/ingest/auth0";
constexpr std::string_view kRelockRoute = "/ingest/relock";
constexpr std::string_view kMetricsRoute = "/metrics";
constexpr std::string_view kHealthRoute = "/healthz";
constexpr std::string_view kReadyRoute = "/readyz";

// "application/json; charset=utf-8" -> "application/json".
std::string media_type(std::string_view content_type) {
  std::string_view type = content_type.substr(0, content_type.find(';'));
  while (!type.empty() && std::isspace(static_cast<unsigned char>(type.back()))) {
    type.remove_suffix(1);
  }
  while (!type.empty() && std::isspace(static_cast<unsigned char>(type.front()))) {
    type.remove_prefix(1);
  }
  return boost::algorithm::to_lower_copy(std::string(type));
}

// Log Streams let the operator pick the content type; these are what JSON array, JSON lines
// and JSON object bodies are sent as in practice.
bool is_auth0_media_type(std::string_view type) {
  static constexpr std::array<std::string_view, 6> kAccepted = {
      "application/json",  "application/x-ndjson",    "application/ndjson",
      "application/jsonl", "application/x-jsonlines", "application/jsonlines"};
  return std::find(kAccepted.begin(), kAccepted.end(), type) != kAccepted.end();
}

http::Response json_response(unsigned status, std::string body) {
  http::Response response;
  response.status = status;
  response.body = std::move(body);
  return response;
}

}  // namespace

std::string hmac_sha256_hex(std::string_view key, std::string_view body) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac.data(), &length);
  std::string hex;
  hex.reserve(length * 2);
  for (unsigned int i = 0; i < length; ++i)
    fmt::format_to(std::back_inserter(hex), "{:02x}", mac[i]);
  return hex;
}

// The presented bearer token, or empty when the header is missing or not "Bearer <token>".
std::string_view bearer_token(const http::Request& request) {
  const auto header = request.header("authorization");
  if (!header || header->size() < 7 ||
      boost::algorithm::to_lower_copy(std::string(header->substr(0, 7))) != "bearer ")
    return {};
  std::string_view token = header->substr(7);
  while (!token.empty() && token.front() == ' ')
    token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ')
    token.remove_suffix(1);
  return token;
}

http::Response method_not_allowed(std::string_view allow) {
  http::Response response =
      http::error_response(405, "method_not_allowed", fmt::format("use {} on this path", allow));
  response.headers.emplace_back("Allow", std::string(allow));
  return response;
}

http::Response unauthorized(std::string_view message, bool bearer) {
  http::Response response = http::error_response(401, "unauthorized", message);
  if (bearer) response.headers.emplace_back("WWW-Authenticate", "Bearer realm=\"authcorrd\"");
  return response;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  // Compare fixed-size digests so neither the position of a difference nor the expected
  // length shows in the timing.
  const std::string digest_a = hmac_sha256_hex("authcorrd-compare", a);
  const std::string digest_b = hmac_sha256_hex("authcorrd-compare", b);
  return CRYPTO_memcmp(digest_a.data(), digest_b.data(), digest_a.size()) == 0;
}

DaemonRoutes::DaemonRoutes(const Config& config, IngestPipeline& pipeline, DaemonMetrics& metrics,
                           Readiness readiness)
    : pipeline_(pipeline), metrics_(metrics), readiness_(std::move(readiness)) {
  reconfigure(config);
}

void DaemonRoutes::reconfigure(const Config& config) {
  parser_ = EventParser(ParseLimits{.max_item_bytes = config.server.max_body_bytes});
  log_stream_token_ = config.log_stream ? config.log_stream->token : Secret{};
  relock_secret_ = config.relock.webhook_secret;
  risk_api_.emplace(config.api, pipeline_.correlator(), metrics_, wall_clock_ms);
}

std::optional<http::Response> DaemonRoutes::preflight(const http::Request& head,
                                                      std::string_view& route) {
  const std::string& path = head.path;
  if (path == kAuth0Route || path == kRelockRoute) {
    const bool auth0 = path == kAuth0Route;
    route = auth0 ? kAuth0Route : kRelockRoute;
    const Secret& secret = auth0 ? log_stream_token_ : relock_secret_;
    if (secret.empty()) {
      return http::error_response(404, "not_found",
                                  auth0 ? "Auth0 Log Streams ingest is not configured"
                                        : "Relock webhook ingest is not configured");
    }
    if (head.method != "POST") return method_not_allowed("POST");
    if (auth0) {
      const std::string_view token = bearer_token(head);
      if (token.empty()) return unauthorized("missing bearer token", true);
      if (!constant_time_equal(token, log_stream_token_.value)) {
        return unauthorized("wrong bearer token", true);
      }
    } else if (!head.header("x-relock-signature")) {
      return unauthorized("missing X-Relock-Signature header", false);
    }
    const auto content_type = head.header("content-type");
    const std::string type = content_type ? media_type(*content_type) : std::string();
    const bool accepted = auth0 ? is_auth0_media_type(type) : type == "application/json";
    if (!accepted) {
      return http::error_response(
          415, "unsupported_media_type",
          type.empty() ? "Content-Type is required"
                       : fmt::format("Content-Type {} is not accepted; send application/json{}",
                                     type, auth0 ? " or application/x-ndjson" : ""));
    }
    return std::nullopt;
  }
  if (path == RiskApi::kRoute) {
    route = RiskApi::kRoute;
    return risk_api_->preflight(head);
  }
  if (path == kMetricsRoute || path == kHealthRoute || path == kReadyRoute) {
    route = path == kMetricsRoute  ? kMetricsRoute
            : path == kHealthRoute ? kHealthRoute
                                   : kReadyRoute;
    if (head.method != "GET" && head.method != "HEAD") return method_not_allowed("GET");
    return std::nullopt;
  }
  route = "other";
  return http::error_response(404, "not_found", "no such path");
}

http::Response DaemonRoutes::handle(http::Request& request, std::string_view route) {
  if (route == RiskApi::kRoute) return risk_api_->handle(request);
  if (route == kAuth0Route) return ingest(request, Source::auth0);
  if (route == kRelockRoute) {
    const std::string_view presented = *request.header("x-relock-signature");
    const std::string expected = hmac_sha256_hex(relock_secret_.value, request.body);
    if (!constant_time_equal(boost::algorithm::to_lower_copy(std::string(presented)), expected)) {
      return unauthorized("X-Relock-Signature does not match the body", false);
    }
    return ingest(request, Source::relock);
  }
  if (route == kMetricsRoute) {
    http::Response response;
    response.content_type = "text/plain; version=0.0.4; charset=utf-8";
    response.body = metrics_.serialize();
    return response;
  }
  if (route == kHealthRoute) return json_response(200, "{\"status\":\"ok\"}");
  const auto [ready, reason] = readiness_();
  std::string body = ready ? "{\"status\":\"ready\"}" : "{\"status\":\"not_ready\",\"reason\":";
  if (!ready) {
    append_json_string(body, reason);
    body += '}';
  }
  return json_response(ready ? 200 : 503, std::move(body));
}

http::Response DaemonRoutes::ingest(http::Request& request, Source source) {
  const bool blank = std::all_of(request.body.begin(), request.body.end(),
                                 [](unsigned char c) { return std::isspace(c) != 0; });
  if (blank) return http::error_response(400, "bad_request", "empty body");

  std::vector<Event> events;
  const simdjson::padded_string_view body(request.body.data(), request.body.size(),
                                          request.body.capacity());
  const ParseReport report = parser_.parse(
      body, source == Source::auth0 ? InputFormat::auth0 : InputFormat::relock, events);
  const std::size_t ignored = report.ignored_relock_events.empty() ? 0 : report.ignored();
  if (!report.errors.empty()) {
    pipeline_.count_rejected(source, report.errors.size(), 0);
    const ItemError& first = report.errors.front();
    return http::error_response(
        400, "bad_request",
        fmt::format("{} of {} item(s) unreadable, nothing accepted; item {} (line {}): {}",
                    report.errors.size(), report.items, first.index, first.line, first.message));
  }
  pipeline_.count_rejected(source, 0, ignored);
  BatchOutcome outcome;
  try {
    outcome = pipeline_.accept(events, std::nullopt);
  } catch (const StoreError& error) {
    log_error("ingest {}: cannot journal {} event(s): {}", to_string(source), events.size(),
              error.what());
    http::Response response =
        http::error_response(503, "unavailable", "events could not be stored; retry later");
    response.headers.emplace_back("Retry-After", "5");
    return response;
  }
  metrics_.events_received(source, "push", events.size());
  return json_response(200, fmt::format("{{\"accepted\":{},\"duplicates\":{},\"ignored\":{}}}",
                                        outcome.new_events, outcome.duplicates, ignored));
}

}  // namespace authcorrd
