// Mutation testing of the parser: real fixture bodies, damaged in many seeded ways (byte flips,
// truncation, inserted brackets and quotes, invalid UTF-8, duplicated slices), must never crash,
// hang or read out of bounds (this suite runs under ASan+UBSan in CI), and every item must end
// as exactly one event, one error or one ignored Relock event.
#include <doctest/doctest.h>
#include <simdjson.h>

#include <filesystem>
#include <random>

#include "daemon/sources/event_parser.hpp"

using namespace authcorrd;
namespace fs = std::filesystem;

namespace {

std::string load(const fs::path& path) {
  simdjson::padded_string body;
  REQUIRE(simdjson::padded_string::load(path.string()).get(body) == simdjson::SUCCESS);
  return std::string(body.data(), body.size());
}

// Deterministic: the same seed damages the same way on every machine (no std distributions).
std::string mutate(std::string text, std::mt19937_64& rng) {
  if (text.empty()) return text;
  auto pick = [&rng](std::size_t n) { return static_cast<std::size_t>(rng() % n); };
  static constexpr std::string_view kInserts[] = {
      "{", "}",    "[",    "]",  "\"",   "\\",    ",",
      ":", "\xFF", "\xC3", "\n", "null", "1e999", std::string_view("\0", 1)};
  const std::size_t edits = 1 + pick(4);
  for (std::size_t e = 0; e < edits && !text.empty(); ++e) {
    const std::size_t at = pick(text.size());
    switch (pick(5)) {
      case 0:
        text[at] = static_cast<char>(rng() & 0xFF);
        break;
      case 1:
        text.resize(at);
        break;
      case 2: {
        const std::string_view insert = kInserts[pick(std::size(kInserts))];
        text.insert(at, insert.data(), insert.size());
        break;
      }
      case 3:
        text.erase(at, 1 + pick(16));
        break;
      default: {
        const std::size_t length = std::min<std::size_t>(1 + pick(64), text.size() - at);
        text.insert(pick(text.size()), text.substr(at, length));
      }
    }
  }
  return text;
}

}  // namespace

TEST_CASE("damaged fixture bodies never crash and every item is accounted for") {
  std::vector<std::string> bodies;
  for (const auto& entry :
       fs::recursive_directory_iterator(fs::path(AUTHCORRD_FIXTURES_DIR) / "auth0")) {
    const auto ext = entry.path().extension();
    if (ext == ".json" || ext == ".jsonl") bodies.push_back(load(entry.path()));
  }
  bodies.push_back(
      R"({"event":"session.created","data":{"sessionId":"s","userId":"u","deviceId":"d","timestamp":"2024-01-01T00:00:00Z","expiresAt":"2024-01-02T00:00:00Z"}})");
  REQUIRE(bodies.size() > 30);

  std::mt19937_64 rng(20261204);
  EventParser parser;
  std::size_t events = 0, errors = 0;
  for (int round = 0; round < 20000; ++round) {
    const std::string damaged =
        mutate(bodies[static_cast<std::size_t>(round) % bodies.size()], rng);
    const simdjson::padded_string padded(damaged);
    std::vector<Event> out;
    const ParseReport report = parser.parse(padded, InputFormat::auto_detect, out);
    CHECK(out.size() == report.events);
    // Each handed-out item is an event, an item error or an ignored Relock event; body-level
    // errors (truncated array, oversize item) come on top.
    CHECK(report.items <= report.events + report.errors.size() + report.ignored());
    for (const ItemError& error : report.errors)
      CHECK_FALSE(error.message.empty());
    for (const Event& event : out)
      CHECK_FALSE(event.source_id.empty());
    events += report.events;
    errors += report.errors.size();
  }
  // The damage must actually exercise both paths.
  CHECK(events > 10000);
  CHECK(errors > 10000);
}
