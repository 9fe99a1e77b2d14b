// Schema validation, the entity store's ids and the snapshot ring.
#include <gtest/gtest.h>

#include <string>

#include "replication_test_util.hpp"
#include "tickwire/entity_store.hpp"
#include "tickwire/snapshot_codec.hpp"

namespace tickwire {
namespace {

Status validate_one(FieldSpec field) {
  Schema schema;
  schema.add({"thing", {std::move(field)}});
  return schema.validate();
}

TEST(ReplicationSchema, LayoutOfTheTestSchema) {
  Schema schema = test::make_test_schema();
  const Status s = schema.validate();
  ASSERT_TRUE(s) << s.message;
  EXPECT_EQ(schema.type_count(), 3u);
  EXPECT_EQ(schema.type_bits(), 2u);
  const TypeLayout& cube = schema.layout(0);
  EXPECT_EQ(cube.words, 3u + 4u + 1u);
  EXPECT_EQ(cube.components[0].bits, 16);  // 64 m at 1/512 m: 32768 steps
  EXPECT_EQ(cube.components[2].bits, 14);  // 16 m at 1/512 m: 8192 steps
  EXPECT_EQ(cube.components[3].bits, 2);   // largest-component index
  EXPECT_EQ(cube.components[4].bits, 9);
  EXPECT_EQ(cube.full_bits, 16u + 16u + 14u + 2u + 27u + 1u);
  const TypeLayout& ship = schema.layout(1);
  EXPECT_EQ(ship.fields[2].first_word, 3);  // after vec2 and angle
  EXPECT_EQ(ship.components[3].bits, 7);    // health 0..100
  EXPECT_EQ(ship.components[3].max_code, 100u);
  EXPECT_EQ(schema.max_words(), ship.words);
}

TEST(ReplicationSchema, RejectsBadFieldsWithAReadableMessage) {
  struct Case {
    FieldSpec field;
    const char* expect;
  };
  const Case cases[] = {
      {FieldSpec::integer("hp", 5, 5), "min must be below max"},
      {FieldSpec::integer("hp", 0, 1ll << 33), "exceeds 32 bits"},
      {FieldSpec::real("speed", 1, 0, 0.1), "min must be below max"},
      {FieldSpec::real("speed", 0, 1, 0), "resolution"},
      {FieldSpec::real("speed", 0, 1, -1), "resolution"},
      {FieldSpec::real("speed", 0, 1e6, 1e-6), "more than 32 bits"},
      {FieldSpec::vec3("pos", {0, 0, 0}, {1, 1, 0}, 0.1), "component 2"},
      {FieldSpec::angle("yaw", 0), "angle bits"},
      {FieldSpec::angle("yaw", 33), "angle bits"},
      {FieldSpec::quaternion("rot", 4), "quaternion bits"},
      {FieldSpec::quaternion("rot", 25), "quaternion bits"},
  };
  for (const Case& c : cases) {
    const Status s = validate_one(c.field);
    EXPECT_EQ(s.code, Errc::InvalidSettings) << c.field.name;
    EXPECT_NE(s.message.find(c.expect), std::string::npos) << s.message;
    EXPECT_NE(s.message.find("'thing' field '" + c.field.name + "'"), std::string::npos)
        << s.message;
  }
  EXPECT_TRUE(validate_one(FieldSpec::angle("yaw", 32)));
  EXPECT_TRUE(validate_one(FieldSpec::integer("any", INT32_MIN, INT32_MAX)));
}

TEST(ReplicationSchema, RejectsBadTypes) {
  Schema empty;
  EXPECT_FALSE(empty.validate());
  Schema no_fields;
  no_fields.add({"ghost", {}});
  EXPECT_NE(no_fields.validate().message.find("'ghost' has no fields"), std::string::npos);
  Schema wide;
  EntityTypeSpec big{"big", {}};
  for (int i = 0; i < 33; ++i) big.fields.push_back(FieldSpec::boolean("b" + std::to_string(i)));
  wide.add(big);
  EXPECT_NE(wide.validate().message.find("more than 32 fields"), std::string::npos);
  Schema many;
  for (std::uint32_t i = 0; i <= kMaxEntityTypes; ++i) many.add({"t", {FieldSpec::boolean("b")}});
  EXPECT_FALSE(many.validate());
  EXPECT_FALSE(many.validated());
}

TEST(ReplicationSchema, SettingsValidate) {
  EXPECT_TRUE(ReplicationSettings{}.validate());
  EXPECT_FALSE((ReplicationSettings{0, 64}).validate());
  EXPECT_FALSE((ReplicationSettings{kMaxEntities + 1, 64}).validate());
  EXPECT_FALSE((ReplicationSettings{16, 0}).validate());
  EXPECT_FALSE((ReplicationSettings{16, kMaxSnapshotRing + 1}).validate());
}

class ReplicationStore : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(schema.validate()); }
  Schema schema = test::make_test_schema();
};

