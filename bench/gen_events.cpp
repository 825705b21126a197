// gen_events: deterministic synthetic event stream for authcorrd benchmarks.
//
// Usage: gen_events [--events N] [--users U] [--seed S] [--out FILE]
//        (defaults: N = 1000000, U = 100000, S = 1, output to stdout)
//
// Writes one JSON document per line, in arrival order:
//   ~95 % Auth0 Log Streams envelopes  {"log_id": "...", "data": {<log event>}}
//   ~5 %  Relock webhook bodies        {"event": "<name>", "data": {...}}
// Event times start at 2025-01-01T00:00:00.000Z and cover about three days. A few percent of the
// events arrive up to two minutes late (out of order), as Log Streams and webhooks do.
//
// Each user has a stable home IP and user agent with occasional changes (travel, ISP change,
// new device), so a risk scorer sees realistic ip/ua changes. Some users get failed-login bursts
// (4-8 failures within minutes), and some failures are paired with a Relock
// authentication.failed for the same user within a few seconds.
//
// The output depends only on the arguments: std::mt19937_64 is specified bit-exactly by the
// standard, and every distribution below is plain arithmetic on its raw output (the standard
// distributions differ between library implementations). The progress summary goes to stderr.
//
// Standard library only; assumes a 64-bit target (std::size_t == std::uint64_t). Not part of
// the test run.

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

namespace {

using i64 = std::int64_t;
using u64 = std::uint64_t;
using u32 = std::uint32_t;

constexpr i64 k_start_ms = 1735689600000;             // 2025-01-01T00:00:00.000Z
constexpr i64 k_span_ms = 3LL * 24 * 60 * 60 * 1000;  // three days
constexpr i64 k_second = 1000;
constexpr i64 k_minute = 60 * k_second;
constexpr i64 k_hour = 60 * k_minute;

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

constexpr std::string_view k_hex = "0123456789abcdef";
constexpr std::string_view k_base64url =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// `count` characters drawn uniformly from `alphabet` (at most 64 symbols). Each 64-bit engine
// output yields several characters (repeated division; the bias is negligible).
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
  // Keys are literals in this file and need no escaping.
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

// ---------------------------------------------------------------------------------------------
// Static world: tenant, applications, connections, browsers, places.

constexpr std::string_view k_tenant = "acme-prod";
constexpr std::string_view k_tenant_host = "acme-prod.us.auth0.com";
constexpr std::string_view k_custom_host = "login.acme-corp.example";
constexpr std::string_view k_api_audience = "https://api.acme-corp.example/";

struct client_info {
  std::string_view id;
  std::string_view name;
  std::string_view hostname;
  std::string_view app_url;  // return_to / redirect base
  double weight;
};

constexpr std::array<client_info, 4> k_clients = {{
    {"kQ7tXw2RzL9mB4nV8cJ3hF6yD1sG5aPe", "Acme Web Portal", k_custom_host,
     "https://portal.acme-corp.example/", 0.60},
    {"M3pZr8TqW1xK6vN9bL4cH7yJ2dF5gS0a", "Acme Mobile", k_tenant_host,
     "com.acmecorp.mobile://login-callback", 0.25},
    {"Vb5nC2xZ8kL4jH7gF1dS9aQ3wE6rT0yU", "Acme Support Desk", k_custom_host,
     "https://support.acme-corp.example/", 0.10},
    {"Hn4Jd8Ks2Lq6Pw0Rt3Yv7Bx1Cz5Mf9Ga", "Acme Partner Dashboard", k_tenant_host,
     "https://partners.acme-corp.example/", 0.05},
}};

constexpr std::string_view k_mgmt_client_id = "Wq2Ez7Rt4Yu1Io9Pa6Sd3Fg8Hj5Kl0Zx";

struct connection_info {
  std::string_view name;
  std::string_view id;
  std::string_view strategy;
  std::string_view strategy_type;
};

constexpr connection_info k_database = {"Username-Password-Authentication", "con_Xq3LJ7pMtbW4Kd9e",
                                        "auth0", "database"};
constexpr connection_info k_google = {"google-oauth2", "con_8vRkZ2nHs5YcPq1T", "google-oauth2",
                                      "social"};

struct agent_info {
  std::string_view ua;
  std::string_view device;  // for Relock deviceInfo.name ("<first name>'s <device>")
  std::string_view type;
  std::string_view os;
  std::string_view browser;
};

constexpr std::array<agent_info, 18> k_agents = {{
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36",
     "Windows PC", "desktop", "Windows 10", "Chrome"},
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/130.0.0.0 Safari/537.36",
     "Windows PC", "desktop", "Windows 10", "Chrome"},
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
     "Windows PC", "desktop", "Windows 11", "Edge"},
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0",
     "Windows PC", "desktop", "Windows 10", "Firefox"},
    {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36",
     "MacBook", "desktop", "macOS 14.7", "Chrome"},
    {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/18.1.1 Safari/605.1.15",
     "MacBook", "desktop", "macOS 15.1", "Safari"},
    {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:133.0) Gecko/20100101 Firefox/133.0",
     "MacBook", "desktop", "macOS 14.6", "Firefox"},
    {"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36",
     "Linux PC", "desktop", "Linux", "Chrome"},
    {"Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Linux PC",
     "desktop", "Ubuntu", "Firefox"},
    {"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1_1 like Mac OS X) AppleWebKit/605.1.15 "
     "(KHTML, like Gecko) Version/18.1.1 Mobile/15E148 Safari/604.1",
     "iPhone", "mobile", "iOS 18.1.1", "Safari"},
    {"Mozilla/5.0 (iPhone; CPU iPhone OS 17_6_1 like Mac OS X) AppleWebKit/605.1.15 "
     "(KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1",
     "iPhone", "mobile", "iOS 17.6.1", "Safari"},
    {"Mozilla/5.0 (iPad; CPU OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
     "Version/18.1 Mobile/15E148 Safari/604.1",
     "iPad", "tablet", "iPadOS 18.1", "Safari"},
    {"Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Mobile Safari/537.36",
     "Android phone", "mobile", "Android 14", "Chrome"},
    {"Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/130.0.6723.107 Mobile Safari/537.36",
     "Galaxy S23", "mobile", "Android 14", "Chrome"},
    {"Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
     "(KHTML, like Gecko) CriOS/131.0.6778.73 Mobile/15E148 Safari/604.1",
     "iPhone", "mobile", "iOS 18.1", "Chrome"},
    {"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/129.0.0.0 Safari/537.36 OPR/115.0.0.0",
     "Windows PC", "desktop", "Windows 10", "Opera"},
    {"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
     "MacBook", "desktop", "macOS 15.1", "Edge"},
    {"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) "
     "Chrome/131.0.0.0 Safari/537.36",
     "Chromebook", "desktop", "ChromeOS", "Chrome"},
}};

