// The seam between sources (HTTP receivers, pollers) and the daemon's ingest pipeline: a source
// parses a body into Events and hands them over in one call; the pipeline journals them (with
// the source's checkpoint, in one transaction), then correlates the new ones and delivers the
// alerts they complete.
//
// Called on the daemon's I/O thread only (the one io_context thread that runs the server and
// the pollers); implementations need no locking.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "correlator/event.hpp"
#include "daemon/store/store.hpp"

namespace authcorrd {

struct BatchOutcome {
  std::size_t new_events = 0;
  std::size_t duplicates = 0;
  std::size_t alerts = 0;  // new alerts delivered because of this batch
};

class EventBatchSink {
 public:
  virtual ~EventBatchSink() = default;

  // Journals `events` and sets `checkpoint` atomically, then correlates the events that were
  // new. When it throws (StoreError), nothing was journaled and the checkpoint did not move:
  // the caller retries the same batch later.
  virtual BatchOutcome accept(std::span<const Event> events,
                              const std::optional<Checkpoint>& checkpoint) = 0;

  virtual std::optional<std::string> checkpoint(std::string_view name) const = 0;
};

}  // namespace authcorrd
