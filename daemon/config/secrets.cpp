// Secret resolution: a secret is given inline, as a file, as an environment variable, or as a
// systemd credential (LoadCredential= puts it in $CREDENTIALS_DIRECTORY). Whatever goes wrong,
// messages name where the secret was looked for, never what it contains.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstring>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "daemon/config/config_detail.hpp"

namespace authcorrd::config_detail {
namespace {

constexpr std::string_view kForms[] = {"", "_file", "_env", "_credential"};

// A secret file bigger than this is surely the wrong file (a key is a few hundred bytes at most);
// refusing it keeps a typo from reading a disk image into memory.
constexpr std::size_t kMaxSecretBytes = 64 * 1024;

// Reads the whole file into `out`; returns an error message (empty on success) naming the path.
std::string read_secret_file(const std::string& path, std::string& out) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return fmt::format("cannot open secret file {}: {}", printable(path), std::strerror(errno));
  }
  struct stat info {};
  if (::fstat(fd, &info) == 0 && S_ISDIR(info.st_mode)) {
    ::close(fd);
    return fmt::format("secret file {} is a directory", printable(path));
  }
  std::array<char, 4096> buffer{};
  std::string error;
  for (;;) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      error = fmt::format("cannot read secret file {}: {}", printable(path), std::strerror(errno));
      break;
    }
    if (n == 0) break;
    out.append(buffer.data(), static_cast<std::size_t>(n));
    if (out.size() > kMaxSecretBytes) {
      error =
          fmt::format("secret file {} is larger than {} bytes", printable(path), kMaxSecretBytes);
      break;
    }
  }
  ::close(fd);
  if (!error.empty()) {
    out.clear();
    return error;
  }
  // Files written by `echo` or editors end in a newline that is not part of the secret.
  while (!out.empty() && (out.back() == '\n' || out.back() == '\r' || out.back() == ' ' ||
                          out.back() == '\t' || out.back() == '\v' || out.back() == '\f')) {
    out.pop_back();
  }
  if (out.empty()) return fmt::format("secret file {} is empty", printable(path));
  return {};
}

}  // namespace

bool has_secret(const Section& section, std::string_view name) {
  for (std::string_view form : kForms) {
    if (section.has(fmt::format("{}{}", name, form))) return true;
  }
  return false;
}

SecretRead read_secret(Section& section, std::string_view name, const EnvLookup& env) {
  // Consume all four keys first, so that every form is checked for its type and none is left
  // over as "unknown" when two forms are given.
  std::array<std::optional<std::string>, std::size(kForms)> given;
  std::vector<std::string> present;
  std::string last_present;
  bool wrong_type = false;
  for (std::size_t i = 0; i < std::size(kForms); ++i) {
    const std::string key = fmt::format("{}{}", name, kForms[i]);
    given[i] = section.get_string(key);
    // A form of the wrong type was reported already; "required" on top would mislead.
    if (!given[i] && section.has(key)) wrong_type = true;
    if (given[i] && !(i == 0 && given[i]->empty())) {
      present.push_back(key);
      last_present = key;
    }
  }
  SecretRead result;
  if (present.empty()) {
    if (wrong_type) result.state = SecretRead::State::failed;
    return result;
  }
  result.state = SecretRead::State::failed;
  if (present.size() > 1) {
    section.error(last_present, fmt::format("give the secret in only one way; found {}",
                                            fmt::join(present, ", ")));
    return result;
  }
  const std::size_t form = [&] {
    for (std::size_t i = 0; i < std::size(kForms); ++i) {
      if (given[i] && !(i == 0 && given[i]->empty())) return i;
    }
    return std::size_t{0};
  }();
  const std::string key = present.front();
  const std::string& text = *given[form];
  std::string value;
  std::string origin;
  switch (form) {
    case 0:
      value = text;
      origin = "inline";
      break;
    case 1: {
      if (text.empty()) {
        section.error(key, "the file name is empty");
        return result;
      }
      std::string problem = read_secret_file(text, value);
      if (!problem.empty()) {
        section.error(key, std::move(problem));
        return result;
      }
      origin = fmt::format("file {}", printable(text));
      break;
    }
    case 2: {
      if (text.empty()) {
        section.error(key, "the environment variable name is empty");
        return result;
      }
      std::optional<std::string> found = env ? env(text) : std::nullopt;
      if (!found) {
        section.error(key, fmt::format("environment variable {} is not set", printable(text)));
        return result;
      }
      if (found->empty()) {
        section.error(key, fmt::format("environment variable {} is empty", printable(text)));
        return result;
      }
      value = std::move(*found);
      origin = fmt::format("environment {}", printable(text));
      break;
    }
    default: {
      if (text.empty() || text == "." || text == ".." || text.find('/') != std::string::npos) {
        section.error(key,
                      "a credential name must be a plain file name (no '/'), as given to "
                      "systemd's LoadCredential=");
        return result;
      }
      std::optional<std::string> directory =
          env ? env("CREDENTIALS_DIRECTORY") : std::optional<std::string>{};
      if (!directory || directory->empty()) {
        section.error(key, fmt::format("credential {} needs the environment variable "
                                       "CREDENTIALS_DIRECTORY, which is not set (run under "
                                       "systemd with LoadCredential={}:/path)",
                                       printable(text), printable(text)));
        return result;
      }
      std::string problem = read_secret_file(fmt::format("{}/{}", *directory, text), value);
      if (!problem.empty()) {
        section.error(key, fmt::format("credential {}: {}", printable(text), problem));
        return result;
      }
      origin = fmt::format("credential {}", printable(text));
      break;
    }
  }
  result.state = SecretRead::State::ok;
  result.secret = Secret{std::move(value), std::move(origin)};
  return result;
}

}  // namespace authcorrd::config_detail
