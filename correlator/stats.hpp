// Counters kept by the correlator. A plain snapshot: the daemon maps it onto Prometheus metrics
// and `authcorrd replay --stats` prints it. Read it from the correlator's own thread.
#pragma once

#include <array>
#include <cstdint>

#include "correlator/alert.hpp"
#include "correlator/event.hpp"

namespace authcorrd {

inline constexpr std::size_t kSourceCount = 2;
inline constexpr std::size_t kEventKindCount =
    static_cast<std::size_t>(EventKind::relock_security_alert) + 1;

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

  // Gauges, current at the last ingest()/advance().
  std::uint64_t tracked_users = 0;
  std::uint64_t tracked_sessions = 0;
  std::uint64_t interned_strings = 0;
};

}  // namespace authcorrd
