// The FlatBuffers envelope a snapshot rides in (schemas/snapshot.fbs).
// Internal to the engine. Reading never trusts the bytes: the FlatBuffers
// verifier runs first, with bounds on depth, tables and size.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

namespace tickwire::wire {

// input_slack when the server reports none.
inline constexpr std::int16_t kNoInputSlack = -32768;

struct SnapshotHeader {
  std::uint32_t tick = 0;
  std::uint32_t baseline_tick = 0;  // meaningful when has_baseline
  bool has_baseline = false;
  std::uint32_t acked_input_tick = 0;
  std::uint64_t server_time_us = 0;
  std::int16_t input_slack = kNoInputSlack;  // 1/16 ticks
  std::uint32_t input_received_tick = 0;     // 0: not reported
};

// Largest envelope accepted, bytes (a snapshot larger than this is refused
// when read; the replication layer keeps its streams well below).
inline constexpr std::size_t kMaxEnvelopeBytes = 1u << 20;

// Serialises header and payload into `out` (replaced).
void write_snapshot_envelope(const SnapshotHeader& header, std::span<const std::uint8_t> payload,
                             std::vector<std::uint8_t>& out);

enum class EnvelopeError : std::uint8_t { Ok, TooLarge, NotVerified, MissingPayload };

// Reads an envelope; on success `payload` points into `bytes`.
EnvelopeError read_snapshot_envelope(std::span<const std::uint8_t> bytes, SnapshotHeader& header,
                                     std::span<const std::uint8_t>& payload);

}  // namespace tickwire::wire
