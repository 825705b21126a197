// Bookkeeping behind the correlator's observability counters that needs state of its own: the
// trusted-devices gauge and the MFA outcome of successful logins (see correlator/stats.hpp and
// docs/metrics.md). Internal to the correlator; nothing here feeds a detection, a risk score or
// an alert, so these counts can never change what the correlator decides.
//
// Both are owned by one Correlator and used from its thread only. Time comes in as parameters.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <map>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "correlator/event.hpp"

namespace authcorrd::detail {

// The newest Relock trust signal seen for one device of a user (kept in the user's state).
struct DeviceSignal {
  std::uint64_t device_hash = 0;  // Interner::hash of the Relock device id
  TimeMs signal_at = kNoTime;
  bool positive = false;  // a verification; false: authentication.failed or device.revoked
};

// At most this many devices per user are followed; a new one replaces the one with the oldest
// signal. Memory stays bounded by max_users whatever the input.
inline constexpr std::size_t kMaxDevicesPerUser = 32;

// Keeps the number of trusted devices current in O(log n) per signal, never by walking users:
// each counted device sits in the bucket of the minute its trust expires (signal_at + ttl), and
// expire(now) drops whole buckets once their minute has passed.
class DeviceTrustGauge {
 public:
  explicit DeviceTrustGauge(TimeMs ttl) : ttl_(ttl) {}

  // Records a trust signal for `device_hash` in a user's device list. Signals older than the
  // device's newest one change nothing (sources deliver out of order).
  void signal(std::vector<DeviceSignal>& devices, std::uint64_t device_hash, TimeMs time,
              bool positive);
  // The user's devices leave the index (the user was evicted or expired).
  void forget(const std::vector<DeviceSignal>& devices);
  // Devices whose trust expired before the minute of `now` stop counting.
  void expire(TimeMs now);

  std::uint64_t trusted() const noexcept { return trusted_; }

 private:
  std::int64_t bucket_of(const DeviceSignal& device) const;
  void count(const DeviceSignal& device);
  void uncount(const DeviceSignal& device);

  TimeMs ttl_;
  std::int64_t expired_below_ =
      std::numeric_limits<std::int64_t>::min();    // buckets below this were dropped
  std::map<std::int64_t, std::uint64_t> buckets_;  // expiry minute -> devices counted in it
  std::uint64_t trusted_ = 0;
};

// Whether a successful login used MFA: remembers, per user, the newest Guardian MFA successes
// until they are too old to precede any login the correlator still takes in.
class MfaTracker {
 public:
  MfaTracker(TimeMs window, std::size_t max_users) : window_(window), max_users_(max_users) {}

  // `type_code` is an Auth0 type code: true for the MFA successes that complete a login's
  // second factor.
  static bool is_mfa_success(std::string_view type_code) noexcept;

  // Remembers an MFA success. `cutoff` is the oldest time still worth keeping (prune()).
  void record(std::uint64_t user_hash, TimeMs time, TimeMs cutoff);
  // An MFA success of the user in [login_time - window, login_time].
  bool used_mfa(std::uint64_t user_hash, TimeMs login_time) const;
  // Forgets successes older than `cutoff`.
  void prune(TimeMs cutoff);

  std::size_t size() const noexcept { return recent_.size(); }

 private:
  // The two newest successes: a second one lets a login that arrives after a later MFA of the
  // same user still find its own.
  using Recent = std::array<TimeMs, 2>;

  TimeMs window_;
  std::size_t max_users_;
  std::unordered_map<std::uint64_t, Recent> recent_;
};

}  // namespace authcorrd::detail