TEST_F(ReplicationStore, GenerationsKeepStaleIdsOut) {
  EntityStore store(schema, ReplicationSettings{4, 8});
  EntityId ids[4];
  for (auto& id : ids) {
    id = store.create(1);
    ASSERT_TRUE(id.valid());
  }
  EXPECT_FALSE(store.create(1).valid()) << "full";
  EXPECT_EQ(store.size(), 4u);

  const EntityId old = ids[2];
  ASSERT_TRUE(store.set_int(old, 2, 42));
  ASSERT_TRUE(store.destroy(old));
  EXPECT_FALSE(store.destroy(old));
  const EntityId fresh = store.create(0);
  ASSERT_TRUE(fresh.valid());
  EXPECT_EQ(fresh.index(), old.index()) << "the slot is reused";
  EXPECT_NE(fresh, old);
  EXPECT_NE(fresh.generation(), old.generation());

  EXPECT_FALSE(store.alive(old));
  EXPECT_TRUE(store.alive(fresh));
  EXPECT_FALSE(store.set_int(old, 2, 7));
  EXPECT_FALSE(store.get_int(old, 2).has_value());
  EXPECT_FALSE(store.type_of(old).has_value());
  EXPECT_TRUE(store.codes(old).empty());
  EXPECT_FALSE(store.destroy(old));
  EXPECT_TRUE(store.alive(fresh)) << "a stale destroy leaves the new occupant alone";
  EXPECT_FALSE(store.alive(EntityId{}));
  EXPECT_FALSE(store.alive(EntityId::make(9, 1))) << "index beyond capacity";
}

TEST_F(ReplicationStore, GenerationWrapsPastZero) {
  EntityStore store(schema, ReplicationSettings{1, 1});
  EntityId id = store.create(2);
  const EntityId first = id;
  for (std::uint32_t i = 0; i < EntityId::kMaxGeneration + 2; ++i) {
    ASSERT_TRUE(store.destroy(id));
    id = store.create(2);
    ASSERT_TRUE(id.valid()) << "generation 0 is never handed out";
  }
  EXPECT_EQ(id.generation(), first.generation() + 2);
}

TEST_F(ReplicationStore, RejectsWrongFieldsAndTypes) {
  EntityStore store(schema, ReplicationSettings{8, 8});
  EXPECT_FALSE(store.create(3).valid()) << "unknown type";
  const EntityId ship = store.create(1);
  EXPECT_FALSE(store.set_float(ship, 0, 1.0f)) << "field 0 is a vec2";
  EXPECT_FALSE(store.set_bool(ship, 7, true)) << "no field 7";
  EXPECT_FALSE(store.get_quat(ship, 0).has_value());
  EXPECT_TRUE(store.get_quat(ship, 6).has_value());
  const Quat q = *store.get_quat(ship, 6);
  EXPECT_NEAR(q.w, 1.0f, 1e-6f) << "quaternions start at the identity";

  Schema unvalidated = test::make_test_schema();
  EntityStore dead(unvalidated, ReplicationSettings{});
  EXPECT_EQ(dead.capacity(), 0u);
  EXPECT_FALSE(dead.create(0).valid());
}

TEST_F(ReplicationStore, CaptureIsSortedAndExact) {
  const ReplicationSettings settings{64, 4};
  EntityStore store(schema, settings);
  std::mt19937 rng(2);
  test::RandomWorld world{store, rng, {}};
  for (int i = 0; i < 40; ++i) (void)world.create();
  for (int i = 0; i < 10; ++i) world.destroy_random();
  for (int i = 0; i < 5; ++i) (void)world.create();
  Snapshot snap(schema, settings);
  store.capture(77, snap);
  EXPECT_EQ(snap.tick(), 77u);
  EXPECT_EQ(snap.size(), store.size());
  EXPECT_TRUE(test::well_formed(schema, settings, snap));
  for (EntityId id : world.live) {
    const EntityRecord* e = snap.find(id.index());
    ASSERT_NE(e, nullptr);
    EXPECT_EQ(e->id, id);
    const auto a = snap.codes(*e);
    const auto b = store.codes(id);
    EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end()));
  }
}

