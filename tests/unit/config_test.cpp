// Configuration loader: durations, every section's keys, defaults, secrets from all four origins,
// error collection (all at once, with lines), redaction, and the rendered effective
// configuration loading back to the same configuration.

#include <stdlib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <tuple>
#include <vector>

#include <doctest/doctest.h>

// The test links toml++ only through authcorrd_config, which uses the compiled library.
#define TOML_HEADER_ONLY 0
#include <toml++/toml.h>

#include "daemon/config/config.hpp"

namespace authcorrd {
namespace {

EnvLookup env_of(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    const auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}
const EnvLookup kNoEnv = env_of({});

// A directory of its own under $TMPDIR, removed with everything in it.
struct TempDir {
  std::filesystem::path path;
  TempDir() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "authcorrd-cfg-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string write(const std::string& name, const std::string& content) const {
    std::ofstream(path / name, std::ios::binary) << content;
    return (path / name).string();
  }
};

ConfigLoad load(const std::string& text, const EnvLookup& env = kNoEnv) {
  return parse_config(text, "test.toml", env);
}

std::vector<std::string> messages(const ConfigLoad& result) {
  std::vector<std::string> out;
  for (const ConfigError& error : result.errors)
    out.push_back(to_string(error));
  return out;
}

// The one error of `result`, which must have exactly one.
ConfigError only_error(const ConfigLoad& result) {
  if (result.errors.size() != 1) {
    for (const std::string& m : messages(result))
      MESSAGE(m);
  }
  REQUIRE(result.errors.size() == 1);
  CHECK_FALSE(result.config.has_value());
  return result.errors.front();
}

Config good(const std::string& text, const EnvLookup& env = kNoEnv) {
  ConfigLoad result = load(text, env);
  for (const std::string& m : messages(result))
    MESSAGE(m);
  REQUIRE(result.errors.empty());
  REQUIRE(result.config.has_value());
  return std::move(*result.config);
}

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Everything but secret values/origins and the source name, which a re-load cannot reproduce;
// fields are compared as tuples so that a mismatch shows both sides.
void check_same(const Config& a, const Config& b) {
  const auto server = [](const Config& c) {
    const ServerConfig& s = c.server;
    return std::tie(s.listen, s.address, s.port, s.max_body_bytes, s.read_timeout, s.write_timeout,
                    s.idle_timeout, s.max_connections);
  };
  CHECK(a.log.level == b.log.level);
  CHECK(server(a) == server(b));
  REQUIRE(a.auth0_pull.has_value() == b.auth0_pull.has_value());
  if (a.auth0_pull) {
    const auto pull = [](const Auth0PullConfig& p) {
      return std::make_tuple(p.base_url, p.audience, p.client_id, p.client_secret.empty(),
                             p.poll_interval, p.start.kind, p.start.look_back, p.page_size,
                             p.request_timeout, p.ca_file);
    };
    CHECK(pull(*a.auth0_pull) == pull(*b.auth0_pull));
  }
  REQUIRE(a.log_stream.has_value() == b.log_stream.has_value());
  if (a.log_stream) CHECK(a.log_stream->token.empty() == b.log_stream->token.empty());
  const auto relock = [](const Config& c) {
    const RelockConfig& r = c.relock;
    return std::make_tuple(r.webhook_secret.empty(), r.events_url, r.api_key.empty(),
                           r.poll_interval, r.request_timeout, r.ca_file);
  };
  CHECK(relock(a) == relock(b));
  const auto store = [](const Config& c) {
    return std::tie(c.store.path, c.store.synchronous_full, c.store.alert_retention);
  };
  CHECK(store(a) == store(b));
  const auto correlator = [](const Config& c) {
    const CorrelatorParams& p = c.correlator;
    return std::tie(p.correlation_window, p.failure_window, p.failure_threshold,
                    p.weights.ip_change, p.weights.user_agent_change, p.weights.low_device_trust,
                    p.weights.recent_failures, p.medium_risk_score, p.high_risk_score,
                    p.device_trust_ttl, p.suppression_period, p.allowed_lateness, p.max_source_lag,
                    p.max_clock_skew, p.max_users, p.max_events_per_user, p.max_sessions_per_user,
                    p.join_on_email);
  };
  CHECK(correlator(a) == correlator(b));
  REQUIRE(a.sinks.files.size() == b.sinks.files.size());
  for (std::size_t i = 0; i < a.sinks.files.size(); ++i) {
    CHECK(a.sinks.files[i].path == b.sinks.files[i].path);
  }
  REQUIRE(a.sinks.stdouts.size() == b.sinks.stdouts.size());
  for (std::size_t i = 0; i < a.sinks.stdouts.size(); ++i) {
    CHECK(a.sinks.stdouts[i].pretty == b.sinks.stdouts[i].pretty);
  }
}

// Render, check it is TOML, load it again, compare.
void check_round_trip(const Config& config) {
  const std::string text = render_effective_config(config);
  CAPTURE(text);
  CHECK_NOTHROW((void)toml::parse(text));
  check_same(config, good(text));
}

// Every key set to something other than its default.
const char* const kFullFile = R"(
[log]
level = "debug"
[server]
listen = "[::1]:9555"
max_body_bytes = 1048576
read_timeout = "5s"
write_timeout = "6s"
idle_timeout = "2m"
max_connections = 32
[auth0]
domain = "tenant.eu.auth0.com"
client_id = "m2m-id"
client_secret = "inline-client-secret-1"
audience = "https://tenant.eu.auth0.com/api/v2/custom"
poll_interval = "2s"
start = "-24h"
page_size = 50
request_timeout = "15s"
ca_file = ""
[auth0.log_stream]
token = "inline-stream-token-2"
[relock]
webhook_secret = "inline-webhook-secret-3"
events_url = "https://relock.example.com/v1/events?tenant=a"
api_key = "inline-api-key-4"
poll_interval = "500ms"
request_timeout = "1m"
[store]
path = "/tmp/x.db"
synchronous = "full"
alert_retention = "7d"
[correlator]
correlation_window = "90s"
failure_window = "12h"
failure_threshold = 5
medium_risk_score = 35
high_risk_score = 80
device_trust_ttl = "14d"
suppression_period = "0s"
allowed_lateness = "1m"
max_source_lag = "2h"
max_clock_skew = "1m30s"
max_users = 5000
max_events_per_user = 8
max_sessions_per_user = 4
join_on_email = true
[correlator.weights]
ip_change = 0
user_agent_change = 10
low_device_trust = 1000
recent_failures = 5
[[sinks.file]]
path = "/tmp/a.jsonl"
[[sinks.file]]
path = "/tmp/b.jsonl"
[[sinks.stdout]]
pretty = true
)";

