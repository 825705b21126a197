// Turns Auth0 log bodies and Relock webhook bodies into normalized Events (simdjson DOM: each item
// is fully validated, depth-bounded, and parsed with the CPU's best kernel chosen at run time).
//
// Accepts every shape of reference/auth0.md §1, §3 and §6: Management API pages (arrays of log
// objects), Log Streams bodies (array, JSON lines or object of {"log_id","data"} envelopes),
// and Relock {"event","data"} objects, one or many. Each item that cannot be read yields a
// counted ItemError that names the problem; the other items of the same body are still taken.
//
// One EventParser per thread: it owns its simdjson parsers and reuses their buffers.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <map>
#include <string>
#include <vector>

#include "correlator/event.hpp"
#include "daemon/sources/json_batch.hpp"

namespace authcorrd {

enum class InputFormat {
  auto_detect,  // per item: an "event" member makes it Relock, anything else Auth0
  auth0,
  relock,
};

struct ParseLimits {
  std::size_t max_item_bytes = 2 * 1024 * 1024;
  std::size_t max_id_bytes = 512;     // ids, IPs, type codes: longer is an error
  std::size_t max_text_bytes = 2048;  // user agents and free text: longer is cut at a character
  std::size_t max_depth = 64;         // nesting of arrays and objects
};

struct ItemError {
  std::size_t index = 0;  // 0-based item position in the body
  std::size_t line = 0;   // 1-based line in the body
  std::string message;
};

struct ParseReport {
  std::size_t items = 0;
  std::size_t events = 0;
  std::size_t unknown_auth0_types = 0;                       // parsed, kind "other"
  std::map<std::string, std::size_t> ignored_relock_events;  // unknown event names, counted
  std::vector<ItemError> errors;
  std::size_t ignored() const;
};

// Where parsed events go. The parser fills the object slot() returns and calls commit() once it
// is complete; after a bad item it asks for a slot again and overwrites every member, so a sink
// can recycle Event objects (and their string buffers) instead of allocating per event.
class EventOutput {
 public:
  virtual ~EventOutput() = default;
  virtual Event& slot() = 0;
  virtual void commit() = 0;
};

// Appends to a vector. Destroying it drops a slot that was handed out but never committed.
class VectorEventOutput final : public EventOutput {
 public:
  explicit VectorEventOutput(std::vector<Event>& events) : events_(events) {}
  ~VectorEventOutput() override;
  VectorEventOutput(const VectorEventOutput&) = delete;
  VectorEventOutput& operator=(const VectorEventOutput&) = delete;
  Event& slot() override;
  void commit() override;

 private:
  std::vector<Event>& events_;
  bool pending_ = false;
};

class EventParser {
 public:
  explicit EventParser(ParseLimits limits = {});

  // Hands the events of `body` to `out` and returns what happened. Never throws on bad input.
  ParseReport parse(simdjson::padded_string_view body, InputFormat format, EventOutput& out);
  // `body` is a chunk of complete JSON lines from a larger file (see JsonBatchSplitter);
  // `next_index` is the index of its first item on entry and after its last item on return.
  ParseReport parse_lines(simdjson::padded_string_view body, std::size_t first_line,
                          std::size_t& next_index, InputFormat format, EventOutput& out);
  // Convenience: appends to a vector.
  ParseReport parse(simdjson::padded_string_view body, InputFormat format, std::vector<Event>& out);

  std::size_t max_item_bytes() const noexcept { return limits_.max_item_bytes; }

 private:
  void parse_item(const JsonItem& item, InputFormat format, ParseReport& report, EventOutput& out);

  ParseLimits limits_;
  JsonBatchSplitter splitter_;
  simdjson::dom::parser item_parser_;
};

}  // namespace authcorrd
