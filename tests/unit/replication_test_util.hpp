// Shared fixtures of the replication tests: a schema with every field kind,
// a random mutator for worlds of entities, and a checked decode.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <span>
#include <vector>

#include "tickwire/entity_store.hpp"
#include "tickwire/snapshot_codec.hpp"

namespace tickwire::test {

// Type 0 "cube": Fiedler's cube (position at ~512 values per metre, smallest
// three with 9 bits, interacting flag). Type 1 "ship": one field of every
// other kind. Type 2 "marker": a single 2-bit integer.
inline Schema make_test_schema() {
  Schema schema;
  schema.add({"cube",
              {FieldSpec::vec3("position", {-32, -32, 0}, {32, 32, 16}, 1.0 / 512),
               FieldSpec::quaternion("orientation", 9), FieldSpec::boolean("interacting")}});
  schema.add({"ship",
              {FieldSpec::vec2("position", {-100, -100}, {100, 100}, 0.01),
               FieldSpec::angle("heading", 10), FieldSpec::integer("health", 0, 100),
               FieldSpec::integer("score", -1000, 100000), FieldSpec::real("speed", 0, 50, 0.1),
               FieldSpec::boolean("alive"), FieldSpec::quaternion("turret", 12)}});
  schema.add({"marker", {FieldSpec::integer("colour", 0, 3)}});
  return schema;
}

inline Quat random_quat(std::mt19937& rng) {
  std::normal_distribution<float> n(0, 1);
  Quat q{n(rng), n(rng), n(rng), n(rng)};
  const float len = std::sqrt(q.x * q.x + q.y * q.y + q.z * q.z + q.w * q.w);
  if (len < 1e-3f) return Quat{};
  return Quat{q.x / len, q.y / len, q.z / len, q.w / len};
}

// Sets every field of `id` to a random value; with `small`, positions move by
// a few centimetres from where they are (the common case of a delta).
inline void randomise(EntityStore& store, EntityId id, std::mt19937& rng, bool small) {
  std::uniform_real_distribution<float> u(0, 1);
  auto r = [&](float lo, float hi) { return lo + (hi - lo) * u(rng); };
  switch (*store.type_of(id)) {
    case 0: {
      Vec3 p{r(-32, 32), r(-32, 32), r(0, 16)};
      if (small) {
        const Vec3 old = *store.get_vec3(id, 0);
        p = Vec3{old.x + r(-0.05f, 0.05f), old.y + r(-0.05f, 0.05f), old.z};
      }
      (void)store.set_vec3(id, 0, p);
      if (!small || u(rng) < 0.5f) (void)store.set_quat(id, 1, random_quat(rng));
      (void)store.set_bool(id, 2, u(rng) < 0.5f);
      break;
    }
    case 1: {
      Vec2 p{r(-100, 100), r(-100, 100)};
      if (small) {
        const Vec2 old = *store.get_vec2(id, 0);
        p = Vec2{old.x + r(-0.3f, 0.3f), old.y + r(-0.3f, 0.3f)};
      }
      (void)store.set_vec2(id, 0, p);
      (void)store.set_angle(id, 1, r(-10, 10));
      (void)store.set_int(id, 2, static_cast<std::int64_t>(r(-10, 110)));
      if (!small) (void)store.set_int(id, 3, static_cast<std::int64_t>(r(-1000, 100000)));
      (void)store.set_float(id, 4, r(0, 50));
      (void)store.set_bool(id, 5, u(rng) < 0.9f);
      if (!small) (void)store.set_quat(id, 6, random_quat(rng));
      break;
    }
    default: (void)store.set_int(id, 0, static_cast<std::int64_t>(r(0, 4))); break;
  }
}

// Fiedler's cubes: `n` cubes of type 0 at random poses.
inline std::vector<EntityId> make_cubes(EntityStore& store, std::mt19937& rng, int n) {
  std::vector<EntityId> cubes;
  for (int i = 0; i < n; ++i) {
    cubes.push_back(store.create(0));
    randomise(store, cubes.back(), rng, false);
  }
  return cubes;
}
// A copy of `store` where `fraction` of the cubes (spread evenly) moved a little.
inline EntityStore move_cubes(const EntityStore& store, const std::vector<EntityId>& cubes,
                              double fraction, std::mt19937& rng) {
  EntityStore moved = store;
  for (std::size_t i = 0; i < cubes.size(); ++i)
    if (static_cast<double>(i % 100) < fraction * 100) randomise(moved, cubes[i], rng, true);
  return moved;
}

// A world that changes at random: creations, destructions and changes.
struct RandomWorld {
  EntityStore& store;
  std::mt19937& rng;
  std::vector<EntityId> live;

