// What the daemon's HTTP paths mean: the Auth0 Log Streams receiver (bearer token), the Relock
// webhook receiver (HMAC-SHA256 signature), the risk API (/v1/risk, risk_api.hpp), /metrics,
// /healthz and /readyz.
//
// A request is either rejected with a JSON error (401/404/405/413/415/400/503) and changes no
// state, or its events are journaled before the 200 goes out. Push bodies are all-or-nothing:
// one malformed item rejects the body (400 naming the item), so a sender that retries never
// leaves half a batch behind. An endpoint whose secret is not configured answers 404.
//
// Owned by the daemon; called by the HTTP server on the I/O thread only.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>

#include "daemon/config/config.hpp"
#include "daemon/http/server.hpp"
#include "daemon/metrics.hpp"
#include "daemon/pipeline.hpp"
#include "daemon/risk_api.hpp"
#include "daemon/sources/event_parser.hpp"

namespace authcorrd {

// {ready, reason}: reason says what is missing when not ready.
using Readiness = std::function<std::pair<bool, std::string>()>;

class DaemonRoutes final : public http::Handler {
 public:
  DaemonRoutes(const Config& config, IngestPipeline& pipeline, DaemonMetrics& metrics,
               Readiness readiness);

  std::optional<http::Response> preflight(const http::Request& head,
                                          std::string_view& route) override;
  http::Response handle(http::Request& request, std::string_view route) override;

  // A configuration reload: new ingest secrets, body limits and risk API settings (rate-limit
  // buckets start full again). Connections in progress are not affected.
  void reconfigure(const Config& config);

 private:
  http::Response ingest(http::Request& request, Source source);

  Secret log_stream_token_;  // empty = /ingest/auth0 disabled
  Secret relock_secret_;     // empty = /ingest/relock disabled
  IngestPipeline& pipeline_;
  DaemonMetrics& metrics_;
  Readiness readiness_;
  EventParser parser_;
  std::optional<RiskApi> risk_api_;
};

// The presented bearer token, or empty when the header is missing or not "Bearer <token>".
std::string_view bearer_token(const http::Request& request);
// 405 with Allow, and 401 (with WWW-Authenticate: Bearer when `bearer`): the JSON errors every
// route answers.
http::Response method_not_allowed(std::string_view allow);
http::Response unauthorized(std::string_view message, bool bearer);

// Lowercase hex HMAC-SHA256 of `body` keyed by `key` (Relock's X-Relock-Signature).
std::string hmac_sha256_hex(std::string_view key, std::string_view body);
// Equality of two secrets' texts in time independent of where they differ.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace authcorrd
