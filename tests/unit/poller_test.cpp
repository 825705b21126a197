// The Auth0 poller (and poller support) against scripted fake servers on 127.0.0.1: tokens, paging
// by checkpoint and Link, pacing, rate limits, backoff, broken pages, a failing sink, the start
// position, bad credentials and stop(). The Relock poller: relock_poller_test.cpp. Timings are
// shrunk through PollerTimings so the whole file runs in seconds; assertions on pacing use the
// server's receive timestamps.
//
// The pollers run on an io_context driven by the test thread; each fake server has its own
// thread, so fake state shared with a handler is behind a mutex.
#include <doctest/doctest.h>

#include "poller_test_support.hpp"

using namespace authcorrd;
using namespace authcorrd::poller_testing;

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