TEST_CASE("parse_duration accepts units and combinations, rejects everything else") {
  CHECK(parse_duration("0s") == 0);
  CHECK(parse_duration("500ms") == 500);
  CHECK(parse_duration("10s") == 10 * kSecondMs);
  CHECK(parse_duration("5m") == 5 * kMinuteMs);
  CHECK(parse_duration("24h") == 24 * kHourMs);
  CHECK(parse_duration("30d") == 30 * kDayMs);
  CHECK(parse_duration("1h30m") == 90 * kMinuteMs);
  CHECK(parse_duration("1d2h3m4s5ms") == kDayMs + 2 * kHourMs + 3 * kMinuteMs + 4005);
  CHECK(parse_duration("007s") == 7 * kSecondMs);
  CHECK(parse_duration("9223372036854775807ms") == std::numeric_limits<TimeMs>::max());
  for (const char* bad : {"", "10", "-5s", "5x", "s", "1h 30m", " 1s", "1s ", "1.5h", "30m1h",
                          "1h1h", "1ms1s", "10S", "1hh", "+1s", "9223372036854775808ms",
                          "106751991168d", "106751991167d23h", "99999999999999999999s"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_duration(bad).has_value());
  }
}

TEST_CASE("format_duration is the canonical spelling and round-trips") {
  CHECK(format_duration(0) == "0s");
  CHECK(format_duration(500) == "500ms");
  CHECK(format_duration(90 * kMinuteMs) == "1h30m");
  CHECK(format_duration(30 * kDayMs) == "30d");
  CHECK(format_duration(kDayMs + kHourMs + kMinuteMs + kSecondMs + 1) == "1d1h1m1s1ms");
  CHECK(format_duration(-5 * kSecondMs) == "-5s");
  CHECK_FALSE(format_duration(std::numeric_limits<TimeMs>::min()).empty());
  constexpr TimeMs kMax = std::numeric_limits<TimeMs>::max();
  for (TimeMs value = 1; value < kMax / 3; value = value * 3 + 7) {
    CHECK(parse_duration(format_duration(value)) == value);
  }
  CHECK(parse_duration(format_duration(kMax)) == kMax);
}

