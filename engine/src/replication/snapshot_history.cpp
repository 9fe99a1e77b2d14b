#include "replication/snapshot_history.hpp"

#include <utility>

namespace tickwire {

SnapshotHistory::SnapshotHistory(const Schema& schema, const ReplicationSettings& settings)
    : held_(settings.snapshot_ring, false) {
  slots_.reserve(settings.snapshot_ring);
  for (std::uint32_t i = 0; i < settings.snapshot_ring; ++i) slots_.emplace_back(schema, settings);
}

const Snapshot* SnapshotHistory::find(std::uint32_t tick) const noexcept {
  for (std::size_t i = 0; i < slots_.size(); ++i)
    if (held_[i] && slots_[i].tick() == tick) return &slots_[i];
  return nullptr;
}

const Snapshot* SnapshotHistory::newest() const noexcept {
  return newest_ ? &slots_[*newest_] : nullptr;
}

const Snapshot& SnapshotHistory::keep(Snapshot& filled) noexcept {
  const std::uint32_t slot = next_;
  next_ = (next_ + 1) % static_cast<std::uint32_t>(slots_.size());
  std::swap(slots_[slot], filled);
  held_[slot] = true;
  newest_ = slot;
  return slots_[slot];
}

void SnapshotHistory::clear() noexcept {
  std::fill(held_.begin(), held_.end(), false);
  newest_.reset();
}

}  // namespace tickwire