  EntityId create() {
    const auto type = static_cast<TypeId>(std::uniform_int_distribution<int>(0, 2)(rng));
    const EntityId id = store.create(type);
    if (id.valid()) {
      randomise(store, id, rng, false);
      live.push_back(id);
    }
    return id;
  }
  void destroy_random() {
    if (live.empty()) return;
    const std::size_t i = std::uniform_int_distribution<std::size_t>(0, live.size() - 1)(rng);
    (void)store.destroy(live[i]);
    live[i] = live.back();
    live.pop_back();
  }
  // Each live entity changes with probability `p` (half small moves).
  void step(double p_change, int creates, int destroys) {
    std::uniform_real_distribution<double> u(0, 1);
    for (EntityId id : live)
      if (u(rng) < p_change) randomise(store, id, rng, u(rng) < 0.5);
    for (int i = 0; i < destroys; ++i) destroy_random();
    for (int i = 0; i < creates; ++i) (void)create();
  }
};

// True when `s` could be a snapshot of this schema and settings: indices
// increasing and in range, known types, valid generations, codes in range.
inline bool well_formed(const Schema& schema, const ReplicationSettings& settings,
                        const Snapshot& s) {
  if (s.size() > settings.max_entities) return false;
  std::int64_t prev = -1;
  for (const EntityRecord& e : s.entities()) {
    if (static_cast<std::int64_t>(e.id.index()) <= prev) return false;
    prev = e.id.index();
    if (e.id.index() >= settings.max_entities || !e.id.valid()) return false;
    if (e.type >= schema.type_count() || e.words != schema.layout(e.type).words) return false;
    const auto codes = s.codes(e);
    for (std::size_t k = 0; k < codes.size(); ++k)
      if (codes[k] > schema.layout(e.type).components[k].max_code) return false;
  }
  return true;
}

// Two snapshots of a small random world: 24 entities at tick 20, then tick 23
// after 30 % of them changed and a few were created or destroyed. Their
// streams are a few hundred bytes.
struct SmallPair {
  SmallPair(const Schema& schema, const ReplicationSettings& settings)
      : store(schema, settings), base(schema, settings), cur(schema, settings) {
    std::mt19937 rng(8);
    RandomWorld world{store, rng, {}};
    for (int i = 0; i < 24; ++i) (void)world.create();
    store.capture(20, base);
    world.step(0.3, 3, 3);
    store.capture(23, cur);
  }
  EntityStore store;
  Snapshot base, cur;
};

// Decodes `bytes` into `out`: either an error with a cause, `out` left empty,
// or a well-formed snapshot.
inline SnapshotError checked_decode(SnapshotCodec& codec, const Schema& schema,
                                    const ReplicationSettings& settings,
                                    std::span<const std::uint8_t> bytes, const Snapshot* baseline,
                                    Snapshot& out) {
  const SnapshotError e = codec.decode(bytes, baseline, out);
  if (e == SnapshotError::None) {
    EXPECT_TRUE(well_formed(schema, settings, out));
  } else {
    EXPECT_EQ(out.size(), 0u) << "left empty on error";
  }
  return e;
}

// A codec fixture `Base` (with schema, settings and codec) plus SmallPair's
// snapshots and check(), a checked decode into `out`.
template <typename Base>
class WithSmallPair : public Base {
 protected:
  void SetUp() override {
    Base::SetUp();
    const SmallPair pair(this->schema, this->settings);
    base = pair.base;
    cur = pair.cur;
    out = Snapshot(this->schema, this->settings);
  }
  SnapshotError check(std::span<const std::uint8_t> bytes, const Snapshot* baseline) {
    return checked_decode(*this->codec, this->schema, this->settings, bytes, baseline, out);
  }
  Snapshot base, cur, out;
};

}  // namespace tickwire::test
