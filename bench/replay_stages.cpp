// Where replay's time goes: times each stage of the replay pipeline separately over one file
// (load, split+parse, order, correlate, format alerts). A benchmark, not a test.
//   replay_stages FILE
#include <fmt/format.h>
#include <simdjson.h>

#include <algorithm>
#include <chrono>
#include <numeric>

#include "correlator/correlator.hpp"
#include "daemon/sources/event_parser.hpp"
#include "sinks/alert_json.hpp"

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    fmt::print(stderr, "usage: replay_stages FILE\n");
    return 2;
  }
  using namespace authcorrd;
  auto start = Clock::now();
  simdjson::padded_string body;
  if (simdjson::padded_string::load(argv[1]).get(body) != simdjson::SUCCESS) {
    fmt::print(stderr, "cannot read {}\n", argv[1]);
    return 2;
  }
  const double load = seconds_since(start);

  start = Clock::now();
  std::vector<Event> events;
  EventParser parser;
  const ParseReport report = parser.parse(body, InputFormat::auto_detect, events);
  const double parse = seconds_since(start);

  start = Clock::now();
  std::vector<std::uint32_t> order(events.size());
  std::iota(order.begin(), order.end(), 0U);
  std::stable_sort(order.begin(), order.end(), [&events](std::uint32_t a, std::uint32_t b) {
    return events[a].time < events[b].time;
  });
  const double sort = seconds_since(start);

  start = Clock::now();
  Correlator correlator;
  std::vector<Alert> alerts;
  TimeMs now = 0;
  std::size_t n = 0;
  for (const std::uint32_t index : order) {
    now = std::max(now, events[index].time);
    correlator.ingest(events[index], now, alerts);
    if (++n % 4096 == 0) correlator.advance(now);
  }
  const double correlate = seconds_since(start);

  start = Clock::now();
  std::size_t bytes = 0;
  for (const Alert& alert : alerts)
    bytes += alert_to_json(alert).size();
  const double format = seconds_since(start);

  const double count = static_cast<double>(events.size());
  fmt::print("events {}  bytes {}  parse errors {}  alerts {} ({} bytes of JSON)\n", events.size(),
             body.size(), report.errors.size(), alerts.size(), bytes);
  auto row = [count](const char* stage, double secs) {
    fmt::print("{:<10} {:8.3f} s  {:8.0f} ns/event  {:10.0f} events/s\n", stage, secs,
               secs * 1e9 / count, count / secs);
  };
  row("load", load);
  row("parse", parse);
  row("order", sort);
  row("correlate", correlate);
  row("format", format);
  return 0;
}