TEST_CASE("an empty file is all defaults, no sources") {
  const Config config = good("");
  CHECK(config.source == "test.toml");
  CHECK(config.log.level == "info");
  CHECK(config.server.address == "127.0.0.1");
  CHECK(config.server.port == 9464);
  CHECK_FALSE(config.auth0_pull.has_value());
  CHECK_FALSE(config.log_stream.has_value());
  CHECK(config.relock.webhook_secret.empty());
  CHECK(config.relock.events_url.empty());
  CHECK(config.store.path == "/var/lib/authcorrd/authcorrd.db");
  CHECK(config.correlator.failure_threshold == CorrelatorParams{}.failure_threshold);
  CHECK(config.sinks.files.empty());
  check_round_trip(config);
}

TEST_CASE("only [server] and [store]") {
  const Config config =
      good("[server]\nlisten = \"0.0.0.0:8000\"\n[store]\npath = \"/tmp/a.db\"\n");
  CHECK(config.server.address == "0.0.0.0");
  CHECK(config.server.port == 8000);
  CHECK(config.store.path == "/tmp/a.db");
  CHECK_FALSE(config.auth0_pull.has_value());
}

TEST_CASE("a full file sets every key") {
  const Config c = good(kFullFile);
  CHECK(c.log.level == "debug");
  CHECK(c.server.listen == "[::1]:9555");
  CHECK(c.server.address == "::1");
  CHECK(c.server.port == 9555);
  CHECK(c.server.max_body_bytes == 1048576);
  CHECK(c.server.read_timeout == 5000);
  CHECK(c.server.write_timeout == 6000);
  CHECK(c.server.idle_timeout == 2 * kMinuteMs);
  CHECK(c.server.max_connections == 32);
  REQUIRE(c.auth0_pull.has_value());
  CHECK(c.auth0_pull->base_url == "https://tenant.eu.auth0.com");
  CHECK(c.auth0_pull->audience == "https://tenant.eu.auth0.com/api/v2/custom");
  CHECK(c.auth0_pull->client_id == "m2m-id");
  CHECK(c.auth0_pull->client_secret.value == "inline-client-secret-1");
  CHECK(c.auth0_pull->client_secret.origin == "inline");
  CHECK(c.auth0_pull->poll_interval == 2000);
  CHECK(c.auth0_pull->start.kind == StartPosition::Kind::look_back);
  CHECK(c.auth0_pull->start.look_back == 24 * kHourMs);
  CHECK(c.auth0_pull->page_size == 50);
  CHECK(c.auth0_pull->request_timeout == 15000);
  REQUIRE(c.log_stream.has_value());
  CHECK(c.log_stream->token.value == "inline-stream-token-2");
  CHECK(c.relock.webhook_secret.value == "inline-webhook-secret-3");
  CHECK(c.relock.events_url == "https://relock.example.com/v1/events?tenant=a");
  CHECK(c.relock.api_key.value == "inline-api-key-4");
  CHECK(c.relock.poll_interval == 500);
  CHECK(c.relock.request_timeout == kMinuteMs);
  CHECK(c.store.path == "/tmp/x.db");
  CHECK(c.store.synchronous_full);
  CHECK(c.store.alert_retention == 7 * kDayMs);
  const CorrelatorParams& p = c.correlator;
  CHECK(p.correlation_window == 90 * kSecondMs);
  CHECK(p.failure_window == 12 * kHourMs);
  CHECK(p.failure_threshold == 5);
  CHECK(p.medium_risk_score == 35);
  CHECK(p.high_risk_score == 80);
  CHECK(p.device_trust_ttl == 14 * kDayMs);
  CHECK(p.suppression_period == 0);
  CHECK(p.allowed_lateness == kMinuteMs);
  CHECK(p.max_source_lag == 2 * kHourMs);
  CHECK(p.max_clock_skew == 90 * kSecondMs);
  CHECK(p.max_users == 5000);
  CHECK(p.max_events_per_user == 8);
  CHECK(p.max_sessions_per_user == 4);
  CHECK(p.join_on_email);
  CHECK(p.weights.ip_change == 0);
  CHECK(p.weights.user_agent_change == 10);
  CHECK(p.weights.low_device_trust == 1000);
  CHECK(p.weights.recent_failures == 5);
  REQUIRE(c.sinks.files.size() == 2);
  CHECK(c.sinks.files[1].path == "/tmp/b.jsonl");
  REQUIRE(c.sinks.stdouts.size() == 1);
  CHECK(c.sinks.stdouts[0].pretty);
}

