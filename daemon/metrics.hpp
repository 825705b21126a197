// The daemon's Prometheus metrics: one prometheus-cpp registry (core only) with every family
// the daemon exports, and typed helpers so call sites cannot misspell a name or put a
// high-cardinality value (user, device, IP) into a label. Served by the HTTP server's /metrics
// route through serialize().
//
// Names follow authcorrd_<subsystem>_<what>_<unit>; counters end in _total. Label values are
// small closed sets (source, route, status code, outcome, alert type, severity).
//
// prometheus-cpp counters, gauges and histograms are thread-safe, so any thread may call the
// helpers; the daemon calls them from its I/O thread and the webhook/Alertmanager sinks from
// theirs. update_correlator() keeps the previous snapshot behind a mutex, so concurrent calls
// cannot double-count either. Every family is documented in docs/metrics.md.
#pragma once

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <cstddef>
#include <memory>
#include <mutex>
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

  // Webhook sinks. `sink` is the configured sink name ([a-z0-9_-]{1,64}); `result` one of
  // delivered, failed, throttled, gone, dead_lettered. `seconds` is the attempt's duration, or
  // negative when no attempt was timed (e.g. dead-lettered without a request).
  void webhook_delivery(std::string_view sink, std::string_view result, double seconds);
  void webhook_outbox(std::string_view sink, std::size_t depth, double oldest_age_seconds,
                      std::size_t dead_letters);
  void webhook_overflow(std::string_view sink, std::size_t count);
  void webhook_endpoint_enabled(std::string_view sink, bool enabled);

  // Alertmanager sinks.
  void alertmanager_post(std::string_view sink, bool ok);
  void alertmanager_active(std::string_view sink, std::size_t active);

  // Configuration: loaded at start, reloaded on SIGHUP (ok or failed).
  void config_loaded(double unix_seconds);
  void config_reload(bool ok, double unix_seconds);

  // POST /v1/risk: `result` is allow | mfa | deny | bad_request | unauthorized | rate_limited;
  // `seconds` the evaluation time (< 0: not evaluated).
  void risk_query(std::string_view result, double seconds);

  // State. update_correlator() takes a snapshot of the correlator's stats (about once per
  // second): gauges are set, counters and the risk histogram advance by the difference from
  // the previous snapshot.
  void update_correlator(const CorrelatorStats& stats);
  void update_store(const StoreCounts& counts);
  void observe_journal(double seconds);
  void set_ready(bool ready);

 private:
  void register_outputs(prometheus::Registry& registry);
  void register_correlator(prometheus::Registry& registry);

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
  prometheus::Family<prometheus::Counter>* webhook_deliveries_;
  prometheus::Family<prometheus::Histogram>* webhook_duration_;
  prometheus::Family<prometheus::Gauge>* webhook_outbox_depth_;
  prometheus::Family<prometheus::Gauge>* webhook_outbox_oldest_;
  prometheus::Family<prometheus::Gauge>* webhook_dead_letters_;
  prometheus::Family<prometheus::Counter>* webhook_overflow_;
  prometheus::Family<prometheus::Gauge>* webhook_enabled_;
  prometheus::Family<prometheus::Counter>* alertmanager_posts_;
  prometheus::Family<prometheus::Gauge>* alertmanager_active_;
  prometheus::Family<prometheus::Counter>* config_reloads_;
  prometheus::Gauge* config_reload_success_;
  prometheus::Family<prometheus::Counter>* risk_queries_;
  prometheus::Histogram* risk_duration_;

  // Correlator families, fed by update_correlator().
  prometheus::Gauge* correlator_users_;
  prometheus::Gauge* correlator_sessions_;
  prometheus::Family<prometheus::Gauge>* index_entries_;
  prometheus::Family<prometheus::Counter>* evictions_;
  prometheus::Family<prometheus::Counter>* events_dropped_;
  prometheus::Family<prometheus::Counter>* late_events_;
  prometheus::Family<prometheus::Gauge>* source_lag_;
  prometheus::Family<prometheus::Counter>* device_verifications_;
  prometheus::Gauge* trusted_devices_;
  prometheus::Family<prometheus::Counter>* logins_;
  prometheus::Counter* login_failures_;
  prometheus::Histogram* login_risk_;
  std::mutex correlator_mutex_;
  CorrelatorStats previous_;  // the snapshot of the last update_correlator()

  prometheus::Family<prometheus::Gauge>* store_gauges_;
  prometheus::Histogram* journal_duration_;
  prometheus::Gauge* ready_;
};

}  // namespace authcorrd
