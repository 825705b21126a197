#include "daemon/sources/json_batch.hpp"

#include <fmt/format.h>
#include <algorithm>
#include <cstring>

namespace authcorrd {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && is_space(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_space(text.back()))
    text.remove_suffix(1);
  return text;
}

// The element's JSON text; consumes the element.
bool raw_element_text(simdjson::simdjson_result<simdjson::ondemand::value> element,
                      std::string_view& text) {
  using simdjson::ondemand::json_type;
  simdjson::ondemand::value value;
  json_type type{};
  if (std::move(element).get(value) != simdjson::SUCCESS ||
      value.type().get(type) != simdjson::SUCCESS) {
    return false;
  }
  if (type == json_type::object) {
    simdjson::ondemand::object object;
    return value.get_object().get(object) == simdjson::SUCCESS &&
           object.raw_json().get(text) == simdjson::SUCCESS;
  }
  if (type == json_type::array) {
    simdjson::ondemand::array array;
    return value.get_array().get(array) == simdjson::SUCCESS &&
           array.raw_json().get(text) == simdjson::SUCCESS;
  }
  // Scalars are delivered as they are; the item parser rejects them with a clear message.
  text = value.raw_json_token();
  return true;
}

}  // namespace

namespace {

// Line numbers for a run of increasing offsets into one text, in linear total time (counting
// from the start for every item made large arrays quadratic).
class LineCounter {
 public:
  explicit LineCounter(std::string_view text) : text_(text) {}

  std::size_t line_at(std::size_t offset) {
    offset = std::min(offset, text_.size());
    if (offset < offset_) {  // offsets go back only after an error; recount from the start
      offset_ = 0;
      line_ = 1;
    }
    const char* at = text_.data() + offset_;
    const char* const end = text_.data() + offset;
    while ((at = static_cast<const char*>(
                std::memchr(at, '\n', static_cast<std::size_t>(end - at)))) != nullptr) {
      ++line_;
      ++at;
    }
    offset_ = offset;
    return line_;
  }

 private:
  std::string_view text_;
  std::size_t offset_ = 0;
  std::size_t line_ = 1;
};

}  // namespace

bool at_document_end(simdjson::ondemand::document& doc) {
  return doc.current_location().error() == simdjson::OUT_OF_BOUNDS;
}

std::size_t line_of_offset(std::string_view text, std::size_t offset) {
  return LineCounter(text).line_at(offset);
}

bool JsonBatchSplitter::check_size(const JsonItem& item, const ErrorFn& on_error) const {
  if (item.text.size() <= max_item_bytes_) return true;
  on_error({item.index, item.line,
            fmt::format("item is {} bytes, more than the limit of {} bytes", item.text.size(),
                        max_item_bytes_)});
  return false;
}

void JsonBatchSplitter::split(simdjson::padded_string_view padded, const ItemFn& on_item,
                              const ErrorFn& on_error) {
  std::string_view body(padded.data(), padded.length());
  // A UTF-8 byte order mark is not JSON but some tools write one.
  if (body.starts_with("\xEF\xBB\xBF")) body.remove_prefix(3);
  // Readable bytes after the end of `body`: simdjson reads ahead into them.
  const std::size_t padding = padded.capacity() - padded.length();
  const std::string_view trimmed = trim(body);
  if (trimmed.empty()) {
    on_error({0, 1, "empty body: expected a JSON array, a JSON object or JSON lines"});
    return;
  }
  if (trimmed.front() == '[') {
    split_array(body, padding, on_item, on_error);
    return;
  }
  if (trimmed.front() != '{') {
    on_error({0, line_of_offset(body, static_cast<std::size_t>(trimmed.data() - body.data())),
              "expected a JSON array, a JSON object or JSON lines"});
    return;
  }
  // JSON lines when the first line is a complete object on its own; otherwise one
  // (pretty-printed) object.
  const std::size_t first_line_end = trimmed.find('\n');
  const std::string_view first_line = trim(trimmed.substr(0, first_line_end));
  if (first_line_end == std::string_view::npos || first_line.back() == '}') {
    split_lines(body, 1, 0, on_item, on_error);
    return;
  }
  const JsonItem item{trimmed, 0,
                      line_of_offset(body, static_cast<std::size_t>(trimmed.data() - body.data()))};
  if (check_size(item, on_error)) on_item(item);
}

