// The snapshots one stream keeps: the views a SnapshotSender sent (what its
// client may hold as a baseline) and the snapshots a SnapshotReceiver decoded
// (baselines and interpolation). A fixed number of slots; the oldest is
// replaced first. Internal to the engine.
//
// Two ways to fill the slots, one per history: a receiver's slots own their
// storage, made at construction and filled by swapping (keep); a sender's
// slots share views (keep_shared), so senders whose clients were sent the same
// view hold one copy of it between them.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "tickwire/snapshot.hpp"

namespace tickwire {

class SnapshotHistory {
 public:
  SnapshotHistory() = default;  // no slots: keeps nothing
  // settings.snapshot_ring slots with storage, for keep().
  SnapshotHistory(const Schema& schema, const ReplicationSettings& settings);
  // `slots` empty slots, for keep_shared().
  explicit SnapshotHistory(std::uint32_t slots);

  // The snapshot of `tick`, or nullptr when it was never kept or has left.
  [[nodiscard]] const Snapshot* find(std::uint32_t tick) const noexcept;
  [[nodiscard]] const Snapshot* newest() const noexcept;
  // Keeps `filled` over the oldest slot by swapping storage: `filled` gets
  // that slot's old snapshot back (so it may have been the one coded
  // against). Returns the kept snapshot. Requires slots with storage.
  const Snapshot& keep(Snapshot& filled) noexcept;
  // Keeps `view` (not nullptr) over the oldest slot and returns what that
  // slot held (nullptr: nothing). Requires slots made without storage.
  std::shared_ptr<const Snapshot> keep_shared(std::shared_ptr<const Snapshot> view) noexcept;
  // Forgets every snapshot (shared ones are let go).
  void clear() noexcept;
  [[nodiscard]] std::size_t slots() const noexcept { return held_.size(); }

 private:
  [[nodiscard]] std::uint32_t next_slot() noexcept;

  std::vector<std::shared_ptr<const Snapshot>> slots_;
  std::vector<Snapshot> storage_;  // keep()'s: one per slot, or none
  std::vector<bool> held_;
  std::vector<std::uint32_t> ticks_;     // each held slot's tick: find() reads no snapshot
  std::uint32_t next_ = 0;               // slot the next keep replaces
  std::optional<std::uint32_t> newest_;  // slot of the newest kept
};

}  // namespace tickwire
