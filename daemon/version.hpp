// The version of authcorrd, shown by `authcorrd --version` and exported as the `version` label
// of authcorrd_build_info. A constant: safe from any thread.
#pragma once

namespace authcorrd {

inline constexpr const char* kVersion = "0.1.0";

}  // namespace authcorrd
