// The Alertmanager sink (see alertmanager_sink.hpp): alert contract JSON -> Alertmanager's
// PostableAlert, the active set, and the coroutine that POSTs it.
//
// Each active alert is rendered to its PostableAlert JSON once, when it is added (its startsAt and
// endsAt never change unless a merge changes them, which re-renders it), so a re-send of the
// whole set is only string concatenation.
#include "sinks/alertmanager_sink.hpp"

#include <fmt/format.h>
#include <simdjson.h>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <unordered_map>
#include <utility>
#include <vector>

#include "daemon/http/http_client.hpp"
#include "daemon/sources/timestamp.hpp"
#include "sinks/alert_json.hpp"

namespace authcorrd {

namespace net = boost::asio;
namespace dom = simdjson::dom;
using SteadyClock = std::chrono::steady_clock;

namespace {

constexpr TimeMs kInitialBackoff = 1 * kSecondMs;
constexpr std::size_t kMaxEvidenceListed = 20;  // the annotation names the rest by count
constexpr std::size_t kMaxIdsPerEntry = 16;     // ids remembered for holds() per merged alert
constexpr std::size_t kMaxLoggedBody = 200;     // of a rejecting Alertmanager's answer

// The parts of the alert contract (docs/alerts.md) the Alertmanager alert is built from.
struct ParsedAlert {
  std::string id;
  std::string type;
  std::string severity;
  std::string user_id;
  std::string device_id;
  std::string session_id;
  std::string ip;
  std::string event_time_text;
  TimeMs event_time = 0;
  std::optional<std::int64_t> risk_score;
  std::string risk_level;
  std::vector<std::pair<std::string, std::int64_t>> risk_factors;
  std::vector<std::string> recommendations;
  std::vector<std::string> evidence;  // "auth0 fp 2025-01-01T00:00:00.000Z <id>"
};

std::optional<Severity> parse_severity(std::string_view text) {
  for (auto s : {Severity::low, Severity::medium, Severity::high, Severity::critical}) {
    if (to_string(s) == text) return s;
  }
  return std::nullopt;
}

std::optional<AlertType> parse_alert_type(std::string_view text) {
  for (std::size_t i = 0; i < kAlertTypeCount; ++i) {
    const auto type = static_cast<AlertType>(i);
    if (to_string(type) == text) return type;
  }
  return std::nullopt;
}

// The same rule as AlertFilter::matches. A type this build does not know (a newer schema) passes
// only a filter without a type list.
bool filter_takes(const AlertFilter& filter, std::string_view type_text, Severity severity) {
  if (severity < filter.min_severity) return false;
  if (filter.types.empty()) return true;
  const auto type = parse_alert_type(type_text);
  return type && std::find(filter.types.begin(), filter.types.end(), *type) != filter.types.end();
}

std::string_view title_of(std::string_view type) {
  if (type == "correlated_security_event")
    return "Failed login correlated with a Relock security event";
  if (type == "failed_login_burst") return "Burst of failed logins";
  if (type == "medium_risk_login") return "Medium-risk login";
  if (type == "high_risk_login") return "High-risk login";
  if (type == "device_compromise") return "Device compromise reported by Relock";
  if (type == "session_hijacking") return "Relock session used from another device or client";
  if (type == "unusual_activity") return "Unusual activity reported by Relock";
  return type;
}

// Throws SinkError naming the member; never quotes the alert's contents.
std::string_view required_string(dom::object object, std::string_view key) {
  std::string_view value;
  if (object[key].get(value) != simdjson::SUCCESS || value.empty())
    throw SinkError(fmt::format("member \"{}\" missing or not a non-empty string", key));
  return value;
}

std::string optional_string(dom::object object, std::string_view key) {
  dom::element element;
  if (object[key].get(element) != simdjson::SUCCESS) return {};
  std::string_view value;
  if (element.get(value) != simdjson::SUCCESS)
    throw SinkError(fmt::format("member \"{}\" is not a string", key));
  return std::string(value);
}

ParsedAlert parse_contract(dom::parser& parser, const AlertMessage& message) {
  dom::object root;
  if (parser.parse(message.json).get(root) != simdjson::SUCCESS)
    throw SinkError("not a JSON object");
  ParsedAlert out;
  out.id = optional_string(root, "id");
  if (out.id.empty()) out.id = message.id;
  if (out.id.empty()) throw SinkError("alert has no id");
  out.type = required_string(root, "type");
  out.severity = required_string(root, "severity");
  if (!parse_severity(out.severity)) throw SinkError("member \"severity\" is not a severity");
  out.user_id = required_string(root, "user_id");
  out.device_id = optional_string(root, "device_id");
  out.session_id = optional_string(root, "session_id");
  out.ip = optional_string(root, "ip");
  out.event_time_text = required_string(root, "event_time");
  const auto time = parse_timestamp(out.event_time_text);
  if (!time) throw SinkError("member \"event_time\" is not a timestamp");
  out.event_time = *time;

  dom::element risk_element;
  if (root["risk"].get(risk_element) == simdjson::SUCCESS) {
    dom::object risk;
    std::int64_t score = 0;
    if (risk_element.get(risk) != simdjson::SUCCESS ||
        risk["score"].get(score) != simdjson::SUCCESS)
      throw SinkError("member \"risk\" is not {score, level, factors}");
    out.risk_score = score;
    out.risk_level = optional_string(risk, "level");
    dom::array factors;
    if (risk["factors"].get(factors) == simdjson::SUCCESS) {
      for (dom::element item : factors) {
        dom::object factor;
        std::string_view name;
        std::int64_t factor_score = 0;
        if (item.get(factor) != simdjson::SUCCESS ||
            factor["factor"].get(name) != simdjson::SUCCESS ||
            factor["score"].get(factor_score) != simdjson::SUCCESS)
          throw SinkError("a risk factor is not {factor, score}");
        out.risk_factors.emplace_back(std::string(name), factor_score);
      }
    }
  }

  dom::array recommendations;
  if (root["recommendations"].get(recommendations) == simdjson::SUCCESS) {
    for (dom::element item : recommendations) {
      std::string_view text;
      if (item.get(text) != simdjson::SUCCESS) throw SinkError("a recommendation is not a string");
      out.recommendations.emplace_back(text);
    }
  }

  dom::array evidence;
  if (root["evidence"].get(evidence) != simdjson::SUCCESS)
    throw SinkError("member \"evidence\" missing or not an array");
  for (dom::element item : evidence) {
    dom::object object;
    if (item.get(object) != simdjson::SUCCESS) throw SinkError("an evidence item is not an object");
    out.evidence.push_back(fmt::format(
        "{} {} {} {}", optional_string(object, "source"), optional_string(object, "type"),
        optional_string(object, "time"), optional_string(object, "id")));
  }
  return out;
}

template <typename Range, typename Format>
std::string join(const Range& items, std::string_view separator, Format format) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += format(item);
  }
  return out;
}

