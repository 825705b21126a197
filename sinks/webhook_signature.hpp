// Standard Webhooks signing (https://www.standardwebhooks.com, reference/peers.md §8): the
// "whsec_<base64>" secrets of a webhook endpoint and the webhook-signature header value that
// proves a delivery came from us.
//
// Pure functions over bytes; safe from any thread. Key bytes live only in WebhookKeys and are
// never formatted into a message.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace authcorrd {

// The decoded keys of one endpoint: several during a key rotation, each signs every delivery.
struct WebhookKeys {
  std::vector<std::string> keys;  // raw key bytes
};

// Parses one or more whitespace-separated "whsec_<base64>" secrets (24..64 bytes each, as the
// specification requires). On failure returns nullopt and sets `error` to a message that names
// the position of the bad secret but never its value.
std::optional<WebhookKeys> parse_webhook_secrets(std::string_view text, std::string& error);

// The webhook-signature header: "v1,<base64 HMAC-SHA256(key, id.timestamp.body)>" per key,
// separated by single spaces.
std::string webhook_signature(const WebhookKeys& keys, std::string_view message_id,
                              std::int64_t timestamp_seconds, std::string_view body);

// Standard base64 with padding (RFC 4648 §4).
std::string base64_encode(std::string_view bytes);
// nullopt on any character outside the alphabet, bad padding or bad length.
std::optional<std::string> base64_decode(std::string_view text);

}  // namespace authcorrd
