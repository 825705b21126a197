// Internal per-user state of the correlator's time-windowed index. Not part of the public API:
// included by correlator.cpp and detections.cpp only. Single-threaded, owned by the Correlator.
#pragma once

#include <array>
#include <cstdint>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "correlator/alert.hpp"
#include "correlator/event.hpp"
#include "correlator/event_codes.hpp"
#include "correlator/interner.hpp"
#include "correlator/telemetry.hpp"

namespace authcorrd::detail {

inline constexpr TimeMs kNever = kNoTime;

// An id held inside its owner when it fits (Auth0 log ids are 56 bytes, user ids about 30,
// derived Relock ids 35), on the heap only beyond: no allocation, and no cache miss to read it.
class InlineText {
 public:
  InlineText() = default;
  explicit InlineText(std::string_view text) { assign(text); }
  InlineText(const InlineText& other) { assign(other.view()); }
  InlineText& operator=(const InlineText& other) {
    if (this != &other) assign(other.view());
    return *this;
  }
  InlineText(InlineText&&) noexcept = default;
  InlineText& operator=(InlineText&&) noexcept = default;
  ~InlineText() = default;

  void assign(std::string_view text) {
    size_ = static_cast<std::uint32_t>(text.size());
    if (text.size() <= kInline) {
      heap_.reset();
      std::memcpy(inline_.data(), text.data(), text.size());
    } else {
      heap_ = std::make_unique<char[]>(text.size());
      std::memcpy(heap_.get(), text.data(), text.size());
    }
  }
  std::string_view view() const noexcept { return {heap_ ? heap_.get() : inline_.data(), size_}; }

 private:
  static constexpr std::size_t kInline = 60;
  std::uint32_t size_ = 0;
  std::array<char, kInline> inline_{};
  std::unique_ptr<char[]> heap_;
};

// One retained event of a user, as much of it as the detections and the evidence need.
struct Record {
  TimeMs time = 0;
  EventKind kind = EventKind::other;
  Source source = Source::auth0;
  bool burst_reported = false;  // already counted in a failed_login_burst alert
  Symbol ip = kNoSymbol;
  Symbol user_agent = kNoSymbol;
  Symbol device = kNoSymbol;
  Symbol session = kNoSymbol;
  Symbol type_code = kNoSymbol;
  InlineText source_id;
};

// A Relock session as created, plus the observations that arrived before its creation.
struct SessionState {
  Symbol session = kNoSymbol;
  bool created = false;
  bool hijack_reported = false;
  TimeMs created_at = kNever;
  TimeMs closes_at = std::numeric_limits<TimeMs>::max();  // ended or expired
  Symbol device = kNoSymbol;
  Symbol ip = kNoSymbol;
  Symbol user_agent = kNoSymbol;
  Record creation;                    // evidence
  std::vector<Record> early_records;  // seen before session.created arrived (bounded)
  TimeMs last_seen = kNever;
};

// An alert already emitted, for suppression and episode de-duplication.
struct EmittedAlert {
  AlertType type = AlertType::correlated_security_event;
  TimeMs event_time = 0;
  TimeMs span_begin = 0;  // evidence time span (pairing episodes)
  TimeMs span_end = 0;
};

// What was folded out of `records` by pruning: the newest values, which is all a query at a
// later time can need from events that old.
struct PrunedSummary {
  TimeMs ip_time = kNever;
  Symbol ip = kNoSymbol;
  TimeMs user_agent_time = kNever;
  Symbol user_agent = kNoSymbol;
  TimeMs trusted_at = kNever;        // newest positive Relock verification
  TimeMs relock_signal_at = kNever;  // newest Relock trust signal, positive or negative
  bool relock_signal_negative = false;
};

struct UserState {
  InlineText user_id;  // empty for a free slot
  std::uint64_t user_hash = 0;
  std::vector<Record> records;  // sorted by time; equal times keep arrival order
  PrunedSummary pruned;
  std::vector<SessionState> sessions;
  std::vector<EmittedAlert> emitted;
  // Newest trust signal per Relock device, for the trusted-devices gauge only (the risk score
  // reads the records and `pruned`).
  std::vector<DeviceSignal> devices;
  TimeMs newest_event = kNever;
  // The IP and user agent of the user's previous event, with their hashes: most events repeat
  // them, and comparing hashes held here costs no cache miss, where a string-table lookup or
  // even reading the previous string costs several.
  Symbol recent_ip = kNoSymbol;
  Symbol recent_user_agent = kNoSymbol;
  std::uint64_t recent_ip_hash = 0;
  std::uint64_t recent_user_agent_hash = 0;
  // Least-recently-active list (by arrival), as slot indices; kNoSlot ends the list.
  std::uint32_t lru_prev = 0;
  std::uint32_t lru_next = 0;
};

inline constexpr std::uint32_t kNoSlot = std::numeric_limits<std::uint32_t>::max();

// Relock trust signals for the low_device_trust factor.
constexpr bool is_relock_verification(EventKind kind) noexcept {
  return kind == EventKind::relock_authentication_success ||
         kind == EventKind::relock_device_registered || kind == EventKind::relock_session_created;
}
constexpr bool is_relock_negative_signal(EventKind kind) noexcept {
  return kind == EventKind::relock_authentication_failed ||
         kind == EventKind::relock_device_revoked;
}
// Baseline for ip_change / user_agent_change: a successful Auth0 login or a Relock verification.
constexpr bool is_verified_login(EventKind kind) noexcept {
  return kind == EventKind::login_success || is_relock_verification(kind);
}
// Relock side of correlated_security_event.
constexpr bool is_relock_security_event(EventKind kind) noexcept {
  return kind == EventKind::relock_authentication_failed ||
         kind == EventKind::relock_security_alert || kind == EventKind::relock_device_revoked;
}
// Kinds the index retains records of; other events are counted but leave no record.
constexpr bool is_retained(EventKind kind) noexcept {
  return is_correlated_kind(kind);
}

}  // namespace authcorrd::detail
