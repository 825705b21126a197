#include "correlator/interner.hpp"

namespace authcorrd {

Interner::Interner() {
  strings_.emplace_back();
}

Symbol Interner::intern(std::string_view text) {
  if (text.empty()) return kNoSymbol;
  if (const auto it = index_.find(text); it != index_.end()) return it->second;
  const auto symbol = static_cast<Symbol>(strings_.size());
  const std::string& stored = strings_.emplace_back(text);
  index_.emplace(std::string_view(stored), symbol);
  return symbol;
}

Symbol Interner::find(std::string_view text) const {
  if (text.empty()) return kNoSymbol;
  const auto it = index_.find(text);
  return it == index_.end() ? kNoSymbol : it->second;
}

std::vector<Symbol> Interner::compact(const std::vector<bool>& live) {
  std::vector<Symbol> remap(strings_.size(), kNoSymbol);
  std::deque<std::string> kept;
  kept.emplace_back();
  for (std::size_t old = 1; old < strings_.size(); ++old) {
    if (old < live.size() && live[old]) {
      remap[old] = static_cast<Symbol>(kept.size());
      kept.push_back(std::move(strings_[old]));
    }
  }
  strings_ = std::move(kept);
  index_.clear();
  index_.reserve(strings_.size());
  for (std::size_t symbol = 1; symbol < strings_.size(); ++symbol) {
    index_.emplace(std::string_view(strings_[symbol]), static_cast<Symbol>(symbol));
  }
  return remap;
}

}  // namespace authcorrd
