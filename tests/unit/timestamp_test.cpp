#include <doctest/doctest.h>

#include "daemon/sources/timestamp.hpp"
#include "sinks/alert_json.hpp"

using namespace authcorrd;

TEST_CASE("ISO 8601 timestamps as Auth0 and Relock write them") {
  CHECK(parse_timestamp("1970-01-01T00:00:00Z") == 0);
  CHECK(parse_timestamp("2025-01-01T00:00:00.000Z") == 1735689600000);
  CHECK(parse_timestamp("2021-11-03T03:06:05.696Z") == 1635908765696);
  CHECK(parse_timestamp("2024-01-01T00:00:00Z") == 1704067200000);
  CHECK(parse_timestamp("2023-05-16 17:28:11.165000000") ==
        parse_timestamp("2023-05-16T17:28:11.165Z"));
  CHECK(parse_timestamp("2025-01-01T01:00:00+01:00") == 1735689600000);
  CHECK(parse_timestamp("2025-01-01T00:00:00-0130") == 1735689600000 + 90 * 60 * 1000);
  CHECK(parse_timestamp("2025-01-01T00:00:00.5Z") == 1735689600500);
  CHECK(parse_timestamp("2024-02-29T12:00:00Z").has_value());
}

TEST_CASE("malformed timestamps are rejected") {
  for (const char* bad :
       {"", "2025", "2025-01-01", "2025-13-01T00:00:00Z", "2023-02-29T00:00:00Z",
        "2025-01-01T24:00:00Z", "2025-01-01T00:00:00Zjunk", "2025-01-01T00:00:00.Z",
        "2025-01-01T00:00:00+25:00", "not a date", "2025-01-01T00:00"}) {
    CAPTURE(bad);
    CHECK_FALSE(parse_timestamp(bad).has_value());
  }
}

TEST_CASE("formatting round-trips at millisecond precision") {
  CHECK(format_timestamp(0) == "1970-01-01T00:00:00.000Z");
  CHECK(format_timestamp(1635908765696) == "2021-11-03T03:06:05.696Z");
  for (const TimeMs t : {TimeMs{1735689600000}, TimeMs{1709208000123}, TimeMs{4102444799999}}) {
    CHECK(parse_timestamp(format_timestamp(t)) == t);
  }
}
