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
// standard, and every distribution (rng in gen_events_format.hpp) is plain arithmetic on its raw
// output (the standard distributions differ between library implementations). The progress summary
// goes to stderr.
//
// Standard library only; assumes a 64-bit target (std::size_t == std::uint64_t). Not part of
// the test run.
//
// This file holds main(), argument parsing and the traffic model (which action happens next and
// what events it produces). The rest:
//   gen_events_format.hpp/.cpp  rng, number/time/random-string formatting, json_writer
//   gen_events_data.hpp/.cpp    static tables: applications, user agents, places, names, admins
//   gen_events_model.hpp        user/origin/options and the generator class
//   gen_events_world.cpp        users, IPs, request origins, delivery queue, Auth0 log ids
//   gen_events_auth0.cpp        Auth0 Log Streams JSON lines
//   gen_events_relock.cpp       Relock webhook JSON lines

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <string_view>
#include <system_error>

#include "gen_events_data.hpp"
#include "gen_events_format.hpp"
#include "gen_events_model.hpp"

namespace gen_events {

// ---------------------------------------------------------------------------------------------
// Traffic model: which action happens next, and the events each action produces.

void generator::act(i64 now) {
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

void generator::login(user& u, i64 now) {
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

void generator::silent_auth(user& u, i64 now) {
  if (u.session.empty()) u.session = random_string(m_rng, k_base64url, 32);
  const origin o = user_origin(u);
  push(now, auth0_silent_auth(u, o, now));
}

void generator::logout(user& u, i64 now) {
  if (u.session.empty()) u.session = random_string(m_rng, k_base64url, 32);
  const origin o = user_origin(u);
  push(now, auth0_logout(u, o, now));
  u.session.clear();
  if (u.relock && m_rng.chance(0.5)) {
    const i64 t = now + m_rng.range(200, 2000);
    push(t, relock_session_ended(u, t, "user_logout"));
  }
}

void generator::token_exchange(user& u, i64 now) {
  push(now, auth0_code_exchange(u, now));
}

void generator::single_failure(user& u, i64 now) {
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

void generator::failure_burst(user& u, i64 now) {
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

void generator::management(i64 now) {
  push(now, auth0_management(now));
}

void generator::relock_misc(i64 now) {
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

// ---------------------------------------------------------------------------------------------
// Command line.

namespace {

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
}  // namespace gen_events

int main(int argc, char** argv) {
  using namespace gen_events;
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