// Clients seen during credential attacks.
constexpr std::array<std::string_view, 5> k_attacker_agents = {{
    "python-requests/2.32.3",
    "curl/8.5.0",
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36",
    "Mozilla/5.0 (Windows NT 6.1; Win64; x64; rv:109.0) Gecko/20100101 Firefox/115.0",
    "okhttp/4.12.0",
}};

// Back-end HTTP clients exchanging authorization codes.
constexpr std::array<std::string_view, 3> k_backend_agents = {{
    "node-fetch/1.0 (+https://github.com/bitinn/node-fetch)",
    "Go-http-client/2.0",
    "axios/1.7.7",
}};
constexpr std::array<std::string_view, 3> k_backend_ips = {
    {"34.201.17.88", "52.14.203.9", "3.120.55.17"}};

struct place {
  std::string_view country;
  std::string_view city;
  std::string_view timezone;
};

constexpr std::array<place, 20> k_places = {{
    {"US", "New York", "America/New_York"},   {"US", "San Francisco", "America/Los_Angeles"},
    {"US", "Chicago", "America/Chicago"},     {"US", "Austin", "America/Chicago"},
    {"GB", "London", "Europe/London"},        {"DE", "Berlin", "Europe/Berlin"},
    {"FR", "Paris", "Europe/Paris"},          {"NL", "Amsterdam", "Europe/Amsterdam"},
    {"ES", "Madrid", "Europe/Madrid"},        {"IT", "Milan", "Europe/Rome"},
    {"PL", "Warsaw", "Europe/Warsaw"},        {"SE", "Stockholm", "Europe/Stockholm"},
    {"IE", "Dublin", "Europe/Dublin"},        {"CA", "Toronto", "America/Toronto"},
    {"BR", "Sao Paulo", "America/Sao_Paulo"}, {"MX", "Mexico City", "America/Mexico_City"},
    {"IN", "Bengaluru", "Asia/Kolkata"},      {"JP", "Tokyo", "Asia/Tokyo"},
    {"SG", "Singapore", "Asia/Singapore"},    {"AU", "Sydney", "Australia/Sydney"},
}};

// The same IP always maps to the same place (FNV-1a of the text).
const place& locate(std::string_view ip) {
  u64 h = 1469598103934665603ULL;
  for (char c : ip) {
    h ^= static_cast<unsigned char>(c);
    h *= 1099511628211ULL;
  }
  return k_places[h % k_places.size()];
}

constexpr std::array<std::string_view, 40> k_first_names = {{
    "maria", "james",  "li",     "sofia",  "ahmed", "emma",   "noah",   "olivia", "lucas",  "mia",
    "ethan", "chloe",  "arjun",  "yuki",   "lena",  "mateo",  "zara",   "oliver", "nina",   "diego",
    "sara",  "daniel", "priya",  "jonas",  "ava",   "samuel", "isabel", "kenji",  "fatima", "leo",
    "grace", "omar",   "hannah", "victor", "elena", "ryan",   "amira",  "felix",  "julia",  "tomas",
}};

constexpr std::array<std::string_view, 40> k_last_names = {{
    "garcia", "smith",    "chen",    "rossi",  "khan",    "muller",   "johnson", "dubois",
    "silva",  "kowalski", "tanaka",  "nguyen", "patel",   "andersen", "brown",   "lopez",
    "kim",    "schmidt",  "moreau",  "costa",  "ivanova", "wilson",   "hassan",  "novak",
    "okafor", "larsen",   "fischer", "martin", "santos",  "yamada",   "walsh",   "berg",
    "romero", "weber",    "clarke",  "haddad", "nilsson", "reyes",    "murphy",  "singh",
}};

constexpr std::array<std::string_view, 7> k_mail_domains = {{
    "gmail.com",
    "outlook.com",
    "yahoo.com",
    "icloud.com",
    "proton.me",
    "acme-corp.example",
    "hotmail.com",
}};

// ---------------------------------------------------------------------------------------------
// Dynamic world.

struct user {
  std::string id;        // "auth0|<24 hex>" or "google-oauth2|<21 digits>"
  std::string identity;  // the part after '|'
  std::string email;
  std::string ip;              // current home IP
  std::string session;         // current Auth0 session_id ("" when logged out)
  std::string device;          // current Relock deviceId
  std::string relock_session;  // current Relock sessionId ("" when none)
  i64 relock_session_start = 0;
  i64 logins = 0;
  std::size_t agent = 0;  // index into k_agents (home browser)
  std::size_t client = 0;
  std::size_t first_name = 0;
  bool social = false;
  bool relock = false;  // enrolled in Relock device trust
};

struct admin {
  std::string_view id;
  std::string_view name;
  std::string_view email;
  std::string_view ip;
  std::size_t agent;
};

constexpr std::array<admin, 3> k_admins = {{
    {"google-oauth2|104857392018475610233", "Dana Okafor", "dana.okafor@acme-corp.example",
     "198.51.100.23", 4},
    {"google-oauth2|118204957730184526610", "Tom Berg", "tom.berg@acme-corp.example",
     "198.51.100.41", 0},
    {"auth0|65a1f3c29e4b7d0012c8a4f1", "Security Bot", "secops@acme-corp.example", "34.201.17.90",
     7},
}};

// Where and with what a request came.
struct origin {
  std::string ip;
  std::string_view ua;
  std::size_t agent = 0;  // k_agents index when ua is a browser of the user
  bool new_device = false;
};

struct queued {
  i64 deliver;
  u64 seq;
  std::string line;
};

struct later {
  bool operator()(const queued& a, const queued& b) const {
    return a.deliver != b.deliver ? a.deliver > b.deliver : a.seq > b.seq;
  }
};

struct options {
  u64 events = 1000000;
  u64 users = 100000;
  u64 seed = 1;
  std::string out;
};

class generator {
 public:
  explicit generator(const options& opts) : m_rng(opts.seed) {
    make_users(opts.users);
    for (int i = 0; i < 256; ++i)
      m_attacker_ips.push_back(random_ip());
  }

  // Produces the next action at nominal time `now`; its events go to the queue.
  void act(i64 now) {
    // Relative weights of the actions. Together with the follow-up probabilities inside each
    // action they give roughly: Auth0 95 % of lines (s 75 %, fp/fu/f 10 %, the rest seacft,
    // ssa, slo, gd_auth_succeed, sapi, limit_wc) and Relock 5 %.
    enum action { a_login, a_silent, a_logout, a_exchange, a_failure, a_burst, a_mgmt, a_relock };
    static constexpr std::array<double, 8> weights = {0.860, 0.0484, 0.0303, 0.032,
                                                      0.066, 0.0040, 0.0054, 0.009};
    static constexpr double total = [] {
      double sum = 0;
      for (double w : weights)
        sum += w;
      return sum;
    }();
    double r = m_rng.unit() * total;
    std::size_t pick = 0;
    while (pick + 1 < weights.size() && r >= weights[pick])
      r -= weights[pick++];
    switch (static_cast<action>(pick)) {
      case a_login:
        login(pick_user(), now);
        break;
      case a_silent:
        silent_auth(pick_user(), now);
        break;
      case a_logout:
        logout(pick_user(), now);
        break;
      case a_exchange:
        token_exchange(pick_user(), now);
        break;
      case a_failure:
        single_failure(pick_user(), now);
        break;
      case a_burst:
        failure_burst(pick_user(), now);
        break;
      case a_mgmt:
        management(now);
        break;
      case a_relock:
        relock_misc(now);
        break;
    }
  }

