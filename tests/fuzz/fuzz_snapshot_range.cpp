// Fuzz target: the range-coded snapshot decoder (make_range_codec), as
// fuzz_snapshot does the bit-packed one. Arbitrary bytes are decoded against a
// fixed baseline (and as a full snapshot). Whatever decodes must re-encode and
// decode to the same snapshot, or the target traps.
#include <cstdint>
#include <vector>

#include "snapshot_world.hpp"

namespace {
struct Fixture {
  tickwire::Schema schema = tickwire::fuzz::snapshot_schema();
  tickwire::Snapshot baseline{schema, tickwire::fuzz::kSnapshotSettings};
  tickwire::Snapshot current{schema, tickwire::fuzz::kSnapshotSettings};
  tickwire::Snapshot out{schema, tickwire::fuzz::kSnapshotSettings};
  tickwire::Snapshot again{schema, tickwire::fuzz::kSnapshotSettings};
  std::unique_ptr<tickwire::SnapshotCodec> codec =
      tickwire::make_range_codec(schema, tickwire::fuzz::kSnapshotSettings);
  std::vector<std::uint8_t> buffer = std::vector<std::uint8_t>(codec->max_encoded_bytes());

  Fixture() { tickwire::fuzz::snapshot_world(schema, baseline, current); }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tickwire;
  static Fixture f;
  const std::span<const std::uint8_t> bytes(data, size);
  for (const Snapshot* baseline :
       {static_cast<const Snapshot*>(&f.baseline), static_cast<const Snapshot*>(nullptr)}) {
    if (f.codec->decode(bytes, baseline, f.out) != SnapshotError::none) continue;
    const EncodeResult r = f.codec->encode(f.out, baseline, f.buffer);
    if (r.error != SnapshotError::none) __builtin_trap();
    const std::span<const std::uint8_t> encoded(f.buffer.data(), r.bytes);
    if (f.codec->decode(encoded, baseline, f.again) != SnapshotError::none) __builtin_trap();
    if (!(f.again == f.out)) __builtin_trap();
  }
  return 0;
}