std::string describe(const ParsedAlert& alert) {
  std::string out = fmt::format("{} for user {} at {}", title_of(alert.type), alert.user_id,
                                alert.event_time_text);
  if (!alert.ip.empty()) out += fmt::format(" from IP {}", alert.ip);
  if (!alert.device_id.empty()) out += fmt::format(", device {}", alert.device_id);
  if (!alert.session_id.empty()) out += fmt::format(", session {}", alert.session_id);
  if (alert.risk_score) {
    out += fmt::format(", risk score {}", *alert.risk_score);
    if (!alert.risk_level.empty()) out += fmt::format(" ({})", alert.risk_level);
  }
  out += fmt::format(". Evidence: {} event(s).", alert.evidence.size());
  return out;
}

// alert_summary() pads columns for terminals; one space is enough in Alertmanager's UI.
std::string squeeze_spaces(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c != ' ' || out.empty() || out.back() != ' ') out.push_back(c);
  }
  return out;
}

void append_pair(std::string& out, bool& first, std::string_view key, std::string_view value) {
  if (!first) out.push_back(',');
  first = false;
  append_json_string(out, key);
  out.push_back(':');
  append_json_string(out, value);
}

std::string generator_url(const std::string& pattern, const ParsedAlert& alert) {
  std::string out;
  for (std::size_t i = 0; i < pattern.size();) {
    if (pattern.compare(i, 4, "{id}") == 0) {
      out += alert.id;
      i += 4;
    } else if (pattern.compare(i, 6, "{type}") == 0) {
      out += alert.type;
      i += 6;
    } else {
      out.push_back(pattern[i++]);
    }
  }
  return out;
}

