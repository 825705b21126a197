// The Relock poller against a scripted fake events endpoint on 127.0.0.1: cursor paging,
// has_more, errors and a failing sink, bad keys and rate limits. See poller_test.cpp.
#include <doctest/doctest.h>

#include "poller_test_support.hpp"

using namespace authcorrd;
using namespace authcorrd::poller_testing;

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
