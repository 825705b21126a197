// `authcorrd outbox list|retry|purge`: the operator's view of the webhook outbox and dead
// letters in the state file (docs/webhooks.md). Works while the daemon runs (SQLite WAL; the
// daemon picks up re-driven deliveries within a second) or while it is stopped.
// Runs on the main thread of a short-lived process.
#pragma once

#include <cstdio>
#include <string>

#include "daemon/config/config.hpp"

namespace authcorrd {

struct OutboxCommand {
  enum class Action { list, retry, purge };
  Action action = Action::list;
  bool dead_letters = false;  // list/purge: the dead letters instead of the pending deliveries
  bool json = false;          // list: JSON lines instead of a table
  std::string sink;           // empty = every webhook sink
  std::string alert_id;       // retry: only this alert's dead letter
};

// Returns the exit code: 0 done, 1 on an error (message on `err`).
int run_outbox_command(const Config& config, const OutboxCommand& command, std::FILE* out,
                       std::FILE* err);

}  // namespace authcorrd