TEST_CASE("render_effective_config: valid TOML, loads back equal, secrets redacted") {
  const Config config = good(kFullFile);
  const std::string text = render_effective_config(config);
  for (const char* secret : {"inline-client-secret-1", "inline-stream-token-2",
                             "inline-webhook-secret-3", "inline-api-key-4"}) {
    CHECK_FALSE(contains(text, secret));
  }
  CHECK(contains(text, "client_secret = \"<redacted>\"  # inline in the configuration file"));
  check_round_trip(config);
  // Defaults are listed too.
  const std::string defaults = render_effective_config(good(""));
  for (const char* key :
       {"listen = \"127.0.0.1:9464\"", "max_users = 1000000", "recent_failures = 25",
        "alert_retention = \"30d\"", "level = \"info\""}) {
    CHECK(contains(defaults, key));
  }
}

TEST_CASE("listen forms") {
  CHECK(good("[server]\nlisten = \"127.0.0.1:0\"").server.port == 0);
  CHECK(good("[server]\nlisten = \"localhost:9464\"").server.address == "localhost");
  CHECK(good("[server]\nlisten = \"[::]:80\"").server.address == "::");
  for (const char* bad : {"127.0.0.1", "::1:9464", "[::1]9464", "[::1:9464", "host:99999", ":9464",
                          "[zz]:1", "a b:1", "1.2.3:80", "h:", "h:-1", ""}) {
    CAPTURE(bad);
    const ConfigError e = only_error(load(std::string("[server]\nlisten = \"") + bad + "\"\n"));
    CHECK(e.key == "server.listen");
    CHECK(e.line == 2);
  }
}

TEST_CASE("unknown keys are errors with their dotted key and line") {
  const ConfigLoad result = load(
      "colour = 1\n"               // 1
      "[server]\n"                 // 2
      "lisen = \"127.0.0.1:1\"\n"  // 3
      "[correlator.weights]\n"     // 4
      "geo = 5\n"                  // 5
      "[[sinks.file]]\n"           // 6
      "path = \"/a\"\n"            // 7
      "[[sinks.file]]\n"           // 8
      "path = \"/b\"\n"            // 9
      "pathh = \"/c\"\n"           // 10
      "[[sinks.pager]]\n"          // 11
      "url = \"https://x\"\n");    // 12
  const std::vector<std::string> m = messages(result);
  REQUIRE(m.size() == 5);
  CHECK(m[0] == "test.toml:1:1: colour: unknown key");
  CHECK(m[1] == "test.toml:3:1: server.lisen: unknown key (did you mean \"listen\"?)");
  CHECK(m[2] == "test.toml:5:1: correlator.weights.geo: unknown key");
  CHECK(m[3] == "test.toml:10:1: sinks.file.pathh: unknown key (did you mean \"path\"?)");
  CHECK(contains(m[4], ":11:"));
  CHECK(contains(m[4], "sinks.pager: unknown key"));
}

