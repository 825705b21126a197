// Auth0 and Relock pollers against scripted fake servers on 127.0.0.1: tokens, paging by
// checkpoint and Link, pacing, rate limits, backoff, broken pages, a failing sink, the start
// position, bad credentials and stop(). Timings are shrunk through PollerTimings so the whole
// file runs in seconds; assertions on pacing use the server's receive timestamps.
//
// The pollers run on an io_context driven by the test thread; each fake server has its own
// thread, so fake state shared with a handler is behind a mutex.
#include <doctest/doctest.h>

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <deque>
#include <map>
#include <mutex>
#include <sstream>

#include "daemon/metrics.hpp"
#include "daemon/sources/auth0_poller.hpp"
#include "daemon/sources/relock_poller.hpp"
#include "test_http_server.hpp"

using namespace authcorrd;
using authcorrd::testing::CannedResponse;
using authcorrd::testing::Headers;
using authcorrd::testing::RecordedRequest;
using authcorrd::testing::TestHttpServer;
using namespace std::chrono_literals;

namespace {

TimeMs system_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

double gap(const RecordedRequest& a, const RecordedRequest& b) {
  return std::chrono::duration<double>(b.received - a.received).count();
}

std::string log_id(int n) {
  std::string digits = std::to_string(n);
  return "90020250101000000" + std::string(39 - digits.size(), '0') + digits;
}
const std::string kOldCheckpoint = "90020240101000000" + std::string(39, '0');

std::string log_item(const std::string& id) {
  return R"({"log_id":")" + id + R"(","_id":")" + id +
         R"(","date":"2025-01-01T00:00:00.000Z","type":"fp","user_id":"auth0|u1",)"
         R"("ip":"203.0.113.5"})";
}

// Records what the poller journals; can fail on demand like a full disk.
struct FakeSink final : EventBatchSink {
  struct Batch {
    std::vector<std::string> ids;
    std::optional<Checkpoint> checkpoint;
    std::size_t server_requests = 0;  // requests the server had seen at that moment
  };
  std::vector<Batch> batches;
  std::map<std::string, std::string, std::less<>> checkpoints;
  int fail_next = 0;
  int failures = 0;
  bool stopped = false;
  mutable int touched_after_stop = 0;
  std::function<std::size_t()> server_requests;

  BatchOutcome accept(std::span<const Event> events,
                      const std::optional<Checkpoint>& checkpoint) override {
    if (stopped) ++touched_after_stop;
    if (fail_next > 0) {
      --fail_next;
      ++failures;
      throw StoreError("journal: disk I/O error (test)");
    }
    Batch batch;
    for (const auto& event : events)
      batch.ids.push_back(event.source_id);
    batch.checkpoint = checkpoint;
    if (server_requests) batch.server_requests = server_requests();
    if (checkpoint) checkpoints[checkpoint->name] = checkpoint->value;
    batches.push_back(std::move(batch));
    return {events.size(), 0, 0};
  }
  std::optional<std::string> checkpoint(std::string_view name) const override {
    if (stopped) ++touched_after_stop;
    const auto found = checkpoints.find(name);
    if (found == checkpoints.end()) return std::nullopt;
    return found->second;
  }
  std::vector<std::string> ids() const {
    std::vector<std::string> all;
    for (const auto& batch : batches)
      all.insert(all.end(), batch.ids.begin(), batch.ids.end());
    return all;
  }
};

// A fake Auth0 tenant: /oauth/token and /api/v2/logs (checkpoint and search mode).
struct FakeAuth0 {
  mutable std::mutex mutex;
  std::string base;                                       // the server's own URL
  std::vector<std::pair<std::string, std::string>> logs;  // (ordering id, item JSON)
  unsigned token_status = 200;
  int tokens_issued = 0;
  std::string valid_token;
  bool revoke_after_next_page = false;
  bool logs_always_401 = false;
  std::string link_base;                  // Link targets use this origin instead of base when set
  std::string link_marker;                // appended to Link targets
  std::deque<CannedResponse> log_faults;  // answer the next /api/v2/logs requests

