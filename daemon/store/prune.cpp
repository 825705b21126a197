// Incremental journal pruning (see prune.hpp for the rule, the pinned flag and why).
#include "daemon/store/prune.hpp"

#include <fmt/format.h>

#include <optional>
#include <string>

#include "daemon/store/schema.hpp"

namespace authcorrd::store_prune {

namespace {

// Each statement repeats the WHERE of the partial index it relies on, and names critical
// indexes with INDEXED BY: should a schema change make one unusable, preparing the statement
// fails at open() instead of prune() silently turning into a full scan.

// Pinned rows that a row journaled since the last prune supersedes (newer event time, or the
// same time and a later arrival) in the same (user, kind). CROSS JOIN fixes the loop order: the
// few new rows outside, by seq range, and a seek into the pinned rows for each; the planner's
// own choice walked every pinned row. ?1 cutoff, ?3 last_seq.
constexpr std::string_view kDropSupersededSql = R"sql(
DELETE FROM journal WHERE seq IN (
  SELECT p.seq FROM journal AS n NOT INDEXED CROSS JOIN journal AS p INDEXED BY journal_pinned
  WHERE n.seq > ?3 AND n.user_id <> '' AND n.kind IN ({0})
    AND p.pinned = 1 AND p.user_id = n.user_id AND p.kind = n.kind
    AND (p.event_time, p.seq) < (n.event_time, n.seq)
    AND max(p.event_time, p.received_at) < ?1))sql";

// Rows that aged out since the last prune, unless newest of their (user, kind), of a baseline
// kind, and not behind the baseline cutoff. "Newest" is the first entry of a descending walk of
// journal_baseline, whose key ends in event_time and then the rowid (seq): ties go to the later
// arrival. ?1 cutoff, ?2 baseline cutoff.
constexpr std::string_view kDropAgedSql = R"sql(
DELETE FROM journal AS j INDEXED BY journal_age
WHERE j.pinned = 0 AND max(j.event_time, j.received_at) < ?1
  AND NOT (j.user_id <> '' AND j.kind IN ({0}) AND j.event_time >= ?2
    AND j.seq = (SELECT b.seq FROM journal AS b INDEXED BY journal_baseline
                 WHERE b.user_id = j.user_id AND b.kind = j.kind
                   AND b.user_id <> '' AND b.kind IN ({0})
                 ORDER BY b.event_time DESC, b.seq DESC LIMIT 1)))sql";

// What aged out and survived kDropAgedSql is exactly the newest baselines: pin them.
constexpr std::string_view kPinKeptSql = R"sql(
UPDATE journal INDEXED BY journal_age SET pinned = 1
WHERE pinned = 0 AND max(event_time, received_at) < ?1)sql";

// Kept baselines the baseline cutoff has passed.
constexpr std::string_view kDropExpiredSql = R"sql(
DELETE FROM journal INDEXED BY journal_pinned_time
WHERE pinned = 1 AND event_time < ?2 AND max(event_time, received_at) < ?1)sql";

std::string with_kinds(std::string_view sql) {
  return fmt::format(fmt::runtime(sql), store_schema::baseline_kinds_sql());
}

// Binds ?1 cutoff, ?2 baseline cutoff and, when given, ?3 last_seq, and runs the statement.
std::size_t run_delete(sqlite::Statement& stmt, TimeMs cutoff, TimeMs baseline_cutoff,
                       std::optional<std::int64_t> last_seq = std::nullopt) {
  const sqlite::ResetOnExit reset(stmt);
  stmt.bind(1, std::int64_t{cutoff});
  stmt.bind(2, std::int64_t{baseline_cutoff});
  if (last_seq) {
    stmt.bind(3, *last_seq);
  }
  stmt.step();
  const std::int64_t changes = stmt.changes();
  return changes > 0 ? static_cast<std::size_t>(changes) : 0;
}

}  // namespace

Pruner::Pruner(sqlite3* db)
    : read_state_(db, "SELECT last_seq, cutoff FROM prune_state WHERE id = 1",
                  "prune journal: read state"),
      write_state_(db,
                   "INSERT INTO prune_state (id, last_seq, cutoff)"
                   " VALUES (1, (SELECT coalesce(max(seq), 0) FROM journal), ?1)"
                   " ON CONFLICT (id) DO UPDATE SET last_seq = excluded.last_seq,"
                   " cutoff = excluded.cutoff",
                   "prune journal: write state"),
      any_pinned_(db, "SELECT EXISTS (SELECT 1 FROM journal WHERE pinned = 1)",
                  "prune journal: find kept baselines"),
      drop_superseded_(db, with_kinds(kDropSupersededSql),
                       "prune journal: delete superseded baselines"),
      drop_aged_(db, with_kinds(kDropAgedSql), "prune journal: delete aged rows"),
      pin_kept_(db, kPinKeptSql, "prune journal: keep baselines"),
      drop_expired_(db, kDropExpiredSql, "prune journal: delete expired baselines") {}

std::size_t Pruner::prune_journal(TimeMs cutoff, TimeMs baseline_cutoff) {
  std::int64_t last_seq = 0;
  TimeMs last_cutoff = kNoTime;
  {
    const sqlite::ResetOnExit reset(read_state_);
    if (read_state_.step()) {
      last_seq = read_state_.column_int(0);
      last_cutoff = read_state_.column_int(1);
    }
  }
  bool any_pinned = false;
  {
    const sqlite::ResetOnExit reset(any_pinned_);
    any_pinned = any_pinned_.step() && any_pinned_.column_int(0) != 0;
  }

  std::size_t deleted = 0;
  // Superseded baselines first, while every row that could supersede one is still there.
  if (any_pinned) {
    deleted += run_delete(drop_superseded_, cutoff, baseline_cutoff, last_seq);
  }
  deleted += run_delete(drop_aged_, cutoff, baseline_cutoff);
  {
    const sqlite::ResetOnExit reset(pin_kept_);
    pin_kept_.bind(1, std::int64_t{cutoff});
    pin_kept_.step();
  }
  if (any_pinned) {
    deleted += run_delete(drop_expired_, cutoff, baseline_cutoff);
  }

  // After a backwards step of the cutoff the pinned rows are not all behind it; the rows since
  // last_seq must then be looked at again once the cutoff is back, so the state stays put.
  // Recorded after the deletions: a new row gets max(seq) + 1 of the rows that remain.
  if (cutoff >= last_cutoff) {
    const sqlite::ResetOnExit reset(write_state_);
    write_state_.bind(1, std::int64_t{cutoff});
    write_state_.step();
  }
  return deleted;
}

}  // namespace authcorrd::store_prune
