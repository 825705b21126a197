// Metric families of the daemon. Every family is created here, once, so the full list of what
// authcorrd exports is readable in one place (and documented in docs/metrics.md).
#include "daemon/metrics.hpp"

#include <prometheus/text_serializer.h>

#include <array>
#include <string>
#include <vector>

#include "daemon/store/store.hpp"
#include "daemon/version.hpp"

namespace authcorrd {
namespace {

// Request latencies from sub-millisecond (metrics scrape) to the body read deadline.
const prometheus::Histogram::BucketBoundaries kLatencyBuckets = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

// One /v1/risk evaluation: microseconds, with the 1 ms target in the middle.
const prometheus::Histogram::BucketBoundaries kEvaluationBuckets = {
    0.00001, 0.000025, 0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01};

// One webhook attempt: from connecting to the response read, up to the sink's timeout.
const prometheus::Histogram::BucketBoundaries kDeliveryBuckets = {
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15, 30, 60};

// Login risk scores: 10, 20, ..., 100, the same bounds the correlator counts into.
prometheus::Histogram::BucketBoundaries risk_buckets() {
  prometheus::Histogram::BucketBoundaries bounds;
  for (std::size_t i = 1; i <= kRiskBucketBounds; ++i)
    bounds.push_back(static_cast<double>(i * kRiskBucketWidth));
  return bounds;
}

std::string source_label(Source source) {
  return std::string(to_string(source));
}

// Adds what a monotonic count of the correlator gained since the previous snapshot. A smaller
// value than before means a fresh correlator counting from zero: all of it is new.
void add_delta(prometheus::Counter& counter, std::uint64_t now, std::uint64_t before) {
  const std::uint64_t delta = now >= before ? now - before : now;
  if (delta > 0) counter.Increment(static_cast<double>(delta));
}

// Correlator label values, created up front so every family shows its zeros from the start.
constexpr std::array kEvictionKinds = {"user", "event", "session"};
constexpr std::array kDropReasons = {"future", "duplicate", "unattributed"};
constexpr std::array kVerificationResults = {"success", "failure"};
constexpr std::array kMfaOutcomes = {"with_mfa", "without_mfa"};

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
  register_outputs(registry);
  register_correlator(registry);
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
  prometheus::BuildGauge()
      .Name("authcorrd_build_info")
      .Help("Always 1; the version of the running authcorrd in a label")
      .Register(registry)
      .Add({{"version", std::string(kVersion)}})
      .Set(1);
}

void DaemonMetrics::register_outputs(prometheus::Registry& registry) {
  webhook_deliveries_ = &prometheus::BuildCounter()
                             .Name("authcorrd_webhook_deliveries_total")
                             .Help("Webhook delivery outcomes, by sink and result")
                             .Register(registry);
  webhook_duration_ = &prometheus::BuildHistogram()
                           .Name("authcorrd_webhook_delivery_duration_seconds")
                           .Help("Duration of each webhook delivery attempt, by sink")
                           .Register(registry);
  webhook_outbox_depth_ = &prometheus::BuildGauge()
                               .Name("authcorrd_webhook_outbox_depth")
                               .Help("Deliveries waiting in the webhook outbox, by sink")
                               .Register(registry);
  webhook_outbox_oldest_ = &prometheus::BuildGauge()
                                .Name("authcorrd_webhook_outbox_oldest_age_seconds")
                                .Help("Age of the oldest delivery in the webhook outbox, by sink")
                                .Register(registry);
  webhook_dead_letters_ = &prometheus::BuildGauge()
                               .Name("authcorrd_webhook_dead_letters")
                               .Help("Webhook deliveries in the dead-letter table, by sink")
                               .Register(registry);
  webhook_overflow_ = &prometheus::BuildCounter()
                           .Name("authcorrd_webhook_outbox_overflow_total")
                           .Help("Deliveries not queued because the outbox was full, by sink")
                           .Register(registry);
  webhook_enabled_ = &prometheus::BuildGauge()
                          .Name("authcorrd_webhook_endpoint_enabled")
                          .Help("1 while the webhook endpoint is enabled, 0 after a 410 Gone")
                          .Register(registry);
  alertmanager_posts_ = &prometheus::BuildCounter()
                             .Name("authcorrd_alertmanager_posts_total")
                             .Help("Alertmanager POST /api/v2/alerts requests, by sink and result")
                             .Register(registry);
  alertmanager_active_ = &prometheus::BuildGauge()
                              .Name("authcorrd_alertmanager_active_alerts")
                              .Help("Alerts the Alertmanager sink currently keeps firing, by sink")
                              .Register(registry);
  config_reloads_ = &prometheus::BuildCounter()
                         .Name("authcorrd_config_reloads_total")
                         .Help(
                             "Configuration reloads (SIGHUP) by result: ok, or failed (the "
                             "previous configuration stays in use)")
                         .Register(registry);
  config_reloads_->Add({{"result", "ok"}});
  config_reloads_->Add({{"result", "failed"}});
  config_reload_success_ = &prometheus::BuildGauge()
                                .Name("authcorrd_config_last_reload_success_timestamp_seconds")
                                .Help("When the configuration in use was loaded (start or reload)")
                                .Register(registry)
                                .Add({});
  risk_queries_ = &prometheus::BuildCounter()
                       .Name("authcorrd_risk_api_requests_total")
                       .Help("POST /v1/risk requests by result: the decision, or why none was made")
                       .Register(registry);
  risk_duration_ = &prometheus::BuildHistogram()
                        .Name("authcorrd_risk_api_evaluation_seconds")
                        .Help("Time to evaluate one /v1/risk request (parse, score, respond)")
                        .Register(registry)
                        .Add({}, kEvaluationBuckets);
}

void DaemonMetrics::register_correlator(prometheus::Registry& registry) {
  correlator_users_ = &prometheus::BuildGauge()
                           .Name("authcorrd_correlator_users")
                           .Help("Users tracked by the correlation index")
                           .Register(registry)
                           .Add({});
  correlator_sessions_ = &prometheus::BuildGauge()
                              .Name("authcorrd_correlator_sessions")
                              .Help("Relock sessions held by the correlation index")
                              .Register(registry)
                              .Add({});
  index_entries_ = &prometheus::BuildGauge()
                        .Name("authcorrd_correlator_index_entries")
                        .Help("Size of the correlation index: retained events, interned strings")
                        .Register(registry);
  evictions_ = &prometheus::BuildCounter()
                    .Name("authcorrd_correlator_evictions_total")
                    .Help("Index entries dropped because a memory limit was reached, by kind")
                    .Register(registry);
  events_dropped_ = &prometheus::BuildCounter()
                         .Name("authcorrd_correlator_events_dropped_total")
                         .Help("Events journaled but not correlated, by reason")
                         .Register(registry);
  late_events_ = &prometheus::BuildCounter()
                      .Name("authcorrd_ingest_late_events_total")
                      .Help("Events older than the retained window: journaled, not correlated")
                      .Register(registry);
  source_lag_ = &prometheus::BuildGauge()
                     .Name("authcorrd_source_lag_seconds")
                     .Help("Arrival time minus the newest event time of the source's last batch")
                     .Register(registry);
  device_verifications_ = &prometheus::BuildCounter()
                               .Name("authcorrd_correlator_device_verifications_total")
                               .Help("Relock authentication events, by result")
                               .Register(registry);
  trusted_devices_ = &prometheus::BuildGauge()
                          .Name("authcorrd_correlator_trusted_devices")
                          .Help(
                              "Devices whose newest Relock signal is a verification within "
                              "the device trust TTL")
                          .Register(registry)
                          .Add({});
  logins_ = &prometheus::BuildCounter()
                 .Name("authcorrd_correlator_logins_total")
                 .Help("Successful Auth0 logins, by whether they used MFA")
                 .Register(registry);
  login_failures_ = &prometheus::BuildCounter()
                         .Name("authcorrd_correlator_login_failures_total")
                         .Help("Failed Auth0 logins")
                         .Register(registry)
                         .Add({});
  login_risk_ = &prometheus::BuildHistogram()
                     .Name("authcorrd_correlator_login_risk_score")
                     .Help("Risk score of every login the correlator assessed")
                     .Register(registry)
                     .Add({}, risk_buckets());
  index_entries_->Add({{"kind", "events"}});
  index_entries_->Add({{"kind", "strings"}});
  for (const char* kind : kEvictionKinds)
    evictions_->Add({{"kind", kind}});
  for (const char* reason : kDropReasons)
    events_dropped_->Add({{"reason", reason}});
  for (std::size_t s = 0; s < kSourceCount; ++s)
    late_events_->Add({{"source", source_label(static_cast<Source>(s))}});
  for (const char* result : kVerificationResults)
    device_verifications_->Add({{"result", result}});
  for (const char* outcome : kMfaOutcomes)
    logins_->Add({{"mfa", outcome}});
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

void DaemonMetrics::webhook_delivery(std::string_view sink, std::string_view result,
                                     double seconds) {
  const std::string sink_label(sink);
  webhook_deliveries_->Add({{"sink", sink_label}, {"result", std::string(result)}}).Increment();
  if (seconds >= 0)
    webhook_duration_->Add({{"sink", sink_label}}, kDeliveryBuckets).Observe(seconds);
}

void DaemonMetrics::webhook_outbox(std::string_view sink, std::size_t depth,
                                   double oldest_age_seconds, std::size_t dead_letters) {
  const std::string sink_label(sink);
  webhook_outbox_depth_->Add({{"sink", sink_label}}).Set(static_cast<double>(depth));
  webhook_outbox_oldest_->Add({{"sink", sink_label}}).Set(oldest_age_seconds);
  webhook_dead_letters_->Add({{"sink", sink_label}}).Set(static_cast<double>(dead_letters));
}

void DaemonMetrics::webhook_overflow(std::string_view sink, std::size_t count) {
  webhook_overflow_->Add({{"sink", std::string(sink)}}).Increment(static_cast<double>(count));
}

void DaemonMetrics::webhook_endpoint_enabled(std::string_view sink, bool enabled) {
  webhook_enabled_->Add({{"sink", std::string(sink)}}).Set(enabled ? 1 : 0);
}

void DaemonMetrics::alertmanager_post(std::string_view sink, bool ok) {
  alertmanager_posts_->Add({{"sink", std::string(sink)}, {"result", ok ? "ok" : "error"}})
      .Increment();
}

void DaemonMetrics::config_reload(bool ok, double unix_seconds) {
  config_reloads_->Add({{"result", ok ? "ok" : "failed"}}).Increment();
  if (ok) config_reload_success_->Set(unix_seconds);
}

void DaemonMetrics::config_loaded(double unix_seconds) {
  config_reload_success_->Set(unix_seconds);
}

void DaemonMetrics::risk_query(std::string_view result, double seconds) {
  risk_queries_->Add({{"result", std::string(result)}}).Increment();
  if (seconds >= 0) risk_duration_->Observe(seconds);
}

void DaemonMetrics::alertmanager_active(std::string_view sink, std::size_t active) {
  alertmanager_active_->Add({{"sink", std::string(sink)}}).Set(static_cast<double>(active));
}

void DaemonMetrics::update_correlator(const CorrelatorStats& stats) {
  const std::lock_guard<std::mutex> lock(correlator_mutex_);
  const CorrelatorStats& before = previous_;

  correlator_users_->Set(static_cast<double>(stats.tracked_users));
  correlator_sessions_->Set(static_cast<double>(stats.tracked_sessions));
  index_entries_->Add({{"kind", "events"}}).Set(static_cast<double>(stats.indexed_events));
  index_entries_->Add({{"kind", "strings"}}).Set(static_cast<double>(stats.interned_strings));
  trusted_devices_->Set(static_cast<double>(stats.trusted_devices));

  add_delta(evictions_->Add({{"kind", "user"}}), stats.users_evicted, before.users_evicted);
  add_delta(evictions_->Add({{"kind", "event"}}), stats.records_evicted, before.records_evicted);
  add_delta(evictions_->Add({{"kind", "session"}}), stats.sessions_evicted,
            before.sessions_evicted);

  std::uint64_t future = 0;
  std::uint64_t future_before = 0;
  for (std::size_t s = 0; s < kSourceCount; ++s) {
    const std::string source = source_label(static_cast<Source>(s));
    future += stats.future_events[s];
    future_before += before.future_events[s];
    add_delta(late_events_->Add({{"source", source}}), stats.late_events[s], before.late_events[s]);
    if (stats.source_lag_known[s]) {
      source_lag_->Add({{"source", source}})
          .Set(static_cast<double>(stats.source_lag_ms[s]) / static_cast<double>(kSecondMs));
    }
  }
  add_delta(events_dropped_->Add({{"reason", "future"}}), future, future_before);
  add_delta(events_dropped_->Add({{"reason", "duplicate"}}), stats.duplicate_events,
            before.duplicate_events);
  add_delta(events_dropped_->Add({{"reason", "unattributed"}}), stats.unattributed_events,
            before.unattributed_events);

  add_delta(device_verifications_->Add({{"result", "success"}}), stats.device_verifications(true),
            before.device_verifications(true));
  add_delta(device_verifications_->Add({{"result", "failure"}}), stats.device_verifications(false),
            before.device_verifications(false));
  add_delta(logins_->Add({{"mfa", "with_mfa"}}), stats.logins_with_mfa, before.logins_with_mfa);
  add_delta(logins_->Add({{"mfa", "without_mfa"}}), stats.logins_without_mfa,
            before.logins_without_mfa);
  add_delta(*login_failures_, stats.login_failures(), before.login_failures());

  // The histogram takes non-cumulative bucket increments and the sum they add.
  bool changed = false;
  bool restarted = false;  // a fresh correlator: everything it counted is new
  for (std::size_t i = 0; i < kRiskBucketCount; ++i) {
    changed = changed || stats.login_risk_buckets[i] != before.login_risk_buckets[i];
    restarted = restarted || stats.login_risk_buckets[i] < before.login_risk_buckets[i];
  }
  if (changed) {
    std::vector<double> increments(kRiskBucketCount);
    for (std::size_t i = 0; i < kRiskBucketCount; ++i) {
      const std::uint64_t old = restarted ? 0 : before.login_risk_buckets[i];
      increments[i] = static_cast<double>(stats.login_risk_buckets[i] - old);
    }
    const std::int64_t sum_before = restarted ? 0 : before.login_risk_score_sum;
    login_risk_->ObserveMultiple(increments,
                                 static_cast<double>(stats.login_risk_score_sum - sum_before));
  }
  previous_ = stats;
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
