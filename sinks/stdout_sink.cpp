#include "sinks/stdout_sink.hpp"

#include <cerrno>
#include <cstring>

#include <fmt/format.h>

namespace authcorrd {

void StdoutSink::deliver(const AlertMessage& alert) {
  const std::string& text = pretty_ && !alert.summary.empty() ? alert.summary : alert.json;
  if (std::fwrite(text.data(), 1, text.size(), out_) != text.size() ||
      std::fputc('\n', out_) == EOF || std::fflush(out_) != 0) {
    throw SinkError(
        fmt::format("cannot write alerts to standard output: {}", std::strerror(errno)));
  }
}

}  // namespace authcorrd
