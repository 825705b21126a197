// The Auth0 Management API log poller (see auth0_poller.hpp and reference/auth0.md §3-5).
//
// One coroutine per poller runs step() in a loop: bootstrap the position, make sure a token is
// cached, fetch one page and journal it. Each step returns how long to wait before the next.
// The coroutine holds a shared_ptr to Impl, so Auth0Poller can be destroyed at any time; after
// stop() the coroutine only unwinds and never touches the sink or the metrics again.
//
// Security: the bearer token only ever goes to the configured base_url's origin (a Link header
// pointing elsewhere is ignored), and neither the token, the client secret nor event contents
// are ever logged.
#include "daemon/sources/auth0_poller.hpp"
#include "daemon/log.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <boost/asio/co_spawn.hpp>

#include <algorithm>
#include <chrono>
#include <exception>
#include <optional>
#include <utility>
#include <vector>

#include "daemon/http/http_client.hpp"
#include "daemon/sources/event_parser.hpp"

namespace authcorrd {

namespace net = boost::asio;
using SteadyClock = std::chrono::steady_clock;

namespace {

struct PageSummary {
  std::size_t items = 0;
  std::optional<std::string> last_id;  // of the last item that has one
};

// The id the next `from` continues after: "log_id", else "_id", of the last element that has
// either, even if that element is otherwise unusable (it was still delivered).
std::optional<std::string> item_id(simdjson::dom::element item) {
  simdjson::dom::object object;
  if (item.get(object) != simdjson::SUCCESS) return std::nullopt;
  for (const char* key : {"log_id", "_id"}) {
    std::string_view id;
    if (object[key].get(id) == simdjson::SUCCESS && !id.empty()) return std::string(id);
  }
  return std::nullopt;
}

}  // namespace

struct Auth0Poller::Impl {
  Impl(net::any_io_executor ex, Auth0PullConfig cfg, EventBatchSink& event_sink,
       DaemonMetrics& daemon_metrics, WallClock wall_clock, PollerTimings timings)
      : executor(ex),
        config(std::move(cfg)),
        sink(event_sink),
        core(ex, "auth0", daemon_metrics, std::move(wall_clock), timings),
        client(ex,
               http::ClientOptions{.timeout = config.request_timeout, .ca_file = config.ca_file}) {
    while (!config.base_url.empty() && config.base_url.back() == '/')
      config.base_url.pop_back();
    base = http::Url::parse(config.base_url);
    if (config.audience.empty()) config.audience = config.base_url + "/api/v2/";
    config.page_size = std::clamp(config.page_size, 1, 100);
  }

  net::any_io_executor executor;
  Auth0PullConfig config;
  EventBatchSink& sink;
  PollerCore core;
  http::HttpClient client;
  EventParser parser;
  simdjson::dom::parser page_parser;
  std::optional<http::Url> base;

  // Position.
  bool position_ready = false;
  bool search_mode = false;  // start=beginning: the first page comes from a date-sorted search
  std::string checkpoint;
  std::string next_url;  // from a same-origin Link rel="next"; empty = build from checkpoint

  // Token.
  std::string token;
  SteadyClock::time_point token_expiry{};
  bool refreshed_after_401 = false;
  bool warned_foreign_link = false;

