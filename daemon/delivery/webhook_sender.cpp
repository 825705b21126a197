#include "daemon/delivery/webhook_sender.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <exception>
#include <stdexcept>
#include <utility>

#include <fmt/format.h>

#include "daemon/log.hpp"

namespace authcorrd {
namespace {

namespace asio = boost::asio;

// Due deliveries read per query; more are read at once after a full batch.
constexpr std::size_t kBatchSize = 64;
// The longest sleep: the operator's `outbox retry` (another process) and the outbox statistics
// are picked up this often.
constexpr TimeMs kPollInterval = 1 * kSecondMs;
// After a storage error, before the next try.
constexpr TimeMs kStoreErrorPause = 5 * kSecondMs;

WebhookKeys parse_keys(const WebhookSinkConfig& config) {
  std::string error;
  std::optional<WebhookKeys> keys = parse_webhook_secrets(config.secret.value, error);
  if (!keys) {
    throw std::invalid_argument(
        fmt::format("webhook sink {}: secret ({}): {}", config.name, config.secret.origin, error));
  }
  return std::move(*keys);
}

std::uint64_t seed_of(const std::string& name) {
  return std::hash<std::string>{}(name) ^
         static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
}

// Retry-After as delta-seconds or as an HTTP-date (RFC 9110 §10.2.3; receivers send both),
// capped at a day so a broken header cannot park an endpoint for a year.
std::optional<TimeMs> http_retry_after(const http::ClientResponse& response, TimeMs now) {
  constexpr TimeMs kMaxRetryAfter = kDayMs;
  if (const std::optional<TimeMs> wait = retry_after_wait(response)) {
    return std::min(*wait, kMaxRetryAfter);
  }
  const std::optional<std::string_view> header = response.header("retry-after");
  if (!header) return std::nullopt;
  std::tm time{};
  const std::string text(*header);
  const char* end = ::strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &time);
  if (end == nullptr || *end != '\0') return std::nullopt;
  const TimeMs at = static_cast<TimeMs>(::timegm(&time)) * kSecondMs;
  if (at <= now) return std::nullopt;
  return std::min(at - now, kMaxRetryAfter);
}

}  // namespace

WebhookSender::WebhookSender(asio::any_io_executor executor, WebhookSinkConfig config,
                             WebhookOutbox& outbox, DaemonMetrics& metrics,
                             std::function<TimeMs()> clock)
    : config_(std::move(config)),
      keys_(parse_keys(config_)),
      outbox_(outbox),
      metrics_(metrics),
      clock_(std::move(clock)),
      client_(executor, http::ClientOptions{.timeout = config_.timeout,
                                            .max_response_bytes = 64 * 1024,
                                            .ca_file = config_.ca_file,
                                            .user_agent = "authcorrd-webhooks/0.1"}),
      wake_(executor),
      endpoint_backoff_(config_.retry_initial, config_.retry_max_interval, seed_of(config_.name)),
      random_(seed_of(config_.name) + 1) {
  refresh_state(clock_(), true);
}

WebhookSender::~WebhookSender() = default;

std::string WebhookSender::refuse_reason() const {
  if (disabled_) return fmt::format("endpoint disabled: {}", *disabled_);
  if (depth_ >= config_.max_outbox) {
    return fmt::format("outbox full ({} pending deliveries, max_outbox {})", depth_,
                       config_.max_outbox);
  }
  return {};
}

void WebhookSender::notify(std::size_t added, std::size_t refused) {
  depth_ += added;
  if (refused > 0) {
    for (std::size_t i = 0; i < refused; ++i) {
      metrics_.webhook_delivery(config_.name, "dead_lettered", -1);
    }
    if (!disabled_) {
      metrics_.webhook_overflow(config_.name, refused);
      if (!overflow_logged_) {
        log_error("webhook {}: outbox full (max_outbox {}); new alerts go to the dead letters",
                  config_.name, config_.max_outbox);
        overflow_logged_ = true;
      }
    }
  }
  if (added > 0) {
    woken_ = true;
    wake_.cancel();
  }
}

void WebhookSender::start() {
  running_ = true;
  asio::co_spawn(wake_.get_executor(), run(), [this](std::exception_ptr error) {
    running_ = false;
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      log_error("webhook {}: delivery loop stopped: {}", config_.name, e.what());
    }
  });
}

