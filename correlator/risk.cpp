// Risk scoring of Auth0 login attempts (DESIGN.md "Risk score").
#include <algorithm>

#include "correlator/detections.hpp"

namespace authcorrd::detail {

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

namespace {

// What the index knew about the user at a login's time, gathered in one backward pass over the
// user's records (at or before `time`), falling back to what pruning folded away.
struct History {
  Symbol ip = kNoSymbol;          // of the newest verified login that has one
  Symbol user_agent = kNoSymbol;  // likewise
  TimeMs trusted_at = kNever;     // newest positive Relock verification
  bool newest_signal_negative = false;
  EventKind signal_kind = EventKind::other;  // of the newest Relock signal (records only)
  Symbol signal_device = kNoSymbol;          // likewise
  std::size_t recent_failures = 0;           // failed logins in [time - failure_window, time)
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
      history.signal_kind = r.kind;
      history.signal_device = r.device;
    } else if (!have_signal && is_relock_negative_signal(r.kind)) {
      have_signal = true;
      history.newest_signal_negative = true;
      history.signal_kind = r.kind;
      history.signal_device = r.device;
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

DeviceTrust::Verification verification_of(const History& history, bool fresh) {
  using V = DeviceTrust::Verification;
  if (history.newest_signal_negative) {
    return history.signal_kind == EventKind::relock_device_revoked ? V::revoked : V::failed;
  }
  if (history.trusted_at == kNever) return V::none;
  return fresh ? V::verified : V::stale;
}

}  // namespace

RiskAssessment assess_login_risk(const DetectionContext& ctx, const UserState& user,
                                 TimeMs login_time, Symbol ip, Symbol user_agent, Symbol device,
                                 DeviceTrust* trust) {
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
  const bool fresh =
      history.trusted_at != kNever && history.trusted_at >= login_time - params.device_trust_ttl;
  // A query that names its device is trusted only if that is the device Relock verified (Auth0
  // logins name none, so the correlator's own scoring never takes this branch).
  const bool other_device =
      device != kNoSymbol && history.signal_device != kNoSymbol && device != history.signal_device;
  const bool trusted = !history.newest_signal_negative && fresh && !other_device;
  if (!trusted) add("low_device_trust", params.weights.low_device_trust);
  if (trust != nullptr) {
    trust->trusted = trusted;
    trust->verification = verification_of(history, fresh);
    trust->device_id = std::string(ctx.strings.text(history.signal_device));
  }
  const auto threshold = static_cast<std::size_t>(std::max(params.failure_threshold, 0));
  if (history.recent_failures > threshold) {
    add("recent_failures", params.weights.recent_failures);
  }
  risk.level = risk_level(risk.score, params.medium_risk_score, params.high_risk_score);
  return risk;
}

}  // namespace authcorrd::detail

namespace authcorrd {

RiskLevel risk_level(int score, int medium_risk_score, int high_risk_score) noexcept {
  return score >= high_risk_score     ? RiskLevel::high
         : score >= medium_risk_score ? RiskLevel::medium
                                      : RiskLevel::low;
}

std::vector<std::string_view> risk_recommendations(const RiskAssessment& risk) {
  std::vector<std::string_view> out;
  for (const RiskFactor& factor : risk.factors) {
    if (factor.name == "ip_change") out.push_back(detail::kRecommendIpChange);
    if (factor.name == "user_agent_change") out.push_back(detail::kRecommendUserAgentChange);
    if (factor.name == "low_device_trust") out.push_back(detail::kRecommendLowTrust);
    if (factor.name == "recent_failures") out.push_back(detail::kRecommendRecentFailures);
  }
  if (risk.level == RiskLevel::high) out.push_back(detail::kRecommendHigh);
  return out;
}

std::string_view to_string(DeviceTrust::Verification verification) noexcept {
  switch (verification) {
    case DeviceTrust::Verification::verified:
      return "verified";
    case DeviceTrust::Verification::stale:
      return "stale";
    case DeviceTrust::Verification::failed:
      return "failed";
    case DeviceTrust::Verification::revoked:
      return "revoked";
    case DeviceTrust::Verification::none:
      break;
  }
  return "none";
}

}  // namespace authcorrd

namespace authcorrd::detail {

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
  for (const std::string_view text : risk_recommendations(risk)) {
    alert.recommendations.emplace_back(text);
  }
  alert.risk = std::move(risk);
  alert.evidence = {make_evidence(ctx.strings, login)};
  emit_alert(ctx, user, std::move(alert), login.time, login.time);
}

}  // namespace authcorrd::detail
