// ErrorList and Section: typed, error-collecting access to one TOML table (see config_detail.hpp).

#include <algorithm>
#include <cstddef>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "daemon/config/config_detail.hpp"

namespace authcorrd::config_detail {
namespace {

const toml::source_region kNowhere{};

// Edit distance, for "did you mean" on unknown keys; keys are short, so the quadratic table is
// cheap.
std::size_t distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j)
    row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      const std::size_t substitution = diagonal + (a[i - 1] == b[j - 1] ? 0 : 1);
      row[j] = std::min({above + 1, row[j - 1] + 1, substitution});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string range_message(std::int64_t min, std::int64_t max, std::int64_t got) {
  if (max >= kUnbounded) {
    if (got < min) return fmt::format("must be at least {}, got {}", min, got);
    return fmt::format("must be at most {}, got {}", max, got);
  }
  return fmt::format("must be between {} and {}, got {}", min, max, got);
}

}  // namespace

void ErrorList::add(const toml::source_region& where, std::string key, std::string message) {
  errors_.push_back(ConfigError{file_, static_cast<std::size_t>(where.begin.line),
                                static_cast<std::size_t>(where.begin.column), std::move(key),
                                std::move(message)});
}

void ErrorList::add(std::string key, std::string message) {
  errors_.push_back(ConfigError{file_, 0, 0, std::move(key), std::move(message)});
}

std::vector<ConfigError> ErrorList::take() {
  std::stable_sort(errors_.begin(), errors_.end(), [](const ConfigError& a, const ConfigError& b) {
    const bool a_nowhere = a.line == 0;
    const bool b_nowhere = b.line == 0;
    if (a_nowhere != b_nowhere) return b_nowhere;
    if (a.line != b.line) return a.line < b.line;
    return a.column < b.column;
  });
  return std::move(errors_);
}

std::string_view type_name(toml::node_type type) {
  switch (type) {
    case toml::node_type::none:
      return "nothing";
    case toml::node_type::table:
      return "table";
    case toml::node_type::array:
      return "array";
    case toml::node_type::string:
      return "string";
    case toml::node_type::integer:
      return "integer";
    case toml::node_type::floating_point:
      return "floating-point number";
    case toml::node_type::boolean:
      return "boolean";
    case toml::node_type::date:
      return "date";
    case toml::node_type::time:
      return "time";
    case toml::node_type::date_time:
      return "date-time";
  }
  return "unknown type";
}

std::string printable(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte < 0x20 || byte == 0x7f) c = '?';
  }
  return out;
}

Section::Section(const toml::table* table, std::string path, ErrorList& errors)
    : table_(table), path_(std::move(path)), errors_(&errors) {}

std::string Section::key_path(std::string_view key) const {
  if (path_.empty()) return std::string(key);
  return fmt::format("{}.{}", path_, key);
}

const toml::source_region& Section::where() const noexcept {
  return table_ != nullptr ? table_->source() : kNowhere;
}

bool Section::has(std::string_view key) const {
  return table_ != nullptr && table_->get(key) != nullptr;
}

const toml::node* Section::take(std::string_view key) {
  // Recorded even when absent: taken_ doubles as the list of known keys for "did you mean".
  taken_.emplace(key);
  return table_ != nullptr ? table_->get(key) : nullptr;
}

void Section::error(std::string_view key, std::string message) {
  const toml::node* node = table_ != nullptr ? table_->get(key) : nullptr;
  errors_->add(node != nullptr ? node->source() : where(), key_path(key), std::move(message));
}

void Section::error_here(std::string message) {
  errors_->add(where(), path_, std::move(message));
}

std::optional<std::string> Section::get_string(std::string_view key) {
  const toml::node* node = take(key);
  if (node == nullptr) return std::nullopt;
  if (const auto* value = node->as_string()) return value->get();
  error(key, fmt::format("expected a string, got {}", type_name(node->type())));
  return std::nullopt;
}

std::optional<bool> Section::get_bool(std::string_view key) {
  const toml::node* node = take(key);
  if (node == nullptr) return std::nullopt;
  if (const auto* value = node->as_boolean()) return value->get();
  error(key, fmt::format("expected a boolean (true or false), got {}", type_name(node->type())));
  return std::nullopt;
}

