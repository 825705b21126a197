// The ingest pipeline on a real SQLite file: journaling before correlating, alert ids emitted
// exactly once across restarts, and what a crash at each step leaves behind.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "daemon/pipeline.hpp"
#include "event_builders.hpp"
#include "sinks/alert_json.hpp"
#include "sinks/file_sink.hpp"

namespace authcorrd {
namespace {

using testing::auth0;
using testing::kT0;
using testing::relock;

// Records what it is given; can be told to fail.
class RecordingSink final : public AlertSink {
 public:
  explicit RecordingSink(std::vector<AlertMessage>& delivered, bool& fail)
      : delivered_(delivered), fail_(fail) {}
  std::string_view kind() const override { return "recording"; }
  void deliver(const AlertMessage& alert) override {
    if (fail_) throw SinkError("told to fail");
    delivered_.push_back(alert);
  }

 private:
  std::vector<AlertMessage>& delivered_;
  bool& fail_;
};

struct TempDir {
  std::filesystem::path path;
  TempDir() {
    path = std::filesystem::temp_directory_path() /
           ("authcorrd-pipeline-" + std::to_string(::getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  static int& counter() {
    static int n = 0;
    return n;
  }
};

// One daemon "process": store, pipeline and a recording sink, with a controllable clock.
struct Daemon {
  Daemon(const std::filesystem::path& db, TimeMs& clock, std::vector<AlertMessage>& delivered,
         bool& fail, CorrelatorParams params = testing::without_risk_alerts())
      : store(Store::open(db.string())) {
    std::vector<std::unique_ptr<AlertSink>> sinks;
    sinks.push_back(std::make_unique<RecordingSink>(delivered, fail));
    pipeline = std::make_unique<IngestPipeline>(
        store, std::move(sinks), metrics, [&clock] { return clock; },
        PipelineOptions{.params = params});
  }
  DaemonMetrics metrics;
  Store store;
  std::unique_ptr<IngestPipeline> pipeline;
};

std::size_t count(const std::vector<AlertMessage>& messages, std::string_view type) {
  std::size_t n = 0;
  for (const auto& m : messages)
    n += m.type == type ? 1 : 0;
  return n;
}

Event fp(int n, TimeMs time) {
  return auth0("fp", time, "auth0|u1", "fp-" + std::to_string(n));
}

}  // namespace

TEST_CASE("a batch is journaled, correlated and its alert delivered once; a repeat adds nothing") {
  TempDir dir;
  TimeMs clock = kT0 + 10 * kSecondMs;
  std::vector<AlertMessage> delivered;
  bool fail = false;
  Daemon daemon(dir.path / "state.db", clock, delivered, fail);
  std::vector<Event> batch = {fp(1, kT0), fp(2, kT0 + 1000), fp(3, kT0 + 2000), fp(4, kT0 + 3000)};
  const BatchOutcome first = daemon.pipeline->accept(batch, Checkpoint{"auth0.logs", "fp-4"});
  CHECK(first.new_events == 4);
  CHECK(first.alerts == 1);
  REQUIRE(delivered.size() == 1);
  CHECK(delivered[0].type == "failed_login_burst");
  CHECK(delivered[0].json.find(delivered[0].id) != std::string::npos);
  CHECK(daemon.store.checkpoint("auth0.logs") == "fp-4");

  const BatchOutcome again = daemon.pipeline->accept(batch, std::nullopt);
  CHECK(again.new_events == 0);
  CHECK(again.duplicates == 4);
  CHECK(delivered.size() == 1);
  CHECK(daemon.store.counts().undelivered_alerts == 0);
}

TEST_CASE("a restart in the middle of a failure count fires exactly once") {
  TempDir dir;
  TimeMs clock = kT0 + kMinuteMs;
  std::vector<AlertMessage> delivered;
  bool fail = false;
  {
    Daemon before(dir.path / "state.db", clock, delivered, fail);
    before.pipeline->accept(std::vector<Event>{fp(1, kT0), fp(2, kT0 + 1000), fp(3, kT0 + 2000)},
                            std::nullopt);
  }
  CHECK(delivered.empty());
  clock += kMinuteMs;
  {
    Daemon after(dir.path / "state.db", clock, delivered, fail);
    CHECK(after.pipeline->rebuild().events == 3);
    CHECK(delivered.empty());
    after.pipeline->accept(std::vector<Event>{fp(4, kT0 + 3000)}, std::nullopt);
    CHECK(count(delivered, "failed_login_burst") == 1);
  }
  clock += kMinuteMs;
  {
    // A third start regenerates the alert and recognizes its id: nothing is delivered again.
    Daemon third(dir.path / "state.db", clock, delivered, fail);
    const RebuildReport report = third.pipeline->rebuild();
    CHECK(report.events == 4);
    CHECK(report.alerts_regenerated == 1);
    CHECK(report.alerts_delivered == 0);
    CHECK(delivered.size() == 1);
  }
}

TEST_CASE("a restart between the two halves of a 60 s pairing fires exactly once") {
  TempDir dir;
  TimeMs clock = kT0 + kMinuteMs;
  std::vector<AlertMessage> delivered;
  bool fail = false;
  {
    Daemon before(dir.path / "state.db", clock, delivered, fail);
    before.pipeline->accept(std::vector<Event>{fp(1, kT0)}, std::nullopt);
  }
  clock += 5 * kSecondMs;
  Daemon after(dir.path / "state.db", clock, delivered, fail);
  after.pipeline->rebuild();
  after.pipeline->accept(
      std::vector<Event>{relock("authentication.failed", kT0 + 30 * kSecondMs, "auth0|u1", "rl-1")},
      std::nullopt);
  CHECK(count(delivered, "correlated_security_event") == 1);
}

TEST_CASE("journaling a batch does not reset the store row gauges") {
  TempDir dir;
  TimeMs clock = kT0 + kMinuteMs;
  std::vector<AlertMessage> delivered;
  bool fail = false;
  {
    Daemon before(dir.path / "state.db", clock, delivered, fail);
    before.pipeline->accept(std::vector<Event>{fp(1, kT0), fp(2, kT0 + 1)}, std::nullopt);
  }
  Daemon after(dir.path / "state.db", clock, delivered, fail);
  after.pipeline->rebuild();
  after.pipeline->accept(std::vector<Event>{fp(3, kT0 + 2)}, std::nullopt);
  const std::string text = after.metrics.serialize();
  CHECK(text.find("authcorrd_store_rows{table=\"journal\"} 2") != std::string::npos);
  CHECK(text.find("authcorrd_store_journal_duration_seconds_count 1") != std::string::npos);
}

TEST_CASE("a crash after journaling but before recording the alert: the rebuild delivers it") {
  TempDir dir;
  TimeMs clock = kT0 + kMinuteMs;
  std::vector<AlertMessage> delivered;
  bool fail = false;
  {
    // The events reached the journal, the process died before correlating them.
    Store store = Store::open((dir.path / "state.db").string());
    std::vector<Event> batch = {fp(1, kT0), fp(2, kT0 + 1), fp(3, kT0 + 2), fp(4, kT0 + 3)};
    store.journal(batch, clock);
  }
  Daemon after(dir.path / "state.db", clock, delivered, fail);
  const RebuildReport report = after.pipeline->rebuild();
  CHECK(report.alerts_delivered == 1);
  CHECK(count(delivered, "failed_login_burst") == 1);
}

TEST_CASE("a failed delivery is retried on the next tick, and after a restart") {
  TempDir dir;
  TimeMs clock = kT0 + kMinuteMs;
  std::vector<AlertMessage> delivered;
  bool fail = true;
  {
    Daemon daemon(dir.path / "state.db", clock, delivered, fail);
    daemon.pipeline->accept(
        std::vector<Event>{fp(1, kT0), fp(2, kT0 + 1), fp(3, kT0 + 2), fp(4, kT0 + 3)},
        std::nullopt);
    CHECK(delivered.empty());
    CHECK(daemon.store.counts().undelivered_alerts == 1);
    daemon.pipeline->tick();  // still failing
    CHECK(daemon.store.counts().undelivered_alerts == 1);
  }
  fail = false;
  Daemon after(dir.path / "state.db", clock, delivered, fail);
  after.pipeline->rebuild();
  CHECK(count(delivered, "failed_login_burst") == 1);
  CHECK(after.store.counts().undelivered_alerts == 0);
}

TEST_CASE("one failing sink never makes the others repeat an alert") {
  TempDir dir;
  TimeMs clock = kT0 + kMinuteMs;
  std::vector<AlertMessage> healthy_got;
  std::vector<AlertMessage> broken_got;
  bool healthy_fails = false;
  bool broken_fails = true;
  DaemonMetrics metrics;
  Store store = Store::open((dir.path / "state.db").string());
  std::vector<std::unique_ptr<AlertSink>> sinks;
  sinks.push_back(std::make_unique<RecordingSink>(healthy_got, healthy_fails));
  sinks.push_back(std::make_unique<RecordingSink>(broken_got, broken_fails));
  IngestPipeline pipeline(
      store, std::move(sinks), metrics, [&clock] { return clock; },
      PipelineOptions{.params = testing::without_risk_alerts()});
  pipeline.accept(std::vector<Event>{fp(1, kT0), fp(2, kT0 + 1), fp(3, kT0 + 2), fp(4, kT0 + 3)},
                  std::nullopt);
  for (int tick = 0; tick < 5; ++tick) {
    clock += kSecondMs;
    pipeline.tick();
  }
  CHECK(healthy_got.size() == 1);
  CHECK(broken_got.empty());
  CHECK(store.counts().undelivered_alerts == 1);
  broken_fails = false;
  clock += kSecondMs;
  pipeline.tick();
  CHECK(broken_got.size() == 1);
  CHECK(healthy_got.size() == 1);
  CHECK(store.counts().undelivered_alerts == 0);
}

TEST_CASE("the file sink recognizes its own lines only, not ids inside evidence") {
  TempDir dir;
  const std::string path = (dir.path / "alerts.jsonl").string();
  FileSink file(path);
  const std::string alert = "0123456789abcdef0123456789abcdef";
  const std::string other = "fedcba9876543210fedcba9876543210";
  file.deliver(AlertMessage{other,
                            "x",
                            "high",
                            R"({"id":")" + other + R"(","evidence":[{"id":")" + alert + R"("}]})",
                            {}});
  CHECK(file.holds(other));
  CHECK_FALSE(file.holds(alert));
  file.deliver(AlertMessage{alert, "x", "high", R"({"id":")" + alert + R"("})", {}});
  CHECK(file.holds(alert));
}

TEST_CASE("the file sink is not written twice when the crash came after writing") {
  TempDir dir;
  const auto alerts_path = dir.path / "alerts.jsonl";
  TimeMs clock = kT0 + kMinuteMs;
  std::string id;
  {
    // Deliver to the file, then "crash" before the delivery was marked.
    Store store = Store::open((dir.path / "state.db").string());
    AlertRecord record{"0123456789abcdef0123456789abcdef", "failed_login_burst",
                       R"({"id":"0123456789abcdef0123456789abcdef","type":"failed_login_burst"})",
                       kT0, "auth0|u1"};
    store.record_alerts(std::span<const AlertRecord>(&record, 1), clock);
    FileSink file(alerts_path.string());
    file.deliver(AlertMessage{record.id, record.type, "medium", record.json, {}});
    id = record.id;
  }
  DaemonMetrics metrics;
  Store store = Store::open((dir.path / "state.db").string());
  std::vector<std::unique_ptr<AlertSink>> sinks;
  sinks.push_back(std::make_unique<FileSink>(alerts_path.string()));
  IngestPipeline pipeline(store, std::move(sinks), metrics, [&clock] { return clock; }, {});
  pipeline.rebuild();
  CHECK(store.counts().undelivered_alerts == 0);
  std::ifstream in(alerts_path);
  std::string line;
  int lines = 0;
  while (std::getline(in, line))
    ++lines;
  CHECK(lines == 1);
}

TEST_CASE("journal_keep covers the longest window twice plus lateness and source lag") {
  CorrelatorParams params;
  CHECK(IngestPipeline::journal_keep(params) ==
        2 * (params.failure_window + params.allowed_lateness) + params.max_source_lag);
}

}  // namespace authcorrd

namespace authcorrd {
namespace {

// A random day of traffic for a few users, in arrival order: batches with their arrival time.
struct Arrival {
  TimeMs at = 0;
  std::vector<Event> batch;
};

std::vector<Arrival> random_traffic(std::uint32_t seed) {
  std::uint32_t state = seed;
  auto next = [&state](std::uint32_t bound) {
    state = state * 1664525u + 1013904223u;
    return (state >> 8) % bound;
  };
  static const char* const kIps[] = {"198.51.100.1", "198.51.100.2", "203.0.113.9"};
  static const char* const kAgents[] = {"UA-1", "UA-2"};
  std::vector<Arrival> arrivals;
  TimeMs at = kT0;
  int id = 0;
  for (int b = 0; b < 400; ++b) {
    at += static_cast<TimeMs>(next(90)) * kSecondMs;
    Arrival arrival{at, {}};
    const std::uint32_t size = 1 + next(4);
    for (std::uint32_t i = 0; i < size; ++i) {
      const std::string user = "auth0|u" + std::to_string(next(5));
      // Mostly recent, sometimes minutes late, now and then beyond the allowed lateness.
      const TimeMs lateness = next(10) == 0 ? 15 * kMinuteMs : next(4) * kMinuteMs;
      const TimeMs time = at - lateness - static_cast<TimeMs>(next(1000));
      const std::string ip = kIps[next(3)];
      const std::string agent = kAgents[next(2)];
      const std::string event_id = "e" + std::to_string(id++);
      switch (next(6)) {
        case 0:
          arrival.batch.push_back(auth0("s", time, user, event_id, ip, agent));
          break;
        case 1:
        case 2:
          arrival.batch.push_back(auth0("fp", time, user, event_id, ip, agent));
          break;
        case 3:
          arrival.batch.push_back(
              relock("authentication.success", time, user, event_id, ip, agent));
          break;
        case 4:
          arrival.batch.push_back(relock("authentication.failed", time, user, event_id, ip, agent));
          break;
        default:
          arrival.batch.push_back(relock("session.created", time, user, event_id, ip, agent,
                                         "dev-1", "sess-" + std::to_string(next(3))));
      }
    }
    // At-least-once delivery: now and then a batch arrives twice.
    arrivals.push_back(arrival);
    if (next(8) == 0) {
      arrival.at += kSecondMs;
      arrivals.push_back(arrival);
    }
  }
  return arrivals;
}

// Feeds the traffic through pipelines on one state file, restarting (destroy, open, rebuild)
// before every arrival whose index is in `restarts`; returns every delivered alert id in order.
std::vector<std::string> run_with_restarts(const std::vector<Arrival>& traffic,
                                           const std::set<std::size_t>& restarts) {
  TempDir dir;
  TimeMs clock = kT0;
  std::vector<AlertMessage> delivered;
  bool fail = false;
  auto daemon =
      std::make_unique<Daemon>(dir.path / "state.db", clock, delivered, fail, CorrelatorParams{});
  for (std::size_t i = 0; i < traffic.size(); ++i) {
    clock = traffic[i].at;
    if (restarts.count(i) != 0) {
      daemon.reset();
      daemon = std::make_unique<Daemon>(dir.path / "state.db", clock, delivered, fail,
                                        CorrelatorParams{});
      daemon->pipeline->rebuild();
    }
    daemon->pipeline->tick();
    daemon->pipeline->accept(traffic[i].batch, std::nullopt);
  }
  std::vector<std::string> ids;
  for (const AlertMessage& message : delivered)
    ids.push_back(message.id);
  return ids;
}

}  // namespace

TEST_CASE("restarts at random points deliver exactly the alerts of an uninterrupted run") {
  for (std::uint32_t seed = 1; seed <= 6; ++seed) {
    CAPTURE(seed);
    const std::vector<Arrival> traffic = random_traffic(seed);
    const std::vector<std::string> uninterrupted = run_with_restarts(traffic, {});
    REQUIRE(uninterrupted.size() >= 5);
    std::set<std::size_t> restarts;
    for (std::size_t i = seed; i < traffic.size(); i += 17 + seed * 5)
      restarts.insert(i);
    const std::vector<std::string> restarted = run_with_restarts(traffic, restarts);
    const std::set<std::string> unique(restarted.begin(), restarted.end());
    CHECK(unique.size() == restarted.size());  // no id twice
    CHECK(std::multiset<std::string>(restarted.begin(), restarted.end()) ==
          std::multiset<std::string>(uninterrupted.begin(), uninterrupted.end()));
  }
}

}  // namespace authcorrd
