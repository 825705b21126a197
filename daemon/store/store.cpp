// The daemon's durable state in SQLite (see store.hpp): statements are prepared once at open()
// and reused, every multi-row write is one IMMEDIATE transaction, and rows are mapped to Events
// column by column so that a rebuild sees exactly what the live run saw.
#include "daemon/store/store.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <limits>

#include "correlator/stats.hpp"
#include "daemon/clock.hpp"
#include "daemon/store/prune.hpp"
#include "daemon/store/schema.hpp"
#include "daemon/store/sqlite.hpp"
#include "daemon/store/store_impl.hpp"

namespace authcorrd {

namespace {

// Journal columns in the order the INSERT binds them and the SELECT reads them (bind index =
// column + 1), so the two statements cannot disagree about positions.
enum Column : int {
  kSource,
  kSourceId,
  kEventTime,
  kReceivedAt,
  kKind,
  kOutcome,
  kTypeCode,
  kTenant,
  kUserId,
  kEmail,
  kIp,
  kUserAgent,
  kDeviceId,
  kSessionId,
  kOrganizationId,
  kGeoLat,
  kGeoLon,
  kGeoCountry,
  kReason,
  kAlertType,
  kDescription,
  kSessionExpiresAt,
  kColumnCount,
};

constexpr std::string_view kJournalColumns =
    "source, source_id, event_time, received_at, kind, outcome, type_code, tenant, user_id, "
    "email, ip, user_agent, device_id, session_id, organization_id, geo_lat, geo_lon, "
    "geo_country, reason, alert_type, description, session_expires_at";
static_assert(std::count(kJournalColumns.begin(), kJournalColumns.end(), ',') + 1 == kColumnCount,
              "kJournalColumns and Column must list the same columns");

std::optional<EventKind> kind_from_name(std::string_view name) noexcept {
  for (std::size_t i = 0; i < kEventKindCount; ++i) {
    const auto kind = static_cast<EventKind>(i);
    if (to_string(kind) == name) {
      return kind;
    }
  }
  return std::nullopt;
}

std::optional<Source> source_from_name(std::string_view name) noexcept {
  for (const Source source : {Source::auth0, Source::relock}) {
    if (to_string(source) == name) {
      return source;
    }
  }
  return std::nullopt;
}

// An outcome name this build does not know is not a reason to drop the event: the kind alone
// drives the detections, so it degrades to "unknown".
Outcome outcome_from_name(std::string_view name) noexcept {
  for (const Outcome outcome : {Outcome::success, Outcome::failure}) {
    if (to_string(outcome) == name) {
      return outcome;
    }
  }
  return Outcome::unknown;
}

void bind_event(sqlite::Statement& stmt, const Event& event, TimeMs received_at) {
  const auto bind = [&stmt](Column column, auto value) { stmt.bind(column + 1, value); };
  bind(kSource, to_string(event.source));
  bind(kSourceId, std::string_view(event.source_id));
  bind(kEventTime, std::int64_t{event.time});
  bind(kReceivedAt, std::int64_t{received_at});
  bind(kKind, to_string(event.kind));
  bind(kOutcome, to_string(event.outcome));
  bind(kTypeCode, std::string_view(event.type_code));
  bind(kTenant, std::string_view(event.tenant));
  bind(kUserId, std::string_view(event.user_id));
  bind(kEmail, std::string_view(event.email));
  bind(kIp, std::string_view(event.ip));
  bind(kUserAgent, std::string_view(event.user_agent));
  bind(kDeviceId, std::string_view(event.device_id));
  bind(kSessionId, std::string_view(event.session_id));
  bind(kOrganizationId, std::string_view(event.organization_id));
  if (event.geo) {
    bind(kGeoLat, event.geo->latitude);
    bind(kGeoLon, event.geo->longitude);
    bind(kGeoCountry, std::string_view(event.geo->country_code));
  } else {
    stmt.bind_null(kGeoLat + 1);
    stmt.bind_null(kGeoLon + 1);
    stmt.bind_null(kGeoCountry + 1);
  }
  bind(kReason, std::string_view(event.reason));
  bind(kAlertType, std::string_view(event.alert_type));
  bind(kDescription, std::string_view(event.description));
  bind(kSessionExpiresAt, std::int64_t{event.session_expires_at});
}

double column_coordinate(const sqlite::Statement& stmt, Column column) {
  // SQLite stores a NaN as NULL; give the NaN back rather than a made-up 0.
  return stmt.is_null(column) ? std::numeric_limits<double>::quiet_NaN()
                              : stmt.column_double(column);
}

// Fills `event` from the current row; false when the row names a source or kind this build does
// not know (written by a newer version), which the rebuild skips.
bool read_event(const sqlite::Statement& stmt, Event& event) {
  const auto source = source_from_name(stmt.column_view(kSource));
  const auto kind = kind_from_name(stmt.column_view(kKind));
  if (!source || !kind) {
    return false;
  }
  event.source = *source;
  event.kind = *kind;
  event.outcome = outcome_from_name(stmt.column_view(kOutcome));
  event.time = stmt.column_int(kEventTime);
  const auto text = [&stmt](Column column, std::string& out) { out = stmt.column_view(column); };
  text(kSourceId, event.source_id);
  text(kTypeCode, event.type_code);
  text(kTenant, event.tenant);
  text(kUserId, event.user_id);
  text(kEmail, event.email);
  text(kIp, event.ip);
  text(kUserAgent, event.user_agent);
  text(kDeviceId, event.device_id);
  text(kSessionId, event.session_id);
  text(kOrganizationId, event.organization_id);
  if (stmt.is_null(kGeoCountry)) {
    event.geo.reset();
  } else {
    GeoPoint& geo = event.geo.emplace();
    geo.latitude = column_coordinate(stmt, kGeoLat);
    geo.longitude = column_coordinate(stmt, kGeoLon);
    text(kGeoCountry, geo.country_code);
  }
  text(kReason, event.reason);
  text(kAlertType, event.alert_type);
  text(kDescription, event.description);
  event.session_expires_at = stmt.column_int(kSessionExpiresAt);
  return true;
}

std::size_t to_size(std::int64_t value) {
  return value > 0 ? static_cast<std::size_t>(value) : 0;
}

}  // namespace

std::string insert_event_sql() {
  std::string placeholders;
  for (int i = 1; i <= kColumnCount; ++i) {
    placeholders += fmt::format("{}?{}", i == 1 ? "" : ", ", i);
  }
  // DO NOTHING only for the (source, source_id) conflict: unlike INSERT OR IGNORE it does not
  // also swallow NOT NULL or type violations, which would be bugs worth an error.
  return fmt::format(
      "INSERT INTO journal ({}) VALUES ({}) ON CONFLICT (source, source_id) DO NOTHING",
      kJournalColumns, placeholders);
}

std::string select_journal_sql() {
  return fmt::format("SELECT {} FROM journal ORDER BY seq", kJournalColumns);
}

Store Store::open(const std::string& path, StoreOptions options) {
  auto db = sqlite::Database::open(path);
  db.set_busy_timeout(options.busy_timeout_ms);
  store_schema::open_and_migrate(db, path, options);
  return Store(std::make_unique<Impl>(std::move(db)));
}

Store::Store(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Store::~Store() = default;
Store::Store(Store&&) noexcept = default;
Store& Store::operator=(Store&&) noexcept = default;

Store::Impl& Store::impl() const {
  if (impl_ == nullptr) {
    throw StoreError("store: used after being moved from");
  }
  return *impl_;
}

JournalResult Store::journal(std::span<const Event> events, TimeMs received_at,
                             const std::optional<Checkpoint>& checkpoint) {
  Impl& s = impl();
  JournalResult result;
  if (events.empty() && !checkpoint) {
    return result;
  }
  result.inserted.reserve(events.size());
  auto transaction = s.transaction();
  for (const Event& event : events) {
    const sqlite::ResetOnExit reset(s.insert_event);
    bind_event(s.insert_event, event, received_at);
    s.insert_event.step();
    // A repeat of an earlier batch or of an earlier event in this batch hits the UNIQUE
    // constraint and changes nothing.
    result.inserted.push_back(s.insert_event.changes() > 0);
  }
  if (checkpoint) {
    s.write_checkpoint(*checkpoint, received_at);
  }
  transaction.commit();
  for (const bool inserted : result.inserted) {
    ++(inserted ? result.new_events : result.duplicates);
  }
  return result;
}

std::optional<std::string> Store::checkpoint(std::string_view name) const {
  Impl& s = impl();
  const sqlite::ResetOnExit reset(s.select_checkpoint);
  s.select_checkpoint.bind(1, name);
  if (!s.select_checkpoint.step()) {
    return std::nullopt;
  }
  return s.select_checkpoint.column_text(0);
}

void Store::set_checkpoint(const Checkpoint& checkpoint) {
  // One statement is its own transaction; no explicit BEGIN needed.
  impl().write_checkpoint(checkpoint, wall_clock_ms());
}

void Store::for_each_journaled(
    const std::function<void(const Event&, TimeMs received_at)>& visit) const {
  Impl& s = impl();
  const sqlite::ResetOnExit reset(s.select_journal);
  Event event;  // reused so that its strings keep their capacity across rows
  while (s.select_journal.step()) {
    if (read_event(s.select_journal, event)) {
      visit(event, s.select_journal.column_int(kReceivedAt));
    }
  }
}

std::vector<bool> Store::record_alerts(std::span<const AlertRecord> alerts, TimeMs now,
                                       std::span<const OutboxTarget> outbox) {
  Impl& s = impl();
  std::vector<bool> inserted;
  if (alerts.empty()) {
    return inserted;
  }
  inserted.reserve(alerts.size());
  auto transaction = s.transaction();
  for (const AlertRecord& alert : alerts) {
    const sqlite::ResetOnExit reset(s.insert_alert);
    s.insert_alert.bind(1, std::string_view(alert.id));
    s.insert_alert.bind(2, std::string_view(alert.type));
    s.insert_alert.bind(3, std::int64_t{alert.event_time});
    s.insert_alert.bind(4, std::string_view(alert.json));
    s.insert_alert.bind(5, std::int64_t{now});
    s.insert_alert.step();
    inserted.push_back(s.insert_alert.changes() > 0);
  }
  // In the same transaction: an alert is never recorded without its webhook deliveries, and a
  // regenerated (already recorded) alert gets none a second time.
  for (const OutboxTarget& target : outbox) {
    if (target.alert_index < alerts.size() && inserted[target.alert_index]) {
      enqueue_delivery(s, alerts[target.alert_index], target, now);
    }
  }
  transaction.commit();
  return inserted;
}

std::vector<AlertRecord> Store::undelivered_alerts() const {
  Impl& s = impl();
  std::vector<AlertRecord> alerts;
  const sqlite::ResetOnExit reset(s.select_undelivered);
  while (s.select_undelivered.step()) {
    AlertRecord& alert = alerts.emplace_back();
    alert.id = s.select_undelivered.column_text(0);
    alert.type = s.select_undelivered.column_text(1);
    alert.event_time = s.select_undelivered.column_int(2);
    alert.json = s.select_undelivered.column_text(3);
  }
  return alerts;
}

std::vector<AlertRecord> Store::alerts_recorded_since(TimeMs since) const {
  sqlite::Statement select{impl().db.get(),
                           "SELECT id, type, event_time, json FROM alerts WHERE recorded_at >= ?1"
                           " ORDER BY recorded_at, rowid",
                           "read recent alerts"};
  select.bind(1, std::int64_t{since});
  const sqlite::ResetOnExit reset(select);
  std::vector<AlertRecord> alerts;
  while (select.step()) {
    AlertRecord& alert = alerts.emplace_back();
    alert.id = select.column_text(0);
    alert.type = select.column_text(1);
    alert.event_time = select.column_int(2);
    alert.json = select.column_text(3);
  }
  return alerts;
}

void Store::mark_delivered(std::span<const std::string> alert_ids) {
  Impl& s = impl();
  if (alert_ids.empty()) {
    return;
  }
  auto transaction = s.transaction();
  for (const std::string& id : alert_ids) {
    const sqlite::ResetOnExit reset(s.mark_alert_delivered);
    s.mark_alert_delivered.bind(1, std::string_view(id));
    s.mark_alert_delivered.step();
  }
  transaction.commit();
}

std::size_t Store::prune(TimeMs cutoff, TimeMs baseline_cutoff, TimeMs alert_cutoff) {
  Impl& s = impl();
  auto transaction = s.transaction();
  const std::size_t deleted = s.pruner.prune_journal(cutoff, baseline_cutoff);
  {
    const sqlite::ResetOnExit reset(s.prune_alerts);
    s.prune_alerts.bind(1, std::int64_t{alert_cutoff});
    s.prune_alerts.step();
  }
  prune_dead_letters(s, alert_cutoff);
  transaction.commit();
  return deleted;
}

StoreCounts Store::counts() const {
  Impl& s = impl();
  const sqlite::ResetOnExit reset(s.count_rows);
  StoreCounts counts;
  if (s.count_rows.step()) {
    counts.journal_rows = to_size(s.count_rows.column_int(0));
    counts.alert_rows = to_size(s.count_rows.column_int(1));
    counts.undelivered_alerts = to_size(s.count_rows.column_int(2));
  }
  return counts;
}

}  // namespace authcorrd
