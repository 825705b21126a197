#include "daemon/replay.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <deque>
#include <limits>
#include <memory>
#include <queue>
#include <unordered_set>

#include "correlator/correlator.hpp"
#include "correlator/event_codes.hpp"
#include "daemon/replay_input.hpp"
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
    fmt::print(err, "future_events_total{{source=\"{}\"}} {}\n", to_string(source),
               stats.future_events[s]);
  }
  fmt::print(err, "parse_errors_total {}\n", counts.parse_errors);
  fmt::print(err, "duplicate_events_total {}\n", counts.duplicates + stats.duplicate_events);
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

// Events waiting to be released in event-time order. Event objects live in recycled slots, so
// their string buffers are reused and steady-state parsing does not allocate.
class ReorderBuffer final : public EventOutput {
 public:
  Event& slot() override {
    if (!has_pending_) {
      if (free_.empty()) {
        pending_ = events_.size();
        events_.emplace_back();
      } else {
        pending_ = free_.back();
        free_.pop_back();
      }
      has_pending_ = true;
    }
    return events_[pending_];
  }

  void commit() override {
    has_pending_ = false;
    newest_parsed_ = std::max(newest_parsed_, events_[pending_].time);
    queue_.push(Entry{events_[pending_].time, sequence_++, pending_});
  }

  bool empty() const { return queue_.empty(); }
  TimeMs oldest_time() const { return queue_.top().time; }
  TimeMs newest_parsed() const { return newest_parsed_; }
  void reset_newest_parsed() { newest_parsed_ = std::numeric_limits<TimeMs>::min(); }

  // The oldest event (ties: first parsed); valid until release() of its slot.
  std::size_t pop() {
    const std::size_t slot_index = queue_.top().slot;
    queue_.pop();
    return slot_index;
  }
  const Event& at(std::size_t slot_index) const { return events_[slot_index]; }
  void release(std::size_t slot_index) { free_.push_back(slot_index); }

 private:
  struct Entry {
    TimeMs time;
    std::uint64_t sequence;
    std::size_t slot;
    bool operator>(const Entry& other) const {
      return time != other.time ? time > other.time : sequence > other.sequence;
    }
  };
  std::deque<Event> events_;  // stable addresses: slots are handed out by reference
  std::vector<std::size_t> free_;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> queue_;
  std::size_t pending_ = 0;
  bool has_pending_ = false;
  std::uint64_t sequence_ = 0;
  TimeMs newest_parsed_ = std::numeric_limits<TimeMs>::min();
};

// Ids of released events of the kinds the correlator does not keep, forgotten once older than
// `horizon` behind the newest release. Releases come in time order and a duplicate carries its
// original's time, so this catches every such duplicate re-delivered within the horizon.
class RecentIds {
 public:
  explicit RecentIds(TimeMs horizon) : horizon_(horizon) {}

  // False when (source, id) was already seen.
  bool insert(const Event& event) {
    Key key{std::hash<std::string_view>{}(event.source_id), event.source, event.source_id};
    const auto [it, inserted] = ids_.insert(std::move(key));
    if (!inserted) return false;
    order_.push_back({event.time, &*it});
    while (!order_.empty() && order_.front().time < event.time - horizon_) {
      ids_.erase(*order_.front().key);
      order_.pop_front();
    }
    return true;
  }

 private:
  // The id's hash is computed once and kept: inserting and erasing never rehash the bytes.
  struct Key {
    std::size_t hash;
    Source source;
    std::string id;
    bool operator==(const Key& other) const {
      return hash == other.hash && source == other.source && id == other.id;
    }
  };
  struct KeyHash {
    std::size_t operator()(const Key& key) const noexcept { return key.hash; }
  };
  struct Seen {
    TimeMs time;
    const Key* key;
  };
  TimeMs horizon_;
  std::unordered_set<Key, KeyHash> ids_;  // node-based: element addresses are stable
  std::deque<Seen> order_;
};

struct InputState {
  ReplayInput input;
  bool active = true;
  TimeMs newest = std::numeric_limits<TimeMs>::min();  // newest event time parsed from it
  std::size_t errors_shown = 0;
};

}  // namespace

