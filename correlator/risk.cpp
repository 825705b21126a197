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

// What the index knew about the user at a login's time, gathered in one backward pass over the
// user's records (at or before `time`), falling back to what pruning folded away.
struct History {
  Symbol ip = kNoSymbol;          // of the newest verified login that has one
  Symbol user_agent = kNoSymbol;  // likewise
  TimeMs trusted_at = kNever;     // newest positive Relock verification
  bool newest_signal_negative = false;
  std::size_t recent_failures = 0;  // failed logins in [time - failure_window, time)
};

History history_at(const UserState& user, TimeMs time, TimeMs failure_window) {
  History history;
  bool have_ip = false;
  bool have_user_agent = false;
  bool have_signal = false;
  const TimeMs window_start = time - failure_window;
  const auto end = std::upper_bound(user.records.begin(), user.records.end(), time,
                                    [](TimeMs t, const Record& r) { return t < r.time; });
  for (auto it = std::make_reverse_iterator(end); it != user.records.rend(); ++it) {
    const Record& r = *it;
    if (have_ip && have_user_agent && have_signal && r.time < window_start) break;
    if (r.kind == EventKind::login_failure && r.time < time && r.time >= window_start) {
      ++history.recent_failures;
    }
    if (is_verified_login(r.kind)) {
      if (!have_ip && r.ip != kNoSymbol) {
        history.ip = r.ip;
        have_ip = true;
      }
      if (!have_user_agent && r.user_agent != kNoSymbol) {
        history.user_agent = r.user_agent;
        have_user_agent = true;
      }
    }
    if (!have_signal && is_relock_verification(r.kind)) {
      have_signal = true;
      history.trusted_at = r.time;
    } else if (!have_signal && is_relock_negative_signal(r.kind)) {
      have_signal = true;
      history.newest_signal_negative = true;
    }
  }
  // Everything pruned is older than every record, so it only fills what the records lacked.
  const PrunedSummary& pruned = user.pruned;
  if (!have_ip && pruned.ip_time <= time) history.ip = pruned.ip;
  if (!have_user_agent && pruned.user_agent_time <= time) history.user_agent = pruned.user_agent;
  if (!have_signal && pruned.relock_signal_at <= time) {
    history.newest_signal_negative = pruned.relock_signal_negative;
    history.trusted_at = pruned.trusted_at;
  }
  return history;
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
  const History history = history_at(user, login_time, params.failure_window);
  if (ip != kNoSymbol && history.ip != kNoSymbol && ip != history.ip) {
    add("ip_change", params.weights.ip_change);
  }
  if (user_agent != kNoSymbol && history.user_agent != kNoSymbol &&
      user_agent != history.user_agent) {
    add("user_agent_change", params.weights.user_agent_change);
  }
  const bool trusted = !history.newest_signal_negative && history.trusted_at != kNever &&
                       history.trusted_at >= login_time - params.device_trust_ttl;
  if (!trusted) add("low_device_trust", params.weights.low_device_trust);
  const auto threshold = static_cast<std::size_t>(std::max(params.failure_threshold, 0));
  if (history.recent_failures > threshold) {
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
  ++ctx.stats.login_risk_buckets[risk_bucket(risk.score)];
  ctx.stats.login_risk_score_sum += risk.score;
  if (risk.level == RiskLevel::low) return;

  Alert alert;
  const bool high = risk.level == RiskLevel::high;
  alert.type = high ? AlertType::high_risk_login : AlertType::medium_risk_login;
  alert.severity = high ? Severity::high : Severity::medium;
  alert.user_id = std::string(user.user_id.view());
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
