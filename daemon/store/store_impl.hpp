// Store's private state (the connection and its prepared statements), shared by the files that
// implement Store: store.cpp (journal, checkpoints, alerts) and outbox.cpp (webhook outbox).
// Private to daemon/store/.
#pragma once

#include <string>

#include "daemon/store/prune.hpp"
#include "daemon/store/sqlite.hpp"
#include "daemon/store/store.hpp"

namespace authcorrd {

// The journal's INSERT and its arrival-order SELECT (store.cpp keeps their column lists in step).
std::string insert_event_sql();
std::string select_journal_sql();

struct Store::Impl {
  // Declared first so it is destroyed last, after every statement has been finalized.
  sqlite::Database db;

  sqlite::Statement begin{db.get(), "BEGIN IMMEDIATE", "begin transaction"};
  sqlite::Statement commit{db.get(), "COMMIT", "commit"};
  sqlite::Statement rollback{db.get(), "ROLLBACK", "rollback"};

  sqlite::Statement insert_event{db.get(), insert_event_sql(), "journal: insert event"};
  sqlite::Statement select_journal{db.get(), select_journal_sql(), "read journal"};
  sqlite::Statement upsert_checkpoint{
      db.get(),
      "INSERT INTO checkpoints (name, value, updated_at) VALUES (?1, ?2, ?3)"
      " ON CONFLICT (name) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at",
      "set checkpoint"};
  sqlite::Statement select_checkpoint{db.get(), "SELECT value FROM checkpoints WHERE name = ?1",
                                      "read checkpoint"};

  sqlite::Statement insert_alert{
      db.get(),
      "INSERT INTO alerts (id, type, event_time, json, recorded_at, delivered)"
      " VALUES (?1, ?2, ?3, ?4, ?5, 0) ON CONFLICT (id) DO NOTHING",
      "record alert"};
  sqlite::Statement select_undelivered{db.get(),
                                       "SELECT id, type, event_time, json FROM alerts"
                                       " WHERE delivered = 0 ORDER BY recorded_at, rowid",
                                       "read undelivered alerts"};
  sqlite::Statement mark_alert_delivered{
      db.get(), "UPDATE alerts SET delivered = 1 WHERE id = ?1 AND delivered = 0",
      "mark alert delivered"};

  store_prune::Pruner pruner{db.get()};
  sqlite::Statement prune_alerts{db.get(), "DELETE FROM alerts WHERE recorded_at < ?1",
                                 "prune alerts"};
  sqlite::Statement count_rows{db.get(),
                               "SELECT (SELECT count(*) FROM journal), (SELECT count(*) FROM "
                               "alerts), (SELECT count(*) FROM alerts WHERE delivered = 0)",
                               "count rows"};

  explicit Impl(sqlite::Database database) : db(std::move(database)) {}

  sqlite::Transaction transaction() { return {begin, commit, rollback, db.get()}; }

  void write_checkpoint(const Checkpoint& checkpoint, TimeMs updated_at) {
    const sqlite::ResetOnExit reset(upsert_checkpoint);
    upsert_checkpoint.bind(1, std::string_view(checkpoint.name));
    upsert_checkpoint.bind(2, std::string_view(checkpoint.value));
    upsert_checkpoint.bind(3, std::int64_t{updated_at});
    upsert_checkpoint.step();
  }
};

// outbox.cpp: writes one webhook delivery of a newly recorded alert (inside record_alerts'
// transaction), and deletes dead letters older than the alert retention (inside prune's).
void enqueue_delivery(Store::Impl& s, const AlertRecord& alert, const OutboxTarget& target,
                      TimeMs now);
void prune_dead_letters(Store::Impl& s, TimeMs cutoff);

}  // namespace authcorrd
