// String interning for the index: repeated strings (user ids, IPs, user agents, device and
// session ids, type codes) become small integers so that per-user records are compact and
// comparisons are integer compares.
//
// The lookup table is open-addressed (linear probing over 8-byte slots holding a hash tag and
// the symbol), because a node-based map cost two or three cache misses per event on an index of
// 100,000 users. Only compact() removes strings, by rebuilding.
//
// Owned by one Correlator and used from its thread only. Symbols are only stable between two
// compactions: compact() renumbers them and the owner must rewrite every symbol it holds.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

namespace authcorrd {

using Symbol = std::uint32_t;
inline constexpr Symbol kNoSymbol = 0;  // the empty string

class Interner {
 public:
  Interner();

  // The symbol of `text`, adding it if new. The empty string is always kNoSymbol.
  Symbol intern(std::string_view text) { return intern(text, hash(text)); }
  // The same, with `text_hash` == hash(text) already computed by the caller.
  Symbol intern(std::string_view text, std::uint64_t text_hash);
  static std::uint64_t hash(std::string_view text) noexcept;
  // The symbol of `text` if it is already interned, else kNoSymbol.
  Symbol find(std::string_view text) const;
  std::string_view text(Symbol symbol) const { return strings_[symbol]; }
  std::size_t size() const { return strings_.size(); }

  // Rebuilds the table with only the symbols marked in `live` (indexed by old symbol) and
  // returns the old-to-new mapping (kNoSymbol for dropped ones).
  std::vector<Symbol> compact(const std::vector<bool>& live);

 private:
  struct Slot {
    std::uint32_t tag = 0;  // high bits of the hash: most mismatches never touch the string
    Symbol symbol = kNoSymbol;
  };

  // The slot holding `text`, or the empty slot where it would go.
  std::size_t probe(std::string_view text, std::uint64_t hash) const;
  void insert_slot(Symbol symbol, std::uint64_t hash);
  void rebuild_table(std::size_t capacity);

  // std::deque keeps element addresses stable as it grows.
  std::deque<std::string> strings_;
  std::vector<std::uint64_t> hashes_;  // per symbol, so growing the table never rehashes text
  std::vector<Slot> table_;            // power-of-two size, at most half full
  std::size_t mask_ = 0;
};

}  // namespace authcorrd