// One PostableAlert (Alertmanager API v2).
std::string render(const ParsedAlert& alert, const std::string& summary, TimeMs starts_at,
                   TimeMs ends_at, const std::string& generator_pattern) {
  std::string out = "{\"labels\":{";
  bool first = true;
  append_pair(out, first, "alertname", alert.type);
  append_pair(out, first, "severity", alert.severity);
  append_pair(out, first, "user_id", alert.user_id);
  append_pair(out, first, "source", "authcorrd");
  out += "},\"annotations\":{";
  first = true;
  append_pair(out, first, "summary",
              summary.empty() ? fmt::format("{}: user {}", title_of(alert.type), alert.user_id)
                              : squeeze_spaces(summary));
  append_pair(out, first, "description", describe(alert));
  append_pair(out, first, "alert_id", alert.id);
  if (alert.risk_score) {
    append_pair(out, first, "risk_score", std::to_string(*alert.risk_score));
    append_pair(out, first, "risk_factors", join(alert.risk_factors, ", ", [](const auto& f) {
                  return fmt::format("{}={}", f.first, f.second);
                }));
  }
  std::string evidence;
  for (std::size_t i = 0; i < alert.evidence.size() && i < kMaxEvidenceListed; ++i) {
    if (i != 0) evidence += '\n';
    evidence += alert.evidence[i];
  }
  if (alert.evidence.size() > kMaxEvidenceListed)
    evidence += fmt::format("\n... and {} more", alert.evidence.size() - kMaxEvidenceListed);
  append_pair(out, first, "evidence", evidence);
  if (!alert.recommendations.empty())
    append_pair(out, first, "recommendations",
                join(alert.recommendations, "\n", [](const std::string& r) { return r; }));
  if (!alert.ip.empty()) append_pair(out, first, "ip", alert.ip);
  if (!alert.device_id.empty()) append_pair(out, first, "device_id", alert.device_id);
  if (!alert.session_id.empty()) append_pair(out, first, "session_id", alert.session_id);
  out += "},";
  first = true;
  append_pair(out, first, "startsAt", format_timestamp(starts_at));
  append_pair(out, first, "endsAt", format_timestamp(ends_at));
  if (!generator_pattern.empty())
    append_pair(out, first, "generatorURL", generator_url(generator_pattern, alert));
  out.push_back('}');
  return out;
}

}  // namespace

// Everything the sink and its coroutine share (see the header for ownership).
struct AlertmanagerSink::State {
  struct Entry {
    std::vector<std::string> ids;  // alert ids merged into this Alertmanager alert
    TimeMs starts_at = 0;
    TimeMs ends_at = 0;
    std::string json;     // rendered PostableAlert
    bool pending = true;  // to be sent without waiting for the next resend
    std::uint64_t generation = 0;
  };

