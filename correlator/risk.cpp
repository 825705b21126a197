// Risk scoring of Auth0 login attempts (DESIGN.md "Risk score").
#include <algorithm>

#include "correlator/detections.hpp"

namespace authcorrd::detail {
namespace {

constexpr std::string_view kRecommendIpChange =
    "Confirm the sign-in location with the user: the IP differs from their last verified login.";
constexpr std::string_view kRecommendUserAgentChange =
    "Confirm the new browser or device with the user: the user agent differs from their last "
    "verified login.";
constexpr std::string_view kRecommendLowTrust =
    "Require step-up MFA: the device has no current Relock verification, or its newest Relock "
    "signal is a failure or revocation.";
constexpr std::string_view kRecommendRecentFailures =
    "Check for password guessing: the user had more than the allowed number of failed logins in "
    "the preceding window.";
constexpr std::string_view kRecommendHigh =
    "Consider revoking the user's sessions and refresh tokens until the login is confirmed.";

// Newest value at or before `time` among records that qualify, falling back to what pruning
// folded away.
struct Baseline {
  Symbol ip = kNoSymbol;
  Symbol user_agent = kNoSymbol;
};

Baseline find_baseline(const UserState& user, TimeMs time) {
  Baseline baseline;
  bool have_ip = false;
  bool have_user_agent = false;
  const auto end = std::upper_bound(user.records.begin(), user.records.end(), time,
                                    [](TimeMs t, const Record& r) { return t < r.time; });
  for (auto it = std::make_reverse_iterator(end); it != user.records.rend(); ++it) {
    if (!is_verified_login(it->kind)) continue;
    if (!have_ip && it->ip != kNoSymbol) {
      baseline.ip = it->ip;
      have_ip = true;
    }
    if (!have_user_agent && it->user_agent != kNoSymbol) {
      baseline.user_agent = it->user_agent;
      have_user_agent = true;
    }
    if (have_ip && have_user_agent) return baseline;
  }
  if (!have_ip && user.pruned.ip_time <= time) baseline.ip = user.pruned.ip;
  if (!have_user_agent && user.pruned.user_agent_time <= time) {
    baseline.user_agent = user.pruned.user_agent;
  }
  return baseline;
}

bool device_trust_is_low(const UserState& user, TimeMs time, TimeMs trust_ttl) {
  TimeMs trusted_at = user.pruned.trusted_at <= time ? user.pruned.trusted_at : kNever;
  TimeMs signal_at = user.pruned.relock_signal_at <= time ? user.pruned.relock_signal_at : kNever;
  bool signal_negative = signal_at != kNever && user.pruned.relock_signal_negative;
  for (const Record& r : user.records) {
    if (r.time > time) break;
    const bool positive = is_relock_verification(r.kind);
    if (positive) trusted_at = std::max(trusted_at, r.time);
    if ((positive || is_relock_negative_signal(r.kind)) && r.time >= signal_at) {
      signal_at = r.time;
      signal_negative = !positive;
    }
  }
  if (signal_negative) return true;
  return trusted_at == kNever || trusted_at < time - trust_ttl;
}

std::size_t failures_before(const UserState& user, TimeMs time, TimeMs window) {
  std::size_t count = 0;
  for (const Record& r : user.records) {
    if (r.time >= time) break;
    if (r.kind == EventKind::login_failure && r.time >= time - window) ++count;
  }
  return count;
}

}  // namespace

RiskAssessment assess_login_risk(const DetectionContext& ctx, const UserState& user,
                                 TimeMs login_time, Symbol ip, Symbol user_agent) {
  const CorrelatorParams& params = ctx.params;
  RiskAssessment risk;
  auto add = [&risk](std::string_view name, int score) {
    risk.factors.push_back(RiskFactor{name, score});
    risk.score += score;
  };
  const Baseline baseline = find_baseline(user, login_time);
  if (ip != kNoSymbol && baseline.ip != kNoSymbol && ip != baseline.ip) {
    add("ip_change", params.weights.ip_change);
  }
  if (user_agent != kNoSymbol && baseline.user_agent != kNoSymbol &&
      user_agent != baseline.user_agent) {
    add("user_agent_change", params.weights.user_agent_change);
  }
  if (device_trust_is_low(user, login_time, params.device_trust_ttl)) {
    add("low_device_trust", params.weights.low_device_trust);
  }
  const auto threshold = static_cast<std::size_t>(std::max(params.failure_threshold, 0));
  if (failures_before(user, login_time, params.failure_window) > threshold) {
    add("recent_failures", params.weights.recent_failures);
  }
  risk.level = risk.score >= params.high_risk_score     ? RiskLevel::high
               : risk.score >= params.medium_risk_score ? RiskLevel::medium
                                                        : RiskLevel::low;
  return risk;
}

void score_login(DetectionContext& ctx, UserState& user, const Record& login,
                 std::string_view session_id) {
  RiskAssessment risk = assess_login_risk(ctx, user, login.time, login.ip, login.user_agent);
  if (risk.level == RiskLevel::low) return;

  Alert alert;
  const bool high = risk.level == RiskLevel::high;
  alert.type = high ? AlertType::high_risk_login : AlertType::medium_risk_login;
  alert.severity = high ? Severity::high : Severity::medium;
  alert.user_id = std::string(ctx.strings.text(user.user));
  alert.ip = std::string(ctx.strings.text(login.ip));
  alert.session_id = std::string(session_id);
  alert.event_time = login.time;
  for (const RiskFactor& factor : risk.factors) {
    if (factor.name == "ip_change") alert.recommendations.push_back(kRecommendIpChange);
    if (factor.name == "user_agent_change") {
      alert.recommendations.push_back(kRecommendUserAgentChange);
    }
    if (factor.name == "low_device_trust") alert.recommendations.push_back(kRecommendLowTrust);
    if (factor.name == "recent_failures") {
      alert.recommendations.push_back(kRecommendRecentFailures);
    }
  }
  if (high) alert.recommendations.push_back(kRecommendHigh);
  alert.risk = std::move(risk);
  alert.evidence = {make_evidence(ctx.strings, login)};
  emit_alert(ctx, user, std::move(alert), login.time, login.time);
}

}  // namespace authcorrd::detail
