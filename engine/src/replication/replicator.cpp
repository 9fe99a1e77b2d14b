#include "tickwire/replicator.hpp"

#include "protocol/envelope.hpp"

namespace tickwire {

namespace {
// Tick order modulo 2^32, as the ring compares them.
bool newer(std::uint32_t a, std::uint32_t b) noexcept {
  return static_cast<std::int32_t>(a - b) > 0;
}
}  // namespace

SnapshotSender::SnapshotSender(const Schema& schema, const ReplicationSettings& settings)
    : codec_(make_delta_codec(schema, settings)),
      stream_(codec_ ? codec_->max_encoded_bytes() : 0) {}

void SnapshotSender::acknowledge(std::uint32_t tick) noexcept {
  if (!acked_ || newer(tick, *acked_)) acked_ = tick;
}

SnapshotError SnapshotSender::encode(const SnapshotRing& ring, std::uint32_t acked_input_tick,
                                     std::uint64_t server_time_us, std::vector<std::uint8_t>& out) {
  const Snapshot* current = ring.newest();
  if (codec_ == nullptr || current == nullptr) return SnapshotError::bad_snapshot;
  // The newest snapshot the client has that the ring still holds; if the ack
  // is too old (the ring moved on) or there is none, a full snapshot.
  const Snapshot* baseline = acked_ ? ring.find(*acked_) : nullptr;
  if (baseline == current) baseline = nullptr;  // the client has it: send it whole, cheaply
  const EncodeResult r = codec_->encode(*current, baseline, stream_);
  if (r.error != SnapshotError::none) return r.error;
  (baseline ? delta_sent_ : full_sent_) += 1;
  protocol::SnapshotHeader header;
  header.tick = current->tick();
  header.has_baseline = baseline != nullptr;
  header.baseline_tick = baseline ? baseline->tick() : 0;
  header.acked_input_tick = acked_input_tick;
  header.server_time_us = server_time_us;
  protocol::write_snapshot_envelope(header, {stream_.data(), r.bytes}, out);
  return SnapshotError::none;
}

SnapshotReceiver::SnapshotReceiver(const Schema& schema, const ReplicationSettings& settings)
    : codec_(make_delta_codec(schema, settings)),
      held_(settings.snapshot_ring, false),
      scratch_(schema, settings) {
  ring_.reserve(settings.snapshot_ring);
  for (std::uint32_t i = 0; i < settings.snapshot_ring; ++i) ring_.emplace_back(schema, settings);
}

const Snapshot* SnapshotReceiver::find(std::uint32_t tick) const noexcept {
  for (std::size_t i = 0; i < ring_.size(); ++i)
    if (held_[i] && ring_[i].tick() == tick) return &ring_[i];
  return nullptr;
}

const Snapshot* SnapshotReceiver::newest() const noexcept {
  return newest_slot_ ? &ring_[*newest_slot_] : nullptr;
}

std::optional<std::uint32_t> SnapshotReceiver::ack() const noexcept {
  if (const Snapshot* s = newest()) return s->tick();
  return std::nullopt;
}

const Snapshot* SnapshotReceiver::receive(std::span<const std::uint8_t> envelope) {
  protocol::SnapshotHeader header;
  std::span<const std::uint8_t> stream;
  if (codec_ == nullptr ||
      protocol::read_snapshot_envelope(envelope, header, stream) != protocol::EnvelopeError::ok) {
    ++stats_.bad_envelope;
    return nullptr;
  }
  if (const Snapshot* n = newest(); n != nullptr && !newer(header.tick, n->tick())) {
    ++stats_.stale;  // late or duplicated: a newer one is already in hand
    return nullptr;
  }
  const Snapshot* baseline = nullptr;
  if (header.has_baseline) {
    baseline = find(header.baseline_tick);
    if (baseline == nullptr) {
      ++stats_.unknown_baseline;
      return nullptr;
    }
  }
  if (codec_->decode(stream, baseline, scratch_) != SnapshotError::none ||
      scratch_.tick() != header.tick) {
    ++stats_.decode_errors;
    return nullptr;
  }
  // Keep it over the oldest slot. Decoding finished in scratch_, so the slot
  // may even have held the baseline just used.
  const std::uint32_t slot = next_;
  next_ = (next_ + 1) % static_cast<std::uint32_t>(ring_.size());
  std::swap(ring_[slot], scratch_);
  held_[slot] = true;
  newest_slot_ = slot;
  acked_input_tick_ = header.acked_input_tick;
  server_time_us_ = header.server_time_us;
  ++stats_.received;
  return &ring_[slot];
}

}  // namespace tickwire