  bool has_due(i64 now) const { return !m_queue.empty() && m_queue.front().deliver <= now; }

  // Moves the earliest queued line (plus '\n') into `out`.
  void pop_into(std::string& out) {
    std::pop_heap(m_queue.begin(), m_queue.end(), later{});
    out += m_queue.back().line;
    out += '\n';
    m_queue.pop_back();
  }

 private:
  // ---- users ---------------------------------------------------------------------------------

  void make_users(u64 count) {
    m_users.resize(count);
    for (std::size_t i = 0; i < m_users.size(); ++i) {
      user& u = m_users[i];
      u.social = m_rng.chance(0.08);
      if (u.social) {
        u.identity = "1";
        append_random(u.identity, m_rng, "0123456789", 20);
        u.id = "google-oauth2|" + u.identity;
      } else {
        // ObjectId-like: creation second (2019..2024) then random bytes.
        const u64 created = 1546300800 + m_rng.below(6ULL * 365 * 86400);
        for (int shift = 28; shift >= 0; shift -= 4)
          u.identity += k_hex[(created >> shift) & 15];
        append_random(u.identity, m_rng, k_hex, 16);
        u.id = "auth0|" + u.identity;
      }
      u.first_name = m_rng.index(k_first_names.size());
      u.email = std::string(k_first_names[u.first_name]);
      u.email += m_rng.chance(0.7) ? '.' : '_';
      u.email += k_last_names[m_rng.index(k_last_names.size())];
      append_uint(u.email, i);
      u.email += '@';
      u.email += u.social ? std::string_view("gmail.com")
                          : k_mail_domains[m_rng.index(k_mail_domains.size())];
      u.ip = random_ip();
      u.agent = m_rng.index(k_agents.size());
      const double c = m_rng.unit();
      double acc = 0;
      u.client = k_clients.size() - 1;
      for (std::size_t k = 0; k < k_clients.size(); ++k) {
        acc += k_clients[k].weight;
        if (c < acc) {
          u.client = k;
          break;
        }
      }
      u.logins = m_rng.range(1, 400);
      u.relock = m_rng.chance(0.15);
      u.device = random_uuid(m_rng);
      if (u.relock) m_relock_users.push_back(i);
    }
    if (m_relock_users.empty()) m_relock_users.push_back(0);
  }

  // Skewed activity: a few users log in often, most rarely.
  user& pick_user() {
    const double x = m_rng.unit();
    auto i = static_cast<std::size_t>(x * x * static_cast<double>(m_users.size()));
    return m_users[std::min(i, m_users.size() - 1)];
  }

  user& pick_relock_user() {
    const double x = m_rng.unit();
    auto i = static_cast<std::size_t>(x * x * static_cast<double>(m_relock_users.size()));
    return m_users[m_relock_users[std::min(i, m_relock_users.size() - 1)]];
  }

  std::string random_ip() {
    std::string ip;
    if (m_rng.chance(0.04)) {
      static constexpr std::array<std::string_view, 6> prefixes = {
          {"2a02:c7c:", "2600:1700:", "2a01:e0a:", "2406:da18:", "2001:56a:", "2a00:23c6:"}};
      ip = prefixes[m_rng.index(prefixes.size())];
      for (int g = 0; g < 6; ++g) {
        if (g > 0) ip += ':';
        ip += k_hex[1 + m_rng.index(15)];
        append_random(ip, m_rng, k_hex, 3);
      }
      return ip;
    }
    u64 a = 0;
    do {
      a = 1 + m_rng.below(223);
    } while (a == 10 || a == 100 || a == 127 || a == 169 || a == 172 || a == 192);
    append_uint(ip, a);
    ip += '.';
    append_uint(ip, m_rng.below(256));
    ip += '.';
    append_uint(ip, m_rng.below(256));
    ip += '.';
    append_uint(ip, 1 + m_rng.below(254));
    return ip;
  }

  // The user's usual browser and network, with occasional changes: travel or a mobile network
  // (one-off IP), a move or new ISP lease (new home IP), another browser once, and, when
  // `allow_new_device`, a permanent switch to a new device (origin::new_device).
  origin user_origin(user& u, bool allow_new_device = false) {
    origin o;
    const double r = m_rng.unit();
    if (r < 0.006) u.ip = random_ip();
    o.ip = (r >= 0.006 && r < 0.05) ? random_ip() : u.ip;
    const double s = m_rng.unit();
    o.agent = u.agent;
    if (allow_new_device && s < 0.006) {
      std::size_t next = m_rng.index(k_agents.size());
      if (next == u.agent) next = (next + 1) % k_agents.size();
      u.agent = next;
      o.agent = next;
      u.device = random_uuid(m_rng);
      o.new_device = true;
    } else if (s < 0.03) {
      o.agent = m_rng.index(k_agents.size());
    }
    o.ua = k_agents[o.agent].ua;
    return o;
  }

  origin attacker_origin() {
    origin o;
    o.ip = m_attacker_ips[m_rng.index(m_attacker_ips.size())];
    o.ua = k_attacker_agents[m_rng.index(k_attacker_agents.size())];
    return o;
  }

  // ---- queue ---------------------------------------------------------------------------------

  // Queues a line for event time `time`; a few percent arrive up to two minutes late.
  void push(i64 time, std::string line) {
    i64 deliver = time;
    if (m_rng.chance(0.03)) deliver += m_rng.range(1000, 120000);
    m_queue.push_back({deliver, m_seq++, std::move(line)});
    std::push_heap(m_queue.begin(), m_queue.end(), later{});
  }

  // "900" + YYYYMMDDhhmmss (event time or a few seconds later) + 39 digits. The middle nine
  // digits are a bijection of a global counter, so ids are unique for up to 10^9 events.
  std::string log_id(i64 time) {
    std::string id;
    id.reserve(56);
    id += "900";
    append_compact(id, time + m_rng.range(0, 2500));
    append_padded(id, m_rng.below(1000000000000ULL), 12);
    append_padded(id, (m_ids++ * 387420489ULL + 123456789ULL) % 1000000000ULL, 9);
    append_padded(id, m_rng.below(1000000000000000000ULL), 18);
    return id;
  }

