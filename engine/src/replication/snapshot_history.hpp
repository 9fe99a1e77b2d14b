// The snapshots one stream keeps: the views a SnapshotSender sent (what its
// client may hold as a baseline) and the snapshots a SnapshotReceiver decoded
// (baselines and interpolation). Fixed slots made at construction; the oldest
// is replaced first. Internal to the engine.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "tickwire/snapshot.hpp"

namespace tickwire {

class SnapshotHistory {
 public:
  SnapshotHistory() = default;  // no slots: keeps nothing
  SnapshotHistory(const Schema& schema, const ReplicationSettings& settings);

  // The snapshot of `tick`, or nullptr when it was never kept or has left.
  [[nodiscard]] const Snapshot* find(std::uint32_t tick) const noexcept;
  [[nodiscard]] const Snapshot* newest() const noexcept;
  // Keeps `filled` over the oldest slot by swapping storage: `filled` gets
  // that slot's old snapshot back (so it may have been the one coded
  // against). Returns the kept snapshot. Requires at least one slot.
  const Snapshot& keep(Snapshot& filled) noexcept;
  void clear() noexcept;
  [[nodiscard]] std::size_t slots() const noexcept { return slots_.size(); }

 private:
  std::vector<Snapshot> slots_;
  std::vector<bool> held_;
  std::uint32_t next_ = 0;               // slot the next keep() replaces
  std::optional<std::uint32_t> newest_;  // slot of the newest kept
};

}  // namespace tickwire
