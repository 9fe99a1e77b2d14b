// The range codec's flag of each entity, kept with its snapshot
// (Snapshot::flags_): computed once, when a snapshot is first coded or as it
// is decoded, so that coding against it later reads one byte per entity
// instead of each entity's codes. Internal to the engine.
#pragma once

#include <cstdint>
#include <span>

#include "tickwire/snapshot.hpp"

namespace tickwire {

struct SnapshotFlags {
  // The flags of `s`'s entities kept for `schema`, or empty.
  static std::span<const std::uint8_t> kept(const Snapshot& s, const Schema& schema) noexcept {
    if (s.flags_for_ != &schema || s.flags_.size() < s.count_) return {};
    return {s.flags_.data(), s.count_};
  }
  // Where `s`'s flags are written, one per entity slot (its capacity).
  static std::span<std::uint8_t> storage(const Snapshot& s) noexcept { return s.flags_; }
  // The first s.size() flags in storage() are `s`'s for `schema`: kept until
  // `s` next changes.
  static void keep(const Snapshot& s, const Schema& schema) noexcept { s.flags_for_ = &schema; }
};

}  // namespace tickwire
