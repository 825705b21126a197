// The normalized event that every source is parsed into, and the kinds derived from the Auth0
// log type codes and the Relock webhook event names.
//
// Plain values: an Event owns its strings and may be moved between threads freely. Nothing here
// reads a clock; times are milliseconds since the Unix epoch (UTC), set by the parsers from the
// event's own timestamp.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace authcorrd {

// Milliseconds since 1970-01-01T00:00:00Z. Event time, never arrival time.
using TimeMs = std::int64_t;

// "No time": before any event, or a time that is not known.
inline constexpr TimeMs kNoTime = std::numeric_limits<TimeMs>::min();

inline constexpr TimeMs kSecondMs = 1000;
inline constexpr TimeMs kMinuteMs = 60 * kSecondMs;
inline constexpr TimeMs kHourMs = 60 * kMinuteMs;
inline constexpr TimeMs kDayMs = 24 * kHourMs;

enum class Source : std::uint8_t { auth0, relock };

// What happened, independent of the source's own vocabulary. The Auth0 part follows the derived
// categories of reference/auth0.md §2; the Relock part has one kind per documented webhook event.
enum class EventKind : std::uint8_t {
  // Auth0
  login_success,
  login_failure,
  signup_success,
  signup_failure,
  mfa,
  attack_protection,
  breached_password,
  token_exchange,
  logout,
  management_api,
  other,
  // Relock
  relock_authentication_success,
  relock_authentication_failed,
  relock_device_registered,
  relock_device_revoked,
  relock_session_created,
  relock_session_ended,
  relock_security_alert,
};

// Whether the source reports the action as succeeded, failed, or neither (notices, blocks).
enum class Outcome : std::uint8_t { unknown, success, failure };

std::string_view to_string(Source source) noexcept;
std::string_view to_string(EventKind kind) noexcept;
std::string_view to_string(Outcome outcome) noexcept;

struct GeoPoint {
  double latitude = 0;
  double longitude = 0;
  std::string country_code;  // ISO 3166-1 alpha-2, may be empty
};

struct Event {
  Source source = Source::auth0;
  EventKind kind = EventKind::other;
  Outcome outcome = Outcome::unknown;
  TimeMs time = 0;

  std::string source_id;  // Auth0 log_id; Relock: derived hash of the raw event
  std::string type_code;  // Auth0 type code ("fp") or Relock event name ("security.alert")
  std::string tenant;
  std::string user_id;  // empty when the source does not know the user (e.g. Auth0 "fu")
  std::string email;    // fallback join key; lower-cased by the parser
  std::string ip;
  std::string user_agent;
  std::string device_id;
  std::string session_id;
  std::string organization_id;
  std::optional<GeoPoint> geo;

  // Relock details that the session-threat detections read.
  std::string reason;      // authentication.failed / device.revoked / session.ended reason
  std::string alert_type;  // security.alert alertType
  std::string description;
  TimeMs session_expires_at = 0;  // session.created expiresAt; 0 when absent
};

}  // namespace authcorrd
