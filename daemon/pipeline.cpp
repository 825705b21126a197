#include "daemon/pipeline.hpp"

#include <algorithm>
#include <chrono>
#include <exception>
#include <utility>

#include "daemon/log.hpp"
#include "sinks/alert_json.hpp"

namespace authcorrd {

IngestPipeline::IngestPipeline(Store& store, std::vector<std::unique_ptr<AlertSink>> sinks,
                               DaemonMetrics& metrics, WallClock clock, PipelineOptions options)
    : store_(store),
      sinks_(std::move(sinks)),
      metrics_(metrics),
      clock_(std::move(clock)),
      options_(options),
      correlator_(options.params),
      sink_failing_(sinks_.size(), false) {}

IngestPipeline::~IngestPipeline() = default;

TimeMs IngestPipeline::journal_keep(const CorrelatorParams& params) {
  // The correlator keeps two retention spans of history behind its watermarks (see
  // correlator.cpp horizon()), and a quiet source may lag max_source_lag behind.
  const TimeMs longest =
      std::max({params.correlation_window, params.failure_window, params.suppression_period});
  return 2 * (longest + params.allowed_lateness) + params.max_source_lag;
}

void IngestPipeline::advance_to(TimeMs now) {
  // Ticks fall on multiples of options_.tick of the arrival clock, and happen before the first
  // event at or after the boundary: the same sequence whether live or rebuilding.
  const TimeMs boundary = now - (now % options_.tick);
  if (last_tick_boundary_ == kNoTime || boundary > last_tick_boundary_) {
    correlator_.advance(boundary);
    last_tick_boundary_ = boundary;
  }
}

RebuildReport IngestPipeline::rebuild() {
  RebuildReport report;
  std::vector<Alert> alerts;
  store_.for_each_journaled([&](const Event& event, TimeMs received_at) {
    advance_to(received_at);
    correlator_.ingest(event, received_at, alerts);
    ++report.events;
  });
  report.alerts_regenerated = alerts.size();
  const TimeMs now = clock_();
  report.alerts_delivered = handle_alerts(alerts, now, true);
  // Recorded but never delivered (a crash between recording and delivering): from the store.
  retry_undelivered();
  advance_to(now);
  metrics_.update_correlator(correlator_.stats());
  metrics_.update_store(store_.counts());
  return report;
}

BatchOutcome IngestPipeline::accept(std::span<const Event> events,
                                    const std::optional<Checkpoint>& checkpoint) {
  const TimeMs now = clock_();
  const auto started = std::chrono::steady_clock::now();
  const JournalResult journaled = store_.journal(events, now, checkpoint);
  // Only after the journal took the batch: a rejected batch leaves the index untouched.
  advance_to(now);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  metrics_.observe_journal(seconds);

  BatchOutcome outcome;
  outcome.new_events = journaled.new_events;
  outcome.duplicates = journaled.duplicates;
  alert_buffer_.clear();
  for (std::size_t i = 0; i < events.size(); ++i) {
    if (journaled.inserted[i]) {
      correlator_.ingest(events[i], now, alert_buffer_);
    } else {
      metrics_.events_duplicate(events[i].source, 1);
    }
  }
  outcome.alerts = handle_alerts(alert_buffer_, now, false);
  events_accepted_ += outcome.new_events;
  return outcome;
}

std::optional<std::string> IngestPipeline::checkpoint(std::string_view name) const {
  return store_.checkpoint(name);
}

std::size_t IngestPipeline::handle_alerts(std::vector<Alert>& alerts, TimeMs now, bool rebuilding) {
  if (alerts.empty()) return 0;
  std::vector<AlertRecord> records;
  records.reserve(alerts.size());
  std::vector<OutboxTarget> outbox;
  for (const Alert& alert : alerts) {
    for (WebhookSender* webhook : webhooks_) {
      if (webhook->matches(alert.type, alert.severity)) {
        outbox.push_back(OutboxTarget{records.size(), webhook->name(), webhook->refuse_reason()});
      }
    }
    records.push_back(AlertRecord{alert_id(alert), std::string(to_string(alert.type)),
                                  alert_to_json(alert), alert.event_time, alert.user_id});
  }
  std::vector<bool> fresh;
  try {
    fresh = store_.record_alerts(records, now, outbox);
    notify_webhooks(outbox, fresh);
  } catch (const std::exception& error) {
    // The events are journaled already: a restart's rebuild regenerates these alerts and
    // delivers them then. Delivering now without a record could deliver them twice.
    log_error("cannot record {} alert(s), delivery waits for the next restart: {}", records.size(),
              error.what());
    return 0;
  }
  std::vector<std::string> delivered;
  std::size_t repeated = 0;
  for (std::size_t i = 0; i < alerts.size(); ++i) {
    if (!fresh[i]) {
      ++repeated;
      continue;
    }
    const Alert& alert = alerts[i];
    metrics_.alert_emitted(alert.type, alert.severity);
    ++alerts_emitted_;
    AlertMessage message{records[i].id, records[i].type, std::string(to_string(alert.severity)),
                         std::move(records[i].json), alert_summary(alert, records[i].id)};
    log_info("alert {} {} {}", message.type, message.severity, message.id);
    if (deliver(message, false)) {
      delivered.push_back(message.id);
    } else {
      undelivered_pending_ = true;
    }
  }
  if (repeated > 0) {
    metrics_.alert_repeated(repeated);
    if (rebuilding) log_info("rebuild regenerated {} alert(s) emitted before", repeated);
  }
  if (!delivered.empty()) {
    try {
      store_.mark_delivered(delivered);
    } catch (const std::exception& error) {
      log_error("cannot mark {} alert(s) delivered: {}", delivered.size(), error.what());
    }
  }
  return delivered.size();
}

void IngestPipeline::notify_webhooks(std::span<const OutboxTarget> outbox,
                                     const std::vector<bool>& fresh) {
  for (WebhookSender* webhook : webhooks_) {
    std::size_t added = 0;
    std::size_t refused = 0;
    for (const OutboxTarget& target : outbox) {
      if (target.sink != webhook->name() || !fresh[target.alert_index]) continue;
      ++(target.dead_reason.empty() ? added : refused);
    }
    if (added > 0 || refused > 0) webhook->notify(added, refused);
  }
}

bool IngestPipeline::deliver(const AlertMessage& message, bool check_holds) {
  // Sinks that already took this alert in this process (an earlier attempt where another sink
  // failed) are skipped, so one failing sink never makes the others repeat an alert.
  auto partial = partial_deliveries_.find(message.id);
  std::vector<bool> done = partial != partial_deliveries_.end()
                               ? partial->second
                               : std::vector<bool>(sinks_.size(), false);
  bool all = true;
  for (std::size_t i = 0; i < sinks_.size(); ++i) {
    if (done[i]) continue;
    AlertSink& sink = *sinks_[i];
    try {
      if (!(check_holds && sink.holds(message.id))) sink.deliver(message);
      done[i] = true;
      if (sink_failing_[i]) {
        sink_failing_[i] = false;
        log_info("{} sink: delivering again", sink.kind());
      }
    } catch (const std::exception& error) {
      all = false;
      metrics_.sink_error(sink.kind());
      // Once per outage, not once per alert and retry.
      if (!sink_failing_[i])
        log_error("{} sink: {} (alerts are kept and retried)", sink.kind(), error.what());
      sink_failing_[i] = true;
    }
  }
  if (all) {
    if (partial != partial_deliveries_.end()) partial_deliveries_.erase(partial);
  } else {
    partial_deliveries_[message.id] = std::move(done);
  }
  return all;
}

void IngestPipeline::retry_undelivered() {
  undelivered_pending_ = false;
  std::vector<std::string> delivered;
  for (AlertRecord& record : store_.undelivered_alerts()) {
    AlertMessage message{record.id, record.type, {}, std::move(record.json), {}};
    if (deliver(message, true)) {
      delivered.push_back(message.id);
    } else {
      undelivered_pending_ = true;
    }
  }
  if (!delivered.empty()) {
    log_info("delivered {} alert(s) left undelivered earlier", delivered.size());
    store_.mark_delivered(delivered);
  }
}

void IngestPipeline::tick() {
  const TimeMs now = clock_();
  advance_to(now);
  metrics_.update_correlator(correlator_.stats());
  try {
    if (undelivered_pending_) retry_undelivered();
    if (last_prune_ == kNoTime || now - last_prune_ >= options_.prune_interval) {
      last_prune_ = now;
      const CorrelatorParams& params = options_.params;
      const TimeMs keep = journal_keep(params);
      const TimeMs cutoff = now - keep;
      const TimeMs baseline_cutoff = cutoff - params.device_trust_ttl;
      // An alert id must be remembered as long as any journal row that can regenerate it.
      const TimeMs alert_cutoff =
          now - std::max(options_.alert_retention, params.device_trust_ttl + 2 * keep);
      const std::size_t pruned = store_.prune(cutoff, baseline_cutoff, alert_cutoff);
      if (pruned > 0) log_debug("pruned {} journal row(s)", pruned);
      metrics_.update_store(store_.counts());
    }
  } catch (const std::exception& error) {
    log_error("periodic store maintenance failed: {}", error.what());
  }
}

void IngestPipeline::replace_sinks(std::vector<std::unique_ptr<AlertSink>> sinks) {
  sinks_ = std::move(sinks);
  sink_failing_.assign(sinks_.size(), false);
  // Which old sink took what no longer means anything; the store still knows what is
  // undelivered, and the next tick offers it to the new sinks (which check holds()).
  partial_deliveries_.clear();
  undelivered_pending_ = true;
}

void IngestPipeline::reopen_sinks() {
  for (const auto& sink : sinks_) {
    try {
      sink->reopen();
    } catch (const std::exception& error) {
      metrics_.sink_error(sink->kind());
      log_error("{} sink: {}", sink->kind(), error.what());
    }
  }
}

void IngestPipeline::count_rejected(Source source, std::size_t parse_errors,
                                    std::size_t ignored_relock) {
  if (parse_errors > 0) metrics_.parse_errors(source, parse_errors);
  if (ignored_relock > 0) metrics_.relock_events_ignored(ignored_relock);
}

}  // namespace authcorrd
