// Shared by the SnapshotSender tests: a schema of game units and a way to
// move one a little.
#pragma once

#include <gtest/gtest.h>

#include <random>

#include "tickwire/entity_store.hpp"
#include "tickwire/schema.hpp"

namespace tickwire::test {

// One type "unit": pos vec2 in [-100, 100] at 0.01, hp 0..100, heading 10 bits.
inline Schema unit_schema() {
  Schema schema;
  EntityTypeSpec unit;
  unit.name = "unit";
  unit.fields = {FieldSpec::vec2("pos", {-100, -100}, {100, 100}, 0.01),
                 FieldSpec::integer("hp", 0, 100), FieldSpec::angle("heading", 10)};
  EXPECT_EQ(schema.add(unit), 0);
  const Status valid = schema.validate();
  EXPECT_TRUE(valid) << valid.message;
  return schema;
}

// Moves unit `id` by up to 1 m on each axis.
inline void move_randomly(EntityStore& store, EntityId id, std::mt19937& rng) {
  const auto p = *store.get_vec2(id, 0);
  ASSERT_TRUE(store.set_vec2(id, 0,
                             {p.x + static_cast<float>(rng() % 200) / 100.0f - 1.0f,
                              p.y + static_cast<float>(rng() % 200) / 100.0f - 1.0f}));
}

}  // namespace tickwire::test
