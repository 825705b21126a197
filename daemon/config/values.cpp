// Value syntax of the configuration file: durations, listen addresses, URLs and host names.
// Pure functions, callable from any thread.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <unistd.h>
#include <boost/algorithm/string/case_conv.hpp>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>

#include <fmt/format.h>

#include "daemon/config/config_detail.hpp"

namespace authcorrd {
namespace {

constexpr TimeMs kMaxTime = std::numeric_limits<TimeMs>::max();

bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

struct Unit {
  std::string_view name;
  TimeMs ms;
};
// Largest first: a combined duration must list its units in this order, each at most once, so
// every duration has one spelling and "30m1h" is rejected as a probable typo.
constexpr Unit kUnits[] = {
    {"d", kDayMs}, {"h", kHourMs}, {"m", kMinuteMs}, {"s", kSecondMs}, {"ms", 1}};

}  // namespace

std::optional<TimeMs> parse_duration(std::string_view text) {
  if (text.empty()) return std::nullopt;
  TimeMs total = 0;
  std::size_t next_unit = 0;  // index into kUnits of the largest unit still allowed
  std::size_t i = 0;
  while (i < text.size()) {
    if (!is_digit(text[i])) return std::nullopt;
    TimeMs number = 0;
    for (; i < text.size() && is_digit(text[i]); ++i) {
      const TimeMs digit = text[i] - '0';
      if (number > (kMaxTime - digit) / 10) return std::nullopt;
      number = number * 10 + digit;
    }
    const std::size_t unit_start = i;
    while (i < text.size() && is_alpha(text[i]))
      ++i;
    const std::string_view unit = text.substr(unit_start, i - unit_start);
    std::size_t u = next_unit;
    while (u < std::size(kUnits) && kUnits[u].name != unit)
      ++u;
    if (u == std::size(kUnits)) return std::nullopt;  // unknown, missing, or out of order
    next_unit = u + 1;
    if (number > kMaxTime / kUnits[u].ms) return std::nullopt;
    const TimeMs part = number * kUnits[u].ms;
    if (total > kMaxTime - part) return std::nullopt;
    total += part;
  }
  return total;
}

std::string format_duration(TimeMs duration) {
  if (duration == 0) return "0s";
  std::string out;
  // Through unsigned so that the most negative value has a magnitude too.
  std::uint64_t rest = static_cast<std::uint64_t>(duration);
  if (duration < 0) {
    out = "-";
    rest = ~rest + 1;
  }
  for (const Unit& unit : kUnits) {
    const auto size = static_cast<std::uint64_t>(unit.ms);
    if (rest >= size) {
      out += fmt::format("{}{}", rest / size, unit.name);
      rest %= size;
    }
  }
  return out;
}

namespace config_detail {
namespace {

bool is_ipv4(const std::string& host) {
  in_addr address{};
  return ::inet_pton(AF_INET, host.c_str(), &address) == 1;
}

bool is_ipv6(const std::string& host) {
  in6_addr address{};
  return ::inet_pton(AF_INET6, host.c_str(), &address) == 1;
}

// "65535" -> 65535; nullopt for anything but 1-5 digits within range.
std::optional<std::uint16_t> parse_port(std::string_view text) {
  if (text.empty() || text.size() > 5) return std::nullopt;
  unsigned value = 0;
  for (char c : text) {
    if (!is_digit(c)) return std::nullopt;
    value = value * 10 + static_cast<unsigned>(c - '0');
  }
  if (value > 65535) return std::nullopt;
  return static_cast<std::uint16_t>(value);
}

bool looks_numeric(std::string_view host) {
  for (char c : host) {
    if (!is_digit(c) && c != '.') return false;
  }
  return true;
}

// Splits "host:port" / "[v6]:port" / "host" (when the port is optional). Returns an error
// message, empty on success.
std::string split_host_port(std::string_view text, bool port_required, std::string& host,
                            std::optional<std::uint16_t>& port) {
  std::string_view port_text;
  bool has_port = false;
  if (!text.empty() && text.front() == '[') {
    const std::size_t close = text.find(']');
    if (close == std::string_view::npos) return "missing ']' after an IPv6 address";
    host = std::string(text.substr(1, close - 1));
    if (!is_ipv6(host)) return "the part in brackets is not an IPv6 address";
    const std::string_view rest = text.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':') return "expected ':port' after ']'";
      port_text = rest.substr(1);
      has_port = true;
    }
  } else {
    const std::size_t colon = text.rfind(':');
    if (colon == std::string_view::npos) {
      host = std::string(text);
    } else {
      host = std::string(text.substr(0, colon));
      port_text = text.substr(colon + 1);
      has_port = true;
    }
    if (host.find(':') != std::string::npos) {
      return "an IPv6 address must be written in brackets, like \"[::1]:9464\"";
    }
    if (host.empty()) return "the host is missing";
    if (looks_numeric(host) ? !is_ipv4(host) : !is_host_name(host)) {
      return "the host is neither an IP address nor a host name";
    }
  }
  if (!has_port) {
    if (port_required) return "the port is missing";
    return {};
  }
  port = parse_port(port_text);
  if (!port) return "the port must be a number from 0 to 65535";
  return {};
}

}  // namespace