TEST_CASE("wrong types are errors naming the expected type") {
  CHECK(only_error(load("[server]\nread_timeout = 10\n")).message ==
        "expected a string duration like \"10s\", got integer");
  CHECK(only_error(load("[server]\nmax_connections = \"10\"\n")).message ==
        "expected an integer, got string");
  CHECK(only_error(load("[server]\nmax_connections = 1.5\n")).message ==
        "expected an integer, got floating-point number");
  CHECK(only_error(load("[log]\nlevel = true\n")).message == "expected a string, got boolean");
  CHECK(only_error(load("[correlator]\njoin_on_email = \"yes\"\n")).message ==
        "expected a boolean (true or false), got string");
  CHECK(only_error(load("server = 5\n")).message == "expected a table ([server]), got integer");
  CHECK(contains(only_error(load("[sinks.file]\npath = \"/a\"\n")).message,
                 "expected an array of tables ([[sinks.file]]), got table"));
  CHECK(only_error(load("[auth0.log_stream]\ntoken = 42\n")).message ==
        "expected a string, got integer");
}

TEST_CASE("out-of-range values state the allowed range") {
  CHECK(only_error(load("[auth0]\nbase_url = \"https://a.b\"\nclient_id = \"i\"\n"
                        "client_secret = \"s\"\npage_size = 0\n"))
            .message == "must be between 1 and 100, got 0");
  CHECK(only_error(load("[server]\nmax_body_bytes = 1023\n")).message ==
        "must be between 1024 and 1073741824, got 1023");
  CHECK(only_error(load("[correlator.weights]\nip_change = 1001\n")).message ==
        "must be between 0 and 1000, got 1001");
  CHECK(only_error(load("[correlator.weights]\nip_change = -1\n")).key ==
        "correlator.weights.ip_change");
  CHECK(only_error(load("[correlator]\nmax_events_per_user = 7\n")).message ==
        "must be at least 8, got 7");
  CHECK(only_error(load("[correlator]\nfailure_threshold = 0\n")).message ==
        "must be at least 1, got 0");
  CHECK(contains(only_error(load("[correlator]\nmax_users = 99999999999\n")).message,
                 "must be at most"));
  CHECK(contains(only_error(load("[relock]\npoll_interval = \"50ms\"\n")).message,
                 "must be between 100ms and 1d, got \"50ms\""));
  CHECK(contains(only_error(load("[correlator]\nmedium_risk_score = 75\n")).message,
                 "must not be greater than high_risk_score"));
  CHECK(good("[correlator]\nmedium_risk_score = 70\n").correlator.medium_risk_score == 70);
  CHECK(contains(only_error(load("[log]\nlevel = \"verbose\"\n")).message,
                 "expected one of \"error\", \"warn\", \"info\", \"debug\""));
  CHECK(only_error(load("[store]\nsynchronous = \"off\"\n")).key == "store.synchronous");
}

TEST_CASE("bad durations") {
  for (const char* bad : {"10", "5x", "", "-5s", "1 h"}) {
    CAPTURE(bad);
    const ConfigError e =
        only_error(load(std::string("[correlator]\ncorrelation_window = \"") + bad + "\"\n"));
    CHECK(e.key == "correlator.correlation_window");
    CHECK(contains(e.message, "invalid duration"));
  }
  CHECK(contains(only_error(load("[correlator]\ncorrelation_window = \"0s\"\n")).message,
                 "must be between 1ms"));
}