std::optional<std::int64_t> Section::get_int(std::string_view key, std::int64_t min,
                                             std::int64_t max) {
  const toml::node* node = take(key);
  if (node == nullptr) return std::nullopt;
  const auto* value = node->as_integer();
  if (value == nullptr) {
    error(key, fmt::format("expected an integer, got {}", type_name(node->type())));
    return std::nullopt;
  }
  const std::int64_t got = value->get();
  if (got < min || got > max) {
    error(key, range_message(min, max, got));
    return std::nullopt;
  }
  return got;
}

std::optional<TimeMs> Section::get_duration(std::string_view key, TimeMs min, TimeMs max) {
  const toml::node* node = take(key);
  if (node == nullptr) return std::nullopt;
  const auto* value = node->as_string();
  if (value == nullptr) {
    error(key,
          fmt::format("expected a string duration like \"10s\", got {}", type_name(node->type())));
    return std::nullopt;
  }
  const std::string& text = value->get();
  const std::optional<TimeMs> duration = parse_duration(text);
  if (!duration) {
    error(key, fmt::format("invalid duration \"{}\": expected numbers with the units ms, s, m, h "
                           "or d, like \"500ms\", \"10s\" or \"1h30m\"",
                           printable(text)));
    return std::nullopt;
  }
  if (*duration < min || *duration > max) {
    error(key, fmt::format("must be between {} and {}, got \"{}\"", format_duration(min),
                           format_duration(max), printable(text)));
    return std::nullopt;
  }
  return duration;
}

std::optional<std::string> Section::get_enum(std::string_view key,
                                             std::initializer_list<std::string_view> allowed) {
  std::optional<std::string> value = get_string(key);
  if (!value) return std::nullopt;
  if (std::find(allowed.begin(), allowed.end(), *value) != allowed.end()) return value;
  std::string list;
  for (std::string_view option : allowed) {
    if (!list.empty()) list += ", ";
    list += fmt::format("\"{}\"", option);
  }
  error(key, fmt::format("unknown value \"{}\": expected one of {}", printable(*value), list));
  return std::nullopt;
}

Section Section::get_table(std::string_view key) {
  const toml::node* node = take(key);
  const std::string path = key_path(key);
  if (node == nullptr) return Section(nullptr, path, *errors_);
  if (const auto* table = node->as_table()) return Section(table, path, *errors_);
  error(key, fmt::format("expected a table ([{}]), got {}", path, type_name(node->type())));
  return Section(nullptr, path, *errors_);
}

const toml::array* Section::get_array_of_tables(std::string_view key) {
  const toml::node* node = take(key);
  if (node == nullptr) return nullptr;
  const auto* array = node->as_array();
  if (array == nullptr || !array->is_array_of_tables()) {
    // An empty inline array ("file = []") is harmless: no entries.
    if (array != nullptr && array->empty()) return nullptr;
    error(key,
          fmt::format("expected an array of tables ([[{}]]), got {}", key_path(key),
                      array != nullptr ? "an array of other values" : type_name(node->type())));
    return nullptr;
  }
  return array;
}

void Section::read(std::string_view key, std::string& out) {
  if (auto value = get_string(key)) out = std::move(*value);
}

void Section::read(std::string_view key, bool& out) {
  if (auto value = get_bool(key)) out = *value;
}

void Section::read(std::string_view key, int& out, std::int64_t min, std::int64_t max) {
  if (auto value = get_int(key, min, std::min<std::int64_t>(max, kUnbounded))) {
    out = static_cast<int>(*value);
  }
}

void Section::read(std::string_view key, std::size_t& out, std::int64_t min, std::int64_t max) {
  if (auto value = get_int(key, std::max<std::int64_t>(min, 0), max)) {
    out = static_cast<std::size_t>(*value);
  }
}

void Section::read_duration(std::string_view key, TimeMs& out, TimeMs min, TimeMs max) {
  if (auto value = get_duration(key, min, max)) out = *value;
}

void Section::finish() {
  if (table_ == nullptr) return;
  for (auto&& [key, node] : *table_) {
    (void)node;
    const std::string_view name = key.str();
    if (taken_.find(name) != taken_.end()) continue;
    std::string message = "unknown key";
    std::string_view best;
    std::size_t best_distance = 3;  // suggest only near misses
    for (const std::string& known : taken_) {
      const std::size_t d = distance(name, known);
      // Short keys are all close to each other: "foo" is not a typo of "log".
      if (d < best_distance && d * 3 <= name.size()) {
        best_distance = d;
        best = known;
      }
    }
    if (!best.empty()) message += fmt::format(" (did you mean \"{}\"?)", best);
    errors_->add(key.source(), key_path(printable(name)), std::move(message));
  }
}

}  // namespace authcorrd::config_detail
