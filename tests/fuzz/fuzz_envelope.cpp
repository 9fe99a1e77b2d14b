// Fuzz target: the snapshot envelope reader (FlatBuffers, verified first).
// Whatever it accepts must write back and read again to the same header and
// payload, or the target traps.
#include <cstdint>
#include <vector>

#include "wire/envelope.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tickwire::wire;
  SnapshotHeader header;
  std::span<const std::uint8_t> payload;
  if (read_snapshot_envelope({data, size}, header, payload) != EnvelopeError::Ok) return 0;
  std::vector<std::uint8_t> again;
  write_snapshot_envelope(header, payload, again);
  SnapshotHeader header2;
  std::span<const std::uint8_t> payload2;
  if (read_snapshot_envelope(again, header2, payload2) != EnvelopeError::Ok) __builtin_trap();
  if (header2.tick != header.tick || header2.baseline_tick != header.baseline_tick ||
      header2.has_baseline != header.has_baseline ||
      header2.acked_input_tick != header.acked_input_tick ||
      header2.server_time_us != header.server_time_us ||
      !std::equal(payload.begin(), payload.end(), payload2.begin(), payload2.end()))
    __builtin_trap();
  return 0;
}
