#include "sinks/file_sink.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <utility>

#include <fmt/format.h>

namespace authcorrd {
namespace {

int open_for_append(const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
  if (fd < 0) {
    throw SinkError(fmt::format("cannot open alert file {}: {}", path, std::strerror(errno)));
  }
  return fd;
}

// How far back holds() looks: far more than the alerts one crash can leave undelivered.
constexpr off_t kHoldsScanBytes = 4 * 1024 * 1024;

}  // namespace

FileSink::FileSink(std::string path) : path_(std::move(path)), fd_(open_for_append(path_)) {}

FileSink::~FileSink() {
  if (fd_ >= 0) ::close(fd_);
}

void FileSink::deliver(const AlertMessage& alert) {
  std::string line;
  line.reserve(alert.json.size() + 1);
  line.append(alert.json).push_back('\n');
  struct stat before {};
  const bool sized = ::fstat(fd_, &before) == 0;
  std::size_t written = 0;
  while (written < line.size()) {
    const ssize_t n = ::write(fd_, line.data() + written, line.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int error = errno;
      // Take back a partial line (disk full mid-write), so the retry does not append a whole
      // line after half of one and holds() cannot mistake the fragment for a delivery.
      if (written > 0 && sized) {
        const int ignored = ::ftruncate(fd_, before.st_size);
        (void)ignored;
      }
      throw SinkError(fmt::format("cannot write alert file {}: {}", path_, std::strerror(error)));
    }
    written += static_cast<std::size_t>(n);
  }
}

bool FileSink::holds(std::string_view alert_id) {
  const int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat info {};
  std::string tail;
  off_t start = 0;
  if (::fstat(fd, &info) == 0) {
    start = std::max<off_t>(0, info.st_size - kHoldsScanBytes);
    tail.resize(static_cast<std::size_t>(info.st_size - start));
    const ssize_t n = ::pread(fd, tail.data(), tail.size(), start);
    tail.resize(n > 0 ? static_cast<std::size_t>(n) : 0);
  }
  ::close(fd);
  // Only a line that starts with this id is this alert (every alert line begins {"id":...);
  // the same text inside evidence is an event id, not a delivery.
  const std::string needle = fmt::format("{{\"id\":\"{}\"", alert_id);
  for (std::size_t at = tail.find(needle); at != std::string::npos;
       at = tail.find(needle, at + 1)) {
    if ((at == 0 && start == 0) || (at > 0 && tail[at - 1] == '\n')) return true;
  }
  return false;
}

void FileSink::reopen() {
  // Open the new file first: if that fails, keep writing to the old one rather than to nothing.
  const int fd = open_for_append(path_);
  ::close(fd_);
  fd_ = fd;
}

}  // namespace authcorrd
