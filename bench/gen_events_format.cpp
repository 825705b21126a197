// gen_events_format: definitions of the formatting helpers declared in gen_events_format.hpp
// (integers, zero-padded fields, UTC timestamps, random strings and UUIDs).
#include "gen_events_format.hpp"

#include <algorithm>
#include <charconv>

namespace gen_events {

void append_uint(std::string& out, u64 value) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, res.ptr);
}

void append_int(std::string& out, i64 value) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, value);
  out.append(buf, res.ptr);
}

// Writes `value` zero-padded to exactly `width` digits at `at` (value must fit).
void put_padded(char* at, u64 value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    at[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

void append_padded(std::string& out, u64 value, int width) {
  char buf[24];
  put_padded(buf, value, width);
  out.append(buf, static_cast<std::size_t>(width));
}

namespace {

struct civil_time {
  u64 year, month, day, hour, minute, second, millis;
};

// UTC calendar fields of a non-negative epoch-millisecond value (H. Hinnant's civil_from_days).
civil_time to_civil(i64 epoch_ms) {
  const u64 ms = static_cast<u64>(epoch_ms);
  const u64 days = ms / 86400000;
  const u64 in_day = ms % 86400000;
  const u64 z = days + 719468;
  const u64 era = z / 146097;
  const u64 doe = z - era * 146097;
  const u64 yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const u64 doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const u64 mp = (5 * doy + 2) / 153;
  const u64 day = doy - (153 * mp + 2) / 5 + 1;
  const u64 month = mp < 10 ? mp + 3 : mp - 9;
  const u64 year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return {year,         month, day, in_day / 3600000, in_day / 60000 % 60, in_day / 1000 % 60,
          in_day % 1000};
}

}  // namespace

// "2025-01-01T00:00:00.123Z"
void append_iso(std::string& out, i64 epoch_ms) {
  const civil_time t = to_civil(epoch_ms);
  char buf[] = "0000-00-00T00:00:00.000Z";
  put_padded(buf, t.year, 4);
  put_padded(buf + 5, t.month, 2);
  put_padded(buf + 8, t.day, 2);
  put_padded(buf + 11, t.hour, 2);
  put_padded(buf + 14, t.minute, 2);
  put_padded(buf + 17, t.second, 2);
  put_padded(buf + 20, t.millis, 3);
  out.append(buf, 24);
}

// "YYYYMMDDhhmmss", as embedded in Auth0 log ids.
void append_compact(std::string& out, i64 epoch_ms) {
  const civil_time t = to_civil(epoch_ms);
  char buf[14];
  put_padded(buf, t.year, 4);
  put_padded(buf + 4, t.month, 2);
  put_padded(buf + 6, t.day, 2);
  put_padded(buf + 8, t.hour, 2);
  put_padded(buf + 10, t.minute, 2);
  put_padded(buf + 12, t.second, 2);
  out.append(buf, 14);
}

void append_random(std::string& out, rng& r, std::string_view alphabet, int count) {
  const u64 n = alphabet.size();
  int per_draw = 0;  // how many base-n digits fit comfortably in 60 bits
  for (u64 span = n; span <= (1ULL << 60) / n; span *= n)
    ++per_draw;
  per_draw = std::max(per_draw, 1);
  char buf[64];
  while (count > 0) {
    const int chunk = std::min(count, static_cast<int>(sizeof buf));
    int left = 0;
    u64 bits = 0;
    for (int i = 0; i < chunk; ++i) {
      if (left == 0) {
        bits = r.next();
        left = per_draw;
      }
      buf[i] = alphabet[bits % n];
      bits /= n;
      --left;
    }
    out.append(buf, static_cast<std::size_t>(chunk));
    count -= chunk;
  }
}

std::string random_string(rng& r, std::string_view alphabet, int count) {
  std::string s;
  s.reserve(static_cast<std::size_t>(count));
  append_random(s, r, alphabet, count);
  return s;
}

// Lower-case version 4 UUID.
std::string random_uuid(rng& r) {
  std::string s;
  s.reserve(36);
  append_random(s, r, k_hex, 8);
  s += '-';
  append_random(s, r, k_hex, 4);
  s += "-4";
  append_random(s, r, k_hex, 3);
  s += '-';
  s += k_hex[8 + r.index(4)];
  append_random(s, r, k_hex, 3);
  s += '-';
  append_random(s, r, k_hex, 12);
  return s;
}

}  // namespace gen_events