  // ---- Auth0 log events ------------------------------------------------------------------------

  struct auth0_fields {
    std::string_view type;
    std::string_view description;
    const connection_info* conn = nullptr;  // nullptr: connection "" / connection_id ""
    bool conn_id_only = false;              // emit only connection_id (""), as some types do
    const client_info* client = nullptr;
    std::string_view client_id;  // when client is nullptr
    std::string_view client_name;
    std::string_view ip;
    std::string_view ua;
    std::string_view hostname;
    std::string_view user_id;
    std::string_view user_name;
    bool strategy = true;
  };

  // Writes the envelope and data members up to and including "user_agent"; the caller then
  // writes "details" and calls tail().
  static void head(json_writer& w, const std::string& id, i64 time, const auth0_fields& f) {
    w.begin_object();
    w.str("log_id", id);
    w.begin_object("data");
    w.time("date", time);
    w.str("type", f.type);
    w.str("description", f.description);
    if (f.conn != nullptr) {
      w.str("connection", f.conn->name);
      w.str("connection_id", f.conn->id);
    } else if (f.conn_id_only) {
      w.str("connection_id", "");
    } else {
      w.str("connection", "");
      w.str("connection_id", "");
    }
    if (f.client != nullptr) {
      w.str("client_id", f.client->id);
      w.str("client_name", f.client->name);
    } else {
      w.str("client_id", f.client_id);
      w.str("client_name", f.client_name);
    }
    w.str("ip", f.ip);
    w.str("user_agent", f.ua);
  }

  // Writes "hostname" .. "$event_schema" and closes the envelope.
  static void tail(json_writer& w, const std::string& id, const auth0_fields& f,
                   std::string_view audience = {}, bool scope_array = false,
                   std::string_view scope = {}) {
    w.str("hostname", f.hostname);
    w.str("user_id", f.user_id);
    w.str("user_name", f.user_name);
    if (!audience.empty()) w.str("audience", audience);
    if (!scope.empty()) {
      if (scope_array) {
        w.begin_array("scope");
        std::size_t start = 0;
        while (start < scope.size()) {
          std::size_t end = scope.find(' ', start);
          if (end == std::string_view::npos) end = scope.size();
          w.element(scope.substr(start, end - start));
          start = end + 1;
        }
        w.end_array();
      } else {
        w.str("scope", scope);
      }
    }
    if (f.strategy && f.conn != nullptr) {
      w.str("strategy", f.conn->strategy);
      w.str("strategy_type", f.conn->strategy_type);
    }
    w.str("log_id", id);
    w.str("tenant_name", k_tenant);
    w.begin_object("$event_schema");
    w.str("version", "1.0.0");
    w.end_object();
    w.end_object();  // data
    w.end_object();  // envelope
  }

  auth0_fields user_fields(const user& u, std::string_view type, const origin& o) const {
    auth0_fields f;
    f.type = type;
    f.conn = u.social ? &k_google : &k_database;
    f.client = &k_clients[u.client];
    f.ip = o.ip;
    f.ua = o.ua;
    f.hostname = k_clients[u.client].hostname;
    f.user_id = u.id;
    f.user_name = u.email;
    return f;
  }

  std::string auth0_success(user& u, const origin& o, i64 time, bool mfa, bool sso) {
    const std::string id = log_id(time);
    auth0_fields f = user_fields(u, "s", o);
    std::string line;
    line.reserve(1500);
    json_writer w(line);
    head(w, id, time, f);
    if (sso) {
      const i64 elapsed = m_rng.range(80, 1500);
      w.begin_object("details");
      w.begin_array("prompts");
      w.end_array();
      w.num("initiatedAt", time - elapsed);
      w.num("completedAt", time - 1);
      w.num("elapsedTime", elapsed - 1);
      w.str("session_id", u.session);
      w.begin_object("stats");
      w.num("loginsCount", u.logins);
      w.end_object();
      w.end_object();
      tail(w, id, f);
      return line;
    }
    const i64 elapsed = m_rng.range(1500, 45000);
    const i64 initiated = time - elapsed;
    const i64 auth_done = initiated + elapsed * 7 / 10;
    w.begin_object("details");
    w.begin_array("prompts");
    w.begin_object();
    w.str("name", u.social ? "federated-authenticate" : "prompt-authenticate");
    if (u.social) w.num("initiatedAt", initiated + 40);
    w.num("completedAt", auth_done);
    w.str("connection", f.conn->name);
    w.str("connection_id", f.conn->id);
    w.str("strategy", f.conn->strategy);
    w.str("identity", u.identity);
    w.begin_object("stats");
    w.num("loginsCount", u.logins);
    w.end_object();
    if (u.social) {
      w.num("elapsedTime", auth_done - initiated - 40);
    } else {
      w.null("elapsedTime");
    }
    w.end_object();
    w.begin_object();
    w.str("name", "login");
    w.str("flow", "universal-login");
    w.num("initiatedAt", initiated + 9);
    w.num("completedAt", auth_done + 31);
    w.begin_object("timers");
    w.num("rules", m_rng.range(2, 12));
    w.end_object();
    w.str("user_id", u.id);
    w.str("user_name", u.email);
    w.num("elapsedTime", auth_done + 22 - initiated);
    w.end_object();
    if (mfa) {
      w.begin_object();
      w.str("name", "mfa");
      w.num("initiatedAt", auth_done + 60);
      w.num("completedAt", time - 180);
      w.begin_array("performed_amr");
      w.element("mfa");
      w.end_array();
      w.num("elapsedTime", time - 240 - auth_done);
      w.end_object();
    }
    w.end_array();
    w.num("initiatedAt", initiated);
    w.num("completedAt", time - 1);
    w.num("elapsedTime", elapsed - 1);
    w.str("session_id", u.session);
    w.begin_object("stats");
    w.num("loginsCount", u.logins);
    w.end_object();
    w.end_object();
    if (m_rng.chance(0.15)) {
      tail(w, id, f, k_api_audience, true, "openid profile email offline_access");
    } else {
      tail(w, id, f);
    }
    return line;
  }

  std::string auth0_wrong_password(const user& u, const origin& o, i64 time) {
    const std::string id = log_id(time);
    auth0_fields f = user_fields(u, "fp", o);
    f.description = "Wrong email or password.";
    std::string line;
    line.reserve(1000);
    json_writer w(line);
    head(w, id, time, f);
    w.begin_object("details");
    w.begin_object("error");
    w.str("message", "Wrong email or password.");
    w.end_object();
    w.end_object();
    tail(w, id, f);
    return line;
  }