TEST_CASE("auth0: start positions") {
  const std::string head =
      "[auth0]\nbase_url = \"https://a.b\"\nclient_id = \"i\"\n"
      "client_secret = \"s\"\n";
  CHECK(good(head).auth0_pull->start.kind == StartPosition::Kind::now);
  CHECK(good(head + "start = \"beginning\"").auth0_pull->start.kind ==
        StartPosition::Kind::beginning);
  CHECK(good(head + "start = \"-30m\"").auth0_pull->start.look_back == 30 * kMinuteMs);
  for (const char* bad : {"-", "24h", "yesterday", "-5x", ""}) {
    CAPTURE(bad);
    CHECK(only_error(load(head + "start = \"" + bad + "\"")).key == "auth0.start");
  }
}

TEST_CASE("auth0: base_url and domain rules") {
  const std::string rest = "client_id = \"i\"\nclient_secret = \"s\"\n";
  const auto pull = [&](const std::string& line) { return load("[auth0]\n" + line + "\n" + rest); };
  for (const char* url : {"http://127.0.0.2:8080", "http://[::1]:1", "http://LOCALHOST",
                          "https://example.com", "HTTPS://a.b:8443/prefix"}) {
    CAPTURE(url);
    CHECK(pull(std::string("base_url = \"") + url + "\"").errors.empty());
  }
  const Config c = good("[auth0]\nbase_url = \"https://a.example/\"\n" + rest);
  CHECK(c.auth0_pull->base_url == "https://a.example");
  CHECK(c.auth0_pull->audience == "https://a.example/api/v2/");
  const ConfigError clear = only_error(pull("base_url = \"http://example.com:8080\""));
  CHECK(clear.key == "auth0.base_url");
  CHECK(contains(clear.message, "only allowed for loopback hosts"));
  CHECK(contains(only_error(pull("base_url = \"http://128.0.0.1\"")).message, "loopback"));
  CHECK(contains(only_error(pull("base_url = \"ftp://a.b\"")).message, "https://"));
  const ConfigError userinfo = only_error(pull("base_url = \"https://u:pw-9@a.b\""));
  CHECK_FALSE(contains(to_string(userinfo), "pw-9"));
  CHECK(only_error(pull("base_url = \"https://a.b/?x=1\"")).key == "auth0.base_url");
  CHECK(only_error(pull("domain = \"https://tenant.auth0.com\"")).key == "auth0.domain");
  CHECK(only_error(pull("domain = \"tenant.auth0.com/x\"")).key == "auth0.domain");
  CHECK(contains(only_error(pull("domain = \"a.b\"\nbase_url = \"https://a.b\"")).message,
                 "not both"));
}

TEST_CASE("auth0: pulling needs client_id and a secret; a log stream alone is push only") {
  const ConfigLoad missing = load("\n[auth0]\ndomain = \"t.auth0.com\"\n");
  const std::vector<std::string> m = messages(missing);
  REQUIRE(m.size() == 2);
  CHECK(m[0] == "test.toml:2:1: auth0.client_id: is required for pulling");
  CHECK(contains(m[1], "test.toml:2:1: auth0.client_secret: a client secret is required"));
  CHECK(only_error(load("[auth0]\nclient_id = \"x\"\n")).message ==
        "auth0.domain or auth0.base_url is required for pulling");
  const Config push = good("[auth0.log_stream]\ntoken = \"t\"\n");
  CHECK_FALSE(push.auth0_pull.has_value());
  REQUIRE(push.log_stream.has_value());
  CHECK(only_error(load("[auth0.log_stream]\n")).key == "auth0.log_stream.token");
}

TEST_CASE("relock: events_url needs api_key, empty webhook_secret disables the endpoint") {
  CHECK(good("[relock]\nwebhook_secret = \"\"\n").relock.webhook_secret.empty());
  CHECK(only_error(load("[relock]\nevents_url = \"https://r.example/events\"\n")).key ==
        "relock.api_key");
  CHECK(only_error(load("[relock]\napi_key = \"k\"\n")).key == "relock.events_url");
  CHECK(contains(only_error(load("[relock]\nevents_url = \"http://r.example/e\"\napi_key = "
                                 "\"k\"\n"))
                     .message,
                 "API key"));
  const Config c = good("[relock]\nevents_url = \"http://127.0.0.1:9/e\"\napi_key = \"k\"\n");
  CHECK(c.relock.events_url == "http://127.0.0.1:9/e");
}