std::size_t JsonBatchSplitter::split_lines(std::string_view body, std::size_t first_line,
                                           std::size_t first_index, const ItemFn& on_item,
                                           const ErrorFn& on_error) {
  std::size_t line_number = first_line - 1;
  std::size_t index = first_index;
  std::size_t pos = 0;
  while (pos < body.size()) {
    std::size_t end = body.find('\n', pos);
    if (end == std::string_view::npos) end = body.size();
    ++line_number;
    const std::string_view line = trim(body.substr(pos, end - pos));
    pos = end + 1;
    if (line.empty()) continue;
    const JsonItem item{line, index++, line_number};
    if (check_size(item, on_error)) on_item(item);
  }
  return index;
}

void JsonBatchSplitter::split_array(std::string_view body, std::size_t padding,
                                    const ItemFn& on_item, const ErrorFn& on_error) {
  // Fast path: simdjson walks the array and hands out each element's raw text. Any structural
  // problem (invalid UTF-8, truncation, nesting too deep) ends it; the scanning fallback then
  // recovers every element simdjson did not deliver.
  std::size_t delivered = 0;
  LineCounter lines(body);
  const simdjson::padded_string_view view(body.data(), body.size(), body.size() + padding);
  simdjson::ondemand::document doc;
  simdjson::ondemand::array array;
  bool complete = false;
  if (parser_.iterate(view).get(doc) == simdjson::SUCCESS &&
      doc.get_array().get(array) == simdjson::SUCCESS) {
    complete = true;
    for (auto element : array) {
      std::string_view text;
      if (!raw_element_text(element, text)) {
        complete = false;
        break;
      }
      const std::string_view trimmed = trim(text);
      const JsonItem item{trimmed, delivered++,
                          lines.line_at(static_cast<std::size_t>(trimmed.data() - body.data()))};
      if (check_size(item, on_error)) on_item(item);
    }
    if (complete && !at_document_end(doc)) complete = false;
  }
  if (!complete) split_array_by_scanning(body, delivered, on_item, on_error);
}

void JsonBatchSplitter::split_array_by_scanning(std::string_view body, std::size_t skip_items,
                                                const ItemFn& on_item, const ErrorFn& on_error) {
  std::size_t pos = body.find('[') + 1;
  std::size_t index = 0;
  bool closed = false;
  LineCounter lines(body);
  while (pos < body.size()) {
    while (pos < body.size() && is_space(body[pos]))
      ++pos;
    if (pos >= body.size()) break;
    if (body[pos] == ']') {
      closed = true;
      ++pos;
      break;
    }
    // Scan one element: track strings and nesting so commas inside it do not split it.
    const std::size_t start = pos;
    std::size_t depth = 0;
    bool in_string = false;
    bool escaped = false;
    for (; pos < body.size(); ++pos) {
      const char c = body[pos];
      if (in_string) {
        if (escaped)
          escaped = false;
        else if (c == '\\')
          escaped = true;
        else if (c == '"')
          in_string = false;
        continue;
      }
      if (c == '"')
        in_string = true;
      else if (c == '{' || c == '[')
        ++depth;
      else if ((c == '}' || c == ']') && depth > 0)
        --depth;
      else if ((c == ',' || c == ']') && depth == 0)
        break;
    }
    const JsonItem item{trim(body.substr(start, pos - start)), index, lines.line_at(start)};
    if (index >= skip_items) {
      if (item.text.empty())
        on_error({index, item.line, "empty array element"});
      else if (check_size(item, on_error))
        on_item(item);
    }
    ++index;
    if (pos < body.size() && body[pos] == ',') ++pos;
  }
  if (!closed) {
    on_error({index, lines.line_at(body.size()), "truncated body: the JSON array is not closed"});
  } else if (!trim(body.substr(pos)).empty()) {
    on_error({index, lines.line_at(pos), "unexpected content after the JSON array"});
  }
}

}  // namespace authcorrd