  std::string auth0_unknown_user(const user& u, const origin& o, i64 time) {
    const std::string id = log_id(time);
    std::string name(k_first_names[m_rng.index(k_first_names.size())]);
    name += '.';
    name += k_last_names[m_rng.index(k_last_names.size())];
    append_uint(name, m_rng.below(100));
    name += '@';
    static constexpr std::array<std::string_view, 4> typo_domains = {
        {"gmial.com", "outlok.com", "gmail.com", "yahoo.com"}};
    name += typo_domains[m_rng.index(typo_domains.size())];
    auth0_fields f = user_fields(u, "fu", o);
    f.conn = &k_database;
    f.description = "Wrong email or password.";
    f.user_id = "";
    f.user_name = name;
    std::string line;
    line.reserve(1000);
    json_writer w(line);
    head(w, id, time, f);
    w.begin_object("details");
    w.begin_object("error");
    w.str("message", "Wrong email or password.");
    w.end_object();
    w.end_object();
    tail(w, id, f);
    return line;
  }

  std::string auth0_failure_other(const user& u, const origin& o, i64 time) {
    const std::string id = log_id(time);
    auth0_fields f = user_fields(u, "f", o);
    std::string line;
    line.reserve(2000);
    json_writer w(line);
    const double r = m_rng.unit();
    const client_info& c = *f.client;
    if (r < 0.55) {
      f.description = "user is blocked";
      head(w, id, time, f);
      w.begin_object("details");
      w.begin_object("error");
      w.str("message", "user is blocked");
      w.end_object();
      w.end_object();
      tail(w, id, f);
    } else if (r < 0.80) {
      f.description = "the connection is not enabled";
      f.conn = &k_google;
      head(w, id, time, f);
      w.begin_object("details");
      w.begin_object("body");
      w.end_object();
      w.begin_object("qs");
      w.str("client_id", c.id);
      w.str("response_type", "code");
      w.str("connection", "google-oauth2");
      w.str("scope", "openid profile email");
      w.str("redirect_uri", c.app_url);
      w.end_object();
      w.str("connection", "google-oauth2");
      w.begin_object("error");
      w.str("message", "the connection is not enabled");
      w.str("oauthError", "invalid_request");
      w.str("type", "request-error");
      w.end_object();
      w.str("session_id", random_string(m_rng, k_base64url, 32));
      w.null("riskAssessment");
      w.end_object();
      f.strategy = false;
      tail(w, id, f, "https://acme-prod.us.auth0.com/userinfo", true, "openid profile email");
    } else {
      const std::string callback = "http://localhost:3000/callback";
      const std::string message =
          "Callback URL mismatch. " + callback + " is not in the list of allowed callback URLs";
      f.description = message;
      f.conn = nullptr;
      f.conn_id_only = true;
      f.user_id = "";
      f.user_name = "";
      head(w, id, time, f);
      w.begin_object("details");
      w.begin_object("body");
      w.end_object();
      w.begin_object("qs");
      w.str("client_id", c.id);
      w.str("redirect_uri", callback);
      w.str("response_type", "code");
      w.str("scope", "openid profile");
      w.str("state", random_string(m_rng, k_base64url, 43));
      w.end_object();
      w.begin_object("error");
      w.str("message", message);
      w.str("oauthError", message + ". Please go to 'https://manage.auth0.com/#/applications/" +
                              std::string(c.id) +
                              "/settings' and make sure you are sending the same callback url "
                              "from your application.");
      w.str("type", "callback-url-mismatch");
      w.end_object();
      w.end_object();
      tail(w, id, f);
    }
    return line;
  }

  std::string auth0_brute_force_block(const user& u, const origin& o, i64 time, i64 attempts) {
    const std::string id = log_id(time);
    auth0_fields f = user_fields(u, "limit_wc", o);
    std::string description = "User (" + u.email + ") attempted ";
    append_int(description, attempts);
    description +=
        " consecutive logins unsuccessfully. Brute force protection is enabled for this "
        "connection, further attempts are blocked from this IP address for this user.";
    f.description = description;
    f.user_id = "";  // as in observed limit_wc samples: only user_name identifies the account
    f.strategy = false;
    std::string line;
    line.reserve(1000);
    json_writer w(line);
    head(w, id, time, f);
    w.begin_object("details");
    w.begin_object("error");
    w.str("message", "Too many failed login attempts. The account is blocked for this IP.");
    w.str("oauthError", "too_many_attempts");
    w.end_object();
    w.num("count", attempts);
    w.end_object();
    tail(w, id, f);
    return line;
  }

  std::string auth0_code_exchange(const user& u, i64 time) {
    const std::string id = log_id(time);
    origin o;
    o.ip = k_backend_ips[m_rng.index(k_backend_ips.size())];
    o.ua = k_backend_agents[m_rng.index(k_backend_agents.size())];
    auth0_fields f = user_fields(u, "seacft", o);
    f.description = "Authorization Code for Access Token";
    f.conn = nullptr;
    f.conn_id_only = true;
    f.hostname = k_tenant_host;
    std::string line;
    line.reserve(1000);
    json_writer w(line);
    head(w, id, time, f);
    w.begin_object("details");
    std::string code(42, '*');
    append_random(code, m_rng, k_base64url, 3);
    w.str("code", code);
    w.end_object();
    if (m_rng.chance(0.5)) {
      tail(w, id, f, k_api_audience, false, "openid profile email offline_access");
    } else {
      tail(w, id, f);
    }
    return line;
  }

  std::string auth0_silent_auth(user& u, const origin& o, i64 time) {
    const std::string id = log_id(time);
    auth0_fields f = user_fields(u, "ssa", o);
    std::string line;
    line.reserve(1000);
    json_writer w(line);
    head(w, id, time, f);
    w.begin_object("details");
    w.begin_array("prompts");
    w.end_array();
    const i64 elapsed = m_rng.range(40, 900);
    w.num("initiatedAt", time - elapsed);
    w.num("completedAt", time - 1);
    w.num("elapsedTime", elapsed - 1);
    w.str("session_id", u.session);
    w.end_object();
    f.strategy = false;
    if (m_rng.chance(0.5)) {
      tail(w, id, f, k_api_audience, false, "openid profile email");
    } else {
      tail(w, id, f);
    }
    return line;
  }

  std::string auth0_logout(const user& u, const origin& o, i64 time) {
    const std::string id = log_id(time);
    auth0_fields f = user_fields(u, "slo", o);
    f.description = "User successfully logged out.";
    f.strategy = false;
    const client_info& c = *f.client;
    std::string line;
    line.reserve(1000);
    json_writer w(line);
    head(w, id, time, f);
    w.begin_object("details");
    w.str("return_to", c.app_url);
    w.begin_array("allowed_logout_url");
    w.element(c.app_url);
    w.element("https://www.acme-corp.example/");
    w.end_array();
    w.str("session_id", u.session);
    w.end_object();
    tail(w, id, f);
    return line;
  }

