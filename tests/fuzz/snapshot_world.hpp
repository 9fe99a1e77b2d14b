// What fuzz_snapshot and the seed maker share: a fixed schema with every
// field kind, and a deterministic world captured at two ticks (the baseline
// the fuzz target decodes against, and a later state).
#pragma once

#include <algorithm>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "tickwire/entity_store.hpp"
#include "tickwire/snapshot_codec.hpp"

namespace tickwire::fuzz {

inline constexpr std::uint32_t kBaselineTick = 100;
inline constexpr std::uint32_t kCurrentTick = 103;

inline Schema snapshot_schema() {
  Schema schema;
  schema.add({"cube",
              {FieldSpec::vec3("position", {-32, -32, 0}, {32, 32, 16}, 1.0 / 512),
               FieldSpec::quaternion("orientation", 9), FieldSpec::boolean("interacting")}});
  schema.add({"ship",
              {FieldSpec::vec2("position", {-100, -100}, {100, 100}, 0.01),
               FieldSpec::angle("heading", 10), FieldSpec::integer("health", 0, 100),
               FieldSpec::real("speed", 0, 50, 0.1), FieldSpec::boolean("alive")}});
  schema.add({"marker", {FieldSpec::integer("colour", 0, 3)}});
  (void)schema.validate();
  return schema;
}

inline const ReplicationSettings kSnapshotSettings{64, 4};

// The world at kBaselineTick into `baseline`, then changed (moves, one
// removal, one creation) at kCurrentTick into `current`.
inline void snapshot_world(const Schema& schema, Snapshot& baseline, Snapshot& current) {
  EntityStore store(schema, kSnapshotSettings);
  EntityId ids[24];
  for (std::uint32_t i = 0; i < 24; ++i) {
    ids[i] = store.create(static_cast<TypeId>(i % 3));
    const auto f = static_cast<float>(i);
    (void)store.set_vec3(ids[i], 0, Vec3{f - 12, 12 - f, f / 3});
    (void)store.set_quat(ids[i], 1, Quat{0.1f * f, 0.2f, -0.3f, 1});
    (void)store.set_vec2(ids[i], 0, Vec2{f * 3, -f});
    (void)store.set_int(ids[i], 2, i * 4);
    (void)store.set_int(ids[i], 0, i % 4);
  }
  store.capture(kBaselineTick, baseline);
  for (std::uint32_t i = 0; i < 24; i += 4) {
    (void)store.set_vec3(ids[i], 0, Vec3{static_cast<float>(i) - 11.9f, 12, 1});
    (void)store.set_vec2(ids[i], 0, Vec2{static_cast<float>(i) * 3 + 0.5f, 2});
  }
  (void)store.destroy(ids[5]);
  (void)store.create(1);
  store.capture(kCurrentTick, current);
}

// The property both snapshot decoder targets check, for the codec `make`
// builds: arbitrary bytes are decoded against a fixed baseline and as a full
// snapshot; whatever decodes must re-encode and decode to the same snapshot,
// or the target traps. With `canonical`, the re-encoded bytes must also be
// the input itself (the range codec accepts only its encoder's exact output).
template <auto make, bool canonical = false>
int decode_round_trip(const std::uint8_t* data, std::size_t size) {
  struct Fixture {
    Schema schema = snapshot_schema();
    Snapshot baseline{schema, kSnapshotSettings};
    Snapshot current{schema, kSnapshotSettings};
    Snapshot out{schema, kSnapshotSettings};
    Snapshot again{schema, kSnapshotSettings};
    std::unique_ptr<SnapshotCodec> codec = make(schema, kSnapshotSettings);
    std::vector<std::uint8_t> buffer = std::vector<std::uint8_t>(codec->max_encoded_bytes());
    Fixture() { snapshot_world(schema, baseline, current); }
  };
  static Fixture f;
  const std::span<const std::uint8_t> bytes(data, size);
  for (const Snapshot* baseline :
       {static_cast<const Snapshot*>(&f.baseline), static_cast<const Snapshot*>(nullptr)}) {
    if (f.codec->decode(bytes, baseline, f.out) != SnapshotError::None) continue;
    const EncodeResult r = f.codec->encode(f.out, baseline, f.buffer);
    if (r.error != SnapshotError::None) __builtin_trap();
    const std::span<const std::uint8_t> encoded(f.buffer.data(), r.bytes);
    if (canonical && !std::equal(encoded.begin(), encoded.end(), bytes.begin(), bytes.end())) {
      // A full stream decodes whatever baseline is offered: then it is the
      // full encoding that must match.
      const EncodeResult full = f.codec->encode(f.out, nullptr, f.buffer);
      if (full.error != SnapshotError::None ||
          !std::equal(f.buffer.begin(), f.buffer.begin() + static_cast<std::ptrdiff_t>(full.bytes),
                      bytes.begin(), bytes.end()))
        __builtin_trap();
      continue;
    }
    if (f.codec->decode(encoded, baseline, f.again) != SnapshotError::None) __builtin_trap();
    if (!(f.again == f.out)) __builtin_trap();
  }
  return 0;
}

}  // namespace tickwire::fuzz
