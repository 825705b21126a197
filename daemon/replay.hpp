// `authcorrd replay`: reads Auth0 and Relock files, merges them by event time, runs the
// correlator and writes one alert per line. The offline twin of the daemon's pipeline, used for
// investigations, tests and benchmarks. Runs on the calling thread.
#pragma once

#include <cstdio>
#include <string>
#include <vector>

#include "correlator/params.hpp"
#include "daemon/sources/event_parser.hpp"

namespace authcorrd {

struct ReplayOptions {
  std::vector<std::string> files;
  InputFormat format = InputFormat::auto_detect;
  bool strict = false;       // any parse error is fatal (exit 1)
  bool print_stats = false;  // counts on the error stream
  bool parse_only = false;   // parse and de-duplicate, no correlation (benchmarks)
  CorrelatorParams params;
};

// Exit codes of replay.
inline constexpr int kReplayOk = 0;
inline constexpr int kReplayParseError = 1;  // --strict and a parse error
inline constexpr int kReplayUnreadable = 2;  // unreadable input or usage error

int run_replay(const ReplayOptions& options, std::FILE* out, std::FILE* err);

}  // namespace authcorrd
