// The daemon's ingest pipeline: the one place where events become alerts. Sources hand it
// parsed batches (EventBatchSink); it journals them in the store (with the source checkpoint,
// atomically), feeds the new ones to the correlator, records the alerts they complete under
// their stable ids and delivers the new ones to the sinks: synchronously to the file and stdout
// sinks, through the durable outbox (written in the same transaction) to webhooks.
//
// Restart safety: rebuild() replays the journal in arrival order with each event's recorded
// arrival time as `now`, and correlator ticks fall on fixed boundaries of that clock both live
// and in a rebuild, so the rebuilt index takes the same decisions the live one did. Alerts the
// rebuild regenerates are delivered only if their id was never recorded (a crash between
// journaling and recording) or never marked delivered; everything else is counted as repeated.
//
// Owns the correlator and the sinks; the store and metrics belong to the daemon and outlive
// it. Not thread-safe: everything runs on the daemon's I/O thread.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "correlator/correlator.hpp"
#include "daemon/delivery/webhook_sender.hpp"
#include "daemon/ingest_sink.hpp"
#include "daemon/metrics.hpp"
#include "daemon/sources/auth0_poller.hpp"  // WallClock
#include "daemon/store/store.hpp"
#include "sinks/sink.hpp"

namespace authcorrd {

struct PipelineOptions {
  CorrelatorParams params;
  TimeMs tick = 1 * kSecondMs;           // correlator advance() boundaries
  TimeMs alert_retention = 30 * kDayMs;  // at least: see journal_keep()
  TimeMs prune_interval = 1 * kMinuteMs;
};

struct RebuildReport {
  std::size_t events = 0;
  std::size_t alerts_regenerated = 0;
  std::size_t alerts_delivered = 0;  // regenerated but never delivered before the restart
};

class IngestPipeline final : public EventBatchSink {
 public:
  IngestPipeline(Store& store, std::vector<std::unique_ptr<AlertSink>> sinks,
                 DaemonMetrics& metrics, WallClock clock, PipelineOptions options);
  ~IngestPipeline() override;

  // Replays the journal into a fresh index and delivers what a crash left undelivered. Call
  // once, before any source starts.
  RebuildReport rebuild();

  BatchOutcome accept(std::span<const Event> events,
                      const std::optional<Checkpoint>& checkpoint) override;
  std::optional<std::string> checkpoint(std::string_view name) const override;

  // Periodic work: advances the correlator's clock, prunes the journal, retries alerts whose
  // delivery failed, refreshes gauges. Call about once per tick.
  void tick();

  // The webhook endpoints: each new alert a sender matches gets a delivery in its outbox, in
  // the transaction that records the alert. Not owned; they outlive the pipeline's use.
  void attach_webhooks(std::vector<WebhookSender*> senders) { webhooks_ = std::move(senders); }

  // A configuration reload: the synchronous sinks are replaced (alerts some old sink had not
  // taken yet stay undelivered in the store and go to the new ones on the next tick).
  void replace_sinks(std::vector<std::unique_ptr<AlertSink>> sinks);

  // Since start: events journaled (new ones) and alerts emitted; for status lines.
  std::size_t events_accepted() const noexcept { return events_accepted_; }
  std::size_t alerts_emitted() const noexcept { return alerts_emitted_; }

  // SIGHUP/SIGUSR1: sinks reopen their files.
  void reopen_sinks();

  // Counted parse failures and ignored Relock events of a push body (they never reach accept).
  void count_rejected(Source source, std::size_t parse_errors, std::size_t ignored_relock);

  const Correlator& correlator() const noexcept { return correlator_; }

  // How long journal rows must be kept so a rebuild sees every event a detection can use.
  static TimeMs journal_keep(const CorrelatorParams& params);

 private:
  void advance_to(TimeMs now);
  std::size_t handle_alerts(std::vector<Alert>& alerts, TimeMs now, bool rebuilding);
  bool deliver(const AlertMessage& message, bool check_holds);
  void notify_webhooks(std::span<const OutboxTarget> outbox, const std::vector<bool>& fresh);
  void retry_undelivered();

  Store& store_;
  std::vector<std::unique_ptr<AlertSink>> sinks_;
  std::vector<WebhookSender*> webhooks_;
  DaemonMetrics& metrics_;
  WallClock clock_;
  PipelineOptions options_;
  Correlator correlator_;
  TimeMs last_tick_boundary_ = kNoTime;
  TimeMs last_prune_ = kNoTime;
  bool undelivered_pending_ = false;
  std::size_t events_accepted_ = 0;
  std::size_t alerts_emitted_ = 0;
  std::vector<Alert> alert_buffer_;
  std::vector<bool> sink_failing_;  // per sink: the last delivery failed
  // Alert id -> which sinks took it, for alerts some sink failed to take (retried on ticks).
  std::unordered_map<std::string, std::vector<bool>> partial_deliveries_;
};

}  // namespace authcorrd
