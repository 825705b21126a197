// The durable queue behind the webhook sink, as the sink sees it: pending deliveries per
// endpoint ("sink", its configured name), their retry schedule, the dead letters, and whether
// an endpoint was disabled by a 410. The daemon's Store implements it in the same SQLite file
// that records alerts, so an alert and its deliveries are written in one transaction.
//
// Times are wall-clock milliseconds (they are persisted and must survive restarts). Called on
// the daemon's I/O thread only; methods throw on storage errors (StoreError).
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "correlator/event.hpp"

namespace authcorrd {

// One alert to deliver to one endpoint (a row of the outbox or of the dead letters).
struct OutboxDelivery {
  std::int64_t seq = 0;  // queue position: per endpoint and user, lower goes first
  std::string sink;
  std::string alert_id;
  std::string user_id;
  std::string body;  // the alert contract JSON, exactly the bytes that are signed and sent
  TimeMs created_at = 0;
  int attempts = 0;
  TimeMs next_attempt_at = 0;  // outbox rows; for dead letters: when it was dead-lettered
  std::string last_error;      // outbox: last failure; dead letters: why it was given up
};

struct OutboxStats {
  std::size_t depth = 0;         // pending deliveries
  TimeMs oldest_created_at = 0;  // of the pending ones; 0 when depth is 0
  std::size_t dead_letters = 0;
};

class WebhookOutbox {
 public:
  virtual ~WebhookOutbox() = default;

  // For each user with pending deliveries to `sink`, the oldest one, if its next attempt is due
  // at `now`; oldest first, at most `limit`. A user's later alert is never returned while an
  // earlier one is pending, which keeps deliveries in order per user.
  virtual std::vector<OutboxDelivery> outbox_due(std::string_view sink, TimeMs now,
                                                 std::size_t limit) = 0;
  // The earliest next attempt among those per-user heads; nullopt when nothing is pending.
  virtual std::optional<TimeMs> outbox_next_attempt(std::string_view sink) = 0;

  // The receiver answered 2xx: the delivery is done and leaves the outbox.
  virtual void outbox_delivered(std::int64_t seq) = 0;
  virtual void outbox_retry_later(std::int64_t seq, int attempts, TimeMs next_attempt_at,
                                  std::string_view error) = 0;
  // Gives a delivery up: it moves to the dead letters with `reason`.
  virtual void outbox_dead_letter(std::int64_t seq, int attempts, std::string_view reason,
                                  TimeMs now) = 0;
  // Every pending delivery of `sink` moves to the dead letters; returns how many.
  virtual std::size_t outbox_dead_letter_all(std::string_view sink, std::string_view reason,
                                             TimeMs now) = 0;

  virtual OutboxStats outbox_stats(std::string_view sink) = 0;

  // A 410 disables an endpoint until an operator re-enables it (`authcorrd outbox retry`).
  // The reason when disabled, nullopt when enabled.
  virtual std::optional<std::string> webhook_endpoint_disabled(std::string_view sink) = 0;
  virtual void disable_webhook_endpoint(std::string_view sink, std::string_view reason,
                                        TimeMs now) = 0;
};

}  // namespace authcorrd
