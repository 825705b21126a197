// Finds a user's slot from its id: an open-addressed table of (hash, slot) entries with linear
// probing and backward-shift deletion. The id itself is kept in the user's state, which the
// caller reads next anyway, so a lookup costs one probe here plus that read (a string table
// in front of a symbol-to-slot index cost about five dependent cache misses per event).
//
// Owned by one Correlator and used from its thread only.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace authcorrd::detail {

class UserTable {
 public:
  static constexpr std::uint32_t kAbsent = 0xFFFFFFFFu;

  UserTable() { entries_.assign(kInitialCapacity, Entry{}); }

  // The slot whose id (as `id_of(slot)` reports it) equals `id`, or kAbsent.
  template <typename IdOf>
  std::uint32_t find(std::string_view id, std::uint64_t hash, const IdOf& id_of) const {
    for (std::size_t i = home(hash);; i = (i + 1) & mask()) {
      const Entry& entry = entries_[i];
      if (entry.slot == kAbsent) return kAbsent;
      if (entry.hash == hash && id_of(entry.slot) == id) return entry.slot;
    }
  }

  // Adds a slot whose id is not in the table yet.
  void insert(std::uint64_t hash, std::uint32_t slot) {
    if (2 * (size_ + 1) > entries_.size()) grow();
    place(Entry{hash, slot});
    ++size_;
  }

  // Removes the entry of `slot` (inserted with `hash`).
  void erase(std::uint64_t hash, std::uint32_t slot) {
    std::size_t hole = home(hash);
    while (entries_[hole].slot != slot)
      hole = (hole + 1) & mask();
    // Backward shift: pull later entries of the same probe run into the hole, so lookups never
    // meet a gap inside a run.
    for (std::size_t next = (hole + 1) & mask(); entries_[next].slot != kAbsent;
         next = (next + 1) & mask()) {
      const std::size_t wanted = home(entries_[next].hash);
      const bool stays =
          hole < next ? (hole < wanted && wanted <= next) : (hole < wanted || wanted <= next);
      if (stays) continue;
      entries_[hole] = entries_[next];
      hole = next;
    }
    entries_[hole] = Entry{};
    --size_;
  }

 private:
  static constexpr std::size_t kInitialCapacity = 1024;
  struct Entry {
    std::uint64_t hash = 0;
    std::uint32_t slot = kAbsent;
  };

  std::size_t mask() const { return entries_.size() - 1; }
  std::size_t home(std::uint64_t hash) const { return static_cast<std::size_t>(hash) & mask(); }

  void place(const Entry& entry) {
    std::size_t i = home(entry.hash);
    while (entries_[i].slot != kAbsent)
      i = (i + 1) & mask();
    entries_[i] = entry;
  }

  void grow() {
    std::vector<Entry> old(2 * entries_.size(), Entry{});
    old.swap(entries_);
    for (const Entry& entry : old) {
      if (entry.slot != kAbsent) place(entry);
    }
  }

  std::vector<Entry> entries_;
  std::size_t size_ = 0;
};

}  // namespace authcorrd::detail