  void add_logs(int count) {
    for (int i = 0; i < count; ++i)
      logs.emplace_back(log_id(i), log_item(log_id(i)));
  }
  std::vector<std::string> all_ids() const {
    std::vector<std::string> ids;
    for (const auto& [id, item] : logs)
      ids.push_back(id);
    return ids;
  }

  CannedResponse handle(const RecordedRequest& request) {
    std::lock_guard lock(mutex);
    if (request.method == "POST" && request.path() == "/oauth/token") {
      if (token_status != 200) return CannedResponse::json(token_status, R"({"error":"denied"})");
      valid_token = "tok-" + std::to_string(++tokens_issued);
      return CannedResponse::json(200, R"({"access_token":")" + valid_token +
                                           R"(","expires_in":86400,"token_type":"Bearer"})");
    }
    if (request.path() != "/api/v2/logs") return CannedResponse::json(404, "{}");
    if (!log_faults.empty()) {
      auto fault = std::move(log_faults.front());
      log_faults.pop_front();
      return fault;
    }
    if (logs_always_401 || valid_token.empty() ||
        request.header("authorization") != "Bearer " + valid_token) {
      return CannedResponse::json(401, R"({"error":"invalid token"})");
    }
    std::vector<std::string> items;
    std::string last;
    if (request.query("sort")) {
      const auto per_page = std::stoul(request.query("per_page").value_or("50"));
      for (std::size_t i = 0; i < logs.size() && items.size() < per_page; ++i) {
        items.push_back(logs[i].second);
      }
    } else {
      last = request.query("from").value_or("");
      const auto take = std::stoul(request.query("take").value_or("50"));
      for (const auto& [id, item] : logs) {
        if (items.size() < take && id > request.query("from").value_or("")) {
          items.push_back(item);
          last = id;
        }
      }
    }
    if (revoke_after_next_page) {
      revoke_after_next_page = false;
      valid_token.clear();
    }
    std::string body = "[";
    for (std::size_t i = 0; i < items.size(); ++i)
      body += (i ? "," : "") + items[i];
    body += "]";
    Headers headers;
    if (!request.query("sort")) {
      const std::string next = (link_base.empty() ? base : link_base) +
                               "/api/v2/logs?from=" + last +
                               "&take=" + request.query("take").value_or("") + link_marker;
      headers.emplace_back("Link", "<" + next + ">; rel=\"next\"");
    }
    return CannedResponse::json(200, body, headers);
  }
};

// Value of one sample in the Prometheus text output, 0 when absent.
double metric(const DaemonMetrics& metrics, const std::string& name,
              const std::vector<std::string>& labels) {
  std::istringstream text(metrics.serialize());
  for (std::string line; std::getline(text, line);) {
    if (line.rfind(name + "{", 0) != 0) continue;
    bool all = true;
    for (const auto& label : labels)
      all &= line.find(label) != std::string::npos;
    if (all) return std::stod(line.substr(line.rfind(' ') + 1));
  }
  return 0;
}

PollerTimings fast_timings() {
  return {.backoff_base = 20,
          .backoff_cap = 200,
          .rate_limit_cap = 10 * kMinuteMs,
          .credentials_retry = 300};
}

bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds limit = 5s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_for(5ms);
  }
  return done();
}

struct Auth0Harness {
  FakeAuth0 fake;  // before the server: the server thread calls into it until it stops
  TestHttpServer server;
  boost::asio::io_context io;
  DaemonMetrics metrics;
  FakeSink sink;
  Auth0PullConfig config;
  PollerTimings timings = fast_timings();
  WallClock clock = system_now;
  std::unique_ptr<Auth0Poller> poller;

