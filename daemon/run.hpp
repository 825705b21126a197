// `authcorrd run`: the long-running daemon. Opens the store, rebuilds the index from the
// journal, starts the HTTP server and the configured pollers, and runs until SIGTERM/SIGINT.
// SIGHUP reloads the configuration (docs/operations.md "Reload") and reopens the alert files;
// SIGUSR1 only reopens the alert files. Speaks systemd's notify protocol (READY, STATUS,
// RELOADING, STOPPING, WATCHDOG) when NOTIFY_SOCKET is set.
//
// Everything runs on one thread (one io_context): HTTP sessions, pollers, the ingest pipeline
// and its SQLite store, so no part needs a lock.
#pragma once

#include <string>

#include "daemon/config/config.hpp"

namespace authcorrd {

struct RunOptions {
  // The file `config` was loaded from; SIGHUP reloads it.
  std::string config_path;
  // --log-level: overrides [log] level (also across reloads) when not empty.
  std::string log_level;
  // When set, written once the daemon is ready: {"listen":"127.0.0.1:PORT","pid":N}. Lets
  // scripts and tests that configured port 0 find the port.
  std::string ready_file;
};

// Returns the process exit code: 0 after a clean shutdown, 1 when startup failed.
int run_daemon(const Config& config, const RunOptions& options);

}  // namespace authcorrd
