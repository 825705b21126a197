// The correlator: a per-user, time-windowed index over normalized events that runs the
// detections of DESIGN.md and returns alerts.
//
// Pure and deterministic: it never reads a clock, does no I/O and keeps no global state. Time
// comes in as a parameter: `now` is the daemon's wall clock, or replay's virtual clock (the
// newest event time read so far). Windows run on event time; `now` only lets watermarks of quiet
// sources move on (see docs/detections.md, "Time").
//
// Not thread-safe: one owner thread calls ingest() and advance(). Alerts are returned by value
// and own their data.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "correlator/alert.hpp"
#include "correlator/event.hpp"
#include "correlator/params.hpp"
#include "correlator/stats.hpp"

namespace authcorrd {

class Correlator {
 public:
  explicit Correlator(CorrelatorParams params = {});
  ~Correlator();
  Correlator(Correlator&&) noexcept;
  Correlator& operator=(Correlator&&) noexcept;
  Correlator(const Correlator&) = delete;
  Correlator& operator=(const Correlator&) = delete;

  // Adds one event and appends the alerts it completes to `alerts`. Late events (older than
  // their source's watermark minus the longest window) are counted and change nothing else.
  void ingest(const Event& event, TimeMs now, std::vector<Alert>& alerts);
  std::vector<Alert> ingest(const Event& event, TimeMs now);

  // The risk of an Auth0 login attempt against the current index, without adding it: what
  // ingest() would score. For synchronous risk queries and tests.
  RiskAssessment assess_login(const Event& login) const;
  // The same, plus the user's device trust; login.device_id, when set, must be the device
  // Relock verified for the device to count as trusted.
  RiskAssessment assess_login(const Event& login, DeviceTrust& trust) const;

  // Moves watermarks of quiet sources on to `now` minus max_source_lag, prunes state that no
  // detection can need any more, and compacts the string table when it has grown.
  void advance(TimeMs now);

  const CorrelatorParams& params() const noexcept;
  const CorrelatorStats& stats() const noexcept;

  // Newest event time seen from `source` minus the allowed lateness (kNoTime before any event).
  TimeMs watermark(Source source) const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace authcorrd
