// What the Auth0 and Relock pollers share: timings (injectable so tests run in milliseconds),
// exponential backoff with full jitter, rate-limit header arithmetic, the forged Auth0 start
// id, small encoders, and PollerCore, the state machine around a poll loop (stop flag,
// cancellable wait, status text, metrics and log lines).
//
// PollerCore is owned by a poller's Impl and used on the io_context's thread only. The pure
// helpers are plain functions, callable from anywhere.
#pragma once

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstdint>
#include <functional>
#include <optional>
#include <random>
#include <string>
#include <string_view>

#include "correlator/event.hpp"
#include "daemon/http/http_client.hpp"
#include "daemon/metrics.hpp"

namespace authcorrd {

// Wall clock (ms since epoch); injectable for tests.
using WallClock = std::function<TimeMs()>;

// Waits of a poller. The defaults are the production values; tests shrink them.
struct PollerTimings {
  TimeMs backoff_base = kSecondMs;           // first retry waits up to this
  TimeMs backoff_cap = 5 * kMinuteMs;        // backoff never waits longer
  TimeMs rate_limit_cap = 10 * kMinuteMs;    // longest wait for a rate-limit reset
  TimeMs credentials_retry = 5 * kMinuteMs;  // after the server rejected our credentials
};

// min(cap, base x 2^failures): the upper bound of the wait after `failures` failures (the
// webhook sender's per-delivery schedule uses it too).
TimeMs backoff_ceiling(TimeMs base, TimeMs cap, unsigned failures) noexcept;

// Exponential backoff with full jitter: the n-th consecutive failure waits a uniformly random
// time in [0, min(cap, base * 2^(n-1))], so many daemons hitting one outage do not retry in step.
class Backoff {
 public:
  Backoff(TimeMs base, TimeMs cap, std::uint64_t seed);
  TimeMs next();
  void reset() noexcept { failures_ = 0; }
  unsigned failures() const noexcept { return failures_; }
  // The upper bound the next call draws from.
  TimeMs ceiling() const noexcept;

 private:
  TimeMs base_;
  TimeMs cap_;
  unsigned failures_ = 0;
  std::mt19937_64 random_;
};

// "900" + YYYYMMDDhhmmss (UTC) of `utc_ms` + 39 zeros: a 56-digit Auth0 log id that sorts before
// every real id logged at or after that second (reference/auth0.md §1, §3).
std::string forge_auth0_log_id(TimeMs utc_ms);

// A non-negative decimal integer (leading/trailing spaces allowed); nullopt otherwise.
std::optional<std::int64_t> parse_count(std::string_view text);

// Milliseconds from `now_ms` until the x-ratelimit-reset epoch second; nullopt when the header
// is missing, malformed or not in the future.
std::optional<TimeMs> rate_limit_reset_wait(const http::ClientResponse& response, TimeMs now_ms);
// Retry-After in delta seconds (HTTP dates are not used by the APIs we call); nullopt otherwise.
std::optional<TimeMs> retry_after_wait(const http::ClientResponse& response);

// The metrics outcome for a transport failure (timeout, connection_error, bad_response, ...).
std::string_view outcome_of(http::ClientError error) noexcept;

// A JSON string literal, quotes included.
std::string json_quote(std::string_view text);
// RFC 3986 percent-encoding of everything but unreserved characters.
std::string url_encode(std::string_view text);
// "250ms", "1.5s", "5m0s": for log lines and status.
std::string describe_wait(TimeMs wait);

// The loop state of one poller. The poll loop calls sleep() between steps and checks stopped()
// after every co_await: once stop() ran, it must not touch the sink or the metrics again.
class PollerCore {
 public:
  PollerCore(boost::asio::any_io_executor executor, std::string name, DaemonMetrics& metrics,
             WallClock clock, PollerTimings timings);

  const std::string& name() const noexcept { return name_; }
  const PollerTimings& timings() const noexcept { return timings_; }
  TimeMs now() const { return clock_(); }
  DaemonMetrics& metrics() noexcept { return metrics_; }

  // Starts the poller's loop as a coroutine on the executor, once; an exception that escapes
  // the loop is logged (the poller then stays stopped).
  void launch(boost::asio::awaitable<void> loop);
  void mark_started() noexcept { started_ = true; }
  bool started() const noexcept { return started_; }
  void stop();
  bool stopped() const noexcept { return stopped_; }
  // The loop has returned (after stop()): the poller may be destroyed.
  bool finished() const noexcept { return !loop_running_; }
  // Started, not stopped, credentials not rejected.
  bool running() const noexcept { return started_ && !stopped_ && !credentials_rejected_; }
  const std::string& status() const noexcept { return status_; }
  void set_status(std::string status) { status_ = std::move(status); }

  // Waits `ms` (0 = yield nothing, return at once). False when stop() ended the wait.
  boost::asio::awaitable<bool> sleep(TimeMs ms);

  // "<name> poller: <message>" on stderr, at warn (something is off) or info (routine news:
  // where it starts, that it recovered). Never pass secrets or event data.
  void log(std::string_view message) const;
  void note(std::string_view message) const;

  // A request succeeded with `outcome` ("ok" or "empty"): resets the backoff, marks up.
  void succeeded(std::string_view outcome);
  // A request failed with `outcome`: counts, logs `message`, marks down, and returns the
  // backoff wait.
  TimeMs failed(std::string_view outcome, const std::string& message);
  // Counted and logged like failed(), but waits until the server's reset time when it gave one
  // (capped); otherwise backs off.
  TimeMs rate_limited(const http::ClientResponse& response, bool use_retry_after);
  // The server refused our credentials: not running until a later request succeeds.
  TimeMs credentials_rejected(std::string_view outcome, const std::string& message);
  void credentials_accepted();
  // A failure that is not a request outcome (the sink threw): logs and backs off.
  TimeMs local_failure(const std::string& message);

 private:
  std::string name_;
  DaemonMetrics& metrics_;
  WallClock clock_;
  PollerTimings timings_;
  boost::asio::steady_timer timer_;
  Backoff backoff_;
  bool started_ = false;
  bool stopped_ = false;
  bool loop_running_ = false;
  bool credentials_rejected_ = false;
  std::string status_ = "not started";
};

}  // namespace authcorrd
