// `authcorrd run`: the long-running daemon. Opens the store, rebuilds the index from the
// journal, starts the HTTP server and the configured pollers, and runs until SIGTERM/SIGINT;
// SIGHUP/SIGUSR1 reopen the alert files.
//
// Everything runs on one thread (one io_context): HTTP sessions, pollers, the ingest pipeline
// and its SQLite store, so no part needs a lock.
#pragma once

#include <string>

#include "daemon/config/config.hpp"

namespace authcorrd {

struct RunOptions {
  // When set, written once the daemon is ready: {"listen":"127.0.0.1:PORT","pid":N}. Lets
  // scripts and tests that configured port 0 find the port.
  std::string ready_file;
};

// Returns the process exit code: 0 after a clean shutdown, 1 when startup failed.
int run_daemon(const Config& config, const RunOptions& options);

}  // namespace authcorrd
