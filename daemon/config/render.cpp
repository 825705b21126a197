// render_effective_config(): the configuration as the daemon will use it, as TOML that loads back
// into the same configuration. Secrets are replaced by "<redacted>" with their origin in a
// comment, so the output can be pasted into a ticket.

#include <string>

#include <fmt/format.h>

#include "daemon/config/config_detail.hpp"

namespace authcorrd {
namespace {

using config_detail::printable;

constexpr std::string_view kRedacted = "<redacted>";

// A TOML basic string.
std::string quote(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (byte < 0x20 || byte == 0x7f) {
          out += fmt::format("\\u{:04X}", static_cast<unsigned>(byte));
        } else {
          out += c;
        }
    }
  }
  out += '"';
  return out;
}

class Writer {
 public:
  void table(std::string_view name, std::string_view comment = {}) {
    if (!out_.empty()) out_ += '\n';
    out_ += fmt::format("[{}]\n", name);
    if (!comment.empty()) line_comment(comment);
  }
  void array_entry(std::string_view name) {
    if (!out_.empty()) out_ += '\n';
    out_ += fmt::format("[[{}]]\n", name);
  }
  void blank_line() { out_ += '\n'; }
  void line_comment(std::string_view text) { out_ += fmt::format("# {}\n", printable(text)); }
  void string(std::string_view key, std::string_view value) {
    out_ += fmt::format("{} = {}\n", key, quote(value));
  }
  void integer(std::string_view key, long long value) {
    out_ += fmt::format("{} = {}\n", key, value);
  }
  void boolean(std::string_view key, bool value) {
    out_ += fmt::format("{} = {}\n", key, value ? "true" : "false");
  }
  void duration(std::string_view key, TimeMs value) { string(key, format_duration(value)); }
  void filter(const AlertFilter& filter) {
    string("min_severity", to_string(filter.min_severity));
    std::string types;
    for (const AlertType type : filter.types) {
      types += fmt::format("{}{}", types.empty() ? "" : ", ", quote(to_string(type)));
    }
    out_ += fmt::format("types = [{}]{}\n", types, filter.types.empty() ? "  # every type" : "");
  }
  // The value never reaches the output; only whether there is one and where it came from.
  void secret(std::string_view key, const Secret& secret, std::string_view when_empty) {
    if (secret.empty()) {
      out_ += fmt::format("{} = \"\"  # {}\n", key, printable(when_empty));
    } else {
      const std::string origin = secret.origin == "inline"
                                     ? std::string("inline in the configuration file")
                                     : fmt::format("from {}", printable(secret.origin));
      out_ += fmt::format("{} = {}  # {}\n", key, quote(kRedacted), origin);
    }
  }
  std::string take() { return std::move(out_); }

 private:
  std::string out_;
};

std::string format_start(const StartPosition& start) {
  switch (start.kind) {
    case StartPosition::Kind::now:
      return "now";
    case StartPosition::Kind::beginning:
      return "beginning";
    case StartPosition::Kind::look_back:
      return fmt::format("-{}", format_duration(start.look_back));
  }
  return "now";
}

void render_auth0(Writer& w, const Config& config) {
  if (config.auth0_pull) {
    const Auth0PullConfig& pull = *config.auth0_pull;
    w.table("auth0", "Pulling logs from the Auth0 Management API.");
    w.string("base_url", pull.base_url);
    w.string("client_id", pull.client_id);
    w.secret("client_secret", pull.client_secret, "not set");
    w.string("audience", pull.audience);
    w.duration("poll_interval", pull.poll_interval);
    w.string("start", format_start(pull.start));
    w.integer("page_size", pull.page_size);
    w.duration("request_timeout", pull.request_timeout);
    w.string("ca_file", pull.ca_file);
  } else {
    w.table("auth0", "Pulling is off: neither domain nor base_url is set.");
  }
  if (config.log_stream) {
    w.table("auth0.log_stream", "POST /ingest/auth0 is enabled.");
    w.secret("token", config.log_stream->token, "not set");
  } else {
    w.line_comment("No [auth0.log_stream]: POST /ingest/auth0 is disabled.");
  }
}

void render_relock(Writer& w, const RelockConfig& relock) {
  w.table("relock");
  w.secret("webhook_secret", relock.webhook_secret, "not set: POST /ingest/relock is disabled");
  w.string("events_url", relock.events_url);
  if (relock.events_url.empty()) w.line_comment("events_url is empty: the Relock poller is off.");
  w.secret("api_key", relock.api_key, "not set");
  w.duration("poll_interval", relock.poll_interval);
  w.duration("request_timeout", relock.request_timeout);
  w.string("ca_file", relock.ca_file);
}

