// The ingest pipeline on a real SQLite file: journaling before correlating, alert ids emitted
// exactly once across restarts, and what a crash at each step leaves behind.
#include <doctest/doctest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>
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
                       kT0};
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
