#include "correlator/telemetry.hpp"

#include <algorithm>

namespace authcorrd::detail {
namespace {

std::int64_t floor_div(std::int64_t value, std::int64_t divisor) {
  const std::int64_t quotient = value / divisor;
  return (value % divisor != 0 && value < 0) ? quotient - 1 : quotient;
}

}  // namespace

// --- DeviceTrustGauge ----------------------------------------------------------------------------

std::int64_t DeviceTrustGauge::bucket_of(const DeviceSignal& device) const {
  // Saturates: a configured TTL near the type's limit means "trusted for ever".
  const TimeMs expires = device.signal_at > std::numeric_limits<TimeMs>::max() - ttl_
                             ? std::numeric_limits<TimeMs>::max()
                             : device.signal_at + ttl_;
  return floor_div(expires, kMinuteMs);
}

// A device is counted exactly when it is positive and its bucket has not been dropped yet.
void DeviceTrustGauge::count(const DeviceSignal& device) {
  if (!device.positive || device.signal_at == kNoTime) return;
  const std::int64_t bucket = bucket_of(device);
  if (bucket < expired_below_) return;
  // New signals expire last: their bucket is almost always the newest one, found in O(1).
  if (!buckets_.empty() && buckets_.rbegin()->first <= bucket) {
    if (buckets_.rbegin()->first == bucket) {
      ++buckets_.rbegin()->second;
    } else {
      buckets_.emplace_hint(buckets_.end(), bucket, 1);
    }
  } else {
    ++buckets_[bucket];
  }
  ++trusted_;
}

void DeviceTrustGauge::uncount(const DeviceSignal& device) {
  if (!device.positive || device.signal_at == kNoTime) return;
  const auto it = buckets_.find(bucket_of(device));
  if (it == buckets_.end()) return;  // dropped with its bucket already
  if (--it->second == 0) buckets_.erase(it);
  --trusted_;
}

void DeviceTrustGauge::signal(std::vector<DeviceSignal>& devices, std::uint64_t device_hash,
                              TimeMs time, bool positive) {
  const auto known = std::find_if(devices.begin(), devices.end(), [device_hash](const auto& d) {
    return d.device_hash == device_hash;
  });
  DeviceSignal* entry = nullptr;
  if (known != devices.end()) {
    if (time < known->signal_at) return;
    entry = &*known;
  } else if (devices.size() >= kMaxDevicesPerUser) {
    entry = &*std::min_element(devices.begin(), devices.end(), [](const auto& a, const auto& b) {
      return a.signal_at < b.signal_at;
    });
  } else {
    entry = &devices.emplace_back();
  }
  const DeviceSignal updated{device_hash, time, positive};
  // A device verified again within the same minute (authentication.success, then
  // session.created) stays in its bucket: no map operation at all.
  const bool same_bucket = entry->device_hash == device_hash && entry->positive && positive &&
                           entry->signal_at != kNoTime && bucket_of(*entry) == bucket_of(updated);
  if (!same_bucket) uncount(*entry);
  *entry = updated;
  if (!same_bucket) count(*entry);
}

void DeviceTrustGauge::forget(const std::vector<DeviceSignal>& devices) {
  for (const DeviceSignal& device : devices)
    uncount(device);
}

void DeviceTrustGauge::expire(TimeMs now) {
  if (now == kNoTime) return;
  // Bucket b holds expiry times in [b, b + 1) minutes: all of them lie before `now` once
  // b + 1 <= floor(now / minute).
  const std::int64_t limit = floor_div(now, kMinuteMs);
  if (limit <= expired_below_) return;
  expired_below_ = limit;
  while (!buckets_.empty() && buckets_.begin()->first < limit) {
    trusted_ -= buckets_.begin()->second;
    buckets_.erase(buckets_.begin());
  }
}

// --- MfaTracker ----------------------------------------------------------------------------------

bool MfaTracker::is_mfa_success(std::string_view type_code) noexcept {
  // gd_auth_succeed: a Guardian factor (push, OTP, SMS, voice, email, WebAuthn) passed;
  // gd_recovery_succeed: a recovery code used instead; gd_enrollment_complete: a factor
  // enrolled during the login, which completes its MFA step.
  return type_code == "gd_auth_succeed" || type_code == "gd_recovery_succeed" ||
         type_code == "gd_enrollment_complete";
}

void MfaTracker::record(std::uint64_t user_hash, TimeMs time, TimeMs cutoff) {
  if (time < cutoff) return;
  if (recent_.size() >= max_users_ && !recent_.contains(user_hash)) {
    prune(cutoff);
    // Still full: a flood of MFA successes within one window. Starting over keeps memory
    // bounded; the logins they precede count as without MFA.
    if (recent_.size() >= max_users_) recent_.clear();
  }
  Recent& recent = recent_.try_emplace(user_hash, Recent{kNoTime, kNoTime}).first->second;
  if (time == recent[0] || time == recent[1]) return;
  if (time > recent[0]) {
    recent[1] = recent[0];
    recent[0] = time;
  } else if (time > recent[1]) {
    recent[1] = time;
  }
}

bool MfaTracker::used_mfa(std::uint64_t user_hash, TimeMs login_time) const {
  const auto it = recent_.find(user_hash);
  if (it == recent_.end()) return false;
  return std::any_of(it->second.begin(), it->second.end(), [&](TimeMs at) {
    return at != kNoTime && at <= login_time && at >= login_time - window_;
  });
}

void MfaTracker::prune(TimeMs cutoff) {
  std::erase_if(recent_, [cutoff](const auto& entry) { return entry.second[0] < cutoff; });
}

}  // namespace authcorrd::detail