std::optional<ListenAddress> parse_listen(std::string_view text, std::string& error) {
  std::string host;
  std::optional<std::uint16_t> port;
  std::string problem = split_host_port(text, true, host, port);
  if (!problem.empty()) {
    error =
        fmt::format("{} (expected host:port, like \"127.0.0.1:9464\" or \"[::1]:9464\")", problem);
    return std::nullopt;
  }
  return ListenAddress{host, *port};
}

bool is_host_name(std::string_view text) {
  if (text.empty() || text.size() > 253) return false;
  if (text.front() == '.' || text.back() == '.' || text.front() == '-') return false;
  char previous = '\0';
  for (char c : text) {
    const bool ok = is_digit(c) || is_alpha(c) || c == '-' || c == '.';
    if (!ok || (c == '.' && previous == '.')) return false;
    previous = c;
  }
  return true;
}

bool is_loopback_host(std::string_view host) {
  const std::string name = boost::algorithm::to_lower_copy(std::string(host));
  if (name == "localhost") return true;
  in_addr v4{};
  if (::inet_pton(AF_INET, name.c_str(), &v4) == 1) {
    return (ntohl(v4.s_addr) >> 24) == 127;
  }
  in6_addr v6{};
  if (::inet_pton(AF_INET6, name.c_str(), &v6) == 1) {
    if (IN6_IS_ADDR_LOOPBACK(&v6)) return true;
    return IN6_IS_ADDR_V4MAPPED(&v6) && v6.s6_addr[12] == 127;
  }
  return false;
}

std::string check_url(std::string_view url, bool allow_query, std::string_view secret_name) {
  for (char c : url) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7f) return "must not contain spaces or control characters";
  }
  const std::size_t scheme_end = url.find("://");
  const std::string scheme =
      scheme_end == std::string_view::npos
          ? std::string()
          : boost::algorithm::to_lower_copy(std::string(url.substr(0, scheme_end)));
  if (scheme != "https" && scheme != "http") {
    return "must start with https:// (or http:// for a loopback host)";
  }
  const std::string_view rest = url.substr(scheme_end + 3);
  if (rest.find('#') != std::string_view::npos) return "must not contain a fragment ('#')";
  if (!allow_query && rest.find('?') != std::string_view::npos) {
    return "must not contain a query ('?')";
  }
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?"));
  // Never echo the authority here: user information is exactly where a password would be.
  if (authority.find('@') != std::string_view::npos) {
    return "must not contain user information (user:password@); credentials have their own keys";
  }
  if (authority.empty()) return "has no host";
  std::string host;
  std::optional<std::uint16_t> port;
  std::string problem = split_host_port(authority, false, host, port);
  if (!problem.empty()) return problem;
  if (port && *port == 0) return "the port must be a number from 1 to 65535";
  if (scheme == "http" && !is_loopback_host(host)) {
    return fmt::format(
        "http:// is only allowed for loopback hosts (127.0.0.0/8, ::1, localhost), because the "
        "{} would travel in clear text; use https://",
        secret_name);
  }
  return {};
}

std::string check_readable_file(const std::string& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) {
    return fmt::format("file {} does not exist", printable(path));
  }
  if (std::filesystem::is_directory(status)) {
    return fmt::format("{} is a directory, not a file", printable(path));
  }
  if (::access(path.c_str(), R_OK) != 0) {
    return fmt::format("file {} cannot be read: {}", printable(path), std::strerror(errno));
  }
  return {};
}

}  // namespace config_detail
}  // namespace authcorrd
