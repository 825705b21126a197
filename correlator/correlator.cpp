#include "correlator/correlator.hpp"

#include <algorithm>
#include <array>
#include <unordered_map>

#include "correlator/detections.hpp"
#include "correlator/event_codes.hpp"
#include "correlator/interner.hpp"
#include "correlator/telemetry.hpp"
#include "correlator/user_state.hpp"
#include "correlator/user_table.hpp"

namespace authcorrd {

using detail::kNever;
using detail::kNoSlot;
using detail::Record;
using detail::UserState;

struct Correlator::Impl {
  explicit Impl(CorrelatorParams p)
      : params(p),
        trust(params.device_trust_ttl),
        mfa(params.correlation_window, params.max_users) {
    retention = std::max(params.correlation_window, params.failure_window);
    newest_event.fill(kNever);
    batch_now.fill(kNever);
    batch_newest.fill(kNever);
  }

  CorrelatorParams params;
  TimeMs retention = 0;
  CorrelatorStats stats;
  Interner strings;
  std::array<TimeMs, kSourceCount> newest_event{};
  TimeMs newest_now = kNever;

  std::vector<UserState> slots;
  std::vector<std::uint32_t> free_slots;
  detail::UserTable user_table;  // user id -> slot
  std::size_t user_count = 0;
  // Direct-mapped cache of type-code symbols: a handful of codes make up almost all traffic.
  std::array<Symbol, 64> type_code_cache{};
  std::unordered_map<std::string, std::string> user_of_email;  // join_on_email only
  std::uint32_t lru_head = kNoSlot;                            // least recently active
  std::uint32_t lru_tail = kNoSlot;                            // most recently active
  std::size_t live_symbols_at_last_compaction = 0;

  // Observability only (see telemetry.hpp): nothing below is read by a detection.
  detail::DeviceTrustGauge trust;
  detail::MfaTracker mfa;
  TimeMs last_mfa_prune = kNever;
  std::array<TimeMs, kSourceCount> batch_now{};     // `now` of the source's latest batch
  std::array<TimeMs, kSourceCount> batch_newest{};  // newest event time in that batch

  static std::size_t index(Source source) { return static_cast<std::size_t>(source); }

  TimeMs source_watermark(Source source) const {
    const TimeMs newest = newest_event[index(source)];
    return newest == kNever ? kNever : newest - params.allowed_lateness;
  }

  // Oldest event time any detection can still need. The oldest event still accepted lies one
  // window behind the slowest source's watermark (never further behind `now` than
  // max_source_lag), and it looks back one more window: so two windows.
  TimeMs horizon() const {
    TimeMs oldest = kNever;
    for (std::size_t s = 0; s < kSourceCount; ++s) {
      if (newest_event[s] == kNever) continue;
      TimeMs watermark = newest_event[s] - params.allowed_lateness;
      if (newest_now != kNever) watermark = std::max(watermark, newest_now - params.max_source_lag);
      oldest = oldest == kNever ? watermark : std::min(oldest, watermark);
    }
    return oldest == kNever ? kNever : oldest - 2 * retention;
  }

  // --- least-recently-active list -------------------------------------------------------------

  void lru_unlink(std::uint32_t slot) {
    UserState& user = slots[slot];
    if (user.lru_prev != kNoSlot)
      slots[user.lru_prev].lru_next = user.lru_next;
    else
      lru_head = user.lru_next;
    if (user.lru_next != kNoSlot)
      slots[user.lru_next].lru_prev = user.lru_prev;
    else
      lru_tail = user.lru_prev;
    user.lru_prev = user.lru_next = kNoSlot;
  }

  void lru_push_back(std::uint32_t slot) {
    UserState& user = slots[slot];
    user.lru_prev = lru_tail;
    user.lru_next = kNoSlot;
    if (lru_tail != kNoSlot)
      slots[lru_tail].lru_next = slot;
    else
      lru_head = slot;
    lru_tail = slot;
  }