  Auth0Harness() {
    fake.base = server.url();
    server.set_handler([this](const RecordedRequest& r) { return fake.handle(r); });
    sink.server_requests = [this] { return server.request_count(); };
    sink.checkpoints[kAuth0CheckpointName] = kOldCheckpoint;
    config.base_url = server.url();
    config.client_id = "client-1";
    config.client_secret = {"s3cret-value", "inline"};
    config.poll_interval = 400;
    config.page_size = 2;
    config.request_timeout = 2000;
  }
  ~Auth0Harness() { stop(); }
  void start() {
    poller =
        std::make_unique<Auth0Poller>(io.get_executor(), config, sink, metrics, clock, timings);
    poller->start();
  }
  void stop() {
    if (!poller) return;
    poller->stop();
    sink.stopped = true;
    io.restart();
    io.run_for(2s);
  }
  std::vector<RecordedRequest> log_requests() const {
    std::vector<RecordedRequest> out;
    for (auto& r : server.requests()) {
      if (r.path() == "/api/v2/logs") out.push_back(r);
    }
    return out;
  }
  std::size_t token_requests() const { return server.request_count() - log_requests().size(); }
  bool has_all() const { return sink.ids() == fake.all_ids(); }
};

}  // namespace

TEST_CASE("poller support: forged ids, backoff bounds, header arithmetic") {
  // 2025-06-01T12:34:56.789Z
  CHECK(forge_auth0_log_id(1748781296789) == "90020250601123456" + std::string(39, '0'));
  CHECK(forge_auth0_log_id(1748781296789).size() == 56);
  Backoff backoff(1000, 5 * kMinuteMs, 42);
  TimeMs expected_ceiling = 1000;
  for (int i = 0; i < 12; ++i) {
    CHECK(backoff.ceiling() == expected_ceiling);
    const TimeMs wait = backoff.next();
    CHECK(wait >= 0);
    CHECK(wait <= expected_ceiling);
    expected_ceiling = std::min<TimeMs>(expected_ceiling * 2, 5 * kMinuteMs);
  }
  backoff.reset();
  CHECK(backoff.ceiling() == 1000);
  http::ClientResponse response;
  response.headers = {{"x-ratelimit-reset", "1000"}, {"retry-after", "7"}};
  CHECK(rate_limit_reset_wait(response, 998'500) == 1500);
  CHECK(rate_limit_reset_wait(response, 1'000'000) == std::nullopt);
  CHECK(retry_after_wait(response) == 7000);
  CHECK(url_encode("c 1/+~") == "c%201%2F%2B~");
  CHECK(json_quote("a\"b\\\n") == R"("a\"b\\\n")");
}

TEST_CASE("auth0 poller: one token for many pages; checkpoint is the last log_id; pacing") {
  Auth0Harness h;
  h.fake.add_logs(5);
  h.start();
  REQUIRE(run_until(h.io, [&] { return h.log_requests().size() >= 5; }));
  CHECK(h.has_all());
  CHECK(h.sink.checkpoints[kAuth0CheckpointName] == log_id(4));
  CHECK(h.token_requests() == 1);
  const auto logs = h.log_requests();
  for (const auto& r : logs)
    CHECK(r.header("authorization") == "Bearer tok-1");
  CHECK(logs[0].query("from") == kOldCheckpoint);
  CHECK(logs[0].query("take") == "2");
  CHECK(gap(logs[0], logs[1]) < 0.3);  // full page: next one at once
  CHECK(gap(logs[1], logs[2]) < 0.3);
  CHECK(gap(logs[2], logs[3]) >= 0.38);  // partial page: poll_interval
  CHECK(gap(logs[3], logs[4]) >= 0.38);  // empty page: poll_interval, same URL again
  CHECK(logs[3].target == logs[4].target);
  CHECK(h.sink.batches.back().checkpoint->value == log_id(4));
  CHECK(h.poller->running());
  CHECK(metric(h.metrics, "authcorrd_poller_requests_total",
               {"poller=\"auth0\"", "outcome=\"ok\""}) == 3);
  CHECK(metric(h.metrics, "authcorrd_poller_token_requests_total", {"outcome=\"ok\""}) == 1);
  CHECK(metric(h.metrics, "authcorrd_ingest_events_total", {"source=\"auth0\""}) == 5);
}

TEST_CASE("auth0 poller: a 401 drops the token and fetches a new one once") {
  Auth0Harness h;
  h.fake.add_logs(4);
  h.fake.revoke_after_next_page = true;
  h.start();
  REQUIRE(run_until(h.io, [&] { return h.has_all(); }));
  CHECK(h.token_requests() == 2);
  CHECK(h.log_requests().back().header("authorization") == "Bearer tok-2");
  CHECK(metric(h.metrics, "authcorrd_poller_requests_total", {"outcome=\"unauthorized\""}) == 1);
}

TEST_CASE("auth0 poller: a 401 right after a fresh token backs off instead of spinning") {
  Auth0Harness h;
  h.fake.add_logs(1);
  h.fake.logs_always_401 = true;
  h.start();
  run_until(
      h.io, [] { return false; }, 1s);
  CHECK(h.token_requests() >= 2);
  CHECK(h.token_requests() < 30);
  CHECK(h.sink.batches.empty());
}

TEST_CASE("auth0 poller: Link rel=next is followed on our origin and ignored elsewhere") {
  SUBCASE("same origin") {
    Auth0Harness h;
    h.fake.add_logs(3);
    h.fake.link_marker = "&marker=link";
    h.start();
    REQUIRE(run_until(h.io, [&] { return h.has_all(); }));
    const auto logs = h.log_requests();
    CHECK_FALSE(logs[0].query("marker"));
    CHECK(logs[1].query("marker") == "link");
  }
  SUBCASE("foreign origin: the token never leaves") {
    TestHttpServer elsewhere;
    Auth0Harness h;
    h.fake.add_logs(3);
    h.fake.link_base = elsewhere.url();
    h.start();
    REQUIRE(run_until(h.io, [&] { return h.has_all(); }));
    CHECK(elsewhere.request_count() == 0);
    CHECK(h.log_requests()[1].query("from") == log_id(1));
  }
}

TEST_CASE("auth0 poller: 429 waits until x-ratelimit-reset") {
  Auth0Harness h;
  h.fake.add_logs(2);
  const auto reset = std::to_string(system_now() / 1000 + 2);
  h.fake.log_faults.push_back(CannedResponse::json(
      429, R"({"statusCode":429})",
      {{"x-ratelimit-limit", "10"}, {"x-ratelimit-remaining", "0"}, {"x-ratelimit-reset", reset}}));
  h.start();
  REQUIRE(run_until(
      h.io, [&] { return h.has_all(); }, 6s));
  const auto logs = h.log_requests();
  REQUIRE(logs.size() >= 2);
  CHECK(gap(logs[0], logs[1]) >= 0.95);
  CHECK(logs[0].target == logs[1].target);
  CHECK(metric(h.metrics, "authcorrd_poller_requests_total", {"outcome=\"rate_limited\""}) == 1);
}

TEST_CASE("auth0 poller: x-ratelimit-remaining 0 on a good page holds the next request") {
  Auth0Harness h;
  h.fake.add_logs(4);
  h.start();
  // The first page is full, but the bucket is empty until the reset second.
  const auto reset = std::to_string(system_now() / 1000 + 2);
  {
    std::lock_guard lock(h.fake.mutex);
    h.fake.log_faults.push_back(
        CannedResponse::json(200, "[" + log_item(log_id(0)) + "," + log_item(log_id(1)) + "]",
                             {{"x-ratelimit-remaining", "0"}, {"x-ratelimit-reset", reset}}));
  }
  REQUIRE(run_until(
      h.io, [&] { return h.has_all(); }, 6s));
  const auto logs = h.log_requests();
  CHECK(gap(logs[0], logs[1]) >= 0.95);
}

TEST_CASE("auth0 poller: 5xx and broken pages back off and retry; every event exactly once") {
  Auth0Harness h;
  h.fake.add_logs(5);
  h.fake.log_faults.push_back(CannedResponse::json(500, "{}"));
  h.fake.log_faults.push_back(CannedResponse::json(503, "{}"));
  auto cut = CannedResponse::json(200, "[" + log_item(log_id(0)) + "," + log_item(log_id(1)) + "]");
  cut.mode = CannedResponse::Mode::truncate_body;  // HTTP-level: body shorter than its length
  cut.truncate_at = cut.body.size() / 2 + 20;
  h.fake.log_faults.push_back(cut);
  // Complete HTTP, but a JSON array that stops after the first item: no salvage.
  h.fake.log_faults.push_back(
      CannedResponse::json(200, "[" + log_item(log_id(0)) + R"(,{"log_id":")"));
  h.start();
  REQUIRE(run_until(h.io, [&] { return h.has_all(); }));
  const auto logs = h.log_requests();
  for (int i = 1; i <= 4; ++i)
    CHECK(logs[static_cast<std::size_t>(i)].target == logs[0].target);
  CHECK(h.sink.batches.front().ids == std::vector<std::string>{log_id(0), log_id(1)});
  CHECK(metric(h.metrics, "authcorrd_poller_requests_total", {"outcome=\"server_error\""}) == 2);
  CHECK(metric(h.metrics, "authcorrd_poller_requests_total", {"outcome=\"bad_response\""}) == 2);
  CHECK(h.poller->running());
}

TEST_CASE("auth0 poller: a failing sink gets the same page again; the checkpoint stays") {
  Auth0Harness h;
  h.fake.add_logs(3);
  h.sink.fail_next = 2;
  h.start();
  REQUIRE(run_until(h.io, [&] { return h.has_all(); }));
  CHECK(h.sink.failures == 2);
  const auto logs = h.log_requests();
  CHECK(logs[1].target == logs[0].target);
  CHECK(logs[2].target == logs[0].target);
  CHECK(logs[3].query("from") == log_id(1));
  CHECK(h.sink.checkpoints[kAuth0CheckpointName] == log_id(2));
}

TEST_CASE("auth0 poller: unparseable items are skipped; the checkpoint still moves past them") {
  Auth0Harness h;
  h.config.page_size = 3;
  h.config.poll_interval = 5000;
  h.fake.logs = {{log_id(0), log_item(log_id(0))},
                 {log_id(1), R"({"log_id":")" + log_id(1) + R"(","type":42,"date":7})"},
                 {log_id(2), R"({"_id":")" + log_id(2) + R"(","type":[],"date":null})"},
                 {log_id(3), log_item(log_id(3))},
                 {log_id(4), R"({"type":"s","date":"2025-01-01T00:00:00.000Z"})"},
                 {log_id(5), R"({"no":"id"})"}};
  h.start();
  REQUIRE(run_until(h.io, [&] { return h.sink.batches.size() >= 2; }));
  CHECK(h.sink.batches[0].ids == std::vector<std::string>{log_id(0)});
  CHECK(h.sink.batches[0].checkpoint->value == log_id(2));  // the last element's _id
  // The last two elements have no id: the checkpoint is the last element that has one.
  CHECK(h.sink.batches[1].checkpoint->value == log_id(3));
  CHECK(metric(h.metrics, "authcorrd_ingest_parse_errors_total", {"source=\"auth0\""}) >= 3);
}

TEST_CASE("auth0 poller: start position without a checkpoint") {
  Auth0Harness h;
  h.sink.checkpoints.clear();
  h.fake.add_logs(3);
  h.clock = [] { return TimeMs{1748781296789}; };  // 2025-06-01T12:34:56.789Z
  const std::string at_now = "90020250601123456" + std::string(39, '0');

  SUBCASE("now: a forged id is persisted before the first request") {
    h.start();
    REQUIRE(run_until(h.io, [&] { return h.log_requests().size() >= 1; }));
    REQUIRE_FALSE(h.sink.batches.empty());
    CHECK(h.sink.batches[0].ids.empty());
    CHECK(h.sink.batches[0].checkpoint->value == at_now);
    CHECK(h.sink.batches[0].server_requests == 0);
    CHECK(h.log_requests()[0].query("from") == at_now);
  }
  SUBCASE("look_back: the forged id is that far back") {
    h.config.start = {StartPosition::Kind::look_back, kHourMs};
    h.start();
    REQUIRE(run_until(h.io, [&] { return h.log_requests().size() >= 1; }));
    CHECK(h.sink.batches[0].checkpoint->value == "90020250601113456" + std::string(39, '0'));
  }
  SUBCASE("beginning: a date-sorted search first, then the checkpoint") {
    h.config.start = {StartPosition::Kind::beginning, 0};
    h.start();
    REQUIRE(run_until(h.io, [&] { return h.has_all(); }));
    const auto logs = h.log_requests();
    CHECK(logs[0].target == "/api/v2/logs?sort=date:1&per_page=2&page=0");
    CHECK(logs[1].query("from") == log_id(1));
    CHECK(h.sink.batches[0].checkpoint->value == log_id(1));
  }
}

TEST_CASE("auth0 poller: rejected credentials mean not running, retried every interval") {
  Auth0Harness h;
  h.fake.add_logs(1);
  h.fake.token_status = 401;
  h.start();
  const auto rejected = [&] { return h.poller->status().find("rejected") != std::string::npos; };
  // The second answer must also be processed, not just received.
  REQUIRE(run_until(h.io, [&] { return h.token_requests() >= 2 && rejected(); }));
  CHECK_FALSE(h.poller->running());
  CHECK(h.poller->status().find("rejected") != std::string::npos);
  CHECK(h.poller->status().find("s3cret") == std::string::npos);
  CHECK(h.log_requests().empty());
  const auto tokens = h.server.requests();
  CHECK(gap(tokens[0], tokens[1]) >= 0.28);
  {
    std::lock_guard lock(h.fake.mutex);
    h.fake.token_status = 200;
  }
  REQUIRE(run_until(h.io, [&] { return h.has_all(); }));
  CHECK(h.poller->running());
  CHECK(metric(h.metrics, "authcorrd_poller_token_requests_total", {"outcome=\"error\""}) >= 2);
}

TEST_CASE("auth0 poller: stop() ends a request in flight promptly and leaves the sink alone") {
  Auth0Harness h;
  h.fake.add_logs(2);
  CannedResponse silent;
  silent.mode = CannedResponse::Mode::never_answer;
  h.fake.log_faults.push_back(silent);
  h.start();
  REQUIRE(run_until(h.io, [&] { return h.log_requests().size() == 1; }));
  const auto start = std::chrono::steady_clock::now();
  h.stop();
  CHECK(std::chrono::steady_clock::now() - start < 500ms);
  CHECK(h.io.stopped());  // nothing left to run: the coroutine finished
  CHECK_FALSE(h.poller->running());
  CHECK(h.sink.touched_after_stop == 0);
  CHECK(h.sink.batches.empty());
}

// ---------------------------------------------------------------------------------------------
// Relock

namespace {

std::string relock_item(int n) {
  return R"({"event":"authentication.success","data":{"userId":"u1","sessionId":"s)" +
         std::to_string(n) +
         R"(","deviceId":"d1","timestamp":"2025-01-01T00:00:00Z","ipAddress":"203.0.113.5"}})";
}

