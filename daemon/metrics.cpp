// Metric families of the daemon. Every family is created here, once, so the full list of what
// authcorrd exports is readable in one place (and documented in docs/metrics.md).
#include "daemon/metrics.hpp"

#include <prometheus/text_serializer.h>

#include <array>
#include <string>

#include "daemon/store/store.hpp"

namespace authcorrd {
namespace {

// Request latencies from sub-millisecond (metrics scrape) to the body read deadline.
const prometheus::Histogram::BucketBoundaries kLatencyBuckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

std::string source_label(Source source) {
  return std::string(to_string(source));
}

}  // namespace

DaemonMetrics::DaemonMetrics() : registry_(std::make_shared<prometheus::Registry>()) {
  auto& registry = *registry_;
  http_requests_ = &prometheus::BuildCounter()
                        .Name("authcorrd_http_requests_total")
                        .Help("HTTP requests answered, by route and status code")
                        .Register(registry);
  http_duration_ = &prometheus::BuildHistogram()
                        .Name("authcorrd_http_request_duration_seconds")
                        .Help("Time from a complete request to its response, by route")
                        .Register(registry);
  events_received_ = &prometheus::BuildCounter()
                          .Name("authcorrd_ingest_events_total")
                          .Help("Events parsed from sources, by source and path (push/pull)")
                          .Register(registry);
  events_duplicate_ = &prometheus::BuildCounter()
                           .Name("authcorrd_ingest_duplicate_events_total")
                           .Help("Events already journaled (re-delivered), dropped, by source")
                           .Register(registry);
  parse_errors_ = &prometheus::BuildCounter()
                       .Name("authcorrd_ingest_parse_errors_total")
                       .Help("Items that could not be read as events, by source")
                       .Register(registry);
  relock_ignored_ = &prometheus::BuildCounter()
                         .Name("authcorrd_ingest_relock_unknown_events_total")
                         .Help("Relock webhooks with an event name authcorrd does not use")
                         .Register(registry)
                         .Add({});
  poll_requests_ = &prometheus::BuildCounter()
                        .Name("authcorrd_poller_requests_total")
                        .Help("Poll requests, by poller and outcome")
                        .Register(registry);
  token_requests_ = &prometheus::BuildCounter()
                         .Name("authcorrd_poller_token_requests_total")
                         .Help("Auth0 client-credentials token requests, by outcome")
                         .Register(registry);
  poller_up_ = &prometheus::BuildGauge()
                    .Name("authcorrd_poller_up")
                    .Help("1 when the poller's last request succeeded, else 0")
                    .Register(registry);
  poller_last_success_ = &prometheus::BuildGauge()
                              .Name("authcorrd_poller_last_success_timestamp_seconds")
                              .Help("Wall-clock time of the poller's last successful request")
                              .Register(registry);
  alerts_ = &prometheus::BuildCounter()
                 .Name("authcorrd_alerts_total")
                 .Help("Alerts emitted (first time per alert id), by type and severity")
                 .Register(registry);
  alerts_repeated_ = &prometheus::BuildCounter()
                          .Name("authcorrd_alerts_repeated_total")
                          .Help("Alerts regenerated after a restart whose id was already emitted")
                          .Register(registry)
                          .Add({});
  sink_errors_ = &prometheus::BuildCounter()
                      .Name("authcorrd_sink_errors_total")
                      .Help("Alert deliveries that failed, by sink")
                      .Register(registry);
  correlator_gauges_ = &prometheus::BuildGauge()
                            .Name("authcorrd_correlator_tracked")
                            .Help("Objects held by the correlation index, by kind")
                            .Register(registry);
  correlator_counters_ = &prometheus::BuildCounter()
                              .Name("authcorrd_correlator_events_dropped_total")
                              .Help("Events the correlator did not correlate, by reason")
                              .Register(registry);
  store_gauges_ = &prometheus::BuildGauge()
                       .Name("authcorrd_store_rows")
                       .Help("Rows in the state database, by table")
                       .Register(registry);
  journal_duration_ = &prometheus::BuildHistogram()
                           .Name("authcorrd_store_journal_duration_seconds")
                           .Help("Time to journal one batch of events (one transaction)")
                           .Register(registry)
                           .Add({}, kLatencyBuckets);
  ready_ = &prometheus::BuildGauge()
                .Name("authcorrd_ready")
                .Help("1 once the store is open and every configured source runs")
                .Register(registry)
                .Add({});
}

std::string DaemonMetrics::serialize() const {
  return prometheus::TextSerializer().Serialize(registry_->Collect());
}

void DaemonMetrics::http_request(std::string_view route, unsigned status, double seconds) {
  const std::string route_label(route);
  http_requests_->Add({{"route", route_label}, {"code", std::to_string(status)}}).Increment();
  http_duration_->Add({{"route", route_label}}, kLatencyBuckets).Observe(seconds);
}

void DaemonMetrics::events_received(Source source, std::string_view path, std::size_t count) {
  events_received_->Add({{"source", source_label(source)}, {"path", std::string(path)}})
      .Increment(static_cast<double>(count));
}

void DaemonMetrics::events_duplicate(Source source, std::size_t count) {
  events_duplicate_->Add({{"source", source_label(source)}}).Increment(static_cast<double>(count));
}

void DaemonMetrics::parse_errors(Source source, std::size_t count) {
  parse_errors_->Add({{"source", source_label(source)}}).Increment(static_cast<double>(count));
}

void DaemonMetrics::relock_events_ignored(std::size_t count) {
  relock_ignored_->Increment(static_cast<double>(count));
}

void DaemonMetrics::poll_request(std::string_view poller, std::string_view outcome) {
  poll_requests_->Add({{"poller", std::string(poller)}, {"outcome", std::string(outcome)}})
      .Increment();
}

void DaemonMetrics::token_request(std::string_view outcome) {
  token_requests_->Add({{"outcome", std::string(outcome)}}).Increment();
}

void DaemonMetrics::set_poller_up(std::string_view poller, bool up) {
  poller_up_->Add({{"poller", std::string(poller)}}).Set(up ? 1 : 0);
}

void DaemonMetrics::set_poller_last_success(std::string_view poller, double unix_seconds) {
  poller_last_success_->Add({{"poller", std::string(poller)}}).Set(unix_seconds);
}

void DaemonMetrics::alert_emitted(AlertType type, Severity severity) {
  alerts_
      ->Add(
          {{"type", std::string(to_string(type))}, {"severity", std::string(to_string(severity))}})
      .Increment();
}

void DaemonMetrics::alert_repeated(std::size_t count) {
  alerts_repeated_->Increment(static_cast<double>(count));
}

void DaemonMetrics::sink_error(std::string_view sink) {
  sink_errors_->Add({{"sink", std::string(sink)}}).Increment();
}

void DaemonMetrics::update_correlator(const CorrelatorStats& stats) {
  correlator_gauges_->Add({{"kind", "users"}}).Set(static_cast<double>(stats.tracked_users));
  correlator_gauges_->Add({{"kind", "sessions"}}).Set(static_cast<double>(stats.tracked_sessions));
  correlator_gauges_->Add({{"kind", "strings"}}).Set(static_cast<double>(stats.interned_strings));
  // Counters are mirrored from the correlator's own monotonic counts: set the difference.
  auto mirror = [this](const char* reason, std::uint64_t value) {
    auto& counter = correlator_counters_->Add({{"reason", reason}});
    const double delta = static_cast<double>(value) - counter.Value();
    if (delta > 0) counter.Increment(delta);
  };
  std::uint64_t late = 0;
  std::uint64_t future = 0;
  for (std::size_t i = 0; i < kSourceCount; ++i) {
    late += stats.late_events[i];
    future += stats.future_events[i];
  }
  mirror("late", late);
  mirror("future", future);
  mirror("duplicate", stats.duplicate_events);
  mirror("unattributed", stats.unattributed_events);
  mirror("user_evicted", stats.users_evicted);
  mirror("record_evicted", stats.records_evicted);
  mirror("session_evicted", stats.sessions_evicted);
}

void DaemonMetrics::update_store(const StoreCounts& counts) {
  store_gauges_->Add({{"table", "journal"}}).Set(static_cast<double>(counts.journal_rows));
  store_gauges_->Add({{"table", "alerts"}}).Set(static_cast<double>(counts.alert_rows));
  store_gauges_->Add({{"table", "alerts_undelivered"}})
      .Set(static_cast<double>(counts.undelivered_alerts));
}

void DaemonMetrics::observe_journal(double seconds) {
  journal_duration_->Observe(seconds);
}

void DaemonMetrics::set_ready(bool ready) {
  ready_->Set(ready ? 1 : 0);
}

}  // namespace authcorrd