TEST_F(ReplicationStore, AppendFromCopiesARunWithoutItsStamps) {
  const ReplicationSettings settings{64, 4};
  EntityStore store(schema, settings);
  std::mt19937 rng(5);
  test::RandomWorld world{store, rng, {}};
  for (int i = 0; i < 12; ++i) (void)world.create();
  Snapshot from(schema, settings);
  store.capture(3, from);
  ASSERT_EQ(from.size(), 12u);
  EXPECT_TRUE(from.conforms(schema, settings.max_entities));

  // Entity 0 by hand, then 4 .. 8 in one copy, then 10 by hand again.
  Snapshot to(schema, settings);
  to.clear(3);
  const auto e = from.entities();
  auto one = [&](const EntityRecord& r) {
    const auto src = from.codes(r);
    std::copy(src.begin(), src.end(), to.append(r.id, r.type, r.words).begin());
  };
  one(e[0]);
  ASSERT_TRUE(to.append_from(from, 4, 5));
  EXPECT_TRUE(to.append_from(from, 9, 0)) << "nothing to copy";
  one(e[10]);
  ASSERT_EQ(to.size(), 7u);
  for (std::size_t k = 0; k < 5; ++k) {
    const EntityRecord& got = to.entities()[1 + k];
    EXPECT_EQ(got.id, e[4 + k].id);
    EXPECT_EQ(got.type, e[4 + k].type);
    EXPECT_EQ(got.version, 0u) << "a copy is not the store's capture";
    const auto a = to.codes(got);
    const auto b = from.codes(e[4 + k]);
    EXPECT_TRUE(std::equal(a.begin(), a.end(), b.begin(), b.end()));
  }
  EXPECT_TRUE(test::well_formed(schema, settings, to));
  // Refused, nothing appended: out of `from`, out of index order, too many.
  EXPECT_FALSE(to.append_from(from, 11, 2));
  EXPECT_FALSE(to.append_from(from, 13, 1));
  EXPECT_FALSE(to.append_from(from, 2, 1));
  Snapshot tiny(schema, ReplicationSettings{4, 4});
  tiny.clear(1);
  EXPECT_FALSE(tiny.append_from(from, 0, 5));
  EXPECT_EQ(to.size(), 7u);
  EXPECT_EQ(tiny.size(), 0u);
}

TEST(SnapshotRing, KeepsTheNewestCapacitySnapshots) {
  Schema schema = test::make_test_schema();
  ASSERT_TRUE(schema.validate());
  const ReplicationSettings settings{16, 4};
  EntityStore store(schema, settings);
  SnapshotRing ring(schema, settings);
  EXPECT_EQ(ring.newest(), nullptr);
  const EntityId id = store.create(2);
  for (std::uint32_t tick = 10; tick < 16; ++tick) {
    ASSERT_TRUE(store.set_int(id, 0, tick % 4));
    const Snapshot* s = ring.capture(store, tick);
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->tick(), tick);
  }
  EXPECT_EQ(ring.size(), 4u);
  EXPECT_EQ(ring.newest()->tick(), 15u);
  EXPECT_EQ(ring.find(11), nullptr) << "left the ring";
  ASSERT_NE(ring.find(12), nullptr);
  EXPECT_EQ(ring.find(12)->codes(ring.find(12)->entities()[0])[0], 0u);
  EXPECT_EQ(ring.capture(store, 15), nullptr) << "ticks must increase";
  EXPECT_EQ(ring.capture(store, 3), nullptr);
  EXPECT_NE(ring.capture(store, 16), nullptr);
}

TEST(SnapshotRing, TicksWrap) {
  Schema schema = test::make_test_schema();
  ASSERT_TRUE(schema.validate());
  const ReplicationSettings settings{4, 4};
  EntityStore store(schema, settings);
  SnapshotRing ring(schema, settings);
  ASSERT_NE(ring.capture(store, 0xFFFFFFFEu), nullptr);
  ASSERT_NE(ring.capture(store, 0xFFFFFFFFu), nullptr);
  ASSERT_NE(ring.capture(store, 0), nullptr);
  EXPECT_EQ(ring.newest()->tick(), 0u);
  EXPECT_NE(ring.find(0xFFFFFFFEu), nullptr);
}

}  // namespace
}  // namespace tickwire

