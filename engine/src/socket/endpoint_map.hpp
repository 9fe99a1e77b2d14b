// A fixed-capacity map from endpoint to a value: open addressing, linear
// probing, backward-shift deletion (no tombstones). Nothing a remote sender
// does can make it grow: insert() fails when `capacity` entries are used.
// Values live in place; a pointer from find() stays valid until the next
// erase() (which may move entries).
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

#include "socket/endpoint.hpp"

namespace tickwire::socket {

template <class Value>
class EndpointMap {
 public:
  explicit EndpointMap(std::size_t capacity)
      : entries_(std::bit_ceil(std::max<std::size_t>(2 * capacity, 8))), capacity_(capacity) {}

  [[nodiscard]] Value* find(Endpoint e) noexcept {
    const std::size_t mask = entries_.size() - 1;
    for (std::size_t i = home(e);; i = (i + 1) & mask) {
      Entry& entry = entries_[i];
      if (!entry.used) return nullptr;
      if (entry.endpoint == e) return &entry.value;
    }
  }

  // A fresh value for `e` (an existing one is reset); null when full.
  Value* insert(Endpoint e) {
    if (Value* existing = find(e)) {
      *existing = Value{};
      return existing;
    }
    if (size_ >= capacity_) return nullptr;
    const std::size_t mask = entries_.size() - 1;
    std::size_t i = home(e);
    while (entries_[i].used) i = (i + 1) & mask;
    entries_[i].endpoint = e;
    entries_[i].used = true;
    entries_[i].value = Value{};
    ++size_;
    return &entries_[i].value;
  }

  void erase(Endpoint e) {
    const std::size_t mask = entries_.size() - 1;
    std::size_t i = home(e);
    while (entries_[i].used && !(entries_[i].endpoint == e)) i = (i + 1) & mask;
    if (!entries_[i].used) return;
    entries_[i].used = false;
    entries_[i].value = Value{};
    --size_;
    // Re-place the rest of the cluster so every entry stays reachable.
    for (std::size_t j = (i + 1) & mask; entries_[j].used; j = (j + 1) & mask) {
      const std::size_t want = home(entries_[j].endpoint);
      if (((j - want) & mask) >= ((j - i) & mask)) {
        entries_[i] = std::move(entries_[j]);
        entries_[j].used = false;
        entries_[j].value = Value{};
        i = j;
      }
    }
  }

  // Calls fn(endpoint, value&) for every entry; fn must not insert or erase.
  template <class Fn>
  void for_each(Fn&& fn) {
    for (Entry& entry : entries_)
      if (entry.used) fn(entry.endpoint, entry.value);
  }

  [[nodiscard]] std::size_t size() const noexcept { return size_; }
  [[nodiscard]] std::size_t capacity() const noexcept { return capacity_; }

 private:
  struct Entry {
    Endpoint endpoint;
    bool used = false;
    Value value{};
  };
  [[nodiscard]] std::size_t home(Endpoint e) const noexcept {
    std::uint64_t h = (std::uint64_t{e.host} << 16) ^ e.port;
    h *= 0x9e3779b97f4a7c15ull;
    return static_cast<std::size_t>(h >> 32) & (entries_.size() - 1);
  }

  std::vector<Entry> entries_;
  std::size_t size_ = 0;
  std::size_t capacity_ = 0;
};

}  // namespace tickwire::socket
