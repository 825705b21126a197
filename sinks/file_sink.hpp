// Appends each alert as one line of alert contract JSON to a file (JSON lines), for log shippers
// and `tail -f`. Each line is written with a single write(2) on an O_APPEND descriptor, so a
// reader never sees half a line and logrotate's copytruncate or rename both work: after a
// rename, reopen() (SIGHUP/SIGUSR1) starts the new file.
//
// Owned by the ingest pipeline; used on the daemon's I/O thread only.
#pragma once

#include <string>
#include <string_view>

#include "sinks/sink.hpp"

namespace authcorrd {

class FileSink final : public AlertSink {
 public:
  // Opens (creates, mode 0640) the file; throws SinkError naming the path when it cannot.
  explicit FileSink(std::string path);
  ~FileSink() override;
  FileSink(const FileSink&) = delete;
  FileSink& operator=(const FileSink&) = delete;

  std::string_view kind() const override { return "file"; }
  void deliver(const AlertMessage& alert) override;
  // Looks for the id in the last 4 MiB of the file.
  bool holds(std::string_view alert_id) override;
  void reopen() override;

  const std::string& path() const noexcept { return path_; }

 private:
  std::string path_;
  int fd_ = -1;
};

}  // namespace authcorrd
