#include "correlator/alert.hpp"

namespace authcorrd {

std::string_view to_string(Severity severity) noexcept {
  switch (severity) {
    case Severity::low:
      return "low";
    case Severity::medium:
      return "medium";
    case Severity::high:
      return "high";
    case Severity::critical:
      return "critical";
  }
  return "low";
}

std::string_view to_string(AlertType type) noexcept {
  switch (type) {
    case AlertType::correlated_security_event:
      return "correlated_security_event";
    case AlertType::failed_login_burst:
      return "failed_login_burst";
    case AlertType::medium_risk_login:
      return "medium_risk_login";
    case AlertType::high_risk_login:
      return "high_risk_login";
    case AlertType::device_compromise:
      return "device_compromise";
    case AlertType::session_hijacking:
      return "session_hijacking";
    case AlertType::unusual_activity:
      return "unusual_activity";
  }
  return "unknown";
}

std::string_view to_string(RiskLevel level) noexcept {
  switch (level) {
    case RiskLevel::low:
      return "low";
    case RiskLevel::medium:
      return "medium";
    case RiskLevel::high:
      return "high";
  }
  return "low";
}

namespace {
// Length-prefixed so that no id, whatever bytes it holds, can run into its neighbour.
void append_field(std::string& text, std::string_view field) {
  text.append(std::to_string(field.size()));
  text.push_back(':');
  text.append(field);
}
}  // namespace

std::string Alert::identity() const {
  std::string text;
  text.reserve(64 + evidence.size() * 64);
  append_field(text, to_string(type));
  append_field(text, user_id);
  for (const Evidence& item : evidence) {
    append_field(text, to_string(item.source));
    append_field(text, item.id);
  }
  return text;
}

}  // namespace authcorrd