  void drop_user(std::uint32_t slot) {
    lru_unlink(slot);
    UserState& user = slots[slot];
    stats.tracked_sessions -= user.sessions.size();
    stats.indexed_events -= user.records.size();
    trust.forget(user.devices);
    user_table.erase(user.user_hash, slot);
    --user_count;
    user = UserState{};
    free_slots.push_back(slot);
  }

  std::uint32_t find_slot(std::string_view user_id, std::uint64_t hash) const {
    return user_table.find(user_id, hash,
                           [this](std::uint32_t slot) { return slots[slot].user_id.view(); });
  }

  UserState& user_slot(std::string_view user_id) {
    const std::uint64_t hash = Interner::hash(user_id);
    if (const std::uint32_t existing = find_slot(user_id, hash);
        existing != detail::UserTable::kAbsent) {
      lru_unlink(existing);
      lru_push_back(existing);
      return slots[existing];
    }
    if (user_count >= params.max_users && lru_head != kNoSlot) {
      drop_user(lru_head);
      ++stats.users_evicted;
    }
    std::uint32_t slot = 0;
    if (!free_slots.empty()) {
      slot = free_slots.back();
      free_slots.pop_back();
    } else {
      slot = static_cast<std::uint32_t>(slots.size());
      slots.emplace_back();
    }
    slots[slot].user_id.assign(user_id);
    slots[slot].user_hash = hash;
    user_table.insert(hash, slot);
    ++user_count;
    lru_push_back(slot);
    return slots[slot];
  }

  // --- pruning ---------------------------------------------------------------------------------

  static void fold_into_summary(UserState& user, const Record& record) {
    detail::PrunedSummary& pruned = user.pruned;
    if (detail::is_verified_login(record.kind)) {
      if (record.ip != kNoSymbol && record.time >= pruned.ip_time) {
        pruned.ip_time = record.time;
        pruned.ip = record.ip;
      }
      if (record.user_agent != kNoSymbol && record.time >= pruned.user_agent_time) {
        pruned.user_agent_time = record.time;
        pruned.user_agent = record.user_agent;
      }
    }
    const bool positive = detail::is_relock_verification(record.kind);
    if (positive) pruned.trusted_at = std::max(pruned.trusted_at, record.time);
    if ((positive || detail::is_relock_negative_signal(record.kind)) &&
        record.time >= pruned.relock_signal_at) {
      pruned.relock_signal_at = record.time;
      pruned.relock_signal_negative = !positive;
    }
  }

  void prune_user(UserState& user, TimeMs cutoff) {
    if (cutoff == kNever) return;
    auto& records = user.records;
    const auto keep = std::find_if(records.begin(), records.end(),
                                   [cutoff](const Record& r) { return r.time >= cutoff; });
    for (auto it = records.begin(); it != keep; ++it)
      fold_into_summary(user, *it);
    stats.indexed_events -= static_cast<std::size_t>(keep - records.begin());
    records.erase(records.begin(), keep);

    const TimeMs alert_cutoff =
        cutoff - std::max(params.suppression_period, params.correlation_window);
    std::erase_if(user.emitted, [alert_cutoff](const detail::EmittedAlert& a) {
      return a.span_end < alert_cutoff;
    });

    const std::size_t sessions_before = user.sessions.size();
    std::erase_if(user.sessions, [cutoff](const detail::SessionState& s) {
      return s.closes_at < cutoff || (!s.created && s.last_seen < cutoff);
    });
    stats.tracked_sessions -= sessions_before - user.sessions.size();
  }

  static bool holds(const UserState& user, const Event& event) {
    const auto first = std::lower_bound(user.records.begin(), user.records.end(), event.time,
                                        [](const Record& r, TimeMs t) { return r.time < t; });
    for (auto it = first; it != user.records.end() && it->time == event.time; ++it) {
      if (it->source == event.source && it->source_id.view() == event.source_id) return true;
    }
    return false;
  }

  void insert_record(UserState& user, Record&& record) {
    auto& records = user.records;
    if (records.size() >= params.max_events_per_user && !records.empty()) {
      fold_into_summary(user, records.front());
      records.erase(records.begin());
      ++stats.records_evicted;
      --stats.indexed_events;
    }
    const auto at = std::upper_bound(records.begin(), records.end(), record.time,
                                     [](TimeMs t, const Record& r) { return t < r.time; });
    records.insert(at, std::move(record));
    ++stats.indexed_events;
  }

