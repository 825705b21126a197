// Helpers shared by the poller test files: a recording EventBatchSink, a scripted fake Auth0
// tenant, shrunk timings and an io_context driver. Test-only; see poller_test.cpp.
#pragma once

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

namespace authcorrd::poller_testing {

using authcorrd::testing::CannedResponse;
using authcorrd::testing::Headers;
using authcorrd::testing::RecordedRequest;
using authcorrd::testing::TestHttpServer;
using namespace std::chrono_literals;

inline TimeMs system_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline double gap(const RecordedRequest& a, const RecordedRequest& b) {
  return std::chrono::duration<double>(b.received - a.received).count();
}

inline std::string log_id(int n) {
  std::string digits = std::to_string(n);
  return "90020250101000000" + std::string(39 - digits.size(), '0') + digits;
}
inline const std::string kOldCheckpoint = "90020240101000000" + std::string(39, '0');

inline std::string log_item(const std::string& id) {
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
inline double metric(const DaemonMetrics& metrics, const std::string& name,
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

inline PollerTimings fast_timings() {
  return {.backoff_base = 20,
          .backoff_cap = 200,
          .rate_limit_cap = 10 * kMinuteMs,
          .credentials_retry = 300};
}

inline bool run_until(boost::asio::io_context& io, const std::function<bool()>& done,
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

}  // namespace authcorrd::poller_testing
