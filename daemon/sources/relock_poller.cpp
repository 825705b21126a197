// The optional Relock events poller (see relock_poller.hpp; the contract it expects from the
// endpoint is docs/relock-pull.md).
//
// Same shape as the Auth0 poller: one coroutine holding a shared_ptr to Impl loops over step(),
// each step returning how long to wait. The cursor lives in the store's "relock.events"
// checkpoint and moves only in the same sink.accept() call that journals the page's events.
// The API key is sent only to events_url and never logged; neither are event contents.
#include "daemon/sources/relock_poller.hpp"
#include "daemon/log.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <boost/asio/co_spawn.hpp>

#include <exception>
#include <optional>
#include <utility>
#include <vector>

#include "daemon/http/http_client.hpp"
#include "daemon/sources/event_parser.hpp"

namespace authcorrd {

namespace net = boost::asio;

namespace {

constexpr int kPageLimit = 100;

struct RelockPage {
  std::string items_json;  // the "data" array, minified
  std::size_t items = 0;
  std::string next_cursor;  // empty when absent
  bool has_more = false;
};

// A string or bool member of `object`, falling back to the same member of object.meta (some
// list APIs keep paging state there).
template <class T>
bool read_member(simdjson::dom::object object, const char* key, T& out) {
  if (object[key].get(out) == simdjson::SUCCESS) return true;
  simdjson::dom::object meta;
  return object["meta"].get(meta) == simdjson::SUCCESS && meta[key].get(out) == simdjson::SUCCESS;
}

}  // namespace

struct RelockPoller::Impl {
  Impl(net::any_io_executor ex, RelockConfig cfg, EventBatchSink& event_sink,
       DaemonMetrics& daemon_metrics, WallClock wall_clock, PollerTimings timings)
      : executor(ex),
        config(std::move(cfg)),
        sink(event_sink),
        core(ex, "relock", daemon_metrics, std::move(wall_clock), timings),
        client(ex,
               http::ClientOptions{.timeout = config.request_timeout, .ca_file = config.ca_file}) {}

  net::any_io_executor executor;
  RelockConfig config;
  EventBatchSink& sink;
  PollerCore core;
  http::HttpClient client;
  EventParser parser;
  simdjson::dom::parser page_parser;

  bool position_ready = false;
  std::string cursor;  // empty: no cursor yet, the first request goes without one
  bool warned_no_cursor = false;

