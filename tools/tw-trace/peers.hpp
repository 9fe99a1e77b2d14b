// tw-trace: the remote endpoints of a trace, numbered in order of first
// appearance (connection 0, 1, ...), as info, dump, replay, view and send
// all number them. A file is untrusted: at most kMaxConnections addresses
// are told apart, and records of any further ones share the number
// kMaxConnections ("others"), so a trace of a million addresses costs a
// bounded table.
#pragma once

#include <tickwire/trace.hpp>

#include <cstddef>
#include <cstdint>
#include <unordered_map>
#include <vector>

namespace twtrace {

class Peers {
 public:
  static constexpr std::size_t kMaxConnections = 4096;
  static constexpr std::size_t kOthers = kMaxConnections;

  // The number of the remote end of `a` (kOthers past the limit).
  std::size_t index(tickwire::trace::Address a) {
    const std::uint64_t key = std::uint64_t{a.host} << 16 | a.port;
    if (const auto it = map_.find(key); it != map_.end()) return it->second;
    if (list_.size() == kMaxConnections) {
      others_ = true;
      return kOthers;
    }
    map_.emplace(key, list_.size());
    list_.push_back(a);
    return list_.size() - 1;
  }
  // The record's remote end: its destination when the recording host sent it.
  std::size_t index(const tickwire::trace::Record& r) { return index(r.outgoing ? r.dst : r.src); }

  [[nodiscard]] const std::vector<tickwire::trace::Address>& list() const noexcept { return list_; }
  [[nodiscard]] bool others() const noexcept { return others_; }

 private:
  std::unordered_map<std::uint64_t, std::size_t> map_;
  std::vector<tickwire::trace::Address> list_;
  bool others_ = false;
};

}  // namespace twtrace