int run_replay(const ReplayOptions& options, std::FILE* out, std::FILE* err) {
  if (options.files.empty()) {
    fmt::print(err, "authcorrd replay: no input files\n");
    return kReplayUnreadable;
  }
  EventParser parser;
  std::vector<InputState> inputs;
  for (const std::string& path : options.files) {
    InputState state{ReplayInput(path, options.format, parser.max_item_bytes())};
    std::string error;
    if (!state.input.open(error)) {
      fmt::print(err, "authcorrd replay: {}\n", error);
      return kReplayUnreadable;
    }
    inputs.push_back(std::move(state));
  }

  ReplayCounts counts;
  ReorderBuffer pending;
  RecentIds seen(options.params.allowed_lateness);
  // Replay ends the process right after; tearing down an index of millions of records would
  // only cost time (several percent of a large replay), so the index is deliberately kept
  // until exit, reachable through a holder that is never destroyed (so not a leak).
  static auto* const kept_until_exit = new std::unique_ptr<Correlator>();
  *kept_until_exit = std::make_unique<Correlator>(options.params);
  Correlator& correlator = **kept_until_exit;
  std::vector<Alert> alerts;
  // Under --strict nothing is printed unless every file parses, so alerts wait here.
  std::string held_output;
  std::string line;
  TimeMs now = std::numeric_limits<TimeMs>::min();
  std::size_t processed = 0;

  auto ingest = [&](const Event& event) {
    // Kinds the correlator keeps it de-duplicates itself (exactly, for as long as it holds
    // them); the id set covers the rest.
    if (!is_correlated_kind(event.kind) && !seen.insert(event)) {
      ++counts.duplicates;
      return;
    }
    if (options.parse_only) return;
    now = std::max(now, event.time);
    alerts.clear();
    correlator.ingest(event, now, alerts);
    for (const Alert& alert : alerts) {
      line = alert_to_json(alert);
      line.push_back('\n');
      if (options.strict)
        held_output += line;
      else
        std::fwrite(line.data(), 1, line.size(), out);
    }
    if (++processed % kAdvanceEvery == 0) correlator.advance(now);
  };

  // Merge by event time: always read on in the file that is furthest behind, and release an
  // event once every file still open has read past it by the allowed lateness (the disorder a
  // single file may have). Sorted inputs therefore merge exactly.
  while (true) {
    InputState* behind = nullptr;
    for (InputState& state : inputs) {
      if (state.active && (behind == nullptr || state.newest < behind->newest)) behind = &state;
    }
    if (behind != nullptr) {
      ParseReport report;
      std::string error;
      pending.reset_newest_parsed();
      behind->active = behind->input.next(parser, pending, report, error);
      behind->newest = std::max(behind->newest, pending.newest_parsed());
      if (!error.empty()) {
        fmt::print(err, "authcorrd replay: {}\n", error);
        return kReplayUnreadable;
      }
      counts.unknown_auth0_types += report.unknown_auth0_types;
      counts.ignored_relock_events += report.ignored();
      counts.parse_errors += report.errors.size();
      for (const ItemError& e : report.errors) {
        if (behind->errors_shown++ < kMaxErrorsShownPerFile) {
          fmt::print(err, "authcorrd replay: {}:{}: item {}: {}\n", behind->input.path(), e.line,
                     e.index + 1, e.message);
        }
      }
      if (options.strict && !report.errors.empty()) return kReplayParseError;
      if (!behind->active && behind->errors_shown > kMaxErrorsShownPerFile) {
        fmt::print(err, "authcorrd replay: {}: {} more parse errors not shown\n",
                   behind->input.path(), behind->errors_shown - kMaxErrorsShownPerFile);
      }
    }
    TimeMs release_up_to = std::numeric_limits<TimeMs>::max();
    for (const InputState& state : inputs) {
      if (!state.active) continue;
      const bool read_nothing_yet = state.newest == std::numeric_limits<TimeMs>::min();
      release_up_to = std::min(release_up_to, read_nothing_yet
                                                  ? state.newest
                                                  : state.newest - options.params.allowed_lateness);
    }
    while (!pending.empty() && pending.oldest_time() <= release_up_to) {
      const std::size_t slot_index = pending.pop();
      ingest(pending.at(slot_index));
      pending.release(slot_index);
    }
    if (behind == nullptr && pending.empty()) break;
  }

  if (!options.parse_only) correlator.advance(now);
  if (!held_output.empty()) std::fwrite(held_output.data(), 1, held_output.size(), out);
  std::fflush(out);
  if (options.print_stats) print_stats(err, correlator.stats(), counts);
  return kReplayOk;
}

}  // namespace authcorrd