  std::string auth0_mfa_success(const user& u, const origin& o, i64 time) {
    const std::string id = log_id(time);
    auth0_fields f = user_fields(u, "gd_auth_succeed", o);
    f.description = "Second factor authentication succeeded";
    f.conn = nullptr;
    f.conn_id_only = true;
    f.strategy = false;
    std::string line;
    line.reserve(1000);
    json_writer w(line);
    head(w, id, time, f);
    w.begin_object("details");
    const i64 elapsed = m_rng.range(3000, 40000);
    w.num("initiatedAt", time - elapsed);
    w.num("completedAt", time);
    w.num("elapsedTime", elapsed);
    static constexpr std::array<std::string_view, 3> kinds = {
        {"otp", "push-notification", "webauthn-platform"}};
    w.begin_object("authenticator");
    w.str("type", kinds[m_rng.index(kinds.size())]);
    w.end_object();
    w.begin_object("request");
    w.str("method", "POST");
    w.str("path", "/u/mfa-otp-challenge");
    w.str("ip", o.ip);
    w.end_object();
    w.str("session_id", u.session);
    w.end_object();
    tail(w, id, f);
    return line;
  }

  std::string auth0_management(i64 time) {
    const std::string id = log_id(time);
    const admin& a = k_admins[m_rng.index(k_admins.size())];
    const user& target = pick_user();
    std::string path = "/api/v2/users/" + target.id;
    std::string_view description;
    std::string_view method;
    i64 status = 200;
    const double r = m_rng.unit();
    int variant = 0;
    if (r < 0.5) {
      description = "Update a user";
      method = "patch";
      variant = 0;
    } else if (r < 0.8) {
      description = "Delete all sessions for a user";
      method = "delete";
      path += "/sessions";
      status = 202;
      variant = 1;
    } else {
      description = "Invalidate all remembered browsers for MFA";
      method = "post";
      path += "/multifactor/actions/invalidate-remember-browser";
      status = 204;
      variant = 2;
    }
    const bool blocked = m_rng.chance(0.5);
    auth0_fields f;
    f.type = "sapi";
    f.description = description;
    f.conn = nullptr;
    f.conn_id_only = true;
    f.client_id = k_mgmt_client_id;
    f.client_name = "";
    f.ip = a.ip;
    f.ua = k_agents[a.agent].ua;
    f.hostname = k_tenant_host;
    f.user_id = a.id;
    f.user_name = a.email;
    f.strategy = false;
    std::string line;
    line.reserve(1500);
    json_writer w(line);
    head(w, id, time, f);
    w.begin_object("details");
    w.begin_object("request");
    w.str("method", method);
    w.str("path", path);
    w.begin_object("query");
    w.end_object();
    w.str("userAgent", f.ua);
    w.begin_object("body");
    if (variant == 0) w.boolean("blocked", blocked);
    w.end_object();
    w.str("channel", "https://manage.auth0.com/");
    w.str("ip", a.ip);
    w.begin_object("auth");
    w.begin_object("user");
    w.str("user_id", a.id);
    w.str("name", a.name);
    w.str("email", a.email);
    w.end_object();
    w.str("strategy", "jwt");
    w.begin_object("credentials");
    w.str("jti", random_string(m_rng, k_hex, 32));
    w.end_object();
    w.end_object();
    w.end_object();
    w.begin_object("response");
    w.num("statusCode", status);
    w.begin_object("body");
    if (variant == 0) {
      w.str("user_id", target.id);
      w.str("email", target.email);
      w.boolean("blocked", blocked);
      w.time("updated_at", time);
    }
    w.end_object();
    w.end_object();
    w.end_object();
    tail(w, id, f);
    return line;
  }

  // ---- Relock webhook events -------------------------------------------------------------------

  static void relock_head(json_writer& w, std::string_view event) {
    w.begin_object();
    w.str("event", event);
    w.begin_object("data");
  }

  static void relock_location(json_writer& w, std::string_view ip) {
    const place& p = locate(ip);
    w.begin_object("location");
    w.str("country", p.country);
    w.str("city", p.city);
    w.str("timezone", p.timezone);
    w.end_object();
  }

  static void relock_tail(json_writer& w) {
    w.end_object();
    w.end_object();
  }

  void ensure_relock_session(user& u, i64 time) {
    if (u.relock_session.empty()) {
      u.relock_session = random_uuid(m_rng);
      u.relock_session_start = time;
    }
  }

  std::string relock_auth_success(user& u, const origin& o, i64 time) {
    ensure_relock_session(u, time);
    std::string line;
    line.reserve(600);
    json_writer w(line);
    relock_head(w, "authentication.success");
    w.str("userId", u.id);
    w.str("sessionId", u.relock_session);
    w.str("deviceId", u.device);
    w.time("timestamp", time);
    w.str("ipAddress", o.ip);
    w.str("userAgent", o.ua);
    relock_location(w, o.ip);
    relock_tail(w);
    return line;
  }

  std::string relock_auth_failed(user& u, const origin& o, i64 time, bool attacker) {
    static constexpr std::array<std::string_view, 4> reasons = {
        {"device_not_trusted", "invalid_signature", "device_unknown", "token_expired"}};
    std::string line;
    line.reserve(600);
    json_writer w(line);
    relock_head(w, "authentication.failed");
    w.str("userId", u.id);
    if (attacker) {
      w.str("sessionId", random_uuid(m_rng));
    } else {
      ensure_relock_session(u, time);
      w.str("sessionId", u.relock_session);
    }
    w.time("timestamp", time);
    w.str("reason", attacker ? reasons[m_rng.index(3)] : reasons[m_rng.index(reasons.size())]);
    w.str("ipAddress", o.ip);
    w.str("userAgent", o.ua);
    relock_location(w, o.ip);
    relock_tail(w);
    return line;
  }

  std::string relock_device_registered(const user& u, std::string_view ip, i64 time) {
    const agent_info& a = k_agents[u.agent];
    std::string name(k_first_names[u.first_name]);
    name[0] = static_cast<char>(name[0] - 'a' + 'A');
    name += "'s ";
    name += a.device;
    std::string line;
    line.reserve(600);
    json_writer w(line);
    relock_head(w, "device.registered");
    w.str("deviceId", u.device);
    w.str("userId", u.id);
    w.begin_object("deviceInfo");
    w.str("name", name);
    w.str("type", a.type);
    w.str("os", a.os);
    w.str("browser", a.browser);
    w.end_object();
    w.time("timestamp", time);
    w.str("ipAddress", ip);
    relock_location(w, ip);
    relock_tail(w);
    return line;
  }

