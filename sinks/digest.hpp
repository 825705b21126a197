// Short, stable content digests: alert ids and the derived ids of Relock events (which carry
// none of their own). Pure; safe from any thread.
#pragma once

#include <string>
#include <string_view>

namespace authcorrd {

// 32 lowercase hex digits: the first 128 bits of SHA-256 over `data`.
std::string digest_hex128(std::string_view data);

}  // namespace authcorrd
