#include "daemon/log.hpp"

#include <fmt/chrono.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>

#include "sinks/alert_json.hpp"

namespace authcorrd {
namespace {

std::atomic<int> g_level{static_cast<int>(LogLevel::info)};
std::atomic<bool> g_json{false};

std::string_view level_name(LogLevel level) {
  switch (level) {
    case LogLevel::error:
      return "error";
    case LogLevel::warn:
      return "warn";
    case LogLevel::info:
      return "info";
    case LogLevel::debug:
      return "debug";
  }
  return "info";
}

bool stderr_is_journal() {
  static const bool journal = std::getenv("JOURNAL_STREAM") != nullptr;
  return journal;
}

}  // namespace

void set_log_level(LogLevel level) {
  g_level.store(static_cast<int>(level));
}
void set_log_format(LogFormat format) {
  g_json.store(format == LogFormat::json);
}

LogLevel log_level() {
  return static_cast<LogLevel>(g_level.load());
}

LogLevel parse_log_level(std::string_view text) {
  if (text == "error") return LogLevel::error;
  if (text == "warn") return LogLevel::warn;
  if (text == "debug") return LogLevel::debug;
  return LogLevel::info;
}

void write_log_line(LogLevel level, std::string_view message) {
  std::string line;
  // journald keeps the level from the "<N>" prefix, in either format.
  if (stderr_is_journal()) line = fmt::format("<{}>", static_cast<int>(level));
  const auto now =
      std::chrono::time_point_cast<std::chrono::milliseconds>(std::chrono::system_clock::now());
  if (g_json.load()) {
    line += fmt::format(R"({{"time":"{:%Y-%m-%dT%H:%M:%S}Z","level":"{}","message":)", now,
                        level_name(level));
    append_json_string(line, message);
    line += "}\n";
  } else if (stderr_is_journal()) {
    line += fmt::format("{}\n", message);  // journald adds its own time stamp
  } else {
    line += fmt::format("{:%Y-%m-%dT%H:%M:%S}Z {} {}\n", now, level_name(level), message);
  }
  // One write(2) per line keeps lines whole when threads or processes share stderr.
  const ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}

}  // namespace authcorrd
