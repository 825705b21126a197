// The daemon's durable state in one SQLite file (WAL): the event journal that the in-memory
// index is rebuilt from after a restart, source checkpoints, and the ids of emitted alerts.
//
// Guarantees the rest of the daemon builds on:
//   - journal() inserts a batch of events and (optionally) moves a source checkpoint in ONE
//     transaction: after it returns, a crash loses neither, and a checkpoint never gets ahead of
//     the events it covers.
//   - an event is journaled at most once per (source, source_id); repeats are reported as
//     duplicates and not inserted again.
//   - record_alerts() tells which alert ids are new, so an alert regenerated after a restart is
//     never emitted twice, and writes the new alerts' webhook deliveries in the same
//     transaction (the outbox: a delivery leaves it only after the receiver's 2xx).
//
// Not thread-safe: one Store per daemon, used from the daemon's I/O thread only. Errors throw
// StoreError with a message that names the operation (and never contains event data).
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "correlator/event.hpp"
#include "sinks/webhook_outbox.hpp"

namespace authcorrd {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct StoreOptions {
  bool synchronous_full = false;  // FULL instead of NORMAL (WAL): survives power loss too
  int busy_timeout_ms = 5000;
};

// A named source position, e.g. {"auth0.logs", "<last log_id>"} or {"relock.events", cursor}.
struct Checkpoint {
  std::string name;
  std::string value;
};

struct JournalResult {
  std::vector<bool> inserted;  // per input event: true = new, false = duplicate
  std::size_t new_events = 0;
  std::size_t duplicates = 0;
};

struct AlertRecord {
  std::string id;    // stable alert id (sinks/alert_json.hpp alert_id)
  std::string type;  // "failed_login_burst", ...
  std::string json;  // the alert contract JSON line
  TimeMs event_time = 0;
  std::string user_id;  // orders webhook deliveries per user; not read back by undelivered_alerts
};

// A webhook delivery to create together with a newly recorded alert (see record_alerts).
struct OutboxTarget {
  std::size_t alert_index = 0;  // into record_alerts' `alerts`
  std::string sink;             // the [[sinks.webhook]] name
  // Not empty: the delivery goes straight to the dead letters with this reason (endpoint
  // disabled by a 410, outbox full) instead of the outbox.
  std::string dead_reason;
};

struct StoreCounts {
  std::size_t journal_rows = 0;
  std::size_t alert_rows = 0;
  std::size_t undelivered_alerts = 0;
};

class Store final : public WebhookOutbox {
 public:
  // Opens or creates the database (and its parent directory must exist), sets WAL mode and
  // migrates the schema. Throws StoreError when the file cannot be opened or is not ours.
  static Store open(const std::string& path, StoreOptions options = {});

  ~Store() override;
  Store(Store&&) noexcept;
  Store& operator=(Store&&) noexcept;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  // Journals the events that are not yet journaled and, in the same transaction, sets
  // `checkpoint` when given. `received_at` is the daemon's wall clock at arrival (recorded so
  // that a rebuild replays events with the same `now` the live run used).
  JournalResult journal(std::span<const Event> events, TimeMs received_at,
                        const std::optional<Checkpoint>& checkpoint = std::nullopt);

  std::optional<std::string> checkpoint(std::string_view name) const;
  void set_checkpoint(const Checkpoint& checkpoint);

  // Every journaled event in arrival order (the order journal() took them), with its
  // received_at. The callback may throw to stop.
  void for_each_journaled(const std::function<void(const Event&, TimeMs received_at)>& visit) const;

  // Records alerts whose id is not yet recorded; returns per input whether it was new. New
  // alerts start undelivered. In the same transaction, each `outbox` target of a NEW alert
  // becomes a pending webhook delivery (or a dead letter, see OutboxTarget::dead_reason).
  std::vector<bool> record_alerts(std::span<const AlertRecord> alerts, TimeMs now,
                                  std::span<const OutboxTarget> outbox = {});
  // Alerts recorded but not yet marked delivered (a crash between record and delivery), oldest
  // first.
  std::vector<AlertRecord> undelivered_alerts() const;
  void mark_delivered(std::span<const std::string> alert_ids);
  // Alerts recorded at or after `since`, oldest first (sinks that keep alerts active, such as
  // Alertmanager, re-read them after a restart). `user_id` is not filled in.
  std::vector<AlertRecord> alerts_recorded_since(TimeMs since) const;

  // Deletes journal rows that no detection can need: both received and dated before `cutoff`.
  // Exception: for each user, the newest row of each "baseline" kind (successful Auth0 login,
  // Relock authentication.success / device.registered / session.created /
  // authentication.failed / device.revoked) is kept while it is dated at or after
  // `baseline_cutoff`, because last-known IP, user agent and device trust reach back that far.
  // Alerts recorded before `alert_cutoff` are deleted too. Returns the journal rows deleted.
  // Cost follows what changed since the previous prune (daemon/store/prune.hpp); if `cutoff`
  // ever moves backwards, a superseded baseline may be kept until `baseline_cutoff` passes it.
  std::size_t prune(TimeMs cutoff, TimeMs baseline_cutoff, TimeMs alert_cutoff);

  StoreCounts counts() const;

  // --- webhook outbox (WebhookOutbox, implemented in outbox.cpp) ---
  std::vector<OutboxDelivery> outbox_due(std::string_view sink, TimeMs now,
                                         std::size_t limit) override;
  std::optional<TimeMs> outbox_next_attempt(std::string_view sink) override;
  void outbox_delivered(std::int64_t seq) override;
  void outbox_retry_later(std::int64_t seq, int attempts, TimeMs next_attempt_at,
                          std::string_view error) override;
  void outbox_dead_letter(std::int64_t seq, int attempts, std::string_view reason,
                          TimeMs now) override;
  std::size_t outbox_dead_letter_all(std::string_view sink, std::string_view reason,
                                     TimeMs now) override;
  OutboxStats outbox_stats(std::string_view sink) override;
  std::optional<std::string> webhook_endpoint_disabled(std::string_view sink) override;
  void disable_webhook_endpoint(std::string_view sink, std::string_view reason,
                                TimeMs now) override;

  // --- operator commands (`authcorrd outbox ...`); an empty `sink` means every sink ---
  // Pending deliveries (or dead letters), oldest first.
  std::vector<OutboxDelivery> outbox_list(bool dead_letters, std::string_view sink) const;
  // Moves dead letters (all of `sink`, or those of `alert_id` when not empty) back to the
  // outbox, due at `now`, and re-enables the endpoints concerned (`sink`, every endpoint when
  // both are empty, or the sinks of that alert's dead letters). Returns how many moved; an
  // `alert_id` with no dead letter changes nothing.
  std::size_t outbox_retry(std::string_view sink, std::string_view alert_id, TimeMs now);
  // Deletes pending deliveries (or dead letters). Returns how many.
  std::size_t outbox_purge(bool dead_letters, std::string_view sink);

 private:
  struct Impl;
  // outbox.cpp's parts of record_alerts() and prune() (see store_impl.hpp).
  friend void enqueue_delivery(Impl& s, const AlertRecord& alert, const OutboxTarget& target,
                               TimeMs now);
  friend void prune_dead_letters(Impl& s, TimeMs cutoff);
  explicit Store(std::unique_ptr<Impl> impl);
  Impl& impl() const;  // throws StoreError on a moved-from Store
  std::unique_ptr<Impl> impl_;
};

}  // namespace authcorrd
