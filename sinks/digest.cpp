#include "sinks/digest.hpp"

#include <openssl/evp.h>

#include <array>
#include <stdexcept>

namespace authcorrd {

std::string digest_hex128(std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest.data(), &length, EVP_sha256(), nullptr) != 1 ||
      length < 16) {
    throw std::runtime_error("SHA-256 is unavailable in this OpenSSL build");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex(32, '0');
  for (std::size_t i = 0; i < 16; ++i) {
    hex[2 * i] = kHex[digest[i] >> 4];
    hex[2 * i + 1] = kHex[digest[i] & 0x0f];
  }
  return hex;
}

}  // namespace authcorrd