namespace tickwire {
namespace {

// A client reads a decoded snapshot with EntityView and gets exactly what the
// server's store returns for the same entity.
TEST(EntityView, ReadsADecodedSnapshotAsTheStoreReadsItself) {
  Schema schema = test::make_test_schema();
  ASSERT_TRUE(schema.validate());
  ReplicationSettings settings;
  EntityStore store(schema, settings);
  std::mt19937 rng(3);
  std::vector<EntityId> ids;
  for (int i = 0; i < 30; ++i) {
    ids.push_back(store.create(static_cast<TypeId>(i % 3)));
    test::randomise(store, ids.back(), rng, false);
  }
  Snapshot sent(schema, settings), got(schema, settings);
  store.capture(9, sent);
  auto codec = make_delta_codec(schema, settings);
  std::vector<std::uint8_t> buffer(codec->max_encoded_bytes());
  const EncodeResult r = codec->encode(sent, nullptr, buffer);
  ASSERT_EQ(r.error, SnapshotError::None);
  ASSERT_EQ(codec->decode({buffer.data(), r.bytes}, nullptr, got), SnapshotError::None);
  for (EntityId id : ids) {
    const EntityRecord* e = got.find(id.index());
    ASSERT_NE(e, nullptr);
    const EntityView v(schema, got, *e);
    switch (e->type) {
      case 0: {
        const Vec3 a = *v.get_vec3(0), b = *store.get_vec3(id, 0);
        EXPECT_EQ(a.x, b.x);
        EXPECT_EQ(a.y, b.y);
        EXPECT_EQ(a.z, b.z);
        const Quat qa = *v.get_quat(1), qb = *store.get_quat(id, 1);
        EXPECT_EQ(qa.w, qb.w);
        EXPECT_EQ(v.get_bool(2), store.get_bool(id, 2));
        EXPECT_FALSE(v.get_vec2(0).has_value()) << "wrong kind";
        break;
      }
      case 1:
        EXPECT_EQ(v.get_vec2(0)->x, store.get_vec2(id, 0)->x);
        EXPECT_EQ(v.get_angle(1), store.get_angle(id, 1));
        EXPECT_EQ(v.get_int(3), store.get_int(id, 3));
        EXPECT_EQ(v.get_float(4), store.get_float(id, 4));
        EXPECT_FALSE(v.get_int(7).has_value()) << "no field 7";
        break;
      default: EXPECT_EQ(v.get_int(0), store.get_int(id, 0));
    }
  }
  // Too few codes, or an unknown type: nothing reads.
  const std::uint32_t two[2] = {1, 2};
  EXPECT_FALSE(EntityView(schema, TypeId{1}, two).get_vec2(0).has_value());
  EXPECT_FALSE(EntityView(schema, TypeId{7}, two).get_int(0).has_value());
  EXPECT_FALSE(store.view(EntityId::make(5, 999)).get_int(0).has_value());
}

}  // namespace
}  // namespace tickwire

namespace tickwire {
namespace {

// Change stamps: a capture records when each entity last changed; setting a
// value an entity already has is no change. Senders rely on equal stamps
// meaning equal codes.
TEST(ReplicationStamps, FollowRealChangesOnly) {
  Schema schema = test::make_test_schema();
  ASSERT_TRUE(schema.validate());
  ReplicationSettings settings;
  EntityStore store(schema, settings);
  const EntityId still = store.create(1), moving = store.create(1), reset = store.create(1);
  ASSERT_TRUE(store.set_vec2(moving, 0, {1, 1}));
  Snapshot a(schema, settings), b(schema, settings);
  store.capture(1, a);
  ASSERT_TRUE(store.set_vec2(still, 0, *store.get_vec2(still, 0)));  // the same value
  ASSERT_TRUE(store.set_vec2(moving, 0, {2, 1}));
  ASSERT_TRUE(store.set_int(reset, 2, 50));  // changed and changed back
  ASSERT_TRUE(store.set_int(reset, 2, 0));
  store.capture(2, b);
  auto version = [](const Snapshot& s, EntityId id) { return s.find(id.index())->version; };
  EXPECT_NE(version(a, still), 0u);
  EXPECT_EQ(version(a, still), version(b, still));
  EXPECT_NE(version(a, moving), version(b, moving));
  EXPECT_NE(version(a, reset), version(b, reset)) << "a stamp may change with the codes equal";
  // The codec skips equal stamps and compares the rest: the delta carries
  // exactly the one real change.
  auto codec = make_delta_codec(schema, settings);
  std::vector<std::uint8_t> buffer(codec->max_encoded_bytes());
  const EncodeResult r = codec->encode(b, &a, buffer);
  ASSERT_EQ(r.error, SnapshotError::None);
  Snapshot out(schema, settings);
  ASSERT_EQ(codec->decode({buffer.data(), r.bytes}, &a, out), SnapshotError::None);
  EXPECT_TRUE(out == b);
  EXPECT_EQ(r.bytes,
            (codec->header_bits(true) - 24 + 5 +
             codec->record_bits(b, b.find(moving.index()), &a, a.find(moving.index())) + 7) /
                8)
      << "one record (its index gap of 1 costs 5 bits)";
}

}  // namespace
}  // namespace tickwire
