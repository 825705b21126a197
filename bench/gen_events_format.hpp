// gen_events_format: the building blocks every gen_events writer uses. Integer aliases and time
// constants, the seeded random number source (rng), text formatting (integers, ISO and compact
// timestamps, random strings and UUIDs) and the streaming JSON writer (json_writer).
// Definitions of the non-inline helpers are in gen_events_format.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <string_view>

namespace gen_events {

using i64 = std::int64_t;
using u64 = std::uint64_t;

inline constexpr i64 k_start_ms = 1735689600000;             // 2025-01-01T00:00:00.000Z
inline constexpr i64 k_span_ms = 3LL * 24 * 60 * 60 * 1000;  // three days
inline constexpr i64 k_second = 1000;
inline constexpr i64 k_minute = 60 * k_second;
inline constexpr i64 k_hour = 60 * k_minute;

// ---------------------------------------------------------------------------------------------
// Random numbers: raw engine output and our own arithmetic only.

class rng {
 public:
  explicit rng(u64 seed) : m_engine(seed) {}

  u64 next() { return m_engine(); }
  // Uniform in [0, n). Modulo bias is negligible for the small n used here.
  u64 below(u64 n) { return next() % n; }
  std::size_t index(std::size_t n) { return below(n); }
  // Uniform in [lo, hi], inclusive.
  i64 range(i64 lo, i64 hi) { return lo + static_cast<i64>(below(static_cast<u64>(hi - lo + 1))); }
  // Uniform in [0, 1).
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  bool chance(double p) { return unit() < p; }

 private:
  std::mt19937_64 m_engine;
};

// ---------------------------------------------------------------------------------------------
// Formatting helpers.

void append_uint(std::string& out, u64 value);
void append_int(std::string& out, i64 value);
// Writes `value` zero-padded to exactly `width` digits at `at` (value must fit).
void put_padded(char* at, u64 value, int width);
void append_padded(std::string& out, u64 value, int width);
// "2025-01-01T00:00:00.123Z"
void append_iso(std::string& out, i64 epoch_ms);
// "YYYYMMDDhhmmss", as embedded in Auth0 log ids.
void append_compact(std::string& out, i64 epoch_ms);

inline constexpr std::string_view k_hex = "0123456789abcdef";
inline constexpr std::string_view k_base64url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// `count` characters drawn uniformly from `alphabet` (at most 64 symbols). Each 64-bit engine
// output yields several characters (repeated division; the bias is negligible).
void append_random(std::string& out, rng& r, std::string_view alphabet, int count);
std::string random_string(rng& r, std::string_view alphabet, int count);
// Lower-case version 4 UUID.
std::string random_uuid(rng& r);

// Streaming JSON writer that tracks commas. Strings are escaped.
class json_writer {
 public:
  explicit json_writer(std::string& out) : m_out(out) {}

  void begin_object() {
    comma();
    m_out += '{';
    m_need_comma = false;
  }
  void begin_object(std::string_view key) {
    put_key(key);
    m_out += '{';
    m_need_comma = false;
  }
  void end_object() {
    m_out += '}';
    m_need_comma = true;
  }
  void begin_array(std::string_view key) {
    put_key(key);
    m_out += '[';
    m_need_comma = false;
  }
  void end_array() {
    m_out += ']';
    m_need_comma = true;
  }
  void str(std::string_view key, std::string_view value) {
    put_key(key);
    put_string(value);
    m_need_comma = true;
  }
  void element(std::string_view value) {
    comma();
    put_string(value);
    m_need_comma = true;
  }
  void num(std::string_view key, i64 value) {
    put_key(key);
    append_int(m_out, value);
    m_need_comma = true;
  }
  void boolean(std::string_view key, bool value) {
    put_key(key);
    m_out += value ? "true" : "false";
    m_need_comma = true;
  }
  void null(std::string_view key) {
    put_key(key);
    m_out += "null";
    m_need_comma = true;
  }
  void time(std::string_view key, i64 epoch_ms) {
    put_key(key);
    m_out += '"';
    append_iso(m_out, epoch_ms);
    m_out += '"';
    m_need_comma = true;
  }
  // Appends pre-rendered JSON as the value of `key`.
  void raw(std::string_view key, std::string_view json) {
    put_key(key);
    m_out += json;
    m_need_comma = true;
  }

 private:
  void comma() {
    if (m_need_comma) m_out += ',';
  }
  // Keys are string literals at every call site and need no escaping.
  void put_key(std::string_view key) {
    m_out.append(m_need_comma ? ",\"" : "\"");
    m_out.append(key);
    m_out.append("\":");
  }
  void put_string(std::string_view v) {
    // Everything this program writes is printable ASCII, so checking for the two characters
    // that can occur by mistake is enough to pick the fast path (memchr is vectorized).
    // (memchr must not see the null data() of an empty view.)
    if (v.empty() || (std::memchr(v.data(), '"', v.size()) == nullptr &&
                      std::memchr(v.data(), '\\', v.size()) == nullptr)) {
      m_out += '"';
      m_out.append(v);
      m_out += '"';
      return;
    }
    m_out += '"';
    std::size_t start = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
      const auto c = static_cast<unsigned char>(v[i]);
      if (c != '"' && c != '\\' && c >= 0x20) continue;
      m_out.append(v.substr(start, i - start));
      m_out += '\\';
      if (c == '"' || c == '\\') {
        m_out += static_cast<char>(c);
      } else {
        m_out += "u00";
        m_out += k_hex[c >> 4];
        m_out += k_hex[c & 15];
      }
      start = i + 1;
    }
    m_out.append(v.substr(start));
    m_out += '"';
  }

  std::string& m_out;
  bool m_need_comma = false;
};

}  // namespace gen_events