  // --- interning with shortcuts ---------------------------------------------------------------

  // `text`'s symbol, trying the same user's previous value first. Equal 64-bit hashes are
  // taken as equal strings: a false match needs a collision in 2^64 between two strings of
  // one user, and an attacker who could aim one already knows the string it would imitate.
  Symbol intern_like(std::string_view text, Symbol& recent, std::uint64_t& recent_hash) {
    if (text.empty()) return kNoSymbol;
    const std::uint64_t text_hash = Interner::hash(text);
    if (recent == kNoSymbol || recent_hash != text_hash) {
      recent = strings.intern(text, text_hash);
      recent_hash = text_hash;
    }
    return recent;
  }

  Symbol intern_type_code(std::string_view code) {
    if (code.empty()) return kNoSymbol;
    const std::size_t slot = (code.size() * 7 + static_cast<unsigned char>(code.front()) * 3 +
                              static_cast<unsigned char>(code.back())) %
                             type_code_cache.size();
    Symbol& cached = type_code_cache[slot];
    if (cached == kNoSymbol || strings.text(cached) != code) cached = strings.intern(code);
    return cached;
  }

  // --- identity -------------------------------------------------------------------------------

  // The user id the event belongs to; empty when it has none (and no email join).
  std::string_view resolve_user(const Event& event) {
    if (!params.join_on_email || event.email.empty()) return event.user_id;
    if (!event.user_id.empty()) {
      if (user_of_email.size() >= params.max_users) user_of_email.clear();
      user_of_email[event.email] = event.user_id;
      return event.user_id;
    }
    const auto it = user_of_email.find(event.email);
    return it == user_of_email.end() ? std::string_view() : std::string_view(it->second);
  }

  // --- string table compaction ---------------------------------------------------------------

  template <typename Fn>
  void for_each_symbol(Fn&& fn) {
    for (auto& user : slots) {
      if (user.user_id.view().empty()) continue;  // a free slot
      fn(user.pruned.ip);
      fn(user.pruned.user_agent);
      fn(user.recent_ip);
      fn(user.recent_user_agent);
      auto record_symbols = [&fn](Record& r) {
        fn(r.ip);
        fn(r.user_agent);
        fn(r.device);
        fn(r.session);
        fn(r.type_code);
      };
      for (auto& record : user.records)
        record_symbols(record);
      for (auto& session : user.sessions) {
        fn(session.session);
        fn(session.device);
        fn(session.ip);
        fn(session.user_agent);
        record_symbols(session.creation);
        for (auto& early : session.early_records)
          record_symbols(early);
      }
    }
  }

  void maybe_compact() {
    // Compaction walks every user, so it runs only once the table is four times what was live
    // last time: memory stays within 4x the live strings at an amortised cost of a few percent.
    constexpr std::size_t kMinimumTableSize = 1 << 18;
    const std::size_t limit = std::max(kMinimumTableSize, 4 * live_symbols_at_last_compaction);
    if (strings.size() <= limit) return;
    std::vector<bool> live(strings.size(), false);
    for_each_symbol([&live](Symbol& s) { live[s] = true; });
    const std::vector<Symbol> remap = strings.compact(live);
    for_each_symbol([&remap](Symbol& s) { s = remap[s]; });
    type_code_cache.fill(kNoSymbol);
    live_symbols_at_last_compaction = strings.size();
    ++stats.interner_compactions;
  }

  // --- observability counters -----------------------------------------------------------------

  // Source lag: consecutive events of a source with the same `now` form one batch.
  void note_arrival(std::size_t source, TimeMs time, TimeMs now) {
    if (now == kNever) return;
    if (batch_now[source] != now) {
      batch_now[source] = now;
      batch_newest[source] = time;
    } else {
      batch_newest[source] = std::max(batch_newest[source], time);
    }
    stats.source_lag_ms[source] = now - batch_newest[source];
    stats.source_lag_known[source] = true;
  }

