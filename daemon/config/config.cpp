// Loading the configuration: reading the file, parsing TOML, and the sections that are not
// inputs or outputs ([log], [server], [store], [correlator]). The input sections are in
// config_sources.cpp, [[sinks.*]] in config_sinks.cpp, secrets in secrets.cpp, value syntax in
// values.cpp.

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include <fmt/format.h>

#include "daemon/config/config_detail.hpp"

namespace authcorrd {

namespace config_detail {
namespace {

constexpr TimeMs kMaxServerTimeout = kHourMs;

}  // namespace

void read_log(Section& root, LogConfig& out) {
  Section log = root.get_table("log");
  if (auto level = log.get_enum("level", {"error", "warn", "info", "debug"})) out.level = *level;
  if (auto format = log.get_enum("format", {"text", "json"})) out.format = *format;
  log.finish();
}

void read_server(Section& root, ServerConfig& out) {
  Section server = root.get_table("server");
  if (std::optional<std::string> listen = server.get_string("listen")) {
    std::string problem;
    if (std::optional<ListenAddress> address = parse_listen(*listen, problem)) {
      out.listen = std::move(*listen);
      out.address = std::move(address->host);
      out.port = address->port;
    } else {
      server.error("listen", std::move(problem));
    }
  }
  server.read("max_body_bytes", out.max_body_bytes, 1024, 1024 * 1024 * 1024);
  server.read_duration("read_timeout", out.read_timeout, 1, kMaxServerTimeout);
  server.read_duration("write_timeout", out.write_timeout, 1, kMaxServerTimeout);
  server.read_duration("idle_timeout", out.idle_timeout, 1, kMaxServerTimeout);
  server.read("max_connections", out.max_connections, 1, 100000);
  server.finish();
}

void read_store(Section& root, StoreConfig& out) {
  Section store = root.get_table("store");
  if (std::optional<std::string> path = store.get_string("path")) {
    if (path->empty()) {
      store.error("path", "must not be empty");
    } else {
      out.path = std::move(*path);
    }
  }
  if (auto mode = store.get_enum("synchronous", {"normal", "full"})) {
    out.synchronous_full = *mode == "full";
  }
  store.read_duration("alert_retention", out.alert_retention, 1, kMaxDuration);
  store.finish();
}

void read_correlator(Section& root, CorrelatorParams& out) {
  Section section = root.get_table("correlator");
  section.read_duration("correlation_window", out.correlation_window, 1, kMaxDuration);
  section.read_duration("failure_window", out.failure_window, 1, kMaxDuration);
  section.read("failure_threshold", out.failure_threshold, 1, kUnbounded);
  const bool has_medium = section.has("medium_risk_score");
  section.read("medium_risk_score", out.medium_risk_score, 1, kUnbounded);
  section.read("high_risk_score", out.high_risk_score, 1, kUnbounded);
  if (out.medium_risk_score > out.high_risk_score) {
    // Name the key the operator wrote; with only one written, the other is the default.
    section.error(has_medium ? "medium_risk_score" : "high_risk_score",
                  fmt::format("medium_risk_score ({}) must not be greater than high_risk_score "
                              "({})",
                              out.medium_risk_score, out.high_risk_score));
  }
  section.read_duration("device_trust_ttl", out.device_trust_ttl, 1, kMaxDuration);
  section.read_duration("suppression_period", out.suppression_period, 0, kMaxDuration);
  section.read_duration("allowed_lateness", out.allowed_lateness, 0, kMaxDuration);
  section.read_duration("max_source_lag", out.max_source_lag, 1, kMaxDuration);
  section.read_duration("max_clock_skew", out.max_clock_skew, 0, kMaxDuration);
  section.read("max_users", out.max_users, 1, kUnbounded);
  section.read("max_events_per_user", out.max_events_per_user, 8, kUnbounded);
  section.read("max_sessions_per_user", out.max_sessions_per_user, 1, kUnbounded);
  section.read("join_on_email", out.join_on_email);

  Section weights = section.get_table("weights");
  weights.read("ip_change", out.weights.ip_change, 0, 1000);
  weights.read("user_agent_change", out.weights.user_agent_change, 0, 1000);
  weights.read("low_device_trust", out.weights.low_device_trust, 0, 1000);
  weights.read("recent_failures", out.weights.recent_failures, 0, 1000);
  weights.finish();
  section.finish();
}

void read_api(Section& root, ApiConfig& out, const EnvLookup& env) {
  Section api = root.get_table("api");
  const SecretRead tokens = read_secret(api, "token", env);
  if (tokens.state == SecretRead::State::ok) out.tokens = tokens.secret;
  api.read("mfa_score", out.mfa_score, 1, kUnbounded);
  api.read("deny_score", out.deny_score, 0, kUnbounded);
  api.read("rate_limit", out.rate_limit, 1, 1'000'000);
  api.read("risk_assessment_low", out.risk_assessment_low, 0, 1000);
  api.read("risk_assessment_medium", out.risk_assessment_medium, 0, 1000);
  if (out.deny_score != 0 && out.deny_score < out.mfa_score) {
    api.error("deny_score", fmt::format("deny_score ({}) must be 0 (never deny) or at least "
                                        "mfa_score ({})",
                                        out.deny_score, out.mfa_score));
  }
  api.finish();
}

}  // namespace config_detail

std::string to_string(const ConfigError& error) {
  std::string out = error.file;
  if (error.line > 0) out += fmt::format(":{}:{}", error.line, error.column);
  out += ": ";
  if (!error.key.empty()) out += fmt::format("{}: ", error.key);
  out += error.message;
  return out;
}

EnvLookup process_environment() {
  return [](std::string_view name) -> std::optional<std::string> {
    // getenv is read once at start-up, before any thread could call setenv.
    const char* value = std::getenv(std::string(name).c_str());
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

ConfigLoad parse_config(std::string_view toml_text, const std::string& source_name,
                        const EnvLookup& env) {
  using namespace config_detail;
  ErrorList errors(source_name);
  toml::table table;
  try {
    table = toml::parse(toml_text, std::string_view(source_name));
  } catch (const toml::parse_error& error) {
    // toml++ quotes at most a key name or a single character in its descriptions, never a
    // value, so a secret on the offending line is not repeated here.
    errors.add(error.source(), "", fmt::format("TOML syntax error: {}", error.description()));
    return ConfigLoad{std::nullopt, errors.take()};
  }

  Config config;
  config.source = source_name;
  Section root(&table, "", errors);
  read_log(root, config.log);
  read_server(root, config.server);
  read_auth0(root, config, env);
  read_relock(root, config.relock, env);
  read_store(root, config.store);
  read_correlator(root, config.correlator);
  read_sinks(root, config.sinks, env);
  read_api(root, config.api, env);
  root.finish();

  if (!errors.empty()) return ConfigLoad{std::nullopt, errors.take()};
  return ConfigLoad{std::move(config), {}};
}

ConfigLoad load_config_file(const std::string& path, const EnvLookup& env) {
  const auto fail = [&](int error) {
    return ConfigLoad{std::nullopt,
                      {ConfigError{path, 0, 0, "",
                                   fmt::format("cannot read the configuration "
                                               "file: {}",
                                               std::strerror(error))}}};
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail(errno);
  std::string text;
  std::array<char, 16384> buffer{};
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      ::close(fd);
      return fail(error);
    }
    if (n == 0) break;
    text.append(buffer.data(), static_cast<std::size_t>(n));
  }
  ::close(fd);
  return parse_config(text, path, env);
}

}  // namespace authcorrd
