// The daemon's configuration: the TOML file of etc/authcorrd.toml, validated and resolved into
// plain structs (durations in milliseconds, secrets read from their files, environment
// variables or systemd credentials).
//
// load_config() reports every problem at once (file, line, key) instead of stopping at the
// first, and never puts a secret's value into an error message. Plain values, no threads: the
// daemon loads the configuration once on its main thread and hands copies to its parts.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "correlator/alert.hpp"
#include "correlator/event.hpp"
#include "correlator/params.hpp"

namespace authcorrd {

// A secret value and a description of where it came from ("file /etc/x", "environment
// AUTH0_SECRET", "credential auth0_client_secret", "inline"). The value is never printed: use
// origin in messages.
struct Secret {
  std::string value;
  std::string origin;
  bool empty() const noexcept { return value.empty(); }

  bool operator==(const Secret&) const = default;
};

struct ServerConfig {
  std::string listen = "127.0.0.1:9464";  // as written in the file
  std::string address = "127.0.0.1";      // host part of listen (IPv6 without brackets)
  std::uint16_t port = 9464;              // 0 = let the kernel choose (tests)
  std::size_t max_body_bytes = 5 * 1024 * 1024;
  TimeMs read_timeout = 10 * kSecondMs;   // whole request (headers and body) must arrive in it
  TimeMs write_timeout = 10 * kSecondMs;  // whole response must be taken by the client in it
  TimeMs idle_timeout = 60 * kSecondMs;   // keep-alive connection with no request
  std::size_t max_connections = 256;

  bool operator==(const ServerConfig&) const = default;
};

// Where the Auth0 poller begins when the store holds no checkpoint yet.
struct StartPosition {
  enum class Kind { now, look_back, beginning };
  Kind kind = Kind::now;
  TimeMs look_back = 0;  // for look_back: how far before the daemon's first start

  bool operator==(const StartPosition&) const = default;
};

struct Auth0PullConfig {
  std::string base_url;  // "https://tenant.eu.auth0.com" (from domain) or base_url as given
  std::string audience;  // default: base_url + "/api/v2/"
  std::string client_id;
  Secret client_secret;
  TimeMs poll_interval = 10 * kSecondMs;  // pause after an empty page
  StartPosition start;
  int page_size = 100;  // `take`, 1..100
  TimeMs request_timeout = 30 * kSecondMs;
  std::string ca_file;  // extra CA bundle for https (tests, private CAs); empty = system store

  bool operator==(const Auth0PullConfig&) const = default;
};

struct LogStreamConfig {
  Secret token;  // expected as "Authorization: Bearer <token>"

  bool operator==(const LogStreamConfig&) const = default;
};

struct RelockConfig {
  Secret webhook_secret;   // empty = /ingest/relock disabled
  std::string events_url;  // empty = no Relock pull
  Secret api_key;
  TimeMs poll_interval = 10 * kSecondMs;
  TimeMs request_timeout = 30 * kSecondMs;
  std::string ca_file;

  bool operator==(const RelockConfig&) const = default;
};

struct StoreConfig {
  std::string path = "/var/lib/authcorrd/authcorrd.db";
  bool synchronous_full = false;  // PRAGMA synchronous=FULL (power-loss safe) instead of NORMAL
  TimeMs alert_retention = 30 * kDayMs;  // emitted alert ids are remembered this long

  bool operator==(const StoreConfig&) const = default;
};

struct FileSinkConfig {
  std::string path;

  bool operator==(const FileSinkConfig&) const = default;
};

struct StdoutSinkConfig {
  bool pretty = false;  // false: one alert contract JSON line per alert

  bool operator==(const StdoutSinkConfig&) const = default;
};

// Which alerts a sink takes: at least min_severity and, when `types` is not empty, one of them.
struct AlertFilter {
  Severity min_severity = Severity::low;
  std::vector<AlertType> types;  // empty = every type
  bool matches(AlertType type, Severity severity) const {
    if (severity < min_severity) return false;
    if (types.empty()) return true;
    for (const AlertType wanted : types) {
      if (wanted == type) return true;
    }
    return false;
  }