  State(net::io_context& io, AlertmanagerSinkConfig cfg, TimeMs suppression,
        std::function<TimeMs()> clock_fn, AlertmanagerObserver obs, http::ClientOptions options)
      : config(std::move(cfg)),
        suppression_period(std::max<TimeMs>(0, suppression)),
        clock(std::move(clock_fn)),
        observer(std::move(obs)),
        timer(io),
        client(io.get_executor(), std::move(options)) {}

  AlertmanagerSinkConfig config;
  TimeMs suppression_period;
  std::function<TimeMs()> clock;
  AlertmanagerObserver observer;
  std::string post_url;
  std::string origin;  // scheme://host:port, for log lines (never user information)
  net::steady_timer timer;
  http::HttpClient client;
  dom::parser parser;

  std::map<std::string, Entry> entries;  // by label set
  std::unordered_map<std::string, std::string> key_by_id;
  std::uint64_t generations = 0;

  bool started = false;
  bool stopped = false;
  bool failing = false;    // in an outage (network error, timeout, 5xx)
  bool rejecting = false;  // Alertmanager answered 4xx; logged once until a 2xx
  bool overflowing = false;
  std::size_t failures = 0;
  TimeMs backoff = kInitialBackoff;
  SteadyClock::time_point next_full{};  // when the whole set is sent next

  void log_error(std::string_view text) const {
    if (observer.log_error)
      observer.log_error(fmt::format("alertmanager sink {}: {}", config.name, text));
  }
  void log_info(std::string_view text) const {
    if (observer.log_info)
      observer.log_info(fmt::format("alertmanager sink {}: {}", config.name, text));
  }
  void report_active() const {
    if (observer.on_active) observer.on_active(entries.size());
  }

  ParsedAlert parse(const AlertMessage& message) {
    try {
      return parse_contract(parser, message);
    } catch (const SinkError& error) {
      throw SinkError(fmt::format("alertmanager sink {}: alert {}: not alert contract JSON: {}",
                                  config.name, message.id, error.what()));
    }
  }

  void erase(std::map<std::string, Entry>::iterator it) {
    for (const std::string& id : it->second.ids)
      key_by_id.erase(id);
    entries.erase(it);
  }

  void add(const ParsedAlert& alert, const std::string& summary) {
    std::string key = alert.type;
    key.append(1, '\0').append(alert.severity).append(1, '\0').append(alert.user_id);
    TimeMs starts_at = alert.event_time;
    TimeMs ends_at = alert.event_time + suppression_period;
    auto it = entries.find(key);
    if (it == entries.end()) {
      if (entries.size() >= AlertmanagerSink::kMaxActiveAlerts) {
        auto first_end = std::min_element(entries.begin(), entries.end(), [](auto& a, auto& b) {
          return a.second.ends_at < b.second.ends_at;
        });
        erase(first_end);
        if (!overflowing)
          log_error(fmt::format("more than {} active alerts; dropping those that end first",
                                AlertmanagerSink::kMaxActiveAlerts));
        overflowing = true;
      }
      it = entries.emplace(std::move(key), Entry{}).first;
    } else {
      starts_at = std::min(starts_at, it->second.starts_at);
      ends_at = std::max(ends_at, it->second.ends_at);
    }
    if (entries.size() < AlertmanagerSink::kMaxActiveAlerts / 2) overflowing = false;
    Entry& entry = it->second;
    entry.starts_at = starts_at;
    entry.ends_at = ends_at;
    entry.json = render(alert, summary, starts_at, ends_at, config.generator_url);
    entry.pending = true;
    entry.generation = ++generations;
    if (std::find(entry.ids.begin(), entry.ids.end(), alert.id) == entry.ids.end()) {
      if (entry.ids.size() >= kMaxIdsPerEntry) {
        key_by_id.erase(entry.ids.front());
        entry.ids.erase(entry.ids.begin());
      }
      entry.ids.push_back(alert.id);
    }
    key_by_id[alert.id] = it->first;
    report_active();
  }

  void wake() {
    // During an outage new alerts wait for the next retry instead of each trying on its own.
    if (started && !stopped && !failing) timer.cancel();
  }

