// Journal pruning for the store: deletes the rows no detection can need any more, keeping the
// newest "baseline" row per (user, kind) until the baseline cutoff (the rule is in store.hpp).
//
// Why it is incremental. The daemon prunes every minute, and the rows the rule keeps (one per
// user and baseline kind, up to the device-trust TTL, i.e. weeks) are all older than the cutoff:
// a plain "DELETE ... WHERE old AND NOT newest" would re-examine every kept baseline, one index
// seek each, on every prune, which for 10^5 users is most of a second of a blocked I/O thread
// per minute. Instead a row the rule keeps is marked `pinned` and leaves the index that finds
// prunable rows; a pinned row is looked at again only when
//   - a row journaled since the last prune (seq > prune_state.last_seq) is newer in the same
//     (user, kind): it is no longer the newest, or
//   - the baseline cutoff passes it.
// So a prune costs in proportion to what changed since the previous one, not to the journal.
//
// Exactness: with non-decreasing cutoffs (the daemon's clock moving forward) the rows left are
// exactly the ones the rule keeps. After the cutoff moved backwards (a clock step) a superseded
// baseline can stay until the baseline cutoff passes it; a row is never deleted that the rule
// would keep.
#pragma once

#include <cstddef>

#include "correlator/event.hpp"
#include "daemon/store/sqlite.hpp"

namespace authcorrd::store_prune {

class Pruner {
 public:
  explicit Pruner(sqlite3* db);

  // Must run inside the caller's write transaction. Returns the journal rows deleted.
  std::size_t prune_journal(TimeMs cutoff, TimeMs baseline_cutoff);

 private:
  sqlite::Statement read_state_;
  sqlite::Statement write_state_;
  sqlite::Statement any_pinned_;
  sqlite::Statement drop_superseded_;
  sqlite::Statement drop_aged_;
  sqlite::Statement pin_kept_;
  sqlite::Statement drop_expired_;
};

}  // namespace authcorrd::store_prune