struct RelockHarness {
  std::mutex mutex;
  std::map<std::string, std::string> pages;  // cursor ("" = none) -> body
  std::deque<CannedResponse> faults;
  TestHttpServer server;
  boost::asio::io_context io;
  DaemonMetrics metrics;
  FakeSink sink;
  RelockConfig config;
  std::unique_ptr<RelockPoller> poller;

  RelockHarness() {
    server.set_handler([this](const RecordedRequest& r) {
      std::lock_guard lock(mutex);
      if (!faults.empty()) {
        auto fault = std::move(faults.front());
        faults.pop_front();
        return fault;
      }
      if (r.header("authorization") != "Bearer key-1") return CannedResponse::json(401, "{}");
      const auto cursor = r.query("cursor").value_or("");
      const auto found = pages.find(cursor);
      if (found != pages.end()) return CannedResponse::json(200, found->second);
      return CannedResponse::json(200, R"({"data":[],"next_cursor":")" + cursor + R"("})");
    });
    config.events_url = server.url("/v1/events");
    config.api_key = {"key-1", "inline"};
    config.poll_interval = 400;
    config.request_timeout = 2000;
  }
  ~RelockHarness() {
    if (!poller) return;
    poller->stop();
    sink.stopped = true;
    io.restart();
    io.run_for(2s);
  }
  void start() {
    poller = std::make_unique<RelockPoller>(io.get_executor(), config, sink, metrics, system_now,
                                            fast_timings());
    poller->start();
  }
};

}  // namespace

