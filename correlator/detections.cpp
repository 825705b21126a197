// correlated_security_event, failed_login_burst, and the shared emit/suppression step.
#include <algorithm>
#include <cstdlib>

#include "correlator/detections.hpp"

namespace authcorrd::detail {
namespace {

// A burst alert lists at most this many failures; the rest are still marked as reported.
constexpr std::size_t kMaxBurstEvidence = 50;

void sort_evidence(std::vector<Evidence>& evidence) {
  std::sort(evidence.begin(), evidence.end(), [](const Evidence& a, const Evidence& b) {
    if (a.time != b.time) return a.time < b.time;
    if (a.source != b.source) return a.source < b.source;
    return a.id < b.id;
  });
}

// Records with time in [from, to], as an index range into the sorted records.
std::pair<std::size_t, std::size_t> time_range(const std::vector<Record>& records, TimeMs from,
                                               TimeMs to) {
  const auto first = std::lower_bound(records.begin(), records.end(), from,
                                      [](const Record& r, TimeMs t) { return r.time < t; });
  const auto last = std::upper_bound(first, records.end(), to,
                                     [](TimeMs t, const Record& r) { return t < r.time; });
  return {static_cast<std::size_t>(first - records.begin()),
          static_cast<std::size_t>(last - records.begin())};
}

}  // namespace

Evidence make_evidence(const Interner& strings, const Record& record) {
  return Evidence{record.source, std::string(record.source_id.view()),
                  std::string(strings.text(record.type_code)), record.time};
}

bool emit_alert(DetectionContext& ctx, UserState& user, Alert&& alert, TimeMs span_begin,
                TimeMs span_end) {
  const auto type_index = static_cast<std::size_t>(alert.type);
  const TimeMs period = ctx.params.suppression_period;
  const bool suppressed = std::any_of(user.emitted.begin(), user.emitted.end(), [&](const auto& e) {
    return e.type == alert.type && std::llabs(e.event_time - alert.event_time) < period;
  });
  if (suppressed) {
    ++ctx.stats.alerts_suppressed[type_index];
    return false;
  }
  sort_evidence(alert.evidence);
  user.emitted.push_back(EmittedAlert{alert.type, alert.event_time, span_begin, span_end});
  ++ctx.stats.alerts[type_index];
  ctx.out.push_back(std::move(alert));
  return true;
}

void detect_correlated_event(DetectionContext& ctx, UserState& user, const Record& inserted) {
  const TimeMs window = ctx.params.correlation_window;
  const bool inserted_is_auth0 = inserted.source == Source::auth0;
  const auto [first, last] =
      time_range(user.records, inserted.time - window, inserted.time + window);
  // The partner closest in time; ties go to the earlier record, so the choice is deterministic.
  const Record* partner = nullptr;
  for (std::size_t i = first; i < last; ++i) {
    const Record& candidate = user.records[i];
    const bool matches = inserted_is_auth0 ? is_relock_security_event(candidate.kind)
                                           : candidate.kind == EventKind::login_failure;
    if (!matches) continue;
    if (partner == nullptr ||
        std::llabs(candidate.time - inserted.time) < std::llabs(partner->time - inserted.time)) {
      partner = &candidate;
    }
  }
  if (partner == nullptr) return;

  const TimeMs begin = std::min(partner->time, inserted.time);
  const TimeMs end = std::max(partner->time, inserted.time);
  // Pairings that touch an episode already alerted on (within the window of its span) extend
  // that episode instead of raising a second alert.
  for (EmittedAlert& episode : user.emitted) {
    if (episode.type != AlertType::correlated_security_event) continue;
    if (begin <= episode.span_end + window && end >= episode.span_begin - window) {
      episode.span_begin = std::min(episode.span_begin, begin);
      episode.span_end = std::max(episode.span_end, end);
      return;
    }
  }

  const Record& failure = inserted_is_auth0 ? inserted : *partner;
  const Record& relock = inserted_is_auth0 ? *partner : inserted;
  Alert alert;
  alert.type = AlertType::correlated_security_event;
  alert.severity = Severity::high;
  alert.user_id = std::string(user.user_id.view());
  alert.device_id = std::string(ctx.strings.text(relock.device));
  alert.session_id = std::string(ctx.strings.text(relock.session));
  alert.ip = std::string(ctx.strings.text(failure.ip != kNoSymbol ? failure.ip : relock.ip));
  alert.event_time = end;
  alert.recommendations = {
      "Treat the account as under active attack: the identity provider and the device-trust "
      "layer both reported a failure for this user within the correlation window.",
      "Verify the user's recent sign-ins and devices out of band; revoke sessions and refresh "
      "tokens if the activity is not theirs.",
  };
  alert.evidence = {make_evidence(ctx.strings, failure), make_evidence(ctx.strings, relock)};
  emit_alert(ctx, user, std::move(alert), begin, end);
}

void detect_failure_burst(DetectionContext& ctx, UserState& user, TimeMs inserted_time) {
  const TimeMs window = ctx.params.failure_window;
  const auto threshold = static_cast<std::size_t>(std::max(ctx.params.failure_threshold, 0));
  const auto [first, last] =
      time_range(user.records, inserted_time - window, inserted_time + window);
  std::vector<std::size_t> failures;
  for (std::size_t i = first; i < last; ++i) {
    const Record& r = user.records[i];
    if (r.kind == EventKind::login_failure && !r.burst_reported) failures.push_back(i);
  }
  // The earliest window of `window` length that contains the new failure and holds more than
  // `threshold` failures not yet reported. Both ends are inclusive.
  std::size_t right = 0;
  for (std::size_t left = 0; left < failures.size(); ++left) {
    const TimeMs start = user.records[failures[left]].time;
    if (start > inserted_time) break;
    right = std::max(right, left);
    while (right + 1 < failures.size() &&
           user.records[failures[right + 1]].time - start <= window) {
      ++right;
    }
    if (user.records[failures[right]].time < inserted_time) continue;
    if (right - left + 1 <= threshold) continue;

    const Record& latest = user.records[failures[right]];
    Alert alert;
    alert.type = AlertType::failed_login_burst;
    alert.severity = Severity::medium;
    alert.user_id = std::string(user.user_id.view());
    alert.ip = std::string(ctx.strings.text(latest.ip));
    alert.event_time = latest.time;
    alert.recommendations = {
        "Check for password guessing or credential stuffing against this account; confirm that "
        "brute-force protection is on for the connection.",
        "Contact the user if the failures continue; consider a password reset.",
    };
    for (std::size_t k = left; k <= right; ++k) {
      Record& failure = user.records[failures[k]];
      failure.burst_reported = true;
      if (alert.evidence.size() < kMaxBurstEvidence) {
        alert.evidence.push_back(make_evidence(ctx.strings, failure));
      }
    }
    emit_alert(ctx, user, std::move(alert), start, latest.time);
    return;
  }
}

}  // namespace authcorrd::detail
