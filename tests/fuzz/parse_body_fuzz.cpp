// libFuzzer target: any byte string as an Auth0/Relock body, in every input format, then the
// parsed events through the correlator. Must never crash, leak or read out of bounds.
// Built only with -DAUTHCORRD_FUZZ=ON and clang; run e.g.
//   build-fuzz/tests/parse_body_fuzz -max_total_time=300 tests/fuzz/corpus
#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <vector>

#include "correlator/correlator.hpp"
#include "daemon/sources/event_parser.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace authcorrd;
  static EventParser parser;
  const simdjson::padded_string body(reinterpret_cast<const char*>(data), size);
  std::vector<Event> events;
  for (const InputFormat format :
       {InputFormat::auto_detect, InputFormat::auth0, InputFormat::relock}) {
    parser.parse(body, format, events);
  }
  Correlator correlator;
  std::vector<Alert> alerts;
  for (const Event& event : events)
    correlator.ingest(event, event.time, alerts);
  correlator.advance(events.empty() ? 0 : events.back().time);
  return 0;
}
