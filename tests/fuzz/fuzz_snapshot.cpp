// Fuzz target: the bit-packed snapshot decoder (make_delta_codec). Arbitrary
// bytes are decoded against a fixed baseline (and as a full snapshot).
// Whatever decodes must re-encode and decode to the same snapshot, or the
// target traps (snapshot_world.hpp, decode_round_trip).
#include "snapshot_world.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return tickwire::fuzz::decode_round_trip<&tickwire::make_delta_codec>(data, size);
}