  static net::awaitable<void> run(std::shared_ptr<Impl> self);
  net::awaitable<TimeMs> step();
  std::string request_url() const;
  std::optional<RelockPage> read_page(const std::string& body, std::string& problem);
};

net::awaitable<void> RelockPoller::Impl::run(std::shared_ptr<Impl> self) {
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

std::string RelockPoller::Impl::request_url() const {
  std::string url = config.events_url;
  url += url.find('?') == std::string::npos ? '?' : '&';
  url += fmt::format("limit={}", kPageLimit);
  if (!cursor.empty()) url += "&cursor=" + url_encode(cursor);
  return url;
}

std::optional<RelockPage> RelockPoller::Impl::read_page(const std::string& body,
                                                        std::string& problem) {
  simdjson::dom::object object;
  if (const auto error = page_parser.parse(body).get(object); error != simdjson::SUCCESS) {
    problem =
        fmt::format("response is not a complete JSON object ({})", simdjson::error_message(error));
    return std::nullopt;
  }
  // Relock's REST envelope: {"success": true|false, "data": ..., "error": {...}}.
  if (bool success = true; object["success"].get(success) == simdjson::SUCCESS && !success) {
    problem = "response has \"success\": false";
    return std::nullopt;
  }
  simdjson::dom::array data;
  if (object["data"].get(data) != simdjson::SUCCESS) {
    problem = "response has no \"data\" array";
    return std::nullopt;
  }
  RelockPage page;
  page.items = data.size();
  page.items_json = simdjson::minify(data);
  std::string_view next_cursor;
  if (read_member(object, "next_cursor", next_cursor)) page.next_cursor.assign(next_cursor);
  read_member(object, "has_more", page.has_more);
  return page;
}

net::awaitable<TimeMs> RelockPoller::Impl::step() {
  auto& metrics = core.metrics();
  if (!http::Url::parse(config.events_url)) {
    co_return core.credentials_rejected(
        "", "events_url is not an absolute http(s) URL; fix the configuration");
  }
  if (!position_ready) {
    try {
      cursor = sink.checkpoint(kRelockCheckpointName).value_or("");
    } catch (const std::exception& error) {
      co_return core.local_failure(fmt::format("cannot read the cursor: {}", error.what()));
    }
    position_ready = true;
  }

  http::ClientRequest request;
  request.url = request_url();
  request.headers = {{"Authorization", "Bearer " + config.api_key.value},
                     {"Accept", "application/json"}};
  core.set_status("polling");
  auto result = co_await client.send(std::move(request));
  if (core.stopped()) co_return 0;

  if (!result.ok()) {
    co_return core.failed(
        outcome_of(result.error),
        fmt::format("GET events failed: {}: {}", http::to_string(result.error), result.message));
  }
  const auto& response = result.response;
  if (response.status == 401) {
    co_return core.credentials_rejected(
        "unauthorized", fmt::format("Relock rejected the API key (HTTP 401); check the key ({})",
                                    config.api_key.origin));
  }
  if (response.status == 429) co_return core.rate_limited(response, true);
  if (response.status >= 500) {
    co_return core.failed("server_error", fmt::format("HTTP {} from events", response.status));
  }
  if (response.status < 200 || response.status >= 300) {
    co_return core.failed("client_error", fmt::format("HTTP {} from events", response.status));
  }

  std::string problem;
  const auto page = read_page(response.body, problem);
  if (!page) co_return core.failed("bad_response", problem);

  std::vector<Event> events;
  if (page->items > 0) {
    const simdjson::padded_string padded(page->items_json);
    const auto report = parser.parse(padded, InputFormat::relock, events);
    if (!report.errors.empty()) {
      metrics.parse_errors(Source::relock, report.errors.size());
      core.log(fmt::format("{} of {} events could not be parsed and were skipped",
                           report.errors.size(), page->items));
    }
    if (const auto ignored = report.ignored(); ignored > 0) {
      metrics.relock_events_ignored(ignored);
    }
  }

  const bool cursor_moves = !page->next_cursor.empty() && page->next_cursor != cursor;
  if (page->next_cursor.empty() && page->items > 0 && !warned_no_cursor) {
    warned_no_cursor = true;
    core.log("response has no next_cursor: the cursor does not move");
  }
  if (page->items > 0 || cursor_moves) {
    std::optional<Checkpoint> checkpoint;
    if (!page->next_cursor.empty()) {
      checkpoint = Checkpoint{kRelockCheckpointName, page->next_cursor};
    }
    try {
      sink.accept(events, checkpoint);
    } catch (const std::exception& error) {
      if (core.stopped()) co_return 0;
      metrics.poll_request(core.name(), "ok");
      co_return core.local_failure(
          fmt::format("journaling a page failed ({}); fetching it again", error.what()));
    }
    if (core.stopped()) co_return 0;
  }
  if (!events.empty()) metrics.events_received(Source::relock, "pull", events.size());
  core.succeeded(page->items > 0 ? "ok" : "empty");
  if (!page->next_cursor.empty()) cursor = page->next_cursor;

  // has_more without a new cursor would fetch the same page in a tight loop: wait instead.
  if (page->has_more && cursor_moves) {
    core.set_status("catching up");
    co_return 0;
  }
  core.set_status("waiting for new events");
  co_return config.poll_interval;
}

// ---------------------------------------------------------------------------------------------

RelockPoller::RelockPoller(net::any_io_executor executor, RelockConfig config, EventBatchSink& sink,
                           DaemonMetrics& metrics, WallClock clock, PollerTimings timings)
    : impl_(std::make_shared<Impl>(std::move(executor), std::move(config), sink, metrics,
                                   std::move(clock), timings)) {}

RelockPoller::~RelockPoller() {
  stop();
}

void RelockPoller::start() {
  impl_->core.launch(Impl::run(impl_));
}

void RelockPoller::stop() {
  if (impl_->core.stopped()) return;
  impl_->core.stop();
  impl_->client.cancel();
}

bool RelockPoller::finished() const {
  return impl_->core.finished();
}

bool RelockPoller::running() const {
  return impl_->core.running();
}

std::string RelockPoller::status() const {
  return impl_->core.status();
}

}  // namespace authcorrd