  // MFA successes older than this precede only logins older than the Auth0 watermark, which
  // arrive after the allowed lateness: forgetting them bounds the tracker to a few minutes.
  TimeMs mfa_cutoff() const {
    const TimeMs watermark = source_watermark(Source::auth0);
    return watermark == kNever ? kNever : watermark - params.correlation_window;
  }

  void note_mfa(const Event& event) {
    if (event.source != Source::auth0 || event.kind != EventKind::mfa || event.user_id.empty() ||
        !detail::MfaTracker::is_mfa_success(event.type_code)) {
      return;
    }
    mfa.record(Interner::hash(event.user_id), event.time, mfa_cutoff());
  }

  // Counts an event in `events` and, for a successful login, by MFA outcome. `user_hash` is
  // the hash of the (resolved) user id when the caller has it, else 0.
  void count_event(const Event& event, std::uint64_t& kind_count, std::uint64_t user_hash = 0) {
    ++kind_count;
    if (event.kind != EventKind::login_success) return;
    bool with_mfa = false;
    if (mfa.size() > 0 && (user_hash != 0 || !event.user_id.empty())) {
      with_mfa =
          mfa.used_mfa(user_hash != 0 ? user_hash : Interner::hash(event.user_id), event.time);
    }
    ++(with_mfa ? stats.logins_with_mfa : stats.logins_without_mfa);
  }

  void note_trust_signal(UserState& user, const Event& event) {
    if (event.source != Source::relock || event.device_id.empty()) return;
    const bool positive = detail::is_relock_verification(event.kind);
    if (!positive && !detail::is_relock_negative_signal(event.kind)) return;
    trust.signal(user.devices, Interner::hash(event.device_id), event.time, positive);
  }

