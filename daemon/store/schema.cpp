// Identity checks, WAL setup and schema migrations of the store's database (see schema.hpp).
#include "daemon/store/schema.hpp"

#include <fmt/format.h>

#include <string_view>
#include <vector>

namespace authcorrd::store_schema {

namespace {

// Entry i migrates user_version i to i + 1, so a database of any older version walks forward
// through every step. Entries are never edited once released; a change is a new entry.
std::vector<std::string> migrations() {
  // 0 -> 1. Notes on the choices:
  //  - STRICT, so that a binding mistake is an error instead of a silently converted value.
  //  - seq is the rowid: arrival order. A new row gets max(seq) + 1, so the order survives
  //    pruning.
  //  - Geo is present exactly when geo_country is not NULL (latitude and longitude alone cannot
  //    say it: SQLite stores a NaN as NULL).
  //  - pinned = 1 marks a row prune() has already judged to be a baseline it must keep; see
  //    prune.hpp for why that flag (and the partial indexes on it) exist.
  //  - Partial indexes only help a query whose WHERE repeats the index's WHERE, so prune.cpp
  //    repeats them verbatim (and names the index with INDEXED BY where it matters).
  constexpr std::string_view kVersion1 = R"sql(
CREATE TABLE journal (
  seq INTEGER PRIMARY KEY,
  source TEXT NOT NULL,
  source_id TEXT NOT NULL,
  event_time INTEGER NOT NULL,
  received_at INTEGER NOT NULL,
  kind TEXT NOT NULL,
  outcome TEXT NOT NULL,
  type_code TEXT NOT NULL,
  tenant TEXT NOT NULL,
  user_id TEXT NOT NULL,
  email TEXT NOT NULL,
  ip TEXT NOT NULL,
  user_agent TEXT NOT NULL,
  device_id TEXT NOT NULL,
  session_id TEXT NOT NULL,
  organization_id TEXT NOT NULL,
  geo_lat REAL,
  geo_lon REAL,
  geo_country TEXT,
  reason TEXT NOT NULL,
  alert_type TEXT NOT NULL,
  description TEXT NOT NULL,
  session_expires_at INTEGER NOT NULL,
  pinned INTEGER NOT NULL DEFAULT 0,
  UNIQUE (source, source_id)
) STRICT;
-- A row becomes prunable when both its times are behind the cutoff: one range scan finds
-- exactly the rows that aged out since the last prune (pinned rows have left this index).
CREATE INDEX journal_age ON journal (max(event_time, received_at)) WHERE pinned = 0;
-- "Is this the newest row of its (user, kind)?" in one seek, for baseline kinds only, so the
-- bulk of the journal does not pay for this index on insert.
CREATE INDEX journal_baseline ON journal (user_id, kind, event_time)
  WHERE user_id <> '' AND kind IN ({0});
-- The kept baselines, by (user, kind) to find the ones a new row supersedes, and by time to
-- find the ones behind the baseline cutoff. Both hold only pinned rows: small.
CREATE INDEX journal_pinned ON journal (user_id, kind, event_time) WHERE pinned = 1;
CREATE INDEX journal_pinned_time ON journal (event_time) WHERE pinned = 1;
-- prune()'s progress: rows after last_seq are new since the last prune at cutoff.
CREATE TABLE prune_state (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  last_seq INTEGER NOT NULL,
  cutoff INTEGER NOT NULL
) STRICT;
CREATE TABLE checkpoints (
  name TEXT PRIMARY KEY NOT NULL,
  value TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;
CREATE TABLE alerts (
  id TEXT PRIMARY KEY NOT NULL,
  type TEXT NOT NULL,
  event_time INTEGER NOT NULL,
  json TEXT NOT NULL,
  recorded_at INTEGER NOT NULL,
  delivered INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX alerts_recorded_at ON alerts (recorded_at);
-- The outbox query reads only undelivered alerts, normally none or a handful.
CREATE INDEX alerts_undelivered ON alerts (recorded_at) WHERE delivered = 0;
)sql";
  // 1 -> 2: the webhook outbox (docs/webhooks.md).
  //  - AUTOINCREMENT so a seq is never reused: a dead letter keeps its seq and goes back to the
  //    outbox under it (`authcorrd outbox retry`), in its original place in the user's order.
  //  - The body is stored with the delivery (not joined from alerts) so that pruning alerts can
  //    never take a pending delivery's body away.
  constexpr std::string_view kVersion2 = R"sql(
CREATE TABLE webhook_outbox (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  sink TEXT NOT NULL,
  alert_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL,
  last_error TEXT NOT NULL DEFAULT '',
  UNIQUE (sink, alert_id)
) STRICT;
-- The head of each user's queue, and the due scan.
CREATE INDEX webhook_outbox_user ON webhook_outbox (sink, user_id, seq);
CREATE INDEX webhook_outbox_due ON webhook_outbox (sink, next_attempt_at);
CREATE TABLE webhook_dead_letters (
  seq INTEGER PRIMARY KEY,
  sink TEXT NOT NULL,
  alert_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  body TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  attempts INTEGER NOT NULL,
  dead_at INTEGER NOT NULL,
  reason TEXT NOT NULL,
  UNIQUE (sink, alert_id)
) STRICT;
CREATE INDEX webhook_dead_letters_age ON webhook_dead_letters (dead_at);
CREATE TABLE webhook_endpoints (
  sink TEXT PRIMARY KEY NOT NULL,
  disabled_at INTEGER NOT NULL,
  reason TEXT NOT NULL
) STRICT;
)sql";
  return {fmt::format(fmt::runtime(kVersion1), baseline_kinds_sql()), std::string(kVersion2)};
}

struct Identity {
  std::int64_t application_id = 0;
  std::int64_t user_version = 0;
  std::int64_t schema_objects = 0;
};

Identity read_identity(sqlite::Database& db, std::string_view operation) {
  // The first read of the header: a file that is not SQLite fails here with "file is not a
  // database", before anything could have written to it.
  Identity identity;
  identity.application_id = db.query_int("PRAGMA application_id", operation);
  identity.user_version = db.query_int("PRAGMA user_version", operation);
  identity.schema_objects = db.query_int("SELECT count(*) FROM sqlite_schema", operation);
  return identity;
}

// Throws unless the database is ours (any version up to this build's) or completely empty.
void check_identity(const Identity& identity, const std::string& path) {
  if (identity.application_id == kApplicationId) {
    if (identity.user_version > kSchemaVersion) {
      throw StoreError(fmt::format(
          "store: opening {}: created by a newer authcorrd (schema version {}, this build "
          "knows up to {}); refusing to open it",
          path, identity.user_version, kSchemaVersion));
    }
    return;
  }
  if (identity.application_id == 0 && identity.user_version == 0 && identity.schema_objects == 0) {
    return;  // a new (or empty) file: ours to initialize
  }
  throw StoreError(fmt::format(
      "store: opening {}: not an authcorrd database (application_id {:#x}, {} schema "
      "objects); refusing to modify it",
      path, static_cast<std::uint32_t>(identity.application_id), identity.schema_objects));
}

}  // namespace

std::string baseline_kinds_sql() {
  std::string list;
  for (const EventKind kind : kBaselineKinds) {
    if (!list.empty()) {
      list += ", ";
    }
    list += fmt::format("'{}'", to_string(kind));
  }
  return list;
}

void open_and_migrate(sqlite::Database& db, const std::string& path, const StoreOptions& options) {
  const std::string opening = fmt::format("opening {}", path);
  check_identity(read_identity(db, opening), path);
  // Better refused now than at the first journal() with "attempt to write a readonly database".
  if (db.read_only()) {
    throw StoreError(fmt::format("store: opening {}: the file is not writable", path));
  }

  // journal_mode cannot change inside a transaction, so it comes before the migration. It
  // answers with the mode in effect, which stays "delete" (or "memory") when WAL is impossible,
  // e.g. on a read-only file: that must not pass silently, since durability depends on it.
  const std::string mode = db.query_text("PRAGMA journal_mode = WAL", opening);
  if (mode != "wal") {
    throw StoreError(fmt::format(
        "store: opening {}: cannot enable WAL journal mode (journal_mode is '{}')", path, mode));
  }
  db.exec(options.synchronous_full ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL",
          opening);
  // Measured with 100-event batches (docs/state.md): a 16 MiB page cache keeps the upper levels
  // of the journal's indexes in memory, and checkpointing every 4000 pages (16 MiB of WAL)
  // rather than 1000 writes a page that several batches dirtied once instead of several
  // times: about a quarter off the mean journal() time, for the same worst case.
  db.exec("PRAGMA cache_size = -16384; PRAGMA wal_autocheckpoint = 4000", opening);
  // A large prune grows the WAL; without a limit the file would keep that size forever.
  db.exec("PRAGMA journal_size_limit = 67108864", opening);

  const std::vector<std::string> steps = migrations();
  static_assert(kSchemaVersion >= 1);
  db.exec("BEGIN IMMEDIATE", fmt::format("migrating {}", path));
  try {
    // Read again under the write lock: another process may have migrated in the meantime.
    const Identity identity = read_identity(db, fmt::format("migrating {}", path));
    check_identity(identity, path);
    for (auto version = identity.user_version; version < kSchemaVersion; ++version) {
      db.exec(steps.at(static_cast<std::size_t>(version)),
              fmt::format("migrating {} to schema version {}", path, version + 1));
    }
    if (identity.user_version < kSchemaVersion) {
      db.exec(fmt::format("PRAGMA application_id = {}; PRAGMA user_version = {}", kApplicationId,
                          kSchemaVersion),
              fmt::format("migrating {}", path));
    }
    db.exec("COMMIT", fmt::format("migrating {}", path));
  } catch (...) {
    if (db.in_transaction()) {
      try {
        db.exec("ROLLBACK", "rollback");
      } catch (const StoreError&) {
        // The original error is the one worth reporting.
      }
    }
    throw;
  }
}

}  // namespace authcorrd::store_schema
