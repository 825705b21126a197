// Alerts produced by the correlator: the in-memory form of DESIGN.md's alert contract. The JSON
// form and the stable id are produced in sinks/ (alert_json.hpp). Plain values; movable across
// threads.
#pragma once

#include <array>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "correlator/event.hpp"

namespace authcorrd {

enum class Severity : std::uint8_t { low, medium, high, critical };

enum class AlertType : std::uint8_t {
  correlated_security_event,
  failed_login_burst,
  medium_risk_login,
  high_risk_login,
  device_compromise,
  session_hijacking,
  unusual_activity,
};
inline constexpr std::size_t kAlertTypeCount = 7;

std::string_view to_string(Severity severity) noexcept;
std::string_view to_string(AlertType type) noexcept;

enum class RiskLevel : std::uint8_t { low, medium, high };
std::string_view to_string(RiskLevel level) noexcept;

struct RiskFactor {
  std::string_view name;  // "ip_change", "user_agent_change", "low_device_trust", "recent_failures"
  int score = 0;
};

struct RiskAssessment {
  int score = 0;
  RiskLevel level = RiskLevel::low;
  std::vector<RiskFactor> factors;  // only the factors that applied, in a fixed order
};

// What the index knows about the device trust of a user at a login (the basis of the
// low_device_trust factor), for synchronous risk queries.
struct DeviceTrust {
  enum class Verification : std::uint8_t {
    none,      // no Relock signal known
    verified,  // newest signal is a successful verification within device_trust_ttl
    stale,     // newest signal is a successful verification older than device_trust_ttl
    failed,    // newest signal is a failed verification (or a negative signal pruning folded)
    revoked,   // newest signal is a device revocation
  };
  bool trusted = false;
  Verification verification = Verification::none;
  std::string device_id;  // the device of the newest signal; empty when unknown
};
std::string_view to_string(DeviceTrust::Verification verification) noexcept;

// The level of a risk score by the thresholds of CorrelatorParams (medium_risk_score,
// high_risk_score).
RiskLevel risk_level(int score, int medium_risk_score, int high_risk_score) noexcept;

// The recommendations that go with an assessment's factors (and its level), in factor order.
std::vector<std::string_view> risk_recommendations(const RiskAssessment& risk);

struct Evidence {
  Source source = Source::auth0;
  std::string id;    // Auth0 log_id or the derived Relock event id
  std::string type;  // Auth0 type code or Relock event name
  TimeMs time = 0;
};

struct Alert {
  AlertType type = AlertType::correlated_security_event;
  Severity severity = Severity::low;
  std::string user_id;
  std::string device_id;   // empty = omitted from the JSON
  std::string session_id;  // empty = omitted
  std::string ip;          // empty = omitted
  TimeMs event_time = 0;
  std::optional<RiskAssessment> risk;
  std::vector<std::string_view> recommendations;  // static texts
  std::vector<Evidence> evidence;                 // ordered by time, then source, then id

  // The canonical text the stable alert id is derived from: type, user and evidence ids. The
  // same input always yields the same identity, whatever the arrival order.
  std::string identity() const;
};

}  // namespace authcorrd
