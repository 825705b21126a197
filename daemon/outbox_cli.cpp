#include "daemon/outbox_cli.hpp"

#include <fmt/format.h>

#include <chrono>
#include <exception>

#include "daemon/clock.hpp"
#include "daemon/sources/poller_support.hpp"  // json_quote
#include "daemon/store/store.hpp"
#include "sinks/alert_json.hpp"

namespace authcorrd {
namespace {

bool sink_configured(const Config& config, const std::string& name) {
  for (const WebhookSinkConfig& sink : config.sinks.webhooks) {
    if (sink.name == name) return true;
  }
  return false;
}

void print_list(const std::vector<OutboxDelivery>& rows, const OutboxCommand& command,
                std::FILE* out) {
  const char* time_column = command.dead_letters ? "dead_at" : "next_attempt_at";
  const char* note_column = command.dead_letters ? "reason" : "last_error";
  if (command.json) {
    for (const OutboxDelivery& row : rows) {
      fmt::print(out,
                 "{{\"seq\":{},\"sink\":{},\"alert_id\":{},\"created_at\":{},\"attempts\":{},"
                 "\"{}\":{},\"{}\":{}}}\n",
                 row.seq, json_quote(row.sink), json_quote(row.alert_id),
                 json_quote(format_timestamp(row.created_at)), row.attempts, time_column,
                 json_quote(format_timestamp(row.next_attempt_at)), note_column,
                 json_quote(row.last_error));
    }
    return;
  }
  fmt::print(out, "{:<8} {:<16} {:<32} {:<24} {:>8} {:<24} {}\n", "seq", "sink", "alert_id",
             "created_at", "attempts", time_column, note_column);
  for (const OutboxDelivery& row : rows) {
    fmt::print(out, "{:<8} {:<16} {:<32} {:<24} {:>8} {:<24} {}\n", row.seq, row.sink, row.alert_id,
               format_timestamp(row.created_at), row.attempts,
               format_timestamp(row.next_attempt_at), row.last_error);
  }
  fmt::print(out, "{} {}\n", rows.size(),
             command.dead_letters ? "dead letter(s)" : "pending delivery(ies)");
}

}  // namespace

int run_outbox_command(const Config& config, const OutboxCommand& command, std::FILE* out,
                       std::FILE* err) {
  if (!command.sink.empty() && !sink_configured(config, command.sink)) {
    fmt::print(err, "authcorrd outbox: no [[sinks.webhook]] named \"{}\" in {}\n", command.sink,
               config.source);
    return 1;
  }
  try {
    Store store = Store::open(config.store.path);
    switch (command.action) {
      case OutboxCommand::Action::list:
        print_list(store.outbox_list(command.dead_letters, command.sink), command, out);
        return 0;
      case OutboxCommand::Action::retry: {
        const std::size_t moved =
            store.outbox_retry(command.sink, command.alert_id, wall_clock_ms());
        if (!command.alert_id.empty() && moved == 0) {
          fmt::print(err, "authcorrd outbox: no dead letter for alert {}{}\n", command.alert_id,
                     command.sink.empty() ? "" : fmt::format(" of sink {}", command.sink));
          return 1;
        }
        fmt::print(out,
                   "{} dead letter(s) back in the outbox, due now; {} enabled (a running daemon "
                   "sends them within a second)\n",
                   moved, command.sink.empty() ? "every webhook endpoint" : "the endpoint");
        return 0;
      }
      case OutboxCommand::Action::purge: {
        const std::size_t removed = store.outbox_purge(command.dead_letters, command.sink);
        fmt::print(out, "deleted {} {}\n", removed,
                   command.dead_letters ? "dead letter(s)" : "pending delivery(ies)");
        return 0;
      }
    }
  } catch (const std::exception& error) {
    fmt::print(err, "authcorrd outbox: {}\n", error.what());
    return 1;
  }
  return 1;
}

}  // namespace authcorrd
