// Fuzz target: the range-coded snapshot decoder (make_range_codec), with the
// property fuzz_snapshot checks for the bit-packed one (snapshot_world.hpp,
// decode_round_trip), and canonical: whatever decodes is the encoder's exact
// output for the result.
#include "snapshot_world.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return tickwire::fuzz::decode_round_trip<&tickwire::make_range_codec, true>(data, size);
}