  void update_gauges() {
    stats.tracked_users = user_count;
    stats.interned_strings = strings.size();
    trust.expire(newest_now);
    stats.trusted_devices = trust.trusted();
  }
};

Correlator::Correlator(CorrelatorParams params) : impl_(std::make_unique<Impl>(params)) {}
Correlator::~Correlator() = default;
Correlator::Correlator(Correlator&&) noexcept = default;
Correlator& Correlator::operator=(Correlator&&) noexcept = default;

const CorrelatorParams& Correlator::params() const noexcept {
  return impl_->params;
}
const CorrelatorStats& Correlator::stats() const noexcept {
  return impl_->stats;
}
TimeMs Correlator::watermark(Source source) const noexcept {
  return impl_->source_watermark(source);
}

std::vector<Alert> Correlator::ingest(const Event& event, TimeMs now) {
  std::vector<Alert> alerts;
  ingest(event, now, alerts);
  return alerts;
}

void Correlator::ingest(const Event& event, TimeMs now, std::vector<Alert>& alerts) {
  Impl& self = *impl_;
  const std::size_t source = Impl::index(event.source);
  auto& kind_count = self.stats.events[source][static_cast<std::size_t>(event.kind)];
  self.newest_now = std::max(self.newest_now, now);

  // A timestamp ahead of the clock would drag the source's watermark into the future and make
  // every real event late: such events are counted and kept out of the index.
  if (now != kNever && event.time > now + self.params.max_clock_skew) {
    ++self.stats.future_events[source];
    return;
  }
  self.note_arrival(source, event.time, now);
  self.newest_event[source] = std::max(self.newest_event[source], event.time);
  if (event.time < self.source_watermark(event.source) - self.retention) {
    self.count_event(event, kind_count);
    ++self.stats.late_events[source];
    return;
  }
  if (!detail::is_retained(event.kind)) {
    self.note_mfa(event);
    self.count_event(event, kind_count);
    return;
  }

  const std::string_view user_id = self.resolve_user(event);
  if (user_id.empty()) {
    self.count_event(event, kind_count);
    ++self.stats.unattributed_events;
    return;
  }
  UserState& user = self.user_slot(user_id);
  self.prune_user(user, self.horizon());
  // Sources deliver at least once. A re-delivery has its original's time, so only records at
  // that time need comparing: idempotent ingest costs a binary search.
  if (Impl::holds(user, event)) {
    ++self.stats.duplicate_events;
    return;
  }
  self.count_event(event, kind_count, user.user_hash);
  self.note_trust_signal(user, event);
  user.newest_event = std::max(user.newest_event, event.time);

  Record record;
  record.time = event.time;
  record.kind = event.kind;
  record.source = event.source;
  record.ip = self.intern_like(event.ip, user.recent_ip, user.recent_ip_hash);
  record.user_agent =
      self.intern_like(event.user_agent, user.recent_user_agent, user.recent_user_agent_hash);
  // Only Relock sessions and devices are tracked; Auth0 session ids are unique per login and
  // would only grow the string table.
  if (event.source == Source::relock) {
    record.device = self.strings.intern(event.device_id);
    record.session = self.strings.intern(event.session_id);
  }
  record.type_code = self.intern_type_code(event.type_code);
  record.source_id.assign(event.source_id);

  detail::DetectionContext ctx{self.params, self.strings, self.stats, alerts};
  if (is_auth0_login_attempt(event.kind)) {
    detail::score_login(ctx, user, record, event.session_id);
  }

  const std::size_t sessions_before = user.sessions.size();
  if (event.source == Source::relock) detail::detect_session_threats(ctx, user, record, event);
  self.stats.tracked_sessions += user.sessions.size();
  self.stats.tracked_sessions -= sessions_before;

  const TimeMs time = record.time;
  const bool correlates =
      event.kind == EventKind::login_failure || detail::is_relock_security_event(event.kind);
  Record copy_for_pairing;
  if (correlates) copy_for_pairing = record;
  self.insert_record(user, std::move(record));
  if (correlates) detail::detect_correlated_event(ctx, user, copy_for_pairing);
  if (event.kind == EventKind::login_failure) detail::detect_failure_burst(ctx, user, time);
  self.update_gauges();
}

RiskAssessment Correlator::assess_login(const Event& login) const {
  DeviceTrust unused;
  return assess_login(login, unused);
}

RiskAssessment Correlator::assess_login(const Event& login, DeviceTrust& trust) const {
  const Impl& self = *impl_;
  std::vector<Alert> unused;
  CorrelatorStats scratch;
  const detail::DetectionContext ctx{self.params, self.strings, scratch, unused};
  static const UserState kUnknownUser{};
  const std::uint32_t slot = login.user_id.empty()
                                 ? detail::UserTable::kAbsent
                                 : self.find_slot(login.user_id, Interner::hash(login.user_id));
  const UserState& user = slot == detail::UserTable::kAbsent ? kUnknownUser : self.slots[slot];
  // Strings the index has never seen cannot equal a baseline; a fresh symbol stands for them.
  auto symbol_of = [&self](const std::string& text) {
    if (text.empty()) return kNoSymbol;
    const Symbol known = self.strings.find(text);
    return known != kNoSymbol ? known : static_cast<Symbol>(self.strings.size());
  };
  return detail::assess_login_risk(ctx, user, login.time, symbol_of(login.ip),
                                   symbol_of(login.user_agent), symbol_of(login.device_id), &trust);
}

void Correlator::advance(TimeMs now) {
  Impl& self = *impl_;
  self.newest_now = std::max(self.newest_now, now);
  const TimeMs horizon = self.horizon();
  if (horizon != kNever) {
    // A user can matter until its newest Relock verification leaves the trust TTL and its last
    // alert leaves the suppression period.
    const TimeMs idle_cutoff =
        horizon - std::max(self.params.device_trust_ttl, self.params.suppression_period);
    while (self.lru_head != kNoSlot && self.slots[self.lru_head].newest_event < idle_cutoff) {
      self.drop_user(self.lru_head);
      ++self.stats.users_expired;
    }
  }
  if (self.mfa.size() > 0 &&
      (self.last_mfa_prune == kNever ||
       self.newest_now - self.last_mfa_prune >= self.params.correlation_window)) {
    self.mfa.prune(self.mfa_cutoff());
    self.last_mfa_prune = self.newest_now;
  }
  self.maybe_compact();
  self.update_gauges();
}

}  // namespace authcorrd
