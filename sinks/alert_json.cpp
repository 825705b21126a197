#include "sinks/alert_json.hpp"

#include "sinks/digest.hpp"

#include <fmt/format.h>

#include <chrono>
#include <iterator>

namespace authcorrd {

std::string alert_id(const Alert& alert) {
  return digest_hex128(alert.identity());
}

std::string format_timestamp(TimeMs time) {
  using namespace std::chrono;
  const sys_time<milliseconds> point{milliseconds{time}};
  const auto day = floor<days>(point);
  const year_month_day date{day};
  const hh_mm_ss<milliseconds> clock{point - day};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()),
                     clock.hours().count(), clock.minutes().count(), clock.seconds().count(),
                     clock.subseconds().count());
}

void append_json_string(std::string& out, std::string_view text) {
  out.push_back('"');
  // Runs of characters that need no escaping are appended whole; alert texts are mostly such.
  std::size_t run_start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out.append(text.data() + run_start, i - run_start);
    run_start = i + 1;
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
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        fmt::format_to(std::back_inserter(out), "\\u{:04x}", static_cast<unsigned>(c));
    }
  }
  out.append(text.data() + run_start, text.size() - run_start);
  out.push_back('"');
}

namespace {

void append_member(std::string& out, std::string_view key, std::string_view value) {
  out.push_back(',');
  append_json_string(out, key);
  out.push_back(':');
  append_json_string(out, value);
}

void append_optional_member(std::string& out, std::string_view key, std::string_view value) {
  if (!value.empty()) append_member(out, key, value);
}

}  // namespace

std::string alert_to_json(const Alert& alert) {
  std::string out;
  out.reserve(512);
  out += "{\"id\":";
  append_json_string(out, alert_id(alert));
  append_member(out, "type", to_string(alert.type));
  append_member(out, "severity", to_string(alert.severity));
  append_member(out, "user_id", alert.user_id);
  append_optional_member(out, "device_id", alert.device_id);
  append_optional_member(out, "session_id", alert.session_id);
  append_optional_member(out, "ip", alert.ip);
  append_member(out, "event_time", format_timestamp(alert.event_time));
  if (alert.risk) {
    fmt::format_to(std::back_inserter(out),
                   ",\"risk\":{{\"score\":{},\"level\":", alert.risk->score);
    append_json_string(out, to_string(alert.risk->level));
    out += ",\"factors\":[";
    bool first = true;
    for (const RiskFactor& factor : alert.risk->factors) {
      if (!first) out.push_back(',');
      first = false;
      out += "{\"factor\":";
      append_json_string(out, factor.name);
      fmt::format_to(std::back_inserter(out), ",\"score\":{}}}", factor.score);
    }
    out += "]}";
  }
  if (!alert.recommendations.empty()) {
    out += ",\"recommendations\":[";
    for (std::size_t i = 0; i < alert.recommendations.size(); ++i) {
      if (i != 0) out.push_back(',');
      append_json_string(out, alert.recommendations[i]);
    }
    out.push_back(']');
  }
  out += ",\"evidence\":[";
  for (std::size_t i = 0; i < alert.evidence.size(); ++i) {
    const Evidence& item = alert.evidence[i];
    if (i != 0) out.push_back(',');
    out += "{\"source\":";
    append_json_string(out, to_string(item.source));
    append_member(out, "id", item.id);
    append_member(out, "type", item.type);
    append_member(out, "time", format_timestamp(item.time));
    out.push_back('}');
  }
  out += "]}";
  return out;
}

}  // namespace authcorrd

namespace authcorrd {

std::string alert_summary(const Alert& alert, std::string_view id) {
  std::string out = fmt::format("{} {:<8} {:<26} user={}", format_timestamp(alert.event_time),
                                to_string(alert.severity), to_string(alert.type), alert.user_id);
  if (!alert.ip.empty()) fmt::format_to(std::back_inserter(out), " ip={}", alert.ip);
  if (!alert.device_id.empty())
    fmt::format_to(std::back_inserter(out), " device={}", alert.device_id);
  if (alert.risk) {
    fmt::format_to(std::back_inserter(out), " risk={} {}", alert.risk->score,
                   to_string(alert.risk->level));
    const char* separator = " (";
    for (const RiskFactor& factor : alert.risk->factors) {
      fmt::format_to(std::back_inserter(out), "{}{}+{}", separator, factor.name, factor.score);
      separator = ", ";
    }
    if (!alert.risk->factors.empty()) out += ')';
  }
  fmt::format_to(std::back_inserter(out), " evidence={}", alert.evidence.size());
  const char* separator = " [";
  for (const Evidence& evidence : alert.evidence) {
    fmt::format_to(std::back_inserter(out), "{}{}:{}", separator, to_string(evidence.source),
                   evidence.type);
    separator = " ";
  }
  if (!alert.evidence.empty()) out += ']';
  fmt::format_to(std::back_inserter(out), " id={}", id);
  return out;
}

}  // namespace authcorrd