void render_correlator(Writer& w, const CorrelatorParams& p) {
  w.table("correlator");
  w.duration("correlation_window", p.correlation_window);
  w.duration("failure_window", p.failure_window);
  w.integer("failure_threshold", p.failure_threshold);
  w.integer("medium_risk_score", p.medium_risk_score);
  w.integer("high_risk_score", p.high_risk_score);
  w.duration("device_trust_ttl", p.device_trust_ttl);
  w.duration("suppression_period", p.suppression_period);
  w.duration("allowed_lateness", p.allowed_lateness);
  w.duration("max_source_lag", p.max_source_lag);
  w.duration("max_clock_skew", p.max_clock_skew);
  w.integer("max_users", static_cast<long long>(p.max_users));
  w.integer("max_events_per_user", static_cast<long long>(p.max_events_per_user));
  w.integer("max_sessions_per_user", static_cast<long long>(p.max_sessions_per_user));
  w.boolean("join_on_email", p.join_on_email);

  w.table("correlator.weights");
  w.integer("ip_change", p.weights.ip_change);
  w.integer("user_agent_change", p.weights.user_agent_change);
  w.integer("low_device_trust", p.weights.low_device_trust);
  w.integer("recent_failures", p.weights.recent_failures);
}

}  // namespace

std::string render_effective_config(const Config& config) {
  Writer w;
  w.line_comment(fmt::format("Effective configuration of authcorrd, loaded from {}.",
                             config.source.empty() ? "(unnamed)" : config.source));
  w.line_comment("Every key with the value in use (defaults included); secrets are redacted.");

  w.table("log");
  w.string("level", config.log.level);
  w.string("format", config.log.format);

  const ServerConfig& server = config.server;
  w.table("server");
  w.string("listen", server.listen);
  w.integer("max_body_bytes", static_cast<long long>(server.max_body_bytes));
  w.duration("read_timeout", server.read_timeout);
  w.duration("write_timeout", server.write_timeout);
  w.duration("idle_timeout", server.idle_timeout);
  w.integer("max_connections", static_cast<long long>(server.max_connections));

  render_auth0(w, config);
  render_relock(w, config.relock);

  w.table("store");
  w.string("path", config.store.path);
  w.string("synchronous", config.store.synchronous_full ? "full" : "normal");
  w.duration("alert_retention", config.store.alert_retention);

  render_correlator(w, config.correlator);

  w.table("api", "POST /v1/risk for Auth0 Actions; without a token it answers 404.");
  w.secret("token", config.api.tokens, "not set: /v1/risk disabled");
  w.integer("mfa_score", config.api.mfa_score);
  w.integer("deny_score", config.api.deny_score);
  w.integer("rate_limit", config.api.rate_limit);
  w.integer("risk_assessment_low", config.api.risk_assessment_low);
  w.integer("risk_assessment_medium", config.api.risk_assessment_medium);

  for (const FileSinkConfig& file : config.sinks.files) {
    w.array_entry("sinks.file");
    w.string("path", file.path);
  }
  for (const StdoutSinkConfig& sink : config.sinks.stdouts) {
    w.array_entry("sinks.stdout");
    w.boolean("pretty", sink.pretty);
  }
  for (const WebhookSinkConfig& sink : config.sinks.webhooks) {
    w.array_entry("sinks.webhook");
    w.string("name", sink.name);
    w.string("url", sink.url);
    w.secret("secret", sink.secret, "not set");
    w.filter(sink.filter);
    w.duration("timeout", sink.timeout);
    w.duration("retry_initial", sink.retry_initial);
    w.duration("retry_max_interval", sink.retry_max_interval);
    w.duration("max_age", sink.max_age);
    w.integer("max_outbox", static_cast<long long>(sink.max_outbox));
    w.string("ca_file", sink.ca_file);
  }
  for (const AlertmanagerSinkConfig& sink : config.sinks.alertmanagers) {
    w.array_entry("sinks.alertmanager");
    w.string("name", sink.name);
    w.string("url", sink.url);
    w.filter(sink.filter);
    w.duration("resend_interval", sink.resend_interval);
    w.duration("timeout", sink.timeout);
    w.string("generator_url", sink.generator_url);
    w.string("ca_file", sink.ca_file);
  }
  const SinksConfig& sinks = config.sinks;
  if (sinks.files.empty() && sinks.stdouts.empty() && sinks.webhooks.empty() &&
      sinks.alertmanagers.empty()) {
    w.blank_line();
    w.line_comment("No [[sinks.*]] configured: alerts are recorded in the store only.");
  }
  return w.take();
}

}  // namespace authcorrd
