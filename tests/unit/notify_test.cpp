// The systemd notify protocol, without systemd: the test binds the unix datagram socket itself,
// starts the real daemon with NOTIFY_SOCKET and WATCHDOG_USEC, and reads what it says:
// READY -> WATCHDOG pings -> RELOADING/READY on SIGHUP (good and bad configuration) ->
// STOPPING on SIGTERM, and a clean exit.

#include <doctest/doctest.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

extern char** environ;

namespace {

namespace fs = std::filesystem;
using Clock = std::chrono::steady_clock;

struct TempDir {
  fs::path path;
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "authcorrd-notify-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path, ignored);
  }
};

// The receiving end of NOTIFY_SOCKET.
class NotifySocket {
 public:
  explicit NotifySocket(const fs::path& path) : path_(path) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd_ >= 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    REQUIRE(path.string().size() < sizeof(address.sun_path));
    std::copy_n(path.c_str(), path.string().size(), address.sun_path);
    REQUIRE(::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0);
  }
  ~NotifySocket() { ::close(fd_); }

  // The next datagram, or "" after `timeout`.
  std::string receive(std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return {};
    char buffer[4096];
    const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
    return n > 0 ? std::string(buffer, static_cast<std::size_t>(n)) : std::string();
  }

  // Datagrams until one satisfies `wanted` (returned) or `timeout` passes (""). Every datagram
  // read is appended to `seen`.
  std::string until(const std::function<bool(const std::string&)>& wanted,
                    std::chrono::milliseconds timeout, std::vector<std::string>& seen) {
    const auto deadline = Clock::now() + timeout;
    while (Clock::now() < deadline) {
      const auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      std::string message = receive(left);
      if (message.empty()) continue;
      seen.push_back(message);
      if (wanted(message)) return message;
    }
    return {};
  }

 private:
  fs::path path_;
  int fd_ = -1;
};

bool has(const std::string& message, const std::string& line) {
  return message.find(line) != std::string::npos;
}

std::string config_text(const fs::path& dir, const std::string& level) {
  return "[log]\nlevel = \"" + level +
         "\"\n[server]\nlisten = \"127.0.0.1:0\"\n[store]\npath = \"" +
         (dir / "state.db").string() + "\"\n";
}

TEST_CASE("notify protocol: READY, WATCHDOG, RELOADING/READY on good and bad reloads, STOPPING") {
  TempDir dir;
  const fs::path config = dir.path / "authcorrd.toml";
  std::ofstream(config) << config_text(dir.path, "info");
  NotifySocket socket(dir.path / "notify.sock");

  const std::string notify = "NOTIFY_SOCKET=" + (dir.path / "notify.sock").string();
  const std::string watchdog = "WATCHDOG_USEC=200000";  // a ping every 100 ms
  std::vector<std::string> env_text;
  for (char** e = environ; *e != nullptr; ++e) {
    const std::string entry(*e);
    if (!entry.starts_with("NOTIFY_SOCKET=") && !entry.starts_with("WATCHDOG_"))
      env_text.push_back(entry);
  }
  env_text.push_back(notify);
  env_text.push_back(watchdog);
  std::vector<char*> env;
  for (std::string& e : env_text)
    env.push_back(e.data());
  env.push_back(nullptr);
  std::string binary = AUTHCORRD_BINARY;
  std::string run = "run";
  std::string config_flag = "--config";
  std::string config_path = config.string();
  std::vector<char*> argv{binary.data(), run.data(), config_flag.data(), config_path.data(),
                          nullptr};
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string log_path = (dir.path / "daemon.log").string();
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, log_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  pid_t pid = 0;
  REQUIRE(::posix_spawn(&pid, binary.c_str(), &actions, nullptr, argv.data(), env.data()) == 0);
  posix_spawn_file_actions_destroy(&actions);
  struct Reaper {
    pid_t pid;
    ~Reaper() {
      if (pid > 0 && ::kill(pid, 0) == 0) {
        ::kill(pid, SIGKILL);
        ::waitpid(pid, nullptr, 0);
      }
    }
  } reaper{pid};

  std::vector<std::string> seen;
  const auto is = [](const std::string& line) {
    return [line](const std::string& m) { return has(m, line); };
  };
  const std::string ready = socket.until(is("READY=1"), std::chrono::seconds(20), seen);
  REQUIRE_MESSAGE(!ready.empty(), "no READY=1");
  CHECK(has(ready, "STATUS=running"));

  seen.clear();
  int pings = 0;
  const auto started = Clock::now();
  while (pings < 3 && Clock::now() - started < std::chrono::seconds(3)) {
    if (has(socket.receive(std::chrono::milliseconds(500)), "WATCHDOG=1")) ++pings;
  }
  CHECK(pings == 3);
  CHECK(Clock::now() - started < std::chrono::seconds(1));  // every 100 ms, not every second

  SUBCASE("good and bad reloads, then SIGTERM") {
    std::ofstream(config) << config_text(dir.path, "debug");
    REQUIRE(::kill(pid, SIGHUP) == 0);
    const std::string reloading = socket.until(is("RELOADING=1"), std::chrono::seconds(5), seen);
    REQUIRE_MESSAGE(!reloading.empty(), "no RELOADING=1");
    CHECK(has(reloading, "MONOTONIC_USEC="));
    const std::string reloaded = socket.until(is("READY=1"), std::chrono::seconds(5), seen);
    REQUIRE(!reloaded.empty());
    CHECK(has(reloaded, "configuration reloaded"));

    std::ofstream(config) << "[server]\nlisten = 7\n";
    REQUIRE(::kill(pid, SIGHUP) == 0);
    REQUIRE(!socket.until(is("RELOADING=1"), std::chrono::seconds(5), seen).empty());
    const std::string failed = socket.until(is("READY=1"), std::chrono::seconds(5), seen);
    REQUIRE(!failed.empty());
    CHECK(has(failed, "reload failed"));
    // Still alive and still pinging on the old configuration.
    CHECK(!socket.until(is("WATCHDOG=1"), std::chrono::seconds(2), seen).empty());

    REQUIRE(::kill(pid, SIGTERM) == 0);
    CHECK(!socket.until(is("STOPPING=1"), std::chrono::seconds(5), seen).empty());
    int status = 0;
    REQUIRE(::waitpid(pid, &status, 0) == pid);
    reaper.pid = 0;
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
    std::ifstream log(log_path);
    const std::string text((std::istreambuf_iterator<char>(log)), std::istreambuf_iterator<char>());
    CHECK(has(text, "reload: configuration from"));
    CHECK(has(text, "server.listen"));  // the bad file's error is logged
    CHECK(has(text, "still running on the previous configuration"));
  }
}

}  // namespace
