// AlertmanagerSink against a real Alertmanager (Debian's prometheus-alertmanager 0.25) on
// 127.0.0.1: alerts are delivered through the sink on an io_context driven by the test thread,
// then read back from GET /api/v2/alerts. Covers the alert's labels, annotations and times,
// re-sending, resolution after endsAt, the filter, an Alertmanager that is down and comes back,
// restore() after a restart, merging by label set, and bad alert JSON.
//
// Every test case owns its Alertmanager process; the RAII guard kills it (SIGKILL) and removes
// its directory when the case ends, also on a failed REQUIRE.
#include <doctest/doctest.h>

#include <simdjson.h>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "daemon/http/http_client.hpp"
#include "sinks/alert_json.hpp"
#include "sinks/alertmanager_sink.hpp"

extern char** environ;

using namespace authcorrd;
namespace fs = std::filesystem;
namespace net = boost::asio;
using namespace std::chrono_literals;

namespace {

TimeMs wall_now() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::uint16_t free_port() {
  net::io_context io;
  net::ip::tcp::acceptor acceptor(io, {net::ip::make_address("127.0.0.1"), 0});
  return acceptor.local_endpoint().port();
}

// One GET or POST on a private io_context, synchronously (the sink's io_context is not run).
http::ClientResult fetch(const std::string& url) {
  net::io_context io;
  http::ClientOptions options;
  options.timeout = 2 * kSecondMs;
  http::HttpClient client(io.get_executor(), options);
  http::ClientRequest request;
  request.url = url;
  std::optional<http::ClientResult> out;
  net::co_spawn(io, client.send(std::move(request)),
                [&](std::exception_ptr, http::ClientResult result) { out = std::move(result); });
  io.run();
  REQUIRE(out.has_value());
  return std::move(*out);
}

// A prometheus-alertmanager process with a null receiver, its own storage and no clustering.
class Alertmanager {
 public:
  Alertmanager() : port_(free_port()) {
    char pattern[] = "/tmp/authcorrd-am-XXXXXX";
    REQUIRE(::mkdtemp(pattern) != nullptr);
    dir_ = pattern;
    std::ofstream(dir_ / "am.yml")
        << "route:\n  receiver: \"null\"\nreceivers:\n  - name: \"null\"\n";
  }
  ~Alertmanager() {
    kill();
    std::error_code ignored;
    fs::remove_all(dir_, ignored);
  }
  Alertmanager(const Alertmanager&) = delete;
  Alertmanager& operator=(const Alertmanager&) = delete;

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // Starts the process (same port and storage every time) and waits for /-/ready.
  void start() {
    REQUIRE(pid_ <= 0);
    std::vector<std::string> args = {"prometheus-alertmanager",
                                     "--config.file=" + (dir_ / "am.yml").string(),
                                     "--storage.path=" + (dir_ / "data").string(),
                                     "--web.listen-address=127.0.0.1:" + std::to_string(port_),
                                     "--cluster.listen-address=",
                                     "--log.level=warn"};
    std::vector<char*> argv;
    for (std::string& arg : args)
      argv.push_back(arg.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    const std::string log = (dir_ / "am.log").string();
    posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    const int rc =
        posix_spawnp(&pid_, "prometheus-alertmanager", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    REQUIRE_MESSAGE(rc == 0, "cannot start prometheus-alertmanager (run scripts/setup)");
    const auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline) {
      const auto ready = fetch(url() + "/-/ready");
      if (ready.ok() && ready.response.status == 200) return;
      int status = 0;
      REQUIRE_MESSAGE(::waitpid(pid_, &status, WNOHANG) == 0, "prometheus-alertmanager exited");
      std::this_thread::sleep_for(50ms);
    }
    FAIL("prometheus-alertmanager not ready within 15 s");
  }

  void kill() {
    if (pid_ <= 0) return;
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
    pid_ = -1;
  }

  // GET /api/v2/alerts (active, not resolved): alertname -> the alert's JSON.
  std::map<std::string, std::string> alerts() const {
    const auto result = fetch(url() + "/api/v2/alerts");
    REQUIRE(result.ok());
    REQUIRE(result.response.status == 200);
    simdjson::dom::parser parser;
    simdjson::dom::array array;
    REQUIRE(parser.parse(result.response.body).get(array) == simdjson::SUCCESS);
    std::map<std::string, std::string> out;
    for (simdjson::dom::element alert : array) {
      std::string_view name;
      REQUIRE(alert["labels"]["alertname"].get(name) == simdjson::SUCCESS);
      out[std::string(name)] = simdjson::minify(alert);
    }
    return out;
  }

 private:
  std::uint16_t port_;
  fs::path dir_;
  pid_t pid_ = -1;
};

std::string member(const std::string& json, std::string_view a, std::string_view b = {}) {
  simdjson::dom::parser parser;
  simdjson::dom::element root = parser.parse(json);
  simdjson::dom::element value = b.empty() ? root[a].value() : root[a][b].value();
  std::string_view text;
  REQUIRE(value.get(text) == simdjson::SUCCESS);
  return std::string(text);
}

Alert make_alert(AlertType type, Severity severity, std::string user, TimeMs event_time) {
  Alert alert;
  alert.type = type;
  alert.severity = severity;
  alert.user_id = std::move(user);
  alert.ip = "192.0.2.99";
  alert.event_time = event_time;
  alert.evidence.push_back(
      {Source::auth0, "90020250101030000000000000000000000000000000007", "s", event_time});
  return alert;
}

AlertMessage message_of(const Alert& alert) {
  const std::string id = alert_id(alert);
  return {id, std::string(to_string(alert.type)), std::string(to_string(alert.severity)),
          alert_to_json(alert), alert_summary(alert, id)};
}

// What the sink reported through its observer.
struct Seen {
  int posts_ok = 0;
  int posts_failed = 0;
  std::size_t active = 0;
  std::vector<std::string> errors;
  std::vector<std::string> infos;
  AlertmanagerObserver observer() {
    return {[this](bool ok) { ++(ok ? posts_ok : posts_failed); },
            [this](std::size_t n) { active = n; },
            [this](std::string_view m) { errors.emplace_back(m); },
            [this](std::string_view m) { infos.emplace_back(m); }};
  }
};

AlertmanagerSinkConfig sink_config(const Alertmanager& am, TimeMs resend = 1 * kSecondMs) {
  AlertmanagerSinkConfig config;
  config.name = "am_test";
  config.url = am.url() + "/";
  config.resend_interval = resend;
  config.timeout = 2 * kSecondMs;
  config.generator_url = "https://authcorrd.example/alerts/{type}/{id}";
  return config;
}

// Runs the io_context until `done` holds (checked every 100 ms) or `limit` passes.
bool run_until(net::io_context& io, const std::function<bool()>& done,
               std::chrono::milliseconds limit = 10s) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    io.restart();
    io.run_for(100ms);
    if (done()) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("alertmanager sink: a delivered alert arrives with labels, annotations and times") {
  Alertmanager am;
  am.start();
  net::io_context io;
  Seen seen;
  AlertmanagerSink sink(io, sink_config(am), 1 * kHourMs, wall_now, seen.observer());
  CHECK(sink.kind() == "alertmanager");
  CHECK(sink.name() == "am_test");
  sink.start();

  const TimeMs event_time = (wall_now() / 1000 - 60) * 1000;
  Alert alert = make_alert(AlertType::high_risk_login, Severity::high, "auth0|bob", event_time);
  alert.device_id = "dev-1";
  alert.risk = RiskAssessment{75, RiskLevel::high, {{"ip_change", 20}, {"low_device_trust", 30}}};
  alert.recommendations = {"Require step-up MFA.", "Confirm the sign-in location."};
  const AlertMessage message = message_of(alert);
  sink.deliver(message);
  CHECK(sink.holds(message.id));
  CHECK_FALSE(sink.holds("0123"));
  CHECK(seen.active == 1);

  std::map<std::string, std::string> alerts;
  REQUIRE(run_until(
      io, [&] { return !(alerts = am.alerts()).empty(); }, 5s));
  REQUIRE(alerts.count("high_risk_login") == 1);
  const std::string& got = alerts["high_risk_login"];
  CHECK(member(got, "labels", "severity") == "high");
  CHECK(member(got, "labels", "user_id") == "auth0|bob");
  CHECK(member(got, "labels", "source") == "authcorrd");
  CHECK(member(got, "annotations", "alert_id") == message.id);
  // The pipeline's summary line, its column padding squeezed.
  CHECK(member(got, "annotations", "summary") ==
        format_timestamp(event_time) +
            " high high_risk_login user=auth0|bob ip=192.0.2.99 device=dev-1 risk=75 high "
            "(ip_change+20, low_device_trust+30) evidence=1 [auth0:s] id=" +
            message.id);
  CHECK(member(got, "annotations", "risk_score") == "75");
  CHECK(member(got, "annotations", "risk_factors") == "ip_change=20, low_device_trust=30");
  CHECK(member(got, "annotations", "recommendations") ==
        "Require step-up MFA.\nConfirm the sign-in location.");
  CHECK(member(got, "annotations", "evidence") ==
        "auth0 s " + format_timestamp(event_time) +
            " 90020250101030000000000000000000000000000000007");
  CHECK(member(got, "annotations", "device_id") == "dev-1");
  const std::string description = member(got, "annotations", "description");
  CHECK(description.find("High-risk login for user auth0|bob") == 0);
  CHECK(description.find("risk score 75 (high)") != std::string::npos);
  CHECK(member(got, "startsAt") == format_timestamp(event_time));
  CHECK(member(got, "endsAt") == format_timestamp(event_time + kHourMs));
  CHECK(member(got, "generatorURL") ==
        "https://authcorrd.example/alerts/high_risk_login/" + message.id);
  CHECK(member(got, "status", "state") == "active");

  // Re-sent every resend_interval: Alertmanager's updatedAt moves on and the alert stays.
  const std::string first_update = member(got, "updatedAt");
  const int posts_before = seen.posts_ok;
  REQUIRE(run_until(
      io, [&] { return seen.posts_ok >= posts_before + 2; }, 5s));
  alerts = am.alerts();
  REQUIRE(alerts.count("high_risk_login") == 1);
  CHECK(member(alerts["high_risk_login"], "updatedAt") > first_update);
  CHECK(sink.active() == 1);
  CHECK(seen.posts_failed == 0);
  CHECK(seen.errors.empty());
}

TEST_CASE("alertmanager sink: an alert resolves when its endsAt passes, then is dropped") {
  Alertmanager am;
  am.start();
  net::io_context io;
  Seen seen;
  // Suppression period 3 s: the alert ends 2 s from now; resends are a minute apart, so its
  // final send comes from the endsAt wake-up, not from a resend.
  AlertmanagerSink sink(io, sink_config(am, 60 * kSecondMs), 3 * kSecondMs, wall_now,
                        seen.observer());
  sink.start();
  const TimeMs event_time = wall_now() - 1000;
  sink.deliver(
      message_of(make_alert(AlertType::failed_login_burst, Severity::medium, "u1", event_time)));
  REQUIRE(run_until(
      io, [&] { return am.alerts().count("failed_login_burst") == 1; }, 3s));
  CHECK(sink.active() == 1);
  REQUIRE(run_until(
      io, [&] { return sink.active() == 0; }, 5s));
  CHECK(wall_now() >= event_time + 3000);
  CHECK(seen.active == 0);
  CHECK(seen.posts_ok == 2);  // the first send and the final, resolving one
  CHECK(am.alerts().empty());

  // An alert that ended before it was delivered is sent once, resolved, and not kept.
  sink.deliver(message_of(make_alert(AlertType::unusual_activity, Severity::medium, "u2",
                                     wall_now() - 10 * kSecondMs)));
  CHECK(sink.active() == 1);
  REQUIRE(run_until(
      io, [&] { return sink.active() == 0; }, 3s));
  CHECK(seen.posts_ok == 3);
  CHECK(am.alerts().empty());
}

TEST_CASE("alertmanager sink: the filter decides which alerts are sent") {
  Alertmanager am;
  am.start();
  net::io_context io;
  Seen seen;
  AlertmanagerSinkConfig config = sink_config(am);
  config.filter.min_severity = Severity::high;
  config.filter.types = {AlertType::session_hijacking, AlertType::device_compromise};
  AlertmanagerSink sink(io, config, kHourMs, wall_now, seen.observer());
  sink.start();
  const TimeMs now = wall_now();
  sink.deliver(message_of(make_alert(AlertType::unusual_activity, Severity::medium, "u", now)));
  sink.deliver(message_of(make_alert(AlertType::high_risk_login, Severity::high, "u", now)));
  const Alert wanted = make_alert(AlertType::session_hijacking, Severity::critical, "u", now);
  // As the pipeline re-delivers after a restart: only id and JSON, no severity or summary.
  sink.deliver({alert_id(wanted), {}, {}, alert_to_json(wanted), {}});
  CHECK(sink.active() == 1);
  CHECK(sink.holds(alert_id(wanted)));
  std::map<std::string, std::string> alerts;
  REQUIRE(run_until(
      io, [&] { return !(alerts = am.alerts()).empty(); }, 5s));
  CHECK(alerts.size() == 1);
  REQUIRE(alerts.count("session_hijacking") == 1);
  CHECK(member(alerts["session_hijacking"], "labels", "severity") == "critical");
  CHECK(member(alerts["session_hijacking"], "annotations", "summary") ==
        "Relock session used from another device or client: user u");
  // restore() applies the filter too.
  CHECK_FALSE(sink.restore(
      message_of(make_alert(AlertType::failed_login_burst, Severity::medium, "u", now))));
}

TEST_CASE("alertmanager sink: alerts wait while Alertmanager is down and arrive when it is up") {
  Alertmanager am;  // not started yet: its port refuses connections
  net::io_context io;
  Seen seen;
  AlertmanagerSink sink(io, sink_config(am, 2 * kSecondMs), kHourMs, wall_now, seen.observer());
  sink.start();
  const Alert alert = make_alert(AlertType::device_compromise, Severity::high, "u", wall_now());
  sink.deliver(message_of(alert));
  REQUIRE(run_until(
      io, [&] { return seen.posts_failed >= 3; }, 10s));
  CHECK(sink.active() == 1);
  CHECK(seen.posts_ok == 0);
  REQUIRE(seen.errors.size() == 1);  // once per outage, not per attempt
  CHECK(seen.errors[0].find("alertmanager sink am_test: POST to http://127.0.0.1:") == 0);
  CHECK(seen.errors[0].find("1 active alert(s) kept") != std::string::npos);

  am.start();
  REQUIRE(run_until(
      io, [&] { return am.alerts().count("device_compromise") == 1; }, 6s));
  CHECK(seen.posts_ok >= 1);
  REQUIRE(seen.infos.size() == 1);
  CHECK(seen.infos[0].find("answers again") != std::string::npos);

  // Alertmanager keeps alerts in memory only: after its restart the re-send brings it back.
  am.kill();
  am.start();
  CHECK(am.alerts().empty());
  REQUIRE(run_until(
      io, [&] { return am.alerts().count("device_compromise") == 1; }, 5s));
  CHECK(seen.errors.size() <= 2);
}

TEST_CASE("alertmanager sink: restore after a restart, merging by label set, stop") {
  Alertmanager am;
  am.start();
  net::io_context io;
  Seen seen;
  AlertmanagerSink sink(io, sink_config(am, 30 * kSecondMs), kHourMs, wall_now, seen.observer());
  const TimeMs now = wall_now();
  // Recorded before the restart: one still active, one that ended while the daemon was down.
  CHECK(sink.restore(message_of(
      make_alert(AlertType::high_risk_login, Severity::high, "a", now - 30 * kMinuteMs))));
  CHECK_FALSE(sink.restore(
      message_of(make_alert(AlertType::high_risk_login, Severity::high, "b", now - 2 * kHourMs))));
  CHECK(sink.active() == 1);
  sink.start();
  std::map<std::string, std::string> alerts;
  REQUIRE(run_until(
      io, [&] { return !(alerts = am.alerts()).empty(); }, 5s));
  CHECK(member(alerts["high_risk_login"], "labels", "user_id") == "a");

  // A second alert with the same labels is the same Alertmanager alert: startsAt stays the
  // earliest, endsAt becomes the latest, annotations are the newest.
  Alert later = make_alert(AlertType::high_risk_login, Severity::high, "a", now);
  later.evidence[0].id = "other";
  sink.deliver(message_of(later));
  CHECK(sink.active() == 1);
  REQUIRE(run_until(
      io,
      [&] {
        alerts = am.alerts();
        return member(alerts["high_risk_login"], "annotations", "alert_id") == alert_id(later);
      },
      5s));
  CHECK(member(alerts["high_risk_login"], "startsAt") == format_timestamp(now - 30 * kMinuteMs));
  CHECK(member(alerts["high_risk_login"], "endsAt") == format_timestamp(now + kHourMs));

  // stop() ends the sender: nothing is sent any more, the io_context runs out of work.
  const int posts = seen.posts_ok;
  sink.stop();
  sink.deliver(message_of(make_alert(AlertType::failed_login_burst, Severity::medium, "a", now)));
  io.restart();
  io.run_for(2s);
  CHECK(io.stopped());  // ran out of work: the sender coroutine has ended
  CHECK(seen.posts_ok == posts);
}

TEST_CASE("alertmanager sink: bad alert JSON is a clear error and nothing is sent") {
  Alertmanager am;
  am.start();
  net::io_context io;
  Seen seen;
  AlertmanagerSink sink(io, sink_config(am), kHourMs, wall_now, seen.observer());
  sink.start();
  const auto error_of = [&](std::string json) {
    AlertMessage message{"abc123", "failed_login_burst", "medium", std::move(json), {}};
    try {
      sink.deliver(message);
    } catch (const SinkError& error) {
      return std::string(error.what());
    }
    return std::string("no error");
  };
  CHECK(error_of("{not json") ==
        "alertmanager sink am_test: alert abc123: not alert contract JSON: not a JSON object");
  CHECK(error_of("[]").find("not a JSON object") != std::string::npos);
  CHECK(
      error_of(
          R"({"type":"failed_login_burst","severity":"medium","event_time":"2025-01-01T00:00:00.000Z","evidence":[]})")
          .find("member \"user_id\" missing") != std::string::npos);
  CHECK(
      error_of(
          R"({"type":"x","severity":"urgent","user_id":"u","event_time":"2025-01-01T00:00:00.000Z","evidence":[]})")
          .find("\"severity\" is not a severity") != std::string::npos);
  CHECK(error_of(
            R"({"type":"x","severity":"low","user_id":"u","event_time":"yesterday","evidence":[]})")
            .find("\"event_time\" is not a timestamp") != std::string::npos);
  CHECK(
      error_of(
          R"({"type":"x","severity":"low","user_id":"secret-user","event_time":"2025-01-01T00:00:00.000Z"})")
          .find("\"evidence\" missing") != std::string::npos);
  CHECK(
      error_of(
          R"({"type":"x","severity":"low","user_id":"secret-user","event_time":"2025-01-01T00:00:00.000Z"})")
          .find("secret-user") == std::string::npos);
  CHECK_THROWS_AS(sink.restore({"abc", "", "", "null", {}}), SinkError);
  CHECK(sink.active() == 0);
  run_until(
      io, [] { return false; }, 1500ms);
  CHECK(seen.posts_ok + seen.posts_failed == 0);
  CHECK(am.alerts().empty());
  AlertmanagerSinkConfig ftp;
  ftp.name = "x";
  ftp.url = "ftp://host";
  CHECK_THROWS_AS(AlertmanagerSink(io, ftp, kHourMs, wall_now), SinkError);
}

TEST_CASE("alertmanager sink: destroying the sink while a POST hangs ends the sender cleanly") {
  // A listener that never accepts: the connection completes in the backlog and the POST waits
  // for an answer that never comes.
  net::io_context io;
  net::ip::tcp::acceptor silent(io, {net::ip::make_address("127.0.0.1"), 0});
  AlertmanagerSinkConfig config;
  config.name = "hang";
  config.url = "http://127.0.0.1:" + std::to_string(silent.local_endpoint().port());
  config.timeout = 30 * kSecondMs;
  Seen seen;
  auto sink = std::make_unique<AlertmanagerSink>(io, config, kHourMs, wall_now, seen.observer());
  sink->start();
  sink->deliver(
      message_of(make_alert(AlertType::high_risk_login, Severity::high, "u", wall_now())));
  io.restart();
  io.run_for(300ms);
  CHECK(seen.posts_ok + seen.posts_failed == 0);  // still waiting for the answer
  sink.reset();                                   // stop(): the POST is cancelled
  io.restart();
  io.run_for(2s);
  CHECK(io.stopped());  // the sender ended without touching the destroyed sink
  CHECK(seen.posts_ok == 0);
}
