// The detections of DESIGN.md, run by the Correlator on one user's state. Internal: included by
// correlator.cpp and detections.cpp only. Single-threaded; nothing here keeps state of its own.
#pragma once

#include <vector>

#include "correlator/alert.hpp"
#include "correlator/event.hpp"
#include "correlator/interner.hpp"
#include "correlator/params.hpp"
#include "correlator/stats.hpp"
#include "correlator/user_state.hpp"

namespace authcorrd::detail {

struct DetectionContext {
  const CorrelatorParams& params;
  const Interner& strings;
  CorrelatorStats& stats;
  std::vector<Alert>& out;
};

// Risk score of an Auth0 login attempt against what the index knew before it. Runs before the
// login's own record is inserted.
// `device` (kNoSymbol for Auth0 logins) and `trust` serve synchronous risk queries: a named
// device other than the one Relock verified is not trusted, and `trust` receives the details.
RiskAssessment assess_login_risk(const DetectionContext& ctx, const UserState& user,
                                 TimeMs login_time, Symbol ip, Symbol user_agent,
                                 Symbol device = kNoSymbol, DeviceTrust* trust = nullptr);
void score_login(DetectionContext& ctx, UserState& user, const Record& login,
                 std::string_view session_id);

// correlated_security_event for a just-inserted Auth0 failure or Relock security event.
void detect_correlated_event(DetectionContext& ctx, UserState& user, const Record& inserted);

// failed_login_burst for a just-inserted Auth0 failed login.
void detect_failure_burst(DetectionContext& ctx, UserState& user, TimeMs inserted_time);

// device_compromise, session_hijacking and unusual_activity for a just-inserted Relock event.
void detect_session_threats(DetectionContext& ctx, UserState& user, const Record& inserted,
                            const Event& event);

// Appends `alert` unless a same-type alert for the user lies within the suppression period.
// Returns whether it was emitted.
bool emit_alert(DetectionContext& ctx, UserState& user, Alert&& alert, TimeMs span_begin,
                TimeMs span_end);

Evidence make_evidence(const Interner& strings, const Record& record);

}  // namespace authcorrd::detail