TEST_CASE("secrets from file, environment and systemd credential") {
  TempDir dir;
  const std::string file = dir.write("client_secret", "from-file-secret\n\n");
  const std::string empty = dir.write("empty", " \n");
  dir.write("cred_token", "from-credential-token\r\n");
  const EnvLookup env = env_of(
      {{"HOOK", "from-env-hook"}, {"BLANK", ""}, {"CREDENTIALS_DIRECTORY", dir.path.string()}});
  const Config c = good(
      "[auth0]\ndomain = \"t.auth0.com\"\nclient_id = \"i\"\n"
      "client_secret_file = \"" +
          file +
          "\"\n"
          "[auth0.log_stream]\ntoken_credential = \"cred_token\"\n"
          "[relock]\nwebhook_secret_env = \"HOOK\"\n",
      env);
  CHECK(c.auth0_pull->client_secret.value == "from-file-secret");
  CHECK(c.auth0_pull->client_secret.origin == "file " + file);
  CHECK(c.log_stream->token.value == "from-credential-token");
  CHECK(c.log_stream->token.origin == "credential cred_token");
  CHECK(c.relock.webhook_secret.value == "from-env-hook");
  CHECK(c.relock.webhook_secret.origin == "environment HOOK");
  const std::string rendered = render_effective_config(c);
  for (const char* secret : {"from-file-secret", "from-credential-token", "from-env-hook"}) {
    CHECK_FALSE(contains(rendered, secret));
  }
  CHECK(contains(rendered, "# from credential cred_token"));

  const auto hook = [&](const std::string& line, const EnvLookup& e) {
    return only_error(load("[relock]\n" + line + "\n", e));
  };
  const ConfigError missing = hook("webhook_secret_file = \"" + dir.path.string() + "/nope\"", env);
  CHECK(missing.key == "relock.webhook_secret_file");
  CHECK(contains(missing.message, dir.path.string() + "/nope"));
  CHECK(contains(hook("webhook_secret_file = \"" + empty + "\"", env).message, "is empty"));
  CHECK(contains(hook("webhook_secret_file = \"" + dir.path.string() + "\"", env).message,
                 "directory"));
  CHECK(contains(hook("webhook_secret_env = \"UNSET\"", env).message, "UNSET is not set"));
  CHECK(contains(hook("webhook_secret_env = \"BLANK\"", env).message, "BLANK is empty"));
  CHECK(contains(hook("webhook_secret_credential = \"cred_token\"", kNoEnv).message,
                 "CREDENTIALS_DIRECTORY"));
  CHECK(contains(hook("webhook_secret_credential = \"../cred_token\"", env).message, "'/'"));
  CHECK(contains(hook("webhook_secret_credential = \"absent\"", env).message, "absent"));
  const ConfigError two =
      hook("webhook_secret = \"inline-two\"\nwebhook_secret_env = \"HOOK\"", env);
  CHECK(contains(two.message, "only one way"));
  CHECK(contains(two.message, "webhook_secret, webhook_secret_env"));
  CHECK_FALSE(contains(to_string(two), "inline-two"));
}

