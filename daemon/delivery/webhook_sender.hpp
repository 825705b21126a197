// Delivers alerts to one [[sinks.webhook]] endpoint from the durable outbox (docs/webhooks.md).
//
// The pipeline writes deliveries into the outbox in the transaction that records their alerts
// and then calls notify(); this sender, a coroutine on the daemon's io_context, takes the due
// deliveries (the oldest pending one of each user, so a user's alerts arrive in order), signs
// each per Standard Webhooks and POSTs it, one request at a time. A 2xx removes the delivery;
// anything else schedules a retry with exponential backoff and jitter. Failures that concern
// the endpoint as a whole (connection errors, timeouts, 429/502/503/504) also pause the
// endpoint, so an unreachable receiver is probed once per backoff step instead of once per
// alert; a status about one request (400, 500, ...) delays only that delivery. 429/503 with
// Retry-After pause it for that long; 410 disables the endpoint and moves its deliveries to the
// dead letters; a delivery still failing at max_age is dead-lettered.
//
// Nothing here blocks ingestion: the pipeline only writes rows and calls notify().
// Owned by the daemon; every method runs on the io_context's thread. The outbox and metrics
// outlive the sender.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstddef>
#include <functional>
#include <optional>
#include <random>
#include <string>

#include "daemon/config/config.hpp"
#include "daemon/http/http_client.hpp"
#include "daemon/metrics.hpp"
#include "daemon/sources/poller_support.hpp"
#include "sinks/webhook_outbox.hpp"
#include "sinks/webhook_signature.hpp"

namespace authcorrd {

class WebhookSender {
 public:
  // Throws std::invalid_argument when the secret is not a valid whsec_ secret (the
  // configuration check normally caught that already).
  WebhookSender(boost::asio::any_io_executor executor, WebhookSinkConfig config,
                WebhookOutbox& outbox, DaemonMetrics& metrics, std::function<TimeMs()> clock);
  ~WebhookSender();
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  const std::string& name() const noexcept { return config_.name; }
  const WebhookSinkConfig& config() const noexcept { return config_; }
  // The delivery loop has returned (after stop()): the sender may be destroyed.
  bool finished() const noexcept { return !running_; }
  bool matches(AlertType type, Severity severity) const {
    return config_.filter.matches(type, severity);
  }

  // Why a new delivery must go straight to the dead letters instead of the outbox: the
  // endpoint is disabled (410) or the outbox holds max_outbox deliveries. Empty: enqueue.
  std::string refuse_reason() const;

  // The pipeline committed `added` deliveries to the outbox (and `overflowed` dead letters
  // because of refuse_reason): wake up and send them.
  void notify(std::size_t added, std::size_t overflowed);

  // Starts the delivery loop (call once, after the index rebuild).
  void start();
  // Stops taking deliveries; an attempt in flight finishes (idle() turns true). cancel() aborts
  // it instead (the delivery stays in the outbox and is sent again after the restart).
  void stop();
  void cancel();
  bool idle() const noexcept { return !in_flight_; }

 private:
  enum class Outcome { delivered, failed, throttled, gone, cancelled };

  boost::asio::awaitable<void> run();
  boost::asio::awaitable<Outcome> attempt(const OutboxDelivery& delivery);
  // `pause_endpoint`: the failure says the endpoint as a whole is unavailable (transport
  // errors, 429/502/503/504), so no other delivery is tried until the pause ends.
  void handle_failure(const OutboxDelivery& delivery, std::string error, TimeMs now,
                      std::optional<TimeMs> retry_after, bool pause_endpoint);
  void disable(const std::string& reason, TimeMs now);
  void refresh_state(TimeMs now, bool force);
  TimeMs retry_delay(int attempts);

  WebhookSinkConfig config_;
  WebhookKeys keys_;
  WebhookOutbox& outbox_;
  DaemonMetrics& metrics_;
  std::function<TimeMs()> clock_;
  http::HttpClient client_;
  boost::asio::steady_timer wake_;
  Backoff endpoint_backoff_;  // pauses after consecutive failed attempts
  std::mt19937_64 random_;
  TimeMs paused_until_ = 0;
  std::optional<std::string> disabled_;  // reason, while a 410 keeps the endpoint off
  std::size_t depth_ = 0;                // pending deliveries, refreshed from the outbox
  TimeMs state_refreshed_at_ = 0;
  bool failing_ = false;          // logged once per outage
  bool overflow_logged_ = false;  // once per time the outbox is full
  bool in_flight_ = false;
  bool running_ = false;
  bool stopped_ = false;
  bool woken_ = false;
};

}  // namespace authcorrd
