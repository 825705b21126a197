// POST /v1/risk: the synchronous risk API that Auth0 post-login Actions call during a login
// (docs/risk-api.md). It scores the login against the live index with the correlator's own
// scoring (Correlator::assess_login at the current wall-clock time), adds Auth0's
// riskAssessment confidence as a factor, and answers a decision: allow, mfa or deny.
//
// Never blocks on I/O: it reads the in-memory index only. Each client token has its own token
// bucket (rate_limit per second), checked before the body is read.
//
// Owned by DaemonRoutes; called on the daemon's I/O thread only. The correlator and metrics
// outlive it.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <simdjson.h>

#include "correlator/correlator.hpp"
#include "daemon/config/config.hpp"
#include "daemon/http/server.hpp"
#include "daemon/metrics.hpp"

namespace authcorrd {

// The parsed body of a /v1/risk request.
struct RiskQuery {
  std::string user_id;
  std::string ip;
  std::string user_agent;
  std::string device_id;
  std::string session_id;
  std::string risk_confidence;  // riskAssessment.confidence; empty when absent
};

// nullopt and `error` set (naming the member) when the body is not a valid request.
std::optional<RiskQuery> parse_risk_query(simdjson::dom::parser& parser, std::string_view body,
                                          std::string& error);

class RiskApi {
 public:
  static constexpr std::string_view kRoute = "/v1/risk";
  static constexpr std::size_t kMaxBodyBytes = 64 * 1024;

  RiskApi(const ApiConfig& config, const Correlator& correlator, DaemonMetrics& metrics,
          std::function<TimeMs()> wall_clock);

  bool enabled() const noexcept { return !clients_.empty(); }

  // Before the body: method, bearer token, rate limit, content type, declared length. A
  // response means "answer this and stop".
  std::optional<http::Response> preflight(const http::Request& head);
  http::Response handle(const http::Request& request);

 private:
  struct Client {
    std::string token;
    double tokens = 0;  // token bucket
    std::chrono::steady_clock::time_point refilled;
  };
  Client* find_client(std::string_view presented);
  bool take_token(Client& client, std::chrono::steady_clock::time_point now);
  std::string evaluate(const RiskQuery& query, std::string& decision);

  ApiConfig config_;
  const Correlator& correlator_;
  DaemonMetrics& metrics_;
  std::function<TimeMs()> wall_clock_;
  std::vector<Client> clients_;
  simdjson::dom::parser parser_;
};

}  // namespace authcorrd
