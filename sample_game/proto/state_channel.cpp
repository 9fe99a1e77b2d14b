#include "proto/state_channel.hpp"

#include <algorithm>
#include <cmath>

namespace arena::proto {

StateSender::StateSender(std::uint32_t interval_ticks)
    : interval_(std::clamp<std::uint32_t>(interval_ticks, 1, sim::kTickRate)),
      ring_(schema(), replication_settings()),
      cache_(schema(), replication_settings()) {}

std::uint16_t StateSender::rate_hz() const noexcept {
  return static_cast<std::uint16_t>(sim::kTickRate / interval_);
}

tickwire::SnapshotSender& StateSender::sender(int slot) {
  auto& s = senders_[static_cast<std::size_t>(slot)];
  if (!s) {
    s = std::make_unique<tickwire::SnapshotSender>(schema(), replication_settings());
    s->set_cache(&cache_);  // players in the same state share one coded stream
  }
  return *s;
}

void StateSender::reset(int slot) {
  if (slot < 0 || slot >= sim::kMaxPlayers) return;
  sender(slot).reset();
}

void StateSender::acknowledge(int slot, std::uint32_t tick) noexcept {
  if (slot < 0 || slot >= sim::kMaxPlayers) return;
  if (auto& s = senders_[static_cast<std::size_t>(slot)]) s->acknowledge(tick);
}

std::size_t StateSender::after_step(const sim::World& world, std::uint64_t server_time_us,
                                    std::span<const StateRecipient> recipients,
                                    const SendFn& send) {
  mirror_.update(world);
  if (world.tick % interval_ != 0 || recipients.empty()) return 0;
  const tickwire::Snapshot* snapshot = ring_.capture(mirror_.store(), world.tick);
  if (snapshot == nullptr) return 0;  // not newer than the last: a restarted world
  ++stats_.snapshots;
  std::size_t sent = 0;
  for (const StateRecipient& r : recipients) {
    if (r.slot < 0 || r.slot >= sim::kMaxPlayers) continue;
    tickwire::SnapshotSender& s = sender(r.slot);
    const std::uint64_t full_before = s.full_sent();
    const tickwire::SnapshotMeta meta{r.input_ack, server_time_us, r.input_slack, r.input_received};
    if (s.encode(*snapshot, meta, bytes_) != tickwire::SnapshotError::None) {
      ++stats_.encode_errors;
      continue;
    }
    (s.full_sent() != full_before ? stats_.full_sent : stats_.delta_sent) += 1;
    stats_.envelope_bytes += bytes_.size();
    ++stats_.sent;
    ++sent;
    send(r, bytes_);
  }
  return sent;
}

StateReceiver::StateReceiver() : snapshots_(schema(), replication_settings()) {}

void StateReceiver::sync_stats() noexcept {
  const tickwire::ReceiverStats& r = snapshots_.stats();
  stats_.stale = r.stale;
  stats_.bad_envelope = r.bad_envelope;
  stats_.unknown_baseline = r.unknown_baseline;
  stats_.bad_stream = r.decode_errors;
  stats_.full_received = r.full_received;
  stats_.delta_received = r.delta_received;
}

bool StateReceiver::receive(std::span<const std::uint8_t> envelope, double arrival_s) {
  ++stats_.envelopes;
  stats_.envelope_bytes += envelope.size();
  const tickwire::Snapshot* snapshot = snapshots_.receive(envelope);
  sync_stats();
  if (snapshot == nullptr) return false;
  if (to_world(*snapshot, scratch_) != WorldError::None) {
    ++stats_.bad_world;
    return false;
  }

  if (count_ == kCapacity) {
    start_ = (start_ + 1) % kCapacity;
    --count_;
  }
  Received& slot = ring_[(start_ + count_) % kCapacity];
  ++count_;
  slot.world = scratch_;
  slot.input_ack = snapshots_.acked_input_tick();
  slot.input_slack = snapshots_.input_slack_ticks();
  slot.input_received = snapshots_.input_received_tick();
  slot.arrival_s = arrival_s;
  ++stats_.received;
  return true;
}

void StateReceiver::clear() {
  snapshots_ = tickwire::SnapshotReceiver(schema(), replication_settings());
  stats_ = StateReceiverStats{};
  start_ = count_ = 0;
}

const StateReceiver::Received& StateReceiver::at(std::size_t i) const noexcept {
  return ring_[(start_ + i) % kCapacity];
}

}  // namespace arena::proto
