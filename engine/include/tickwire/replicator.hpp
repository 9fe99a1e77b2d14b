// tickwire — per-client snapshot streams, Quake 3's model.
//
// The server keeps one SnapshotSender per client. Each snapshot goes to the
// client as a delta against the newest snapshot that client acknowledged and
// the server still holds in its ring, or in full when there is none. The
// client's SnapshotReceiver decodes it against its own copy of that baseline,
// keeps the result for interpolation, and reports the tick to acknowledge in
// its next input packet. Lost snapshots and lost acks only make deltas larger
// until an ack gets through: nothing is resent.
//
// Ticks are the caller's (server simulation ticks); nothing here reads a
// clock. Not thread-safe; one object per client on each side.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "tickwire/replication.hpp"

namespace tickwire {

class SnapshotSender {
 public:
  // `schema` must be validated and outlive the sender.
  SnapshotSender(const Schema& schema, const ReplicationSettings& settings);

  // The client says it has snapshot `tick` (acks older than the one held are ignored).
  void acknowledge(std::uint32_t tick) noexcept;
  // Forget the client's acks (a new connection).
  void reset() noexcept { acked_.reset(); }

  // Codes ring.newest() for this client into `out` (a snapshot envelope: tick,
  // baseline tick, `acked_input_tick`, `server_time_us` and the stream).
  SnapshotError encode(const SnapshotRing& ring, std::uint32_t acked_input_tick,
                       std::uint64_t server_time_us, std::vector<std::uint8_t>& out);

  [[nodiscard]] std::optional<std::uint32_t> acked() const noexcept { return acked_; }
  [[nodiscard]] std::uint64_t full_sent() const noexcept { return full_sent_; }
  [[nodiscard]] std::uint64_t delta_sent() const noexcept { return delta_sent_; }

 private:
  std::unique_ptr<SnapshotCodec> codec_;
  std::vector<std::uint8_t> stream_;
  std::optional<std::uint32_t> acked_;
  std::uint64_t full_sent_ = 0;
  std::uint64_t delta_sent_ = 0;
};

// Why a received snapshot was not used (besides the codec's own causes).
struct ReceiverStats {
  std::uint64_t received = 0;          // snapshots decoded and kept
  std::uint64_t stale = 0;             // not newer than the newest kept: ignored
  std::uint64_t bad_envelope = 0;      // the envelope did not verify
  std::uint64_t unknown_baseline = 0;  // a delta against a snapshot no longer (or never) held
  std::uint64_t decode_errors = 0;     // the stream was refused (see codec_stats())
};

class SnapshotReceiver {
 public:
  // `schema` must be validated and outlive the receiver. Keeps the last
  // settings.snapshot_ring snapshots.
  SnapshotReceiver(const Schema& schema, const ReplicationSettings& settings);

  // Takes one envelope from the server. Returns the kept snapshot, or nullptr
  // when it was stale or refused (counted in stats()).
  const Snapshot* receive(std::span<const std::uint8_t> envelope);

  // The tick to acknowledge in the next input packet; none before the first.
  [[nodiscard]] std::optional<std::uint32_t> ack() const noexcept;
  [[nodiscard]] const Snapshot* newest() const noexcept;
  [[nodiscard]] const Snapshot* find(std::uint32_t tick) const noexcept;
  // The server's acked input tick and time from the newest envelope kept.
  [[nodiscard]] std::uint32_t acked_input_tick() const noexcept { return acked_input_tick_; }
  [[nodiscard]] std::uint64_t server_time_us() const noexcept { return server_time_us_; }
  [[nodiscard]] const ReceiverStats& stats() const noexcept { return stats_; }
  [[nodiscard]] const CodecStats& codec_stats() const noexcept { return codec_->stats(); }

 private:
  std::unique_ptr<SnapshotCodec> codec_;
  std::vector<Snapshot> ring_;  // fixed: settings.snapshot_ring slots
  std::vector<bool> held_;
  std::uint32_t next_ = 0;
  std::optional<std::uint32_t> newest_slot_;
  Snapshot scratch_;  // decode target; swapped into the ring when good
  std::uint32_t acked_input_tick_ = 0;
  std::uint64_t server_time_us_ = 0;
  ReceiverStats stats_;
};

}  // namespace tickwire
