// authcorrd: command-line entry point. Parses the subcommand and hands over; the only place that
// catches everything, so an unexpected exception becomes a message and exit code, not a crash.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

#include "daemon/replay.hpp"

namespace {

constexpr const char* kVersion = "0.1.0";

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"authcorrd: continuous-authentication monitor for Auth0 and Relock"};
  app.set_version_flag("--version", kVersion);
  app.require_subcommand(1);

  authcorrd::ReplayOptions replay;
  std::string format = "auto";
  CLI::App* replay_cmd = app.add_subcommand(
      "replay", "Correlate Auth0 and Relock files offline and print alerts as JSON lines");
  replay_cmd->add_option("--format", format, "Input vocabulary: auto, auth0 or relock")
      ->check(CLI::IsMember({"auto", "auth0", "relock"}));
  replay_cmd->add_flag("--strict", replay.strict, "Any parse error is fatal (exit 1)");
  replay_cmd->add_flag("--stats", replay.print_stats, "Print counts on stderr");
  replay_cmd->add_flag("--parse-only", replay.parse_only,
                       "Parse only, no correlation (benchmarks)");
  replay_cmd->add_option("FILE", replay.files, "Auth0 or Relock files (JSON, JSON lines)")
      ->required();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    // CLI11 uses exit code 0 for --help/--version; usage errors are ours: 2.
    const int code = app.exit(error);
    return code == 0 ? 0 : authcorrd::kReplayUnreadable;
  }

  try {
    if (replay_cmd->parsed()) {
      replay.format = format == "auth0"    ? authcorrd::InputFormat::auth0
                      : format == "relock" ? authcorrd::InputFormat::relock
                                           : authcorrd::InputFormat::auto_detect;
      return authcorrd::run_replay(replay, stdout, stderr);
    }
  } catch (const std::exception& error) {
    fmt::print(stderr, "authcorrd: fatal: {}\n", error.what());
    return 1;
  }
  return 0;
}
