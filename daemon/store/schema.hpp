// The store's on-disk identity and schema: how open() recognizes a database as ours, refuses
// foreign or newer files without modifying them, switches to WAL and migrates the schema.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "correlator/event.hpp"
#include "daemon/store/sqlite.hpp"
#include "daemon/store/store.hpp"

namespace authcorrd::store_schema {

// PRAGMA application_id of every authcorrd database ("ACOR"), so `file(1)`-like checks and our
// own open() can tell our file from any other SQLite file.
inline constexpr std::int32_t kApplicationId = 0x41434F52;

// PRAGMA user_version written by this build. Bump it with a new entry in the migration list.
inline constexpr std::int64_t kSchemaVersion = 2;

// Kinds whose newest row per user survives pruning until the baseline cutoff: they carry the
// last-known IP / user agent and the device-trust state that detections compare against.
inline constexpr std::array kBaselineKinds = {
    EventKind::login_success,
    EventKind::relock_authentication_success,
    EventKind::relock_device_registered,
    EventKind::relock_session_created,
    EventKind::relock_authentication_failed,
    EventKind::relock_device_revoked,
};

// "'login_success', 'relock_...', ..." for an SQL IN list, built from to_string(EventKind) so
// the stored names and the prune rule cannot drift apart.
std::string baseline_kinds_sql();

// Verifies the file is ours (or empty), enables WAL and the synchronous level, and brings the
// schema to kSchemaVersion. Throws StoreError naming `path` when the file is not a database,
// belongs to another application or was created by a newer authcorrd; such files are left
// untouched.
void open_and_migrate(sqlite::Database& db, const std::string& path, const StoreOptions& options);

}  // namespace authcorrd::store_schema