  static net::awaitable<void> run(std::shared_ptr<Impl> self);
  net::awaitable<TimeMs> step();
  TimeMs bootstrap();
  net::awaitable<std::optional<TimeMs>> fetch_token();
  net::awaitable<TimeMs> fetch_page();
  std::string page_url() const;
  std::string choose_next_url(const http::ClientResponse& response, const std::string& fallback);
  std::optional<PageSummary> summarize(const std::string& body, std::string& problem);
};

net::awaitable<void> Auth0Poller::Impl::run(std::shared_ptr<Impl> self) {
  while (!self->core.stopped()) {
    TimeMs wait = 0;
    try {
      wait = co_await self->step();
    } catch (const std::exception& error) {
      if (self->core.stopped()) break;
      wait = self->core.local_failure(fmt::format("unexpected error: {}", error.what()));
    }
    if (!co_await self->core.sleep(wait)) break;
  }
}

net::awaitable<TimeMs> Auth0Poller::Impl::step() {
  if (!base) {
    co_return core.credentials_rejected(
        "", "base_url is not an absolute http(s) URL; fix the configuration");
  }
  if (!position_ready) co_return bootstrap();
  if (token.empty() || SteadyClock::now() >= token_expiry) {
    const auto wait = co_await fetch_token();
    if (core.stopped()) co_return 0;
    if (wait) co_return *wait;
  }
  co_return co_await fetch_page();
}

// Reads the stored checkpoint; without one, decides where to begin and (for now/look_back)
// persists the forged start id at once, so a restart before the first page cannot skip ahead.
TimeMs Auth0Poller::Impl::bootstrap() {
  std::optional<std::string> stored;
  try {
    stored = sink.checkpoint(kAuth0CheckpointName);
  } catch (const std::exception& error) {
    return core.local_failure(fmt::format("cannot read the checkpoint: {}", error.what()));
  }
  if (stored && !stored->empty()) {
    checkpoint = *stored;
    position_ready = true;
    return 0;
  }
  if (config.start.kind == StartPosition::Kind::beginning) {
    search_mode = true;
    position_ready = true;
    core.note("no checkpoint: starting from the oldest retained log");
    return 0;
  }
  TimeMs from = core.now();
  if (config.start.kind == StartPosition::Kind::look_back) from -= config.start.look_back;
  const std::string forged = forge_auth0_log_id(from);
  try {
    sink.accept({}, Checkpoint{kAuth0CheckpointName, forged});
  } catch (const std::exception& error) {
    return core.local_failure(fmt::format("cannot store the start checkpoint: {}", error.what()));
  }
  checkpoint = forged;
  position_ready = true;
  core.note(fmt::format("no checkpoint: starting from log id {}", forged));
  return 0;
}

// Returns nothing when a token is cached now, else how long to wait before trying again.
net::awaitable<std::optional<TimeMs>> Auth0Poller::Impl::fetch_token() {
  auto& metrics = core.metrics();
  http::ClientRequest request;
  request.method = "POST";
  request.url = config.base_url + "/oauth/token";
  request.headers = {{"Content-Type", "application/json"}, {"Accept", "application/json"}};
  request.body = fmt::format(
      R"({{"grant_type":"client_credentials","client_id":{},"client_secret":{},"audience":{}}})",
      json_quote(config.client_id), json_quote(config.client_secret.value),
      json_quote(config.audience));
  core.set_status("requesting a token");
  auto result = co_await client.send(std::move(request));
  if (core.stopped()) co_return 0;

  if (!result.ok()) {
    metrics.token_request("error");
    co_return core.local_failure(
        fmt::format("token request failed: {}: {}", http::to_string(result.error), result.message));
  }
  const auto& response = result.response;
  if (response.status == 401 || response.status == 403) {
    metrics.token_request("error");
    co_return core.credentials_rejected(
        "", fmt::format("Auth0 rejected the client credentials (HTTP {} from /oauth/token); "
                        "check client_id {} and the client secret ({})",
                        response.status, config.client_id, config.client_secret.origin));
  }
  if (response.status == 429) {
    metrics.token_request("error");
    co_return core.rate_limited(response, false);
  }
  if (response.status != 200) {
    metrics.token_request("error");
    co_return core.local_failure(
        fmt::format("token request failed: HTTP {} from /oauth/token", response.status));
  }

  simdjson::dom::object object;
  std::string_view access_token;
  if (page_parser.parse(response.body).get(object) != simdjson::SUCCESS ||
      object["access_token"].get(access_token) != simdjson::SUCCESS || access_token.empty()) {
    metrics.token_request("error");
    co_return core.local_failure("token response has no access_token");
  }
  std::string_view token_type;
  if (object["token_type"].get(token_type) == simdjson::SUCCESS && token_type != "Bearer" &&
      token_type != "bearer") {
    core.log("token_type is not Bearer; using the token as a bearer token anyway");
  }
  // Auth0's default lifetime; a response without expires_in is refreshed on the first 401.
  double expires_in = 86400;
  if (double seconds = 0; object["expires_in"].get(seconds) == simdjson::SUCCESS) {
    expires_in = std::clamp(seconds, 0.0, 30.0 * 86400);
  }
  const auto lifetime = static_cast<TimeMs>(expires_in * 1000);
  const TimeMs margin = std::min<TimeMs>(60 * kSecondMs, lifetime / 10);
  token.assign(access_token);
  token_expiry = SteadyClock::now() + std::chrono::milliseconds(lifetime - margin);
  metrics.token_request("ok");
  core.credentials_accepted();
  co_return std::nullopt;
}

std::string Auth0Poller::Impl::page_url() const {
  if (search_mode) {
    return fmt::format("{}/api/v2/logs?sort=date:1&per_page={}&page=0", config.base_url,
                       config.page_size);
  }
  if (!next_url.empty()) return next_url;
  return fmt::format("{}/api/v2/logs?from={}&take={}", config.base_url, url_encode(checkpoint),
                     config.page_size);
}

// The URL after this page: Link rel="next" when it stays on our origin, else `fallback`.
std::string Auth0Poller::Impl::choose_next_url(const http::ClientResponse& response,
                                               const std::string& fallback) {
  for (const auto& [name, value] : response.headers) {
    if (name != "link") continue;
    auto link = http::next_link(value);
    if (!link) continue;
    if (link->size() > 1 && link->front() == '/' && (*link)[1] != '/') {
      return base->origin() + *link;  // origin-relative reference
    }
    const auto url = http::Url::parse(*link);
    if (url && url->origin() == base->origin()) return *link;
    if (!warned_foreign_link) {
      warned_foreign_link = true;
      core.log(
          "ignoring a Link rel=\"next\" that leaves the configured base_url's origin; "
          "continuing from the checkpoint");
    }
    return fallback;
  }
  return fallback;
}

std::optional<PageSummary> Auth0Poller::Impl::summarize(const std::string& body,
                                                        std::string& problem) {
  simdjson::dom::array array;
  const auto error = page_parser.parse(body).get(array);
  if (error != simdjson::SUCCESS) {
    problem = fmt::format("page is not a complete JSON array ({})", simdjson::error_message(error));
    return std::nullopt;
  }
  PageSummary summary;
  for (auto item : array) {
    ++summary.items;
    if (auto id = item_id(item)) summary.last_id = std::move(id);
  }
  return summary;
}

net::awaitable<TimeMs> Auth0Poller::Impl::fetch_page() {
  auto& metrics = core.metrics();
  const std::string url = page_url();
  http::ClientRequest request;
  request.url = url;
  request.headers = {{"Authorization", "Bearer " + token}, {"Accept", "application/json"}};
  core.set_status("polling");
  auto result = co_await client.send(std::move(request));
  if (core.stopped()) co_return 0;

  if (!result.ok()) {
    co_return core.failed(outcome_of(result.error),
                          fmt::format("GET /api/v2/logs failed: {}: {}",
                                      http::to_string(result.error), result.message));
  }
  const auto& response = result.response;
  if (response.status == 401) {
    token.clear();
    if (!refreshed_after_401) {
      refreshed_after_401 = true;
      metrics.poll_request(core.name(), "unauthorized");
      core.note("HTTP 401 from /api/v2/logs: fetching a new token");
      co_return 0;
    }
    co_return core.failed("unauthorized", "HTTP 401 from /api/v2/logs with a fresh token");
  }
  refreshed_after_401 = false;
  if (response.status == 429) co_return core.rate_limited(response, false);
  if (response.status >= 500) {
    co_return core.failed("server_error",
                          fmt::format("HTTP {} from /api/v2/logs", response.status));
  }
  if (response.status < 200 || response.status >= 300) {
    co_return core.failed("client_error",
                          fmt::format("HTTP {} from /api/v2/logs", response.status));
  }

  std::string problem;
  const auto page = summarize(response.body, problem);
  if (!page) co_return core.failed("bad_response", problem);

  // Auth0 says how long to hold off once the bucket is empty; honour it before the next call.
  TimeMs rate_wait = 0;
  if (const auto remaining = response.header("x-ratelimit-remaining");
      remaining && parse_count(*remaining) == 0) {
    rate_wait = std::min(rate_limit_reset_wait(response, core.now()).value_or(0),
                         core.timings().rate_limit_cap);
  }

  if (page->items == 0) {
    core.succeeded("empty");
    if (!search_mode) next_url = choose_next_url(response, url);
    core.set_status("waiting for new logs");
    co_return std::max(config.poll_interval, rate_wait);
  }
  if (!page->last_id) co_return core.failed("bad_response", "page has no log_id at all");

  std::vector<Event> events;
  const simdjson::padded_string padded(response.body);
  const auto report = parser.parse(padded, InputFormat::auth0, events);
  if (!report.errors.empty()) {
    metrics.parse_errors(Source::auth0, report.errors.size());
    core.log(fmt::format("{} of {} log items could not be parsed and were skipped",
                         report.errors.size(), page->items));
  }
  try {
    sink.accept(events, Checkpoint{kAuth0CheckpointName, *page->last_id});
  } catch (const std::exception& error) {
    if (core.stopped()) co_return 0;
    metrics.poll_request(core.name(), "ok");
    co_return core.local_failure(
        fmt::format("journaling a page failed ({}); fetching it again", error.what()));
  }
  if (core.stopped()) co_return 0;
  metrics.events_received(Source::auth0, "pull", events.size());
  core.succeeded("ok");

  checkpoint = *page->last_id;
  const bool was_search = search_mode;
  search_mode = false;
  next_url.clear();
  // A search page's links page through the search, not the log stream: continue from the id.
  if (!was_search) {
    const std::string from_checkpoint = page_url();
    next_url = choose_next_url(response, from_checkpoint);
    if (next_url == from_checkpoint) next_url.clear();
  }

  const bool full = page->items >= static_cast<std::size_t>(config.page_size);
  core.set_status(full ? "catching up" : "waiting for new logs");
  co_return std::max(full ? 0 : config.poll_interval, rate_wait);
}

// ---------------------------------------------------------------------------------------------

Auth0Poller::Auth0Poller(net::any_io_executor executor, Auth0PullConfig config,
                         EventBatchSink& sink, DaemonMetrics& metrics, WallClock clock,
                         PollerTimings timings)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(config), sink, metrics,
                                   std::move(clock), timings)) {}

Auth0Poller::~Auth0Poller() {
  stop();
}

void Auth0Poller::start() {
  impl_->core.launch(Impl::run(impl_));
}

void Auth0Poller::stop() {
  if (impl_->core.stopped()) return;
  impl_->core.stop();
  impl_->client.cancel();
}

bool Auth0Poller::finished() const {
  return impl_->core.finished();
}

bool Auth0Poller::running() const {
  return impl_->core.running();
}

std::string Auth0Poller::status() const {
  return impl_->core.status();
}

}  // namespace authcorrd