void WebhookSender::stop() {
  stopped_ = true;
  wake_.cancel();
}

void WebhookSender::cancel() {
  stop();
  client_.cancel();
}

TimeMs WebhookSender::retry_delay(int attempts) {
  const TimeMs ceiling = backoff_ceiling(config_.retry_initial, config_.retry_max_interval,
                                         attempts > 1 ? static_cast<unsigned>(attempts - 1) : 0);
  // Jitter over the upper half: spreads receivers' load without ever retrying at once.
  std::uniform_int_distribution<TimeMs> draw(ceiling / 2, ceiling);
  return draw(random_);
}

void WebhookSender::refresh_state(TimeMs now, bool force) {
  if (!force && now - state_refreshed_at_ < kPollInterval) return;
  state_refreshed_at_ = now;
  const bool was_disabled = disabled_.has_value();
  disabled_ = outbox_.webhook_endpoint_disabled(config_.name);
  if (was_disabled && !disabled_) {
    log_info("webhook {}: endpoint enabled again", config_.name);
    endpoint_backoff_.reset();
    paused_until_ = 0;
  } else if (force && disabled_) {
    log_warn("webhook {}: endpoint disabled ({}); re-enable it with `authcorrd outbox retry`",
             config_.name, *disabled_);
  }
  const OutboxStats stats = outbox_.outbox_stats(config_.name);
  depth_ = stats.depth;
  if (depth_ < config_.max_outbox) overflow_logged_ = false;
  const double oldest_age =
      stats.depth == 0
          ? 0.0
          : static_cast<double>(std::max<TimeMs>(0, now - stats.oldest_created_at)) / 1000.0;
  metrics_.webhook_outbox(config_.name, stats.depth, oldest_age, stats.dead_letters);
  metrics_.webhook_endpoint_enabled(config_.name, !disabled_);
}

asio::awaitable<void> WebhookSender::run() {
  while (!stopped_) {
    TimeMs now = clock_();
    TimeMs wait = kPollInterval;
    try {
      refresh_state(now, false);
      bool full_batch = false;
      if (!disabled_ && now >= paused_until_) {
        const std::vector<OutboxDelivery> due = outbox_.outbox_due(config_.name, now, kBatchSize);
        for (const OutboxDelivery& delivery : due) {
          if (stopped_ || disabled_ || clock_() < paused_until_) break;
          if (co_await attempt(delivery) == Outcome::cancelled) co_return;
        }
        full_batch = due.size() == kBatchSize;
      }
      now = clock_();
      if (disabled_) {
        wait = kPollInterval;
      } else if (now < paused_until_) {
        wait = std::min(kPollInterval, paused_until_ - now);
      } else if (full_batch) {
        wait = 0;
      } else if (const std::optional<TimeMs> next = outbox_.outbox_next_attempt(config_.name)) {
        wait = std::clamp<TimeMs>(*next - now, 0, kPollInterval);
      }
    } catch (const std::exception& error) {
      // The outbox is the source of truth: nothing is lost, the next round reads it again.
      log_error("webhook {}: outbox: {}", config_.name, error.what());
      wait = kStoreErrorPause;
    }
    if (stopped_) break;
    if (woken_ || wait <= 0) {
      woken_ = false;
      continue;
    }
    wake_.expires_after(std::chrono::milliseconds(wait));
    co_await wake_.async_wait(asio::as_tuple(asio::use_awaitable));
    woken_ = false;
  }
}

