// Pulls Relock events from the configurable events endpoint (contract in
// docs/relock-pull.md): GET <events_url>?cursor=<cursor>&limit=N with
// "Authorization: Bearer <api key>", answered by
// {"data": [{"event": ..., "data": {...}}, ...], "next_cursor": "..."}. Items are parsed like
// webhooks and handed to the EventBatchSink together with the new cursor, so the cursor
// advances only once the items are journaled. Same waits and backoff as the Auth0 poller.
//
// Threading and ownership as Auth0Poller.
#pragma once

#include <boost/asio/any_io_executor.hpp>

#include <memory>
#include <string>

#include "daemon/config/config.hpp"
#include "daemon/ingest_sink.hpp"
#include "daemon/metrics.hpp"
#include "daemon/sources/auth0_poller.hpp"  // WallClock

namespace authcorrd {

inline constexpr const char* kRelockCheckpointName = "relock.events";

class RelockPoller {
 public:
  RelockPoller(boost::asio::any_io_executor executor, RelockConfig config, EventBatchSink& sink,
               DaemonMetrics& metrics, WallClock clock);
  ~RelockPoller();
  RelockPoller(const RelockPoller&) = delete;
  RelockPoller& operator=(const RelockPoller&) = delete;

  void start();
  void stop();
  bool running() const;
  std::string status() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace authcorrd
