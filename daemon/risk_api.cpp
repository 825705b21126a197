#include "daemon/risk_api.hpp"

#include <boost/algorithm/string/classification.hpp>
#include <boost/algorithm/string/split.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>

#include <fmt/format.h>

#include "daemon/routes.hpp"  // bearer_token, constant_time_equal, the JSON errors
#include "sinks/alert_json.hpp"

namespace authcorrd {
namespace {

constexpr std::size_t kMaxFieldBytes = 1024;

// Whitespace-separated words, without empty ones.
std::vector<std::string> split_tokens(std::string_view text) {
  std::vector<std::string> tokens;
  boost::algorithm::split(tokens, text, boost::algorithm::is_space(),
                          boost::algorithm::token_compress_on);
  std::erase_if(tokens, [](const std::string& token) { return token.empty(); });
  return tokens;
}

// Reads member `name` as a string into `out`. Absent: fine unless `required`.
bool read_string(const simdjson::dom::object& object, std::string_view name, bool required,
                 std::string& out, std::string& error) {
  simdjson::dom::element value;
  if (object[name].get(value) != simdjson::SUCCESS) {
    if (required) error = fmt::format("member \"{}\" is required", name);
    return !required;
  }
  std::string_view text;
  if (value.get(text) != simdjson::SUCCESS) {
    error = fmt::format("member \"{}\" must be a string", name);
    return false;
  }
  if (text.size() > kMaxFieldBytes) {
    error = fmt::format("member \"{}\" is longer than {} bytes", name, kMaxFieldBytes);
    return false;
  }
  out = text;
  return true;
}

}  // namespace

std::optional<RiskQuery> parse_risk_query(simdjson::dom::parser& parser, std::string_view body,
                                          std::string& error) {
  simdjson::dom::element root;
  if (parser.parse(body.data(), body.size(), true).get(root) != simdjson::SUCCESS) {
    error = "the body is not valid JSON";
    return std::nullopt;
  }
  simdjson::dom::object object;
  if (root.get(object) != simdjson::SUCCESS) {
    error = "the body must be a JSON object";
    return std::nullopt;
  }
  RiskQuery query;
  if (!read_string(object, "user_id", true, query.user_id, error) ||
      !read_string(object, "ip", true, query.ip, error) ||
      !read_string(object, "user_agent", true, query.user_agent, error) ||
      !read_string(object, "device_id", false, query.device_id, error) ||
      !read_string(object, "session_id", false, query.session_id, error)) {
    return std::nullopt;
  }
  if (query.user_id.empty()) {
    error = "member \"user_id\" must not be empty";
    return std::nullopt;
  }
  simdjson::dom::element assessment;
  if (object["risk_assessment"].get(assessment) == simdjson::SUCCESS && !assessment.is_null()) {
    simdjson::dom::object assessment_object;
    if (assessment.get(assessment_object) != simdjson::SUCCESS) {
      error = "member \"risk_assessment\" must be an object (Auth0's riskAssessment)";
      return std::nullopt;
    }
    if (!read_string(assessment_object, "confidence", false, query.risk_confidence, error)) {
      error = "member \"risk_assessment.confidence\" must be a string";
      return std::nullopt;
    }
  }
  return query;
}

RiskApi::RiskApi(const ApiConfig& config, const Correlator& correlator, DaemonMetrics& metrics,
                 std::function<TimeMs()> wall_clock)
    : config_(config),
      correlator_(correlator),
      metrics_(metrics),
      wall_clock_(std::move(wall_clock)) {
  const auto now = std::chrono::steady_clock::now();
  for (std::string& token : split_tokens(config.tokens.value)) {
    clients_.push_back(Client{std::move(token), static_cast<double>(config.rate_limit), now});
  }
}

RiskApi::Client* RiskApi::find_client(std::string_view presented) {
  // Every token is compared (in constant time each), so timing does not tell which matched.
  Client* found = nullptr;
  for (Client& client : clients_) {
    if (constant_time_equal(presented, client.token) && found == nullptr) found = &client;
  }
  return found;
}

bool RiskApi::take_token(Client& client, std::chrono::steady_clock::time_point now) {
  const double elapsed = std::chrono::duration<double>(now - client.refilled).count();
  const auto capacity = static_cast<double>(config_.rate_limit);
  client.tokens = std::min(capacity, client.tokens + elapsed * capacity);
  client.refilled = now;
  if (client.tokens < 1.0) return false;
  client.tokens -= 1.0;
  return true;
}

std::optional<http::Response> RiskApi::preflight(const http::Request& head) {
  if (!enabled()) {
    return http::error_response(404, "not_found", "the risk API is not configured ([api] token)");
  }
  if (head.method != "POST") {
    return method_not_allowed("POST");
  }
  const std::string_view token = bearer_token(head);
  Client* client = token.empty() ? nullptr : find_client(token);
  if (client == nullptr) {
    metrics_.risk_query("unauthorized", -1);
    return unauthorized(token.empty() ? "missing bearer token" : "wrong bearer token", true);
  }
  if (!take_token(*client, std::chrono::steady_clock::now())) {
    metrics_.risk_query("rate_limited", -1);
    http::Response response = http::error_response(
        429, "rate_limited",
        fmt::format("more than {} requests per second with this token", config_.rate_limit));
    response.headers.emplace_back("Retry-After", "1");
    return response;
  }
  const auto content_type = head.header("content-type");
  const std::string_view type =
      content_type ? content_type->substr(0, content_type->find(';')) : std::string_view();
  if (type != "application/json") {
    metrics_.risk_query("bad_request", -1);
    return http::error_response(415, "unsupported_media_type",
                                "send the query as Content-Type: application/json");
  }
  if (const auto length = head.header("content-length")) {
    std::size_t declared = 0;
    const auto [end, ec] =
        std::from_chars(length->data(), length->data() + length->size(), declared);
    if (ec != std::errc() || declared > kMaxBodyBytes) {
      metrics_.risk_query("bad_request", -1);
      return http::error_response(413, "body_too_large",
                                  fmt::format("a risk query is at most {} bytes", kMaxBodyBytes));
    }
  }
  return std::nullopt;
}

http::Response RiskApi::handle(const http::Request& request) {
  const auto started = std::chrono::steady_clock::now();
  if (request.body.size() > kMaxBodyBytes) {
    metrics_.risk_query("bad_request", -1);
    return http::error_response(413, "body_too_large",
                                fmt::format("a risk query is at most {} bytes", kMaxBodyBytes));
  }
  std::string error;
  const std::optional<RiskQuery> query = parse_risk_query(parser_, request.body, error);
  if (!query) {
    metrics_.risk_query("bad_request", -1);
    return http::error_response(400, "bad_request", error);
  }
  std::string decision;
  http::Response response;
  response.body = evaluate(*query, decision);
  metrics_.risk_query(
      decision, std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
  return response;
}

std::string RiskApi::evaluate(const RiskQuery& query, std::string& decision) {
  Event login;
  login.source = Source::auth0;
  login.kind = EventKind::login_success;
  login.outcome = Outcome::success;
  login.time = wall_clock_();
  login.user_id = query.user_id;
  login.ip = query.ip;
  login.user_agent = query.user_agent;
  login.device_id = query.device_id;
  DeviceTrust trust;
  RiskAssessment risk = correlator_.assess_login(login, trust);
  const int assessment = query.risk_confidence == "low"      ? config_.risk_assessment_low
                         : query.risk_confidence == "medium" ? config_.risk_assessment_medium
                                                             : 0;
  if (assessment > 0) {
    risk.factors.push_back(RiskFactor{"auth0_risk_assessment", assessment});
    risk.score += assessment;
  }
  const CorrelatorParams& params = correlator_.params();
  risk.level = risk_level(risk.score, params.medium_risk_score, params.high_risk_score);
  decision = config_.deny_score > 0 && risk.score >= config_.deny_score ? "deny"
             : risk.score >= config_.mfa_score                          ? "mfa"
                                                                        : "allow";

  std::string body = fmt::format("{{\"score\":{},\"level\":\"{}\",\"factors\":[", risk.score,
                                 to_string(risk.level));
  for (std::size_t i = 0; i < risk.factors.size(); ++i) {
    body += i == 0 ? "{\"factor\":" : ",{\"factor\":";
    append_json_string(body, risk.factors[i].name);
    body += fmt::format(",\"score\":{}}}", risk.factors[i].score);
  }
  body += "],\"recommendations\":[";
  bool first = true;
  for (const std::string_view text : risk_recommendations(risk)) {
    if (!first) body += ',';
    first = false;
    append_json_string(body, text);
  }
  if (assessment > 0) {
    if (!first) body += ',';
    append_json_string(body, "Auth0's risk assessment rated this login's confidence " +
                                 query.risk_confidence + ": treat it as unverified.");
  }
  // Relock trust is known per user; only a query that names its device (and names the one
  // Relock verified) can be told that this device is trusted.
  const bool device_trusted = trust.trusted && !query.device_id.empty();
  body += fmt::format("],\"decision\":\"{}\",\"device_trusted\":{}", decision,
                      device_trusted ? "true" : "false");
  if (!trust.device_id.empty()) {
    body += ",\"device_id\":";
    append_json_string(body, trust.device_id);
  }
  body += fmt::format(",\"verification_level\":\"{}\"}}", to_string(trust.verification));
  return body;
}

}  // namespace authcorrd
