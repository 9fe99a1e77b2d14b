// The SnapshotSender's parts on their own: the change selection under a byte
// budget (priorities, interest, the top change always going) and the
// history of kept snapshots.
#include <gtest/gtest.h>

#include <vector>

#include "replication/change_selection.hpp"
#include "replication/snapshot_history.hpp"
#include "tickwire/entity_store.hpp"

namespace tickwire {
namespace {

Schema one_type() {
  Schema schema;
  schema.add(
      {"unit",
       {FieldSpec::vec2("pos", {-100, -100}, {100, 100}, 0.01), FieldSpec::integer("hp", 0, 100)}});
  EXPECT_TRUE(schema.validate());
  return schema;
}

struct World {
  Schema schema = one_type();
  ReplicationSettings settings;
  EntityStore store{schema, settings};
  SnapshotRing ring{schema, settings};
  std::unique_ptr<SnapshotCodec> codec = make_codec(schema, settings);
  std::vector<EntityId> ids;
  std::uint32_t tick = 0;

  explicit World(int entities) {
    for (int i = 0; i < entities; ++i) {
      ids.push_back(store.create(0));
      store.set_vec2(ids.back(), 0, {static_cast<float>(i), 0});
    }
  }
  const Snapshot& capture() { return *ring.capture(store, ++tick); }
  void move_all() {
    for (std::size_t i = 0; i < ids.size(); ++i)
      store.set_vec2(ids[i], 0, {static_cast<float>(i), static_cast<float>(tick)});
  }
};

std::uint32_t chosen_count(const ChangeSelection& s, const World& w) {
  std::uint32_t n = 0;
  for (EntityId id : w.ids) n += s.chosen(id.index());
  return n;
}

TEST(ChangeSelection, EverythingGoesWithoutABudget) {
  World w(20);
  ChangeSelection s(*w.codec, w.settings.max_entities);
  const Snapshot& world = w.capture();
  s.collect(world, nullptr, {}, nullptr);
  s.choose(world, nullptr, nullptr, 0, w.codec->header_bits(false));
  EXPECT_EQ(s.candidates(), 20u);
  EXPECT_EQ(chosen_count(s, w), 20u);
  EXPECT_EQ(s.left_out(), 0u);
  Snapshot view(w.schema, w.settings);
  s.build_view(world, nullptr, nullptr, view);
  EXPECT_EQ(view.size(), 20u);
}

TEST(ChangeSelection, ABudgetKeepsTheHighestPrioritiesAndTheRestGainPriority) {
  World w(40);
  ChangeSelection s(*w.codec, w.settings.max_entities);
  // Interest: the first ten weigh 10, the rest 1.
  const InterestFn interest = [&](EntityId id, TypeId) {
    return id.index() < w.ids[10].index() ? 10.0f : 1.0f;
  };
  const Snapshot& world = w.capture();
  s.collect(world, nullptr, interest, nullptr);
  const std::uint32_t header = w.codec->header_bits(false);
  const std::uint32_t one = w.codec->record_bits(world, &world.entities()[0], nullptr, nullptr);
  s.choose(world, nullptr, nullptr, header + 12 * (one + 5), header);
  EXPECT_EQ(chosen_count(s, w), 12u);
  for (int i = 0; i < 10; ++i) EXPECT_TRUE(s.chosen(w.ids[i].index())) << "weight 10 first: " << i;
  EXPECT_EQ(s.left_out(), 28u);
  Snapshot view(w.schema, w.settings);
  s.build_view(world, nullptr, nullptr, view);
  EXPECT_EQ(view.size(), 12u) << "new entities that did not fit are absent";
  EXPECT_EQ(s.commit(), 12u);
  EXPECT_EQ(s.priority(w.ids[0].index()), 0.0f) << "what went starts again";
  EXPECT_EQ(s.priority(w.ids[39].index()), 1.0f) << "what waits keeps what it gained";
}

TEST(ChangeSelection, TheTopChangeAlwaysGoesAndIrrelevantEntitiesAreLeftOut) {
  World w(5);
  ChangeSelection s(*w.codec, w.settings.max_entities);
  const InterestFn only_first = [&](EntityId id, TypeId) { return id == w.ids[0] ? 1.0f : 0.0f; };
  const Snapshot& world = w.capture();
  s.collect(world, nullptr, only_first, nullptr);
  s.choose(world, nullptr, nullptr, 1, w.codec->header_bits(false));  // 1 bit: nothing fits
  EXPECT_EQ(s.candidates(), 1u) << "irrelevant entities are no candidates";
  EXPECT_TRUE(s.chosen(w.ids[0].index())) << "progress: the top change goes anyway";
  Snapshot view(w.schema, w.settings);
  s.build_view(world, nullptr, nullptr, view);
  ASSERT_EQ(view.size(), 1u);
  EXPECT_EQ(view.entities()[0].id, w.ids[0]);
}

TEST(ChangeSelection, TrimLeavesOutMoreButNeverTheTopChange) {
  World w(10);
  ChangeSelection s(*w.codec, w.settings.max_entities);
  const Snapshot& world = w.capture();
  s.collect(world, nullptr, {}, nullptr);
  s.choose(world, nullptr, nullptr, 0, 0);
  EXPECT_EQ(chosen_count(s, w), 10u);
  EXPECT_TRUE(s.trim(world, nullptr, nullptr, 1'000'000));
  EXPECT_EQ(chosen_count(s, w), 1u);
  EXPECT_EQ(s.left_out(), 9u);
  EXPECT_FALSE(s.trim(world, nullptr, nullptr, 1'000'000)) << "nothing more to leave out";
}

TEST(ChangeSelection, UnchangedEntitiesAreNoCandidatesAgainstTheirBaseline) {
  World w(10);
  ChangeSelection s(*w.codec, w.settings.max_entities);
  const Snapshot& first = w.capture();
  Snapshot baseline = first;
  w.store.set_vec2(w.ids[3], 0, {50, 50});
  const Snapshot& second = w.capture();
  s.collect(second, &baseline, {}, nullptr);
  EXPECT_EQ(s.candidates(), 1u);
  s.choose(second, &baseline, nullptr, 0, 0);
  EXPECT_TRUE(s.chosen(w.ids[3].index()));
}

TEST(SnapshotHistory, KeepsTheNewestAndReplacesTheOldest) {
  World w(3);
  ReplicationSettings small = w.settings;
  small.snapshot_ring = 2;
  SnapshotHistory history(w.schema, small);
  EXPECT_EQ(history.newest(), nullptr);
  Snapshot scratch(w.schema, small);
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(scratch.assign(w.capture()));
    const Snapshot& kept = history.keep(scratch);
    EXPECT_EQ(kept.tick(), w.tick);
    EXPECT_EQ(history.newest(), &kept);
  }
  EXPECT_EQ(history.find(1), nullptr) << "replaced";
  ASSERT_NE(history.find(2), nullptr);
  ASSERT_NE(history.find(3), nullptr);
  history.clear();
  EXPECT_EQ(history.find(3), nullptr);
  EXPECT_EQ(history.newest(), nullptr);
}

}  // namespace
}  // namespace tickwire
