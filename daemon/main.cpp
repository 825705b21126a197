// authcorrd: command-line entry point. Parses the subcommand and hands over; the only place that
// catches everything, so an unexpected exception becomes a message and exit code, not a crash.
#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>

#include "daemon/config/config.hpp"
#include "daemon/outbox_cli.hpp"
#include "daemon/replay.hpp"
#include "daemon/run.hpp"
#include "daemon/version.hpp"

namespace {

using authcorrd::kVersion;
constexpr const char* kDefaultConfig = "/etc/authcorrd/authcorrd.toml";

// Loads the configuration or prints every error (file:line:column: key: message) on stderr.
std::optional<authcorrd::Config> load_or_report(const std::string& path) {
  authcorrd::ConfigLoad load = authcorrd::load_config_file(path, authcorrd::process_environment());
  for (const authcorrd::ConfigError& error : load.errors) {
    fmt::print(stderr, "{}\n", authcorrd::to_string(error));
  }
  if (!load.errors.empty()) {
    fmt::print(stderr, "authcorrd: {} error(s) in {}\n", load.errors.size(), path);
  }
  return std::move(load.config);
}

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

  std::string config_path = kDefaultConfig;
  authcorrd::RunOptions run;
  CLI::App* run_cmd = app.add_subcommand("run", "Run the daemon");
  run_cmd->add_option("--config", config_path, "Configuration file")->capture_default_str();
  run_cmd->add_option("--log-level", run.log_level, "Override [log] level")
      ->check(CLI::IsMember({"error", "warn", "info", "debug"}));
  run_cmd->add_option("--ready-file", run.ready_file,
                      "Write {\"listen\",\"pid\"} JSON here once ready (scripts, tests)");

  CLI::App* check_cmd = app.add_subcommand(
      "check-config", "Validate a configuration file; print the effective configuration");
  check_cmd->add_option("--config", config_path, "Configuration file")->capture_default_str();

  authcorrd::OutboxCommand outbox;
  CLI::App* outbox_cmd = app.add_subcommand(
      "outbox", "Inspect and re-drive the webhook outbox and dead letters (docs/webhooks.md)");
  outbox_cmd->require_subcommand(1);
  outbox_cmd->add_option("--config", config_path, "Configuration file")->capture_default_str();
  CLI::App* outbox_list = outbox_cmd->add_subcommand("list", "List pending deliveries");
  outbox_list->add_flag("--dead", outbox.dead_letters, "List the dead letters instead");
  outbox_list->add_flag("--json", outbox.json, "One JSON object per line");
  CLI::App* outbox_retry = outbox_cmd->add_subcommand(
      "retry", "Move dead letters back to the outbox (due now) and re-enable endpoints");
  outbox_retry->add_option("--id", outbox.alert_id, "Only the dead letter of this alert id");
  CLI::App* outbox_purge =
      outbox_cmd->add_subcommand("purge", "Delete pending deliveries (or dead letters)");
  outbox_purge->add_flag("--dead", outbox.dead_letters, "Delete the dead letters instead");
  for (CLI::App* command : {outbox_list, outbox_retry, outbox_purge}) {
    command->add_option("--sink", outbox.sink, "Only this [[sinks.webhook]] name");
    command->add_option("--config", config_path, "Configuration file")->capture_default_str();
  }

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
    if (check_cmd->parsed()) {
      const auto config = load_or_report(config_path);
      if (!config) return 1;
      fmt::print("{}", authcorrd::render_effective_config(*config));
      return 0;
    }
    if (outbox_cmd->parsed()) {
      const auto config = load_or_report(config_path);
      if (!config) return 1;
      outbox.action = outbox_retry->parsed()   ? authcorrd::OutboxCommand::Action::retry
                      : outbox_purge->parsed() ? authcorrd::OutboxCommand::Action::purge
                                               : authcorrd::OutboxCommand::Action::list;
      return authcorrd::run_outbox_command(*config, outbox, stdout, stderr);
    }
    if (run_cmd->parsed()) {
      const auto config = load_or_report(config_path);
      if (!config) return 1;
      run.config_path = config_path;
      return authcorrd::run_daemon(*config, run);
    }
  } catch (const std::exception& error) {
    fmt::print(stderr, "authcorrd: fatal: {}\n", error.what());
    return 1;
  }
  return 0;
}
