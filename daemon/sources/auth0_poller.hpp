// Pulls Auth0 tenant logs from the Management API (reference/auth0.md §3-5): a client-credentials
// token from POST /oauth/token, cached until shortly before expires_in and refreshed on 401;
// then GET /api/v2/logs?from=<checkpoint>&take=N, following the Link rel="next" URL. Each page
// is parsed and handed to the EventBatchSink together with the new checkpoint (the page's last
// log_id), so the checkpoint advances only once the page is journaled.
//
// Waits: after an empty page, poll_interval; on 429, until x-ratelimit-reset (epoch seconds);
// on 5xx, timeouts and connection errors, exponential backoff with full jitter (1 s .. 5 min).
// Rejected client credentials (401/403 from /oauth/token) make running() false and are retried
// every 5 minutes. PollerTimings shrinks these waits in tests.
//
// Without a stored checkpoint it starts per config.start: now / look_back forge a start id
// ("900" + UTC YYYYMMDDhhmmss + 39 zeros) and persist it before the first request; beginning
// reads the oldest page with a date-sorted search, then continues from its last id.
//
// Runs as a coroutine on the daemon's io_context; start(), stop() and the accessors must be
// called on that io_context's thread. Owns its HttpClient and EventParser; the sink and metrics
// are the daemon's and outlive the poller.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <functional>
#include <memory>
#include <string>

#include "correlator/event.hpp"
#include "daemon/config/config.hpp"
#include "daemon/ingest_sink.hpp"
#include "daemon/metrics.hpp"
#include "daemon/sources/poller_support.hpp"  // WallClock, PollerTimings

namespace authcorrd {

// Checkpoint name under which the Auth0 poller keeps its last log_id.
inline constexpr const char* kAuth0CheckpointName = "auth0.logs";

class Auth0Poller {
 public:
  // `clock` gives "now" for the start position and rate-limit reset arithmetic; waits use the
  // io_context's steady timers.
  Auth0Poller(boost::asio::any_io_executor executor, Auth0PullConfig config, EventBatchSink& sink,
              DaemonMetrics& metrics, WallClock clock, PollerTimings timings = {});
  ~Auth0Poller();
  Auth0Poller(const Auth0Poller&) = delete;
  Auth0Poller& operator=(const Auth0Poller&) = delete;

  void start();
  // Cancels any wait or request in flight; a page not yet journaled is dropped (and fetched
  // again after a restart, from the unchanged checkpoint). Returns at once.
  void stop();
  // Started, not stopped, and the last request did not fail permanently (bad credentials).
  bool running() const;
  // After stop(): the poll loop has returned and the poller may be destroyed.
  bool finished() const;
  // Human-readable state for logs and /readyz ("polling", "backing off: HTTP 503", ...).
  std::string status() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace authcorrd