  void on_failure(std::string_view what) {
    ++failures;
    if (!failing)
      log_error(
          fmt::format("POST to {} failed: {}; {} active alert(s) kept and re-sent when it "
                      "answers",
                      origin, what, entries.size()));
    backoff = failing ? std::min(backoff * 2, std::max(config.resend_interval, kInitialBackoff))
                      : kInitialBackoff;
    failing = true;
    next_full = SteadyClock::now() + std::chrono::milliseconds(backoff);
  }

  void on_answer(unsigned status, std::string_view body) {
    if (failing)
      log_info(fmt::format("{} answers again (after {} failed POST(s))", origin, failures));
    failing = false;
    failures = 0;
    backoff = kInitialBackoff;
    if (status >= 200 && status < 300) {
      if (rejecting) log_info("alerts accepted again");
      rejecting = false;
    } else if (!rejecting) {
      rejecting = true;
      log_error(fmt::format("Alertmanager rejected alerts: HTTP {}: {}", status,
                            body.substr(0, kMaxLoggedBody)));
    }
  }

  // POSTs one batch. Returns false when the round must stop (failure or stop()).
  net::awaitable<bool> post(std::vector<std::string> keys) {
    std::vector<std::uint64_t> generations_sent;
    http::ClientRequest request;
    request.method = "POST";
    request.url = post_url;
    request.headers = {{"Content-Type", "application/json"}};
    request.body = "[";
    for (const std::string& key : keys) {
      const Entry& entry = entries.at(key);
      if (request.body.size() > 1) request.body.push_back(',');
      request.body += entry.json;
      generations_sent.push_back(entry.generation);
    }
    request.body.push_back(']');
    const TimeMs sent_at = clock();
    const http::ClientResult result = co_await client.send(std::move(request));
    if (stopped) co_return false;
    const unsigned status = result.ok() ? result.response.status : 0;
    // 408/429 and 5xx are Alertmanager's trouble, not the payload's: retried like an outage.
    const bool transient = !result.ok() || status >= 500 || status == 408 || status == 429 ||
                           status < 200 || (status >= 300 && status < 400);
    if (observer.on_post) observer.on_post(result.ok() && status >= 200 && status < 300);
    if (transient) {
      on_failure(result.ok() ? fmt::format("HTTP {}", status) : result.message);
      co_return false;
    }
    on_answer(status, result.response.body);
    bool dropped = false;
    for (std::size_t i = 0; i < keys.size(); ++i) {
      auto it = entries.find(keys[i]);
      // Changed while the POST was in flight (merged): it goes again with its new contents.
      if (it == entries.end() || it->second.generation != generations_sent[i]) continue;
      it->second.pending = false;
      if (it->second.ends_at <= sent_at) {  // this was its last send: Alertmanager saw it resolved
        erase(it);
        dropped = true;
      }
    }
    if (dropped) report_active();
    co_return true;
  }

  // Sends every active alert (`full`) or only the pending ones, in batches.
  net::awaitable<void> send(bool full) {
    std::vector<std::string> keys;
    for (const auto& [key, entry] : entries) {
      if (full || entry.pending) keys.push_back(key);
    }
    for (std::size_t begin = 0; begin < keys.size(); begin += AlertmanagerSink::kMaxAlertsPerPost) {
      const std::size_t end = std::min(keys.size(), begin + AlertmanagerSink::kMaxAlertsPerPost);
      std::vector<std::string> batch;
      for (std::size_t i = begin; i < end; ++i) {
        if (entries.count(keys[i]) != 0) batch.push_back(std::move(keys[i]));
      }
      if (batch.empty()) continue;
      if (!co_await post(std::move(batch))) co_return;
    }
    if (full) next_full = SteadyClock::now() + std::chrono::milliseconds(config.resend_interval);
  }

