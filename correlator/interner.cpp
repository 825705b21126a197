#include "correlator/interner.hpp"

#include <functional>

namespace authcorrd {

namespace {
constexpr std::size_t kInitialCapacity = 1024;
}

Interner::Interner() {
  strings_.emplace_back();
  hashes_.push_back(0);
  rebuild_table(kInitialCapacity);
}

std::uint64_t Interner::hash(std::string_view text) noexcept {
  return std::hash<std::string_view>{}(text);
}

std::size_t Interner::probe(std::string_view text, std::uint64_t text_hash) const {
  const auto tag = static_cast<std::uint32_t>(text_hash >> 32);
  std::size_t index = static_cast<std::size_t>(text_hash) & mask_;
  while (true) {
    const Slot& slot = table_[index];
    if (slot.symbol == kNoSymbol) return index;
    if (slot.tag == tag && strings_[slot.symbol] == text) return index;
    index = (index + 1) & mask_;
  }
}

void Interner::insert_slot(Symbol symbol, std::uint64_t text_hash) {
  std::size_t index = static_cast<std::size_t>(text_hash) & mask_;
  while (table_[index].symbol != kNoSymbol)
    index = (index + 1) & mask_;
  table_[index] = Slot{static_cast<std::uint32_t>(text_hash >> 32), symbol};
}

void Interner::rebuild_table(std::size_t capacity) {
  table_.assign(capacity, Slot{});
  mask_ = capacity - 1;
  for (std::size_t symbol = 1; symbol < strings_.size(); ++symbol) {
    insert_slot(static_cast<Symbol>(symbol), hashes_[symbol]);
  }
}

Symbol Interner::intern(std::string_view text, std::uint64_t text_hash) {
  if (text.empty()) return kNoSymbol;
  const std::size_t index = probe(text, text_hash);
  if (table_[index].symbol != kNoSymbol) return table_[index].symbol;
  const auto symbol = static_cast<Symbol>(strings_.size());
  strings_.emplace_back(text);
  hashes_.push_back(text_hash);
  table_[index] = Slot{static_cast<std::uint32_t>(text_hash >> 32), symbol};
  if (2 * strings_.size() > table_.size()) rebuild_table(2 * table_.size());
  return symbol;
}

Symbol Interner::find(std::string_view text) const {
  if (text.empty()) return kNoSymbol;
  return table_[probe(text, hash(text))].symbol;
}

std::vector<Symbol> Interner::compact(const std::vector<bool>& live) {
  std::vector<Symbol> remap(strings_.size(), kNoSymbol);
  std::deque<std::string> kept;
  std::vector<std::uint64_t> kept_hashes;
  kept.emplace_back();
  kept_hashes.push_back(0);
  for (std::size_t old = 1; old < strings_.size(); ++old) {
    if (old < live.size() && live[old]) {
      remap[old] = static_cast<Symbol>(kept.size());
      kept.push_back(std::move(strings_[old]));
      kept_hashes.push_back(hashes_[old]);
    }
  }
  strings_ = std::move(kept);
  hashes_ = std::move(kept_hashes);
  std::size_t capacity = kInitialCapacity;
  while (capacity < 2 * strings_.size())
    capacity *= 2;
  rebuild_table(capacity);
  return remap;
}

}  // namespace authcorrd
