// device_compromise, session_hijacking and unusual_activity from Relock events. The exact
// matching rules are documented in docs/detections.md; keep the two in step.
#include <algorithm>
#include <array>
#include <cctype>

#include "correlator/detections.hpp"

namespace authcorrd::detail {
namespace {

// Observations of a session kept while its session.created has not arrived yet.
constexpr std::size_t kMaxEarlyRecords = 16;

// Case-insensitive markers that make a security.alert or a revocation reason a compromise.
constexpr std::array<std::string_view, 4> kCompromiseMarkers = {"compromis", "stolen", "malware",
                                                                "tamper"};

bool contains_ignoring_case(std::string_view text, std::string_view marker) {
  const auto it =
      std::search(text.begin(), text.end(), marker.begin(), marker.end(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) ==
               std::tolower(static_cast<unsigned char>(b));
      });
  return it != text.end();
}

bool says_compromised(std::string_view text) {
  return std::any_of(
      kCompromiseMarkers.begin(), kCompromiseMarkers.end(),
      [text](std::string_view marker) { return contains_ignoring_case(text, marker); });
}

Alert relock_alert(const DetectionContext& ctx, const UserState& user, const Record& record,
                   AlertType type, Severity severity) {
  Alert alert;
  alert.type = type;
  alert.severity = severity;
  alert.user_id = std::string(user.user_id.view());
  alert.device_id = std::string(ctx.strings.text(record.device));
  alert.session_id = std::string(ctx.strings.text(record.session));
  alert.ip = std::string(ctx.strings.text(record.ip));
  alert.event_time = record.time;
  alert.evidence = {make_evidence(ctx.strings, record)};
  return alert;
}

bool differs(Symbol seen, Symbol expected) {
  return seen != kNoSymbol && expected != kNoSymbol && seen != expected;
}

bool looks_hijacked(const SessionState& session, const Record& record) {
  if (record.time < session.created_at || record.time > session.closes_at) return false;
  return differs(record.device, session.device) || differs(record.ip, session.ip) ||
         differs(record.user_agent, session.user_agent);
}

void report_hijack(DetectionContext& ctx, UserState& user, SessionState& session,
                   const Record& record) {
  session.hijack_reported = true;
  Alert alert = relock_alert(ctx, user, record, AlertType::session_hijacking, Severity::critical);
  alert.recommendations = {
      "End the Relock session and revoke the user's Auth0 sessions and refresh tokens now: the "
      "session is being used from a device, IP or browser other than the one it was created on.",
      "Ask the user to sign in again on a verified device and review the account's recent "
      "activity.",
  };
  alert.evidence.push_back(make_evidence(ctx.strings, session.creation));
  emit_alert(ctx, user, std::move(alert), session.created_at, record.time);
}

SessionState& session_for(DetectionContext& ctx, UserState& user, Symbol id) {
  for (SessionState& session : user.sessions) {
    if (session.session == id) return session;
  }
  if (user.sessions.size() >= ctx.params.max_sessions_per_user && !user.sessions.empty()) {
    const auto oldest =
        std::min_element(user.sessions.begin(), user.sessions.end(),
                         [](const auto& a, const auto& b) { return a.last_seen < b.last_seen; });
    user.sessions.erase(oldest);
    ++ctx.stats.sessions_evicted;
  }
  SessionState& session = user.sessions.emplace_back();
  session.session = id;
  return session;
}

void track_session(DetectionContext& ctx, UserState& user, const Record& record,
                   const Event& event) {
  SessionState& session = session_for(ctx, user, record.session);
  session.last_seen = std::max(session.last_seen, record.time);
  if (record.kind == EventKind::relock_session_ended) {
    session.closes_at = std::min(session.closes_at, record.time);
  }
  if (record.kind == EventKind::relock_session_created && !session.created) {
    session.created = true;
    session.created_at = record.time;
    if (event.session_expires_at > record.time) {
      session.closes_at = std::min(session.closes_at, event.session_expires_at);
    }
    session.device = record.device;
    session.ip = record.ip;
    session.user_agent = record.user_agent;
    session.creation = record;
    std::vector<Record> early = std::move(session.early_records);
    session.early_records.clear();
    std::sort(early.begin(), early.end(),
              [](const Record& a, const Record& b) { return a.time < b.time; });
    for (const Record& seen : early) {
      if (!session.hijack_reported && looks_hijacked(session, seen)) {
        report_hijack(ctx, user, session, seen);
      }
    }
    return;
  }
  if (!session.created) {
    if (session.early_records.size() < kMaxEarlyRecords) session.early_records.push_back(record);
    return;
  }
  if (!session.hijack_reported && looks_hijacked(session, record)) {
    report_hijack(ctx, user, session, record);
  }
}

}  // namespace

void detect_session_threats(DetectionContext& ctx, UserState& user, const Record& inserted,
                            const Event& event) {
  if (inserted.kind == EventKind::relock_security_alert) {
    const bool compromise =
        says_compromised(event.alert_type) || says_compromised(event.description);
    Alert alert =
        compromise
            ? relock_alert(ctx, user, inserted, AlertType::device_compromise, Severity::high)
            : relock_alert(ctx, user, inserted, AlertType::unusual_activity, Severity::medium);
    if (compromise) {
      alert.recommendations = {
          "Revoke the device in Relock and the user's sessions and refresh tokens: Relock reports "
          "the device as compromised.",
          "Have the user re-register a clean device before trusting it again.",
      };
    } else {
      alert.recommendations = {
          "Review the Relock security alert and the user's recent activity; step up "
          "authentication if it is not explained.",
      };
    }
    emit_alert(ctx, user, std::move(alert), inserted.time, inserted.time);
  } else if (inserted.kind == EventKind::relock_device_revoked && says_compromised(event.reason)) {
    Alert alert = relock_alert(ctx, user, inserted, AlertType::device_compromise, Severity::high);
    alert.recommendations = {
        "Revoke the user's sessions and refresh tokens: the device was revoked because it is "
        "compromised or stolen.",
        "Have the user re-register a clean device before trusting it again.",
    };
    emit_alert(ctx, user, std::move(alert), inserted.time, inserted.time);
  }
  if (inserted.session != kNoSymbol) track_session(ctx, user, inserted, event);
}

}  // namespace authcorrd::detail
