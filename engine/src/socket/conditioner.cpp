#include "socket/conditioner.hpp"

#include <algorithm>

namespace tickwire::socket {

namespace {
// With a rate cap, a backlog longer than this is tail-dropped, like a router queue.
constexpr std::uint64_t kMaxRateBacklogUs = 1'000'000;
// A reordered datagram is held this much longer than it would have been.
constexpr std::uint64_t kReorderMinUs = 5'000;
constexpr std::uint64_t kReorderSpanUs = 25'000;
}  // namespace

void Conditioner::configure(const LinkDirection& link, std::uint64_t seed, std::uint32_t capacity) {
  link_ = link;
  capacity_ = capacity;
  random_.reseed(seed);
  clear();
  heap_.reserve(capacity);
}

void Conditioner::clear() {
  heap_.clear();
  free_.clear();
  for (std::uint32_t i = 0; i < buffers_.size(); ++i) free_.push_back(i);
  link_free_us_ = 0;
}

std::uint64_t Conditioner::delay_us() {
  std::int64_t delay = static_cast<std::int64_t>(link_.latency_ms) * 1000;
  if (link_.jitter_ms > 0) {
    const double span = 2.0 * link_.jitter_ms * 1000.0;
    delay += static_cast<std::int64_t>(random_.unit() * span) -
             static_cast<std::int64_t>(link_.jitter_ms) * 1000;
  }
  return static_cast<std::uint64_t>(std::max<std::int64_t>(delay, 0));
}

Conditioner::Verdict Conditioner::offer(std::uint64_t now_us, Endpoint to,
                                        std::span<const std::uint8_t> bytes) {
  ++counters_.offered;
  if (bytes.size() > kMaxDatagram) {
    ++counters_.queue_full;
    return Verdict::QueueFull;
  }
  if (random_.chance(link_.loss_pct)) {
    ++counters_.lost;
    return Verdict::Lost;
  }

  std::uint64_t release = now_us;
  if (link_.bandwidth_kbps > 0) {
    // Serialize onto a link of the given rate: each datagram occupies it for
    // size * 8 / rate seconds after the previous one finished.
    const std::uint64_t start = std::max(now_us, link_free_us_);
    if (start - now_us > kMaxRateBacklogUs) {
      ++counters_.queue_full;
      return Verdict::QueueFull;
    }
    const std::uint64_t wire_us = bytes.size() * 8ull * 1000ull / link_.bandwidth_kbps;
    link_free_us_ = start + wire_us;
    release = link_free_us_;
  }
  release += delay_us();
  if (random_.chance(link_.reorder_pct)) {
    ++counters_.reordered;
    release += kReorderMinUs + static_cast<std::uint64_t>(random_.unit() * kReorderSpanUs);
  }
  if (!enqueue(release, to, bytes)) {
    ++counters_.queue_full;
    return Verdict::QueueFull;
  }
  if (random_.chance(link_.duplicate_pct)) {
    // The copy takes its own path through the jitter.
    if (enqueue(release + delay_us() / 4, to, bytes)) ++counters_.duplicated;
  }
  return Verdict::Queued;
}

bool Conditioner::enqueue(std::uint64_t due_us, Endpoint to, std::span<const std::uint8_t> bytes) {
  if (heap_.size() >= capacity_) return false;
  std::uint32_t slot;
  if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(buffers_.size());
    buffers_.emplace_back();
  }
  Buffer& buffer = buffers_[slot];
  buffer.endpoint = to;
  buffer.bytes.assign(bytes.begin(), bytes.end());
  heap_.push_back(Held{due_us, order_++, slot});
  std::push_heap(heap_.begin(), heap_.end(), Later{});
  return true;
}

bool Conditioner::next_due(std::uint64_t& due_us) const noexcept {
  if (heap_.empty()) return false;
  due_us = heap_.front().due_us;
  return true;
}

bool Conditioner::pop_due(std::uint64_t now_us, Endpoint& endpoint,
                          std::vector<std::uint8_t>& out) {
  if (heap_.empty() || heap_.front().due_us > now_us) return false;
  std::pop_heap(heap_.begin(), heap_.end(), Later{});
  const Held held = heap_.back();
  heap_.pop_back();
  Buffer& buffer = buffers_[held.slot];
  endpoint = buffer.endpoint;
  out.swap(buffer.bytes);  // hand over the storage; the slot gets `out`'s old buffer
  free_.push_back(held.slot);
  ++counters_.released;
  return true;
}

}  // namespace tickwire::socket