TEST_CASE("relock poller: the cursor is passed and advanced; has_more fetches at once") {
  RelockHarness h;
  h.pages[""] = R"({"data":[)" + relock_item(1) + "," + relock_item(2) +
                R"(],"next_cursor":"c 1/+","has_more":true})";
  h.pages["c%201%2F%2B"] =
      R"({"success":true,"data":[)" + relock_item(3) + R"(],"next_cursor":"c2","has_more":false})";
  h.start();
  REQUIRE(run_until(h.io, [&] { return h.server.request_count() >= 3; }));
  const auto seen = h.server.requests();
  CHECK(seen[0].target == "/v1/events?limit=100");
  CHECK(seen[0].header("authorization") == "Bearer key-1");
  CHECK(seen[1].target == "/v1/events?limit=100&cursor=c%201%2F%2B");
  CHECK(gap(seen[0], seen[1]) < 0.3);
  CHECK(seen[2].query("cursor") == "c2");
  CHECK(gap(seen[1], seen[2]) >= 0.38);
  REQUIRE(h.sink.batches.size() == 2);
  CHECK(h.sink.batches[0].ids.size() == 2);
  CHECK(h.sink.batches[0].checkpoint->value == "c 1/+");
  CHECK(h.sink.batches[1].ids.size() == 1);
  CHECK(h.sink.checkpoints[kRelockCheckpointName] == "c2");
  CHECK(metric(h.metrics, "authcorrd_ingest_events_total", {"source=\"relock\""}) == 3);
}

