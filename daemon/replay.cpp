#include "daemon/replay.hpp"

#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <numeric>
#include <unordered_set>

#include "correlator/correlator.hpp"
#include "sinks/alert_json.hpp"

namespace authcorrd {
namespace {

// Per-file error lines beyond this are summarised, so a garbage file cannot flood the terminal.
constexpr std::size_t kMaxErrorsShownPerFile = 20;
// advance() cadence in events: prunes and compacts without costing per event.
constexpr std::size_t kAdvanceEvery = 4096;

struct ReplayCounts {
  std::size_t parse_errors = 0;
  std::size_t duplicates = 0;
  std::size_t unknown_auth0_types = 0;
  std::size_t ignored_relock_events = 0;
  std::size_t alerts_written = 0;
};

void print_stats(std::FILE* err, const CorrelatorStats& stats, const ReplayCounts& counts) {
  for (std::size_t s = 0; s < kSourceCount; ++s) {
    const auto source = static_cast<Source>(s);
    for (std::size_t k = 0; k < kEventKindCount; ++k) {
      if (stats.events[s][k] == 0) continue;
      fmt::print(err, "events_total{{source=\"{}\",kind=\"{}\"}} {}\n", to_string(source),
                 to_string(static_cast<EventKind>(k)), stats.events[s][k]);
    }
    fmt::print(err, "late_events_total{{source=\"{}\"}} {}\n", to_string(source),
               stats.late_events[s]);
  }
  fmt::print(err, "parse_errors_total {}\n", counts.parse_errors);
  fmt::print(err, "duplicate_events_total {}\n", counts.duplicates);
  fmt::print(err, "unknown_auth0_types_total {}\n", counts.unknown_auth0_types);
  fmt::print(err, "ignored_relock_events_total {}\n", counts.ignored_relock_events);
  fmt::print(err, "unattributed_events_total {}\n", stats.unattributed_events);
  fmt::print(err, "evicted_users_total {}\n", stats.users_evicted);
  fmt::print(err, "expired_users_total {}\n", stats.users_expired);
  fmt::print(err, "evicted_events_total {}\n", stats.records_evicted);
  fmt::print(err, "evicted_sessions_total {}\n", stats.sessions_evicted);
  for (std::size_t t = 0; t < kAlertTypeCount; ++t) {
    const auto type = to_string(static_cast<AlertType>(t));
    fmt::print(err, "alerts_total{{type=\"{}\"}} {}\n", type, stats.alerts[t]);
    fmt::print(err, "alerts_suppressed_total{{type=\"{}\"}} {}\n", type,
               stats.alerts_suppressed[t]);
  }
  fmt::print(err, "tracked_users {}\n", stats.tracked_users);
}

}  // namespace

int run_replay(const ReplayOptions& options, std::FILE* out, std::FILE* err) {
  if (options.files.empty()) {
    fmt::print(err, "authcorrd replay: no input files\n");
    return kReplayUnreadable;
  }
  ReplayCounts counts;
  std::vector<Event> events;
  EventParser parser;
  for (const std::string& path : options.files) {
    simdjson::padded_string body;
    if (const auto error = simdjson::padded_string::load(path).get(body); error) {
      fmt::print(err, "authcorrd replay: {}: cannot read: {}\n", path,
                 simdjson::error_message(error));
      return kReplayUnreadable;
    }
    const ParseReport report = parser.parse(body, options.format, events);
    counts.unknown_auth0_types += report.unknown_auth0_types;
    counts.ignored_relock_events += report.ignored();
    counts.parse_errors += report.errors.size();
    for (std::size_t i = 0; i < report.errors.size() && i < kMaxErrorsShownPerFile; ++i) {
      const ItemError& error = report.errors[i];
      fmt::print(err, "authcorrd replay: {}:{}: item {}: {}\n", path, error.line, error.index + 1,
                 error.message);
    }
    if (report.errors.size() > kMaxErrorsShownPerFile) {
      fmt::print(err, "authcorrd replay: {}: {} more parse errors not shown\n", path,
                 report.errors.size() - kMaxErrorsShownPerFile);
    }
    if (options.strict && !report.errors.empty()) return kReplayParseError;
  }

  // Merge by event time; equal times keep input order, so output is deterministic.
  std::vector<std::uint32_t> order(events.size());
  std::iota(order.begin(), order.end(), 0U);
  std::stable_sort(order.begin(), order.end(), [&events](std::uint32_t a, std::uint32_t b) {
    return events[a].time < events[b].time;
  });

  // Sources deliver at least once: the first copy of a (source, id) wins.
  std::unordered_set<std::string_view> seen[kSourceCount];
  for (auto& set : seen)
    set.reserve(events.size());

  Correlator correlator(options.params);
  std::vector<Alert> alerts;
  std::string line;
  TimeMs now = 0;
  std::size_t processed = 0;
  for (const std::uint32_t index : order) {
    const Event& event = events[index];
    if (!seen[static_cast<std::size_t>(event.source)].insert(event.source_id).second) {
      ++counts.duplicates;
      continue;
    }
    if (options.parse_only) continue;
    now = std::max(now, event.time);
    alerts.clear();
    correlator.ingest(event, now, alerts);
    for (const Alert& alert : alerts) {
      line = alert_to_json(alert);
      line.push_back('\n');
      std::fwrite(line.data(), 1, line.size(), out);
      ++counts.alerts_written;
    }
    if (++processed % kAdvanceEvery == 0) correlator.advance(now);
  }
  correlator.advance(now);
  std::fflush(out);
  if (options.print_stats) print_stats(err, correlator.stats(), counts);
  return kReplayOk;
}

}  // namespace authcorrd
