// The webhook outbox half of Store (see sinks/webhook_outbox.hpp and docs/webhooks.md): pending
// deliveries, dead letters and disabled endpoints, in the same SQLite file as the alerts.
//
// These statements run a few times per delivery or per operator command, not per event, so
// they are prepared per call instead of held in Store::Impl.
#include <fmt/format.h>

#include <functional>
#include <optional>

#include "daemon/store/store_impl.hpp"

namespace authcorrd {
namespace {

constexpr std::string_view kDeliveryColumns =
    "seq, sink, alert_id, user_id, body, created_at, attempts, next_attempt_at, last_error";
constexpr std::string_view kDeadLetterColumns =
    "seq, sink, alert_id, user_id, body, created_at, attempts, dead_at, reason";

OutboxDelivery read_delivery(const sqlite::Statement& stmt) {
  OutboxDelivery delivery;
  delivery.seq = stmt.column_int(0);
  delivery.sink = stmt.column_text(1);
  delivery.alert_id = stmt.column_text(2);
  delivery.user_id = stmt.column_text(3);
  delivery.body = stmt.column_text(4);
  delivery.created_at = stmt.column_int(5);
  delivery.attempts = static_cast<int>(stmt.column_int(6));
  delivery.next_attempt_at = stmt.column_int(7);
  delivery.last_error = stmt.column_text(8);
  return delivery;
}

std::vector<OutboxDelivery> read_all(sqlite::Statement& stmt) {
  std::vector<OutboxDelivery> rows;
  const sqlite::ResetOnExit reset(stmt);
  while (stmt.step())
    rows.push_back(read_delivery(stmt));
  return rows;
}

void run(sqlite::Statement& stmt) {
  const sqlite::ResetOnExit reset(stmt);
  stmt.step();
}

// "WHERE sink = ?n" or nothing, for the operator commands where an empty sink means all.
std::string sink_condition(std::string_view sink, int parameter) {
  return sink.empty() ? "1" : fmt::format("sink = ?{}", parameter);
}

// Moves the outbox rows that `where` selects (its key bound by `bind_key` as ?1) to the dead
// letters (call inside a transaction); `attempts` is the SQL of their attempt count (?4 or the
// column). Returns how many moved.
std::size_t move_to_dead_letters(
    sqlite::Database& db, std::string_view where, std::string_view attempts,
    const std::function<void(sqlite::Statement&, bool with_attempts)>& bind_key,
    std::string_view reason, TimeMs now) {
  sqlite::Statement move{
      db.get(),
      fmt::format("INSERT INTO webhook_dead_letters ({}) SELECT seq, sink, alert_id, user_id, "
                  "body, created_at, {}, ?2, ?3 FROM webhook_outbox WHERE {} ON CONFLICT DO "
                  "NOTHING",
                  kDeadLetterColumns, attempts, where),
      "outbox: dead-letter deliveries"};
  bind_key(move, true);
  move.bind(2, std::int64_t{now});
  move.bind(3, reason);
  run(move);
  sqlite::Statement remove{db.get(), fmt::format("DELETE FROM webhook_outbox WHERE {}", where),
                           "outbox: dead-letter deliveries"};
  bind_key(remove, false);
  run(remove);
  const auto moved = remove.changes();
  return moved > 0 ? static_cast<std::size_t>(moved) : 0;
}

}  // namespace

void enqueue_delivery(Store::Impl& s, const AlertRecord& alert, const OutboxTarget& target,
                      TimeMs now) {
  sqlite::Statement insert{s.db.get(),
                           "INSERT INTO webhook_outbox (sink, alert_id, user_id, body, "
                           "created_at, next_attempt_at) VALUES (?1, ?2, ?3, ?4, ?5, ?5)"
                           " ON CONFLICT (sink, alert_id) DO NOTHING RETURNING seq",
                           "outbox: enqueue delivery"};
  insert.bind(1, std::string_view(target.sink));
  insert.bind(2, std::string_view(alert.id));
  insert.bind(3, std::string_view(alert.user_id));
  insert.bind(4, std::string_view(alert.json));
  insert.bind(5, std::int64_t{now});
  std::optional<std::int64_t> seq;
  {
    const sqlite::ResetOnExit reset(insert);
    if (insert.step()) seq = insert.column_int(0);
  }
  if (!seq || target.dead_reason.empty()) return;
  // Refused (endpoint disabled, outbox full): straight on to the dead letters, under the seq the
  // outbox's AUTOINCREMENT just handed out, which no outbox row will ever take again.
  move_to_dead_letters(
      s.db, "seq = ?1", "attempts", [&](sqlite::Statement& stmt, bool) { stmt.bind(1, *seq); },
      target.dead_reason, now);
}

void prune_dead_letters(Store::Impl& s, TimeMs cutoff) {
  sqlite::Statement prune{s.db.get(), "DELETE FROM webhook_dead_letters WHERE dead_at < ?1",
                          "prune dead letters"};
  prune.bind(1, std::int64_t{cutoff});
  run(prune);
}

std::vector<OutboxDelivery> Store::outbox_due(std::string_view sink, TimeMs now,
                                              std::size_t limit) {
  Impl& s = impl();
  // Only a user's oldest pending delivery may go: the correlated subquery is one seek in
  // webhook_outbox_user.
  sqlite::Statement select{
      s.db.get(),
      fmt::format("SELECT {} FROM webhook_outbox AS o WHERE o.sink = ?1 AND o.next_attempt_at <= "
                  "?2 AND o.seq = (SELECT min(p.seq) FROM webhook_outbox AS p WHERE p.sink = "
                  "o.sink AND p.user_id = o.user_id) ORDER BY o.seq LIMIT ?3",
                  kDeliveryColumns),
      "outbox: read due deliveries"};
  select.bind(1, sink);
  select.bind(2, std::int64_t{now});
  select.bind(3, static_cast<std::int64_t>(limit));
  return read_all(select);
}

std::optional<TimeMs> Store::outbox_next_attempt(std::string_view sink) {
  Impl& s = impl();
  sqlite::Statement select{
      s.db.get(),
      "SELECT min(o.next_attempt_at) FROM webhook_outbox AS o WHERE o.sink = ?1 AND o.seq = "
      "(SELECT min(p.seq) FROM webhook_outbox AS p WHERE p.sink = o.sink AND p.user_id = "
      "o.user_id)",
      "outbox: next attempt"};
  select.bind(1, sink);
  const sqlite::ResetOnExit reset(select);
  if (!select.step() || select.is_null(0)) return std::nullopt;
  return select.column_int(0);
}

void Store::outbox_delivered(std::int64_t seq) {
  sqlite::Statement remove{impl().db.get(), "DELETE FROM webhook_outbox WHERE seq = ?1",
                           "outbox: delivered"};
  remove.bind(1, seq);
  run(remove);
}

void Store::outbox_retry_later(std::int64_t seq, int attempts, TimeMs next_attempt_at,
                               std::string_view error) {
  sqlite::Statement update{impl().db.get(),
                           "UPDATE webhook_outbox SET attempts = ?2, next_attempt_at = ?3, "
                           "last_error = ?4 WHERE seq = ?1",
                           "outbox: schedule retry"};
  update.bind(1, seq);
  update.bind(2, std::int64_t{attempts});
  update.bind(3, std::int64_t{next_attempt_at});
  update.bind(4, error);
  run(update);
}

void Store::outbox_dead_letter(std::int64_t seq, int attempts, std::string_view reason,
                               TimeMs now) {
  Impl& s = impl();
  auto transaction = s.transaction();
  move_to_dead_letters(
      s.db, "seq = ?1", "?4",
      [&](sqlite::Statement& stmt, bool with_attempts) {
        stmt.bind(1, seq);
        if (with_attempts) stmt.bind(4, std::int64_t{attempts});
      },
      reason, now);
  transaction.commit();
}

std::size_t Store::outbox_dead_letter_all(std::string_view sink, std::string_view reason,
                                          TimeMs now) {
  Impl& s = impl();
  auto transaction = s.transaction();
  const std::size_t moved = move_to_dead_letters(
      s.db, "sink = ?1", "attempts", [&](sqlite::Statement& stmt, bool) { stmt.bind(1, sink); },
      reason, now);
  transaction.commit();
  return moved;
}

OutboxStats Store::outbox_stats(std::string_view sink) {
  sqlite::Statement select{impl().db.get(),
                           "SELECT (SELECT count(*) FROM webhook_outbox WHERE sink = ?1), "
                           "(SELECT min(created_at) FROM webhook_outbox WHERE sink = ?1), "
                           "(SELECT count(*) FROM webhook_dead_letters WHERE sink = ?1)",
                           "outbox: statistics"};
  select.bind(1, sink);
  const sqlite::ResetOnExit reset(select);
  OutboxStats stats;
  if (select.step()) {
    stats.depth = static_cast<std::size_t>(select.column_int(0));
    stats.oldest_created_at = select.is_null(1) ? 0 : select.column_int(1);
    stats.dead_letters = static_cast<std::size_t>(select.column_int(2));
  }
  return stats;
}

std::optional<std::string> Store::webhook_endpoint_disabled(std::string_view sink) {
  sqlite::Statement select{impl().db.get(), "SELECT reason FROM webhook_endpoints WHERE sink = ?1",
                           "outbox: endpoint state"};
  select.bind(1, sink);
  const sqlite::ResetOnExit reset(select);
  if (!select.step()) return std::nullopt;
  return select.column_text(0);
}

void Store::disable_webhook_endpoint(std::string_view sink, std::string_view reason, TimeMs now) {
  sqlite::Statement upsert{impl().db.get(),
                           "INSERT INTO webhook_endpoints (sink, disabled_at, reason) VALUES "
                           "(?1, ?2, ?3) ON CONFLICT (sink) DO UPDATE SET disabled_at = "
                           "excluded.disabled_at, reason = excluded.reason",
                           "outbox: disable endpoint"};
  upsert.bind(1, sink);
  upsert.bind(2, std::int64_t{now});
  upsert.bind(3, reason);
  run(upsert);
}

std::vector<OutboxDelivery> Store::outbox_list(bool dead_letters, std::string_view sink) const {
  sqlite::Statement select{impl().db.get(),
                           fmt::format("SELECT {} FROM {} WHERE {} ORDER BY seq",
                                       dead_letters ? kDeadLetterColumns : kDeliveryColumns,
                                       dead_letters ? "webhook_dead_letters" : "webhook_outbox",
                                       sink_condition(sink, 1)),
                           "outbox: list"};
  if (!sink.empty()) select.bind(1, sink);
  return read_all(select);
}

std::size_t Store::outbox_retry(std::string_view sink, std::string_view alert_id, TimeMs now) {
  Impl& s = impl();
  auto transaction = s.transaction();
  const std::string where =
      fmt::format("{} AND ({})", sink_condition(sink, 1),
                  alert_id.empty() ? std::string("1") : std::string("alert_id = ?2"));
  // ?1 and ?2 may not appear in the SQL; binding an unused index is an error, so bind only
  // what the text uses.
  const auto bind_keys = [&](sqlite::Statement& stmt) {
    if (!sink.empty()) stmt.bind(1, sink);
    if (!alert_id.empty()) stmt.bind(2, alert_id);
  };
  // The endpoints to re-enable: the sink asked for, or (for one alert) that alert's sinks.
  std::vector<std::string> sinks;
  if (alert_id.empty()) {
    if (!sink.empty()) sinks.emplace_back(sink);
  } else {
    sqlite::Statement select{
        s.db.get(), fmt::format("SELECT DISTINCT sink FROM webhook_dead_letters WHERE {}", where),
        "outbox: retry dead letters"};
    bind_keys(select);
    const sqlite::ResetOnExit reset(select);
    while (select.step())
      sinks.push_back(select.column_text(0));
    if (sinks.empty()) return 0;  // nothing to retry: the transaction rolls back
  }
  sqlite::Statement move{
      s.db.get(),
      fmt::format("INSERT INTO webhook_outbox ({}) SELECT seq, sink, alert_id, user_id, body, "
                  "created_at, 0, ?3, reason FROM webhook_dead_letters WHERE {} ON CONFLICT DO "
                  "NOTHING",
                  kDeliveryColumns, where),
      "outbox: retry dead letters"};
  sqlite::Statement remove{s.db.get(),
                           fmt::format("DELETE FROM webhook_dead_letters WHERE {}", where),
                           "outbox: retry dead letters"};
  bind_keys(move);
  bind_keys(remove);
  move.bind(3, std::int64_t{now});
  run(move);
  run(remove);
  const auto moved = remove.changes();
  if (alert_id.empty() && sink.empty()) {
    sqlite::Statement enable{s.db.get(), "DELETE FROM webhook_endpoints",
                             "outbox: enable endpoints"};
    run(enable);
  }
  for (const std::string& name : sinks) {
    sqlite::Statement enable{s.db.get(), "DELETE FROM webhook_endpoints WHERE sink = ?1",
                             "outbox: enable endpoint"};
    enable.bind(1, std::string_view(name));
    run(enable);
  }
  transaction.commit();
  return moved > 0 ? static_cast<std::size_t>(moved) : 0;
}

std::size_t Store::outbox_purge(bool dead_letters, std::string_view sink) {
  sqlite::Statement remove{impl().db.get(),
                           fmt::format("DELETE FROM {} WHERE {}",
                                       dead_letters ? "webhook_dead_letters" : "webhook_outbox",
                                       sink_condition(sink, 1)),
                           "outbox: purge"};
  if (!sink.empty()) remove.bind(1, sink);
  run(remove);
  const auto removed = remove.changes();
  return removed > 0 ? static_cast<std::size_t>(removed) : 0;
}

}  // namespace authcorrd