TEST_CASE("relock poller: a stored cursor is used; a missing next_cursor does not move it") {
  RelockHarness h;
  h.sink.checkpoints[kRelockCheckpointName] = "c7";
  h.pages["c7"] = R"({"data":[)" + relock_item(1) + R"(],"has_more":true})";
  h.start();
  REQUIRE(run_until(h.io, [&] { return h.server.request_count() >= 2; }));
  const auto seen = h.server.requests();
  CHECK(seen[0].query("cursor") == "c7");
  CHECK(seen[1].query("cursor") == "c7");
  CHECK(gap(seen[0], seen[1]) >= 0.38);  // has_more without a new cursor must not spin
  REQUIRE(h.sink.batches.size() >= 1);
  CHECK(h.sink.batches[0].ids.size() == 1);
  CHECK_FALSE(h.sink.batches[0].checkpoint.has_value());
  CHECK(h.sink.checkpoints[kRelockCheckpointName] == "c7");
}

TEST_CASE("relock poller: errors, success=false and a failing sink are retried") {
  RelockHarness h;
  h.pages[""] = R"({"data":[)" + relock_item(1) + R"(],"next_cursor":"c1"})";
  h.faults.push_back(CannedResponse::json(502, "{}"));
  h.faults.push_back(CannedResponse::json(200, R"({"success":false,"error":{"code":"X"}})"));
  h.faults.push_back(CannedResponse::json(200, R"({"data":[)"));
  h.sink.fail_next = 1;
  h.start();
  REQUIRE(run_until(h.io, [&] { return !h.sink.batches.empty(); }));
  CHECK(h.server.request_count() == 5);
  CHECK(h.sink.failures == 1);
  CHECK(h.sink.checkpoints[kRelockCheckpointName] == "c1");
  CHECK(metric(h.metrics, "authcorrd_poller_requests_total",
               {"poller=\"relock\"", "outcome=\"bad_response\""}) == 2);
}

TEST_CASE("relock poller: 401 means not running; 429 honours Retry-After") {
  SUBCASE("401") {
    RelockHarness h;
    h.config.api_key = {"wrong", "inline"};
    h.start();
    REQUIRE(run_until(h.io, [&] {
      return h.server.request_count() >= 2 && h.poller->status().find("401") != std::string::npos;
    }));
    CHECK_FALSE(h.poller->running());
  }
  SUBCASE("429") {
    RelockHarness h;
    h.faults.push_back(CannedResponse::json(429, "{}", {{"Retry-After", "1"}}));
    h.start();
    REQUIRE(run_until(h.io, [&] { return h.server.request_count() >= 2; }));
    const auto seen = h.server.requests();
    CHECK(gap(seen[0], seen[1]) >= 0.95);
    CHECK(h.poller->running());
  }
}