  std::string relock_device_revoked(const user& u, std::string_view device, i64 time) {
    std::string line;
    line.reserve(400);
    json_writer w(line);
    relock_head(w, "device.revoked");
    w.str("deviceId", device);
    w.str("userId", u.id);
    const double r = m_rng.unit();
    if (r < 0.6) {
      w.str("reason", "user_requested");
      w.time("timestamp", time);
      w.str("revokedBy", u.id);
    } else if (r < 0.9) {
      w.str("reason", "admin_action");
      w.time("timestamp", time);
      w.str("revokedBy", k_admins[m_rng.index(2)].email);
    } else {
      w.str("reason", "compromised");
      w.time("timestamp", time);
      w.str("revokedBy", "system");
    }
    relock_tail(w);
    return line;
  }

  std::string relock_session_created(user& u, const origin& o, i64 time) {
    u.relock_session = random_uuid(m_rng);
    u.relock_session_start = time;
    std::string line;
    line.reserve(600);
    json_writer w(line);
    relock_head(w, "session.created");
    w.str("sessionId", u.relock_session);
    w.str("userId", u.id);
    w.str("deviceId", u.device);
    w.time("timestamp", time);
    w.time("expiresAt", time + (m_rng.chance(0.7) ? 8 : 1) * k_hour);
    w.str("ipAddress", o.ip);
    w.str("userAgent", o.ua);
    relock_tail(w);
    return line;
  }

  std::string relock_session_ended(user& u, i64 time, std::string_view reason) {
    ensure_relock_session(u, time - m_rng.range(60, 8 * 3600) * k_second);
    std::string line;
    line.reserve(400);
    json_writer w(line);
    relock_head(w, "session.ended");
    w.str("sessionId", u.relock_session);
    w.str("userId", u.id);
    w.str("deviceId", u.device);
    w.time("timestamp", time);
    w.str("reason", reason);
    w.num("duration", std::max<i64>(1, (time - u.relock_session_start) / k_second));
    relock_tail(w);
    u.relock_session.clear();
    return line;
  }

  std::string relock_security_alert(const user& u, const origin& o, i64 time, i64 attempts) {
    struct alert_kind {
      std::string_view type, severity, description;
    };
    static constexpr std::array<alert_kind, 4> kinds = {{
        {"suspicious_activity", "high",
         "Multiple failed authentication attempts from different locations"},
        {"impossible_travel", "high",
         "Authentication from a location unreachable since the last"
         " verified login"},
        {"device_mismatch", "critical",
         "Session presented a device key other than the one it was created with"},
        {"unusual_activity", "medium", "Unusual request pattern for this user and device"},
    }};
    const alert_kind& k = kinds[attempts > 0 ? 0 : 1 + m_rng.index(3)];
    std::string alert_id = "alert_";
    append_random(alert_id, m_rng, k_hex, 24);
    std::string line;
    line.reserve(700);
    json_writer w(line);
    relock_head(w, "security.alert");
    w.str("alertId", alert_id);
    w.str("userId", u.id);
    w.str("alertType", k.type);
    w.str("severity", k.severity);
    w.str("description", k.description);
    w.time("timestamp", time);
    w.str("ipAddress", o.ip);
    relock_location(w, o.ip);
    w.begin_object("details");
    w.num("attemptCount", attempts > 0 ? attempts : 1);
    w.str("timeWindow", "5 minutes");
    w.begin_array("locations");
    w.element(locate(o.ip).country);
    w.element(locate(u.ip).country);
    w.end_array();
    w.end_object();
    relock_tail(w);
    return line;
  }

  // ---- actions ---------------------------------------------------------------------------------

  void login(user& u, i64 now) {
    const origin o = user_origin(u, true);
    i64 t = now;
    if (o.new_device && u.relock && m_rng.chance(0.8)) {  // enrol the new device, then log in
      push(t, relock_device_registered(u, o.ip, t));
      t += m_rng.range(2000, 20000);
    }
    if (m_rng.chance(0.025)) {  // typo first
      push(t, auth0_wrong_password(u, o, t));
      t += m_rng.range(4000, 25000);
    }
    const bool mfa = m_rng.chance(0.021);
    if (mfa) {
      push(t, auth0_mfa_success(u, o, t));
      t += m_rng.range(300, 2500);
    }
    // Single sign-on into another application reuses the Auth0 session and shows no prompts.
    const bool sso = !mfa && !u.session.empty() && m_rng.chance(0.6);
    ++u.logins;
    if (!sso) u.session = random_string(m_rng, k_base64url, 32);
    push(t, auth0_success(u, o, t, mfa, sso));
    if (m_rng.chance(0.04)) {
      const i64 tx = t + m_rng.range(150, 1500);
      push(tx, auth0_code_exchange(u, tx));
    }
    if (u.relock && m_rng.chance(0.19)) {
      const i64 tr = t + m_rng.range(300, 4000);
      push(tr, relock_auth_success(u, o, tr));
      if (m_rng.chance(0.6)) {
        const i64 ts = tr + m_rng.range(50, 800);
        push(ts, relock_session_created(u, o, ts));
      }
    }
  }

  void silent_auth(user& u, i64 now) {
    if (u.session.empty()) u.session = random_string(m_rng, k_base64url, 32);
    const origin o = user_origin(u);
    push(now, auth0_silent_auth(u, o, now));
  }

  void logout(user& u, i64 now) {
    if (u.session.empty()) u.session = random_string(m_rng, k_base64url, 32);
    const origin o = user_origin(u);
    push(now, auth0_logout(u, o, now));
    u.session.clear();
    if (u.relock && m_rng.chance(0.5)) {
      const i64 t = now + m_rng.range(200, 2000);
      push(t, relock_session_ended(u, t, "user_logout"));
    }
  }

  void token_exchange(user& u, i64 now) { push(now, auth0_code_exchange(u, now)); }

  // A failed attempt, sometimes with the matching Relock failure a few seconds before or after.
  void single_failure(user& u, i64 now) {
    const double r = m_rng.unit();
    if (r < 0.50) {
      const bool attacker = m_rng.chance(0.25);
      const origin o = attacker ? attacker_origin() : user_origin(u);
      const bool paired = m_rng.chance(u.relock ? 0.45 : 0.06);
      i64 t = now;
      if (paired && m_rng.chance(0.4)) {  // Relock rejects the device first
        push(t, relock_auth_failed(u, o, t, attacker));
        t += m_rng.range(300, 5000);
        push(t, auth0_wrong_password(u, o, t));
      } else {
        push(t, auth0_wrong_password(u, o, t));
        if (paired) {
          const i64 tr = t + m_rng.range(300, 5000);
          push(tr, relock_auth_failed(u, o, tr, attacker));
        }
      }
    } else if (r < 0.83) {
      const origin o = m_rng.chance(0.5) ? attacker_origin() : user_origin(u);
      push(now, auth0_unknown_user(u, o, now));
    } else if (r < 0.98) {
      const origin o = user_origin(u);
      push(now, auth0_failure_other(u, o, now));
    } else {
      const origin o = attacker_origin();
      push(now, auth0_brute_force_block(u, o, now, 10));
    }
  }