TEST_CASE("many errors at once, in file order, with their lines; no secret in any of them") {
  TempDir dir;
  const std::string secret_file = dir.write("s", "file-secret-value\n");
  const EnvLookup env = env_of({{"TOKEN_VAR", "env-secret-value"}});
  const std::string text =
      "[server]\n"                                 // 1
      "listen = \"nowhere\"\n"                     // 2
      "idle_timeout = 60\n"                        // 3
      "[auth0]\n"                                  // 4
      "base_url = \"http://tenant.example\"\n"     // 5
      "client_id = \"i\"\n"                        // 6
      "client_secret = \"inline-secret-value\"\n"  // 7
      "client_secret_file = \"" +
      secret_file +
      "\"\n"                              // 8
      "page_size = 1000\n"                // 9
      "[auth0.log_stream]\n"              // 10
      "token_env = \"TOKEN_VAR\"\n"       // 11
      "tokn = \"inline-secret-value\"\n"  // 12
      "[correlator]\n"                    // 13
      "failure_window = \"1x\"\n"         // 14
      "[[sinks.stdout]]\n"                // 15
      "pretty = \"no\"\n";                // 16
  const ConfigLoad result = load(text, env);
  CHECK_FALSE(result.config.has_value());
  std::vector<std::size_t> lines;
  for (const ConfigError& e : result.errors)
    lines.push_back(e.line);
  CHECK(lines == std::vector<std::size_t>{2, 3, 5, 8, 9, 12, 14, 16});
  for (const std::string& m : messages(result)) {
    CAPTURE(m);
    CHECK(contains(m, "test.toml:"));
    for (const char* secret : {"inline-secret-value", "file-secret-value", "env-secret-value"}) {
      CHECK_FALSE(contains(m, secret));
    }
  }
}

TEST_CASE("TOML syntax errors carry line and column") {
  const ConfigError e =
      only_error(load("[server]\nlisten = \"127.0.0.1:1\"\nmax_connections = \n"));
  CHECK(e.line == 3);
  CHECK(e.column > 0);
  CHECK(contains(e.message, "TOML syntax error"));
  CHECK(contains(to_string(e), "test.toml:3:"));
  const ConfigError secret = only_error(load("[relock]\nwebhook_secret = s3cr3t-unquoted\n"));
  CHECK_FALSE(contains(to_string(secret), "s3cr3t"));
}

TEST_CASE("ca_file must exist") {
  TempDir dir;
  const std::string bundle = dir.write("ca.pem", "-----BEGIN CERTIFICATE-----\n");
  CHECK(good("[relock]\nca_file = \"" + bundle + "\"\n").relock.ca_file == bundle);
  const ConfigError e = only_error(load("[relock]\nca_file = \"/nonexistent/ca.pem\"\n"));
  CHECK(e.key == "relock.ca_file");
  CHECK(contains(e.message, "/nonexistent/ca.pem"));
}

TEST_CASE("load_config_file: an unreadable file is one error naming it; a real file loads") {
  const ConfigLoad missing = load_config_file("/nonexistent/authcorrd.toml", kNoEnv);
  REQUIRE(missing.errors.size() == 1);
  CHECK(contains(to_string(missing.errors[0]), "/nonexistent/authcorrd.toml"));
  TempDir dir;
  const std::string path = dir.write("a.toml", "[log]\nlevel = \"warn\"\nbogus = 1\n");
  const ConfigLoad loaded = load_config_file(path, kNoEnv);
  REQUIRE(loaded.errors.size() == 1);
  CHECK(to_string(loaded.errors[0]) == path + ":3:1: log.bogus: unknown key");
  CHECK(to_string(ConfigError{"f", 0, 0, "k", "m"}) == "f: k: m");
}

TEST_CASE("process_environment reads the process environment") {
  ::setenv("AUTHCORRD_CONFIG_TEST_VAR", "value", 1);
  const EnvLookup env = process_environment();
  CHECK(env("AUTHCORRD_CONFIG_TEST_VAR") == std::optional<std::string>("value"));
  CHECK_FALSE(env("AUTHCORRD_CONFIG_TEST_UNSET_VAR").has_value());
  ::unsetenv("AUTHCORRD_CONFIG_TEST_VAR");
}

TEST_CASE("etc/authcorrd.toml loads without errors and round-trips") {
  const ConfigLoad result =
      load_config_file(std::string(AUTHCORRD_ETC_DIR) + "/authcorrd.toml", kNoEnv);
  for (const std::string& m : messages(result))
    MESSAGE(m);
  REQUIRE(result.errors.empty());
  REQUIRE(result.config.has_value());
  CHECK(result.config->server.listen == "127.0.0.1:9464");
  check_round_trip(*result.config);
}

}  // namespace
}  // namespace authcorrd
