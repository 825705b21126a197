// The output sections of the configuration: [[sinks.file]], [[sinks.stdout]],
// [[sinks.webhook]] and [[sinks.alertmanager]].

#include <fmt/format.h>

#include <set>

#include "daemon/config/config_detail.hpp"
#include "sinks/webhook_signature.hpp"

namespace authcorrd::config_detail {
namespace {

constexpr TimeMs kMaxRequestTimeout = 5 * kMinuteMs;

// Sink names become metric label values and outbox keys: keep them short and plain.
bool is_sink_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (const char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

// name = "..." or "<kind>", "<kind>2", ... by position; unique within the kind.
std::string read_sink_name(Section& entry, std::string_view kind, std::size_t index,
                           std::set<std::string, std::less<>>& taken) {
  std::string name = index == 0 ? std::string(kind) : fmt::format("{}{}", kind, index + 1);
  if (std::optional<std::string> given = entry.get_string("name")) {
    if (!is_sink_name(*given)) {
      entry.error("name", fmt::format("invalid name \"{}\": use 1 to 64 of a-z, 0-9, '_', '-'",
                                      printable(*given)));
    } else {
      name = std::move(*given);
    }
  }
  if (!taken.insert(name).second) {
    entry.error_here(
        fmt::format("the name \"{}\" is used by another [[sinks.{}]]; give each a "
                    "distinct name",
                    name, kind));
  }
  return name;
}

std::optional<AlertType> alert_type_named(std::string_view name) {
  for (std::size_t i = 0; i < kAlertTypeCount; ++i) {
    const auto type = static_cast<AlertType>(i);
    if (to_string(type) == name) return type;
  }
  return std::nullopt;
}

void read_filter(Section& entry, AlertFilter& out) {
  if (auto severity = entry.get_enum("min_severity", {"low", "medium", "high", "critical"})) {
    for (const Severity s : {Severity::low, Severity::medium, Severity::high, Severity::critical}) {
      if (to_string(s) == *severity) out.min_severity = s;
    }
  }
  const toml::node* node = entry.take("types");
  if (node == nullptr) return;
  const toml::array* array = node->as_array();
  if (array == nullptr) {
    entry.error("types", fmt::format("expected an array of alert type names, got {}",
                                     type_name(node->type())));
    return;
  }
  for (const toml::node& item : *array) {
    const std::optional<std::string_view> text = item.value<std::string_view>();
    const std::optional<AlertType> type = text ? alert_type_named(*text) : std::nullopt;
    if (!type) {
      std::string known;
      for (std::size_t i = 0; i < kAlertTypeCount; ++i) {
        known += fmt::format("{}{}", i == 0 ? "" : ", ", to_string(static_cast<AlertType>(i)));
      }
      entry.error(
          "types",
          fmt::format("unknown alert type {}: expected some of {}",
                      text ? fmt::format("\"{}\"", printable(*text)) : "(not a string)", known));
      return;
    }
    out.types.push_back(*type);
  }
}

// url is required; `what` names what would travel in clear text over http.
void read_sink_url(Section& entry, std::string_view kind, bool allow_query, std::string_view what,
                   std::string& out) {
  const bool has_url = entry.has("url");
  if (std::optional<std::string> url = entry.get_string("url")) {
    std::string problem = check_url(*url, allow_query, what);
    if (problem.empty()) {
      out = std::move(*url);
    } else {
      entry.error("url", std::move(problem));
    }
  }
  if (!has_url) {
    entry.errors().add(entry.where(), entry.key_path("url"),
                       fmt::format("is required in every [[sinks.{}]]", kind));
  }
}

WebhookSinkConfig read_webhook(Section& entry, std::size_t index,
                               std::set<std::string, std::less<>>& names, const EnvLookup& env) {
  WebhookSinkConfig sink;
  sink.name = read_sink_name(entry, "webhook", index, names);
  // Receivers put their own routing tokens into queries; those are never logged (only the sink
  // name is).
  read_sink_url(entry, "webhook", true, "signed alerts", sink.url);
  const SecretRead secret = read_secret(entry, "secret", env);
  if (secret.state == SecretRead::State::absent) {
    entry.errors().add(entry.where(), entry.key_path("secret"),
                       "a signing secret is required in every [[sinks.webhook]]: secret, "
                       "secret_file, secret_env or secret_credential (\"whsec_<base64>\")");
  } else if (secret.state == SecretRead::State::ok) {
    std::string problem;
    if (parse_webhook_secrets(secret.secret.value, problem)) {
      sink.secret = secret.secret;
    } else {
      entry.error("secret", fmt::format("{} ({})", problem, secret.secret.origin));
    }
  }
  read_filter(entry, sink.filter);
  entry.read_duration("timeout", sink.timeout, 100, kMaxRequestTimeout);
  entry.read_duration("retry_initial", sink.retry_initial, 10, kDayMs);
  entry.read_duration("retry_max_interval", sink.retry_max_interval, 10, kDayMs);
  entry.read_duration("max_age", sink.max_age, 1, 30 * kDayMs);
  entry.read("max_outbox", sink.max_outbox, 1, 100'000'000);
  if (sink.retry_initial > sink.retry_max_interval) {
    entry.error(
        "retry_initial",
        fmt::format("retry_initial ({}) must not be greater than retry_max_interval ({})",
                    format_duration(sink.retry_initial), format_duration(sink.retry_max_interval)));
  }
  read_ca_file(entry, sink.ca_file);
  entry.finish();
  return sink;
}

AlertmanagerSinkConfig read_alertmanager(Section& entry, std::size_t index,
                                         std::set<std::string, std::less<>>& names) {
  AlertmanagerSinkConfig sink;
  sink.name = read_sink_name(entry, "alertmanager", index, names);
  read_sink_url(entry, "alertmanager", false, "alerts (user ids)", sink.url);
  while (!sink.url.empty() && sink.url.back() == '/')
    sink.url.pop_back();
  read_filter(entry, sink.filter);
  entry.read_duration("resend_interval", sink.resend_interval, 1 * kSecondMs, kHourMs);
  entry.read_duration("timeout", sink.timeout, 100, kMaxRequestTimeout);
  entry.read("generator_url", sink.generator_url);
  read_ca_file(entry, sink.ca_file);
  entry.finish();
  return sink;
}

}  // namespace

void read_sinks(Section& root, SinksConfig& out, const EnvLookup& env) {
  Section sinks = root.get_table("sinks");
  if (const toml::array* files = sinks.get_array_of_tables("file")) {
    for (const toml::node& node : *files) {
      Section entry(node.as_table(), sinks.key_path("file"), sinks.errors());
      FileSinkConfig file;
      const bool has_path = entry.has("path");
      if (std::optional<std::string> path = entry.get_string("path")) {
        if (path->empty()) {
          entry.error("path", "must not be empty");
        } else {
          file.path = std::move(*path);
        }
      }
      if (!has_path) {
        entry.errors().add(entry.where(), entry.key_path("path"),
                           "is required in every [[sinks.file]]");
      }
      entry.finish();
      out.files.push_back(std::move(file));
    }
  }
  if (const toml::array* stdouts = sinks.get_array_of_tables("stdout")) {
    for (const toml::node& node : *stdouts) {
      Section entry(node.as_table(), sinks.key_path("stdout"), sinks.errors());
      StdoutSinkConfig sink;
      entry.read("pretty", sink.pretty);
      entry.finish();
      out.stdouts.push_back(sink);
    }
  }
  std::set<std::string, std::less<>> webhook_names;
  if (const toml::array* webhooks = sinks.get_array_of_tables("webhook")) {
    for (const toml::node& node : *webhooks) {
      Section entry(node.as_table(), sinks.key_path("webhook"), sinks.errors());
      out.webhooks.push_back(read_webhook(entry, out.webhooks.size(), webhook_names, env));
    }
  }
  std::set<std::string, std::less<>> alertmanager_names;
  if (const toml::array* managers = sinks.get_array_of_tables("alertmanager")) {
    for (const toml::node& node : *managers) {
      Section entry(node.as_table(), sinks.key_path("alertmanager"), sinks.errors());
      out.alertmanagers.push_back(
          read_alertmanager(entry, out.alertmanagers.size(), alertmanager_names));
    }
  }
  sinks.finish();
}

}  // namespace authcorrd::config_detail
