#include "sinks/webhook_signature.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <boost/algorithm/string/classification.hpp>
#include <boost/algorithm/string/split.hpp>

#include <array>
#include <cctype>
#include <stdexcept>

#include <fmt/format.h>

namespace authcorrd {
namespace {

constexpr std::string_view kSecretPrefix = "whsec_";
constexpr std::size_t kMinKeyBytes = 24;
constexpr std::size_t kMaxKeyBytes = 64;

bool is_base64_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '/';
}

}  // namespace

std::string base64_encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(bytes.data()),
                                      static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  // EVP_DecodeBlock skips leading and trailing whitespace and does not report padding, so the
  // alphabet and the padding are checked here.
  if (text.empty() || text.size() % 4 != 0) return std::nullopt;
  std::size_t padding = 0;
  while (padding < 2 && text[text.size() - 1 - padding] == '=')
    ++padding;
  for (std::size_t i = 0; i < text.size() - padding; ++i) {
    if (!is_base64_char(text[i])) return std::nullopt;
  }
  std::string out(3 * text.size() / 4, '\0');
  const int written = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(text.data()),
                                      static_cast<int>(text.size()));
  if (written < 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(written) - padding);
  return out;
}

std::optional<WebhookKeys> parse_webhook_secrets(std::string_view text, std::string& error) {
  WebhookKeys result;
  std::vector<std::string_view> tokens;
  boost::algorithm::split(tokens, text, boost::algorithm::is_space(),
                          boost::algorithm::token_compress_on);
  std::erase_if(tokens, [](std::string_view token) { return token.empty(); });
  std::size_t index = 0;
  for (const std::string_view token : tokens) {
    ++index;
    if (!token.starts_with(kSecretPrefix)) {
      error = fmt::format("secret {} does not start with \"whsec_\"", index);
      return std::nullopt;
    }
    std::optional<std::string> key = base64_decode(token.substr(kSecretPrefix.size()));
    if (!key) {
      error = fmt::format("secret {}: the part after \"whsec_\" is not valid base64", index);
      return std::nullopt;
    }
    if (key->size() < kMinKeyBytes || key->size() > kMaxKeyBytes) {
      error = fmt::format("secret {} decodes to {} bytes; Standard Webhooks keys have {} to {}",
                          index, key->size(), kMinKeyBytes, kMaxKeyBytes);
      return std::nullopt;
    }
    result.keys.push_back(std::move(*key));
  }
  if (result.keys.empty()) {
    error = "no secret given (expected \"whsec_<base64>\")";
    return std::nullopt;
  }
  return result;
}

std::string webhook_signature(const WebhookKeys& keys, std::string_view message_id,
                              std::int64_t timestamp_seconds, std::string_view body) {
  // The signed content is "id.timestamp.body"; one-shot HMAC() avoids OpenSSL 3's deprecated
  // HMAC_CTX interface at the cost of one copy of the body.
  std::string content = fmt::format("{}.{}.", message_id, timestamp_seconds);
  content.append(body);
  std::string header;
  for (const std::string& key : keys.keys) {
    std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
    unsigned int length = 0;
    if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
             reinterpret_cast<const unsigned char*>(content.data()), content.size(), mac.data(),
             &length) == nullptr) {
      throw std::runtime_error("webhook signature: HMAC-SHA256 failed");
    }
    if (!header.empty()) header += ' ';
    header += "v1,";
    header += base64_encode(std::string_view(reinterpret_cast<const char*>(mac.data()), length));
  }
  return header;
}

}  // namespace authcorrd
