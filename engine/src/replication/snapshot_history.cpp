#include "replication/snapshot_history.hpp"

#include <algorithm>
#include <utility>

namespace tickwire {

SnapshotHistory::SnapshotHistory(const Schema& schema, const ReplicationSettings& settings)
    : held_(settings.snapshot_ring, false), ticks_(settings.snapshot_ring, 0) {
  storage_.reserve(settings.snapshot_ring);
  for (std::uint32_t i = 0; i < settings.snapshot_ring; ++i)
    storage_.emplace_back(schema, settings);
}

SnapshotHistory::SnapshotHistory(std::uint32_t slots)
    : slots_(slots), held_(slots, false), ticks_(slots, 0) {}

const Snapshot* SnapshotHistory::find(std::uint32_t tick) const noexcept {
  for (std::size_t i = 0; i < held_.size(); ++i)
    if (held_[i] && ticks_[i] == tick) return storage_.empty() ? slots_[i].get() : &storage_[i];
  return nullptr;
}

const Snapshot* SnapshotHistory::newest() const noexcept {
  if (!newest_) return nullptr;
  return storage_.empty() ? slots_[*newest_].get() : &storage_[*newest_];
}

std::uint32_t SnapshotHistory::next_slot() noexcept {
  const std::uint32_t slot = next_;
  next_ = (next_ + 1) % static_cast<std::uint32_t>(held_.size());
  held_[slot] = true;
  newest_ = slot;
  return slot;
}

const Snapshot& SnapshotHistory::keep(Snapshot& filled) noexcept {
  const std::uint32_t slot = next_slot();
  std::swap(storage_[slot], filled);
  ticks_[slot] = storage_[slot].tick();
  return storage_[slot];
}

std::shared_ptr<const Snapshot> SnapshotHistory::keep_shared(
    std::shared_ptr<const Snapshot> view) noexcept {
  const std::uint32_t slot = next_slot();
  ticks_[slot] = view->tick();
  std::swap(slots_[slot], view);
  return view;
}

void SnapshotHistory::clear() noexcept {
  std::fill(held_.begin(), held_.end(), false);
  for (auto& s : slots_) s.reset();
  newest_.reset();
}

}  // namespace tickwire
