// String interning for the index: repeated strings (user ids, IPs, user agents, device and
// session ids, type codes) become small integers so that per-user records are compact and
// comparisons are integer compares.
//
// Owned by one Correlator and used from its thread only. Symbols are only stable between two
// compactions: compact() renumbers them and the owner must rewrite every symbol it holds.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace authcorrd {

using Symbol = std::uint32_t;
inline constexpr Symbol kNoSymbol = 0;  // the empty string

class Interner {
 public:
  Interner();

  // The symbol of `text`, adding it if new. The empty string is always kNoSymbol.
  Symbol intern(std::string_view text);
  // The symbol of `text` if it is already interned, else kNoSymbol.
  Symbol find(std::string_view text) const;
  std::string_view text(Symbol symbol) const { return strings_[symbol]; }
  std::size_t size() const { return strings_.size(); }

  // Rebuilds the table with only the symbols marked in `live` (indexed by old symbol) and
  // returns the old-to-new mapping (kNoSymbol for dropped ones).
  std::vector<Symbol> compact(const std::vector<bool>& live);

 private:
  // std::deque keeps element addresses stable, so the map's views into it stay valid.
  std::deque<std::string> strings_;
  // std::hash<std::string_view> is not a "fast" hash to libstdc++, so nodes cache their hash
  // and a probe compares strings only on a hash match.
  std::unordered_map<std::string_view, Symbol> index_;
};

}  // namespace authcorrd
