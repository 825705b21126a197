// gen_events_model: the dynamic world of gen_events. Per-user state (user), where a request
// came from (origin), the reorder queue of rendered lines, the command-line options, and the
// generator class that ties them together. The generator's members are defined in:
//   gen_events.cpp         act() and the actions (the traffic model)
//   gen_events_world.cpp   users, IPs, request origins, the delivery queue and Auth0 log ids
//   gen_events_auth0.cpp   Auth0 Log Streams lines
//   gen_events_relock.cpp  Relock webhook lines
#pragma once

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "gen_events_format.hpp"

namespace gen_events {

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
  explicit generator(const options& opts);

  // Produces the next action at nominal time `now`; its events go to the queue.
  void act(i64 now);

  bool has_due(i64 now) const { return !m_queue.empty() && m_queue.front().deliver <= now; }

  // Moves the earliest queued line (plus '\n') into `out`.
  void pop_into(std::string& out) {
    std::pop_heap(m_queue.begin(), m_queue.end(), later{});
    out += m_queue.back().line;
    out += '\n';
    m_queue.pop_back();
  }

 private:
  // ---- users, network origins (gen_events_world.cpp) ------------------------------------------

  void make_users(u64 count);
  // Skewed activity: a few users log in often, most rarely.
  user& pick_user();
  user& pick_relock_user();
  std::string random_ip();
  // The user's usual browser and network, with occasional changes: travel or a mobile network
  // (one-off IP), a move or new ISP lease (new home IP), another browser once, and, when
  // `allow_new_device`, a permanent switch to a new device (origin::new_device).
  origin user_origin(user& u, bool allow_new_device = false);
  origin attacker_origin();

  // ---- queue (gen_events_world.cpp) ------------------------------------------------------------

  // Queues a line for event time `time`; a few percent arrive up to two minutes late.
  void push(i64 time, std::string line);
  // "900" + YYYYMMDDhhmmss (event time or a few seconds later) + 39 digits. The middle nine
  // digits are a bijection of a global counter, so ids are unique for up to 10^9 events.
  std::string log_id(i64 time);

  // ---- Auth0 log events (gen_events_auth0.cpp) -------------------------------------------------

  std::string auth0_success(user& u, const origin& o, i64 time, bool mfa, bool sso);
  std::string auth0_wrong_password(const user& u, const origin& o, i64 time);
  std::string auth0_unknown_user(const user& u, const origin& o, i64 time);
  std::string auth0_failure_other(const user& u, const origin& o, i64 time);
  std::string auth0_brute_force_block(const user& u, const origin& o, i64 time, i64 attempts);
  std::string auth0_code_exchange(const user& u, i64 time);
  std::string auth0_silent_auth(user& u, const origin& o, i64 time);
  std::string auth0_logout(const user& u, const origin& o, i64 time);
  std::string auth0_mfa_success(const user& u, const origin& o, i64 time);
  std::string auth0_management(i64 time);

  // ---- Relock webhook events (gen_events_relock.cpp) -------------------------------------------

  void ensure_relock_session(user& u, i64 time);
  std::string relock_auth_success(user& u, const origin& o, i64 time);
  std::string relock_auth_failed(user& u, const origin& o, i64 time, bool attacker);
  std::string relock_device_registered(const user& u, std::string_view ip, i64 time);
  std::string relock_device_revoked(const user& u, std::string_view device, i64 time);
  std::string relock_session_created(user& u, const origin& o, i64 time);
  std::string relock_session_ended(user& u, i64 time, std::string_view reason);
  std::string relock_security_alert(const user& u, const origin& o, i64 time, i64 attempts);

  // ---- actions (gen_events.cpp) ----------------------------------------------------------------

  void login(user& u, i64 now);
  void silent_auth(user& u, i64 now);
  void logout(user& u, i64 now);
  void token_exchange(user& u, i64 now);
  // A failed attempt, sometimes with the matching Relock failure a few seconds before or after.
  void single_failure(user& u, i64 now);
  // 4-8 failed logins within minutes, from an attacker or from the user who forgot the password.
  void failure_burst(user& u, i64 now);
  void management(i64 now);
  // Relock-only traffic: session expiry, device removal, new devices, rare alerts.
  void relock_misc(i64 now);

  rng m_rng;
  std::vector<user> m_users;
  std::vector<std::size_t> m_relock_users;
  std::vector<std::string> m_attacker_ips;
  std::vector<queued> m_queue;
  u64 m_seq = 0;
  u64 m_ids = 0;
};

}  // namespace gen_events
