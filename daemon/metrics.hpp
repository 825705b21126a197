// The daemon's Prometheus metrics: one prometheus-cpp registry (core only) with every family
// the daemon exports, and typed helpers so call sites cannot misspell a name or put a
// high-cardinality value (user, device, IP) into a label. Served by the HTTP server's /metrics
// route through serialize().
//
// Names follow authcorrd_<subsystem>_<what>_<unit>; counters end in _total. Label values are
// small closed sets (source, route, status code, outcome, alert type, severity).
//
// prometheus-cpp counters and gauges are atomic, so any thread may update them; the daemon
// updates them from its I/O thread.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <memory>
#include <string>
#include <string_view>

#include "correlator/alert.hpp"
#include "correlator/event.hpp"
#include "correlator/stats.hpp"

namespace authcorrd {

struct StoreCounts;

class DaemonMetrics {
 public:
  DaemonMetrics();
  DaemonMetrics(const DaemonMetrics&) = delete;
  DaemonMetrics& operator=(const DaemonMetrics&) = delete;

  prometheus::Registry& registry() { return *registry_; }
  // The Prometheus text exposition format of every metric.
  std::string serialize() const;

  // HTTP server. `route` is the matched route ("/ingest/auth0", ..., or "other").
  void http_request(std::string_view route, unsigned status, double seconds);

  // Ingest. `path` is "push" or "pull".
  void events_received(Source source, std::string_view path, std::size_t count);
  void events_duplicate(Source source, std::size_t count);
  void parse_errors(Source source, std::size_t count);
  void relock_events_ignored(std::size_t count);

  // Pollers. `poller` is "auth0" or "relock"; outcome one of: ok, empty, rate_limited,
  // server_error, client_error, unauthorized, timeout, connection_error, bad_response.
  void poll_request(std::string_view poller, std::string_view outcome);
  void token_request(std::string_view outcome);  // ok | error
  void set_poller_up(std::string_view poller, bool up);
  void set_poller_last_success(std::string_view poller, double unix_seconds);

  // Alerts.
  void alert_emitted(AlertType type, Severity severity);
  void alert_repeated(std::size_t count);  // regenerated after a restart, already emitted
  void sink_error(std::string_view sink);  // "file" | "stdout"

  // State.
  void update_correlator(const CorrelatorStats& stats);
  void update_store(const StoreCounts& counts);
  void observe_journal(double seconds);
  void set_ready(bool ready);

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>* http_requests_;
  prometheus::Family<prometheus::Histogram>* http_duration_;
  prometheus::Family<prometheus::Counter>* events_received_;
  prometheus::Family<prometheus::Counter>* events_duplicate_;
  prometheus::Family<prometheus::Counter>* parse_errors_;
  prometheus::Counter* relock_ignored_;
  prometheus::Family<prometheus::Counter>* poll_requests_;
  prometheus::Family<prometheus::Counter>* token_requests_;
  prometheus::Family<prometheus::Gauge>* poller_up_;
  prometheus::Family<prometheus::Gauge>* poller_last_success_;
  prometheus::Family<prometheus::Counter>* alerts_;
  prometheus::Counter* alerts_repeated_;
  prometheus::Family<prometheus::Counter>* sink_errors_;
  prometheus::Family<prometheus::Gauge>* correlator_gauges_;
  prometheus::Family<prometheus::Counter>* correlator_counters_;
  prometheus::Family<prometheus::Gauge>* store_gauges_;
  prometheus::Histogram* journal_duration_;
  prometheus::Gauge* ready_;
};

}  // namespace authcorrd
