// Leveled log lines on standard error, the daemon's only log output. Under systemd (stderr is
// the journal, JOURNAL_STREAM set) lines carry a "<N>" priority prefix that journald turns into
// the entry's priority; elsewhere they start with a UTC timestamp and the level.
//
// Messages must never contain secrets or event contents (user ids are fine at debug level).
// Callable from any thread: each line is one write(2).
#pragma once

#include <fmt/format.h>

#include <string_view>

namespace authcorrd {

enum class LogLevel { error = 3, warn = 4, info = 6, debug = 7 };

// text: "2025-01-01T00:00:00Z info message"; json: {"time","level","message"} per line.
enum class LogFormat { text, json };

void set_log_level(LogLevel level);
void set_log_format(LogFormat format);
LogLevel log_level();
// "error" | "warn" | "info" | "debug"; anything else is info.
LogLevel parse_log_level(std::string_view text);
void write_log_line(LogLevel level, std::string_view message);

template <typename... Args>
void log_at(LogLevel level, fmt::format_string<Args...> format, Args&&... args) {
  if (static_cast<int>(level) > static_cast<int>(log_level())) return;
  write_log_line(level, fmt::format(format, std::forward<Args>(args)...));
}
template <typename... Args>
void log_error(fmt::format_string<Args...> format, Args&&... args) {
  log_at(LogLevel::error, format, std::forward<Args>(args)...);
}
template <typename... Args>
void log_warn(fmt::format_string<Args...> format, Args&&... args) {
  log_at(LogLevel::warn, format, std::forward<Args>(args)...);
}
template <typename... Args>
void log_info(fmt::format_string<Args...> format, Args&&... args) {
  log_at(LogLevel::info, format, std::forward<Args>(args)...);
}
template <typename... Args>
void log_debug(fmt::format_string<Args...> format, Args&&... args) {
  log_at(LogLevel::debug, format, std::forward<Args>(args)...);
}

}  // namespace authcorrd
