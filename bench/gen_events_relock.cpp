// gen_events_relock: the Relock webhook lines, {"event": "<name>", "data": {...}}, for
// authentication.success / .failed, device.registered / .revoked, session.created / .ended and
// security.alert, plus the per-user Relock session bookkeeping they share.
#include <algorithm>
#include <array>
#include <string>
#include <string_view>

#include "gen_events_data.hpp"
#include "gen_events_format.hpp"
#include "gen_events_model.hpp"

namespace gen_events {
namespace {

void relock_head(json_writer& w, std::string_view event) {
  w.begin_object();
  w.str("event", event);
  w.begin_object("data");
}

void relock_location(json_writer& w, std::string_view ip) {
  const place& p = locate(ip);
  w.begin_object("location");
  w.str("country", p.country);
  w.str("city", p.city);
  w.str("timezone", p.timezone);
  w.end_object();
}

void relock_tail(json_writer& w) {
  w.end_object();
  w.end_object();
}

}  // namespace

void generator::ensure_relock_session(user& u, i64 time) {
  if (u.relock_session.empty()) {
    u.relock_session = random_uuid(m_rng);
    u.relock_session_start = time;
  }
}

std::string generator::relock_auth_success(user& u, const origin& o, i64 time) {
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

std::string generator::relock_auth_failed(user& u, const origin& o, i64 time, bool attacker) {
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

std::string generator::relock_device_registered(const user& u, std::string_view ip, i64 time) {
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

std::string generator::relock_device_revoked(const user& u, std::string_view device, i64 time) {
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

std::string generator::relock_session_created(user& u, const origin& o, i64 time) {
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

std::string generator::relock_session_ended(user& u, i64 time, std::string_view reason) {
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

std::string generator::relock_security_alert(const user& u, const origin& o, i64 time,
                                             i64 attempts) {
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

}  // namespace gen_events