  bool operator==(const AlertFilter&) const = default;
};

// [[sinks.webhook]]: signed (Standard Webhooks) deliveries through the durable SQLite outbox.
struct WebhookSinkConfig {
  std::string name;  // unique among webhook sinks: outbox key and metric label
  std::string url;   // https://, or http:// to a loopback host
  // One or more "whsec_<base64>" secrets separated by whitespace; each signs every delivery
  // (several during key rotation). Validated: base64 of 24..64 bytes.
  Secret secret;
  AlertFilter filter;
  TimeMs timeout = 15 * kSecondMs;             // one delivery attempt, connect to response
  TimeMs retry_initial = 5 * kSecondMs;        // first retry delay; doubles per attempt (jittered)
  TimeMs retry_max_interval = 10 * kMinuteMs;  // cap of the retry delay and endpoint pause
  TimeMs max_age = 24 * kHourMs;               // then the delivery moves to the dead letters
  std::size_t max_outbox = 100000;             // pending deliveries kept; beyond: dead letters
  std::string ca_file;

  bool operator==(const WebhookSinkConfig&) const = default;
};

// [[sinks.alertmanager]]: POST /api/v2/alerts, re-sent while active.
struct AlertmanagerSinkConfig {
  std::string name;  // unique among Alertmanager sinks: metric label
  std::string url;   // base URL, e.g. "http://127.0.0.1:9093"; the sink appends /api/v2/alerts
  AlertFilter filter;
  TimeMs resend_interval = 1 * kMinuteMs;  // active alerts are re-sent this often
  TimeMs timeout = 10 * kSecondMs;
  // generatorURL of each alert; "{id}" and "{type}" are replaced. Empty: the daemon's own
  // http://<hostname>:<port>/metrics (run.cpp).
  std::string generator_url;
  std::string ca_file;

  bool operator==(const AlertmanagerSinkConfig&) const = default;
};

struct SinksConfig {
  std::vector<FileSinkConfig> files;
  std::vector<StdoutSinkConfig> stdouts;
  std::vector<WebhookSinkConfig> webhooks;
  std::vector<AlertmanagerSinkConfig> alertmanagers;

  bool operator==(const SinksConfig&) const = default;
};

// [api]: the synchronous risk API (POST /v1/risk) that Auth0 Actions call during a login.
struct ApiConfig {
  // One bearer token per line or whitespace-separated: each is a client with its own rate
  // limit. Empty = /v1/risk answers 404.
  Secret tokens;
  int mfa_score = 40;    // decision "mfa" from this score
  int deny_score = 0;    // decision "deny" from this score; 0 = never deny
  int rate_limit = 200;  // requests per second per client token (and its burst)
  // Score added when Auth0's riskAssessment.confidence is "low" / "medium" (factor
  // auth0_risk_assessment); "high" and "neutral" add nothing.
  // Auth0 treats "low" confidence as "require MFA": the default alone reaches mfa_score.
  int risk_assessment_low = 40;
  int risk_assessment_medium = 20;

  bool operator==(const ApiConfig&) const = default;
};

struct LogConfig {
  std::string level = "info";   // error | warn | info | debug; messages go to stderr (journald)
  std::string format = "text";  // text | json (one JSON object per line)

  bool operator==(const LogConfig&) const = default;
};

struct Config {
  std::string source;  // the file it was read from
  LogConfig log;
  ServerConfig server;
  std::optional<Auth0PullConfig> auth0_pull;  // set when [auth0] configures pulling
  std::optional<LogStreamConfig> log_stream;  // set when a Log Streams token is configured
  RelockConfig relock;
  StoreConfig store;
  CorrelatorParams correlator;
  SinksConfig sinks;
  ApiConfig api;
};

struct ConfigError {
  std::string file;
  std::size_t line = 0;  // 0 when the problem has no single place (e.g. a missing key)
  std::size_t column = 0;
  std::string key;  // dotted path, e.g. "auth0.poll_interval"
  std::string message;
};

// "file:line:column: key: message" (or without line when unknown).
std::string to_string(const ConfigError& error);

struct ConfigLoad {
  std::optional<Config> config;  // set only when errors is empty
  std::vector<ConfigError> errors;
};

// Looks up an environment variable; injectable for tests.
using EnvLookup = std::function<std::optional<std::string>(std::string_view name)>;
EnvLookup process_environment();

ConfigLoad load_config_file(const std::string& path, const EnvLookup& env);
// `source_name` names the text in errors.
ConfigLoad parse_config(std::string_view toml_text, const std::string& source_name,
                        const EnvLookup& env);

// The effective configuration as TOML, every key with its value, secrets as "<redacted>" and
// their origin in a comment. What `authcorrd check-config` prints.
std::string render_effective_config(const Config& config);

// "500ms", "10s", "5m", "24h", "30d" (also combined, "1h30m"). nullopt on anything else.
std::optional<TimeMs> parse_duration(std::string_view text);
std::string format_duration(TimeMs duration);

}  // namespace authcorrd
