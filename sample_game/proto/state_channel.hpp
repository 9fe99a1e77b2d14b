// arena — the state channel: how the server's world reaches the clients.
//
// The server mirrors its world into tickwire entities after every step
// (proto/replication.hpp) and, every `interval_ticks`, captures a snapshot and
// codes it for each client with that client's tickwire::SnapshotSender: a
// delta against the newest snapshot the client acknowledged (the ack rides
// in its InputBatch), or whole when it has none. The envelope goes on the
// sequenced lane. The client decodes each envelope with a
// tickwire::SnapshotReceiver, turns the snapshot back into a sim::World and
// keeps the newest few for the renderer to interpolate between. Everything
// else in the game talks to StateSender and StateReceiver only.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include <tickwire/snapshot_stream.hpp>

#include "proto/replication.hpp"
#include "sim/world.hpp"

namespace arena::proto {

// One client the server sends state to.
struct StateRecipient {
  int slot = 0;  // the client's ship, 0..kMaxPlayers-1
  // Newest input tick up to which the server stepped with this client's own
  // inputs (tickwire::InputBuffer::take_report_ack()).
  std::uint32_t input_ack = 0;
  std::optional<double> input_slack;  // how early its inputs arrive, ticks (InputTiming)
  std::uint32_t input_received = 0;   // InputBuffer::received_through()
};

struct StateSenderStats {
  std::uint64_t snapshots = 0;       // snapshots captured (one per interval)
  std::uint64_t sent = 0;            // envelopes handed to `send`
  std::uint64_t full_sent = 0;       // of those, whole snapshots
  std::uint64_t delta_sent = 0;      // of those, deltas against an acked snapshot
  std::uint64_t envelope_bytes = 0;  // their total size, bytes
  std::uint64_t encode_errors = 0;   // snapshots a sender refused to code (not sent)
};

class StateSender {
 public:
  // interval_ticks: a snapshot goes out every this many simulation ticks (1..60).
  explicit StateSender(std::uint32_t interval_ticks = 2);

  [[nodiscard]] std::uint32_t interval_ticks() const noexcept { return interval_; }
  [[nodiscard]] std::uint16_t rate_hz() const noexcept;  // snapshots per second
  // Whether the step that made world tick `tick` sends a snapshot.
  [[nodiscard]] bool due(std::uint32_t tick) const noexcept { return tick % interval_ == 0; }

  // A client took `slot` (a join or a rejoin): its stream starts over, with
  // a whole snapshot next. Makes the slot's sender on first use (about
  // 0.6 MB: 32 sent snapshots kept as possible baselines).
  void reset(int slot);
  // The client of `slot` holds snapshot `tick` (its InputBatch's ack).
  // Ticks its sender never sent, or older than its newest ack, are ignored.
  void acknowledge(int slot, std::uint32_t tick) noexcept;

  // Called once after every simulation step. When a snapshot is due it calls
  // `send(recipient, envelope)` for each recipient; the bytes are valid only
  // during that call. `server_time_us` is the server's clock at this tick,
  // microseconds. Returns the number of envelopes handed to `send`.
  using SendFn = std::function<void(const StateRecipient&, std::span<const std::uint8_t>)>;
  std::size_t after_step(const sim::World& world, std::uint64_t server_time_us,
                         std::span<const StateRecipient> recipients, const SendFn& send);

  [[nodiscard]] const StateSenderStats& stats() const noexcept { return stats_; }

 private:
  tickwire::SnapshotSender& sender(int slot);

  std::uint32_t interval_;
  WorldMirror mirror_;
  tickwire::SnapshotRing ring_;
  tickwire::SnapshotEncodeCache cache_;  // shared by the senders (declared before them)
  std::array<std::unique_ptr<tickwire::SnapshotSender>, sim::kMaxPlayers> senders_;
  std::vector<std::uint8_t> bytes_;  // envelope scratch
  StateSenderStats stats_;
};

struct StateReceiverStats {
  std::uint64_t envelopes = 0;       // envelopes handed to receive()
  std::uint64_t envelope_bytes = 0;  // their total size, bytes
  std::uint64_t received = 0;        // snapshots decoded and kept as states
  std::uint64_t full_received = 0;   // of those, sent whole
  std::uint64_t delta_received = 0;  // of those, deltas
  std::uint64_t stale = 0;           // not newer than the newest kept: ignored
  // Refused: the envelope did not verify, its baseline is not held, the
  // stream did not decode, or the snapshot is not a valid world.
  std::uint64_t bad_envelope = 0;
  std::uint64_t unknown_baseline = 0;
  std::uint64_t bad_stream = 0;
  std::uint64_t bad_world = 0;

  [[nodiscard]] std::uint64_t decode_errors() const noexcept {
    return bad_envelope + unknown_baseline + bad_stream + bad_world;
  }
  // Mean envelope size, bytes; 0 before the first.
  [[nodiscard]] double envelope_bytes_avg() const noexcept {
    return envelopes ? static_cast<double>(envelope_bytes) / static_cast<double>(envelopes) : 0.0;
  }
};

// The client half: the newest states received, oldest first, by tick.
class StateReceiver {
 public:
  static constexpr std::size_t kCapacity = 8;  // states kept for interpolation

  struct Received {
    sim::World world;
    std::uint32_t input_ack = 0;        // newest input tick of ours the server had applied
    std::optional<double> input_slack;  // how early our inputs reached the server, ticks
    std::uint32_t input_received = 0;   // the server holds all our inputs up to this tick
    double arrival_s = 0;               // the caller's clock when it arrived, seconds
  };

  // Makes the snapshot receiver (about 0.6 MB: 32 snapshots kept as baselines).
  StateReceiver();

  // Takes one snapshot envelope from the server. Refused, stale and
  // unusable envelopes are counted in stats(); returns whether a new state
  // was kept.
  bool receive(std::span<const std::uint8_t> envelope, double arrival_s);
  // Forgets every state and snapshot (a new connection).
  void clear();

  // The snapshot tick to acknowledge in the next InputBatch: the newest one
  // kept as a world (a snapshot the engine decoded but the game refused is
  // never acked, so the server never deltas against it); none before the first.
  [[nodiscard]] std::optional<std::uint32_t> ack() const noexcept {
    if (count_ == 0) return std::nullopt;
    return newest()->world.tick;
  }

  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  // i = 0 is the oldest kept, size()-1 the newest. i < size().
  [[nodiscard]] const Received& at(std::size_t i) const noexcept;
  [[nodiscard]] const Received* newest() const noexcept {
    return count_ ? &at(count_ - 1) : nullptr;
  }

  [[nodiscard]] const StateReceiverStats& stats() const noexcept { return stats_; }

 private:
  void sync_stats() noexcept;

  tickwire::SnapshotReceiver snapshots_;
  StateReceiverStats stats_;
  std::array<Received, kCapacity> ring_{};  // about 11 KB each
  sim::World scratch_;                      // a snapshot's world, before it is kept
  std::size_t start_ = 0;
  std::size_t count_ = 0;
};

}  // namespace arena::proto
