// Classification of source vocabularies into the normalized EventKind: the complete Auth0 log
// type code table (reference/auth0.md §2) and the Relock webhook event names
// (reference/relock.md). Pure functions over immutable tables; safe from any thread.
#pragma once

#include <optional>
#include <string_view>

#include "correlator/event.hpp"

namespace authcorrd {

struct Classification {
  EventKind kind = EventKind::other;
  Outcome outcome = Outcome::unknown;
  bool known = false;  // false: the code is not in Auth0's table (still kind "other")
};

// Every code Auth0 documents maps to a kind. Failed logins are exactly
// f fp fu fc fco fcoa fens and fepft; "fs" is a failed signup and "fsa" a failed silent auth.
Classification classify_auth0_type(std::string_view type_code) noexcept;

// The seven documented Relock webhook events; nullopt for names Relock may add later.
std::optional<EventKind> classify_relock_event(std::string_view event_name) noexcept;

// Kinds the correlator keeps per user (and so also de-duplicates itself): Auth0 login attempts
// and every Relock event. Other kinds are counted only.
constexpr bool is_correlated_kind(EventKind kind) noexcept {
  return kind == EventKind::login_success || kind == EventKind::login_failure ||
         kind >= EventKind::relock_authentication_success;
}

// Kinds that are an Auth0 login attempt and so are risk-scored.
constexpr bool is_auth0_login_attempt(EventKind kind) noexcept {
  return kind == EventKind::login_success || kind == EventKind::login_failure;
}

}  // namespace authcorrd