asio::awaitable<WebhookSender::Outcome> WebhookSender::attempt(const OutboxDelivery& delivery) {
  const TimeMs sent_at = clock_();
  const std::int64_t timestamp = sent_at / 1000;
  http::ClientRequest request;
  request.method = "POST";
  request.url = config_.url;
  request.headers = {
      {"Content-Type", "application/json"},
      {"webhook-id", delivery.alert_id},
      {"webhook-timestamp", std::to_string(timestamp)},
      {"webhook-signature", webhook_signature(keys_, delivery.alert_id, timestamp, delivery.body)},
  };
  request.body = delivery.body;

  in_flight_ = true;
  const auto started = std::chrono::steady_clock::now();
  const http::ClientResult result = co_await client_.send(std::move(request));
  in_flight_ = false;
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (result.error == http::ClientError::cancelled) co_return Outcome::cancelled;

  const TimeMs now = clock_();
  if (!result.ok()) {
    metrics_.webhook_delivery(config_.name, "failed", seconds);
    handle_failure(delivery, fmt::format("{}: {}", to_string(result.error), result.message), now,
                   std::nullopt, true);
    co_return Outcome::failed;
  }
  const unsigned status = result.response.status;
  if (status >= 200 && status < 300) {
    metrics_.webhook_delivery(config_.name, "delivered", seconds);
    // If this delete fails the delivery is sent again later: the receiver sees the same
    // webhook-id twice, which is what the id is for.
    outbox_.outbox_delivered(delivery.seq);
    if (depth_ > 0) --depth_;
    endpoint_backoff_.reset();
    if (failing_) {
      log_info("webhook {}: delivering again", config_.name);
      failing_ = false;
    }
    co_return Outcome::delivered;
  }
  if (status == 410) {
    metrics_.webhook_delivery(config_.name, "gone", seconds);
    disable("the receiver answered 410 Gone", now);
    co_return Outcome::gone;
  }
  if (status == 429 || status == 503) {
    if (const std::optional<TimeMs> retry_after = http_retry_after(result.response, now)) {
      metrics_.webhook_delivery(config_.name, "throttled", seconds);
      handle_failure(delivery, fmt::format("HTTP {} with Retry-After", status), now, retry_after,
                     true);
      co_return Outcome::throttled;
    }
  }
  metrics_.webhook_delivery(config_.name, "failed", seconds);
  // 429, 502, 503 and 504 speak about the endpoint (overloaded, down behind a proxy): pause it.
  // Any other status is about this request (a receiver rejecting one payload): only this
  // delivery waits, so one rejected alert never holds up other users' alerts.
  const bool endpoint_wide = status == 429 || status == 502 || status == 503 || status == 504;
  handle_failure(delivery, fmt::format("HTTP {}", status), now, std::nullopt, endpoint_wide);
  co_return Outcome::failed;
}

void WebhookSender::handle_failure(const OutboxDelivery& delivery, std::string error, TimeMs now,
                                   std::optional<TimeMs> retry_after, bool pause_endpoint) {
  const int attempts = delivery.attempts + 1;
  if (!failing_) {
    log_warn("webhook {}: delivery failed ({}); retrying with backoff", config_.name, error);
    failing_ = true;
  }
  const TimeMs expires_at = delivery.created_at + config_.max_age;
  if (now >= expires_at) {
    const std::string reason = fmt::format("no 2xx after {} attempt(s) within max_age {}: {}",
                                           attempts, format_duration(config_.max_age), error);
    outbox_.outbox_dead_letter(delivery.seq, attempts, reason, now);
    metrics_.webhook_delivery(config_.name, "dead_lettered", -1);
    if (depth_ > 0) --depth_;
    log_error("webhook {}: alert {} moved to the dead letters ({})", config_.name,
              delivery.alert_id, reason);
    return;
  }
  TimeMs next = now + (retry_after ? *retry_after : retry_delay(attempts));
  // One last attempt when max_age is reached, rather than giving up before it.
  if (!retry_after) next = std::min(next, expires_at);
  outbox_.outbox_retry_later(delivery.seq, attempts, next, error);
  if (pause_endpoint) {
    paused_until_ = retry_after ? now + *retry_after : now + endpoint_backoff_.next();
  }
}

void WebhookSender::disable(const std::string& reason, TimeMs now) {
  outbox_.disable_webhook_endpoint(config_.name, reason, now);
  const std::size_t moved = outbox_.outbox_dead_letter_all(config_.name, reason, now);
  for (std::size_t i = 0; i < moved; ++i) {
    metrics_.webhook_delivery(config_.name, "dead_lettered", -1);
  }
  disabled_ = reason;
  depth_ = 0;
  metrics_.webhook_endpoint_enabled(config_.name, false);
  log_error(
      "webhook {}: {}; endpoint disabled, {} pending deliveries moved to the dead letters "
      "(re-enable and re-send with `authcorrd outbox retry --sink {}`)",
      config_.name, reason, moved, config_.name);
}

}  // namespace authcorrd
