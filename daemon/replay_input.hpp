// One input file of `authcorrd replay`, read incrementally so that replaying a file of any size
// runs in bounded memory. JSON-lines files (Log Streams bodies, Relock event logs) are streamed
// in blocks of complete lines; a JSON array or a pretty-printed object (a Management API page)
// is read whole, as it is small.
//
// Single-threaded; one object per file. Owns the file descriptor and the read buffer.
#pragma once

#include <simdjson.h>

#include <cstddef>
#include <string>
#include <vector>

#include "daemon/sources/event_parser.hpp"

namespace authcorrd {

class ReplayInput {
 public:
  ReplayInput(std::string path, InputFormat format, std::size_t max_item_bytes);
  ~ReplayInput();
  ReplayInput(ReplayInput&& other) noexcept;
  ReplayInput& operator=(ReplayInput&&) = delete;
  ReplayInput(const ReplayInput&) = delete;
  ReplayInput& operator=(const ReplayInput&) = delete;

  // Opens the file and decides how to read it. False, with `error` set, when it cannot be read.
  bool open(std::string& error);

  // Parses the next part of the file into `out`; its errors are appended to `report`. Returns
  // false once nothing is left. A read error ends the file and is returned in `error`.
  bool next(EventParser& parser, EventOutput& out, ParseReport& report, std::string& error);

  const std::string& path() const noexcept { return path_; }

 private:
  bool read_more(std::string& error);
  void parse_block(EventParser& parser, std::size_t length, EventOutput& out, ParseReport& report);

  std::string path_;
  InputFormat format_;
  std::size_t max_item_bytes_;
  int fd_ = -1;
  bool streaming_ = false;
  bool eof_ = false;
  bool done_ = false;
  bool skipping_long_line_ = false;
  // Whole-file mode.
  simdjson::padded_string whole_;
  // Streaming mode: buffer_[0, filled_) holds unparsed bytes; padding follows the capacity.
  std::vector<char> buffer_;
  std::size_t capacity_ = 0;
  std::size_t filled_ = 0;
  std::size_t next_line_ = 1;
  std::size_t next_index_ = 0;
};

}  // namespace authcorrd
