// Shared poller pieces (see poller_support.hpp): backoff, header arithmetic, encoders and the
// PollerCore loop state. Asio timers only; no Beast here, so this stays quick to compile.
#include "daemon/sources/poller_support.hpp"

#include <boost/asio/co_spawn.hpp>

#include <exception>

#include "daemon/log.hpp"
#include "sinks/alert_json.hpp"

#include <fmt/format.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>

namespace authcorrd {

namespace net = boost::asio;

Backoff::Backoff(TimeMs base, TimeMs cap, std::uint64_t seed)
    : base_(std::max<TimeMs>(base, 1)), cap_(std::max<TimeMs>(cap, 1)), random_(seed) {}

TimeMs backoff_ceiling(TimeMs base, TimeMs cap, unsigned failures) noexcept {
  TimeMs ceiling = base;
  // Doubling stops at the cap, so this cannot overflow however long an outage lasts.
  for (unsigned i = 0; i < failures && ceiling < cap; ++i)
    ceiling *= 2;
  return std::min(ceiling, cap);
}

TimeMs Backoff::ceiling() const noexcept {
  return backoff_ceiling(base_, cap_, failures_);
}

TimeMs Backoff::next() {
  const TimeMs upper = ceiling();
  ++failures_;
  std::uniform_int_distribution<TimeMs> draw(0, upper);
  return draw(random_);
}

std::string forge_auth0_log_id(TimeMs utc_ms) {
  // "2024-01-01T00:00:00.000Z" -> "20240101000000": the UTC second as Auth0 ids carry it.
  const std::string timestamp = format_timestamp(utc_ms);
  std::string id = "900";
  for (const char c : std::string_view(timestamp).substr(0, 19)) {
    if (c >= '0' && c <= '9') id += c;
  }
  return id + std::string(39, '0');
}

std::optional<std::int64_t> parse_count(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t'))
    text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t'))
    text.remove_suffix(1);
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::int64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

std::optional<TimeMs> rate_limit_reset_wait(const http::ClientResponse& response, TimeMs now_ms) {
  const auto header = response.header("x-ratelimit-reset");
  if (!header) return std::nullopt;
  const auto reset = parse_count(*header);
  // Epoch seconds by Auth0's documentation; anything beyond year 9999 is not a time.
  if (!reset || *reset > 253402300799) return std::nullopt;
  const TimeMs wait = *reset * kSecondMs - now_ms;
  if (wait <= 0) return std::nullopt;
  return wait;
}

std::optional<TimeMs> retry_after_wait(const http::ClientResponse& response) {
  const auto header = response.header("retry-after");
  if (!header) return std::nullopt;
  const auto seconds = parse_count(*header);
  if (!seconds || *seconds <= 0 || *seconds > 365 * 24 * 3600) return std::nullopt;
  return *seconds * kSecondMs;
}

std::string_view outcome_of(http::ClientError error) noexcept {
  switch (error) {
    case http::ClientError::timeout:
      return "timeout";
    case http::ClientError::resolve:
    case http::ClientError::connect:
    case http::ClientError::tls:
      return "connection_error";
    case http::ClientError::protocol:
    case http::ClientError::too_large:
      return "bad_response";
    case http::ClientError::bad_url:
      return "client_error";
    case http::ClientError::none:
    case http::ClientError::cancelled:
      break;
  }
  return "connection_error";
}

std::string json_quote(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  append_json_string(out, text);
  return out;
}

std::string url_encode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    const bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                            (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
    if (unreserved) {
      out.push_back(c);
    } else {
      out += fmt::format("%{:02X}", static_cast<unsigned>(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

std::string describe_wait(TimeMs wait) {
  if (wait < kSecondMs) return fmt::format("{}ms", wait);
  if (wait < kMinuteMs) {
    return wait % kSecondMs == 0
               ? fmt::format("{}s", wait / kSecondMs)
               : fmt::format("{}.{}s", wait / kSecondMs, (wait % kSecondMs) / 100);
  }
  return fmt::format("{}m{}s", wait / kMinuteMs, (wait % kMinuteMs) / kSecondMs);
}

// ---------------------------------------------------------------------------------------------
// PollerCore

PollerCore::PollerCore(net::any_io_executor executor, std::string name, DaemonMetrics& metrics,
                       WallClock clock, PollerTimings timings)
    : name_(std::move(name)),
      metrics_(metrics),
      clock_(std::move(clock)),
      timings_(timings),
      timer_(std::move(executor)),
      backoff_(
          timings.backoff_base, timings.backoff_cap,
          static_cast<std::uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count())) {
}

void PollerCore::stop() {
  if (stopped_) return;
  stopped_ = true;
  status_ = "stopped";
  timer_.cancel();
}

net::awaitable<bool> PollerCore::sleep(TimeMs ms) {
  if (stopped_) co_return false;
  if (ms <= 0) co_return true;
  timer_.expires_after(std::chrono::milliseconds(ms));
  auto [ec] = co_await timer_.async_wait(net::as_tuple(net::use_awaitable));
  (void)ec;  // cancelled only by stop(), which the flag reports
  co_return !stopped_;
}

void PollerCore::launch(boost::asio::awaitable<void> loop) {
  if (started_ || stopped_) return;
  started_ = true;
  loop_running_ = true;
  status_ = "starting";
  // The handler runs on the loop's return; the owner keeps a stopped poller alive until then
  // (finished()), so `this` is valid here.
  boost::asio::co_spawn(
      timer_.get_executor(), std::move(loop), [this, name = name_](std::exception_ptr error) {
        loop_running_ = false;
        if (!error) return;
        // Not running any more: /readyz must say so rather than report a dead poller as up.
        stopped_ = true;
        status_ = "stopped by an unexpected error (see the log); restart the service";
        try {
          std::rethrow_exception(error);
        } catch (const std::exception& e) {
          log_error("{} poller: stopped by an unexpected error: {}", name, e.what());
        }
      });
}

void PollerCore::log(std::string_view message) const {
  log_warn("{} poller: {}", name_, message);
}

void PollerCore::note(std::string_view message) const {
  log_info("{} poller: {}", name_, message);
}

void PollerCore::succeeded(std::string_view outcome) {
  metrics_.poll_request(name_, outcome);
  metrics_.set_poller_up(name_, true);
  metrics_.set_poller_last_success(name_, static_cast<double>(clock_()) / 1000.0);
  if (backoff_.failures() > 0) note("recovered");
  backoff_.reset();
  credentials_accepted();
}

TimeMs PollerCore::failed(std::string_view outcome, const std::string& message) {
  metrics_.poll_request(name_, outcome);
  return local_failure(message);
}

TimeMs PollerCore::local_failure(const std::string& message) {
  metrics_.set_poller_up(name_, false);
  const TimeMs wait = backoff_.next();
  log(fmt::format("{}; retrying in {}", message, describe_wait(wait)));
  status_ = fmt::format("backing off: {}", message);
  return wait;
}

TimeMs PollerCore::rate_limited(const http::ClientResponse& response, bool use_retry_after) {
  metrics_.poll_request(name_, "rate_limited");
  metrics_.set_poller_up(name_, false);
  std::optional<TimeMs> wait;
  if (use_retry_after) wait = retry_after_wait(response);
  if (!wait) wait = rate_limit_reset_wait(response, clock_());
  TimeMs chosen = wait ? std::min(*wait, timings_.rate_limit_cap) : backoff_.next();
  log(fmt::format("rate limited (HTTP 429); waiting {}", describe_wait(chosen)));
  status_ = fmt::format("rate limited for {}", describe_wait(chosen));
  return chosen;
}

TimeMs PollerCore::credentials_rejected(std::string_view outcome, const std::string& message) {
  if (!outcome.empty()) metrics_.poll_request(name_, outcome);
  metrics_.set_poller_up(name_, false);
  credentials_rejected_ = true;
  const TimeMs wait = timings_.credentials_retry;
  log(fmt::format("{}; not running, retrying in {}", message, describe_wait(wait)));
  status_ = fmt::format("not running: {}", message);
  return wait;
}

void PollerCore::credentials_accepted() {
  if (!credentials_rejected_) return;
  credentials_rejected_ = false;
  note("credentials accepted again; running");
}

}  // namespace authcorrd
