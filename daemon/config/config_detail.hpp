// Internals of the configuration loader (daemon/config/), shared by its .cpp files and by nothing
// else: the error collector, a reader for one TOML table that remembers which keys it consumed
// (so the rest can be reported as unknown), secret resolution, and the value checks (listen
// addresses, URLs, host names).
//
// Everything here lives for one parse_config() call on one thread. A Section points into the
// toml::table owned by parse_config() and into its ErrorList; neither outlives that call.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <toml++/toml.h>

#include "daemon/config/config.hpp"

namespace authcorrd::config_detail {

// Durations are capped so that event time + any configured duration stays far from overflow in
// the correlator's arithmetic (ten years is more than any sensible window).
inline constexpr TimeMs kMaxDuration = 3650 * kDayMs;
// Integer limits at or above this are "no upper bound" in messages ("must be at least N").
inline constexpr std::int64_t kUnbounded = std::numeric_limits<std::int32_t>::max();

// Collects every problem of one load instead of stopping at the first.
class ErrorList {
 public:
  explicit ErrorList(std::string file) : file_(std::move(file)) {}

  void add(const toml::source_region& where, std::string key, std::string message);
  void add(std::string key, std::string message);  // no single place in the file
  bool empty() const noexcept { return errors_.empty(); }
  // Sorted by position, problems without a place last, so the output reads top to bottom.
  std::vector<ConfigError> take();

 private:
  std::string file_;
  std::vector<ConfigError> errors_;
};

// One TOML table being read. Every getter consumes its key; finish() reports the keys nobody
// consumed as unknown. A Section for an absent table reads as empty (all getters return nullopt).
class Section {
 public:
  Section(const toml::table* table, std::string path, ErrorList& errors);

  bool exists() const noexcept { return table_ != nullptr; }
  const std::string& path() const noexcept { return path_; }
  ErrorList& errors() const noexcept { return *errors_; }
  std::string key_path(std::string_view key) const;
  // Where the table starts ([header] line), for problems about a missing key.
  const toml::source_region& where() const noexcept;

  bool has(std::string_view key) const;
  const toml::node* take(std::string_view key);

  // Errors at the key's value (or at the table when the key is absent).
  void error(std::string_view key, std::string message);
  // Errors about the table as a whole, named by the table's own path.
  void error_here(std::string message);

  std::optional<std::string> get_string(std::string_view key);
  std::optional<bool> get_bool(std::string_view key);
  std::optional<std::int64_t> get_int(std::string_view key, std::int64_t min, std::int64_t max);
  std::optional<TimeMs> get_duration(std::string_view key, TimeMs min, TimeMs max);
  std::optional<std::string> get_enum(std::string_view key,
                                      std::initializer_list<std::string_view> allowed);
  // A sub-table; reports a type error (and returns an absent Section) for anything else.
  Section get_table(std::string_view key);
  // An array of tables ([[key]]); nullptr when absent or of the wrong type (reported).
  const toml::array* get_array_of_tables(std::string_view key);

  // Convenience: assign only when the key is present and valid, so defaults survive.
  void read(std::string_view key, std::string& out);
  void read(std::string_view key, bool& out);
  void read(std::string_view key, int& out, std::int64_t min, std::int64_t max);
  void read(std::string_view key, std::size_t& out, std::int64_t min, std::int64_t max);
  void read_duration(std::string_view key, TimeMs& out, TimeMs min, TimeMs max);

  // Reports every key of the table that no getter consumed.
  void finish();

 private:
  const toml::table* table_;
  std::string path_;
  ErrorList* errors_;
  std::set<std::string, std::less<>> taken_;
};

std::string_view type_name(toml::node_type type);
// A path or name for a message or a TOML comment: control characters become '?', so a crafted
// file name cannot break the rendered TOML or forge log lines.
std::string printable(std::string_view text);

// --- secrets -------------------------------------------------------------------------------------

struct SecretRead {
  enum class State { absent, ok, failed };
  State state = State::absent;
  Secret secret;
};

// True when any of <name>, <name>_file, <name>_env, <name>_credential is present.
bool has_secret(const Section& section, std::string_view name);
// Reads exactly one of the four forms. An empty inline value counts as absent. Errors never
// contain the value, only its origin.
SecretRead read_secret(Section& section, std::string_view name, const EnvLookup& env);

// --- values --------------------------------------------------------------------------------------

struct ListenAddress {
  std::string host;  // IPv6 without brackets
  std::uint16_t port = 0;
};
// "host:port" or "[v6]:port". On failure returns nullopt and sets `error`.
std::optional<ListenAddress> parse_listen(std::string_view text, std::string& error);

// Checks an http(s) URL; returns an empty string when good, otherwise the message. `secret_name`
// names what would travel in clear text over plain http to a non-loopback host.
std::string check_url(std::string_view url, bool allow_query, std::string_view secret_name);
bool is_loopback_host(std::string_view host);
// A bare DNS name (letters, digits, '-', '.'): no scheme, port or path.
bool is_host_name(std::string_view text);

// Message for a file that should exist and be readable (CA bundles); empty when it is fine.
std::string check_readable_file(const std::string& path);
// Reads an optional `ca_file` key of `section` and checks the file is readable.
void read_ca_file(Section& section, std::string& out);

// --- sections (config_sections.cpp, config_sources.cpp) ------------------------------------------

void read_log(Section& root, LogConfig& out);
void read_server(Section& root, ServerConfig& out);
void read_store(Section& root, StoreConfig& out);
void read_correlator(Section& root, CorrelatorParams& out);
void read_sinks(Section& root, SinksConfig& out, const EnvLookup& env);
void read_api(Section& root, ApiConfig& out, const EnvLookup& env);
void read_auth0(Section& root, Config& out, const EnvLookup& env);
void read_relock(Section& root, RelockConfig& out, const EnvLookup& env);

}  // namespace authcorrd::config_detail