  // 4-8 failed logins within minutes, from an attacker or from the user who forgot the password.
  void failure_burst(user& u, i64 now) {
    const bool attacker = m_rng.chance(0.6);
    const origin o = attacker ? attacker_origin() : user_origin(u);
    const i64 count = m_rng.range(4, 8);
    const double pair_p = u.relock ? 0.5 : 0.15;
    i64 t = now;
    for (i64 i = 0; i < count; ++i) {
      push(t, auth0_wrong_password(u, o, t));
      if (m_rng.chance(pair_p)) {
        const i64 tr = t + m_rng.range(300, 6000);
        push(tr, relock_auth_failed(u, o, tr, attacker));
      }
      if (i + 1 < count) t += m_rng.range(4000, 60000);
    }
    if (attacker) {
      if (count >= 7) {
        const i64 tb = t + m_rng.range(200, 1500);
        push(tb, auth0_brute_force_block(u, o, tb, count));
      }
      if (u.relock && m_rng.chance(0.3)) {
        const i64 ta = t + m_rng.range(5000, 30000);
        push(ta, relock_security_alert(u, o, ta, count));
      }
    } else if (m_rng.chance(0.5)) {
      const i64 ts = t + m_rng.range(20000, 180000);
      ++u.logins;
      u.session = random_string(m_rng, k_base64url, 32);
      push(ts, auth0_success(u, o, ts, false, false));
    }
  }

  void management(i64 now) { push(now, auth0_management(now)); }

  // Relock-only traffic: session expiry, device removal, new devices, rare alerts.
  void relock_misc(i64 now) {
    user& u = pick_relock_user();
    const double r = m_rng.unit();
    if (r < 0.20) {
      push(now, relock_session_ended(u, now, m_rng.chance(0.8) ? "expired" : "revoked"));
    } else if (r < 0.40) {
      const std::string old = u.device;
      u.device = random_uuid(m_rng);
      push(now, relock_device_revoked(u, old, now));
    } else if (r < 0.95) {
      std::size_t next = m_rng.index(k_agents.size());
      if (next == u.agent) next = (next + 1) % k_agents.size();
      u.agent = next;
      u.device = random_uuid(m_rng);
      push(now, relock_device_registered(u, u.ip, now));
    } else {
      origin o;
      o.ip = m_rng.chance(0.5) ? random_ip() : u.ip;
      push(now, relock_security_alert(u, o, now, 0));
    }
  }

  rng m_rng;
  std::vector<user> m_users;
  std::vector<std::size_t> m_relock_users;
  std::vector<std::string> m_attacker_ips;
  std::vector<queued> m_queue;
  u64 m_seq = 0;
  u64 m_ids = 0;
};

// ---------------------------------------------------------------------------------------------

void usage(std::FILE* to) {
  std::fputs(
      "usage: gen_events [--events N] [--users U] [--seed S] [--out FILE]\n"
      "  --events N  lines to write (default 1000000)\n"
      "  --users U   distinct users (default 100000)\n"
      "  --seed S    random seed; same arguments give the same output (default 1)\n"
      "  --out FILE  write to FILE instead of stdout\n",
      to);
}

bool parse_u64(std::string_view text, u64& value) {
  if (text.empty()) return false;
  auto res = std::from_chars(text.data(), text.data() + text.size(), value);
  return res.ec == std::errc{} && res.ptr == text.data() + text.size();
}

// Returns 0 on success, otherwise the exit status.
int parse_args(int argc, char** argv, options& opts) {
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      usage(stdout);
      return -1;
    }
    if (i + 1 >= argc) {
      std::fprintf(stderr, "gen_events: missing value for %s\n", argv[i]);
      return 2;
    }
    const std::string_view value = argv[++i];
    u64* target = nullptr;
    if (arg == "--events") {
      target = &opts.events;
    } else if (arg == "--users") {
      target = &opts.users;
    } else if (arg == "--seed") {
      target = &opts.seed;
    } else if (arg == "--out") {
      opts.out = std::string(value);
      continue;
    } else {
      std::fprintf(stderr, "gen_events: unknown option %s\n", argv[i - 1]);
      usage(stderr);
      return 2;
    }
    if (!parse_u64(value, *target)) {
      std::fprintf(stderr, "gen_events: %s needs a non-negative integer, got '%s'\n", argv[i - 1],
                   argv[i]);
      return 2;
    }
  }
  if (opts.users == 0 || opts.users > 100000000) {
    std::fputs("gen_events: --users must be between 1 and 100000000\n", stderr);
    return 2;
  }
  if (opts.events > 1000000000) {
    std::fputs("gen_events: --events must be at most 1000000000\n", stderr);
    return 2;
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  options opts;
  if (const int rc = parse_args(argc, argv, opts); rc != 0) return rc < 0 ? 0 : rc;

  std::FILE* out = stdout;
  if (!opts.out.empty()) {
    out = std::fopen(opts.out.c_str(), "wb");
    if (out == nullptr) {
      std::fprintf(stderr, "gen_events: cannot open %s: %s\n", opts.out.c_str(),
                   std::strerror(errno));
      return 1;
    }
  }

  const auto started = std::chrono::steady_clock::now();
  generator gen(opts);
  std::string buffer;
  constexpr std::size_t k_flush_at = 4u << 20;
  buffer.reserve(k_flush_at + 8192);
  u64 bytes = 0;
  bool ok = true;

  const double step =
      static_cast<double>(k_span_ms) / static_cast<double>(std::max<u64>(opts.events, 1));
  rng slot_rng(opts.seed ^ 0x9e3779b97f4a7c15ULL);
  for (u64 emitted = 0; emitted < opts.events && ok; ++emitted) {
    // Nominal arrival time of this line: evenly spread, jittered within its slot.
    const i64 now =
        k_start_ms + static_cast<i64>((static_cast<double>(emitted) + slot_rng.unit()) * step);
    while (!gen.has_due(now))
      gen.act(now);
    gen.pop_into(buffer);
    if (buffer.size() >= k_flush_at) {
      ok = std::fwrite(buffer.data(), 1, buffer.size(), out) == buffer.size();
      bytes += buffer.size();
      buffer.clear();
    }
  }
  if (ok && !buffer.empty()) {
    ok = std::fwrite(buffer.data(), 1, buffer.size(), out) == buffer.size();
    bytes += buffer.size();
  }
  if (std::fflush(out) != 0) ok = false;
  if (out != stdout && std::fclose(out) != 0) ok = false;
  if (!ok) {
    std::fprintf(stderr, "gen_events: write failed: %s\n", std::strerror(errno));
    return 1;
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::fprintf(stderr, "gen_events: %llu lines, %llu bytes in %.2f s\n",
               static_cast<unsigned long long>(opts.events), static_cast<unsigned long long>(bytes),
               secs);
  return 0;
}