  // The background sender: sends when something is pending or due, else sleeps until the next
  // resend or the next endsAt (whose final send resolves that alert).
  static net::awaitable<void> run(std::shared_ptr<State> state) {
    auto& s = *state;
    s.next_full = SteadyClock::now();
    while (!s.stopped) {
      const TimeMs wall = s.clock();
      std::optional<TimeMs> next_end;  // earliest endsAt still ahead
      bool any_pending = false;
      for (auto& [key, entry] : s.entries) {
        if (entry.ends_at <= wall)
          entry.pending = true;  // its final, resolving send
        else if (!next_end || entry.ends_at < *next_end)
          next_end = entry.ends_at;
        any_pending = any_pending || entry.pending;
      }
      const auto now = SteadyClock::now();
      const bool full = now >= s.next_full;
      if (full && s.entries.empty()) {
        s.next_full = now + std::chrono::milliseconds(s.config.resend_interval);
      } else if (full || (any_pending && !s.failing)) {
        co_await s.send(full);
        continue;
      }
      auto wake = s.next_full;
      if (next_end) wake = std::min(wake, now + std::chrono::milliseconds(*next_end - wall));
      s.timer.expires_at(wake);
      (void)co_await s.timer.async_wait(net::as_tuple(net::use_awaitable));
    }
  }
};

AlertmanagerSink::AlertmanagerSink(net::io_context& io, AlertmanagerSinkConfig config,
                                   TimeMs suppression_period, std::function<TimeMs()> wall_clock,
                                   AlertmanagerObserver observer) {
  std::string base = config.url;
  while (!base.empty() && base.back() == '/')
    base.pop_back();
  const auto url = http::Url::parse(base);
  if (!url)
    throw SinkError(
        fmt::format("alertmanager sink {}: url is not an http:// or https:// URL", config.name));
  // A zero or tiny interval would turn the sender into a busy loop.
  config.resend_interval = std::max(config.resend_interval, kSecondMs);
  http::ClientOptions options;
  options.timeout = config.timeout;
  options.max_response_bytes = 1024 * 1024;
  options.ca_file = config.ca_file;
  state_ = std::make_shared<State>(io, std::move(config), suppression_period, std::move(wall_clock),
                                   std::move(observer), std::move(options));
  state_->post_url = base + "/api/v2/alerts";
  state_->origin = url->origin();
}

AlertmanagerSink::~AlertmanagerSink() {
  stop();
}

void AlertmanagerSink::deliver(const AlertMessage& alert) {
  State& s = *state_;
  const ParsedAlert parsed = s.parse(alert);
  if (!filter_takes(s.config.filter, parsed.type, *parse_severity(parsed.severity))) return;
  s.add(parsed, alert.summary);
  s.wake();
}

bool AlertmanagerSink::holds(std::string_view alert_id) {
  return state_->key_by_id.count(std::string(alert_id)) != 0;
}

bool AlertmanagerSink::restore(const AlertMessage& alert) {
  State& s = *state_;
  const ParsedAlert parsed = s.parse(alert);
  if (!filter_takes(s.config.filter, parsed.type, *parse_severity(parsed.severity))) return false;
  if (parsed.event_time + s.suppression_period <= s.clock()) return false;
  s.add(parsed, alert.summary);
  s.wake();
  return true;
}

void AlertmanagerSink::start() {
  State& s = *state_;
  if (s.started || s.stopped) return;
  s.started = true;
  s.report_active();
  net::co_spawn(s.timer.get_executor(), State::run(state_), net::detached);
}

void AlertmanagerSink::stop() {
  State& s = *state_;
  if (s.stopped) return;
  s.stopped = true;
  s.timer.cancel();
  s.client.cancel();
}

std::size_t AlertmanagerSink::active() const noexcept {
  return state_->entries.size();
}

const std::string& AlertmanagerSink::name() const noexcept {
  return state_->config.name;
}

}  // namespace authcorrd
