// Counters kept by the correlator. A plain snapshot: the daemon maps it onto Prometheus metrics
// (daemon/metrics.cpp, documented in docs/metrics.md) and `authcorrd replay --stats` prints it.
// Read it from the correlator's own thread.
//
// Counters only grow for the life of a Correlator; gauges are current at the last
// ingest()/advance(). Keeping them costs O(1) per event: nothing here is computed by walking the
// index.
#pragma once

#include <array>
#include <cstdint>

#include "correlator/alert.hpp"
#include "correlator/event.hpp"

namespace authcorrd {

inline constexpr std::size_t kSourceCount = 2;
inline constexpr std::size_t kEventKindCount =
    static_cast<std::size_t>(EventKind::relock_security_alert) + 1;

// Risk-score histogram of assessed logins: upper bounds 10, 20, ..., 100 (inclusive, like
// Prometheus' "le"), plus one bucket for scores above 100.
inline constexpr int kRiskBucketWidth = 10;
inline constexpr std::size_t kRiskBucketBounds = 10;
inline constexpr std::size_t kRiskBucketCount = kRiskBucketBounds + 1;

// The bucket a score falls in: the first whose upper bound is at least the score.
constexpr std::size_t risk_bucket(int score) noexcept {
  if (score <= kRiskBucketWidth) return 0;
  const auto index =
      static_cast<std::size_t>((score + kRiskBucketWidth - 1) / kRiskBucketWidth) - 1;
  return index < kRiskBucketBounds ? index : kRiskBucketBounds;
}

struct CorrelatorStats {
  // Events handed to ingest(), by source and kind, including late and unattributed ones but not
  // duplicates or future-dated ones.
  std::array<std::array<std::uint64_t, kEventKindCount>, kSourceCount> events{};
  // Older than the retained window of their source: journaled by the daemon, not correlated.
  std::array<std::uint64_t, kSourceCount> late_events{};
  // Dated more than max_clock_skew after `now`: counted, not correlated.
  std::array<std::uint64_t, kSourceCount> future_events{};
  // A retained event already in the index (same source, id and time): ignored, so re-delivery
  // never double-counts or double-alerts. Not counted in `events`.
  std::uint64_t duplicate_events = 0;
  // No user id (and no email join): counted, not correlated.
  std::uint64_t unattributed_events = 0;

  std::uint64_t users_evicted = 0;     // dropped because max_users was reached
  std::uint64_t users_expired = 0;     // dropped because nothing of them can matter any more
  std::uint64_t records_evicted = 0;   // dropped because max_events_per_user was reached
  std::uint64_t sessions_evicted = 0;  // dropped because max_sessions_per_user was reached
  std::uint64_t interner_compactions = 0;

  std::array<std::uint64_t, kAlertTypeCount> alerts{};
  std::array<std::uint64_t, kAlertTypeCount> alerts_suppressed{};

  // Successful Auth0 logins (the ones counted in `events`) by whether they used MFA: a Guardian
  // MFA success (gd_auth_succeed, gd_recovery_succeed, gd_enrollment_complete) of the same user
  // at most correlation_window before the login, in event time, that arrived before it. The
  // two always add up to events[auth0][login_success].
  std::uint64_t logins_with_mfa = 0;
  std::uint64_t logins_without_mfa = 0;

  // Risk scores of the logins ingest() scored (each non-late, attributed, non-duplicate Auth0
  // login attempt): non-cumulative counts per risk_bucket(), and the sum of the scores.
  std::array<std::uint64_t, kRiskBucketCount> login_risk_buckets{};
  std::int64_t login_risk_score_sum = 0;

  // Gauges, current at the last ingest()/advance().
  std::uint64_t tracked_users = 0;
  std::uint64_t tracked_sessions = 0;
  std::uint64_t interned_strings = 0;
  std::uint64_t indexed_events = 0;  // records held in users' time-ordered event lists
  // (user, device) pairs whose newest Relock trust signal is a verification (authentication.
  // success, device.registered, session.created) at most device_trust_ttl before `now`. Expiry
  // is applied to the minute.
  std::uint64_t trusted_devices = 0;

  // Per source: `now` minus the newest event time of the latest batch, where a batch is the
  // run of consecutive ingest() calls for that source with the same `now` (the daemon passes
  // one arrival time per journaled batch). Future-dated events do not count. Valid once
  // `source_lag_known` is set.
  std::array<TimeMs, kSourceCount> source_lag_ms{};
  std::array<bool, kSourceCount> source_lag_known{};

  // Relock authentication.* events by result (derived from `events`).
  std::uint64_t device_verifications(bool success) const noexcept {
    const EventKind kind = success ? EventKind::relock_authentication_success
                                   : EventKind::relock_authentication_failed;
    return events[static_cast<std::size_t>(Source::relock)][static_cast<std::size_t>(kind)];
  }
  // Auth0 failed logins (f fp fu fc fco fcoa fens fepft; derived from `events`).
  std::uint64_t login_failures() const noexcept {
    return events[static_cast<std::size_t>(Source::auth0)]
                 [static_cast<std::size_t>(EventKind::login_failure)];
  }
};

}  // namespace authcorrd
