#include "daemon/sources/event_parser.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <stdexcept>

#include "correlator/event_codes.hpp"
#include "daemon/sources/timestamp.hpp"
#include "sinks/digest.hpp"

namespace authcorrd {

namespace dom = simdjson::dom;

std::size_t ParseReport::ignored() const {
  std::size_t total = 0;
  for (const auto& [name, count] : ignored_relock_events)
    total += count;
  return total;
}

namespace {

// Thrown inside one item's parse only; caught per item, so a bad item never escapes.
struct ItemFailure {
  std::string message;
};

[[noreturn]] void fail(std::string message) {
  throw ItemFailure{std::move(message)};
}

std::string_view type_name(dom::element_type type) {
  switch (type) {
    case dom::element_type::ARRAY:
      return "an array";
    case dom::element_type::OBJECT:
      return "an object";
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE:
      return "a number";
    case dom::element_type::STRING:
      return "a string";
    case dom::element_type::BOOL:
      return "a boolean";
    case dom::element_type::NULL_VALUE:
      return "null";
  }
  return "an unknown value";
}

// A string member; null reads as empty (Auth0 sends null for absent ids and descriptions).
std::string_view read_string(dom::element value, std::string_view path) {
  if (value.is_null()) return {};
  std::string_view text;
  if (value.get(text) != simdjson::SUCCESS) {
    fail(fmt::format("{}: expected a string, got {}", path, type_name(value.type())));
  }
  return text;
}

dom::object read_object(dom::element value, std::string_view path) {
  dom::object object;
  if (value.get(object) != simdjson::SUCCESS) {
    fail(fmt::format("{}: expected an object, got {}", path, type_name(value.type())));
  }
  return object;
}

// The fields the daemon reads, from either vocabulary. Views point into the item parser's
// buffers and die with the next item.
struct Fields {
  bool has_event_name = false;
  std::string_view event_name;
  std::string_view envelope_log_id;
  // Auth0 log object
  std::string_view log_id, alt_id, date, type, description, ip, client_ip, user_id, user_name;
  std::string_view user_agent;
  std::string user_agent_json;  // storage when the user agent came as an object
  std::string_view tenant_name, hostname, organization_id, session_id;
  std::optional<GeoPoint> geo;
  // Relock data
  std::string_view timestamp, relock_user, relock_session, relock_device, relock_ip, reason,
      alert_type, alert_id, expires_at, email;
};

double read_coordinate(dom::element value, std::string_view path) {
  double number = 0;
  if (value.get(number) == simdjson::SUCCESS) return number;
  std::string_view text;  // older SDKs send coordinates as strings
  if (value.get(text) == simdjson::SUCCESS) {
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
    if (ec == std::errc{} && end == text.data() + text.size()) return number;
  }
  fail(fmt::format("{}: expected a number", path));
}

void read_location_info(dom::element value, Fields& fields) {
  if (value.is_null()) return;
  GeoPoint geo;
  bool have_latitude = false, have_longitude = false;
  for (const auto [key, member] : read_object(value, "data.location_info")) {
    if (key == "latitude") {
      geo.latitude = read_coordinate(member, "data.location_info.latitude");
      have_latitude = true;
    } else if (key == "longitude") {
      geo.longitude = read_coordinate(member, "data.location_info.longitude");
      have_longitude = true;
    } else if (key == "country_code") {
      geo.country_code = std::string(read_string(member, "data.location_info.country_code"));
    }
  }
  if (have_latitude && have_longitude) fields.geo = std::move(geo);
}

void read_details(dom::element value, Fields& fields) {
  dom::object object;
  if (value.get(object) != simdjson::SUCCESS) return;  // details vary; only the session id matters
  dom::element session;
  if (object["session_id"].get(session) == simdjson::SUCCESS) {
    fields.session_id = read_string(session, "data.details.session_id");
  }
}

// The user agent: Log Streams send the raw string, some pipelines a parsed object. An object is
// kept as its minified JSON text so equal agents still compare equal.
void read_user_agent(dom::element value, std::string_view path, Fields& fields) {
  if (value.is_object()) {
    fields.user_agent_json = simdjson::minify(value);
    fields.user_agent = fields.user_agent_json;
    return;
  }
  fields.user_agent = read_string(value, path);
}

// One member of an Auth0 log object or a Relock data object (the two vocabularies share only
// "description").
void read_data_member(std::string_view key, dom::element value, Fields& fields) {
  // Auth0 names
  if (key == "log_id")
    fields.log_id = read_string(value, "data.log_id");
  else if (key == "_id")
    fields.alt_id = read_string(value, "data._id");
  else if (key == "date")
    fields.date = read_string(value, "data.date");
  else if (key == "type")
    fields.type = read_string(value, "data.type");
  else if (key == "description")
    fields.description = read_string(value, "data.description");
  else if (key == "ip")
    fields.ip = read_string(value, "data.ip");
  else if (key == "client_ip")
    fields.client_ip = read_string(value, "data.client_ip");
  else if (key == "user_id")
    fields.user_id = read_string(value, "data.user_id");
  else if (key == "user_name")
    fields.user_name = read_string(value, "data.user_name");
  else if (key == "user_agent")
    read_user_agent(value, "data.user_agent", fields);
  else if (key == "tenant_name")
    fields.tenant_name = read_string(value, "data.tenant_name");
  else if (key == "hostname")
    fields.hostname = read_string(value, "data.hostname");
  else if (key == "organization_id")
    fields.organization_id = read_string(value, "data.organization_id");
  else if (key == "details")
    read_details(value, fields);
  else if (key == "location_info")
    read_location_info(value, fields);
  // Relock names
  else if (key == "timestamp")
    fields.timestamp = read_string(value, "data.timestamp");
  else if (key == "userId")
    fields.relock_user = read_string(value, "data.userId");
  else if (key == "sessionId")
    fields.relock_session = read_string(value, "data.sessionId");
  else if (key == "deviceId")
    fields.relock_device = read_string(value, "data.deviceId");
  else if (key == "ipAddress")
    fields.relock_ip = read_string(value, "data.ipAddress");
  else if (key == "userAgent")
    read_user_agent(value, "data.userAgent", fields);
  else if (key == "reason")
    fields.reason = read_string(value, "data.reason");
  else if (key == "alertType")
    fields.alert_type = read_string(value, "data.alertType");
  else if (key == "alertId")
    fields.alert_id = read_string(value, "data.alertId");
  else if (key == "expiresAt")
    fields.expires_at = read_string(value, "data.expiresAt");
  else if (key == "email")
    fields.email = read_string(value, "data.email");
}

void read_data_object(dom::element value, Fields& fields) {
  for (const auto [key, member] : read_object(value, "data"))
    read_data_member(key, member, fields);
}

// Assigns into `field`, reusing its capacity: events are parsed into recycled slots.
void set_id(std::string& field, std::string_view text, std::string_view path,
            const ParseLimits& limits) {
  if (text.size() > limits.max_id_bytes) {
    fail(fmt::format("{} is {} bytes, more than the limit of {} bytes", path, text.size(),
                     limits.max_id_bytes));
  }
  field.assign(text);
}

// Cuts at a character boundary: input is valid UTF-8 (simdjson validated it).
void set_text(std::string& field, std::string_view text, const ParseLimits& limits) {
  if (text.size() > limits.max_text_bytes) {
    std::size_t cut = limits.max_text_bytes;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
      --cut;
    text = text.substr(0, cut);
  }
  field.assign(text);
}

void lower_ascii(std::string& text) {
  std::transform(text.begin(), text.end(), text.begin(), [](char c) {
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
  });
}

TimeMs required_time(std::string_view text, std::string_view path) {
  if (text.empty()) fail(fmt::format("{} is missing", path));
  const auto time = parse_timestamp(text);
  if (!time) {
    fail(fmt::format("{}: \"{}\" is not an ISO 8601 timestamp", path, text.substr(0, 64)));
  }
  return *time;
}

// Every member of a recycled slot is overwritten, so nothing of the previous event survives.
void fill_auth0_event(const Fields& fields, dom::element item, const ParseLimits& limits,
                      ParseReport& report, Event& event) {
  if (fields.type.empty()) fail("data.type is missing");
  event.source = Source::auth0;
  set_id(event.type_code, fields.type, "data.type", limits);
  const Classification classification = classify_auth0_type(fields.type);
  if (!classification.known) ++report.unknown_auth0_types;
  event.kind = classification.kind;
  event.outcome = classification.outcome;
  event.time = required_time(fields.date, "data.date");
  const std::string_view log_id = !fields.log_id.empty()   ? fields.log_id
                                  : !fields.alt_id.empty() ? fields.alt_id
                                                           : fields.envelope_log_id;
  // A log without any id (a few samples) still needs a stable one for de-duplication.
  if (log_id.empty()) {
    event.source_id.assign("sha256:").append(digest_hex128(simdjson::minify(item)));
  } else {
    set_id(event.source_id, log_id, "data.log_id", limits);
  }
  set_id(event.user_id, fields.user_id, "data.user_id", limits);
  // user_name is what the person typed (an attacker on "fu"): cut, never a reason to drop the
  // event, or an over-long name would hide a failed login.
  event.email.clear();
  if (fields.user_name.find('@') != std::string_view::npos) {
    set_text(event.email, fields.user_name, limits);
    lower_ascii(event.email);
  }
  set_id(event.ip, fields.ip.empty() ? fields.client_ip : fields.ip, "data.ip", limits);
  set_text(event.user_agent, fields.user_agent, limits);
  set_id(event.tenant, fields.tenant_name.empty() ? fields.hostname : fields.tenant_name,
         "data.tenant_name", limits);
  set_id(event.organization_id, fields.organization_id, "data.organization_id", limits);
  set_id(event.session_id, fields.session_id, "data.details.session_id", limits);
  set_text(event.description, fields.description, limits);
  event.device_id.clear();
  event.reason.clear();
  event.alert_type.clear();
  event.session_expires_at = 0;
  event.geo = fields.geo;
}

// False for an event name Relock may add later: counted, not an error. `canonical_item` is the
// item's minified JSON, the same however the event was formatted or batched.
bool fill_relock_event(const Fields& fields, std::string_view canonical_item,
                       const ParseLimits& limits, ParseReport& report, Event& event) {
  if (!fields.has_event_name) {
    fail("event is missing: a Relock webhook body is {\"event\", \"data\"}");
  }
  const auto kind = classify_relock_event(fields.event_name);
  if (!kind) {
    // Counted by name, with the number of distinct names bounded against hostile input.
    const bool keep_name =
        fields.event_name.size() <= 64 && report.ignored_relock_events.size() < 64;
    ++report.ignored_relock_events[keep_name ? std::string(fields.event_name) : "(other)"];
    return false;
  }
  event.source = Source::relock;
  event.kind = *kind;
  event.outcome = *kind == EventKind::relock_authentication_failed ? Outcome::failure
                  : *kind == EventKind::relock_security_alert      ? Outcome::unknown
                                                                   : Outcome::success;
  set_id(event.type_code, fields.event_name, "event", limits);
  event.time = required_time(fields.timestamp, "data.timestamp");
  // A security alert has its own id; other Relock events carry none, so the digest of the
  // canonical event identifies re-deliveries.
  if (!fields.alert_id.empty()) {
    set_id(event.source_id, fields.alert_id, "data.alertId", limits);
  } else {
    event.source_id.assign("rl_").append(digest_hex128(canonical_item));
  }
  set_id(event.user_id, fields.relock_user, "data.userId", limits);
  set_text(event.email, fields.email, limits);
  lower_ascii(event.email);
  set_id(event.session_id, fields.relock_session, "data.sessionId", limits);
  set_id(event.device_id, fields.relock_device, "data.deviceId", limits);
  set_id(event.ip, fields.relock_ip, "data.ipAddress", limits);
  set_text(event.user_agent, fields.user_agent, limits);
  set_text(event.reason, fields.reason, limits);
  set_text(event.alert_type, fields.alert_type, limits);
  set_text(event.description, fields.description, limits);
  event.session_expires_at =
      fields.expires_at.empty() ? 0 : required_time(fields.expires_at, "data.expiresAt");
  event.tenant.clear();
  event.organization_id.clear();
  event.geo.reset();
  return true;
}

}  // namespace

EventParser::EventParser(ParseLimits limits)
    : limits_(limits), splitter_(limits.max_item_bytes), item_parser_(limits.max_item_bytes) {
  // Depth is bounded so that hostile nesting is an error, not a cost. Real Auth0 logs nest
  // about ten levels (Management API request bodies).
  if (item_parser_.allocate(64 * 1024, limits.max_depth) != simdjson::SUCCESS) {
    throw std::runtime_error("cannot allocate the JSON parser");
  }
}

ParseReport EventParser::parse(simdjson::padded_string_view body, InputFormat format,
                               EventOutput& out) {
  ParseReport report;
  splitter_.split(
      body, [&](const JsonItem& item) { parse_item(item, format, report, out); },
      [&](const BodyError& error) {
        report.errors.push_back({error.index, error.line, error.message});
      });
  return report;
}

ParseReport EventParser::parse_lines(simdjson::padded_string_view body, std::size_t first_line,
                                     std::size_t& next_index, InputFormat format,
                                     EventOutput& out) {
  ParseReport report;
  next_index = splitter_.split_lines(
      std::string_view(body.data(), body.length()), first_line, next_index,
      [&](const JsonItem& item) { parse_item(item, format, report, out); },
      [&](const BodyError& error) {
        report.errors.push_back({error.index, error.line, error.message});
      });
  return report;
}

ParseReport EventParser::parse(simdjson::padded_string_view body, InputFormat format,
                               std::vector<Event>& out) {
  VectorEventOutput output(out);
  return parse(body, format, output);
}

void EventParser::parse_item(const JsonItem& item, InputFormat format, ParseReport& report,
                             EventOutput& out) {
  ++report.items;
  try {
    // The item lies inside the padded body, so the bytes after it are readable padding.
    dom::element root;
    if (const auto error =
            item_parser_.parse(item.text.data(), item.text.size(), false).get(root)) {
      fail(fmt::format("invalid JSON: {}", simdjson::error_message(error)));
    }
    if (!root.is_object()) {
      fail(fmt::format("expected a JSON object, got {}", type_name(root.type())));
    }
    Fields fields;
    for (const auto [key, member] : dom::object(root)) {
      if (key == "event") {
        fields.has_event_name = true;
        fields.event_name = read_string(member, "event");
      } else if (key == "data") {
        read_data_object(member, fields);
      } else if (key == "log_id" && fields.envelope_log_id.empty()) {
        // Envelope id, or the log object's own id when there is no envelope.
        fields.envelope_log_id = read_string(member, "log_id");
      } else {
        read_data_member(key, member, fields);  // a bare Management API log object
      }
    }

    const bool relock = format == InputFormat::relock ||
                        (format == InputFormat::auto_detect && fields.has_event_name);
    Event& event = out.slot();
    if (relock) {
      if (!fill_relock_event(fields, simdjson::minify(root), limits_, report, event)) return;
    } else {
      if (fields.has_event_name) fail("a Relock {\"event\", \"data\"} item in Auth0 input");
      fill_auth0_event(fields, root, limits_, report, event);
    }
    out.commit();
    ++report.events;
  } catch (const ItemFailure& failure) {
    report.errors.push_back({item.index, item.line, failure.message});
  }
}

VectorEventOutput::~VectorEventOutput() {
  if (pending_) events_.pop_back();
}

Event& VectorEventOutput::slot() {
  if (!pending_) {
    events_.emplace_back();
    pending_ = true;
  }
  return events_.back();
}

void VectorEventOutput::commit() {
  pending_ = false;
}

}  // namespace authcorrd
