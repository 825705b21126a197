// Parsing of the ISO 8601 timestamps that Auth0 and Relock put in their events. Pure; safe from
// any thread.
#pragma once

#include <optional>
#include <string_view>

#include "correlator/event.hpp"

namespace authcorrd {

// Accepts "YYYY-MM-DDThh:mm:ss[.fraction](Z|±hh:mm|±hhmm)", also with a space instead of "T"
// (Panther's rewrite of Auth0 dates). Fractions beyond milliseconds are truncated. A missing
// zone is read as UTC. Returns nullopt for anything else, including impossible dates.
std::optional<TimeMs> parse_timestamp(std::string_view text) noexcept;

}  // namespace authcorrd
