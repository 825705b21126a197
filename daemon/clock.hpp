// The daemon's wall clock: UTC milliseconds since the epoch, the `now` of the pipeline, the
// pollers, the outbox and the risk API. Parts that need an injectable clock take a
// std::function<TimeMs()> and get this one in production. Safe from any thread.
#pragma once

#include <chrono>

#include "correlator/event.hpp"

namespace authcorrd {

inline TimeMs wall_clock_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace authcorrd
