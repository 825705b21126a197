// Prints alerts on standard output: the alert contract JSON line, or with `pretty` one readable
// summary line per alert (what scripts/demo shows). Standard output is flushed per alert.
//
// Owned by the ingest pipeline; used on the daemon's I/O thread only.
#pragma once

#include <cstdio>
#include <string_view>

#include "sinks/sink.hpp"

namespace authcorrd {

class StdoutSink final : public AlertSink {
 public:
  explicit StdoutSink(bool pretty, std::FILE* out = stdout) : pretty_(pretty), out_(out) {}
  std::string_view kind() const override { return "stdout"; }
  void deliver(const AlertMessage& alert) override;

 private:
  bool pretty_;
  std::FILE* out_;
};

}  // namespace authcorrd
