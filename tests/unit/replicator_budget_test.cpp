// The per-client byte budget, the priority accumulator and the interest hook
// of SnapshotSender, over a lossless in-memory link with immediate acks.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>

#include "tickwire/replicator.hpp"

namespace tickwire {
namespace {

Schema unit_schema() {
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

// One server with one client: each step captures, encodes, delivers the
// envelope at once and acks what the client then holds.
struct Pair {
  explicit Pair(const ReplicationSettings& s)
      : settings(s), store(schema, s), ring(schema, s), sender(schema, s), receiver(schema, s) {}

  // Returns the stream bytes this snapshot cost.
  std::uint64_t step(std::uint32_t tick, bool deliver = true) {
    EXPECT_NE(ring.capture(store, tick), nullptr);
    const std::uint64_t before = sender.stats().stream_bytes;
    std::vector<std::uint8_t> envelope;
    EXPECT_EQ(sender.encode(*ring.newest(), 0, 0, envelope), SnapshotError::none);
    if (deliver) {
      EXPECT_NE(receiver.receive(envelope), nullptr);
      if (auto ack = receiver.ack()) sender.acknowledge(*ack);
    }
    return sender.stats().stream_bytes - before;
  }

  // Whether the client holds `id` with exactly the store's codes.
  [[nodiscard]] bool holds_current(EntityId id) const {
    const Snapshot* mine = receiver.newest();
    if (mine == nullptr) return false;
    const EntityRecord* e = mine->find(id.index());
    if (e == nullptr || e->id != id) return false;
    return std::ranges::equal(mine->codes(*e), store.codes(id));
  }
  [[nodiscard]] bool holds(EntityId id) const {
    const Snapshot* mine = receiver.newest();
    const EntityRecord* e = mine != nullptr ? mine->find(id.index()) : nullptr;
    return e != nullptr && e->id == id;
  }

  Schema schema = unit_schema();
  ReplicationSettings settings;
  EntityStore store;
  SnapshotRing ring;
  SnapshotSender sender;
  SnapshotReceiver receiver;
};

void move_randomly(EntityStore& store, EntityId id, std::mt19937& rng) {
  const auto p = *store.get_vec2(id, 0);
  ASSERT_TRUE(store.set_vec2(id, 0,
                             {p.x + static_cast<float>(rng() % 200) / 100.0f - 1.0f,
                              p.y + static_cast<float>(rng() % 200) / 100.0f - 1.0f}));
}

TEST(ReplicatorBudget, EverythingArrivesHighPriorityFirstAndNoSnapshotExceedsTheBudget) {
  ReplicationSettings settings;
  settings.budget_bytes = 128;
  Pair pair(settings);
  std::vector<EntityId> ids;
  for (int i = 0; i < 200; ++i) {
    const EntityId id = pair.store.create(0);
    ASSERT_TRUE(pair.store.set_vec2(id, 0, {static_cast<float>(i) - 90.0f, 3.5f}));
    ASSERT_TRUE(pair.store.set_int(id, 1, 100 - i % 50));
    ids.push_back(id);
  }
  // Every 10th entity (spread over the index range) matters 20 times more.
  auto important = [](EntityId id) { return id.index() % 10 == 7; };
  pair.sender.set_interest([&](EntityId id, TypeId) { return important(id) ? 20.0f : 1.0f; });

  std::map<std::uint32_t, std::uint32_t> arrived;  // index -> first tick held
  std::uint32_t tick = 1;
  for (; tick <= 200 && arrived.size() < ids.size(); ++tick) {
    EXPECT_LE(pair.step(tick), settings.budget_bytes) << "tick " << tick;
    for (EntityId id : ids)
      if (pair.holds_current(id) && !arrived.contains(id.index())) arrived[id.index()] = tick;
  }
  ASSERT_EQ(arrived.size(), ids.size()) << "everything arrives eventually";
  EXPECT_GT(tick, 3u) << "the budget must have spread the world over several snapshots";
  EXPECT_GT(pair.sender.stats().entities_deferred, 0u);
  std::uint32_t last_important = 0, first_other = ~0u;
  for (auto [index, at] : arrived) {
    if (index % 10 == 7)
      last_important = std::max(last_important, at);
    else
      first_other = std::min(first_other, at);
  }
  EXPECT_LE(last_important, first_other) << "the important ones go first";
}

TEST(ReplicatorBudget, AMovingWorldStarvesNoEntityAndConvergesWhenItStops) {
  ReplicationSettings settings;
  settings.budget_bytes = 200;
  Pair pair(settings);
  std::mt19937 rng(7);
  std::vector<EntityId> ids;
  for (int i = 0; i < 120; ++i) ids.push_back(pair.store.create(0));
  // Half the entities are twice as important; all move every tick, far more
  // than 200 bytes a tick can carry.
  pair.sender.set_interest([](EntityId id, TypeId) { return id.index() % 2 ? 2.0f : 1.0f; });
  std::map<std::uint32_t, std::uint32_t> last_current;  // index -> last tick held exactly
  std::uint32_t worst_wait = 0;
  std::uint32_t tick = 1;
  for (; tick <= 400; ++tick) {
    for (EntityId id : ids) move_randomly(pair.store, id, rng);
    EXPECT_LE(pair.step(tick), settings.budget_bytes);
    if (tick < 50) continue;  // the first full picture takes a while
    // An entity is "fresh" when the client's copy was its world state of some
    // tick in the last N: the client's copy equals the world snapshot of the
    // tick it was last sent. Check staleness through the ring's history.
    const Snapshot* mine = pair.receiver.newest();
    ASSERT_NE(mine, nullptr);
    for (EntityId id : ids) {
      const EntityRecord* e = mine->find(id.index());
      ASSERT_NE(e, nullptr) << "every entity is held once the first picture is in";
      // Find the newest past tick whose world state the client's copy equals.
      std::uint32_t age = 0;
      for (; age < settings.snapshot_ring - 1; ++age) {
        const Snapshot* past = pair.ring.find(tick - age);
        if (past == nullptr) break;
        const EntityRecord* p = past->find(id.index());
        if (p != nullptr && std::ranges::equal(past->codes(*p), mine->codes(*e))) break;
      }
      worst_wait = std::max(worst_wait, age);
    }
  }
  // 120 changes a tick against a budget of about 25: an entity waits a few
  // ticks, never forever (the accumulator lifts whatever waited longest).
  EXPECT_GT(worst_wait, 1u);
  EXPECT_LT(worst_wait, 20u);
  // The world stops moving: within a few snapshots the client has all of it.
  std::uint32_t converged = 0;
  for (std::uint32_t t = tick; t < tick + 30 && converged == 0; ++t) {
    pair.step(t);
    if (*pair.receiver.newest() == *pair.ring.newest()) converged = t;
  }
  EXPECT_NE(converged, 0u);
}

TEST(ReplicatorBudget, AZeroBudgetMeansNoLimit) {
  ReplicationSettings settings;
  settings.budget_bytes = 0;
  Pair pair(settings);
  for (int i = 0; i < 300; ++i) pair.store.create(0);
  EXPECT_GT(pair.step(1), 1200u);
  EXPECT_TRUE(*pair.receiver.newest() == *pair.ring.newest());
  EXPECT_EQ(pair.sender.stats().entities_deferred, 0u);
  settings.budget_bytes = 63;
  EXPECT_FALSE(settings.validate());
  settings.budget_bytes = kMinBudgetBytes;
  EXPECT_TRUE(settings.validate());
}

TEST(ReplicatorBudget, OneEntityLargerThanTheBudgetStillGoes) {
  Schema schema;
  EntityTypeSpec big;
  big.name = "big";
  for (int f = 0; f < 32; ++f)
    big.fields.push_back(FieldSpec::integer("f" + std::to_string(f), 0, 0xFFFFFFF));
  schema.add(big);
  ASSERT_TRUE(schema.validate());
  ReplicationSettings settings;
  settings.budget_bytes = kMinBudgetBytes;  // 512 bits; one entity is about 900
  EntityStore store(schema, settings);
  SnapshotRing ring(schema, settings);
  SnapshotSender sender(schema, settings);
  SnapshotReceiver receiver(schema, settings);
  for (int i = 0; i < 3; ++i) {
    const EntityId id = store.create(0);
    for (std::uint32_t f = 0; f < 32; ++f) store.set_int(id, f, 0xFFFFFFF - i - f);
  }
  std::vector<std::uint8_t> envelope;
  for (std::uint32_t tick = 1; tick <= 3; ++tick) {
    ring.capture(store, tick);
    ASSERT_EQ(sender.encode(*ring.newest(), 0, 0, envelope), SnapshotError::none);
    const Snapshot* got = receiver.receive(envelope);
    ASSERT_NE(got, nullptr);
    EXPECT_EQ(got->size(), tick) << "one entity a snapshot";
    sender.acknowledge(tick);
  }
  EXPECT_TRUE(*receiver.newest() == *ring.newest());
}

TEST(ReplicatorInterest, EntitiesLeavingRelevanceAreRemovedAndComeBackWhole) {
  ReplicationSettings settings;
  Pair pair(settings);
  std::vector<EntityId> ids;
  for (int i = 0; i < 20; ++i) {
    const EntityId id = pair.store.create(0);
    ASSERT_TRUE(pair.store.set_vec2(id, 0, {static_cast<float>(i * 10 - 95), 0}));
    ids.push_back(id);
  }
  // This client sees only what is left of x = 0.
  pair.sender.set_interest(
      [&](EntityId id, TypeId) { return pair.store.get_vec2(id, 0)->x < 0 ? 1.0f : 0.0f; });
  auto check_view = [&](std::uint32_t tick) {
    for (EntityId id : ids) {
      const bool relevant = pair.store.get_vec2(id, 0)->x < 0;
      if (relevant)
        EXPECT_TRUE(pair.holds_current(id)) << "tick " << tick << " entity " << id.index();
      else
        EXPECT_FALSE(pair.holds(id)) << "tick " << tick << " entity " << id.index();
    }
  };
  pair.step(1);
  check_view(1);
  EXPECT_EQ(pair.receiver.newest()->size(), 10u);
  // Everything moves right by 30: three leave, three others come in.
  for (EntityId id : ids) {
    const auto p = *pair.store.get_vec2(id, 0);
    ASSERT_TRUE(pair.store.set_vec2(id, 0, {p.x + 30, p.y + 1}));
  }
  pair.step(2);
  check_view(2);
  EXPECT_EQ(pair.receiver.newest()->size(), 7u);
  // Back again: those that left return with their current state.
  for (EntityId id : ids) {
    const auto p = *pair.store.get_vec2(id, 0);
    ASSERT_TRUE(pair.store.set_vec2(id, 0, {p.x - 30, p.y + 1}));
  }
  pair.step(3);
  check_view(3);
  EXPECT_EQ(pair.receiver.newest()->size(), 10u);
  // A destroyed entity and a new one in its slot: the client follows.
  ASSERT_TRUE(pair.store.destroy(ids[0]));
  const EntityId reborn = pair.store.create(0);
  ASSERT_EQ(reborn.index(), ids[0].index());
  ASSERT_TRUE(pair.store.set_vec2(reborn, 0, {-50, 7}));
  ids[0] = reborn;
  pair.step(4);
  check_view(4);
}

TEST(ReplicatorInterest, EachClientGetsItsOwnView) {
  const Schema schema = unit_schema();
  ReplicationSettings settings;
  EntityStore store(schema, settings);
  SnapshotRing ring(schema, settings);
  for (int i = 0; i < 10; ++i) store.create(0);
  SnapshotSender even(schema, settings), odd(schema, settings);
  SnapshotReceiver even_rx(schema, settings), odd_rx(schema, settings);
  even.set_interest([](EntityId id, TypeId) { return id.index() % 2 == 0 ? 1.0f : 0.0f; });
  odd.set_interest([](EntityId id, TypeId) { return id.index() % 2 == 1 ? 1.0f : -1.0f; });
  std::vector<std::uint8_t> envelope;
  for (std::uint32_t tick = 1; tick <= 3; ++tick) {
    ring.capture(store, tick);
    ASSERT_EQ(even.encode(*ring.newest(), 0, 0, envelope), SnapshotError::none);
    ASSERT_NE(even_rx.receive(envelope), nullptr);
    even.acknowledge(*even_rx.ack());
    ASSERT_EQ(odd.encode(*ring.newest(), 0, 0, envelope), SnapshotError::none);
    ASSERT_NE(odd_rx.receive(envelope), nullptr);
    odd.acknowledge(*odd_rx.ack());
  }
  ASSERT_EQ(even_rx.newest()->size(), 5u);
  ASSERT_EQ(odd_rx.newest()->size(), 5u);
  for (const EntityRecord& e : even_rx.newest()->entities()) EXPECT_EQ(e.id.index() % 2, 0u);
  for (const EntityRecord& e : odd_rx.newest()->entities()) EXPECT_EQ(e.id.index() % 2, 1u);
  EXPECT_TRUE(*even.sent(3) == *even_rx.newest());
}

TEST(ReplicatorCodec, RecordBitsMatchTheEncodedSize) {
  const Schema schema = unit_schema();
  ReplicationSettings settings;
  EntityStore store(schema, settings);
  const EntityId id = store.create(0);  // index 0: its gap costs 1 bit
  ASSERT_TRUE(store.set_vec2(id, 0, {12.5f, -3}));
  ASSERT_TRUE(store.set_int(id, 1, 77));
  Snapshot a(schema, settings), b(schema, settings);
  store.capture(1, a);
  auto codec = make_delta_codec(schema, settings);
  std::vector<std::uint8_t> out(codec->max_encoded_bytes());
  auto check = [&](const Snapshot& cur, const Snapshot* base) {
    const EncodeResult r = codec->encode(cur, base, out);
    ASSERT_EQ(r.error, SnapshotError::none);
    const EntityRecord* c = cur.find(0);
    const EntityRecord* o = base != nullptr ? base->find(0) : nullptr;
    const std::uint32_t bits =
        codec->header_bits(base != nullptr) + 1 + codec->record_bits(cur, c, base, o);
    EXPECT_EQ(r.bytes, (bits + 7) / 8);
  };
  check(a, nullptr);  // a create in a full snapshot
  ASSERT_TRUE(store.set_vec2(id, 0, {12.75f, -3}));
  store.capture(2, b);
  check(b, &a);  // an update
  ASSERT_TRUE(store.set_vec2(id, 0, {-99.0f, 99}));
  ASSERT_TRUE(store.set_angle(id, 2, 2.0f));
  store.capture(3, b);
  check(b, &a);  // a bigger update
  ASSERT_TRUE(store.destroy(id));
  store.capture(4, b);
  const EncodeResult r = codec->encode(b, &a, out);
  ASSERT_EQ(r.error, SnapshotError::none);
  EXPECT_EQ(r.bytes,
            (codec->header_bits(true) + 1 + codec->record_bits(b, nullptr, &a, a.find(0)) + 7) / 8);
}

}  // namespace
}  // namespace tickwire

namespace tickwire {
namespace {

// Senders sharing a SnapshotEncodeCache: clients in the same state get the
// same stream, coded once; clients in another state are not confused with
// them; every client stays exact.
TEST(ReplicatorCache, SharesStreamsOnlyBetweenClientsInTheSameState) {
  const Schema schema = unit_schema();
  ReplicationSettings settings;
  settings.budget_bytes = 160;  // the budget binds: views differ from the world
  EntityStore store(schema, settings);
  SnapshotRing ring(schema, settings);
  SnapshotEncodeCache cache(schema, settings);
  std::mt19937 rng(5);
  std::vector<EntityId> ids;
  for (int i = 0; i < 80; ++i) ids.push_back(store.create(0));
  constexpr int kClients = 4;
  std::vector<std::unique_ptr<SnapshotSender>> senders;
  std::vector<std::unique_ptr<SnapshotReceiver>> receivers;
  for (int c = 0; c < kClients; ++c) {
    senders.push_back(std::make_unique<SnapshotSender>(schema, settings));
    senders.back()->set_cache(&cache);
    receivers.push_back(std::make_unique<SnapshotReceiver>(schema, settings));
  }
  // Client 3 sees only even entities; client 2 loses every third snapshot.
  senders[3]->set_interest([](EntityId id, TypeId) { return id.index() % 2 == 0 ? 1.0f : 0.0f; });
  std::vector<std::uint8_t> envelopes[kClients];
  for (std::uint32_t tick = 1; tick <= 200; ++tick) {
    for (std::size_t k = 0; k < ids.size(); k += 3) move_randomly(store, ids[k], rng);
    ASSERT_NE(ring.capture(store, tick), nullptr);
    for (int c = 0; c < kClients; ++c) {
      ASSERT_EQ(senders[c]->encode(*ring.newest(), 0, 0, envelopes[c]), SnapshotError::none);
      if (c == 2 && tick % 3 == 0) continue;
      const Snapshot* got = receivers[c]->receive(envelopes[c]);
      ASSERT_NE(got, nullptr) << "client " << c << " tick " << tick;
      ASSERT_TRUE(*got == *senders[c]->sent(tick)) << "client " << c << " tick " << tick;
      senders[c]->acknowledge(tick);
    }
    EXPECT_EQ(envelopes[0], envelopes[1]) << "same state, same stream";
  }
  EXPECT_EQ(senders[0]->stats().cache_hits, 0u) << "the first client codes";
  EXPECT_EQ(senders[1]->stats().cache_hits, 200u) << "its twin never does";
  EXPECT_LT(senders[2]->stats().cache_hits, 200u);
  EXPECT_EQ(senders[3]->stats().cache_hits, 0u) << "another view is never taken for this one";
  EXPECT_EQ(cache.hits(), senders[1]->stats().cache_hits + senders[2]->stats().cache_hits);
  // Once the world stops, everyone converges on what it may see.
  for (std::uint32_t tick = 201; tick <= 260; ++tick) {
    ring.capture(store, tick);
    for (int c = 0; c < kClients; ++c) {
      ASSERT_EQ(senders[c]->encode(*ring.newest(), 0, 0, envelopes[c]), SnapshotError::none);
      ASSERT_NE(receivers[c]->receive(envelopes[c]), nullptr);
      senders[c]->acknowledge(tick);
    }
  }
  for (int c = 0; c < 3; ++c) EXPECT_TRUE(*receivers[c]->newest() == *ring.newest()) << c;
  EXPECT_EQ(receivers[3]->newest()->size(), 40u);
}

}  // namespace
}  // namespace tickwire

namespace tickwire {
namespace {

TEST(ReplicatorSender, RefusesAWorldThatDoesNotFitTheSchema) {
  const Schema schema = unit_schema();
  ReplicationSettings settings;
  SnapshotSender sender(schema, settings);
  Snapshot world(schema, settings);
  world.clear(1);
  auto codes =
      world.append(EntityId::make(3, 1), 0, static_cast<std::uint16_t>(schema.layout(0).words));
  ASSERT_FALSE(codes.empty());
  codes[2] = 101;  // hp is 0..100
  std::vector<std::uint8_t> envelope;
  EXPECT_EQ(sender.encode(world, 0, 0, envelope), SnapshotError::bad_snapshot);
  codes[2] = 100;
  EXPECT_EQ(sender.encode(world, 0, 0, envelope), SnapshotError::none) << "now it does";
  EXPECT_TRUE(world.conforms(schema, settings.max_entities));
  EXPECT_FALSE(world.conforms(schema, 3)) << "index 3 is beyond 3 entities";
}

}  // namespace
}  // namespace tickwire
