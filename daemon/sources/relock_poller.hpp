// Pulls Relock events from the configurable events endpoint (contract in
// docs/relock-pull.md): GET <events_url>?limit=100[&cursor=<cursor>] with
// "Authorization: Bearer <api key>", answered by
// {"data": [{"event": ..., "data": {...}}, ...], "next_cursor": "...", "has_more": bool}.
// Items are parsed like webhooks and handed to the EventBatchSink together with the new
// cursor, so the cursor advances only once the items are journaled. has_more asks again at
// once, otherwise poll_interval. A 401 (wrong API key) makes running() false, retried every
// 5 minutes; 429 honours Retry-After or x-ratelimit-reset. Same backoff as the Auth0 poller.
//
// Threading and ownership as Auth0Poller.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <memory>
#include <string>

#include "daemon/config/config.hpp"
#include "daemon/ingest_sink.hpp"
#include "daemon/metrics.hpp"
#include "daemon/sources/poller_support.hpp"  // WallClock, PollerTimings

namespace authcorrd {

inline constexpr const char* kRelockCheckpointName = "relock.events";

class RelockPoller {
 public:
  RelockPoller(boost::asio::any_io_executor executor, RelockConfig config, EventBatchSink& sink,
               DaemonMetrics& metrics, WallClock clock, PollerTimings timings = {});
  ~RelockPoller();
  RelockPoller(const RelockPoller&) = delete;
  RelockPoller& operator=(const RelockPoller&) = delete;

  void start();
  void stop();
  bool running() const;
  // After stop(): the poll loop has returned and the poller may be destroyed.
  bool finished() const;
  std::string status() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace authcorrd
