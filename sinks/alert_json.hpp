// The JSON form of an alert (DESIGN.md's alert contract, versioned in docs/alerts.md) and its
// stable id. Shared by replay output, the file and stdout sinks, webhooks and the audit trail.
// Pure functions; safe from any thread.
#pragma once

#include <string>
#include <string_view>

#include "correlator/alert.hpp"

namespace authcorrd {

// Version of the alert JSON schema documented in docs/alerts.md.
inline constexpr int kAlertSchemaVersion = 1;

// 32 lowercase hex digits: the first 128 bits of SHA-256 over Alert::identity(). The same
// input gives the same id on every run and every machine.
std::string alert_id(const Alert& alert);

// "2025-01-01T00:00:00.000Z" (UTC, millisecond precision).
std::string format_timestamp(TimeMs time);

// One alert as a single-line JSON object (no trailing newline). Empty optional members are
// omitted, never null.
std::string alert_to_json(const Alert& alert);

// One readable line: time, severity, type, user, IP, risk factors, evidence types and the id.
// For people watching a terminal (scripts/demo); machines read alert_to_json().
std::string alert_summary(const Alert& alert, std::string_view id);

// Appends `text` as a quoted JSON string. `text` must be valid UTF-8 (parsers guarantee it).
void append_json_string(std::string& out, std::string_view text);

}  // namespace authcorrd
