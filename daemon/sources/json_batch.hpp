// Splits an input body into its JSON items, in every shape Auth0 and Relock deliver: a JSON
// array (Management API page, Log Streams JSONARRAY), JSON lines (Log Streams JSONLINES, replay
// files), or a single JSON object (Log Streams JSONOBJECT, a Relock webhook).
//
// It does not interpret items; EventParser does. Damage is contained per item: invalid UTF-8,
// a truncated tail or an over-deep item in one element of an array does not lose the others.
// One JsonBatchSplitter per thread (it owns a simdjson parser).
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace authcorrd {

struct JsonItem {
  std::string_view text;  // the item's JSON text, inside the padded body
  std::size_t index = 0;  // 0-based position in the body
  std::size_t line = 0;   // 1-based line of the body where the item starts
};

struct BodyError {
  std::size_t index = 0;
  std::size_t line = 0;
  std::string message;
};

class JsonBatchSplitter {
 public:
  using ItemFn = std::function<void(const JsonItem&)>;
  using ErrorFn = std::function<void(const BodyError&)>;

  explicit JsonBatchSplitter(std::size_t max_item_bytes) : max_item_bytes_(max_item_bytes) {}

  // Calls on_item for each item and on_error for each item or body that cannot be split out
  // (with a message naming the problem). `body` must stay alive and padded during the call;
  // item texts point into it and are padded by it.
  void split(simdjson::padded_string_view body, const ItemFn& on_item, const ErrorFn& on_error);

  // `body` is known to be JSON lines (a chunk of a larger file): every non-blank line is an
  // item. Numbering continues from `first_line` and `first_index`; returns the next index.
  // Item texts point into `body`, which the caller keeps padded.
  std::size_t split_lines(std::string_view body, std::size_t first_line, std::size_t first_index,
                          const ItemFn& on_item, const ErrorFn& on_error);

 private:
  void split_array(std::string_view body, std::size_t padding, const ItemFn& on_item,
                   const ErrorFn& on_error);
  void split_array_by_scanning(std::string_view body, std::size_t skip_items, const ItemFn& on_item,
                               const ErrorFn& on_error);
  bool check_size(const JsonItem& item, const ErrorFn& on_error) const;

  std::size_t max_item_bytes_;
  simdjson::ondemand::parser parser_;
};

// Whether a fully consumed document has nothing but whitespace after it. (simdjson 3.0 has no
// document::at_end(); current_location() reports OUT_OF_BOUNDS exactly there.)
bool at_document_end(simdjson::ondemand::document& doc);

// 1-based line number of `offset` within `text`.
std::size_t line_of_offset(std::string_view text, std::size_t offset);

}  // namespace authcorrd
