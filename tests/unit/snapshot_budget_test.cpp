// The per-client byte budget, the priority accumulator and the interest hook
// of SnapshotSender, over a lossless in-memory link with immediate acks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <deque>
#include <map>
#include <random>

#include "snapshot_test_world.hpp"
#include "tickwire/snapshot_stream.hpp"

namespace tickwire {
namespace {

using test::move_randomly;
using test::unit_schema;

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
    EXPECT_EQ(sender.encode(*ring.newest(), 0, 0, envelope), SnapshotError::None);
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
  for (int i = 0; i < 1000; ++i) pair.store.create(0);
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
    ASSERT_EQ(sender.encode(*ring.newest(), 0, 0, envelope), SnapshotError::None);
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
    ASSERT_EQ(even.encode(*ring.newest(), 0, 0, envelope), SnapshotError::None);
    ASSERT_NE(even_rx.receive(envelope), nullptr);
    even.acknowledge(*even_rx.ack());
    ASSERT_EQ(odd.encode(*ring.newest(), 0, 0, envelope), SnapshotError::None);
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
  // header_bits() budgets for the longest baseline-age code (33 bits); an age
  // under 256 takes 9.
  auto header = [&](bool delta) { return codec->header_bits(delta) - (delta ? 24 : 0); };
  auto check = [&](const Snapshot& cur, const Snapshot* base) {
    const EncodeResult r = codec->encode(cur, base, out);
    ASSERT_EQ(r.error, SnapshotError::None);
    const EntityRecord* c = cur.find(0);
    const EntityRecord* o = base != nullptr ? base->find(0) : nullptr;
    const std::uint32_t bits = header(base != nullptr) + 1 + codec->record_bits(cur, c, base, o);
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
  ASSERT_EQ(r.error, SnapshotError::None);
  EXPECT_EQ(r.bytes, (header(true) + 1 + codec->record_bits(b, nullptr, &a, a.find(0)) + 7) / 8);
}

}  // namespace
}  // namespace tickwire

namespace tickwire {
namespace {

// Senders sharing a SnapshotEncodeCache: clients in the same state get the
// same stream, coded once; clients in another state are not confused with
// them; every client stays exact.
// A world of `count` units under a binding budget, with a shared cache.
struct CachedWorld {
  CachedWorld(std::uint32_t budget_bytes, std::uint32_t seed, int count)
      : settings(with_budget(budget_bytes)),
        store(schema, settings),
        ring(schema, settings),
        cache(schema, settings),
        rng(seed) {
    for (int i = 0; i < count; ++i) ids.push_back(store.create(0));
  }
  static ReplicationSettings with_budget(std::uint32_t bytes) {
    ReplicationSettings s;
    s.budget_bytes = bytes;
    return s;
  }
  const Schema schema = unit_schema();
  ReplicationSettings settings;
  EntityStore store;
  SnapshotRing ring;
  SnapshotEncodeCache cache;
  std::mt19937 rng;
  std::vector<EntityId> ids;
};

TEST(ReplicatorCache, SharesStreamsOnlyBetweenClientsInTheSameState) {
  CachedWorld cw(160, 5, 80);  // the budget binds: views differ from the world
  constexpr int kClients = 4;
  std::vector<std::unique_ptr<SnapshotSender>> senders;
  std::vector<std::unique_ptr<SnapshotReceiver>> receivers;
  for (int c = 0; c < kClients; ++c) {
    senders.push_back(std::make_unique<SnapshotSender>(cw.schema, cw.settings));
    senders.back()->set_cache(&cw.cache);
    receivers.push_back(std::make_unique<SnapshotReceiver>(cw.schema, cw.settings));
  }
  // Client 3 sees only even entities; client 2 loses every third snapshot.
  senders[3]->set_interest([](EntityId id, TypeId) { return id.index() % 2 == 0 ? 1.0f : 0.0f; });
  std::vector<std::uint8_t> envelopes[kClients];
  for (std::uint32_t tick = 1; tick <= 200; ++tick) {
    for (std::size_t k = 0; k < cw.ids.size(); k += 3) move_randomly(cw.store, cw.ids[k], cw.rng);
    ASSERT_NE(cw.ring.capture(cw.store, tick), nullptr);
    for (int c = 0; c < kClients; ++c) {
      ASSERT_EQ(senders[c]->encode(*cw.ring.newest(), 0, 0, envelopes[c]), SnapshotError::None);
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
  EXPECT_EQ(cw.cache.hits(), senders[1]->stats().cache_hits + senders[2]->stats().cache_hits);
  // Once the world stops, everyone converges on what it may see.
  for (std::uint32_t tick = 201; tick <= 260; ++tick) {
    cw.ring.capture(cw.store, tick);
    for (int c = 0; c < kClients; ++c) {
      ASSERT_EQ(senders[c]->encode(*cw.ring.newest(), 0, 0, envelopes[c]), SnapshotError::None);
      ASSERT_NE(receivers[c]->receive(envelopes[c]), nullptr);
      senders[c]->acknowledge(tick);
    }
  }
  for (int c = 0; c < 3; ++c) EXPECT_TRUE(*receivers[c]->newest() == *cw.ring.newest()) << c;
  EXPECT_EQ(receivers[3]->newest()->size(), 40u);
}

}  // namespace
}  // namespace tickwire

namespace tickwire {
namespace {

// The shared change scan changes only the work, never the outcome: senders
// sharing a cache send byte for byte what the same senders without one send,
// tick after tick, with the budget deferring changes (priorities carry over),
// entities created and destroyed, and clients acking late, losing snapshots
// or (one) seeing only some entities.
TEST(ReplicatorCache, SharedScansSendExactlyWhatEachSenderWouldAlone) {
  CachedWorld cw(120, 11, 60);  // binds: a few changes a tick wait
  constexpr int kClients = 6;
  struct Side {
    std::unique_ptr<SnapshotSender> sender;
    std::unique_ptr<SnapshotReceiver> receiver;
    std::vector<std::uint8_t> envelope;
  };
  std::vector<Side> shared(kClients), alone(kClients);
  for (int c = 0; c < kClients; ++c) {
    for (Side* side : {&shared[c], &alone[c]}) {
      side->sender = std::make_unique<SnapshotSender>(cw.schema, cw.settings);
      side->receiver = std::make_unique<SnapshotReceiver>(cw.schema, cw.settings);
    }
    shared[c].sender->set_cache(&cw.cache);
  }
  const InterestFn even = [](EntityId id, TypeId) { return id.index() % 2 == 0 ? 1.0f : 0.0f; };
  shared[5].sender->set_interest(even);
  alone[5].sender->set_interest(even);
  for (std::uint32_t tick = 1; tick <= 300; ++tick) {
    for (std::size_t k = tick % 4; k < cw.ids.size(); k += 4)
      move_randomly(cw.store, cw.ids[k], cw.rng);
    if (tick % 25 == 0) {  // one destroyed, one made
      ASSERT_TRUE(cw.store.destroy(cw.ids[tick % cw.ids.size()]));
      cw.ids[tick % cw.ids.size()] = cw.store.create(0);
    }
    ASSERT_NE(cw.ring.capture(cw.store, tick), nullptr);
    for (int c = 0; c < kClients; ++c) {
      for (Side* side : {&shared[c], &alone[c]}) {
        ASSERT_EQ(side->sender->encode(*cw.ring.newest(), 0, 0, side->envelope),
                  SnapshotError::None);
        // Clients 0 and 1 ack at once, 2 and 3 every other tick (late), 4
        // loses a third of its snapshots.
        if (c == 4 && tick % 3 == 0) continue;
        ASSERT_NE(side->receiver->receive(side->envelope), nullptr) << c << " tick " << tick;
        if ((c == 2 || c == 3) && tick % 2 == 1) continue;
        side->sender->acknowledge(tick);
      }
      ASSERT_EQ(shared[c].envelope, alone[c].envelope) << "client " << c << " tick " << tick;
    }
  }
  EXPECT_GE(cw.cache.scan_hits(), 600u) << "the twins took their scans from the cw.cache";
  EXPECT_GE(cw.cache.view_hits(), 290u) << "client 1 takes client 0's view nearly every tick";
  // Twins hold one view between them, not a copy each.
  EXPECT_EQ(shared[0].sender->sent(300), shared[1].sender->sent(300));
  EXPECT_NE(alone[0].sender->sent(300), alone[1].sender->sent(300));
  for (int c = 0; c < kClients; ++c)
    EXPECT_GT(shared[c].sender->stats().entities_deferred, 0u) << "the budget bound: " << c;
}

// A view is shared by its recipe only when every snapshot it is made from has
// a key id. Here two clients' newest views (where held changes come from)
// have no change stamps and differ in one entity, while the rest of their
// recipes agree (same world, same baseline, same changes left out): neither
// may take the other's view, so each sends what it would alone.
TEST(ReplicatorCache, ViewsHeldAtUnstampedStatesAreNotSharedByRecipe) {
  CachedWorld cw(0, 5, 40);
  for (EntityId id : cw.ids) ASSERT_TRUE(cw.store.set_vec2(id, 0, {0, 0}));
  // The same entities with the same codes, but no change stamps (as if built
  // by hand), at `tick`.
  auto unstamped = [&](const Snapshot& s, std::uint32_t tick) {
    Snapshot out(cw.schema, cw.settings);
    out.clear(tick);
    for (const EntityRecord& e : s.entities()) {
      const auto codes = out.append(e.id, e.type, e.words, 0);
      const auto src = s.codes(e);
      std::copy(src.begin(), src.end(), codes.begin());
    }
    return out;
  };
  struct Side {
    std::unique_ptr<SnapshotSender> sender;
    std::unique_ptr<SnapshotReceiver> receiver;
    std::vector<std::uint8_t> envelope;
  };
  std::vector<Side> shared(2), alone(2);
  for (int c = 0; c < 2; ++c)
    for (Side* side : {&shared[c], &alone[c]}) {
      side->sender = std::make_unique<SnapshotSender>(cw.schema, cw.settings);
      side->receiver = std::make_unique<SnapshotReceiver>(cw.schema, cw.settings);
    }
  for (Side& s : shared) s.sender->set_cache(&cw.cache);
  auto encode = [&](int c, const Snapshot& world, bool ack) {
    for (Side* side : {&shared[c], &alone[c]}) {
      ASSERT_EQ(side->sender->encode(world, 0, 0, side->envelope), SnapshotError::None);
      ASSERT_NE(side->receiver->receive(side->envelope), nullptr);
      if (ack) side->sender->acknowledge(world.tick());
    }
    EXPECT_EQ(shared[c].envelope, alone[c].envelope) << "client " << c << " tick " << world.tick();
  };
  // Tick 1: everything, no budget; both clients ack it (their baseline).
  const Snapshot& first = *cw.ring.capture(cw.store, 1);
  for (int c = 0; c < 2; ++c) encode(c, first, true);
  for (Side* side : {&shared[0], &shared[1], &alone[0], &alone[1]})
    side->sender->set_budget_bytes(64);
  // Tick 2, unstamped: everything moved by one unit, entity 0 one way for
  // client 0 and the other way for client 1 (the same cost, so the same
  // changes go); nobody acks.
  for (EntityId id : cw.ids) ASSERT_TRUE(cw.store.set_vec2(id, 0, {1, 0}));
  const Snapshot two_a = unstamped(*cw.ring.capture(cw.store, 2), 2);
  ASSERT_TRUE(cw.store.set_vec2(cw.ids[0], 0, {-1, 0}));
  const Snapshot two_b = unstamped(*cw.ring.capture(cw.store, 3), 2);
  encode(0, two_a, false);
  encode(1, two_b, false);
  ASSERT_TRUE(shared[0].sender->stats().entities_deferred > 0) << "the budget binds";
  // Tick 4, stamped: entity 0 waits (it went at tick 2) and is held at each
  // client's own tick-2 state.
  for (EntityId id : cw.ids) ASSERT_TRUE(cw.store.set_vec2(id, 0, {2, 0}));
  const Snapshot& four = *cw.ring.capture(cw.store, 4);
  for (int c = 0; c < 2; ++c) encode(c, four, false);
  const Snapshot* a = shared[0].sender->sent(4);
  const Snapshot* b = shared[1].sender->sent(4);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  const EntityRecord* ra = a->find(cw.ids[0].index());
  const EntityRecord* rb = b->find(cw.ids[0].index());
  ASSERT_NE(ra, nullptr);
  ASSERT_NE(rb, nullptr);
  EXPECT_FALSE(std::ranges::equal(a->codes(*ra), b->codes(*rb)))
      << "entity 0 is held at each client's own state";
}

// A snapshot the cache has compared carries a key id, so comparing it (or
// a copy) again is free; changing its records must make it a stranger again.
TEST(ReplicatorCache, ASnapshotChangedAfterItWasComparedIsComparedAgain) {
  CachedWorld cw(0, 3, 10);
  const Snapshot& world = *cw.ring.capture(cw.store, 1);
  Snapshot view = world;
  const std::vector<std::uint8_t> stream{1, 2, 3};
  cw.cache.store(view, nullptr, stream);
  Snapshot copy = view;  // keeps the key id
  EXPECT_EQ(cw.cache.find(copy, nullptr).size(), 3u);
  EXPECT_EQ(cw.cache.find(world, nullptr).size(), 3u) << "equal records, compared";
  // Another entity state, in place: same tick, same ids, another stamp.
  cw.store.set_vec2(cw.ids[4], 0, {9, 9});
  const Snapshot& next = *cw.ring.capture(cw.store, 2);
  ASSERT_TRUE(copy.overwrite(next, *next.find(cw.ids[4].index())));
  EXPECT_TRUE(cw.cache.find(copy, nullptr).empty()) << "its records changed";
  Snapshot rebuilt(cw.schema, cw.settings);
  rebuilt.clear(1);
  for (const EntityRecord& e : view.entities()) {
    const auto codes = rebuilt.append(e.id, e.type, e.words, e.version);
    const auto src = view.codes(e);
    std::copy(src.begin(), src.end(), codes.begin());
  }
  EXPECT_EQ(cw.cache.find(rebuilt, nullptr).size(), 3u) << "built again, same records";
  rebuilt.clear(1);
  EXPECT_TRUE(cw.cache.find(rebuilt, nullptr).empty()) << "cleared";
}

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
  EXPECT_EQ(sender.encode(world, 0, 0, envelope), SnapshotError::BadSnapshot);
  codes[2] = 100;
  EXPECT_EQ(sender.encode(world, 0, 0, envelope), SnapshotError::None) << "now it does";
  EXPECT_TRUE(world.conforms(schema, settings.max_entities));
  EXPECT_FALSE(world.conforms(schema, 3)) << "index 3 is beyond 3 entities";
}

}  // namespace
}  // namespace tickwire

namespace tickwire {
namespace {

// A ring of one view: every delta's baseline slot is the one the new view
// takes. The envelope must still name the right baseline.
TEST(ReplicatorReview, ARingOfOneStillSendsUsableDeltas) {
  ReplicationSettings settings;
  settings.snapshot_ring = 1;
  Pair pair(settings);
  std::mt19937 rng(9);
  std::vector<EntityId> ids;
  for (int i = 0; i < 10; ++i) ids.push_back(pair.store.create(0));
  for (std::uint32_t tick = 1; tick <= 20; ++tick) {
    move_randomly(pair.store, ids[tick % ids.size()], rng);
    pair.step(tick);  // expects every envelope to be taken
    EXPECT_TRUE(*pair.receiver.newest() == *pair.ring.newest()) << tick;
  }
  EXPECT_EQ(pair.sender.full_sent(), 1u);
  EXPECT_EQ(pair.sender.delta_sent(), 19u);
  EXPECT_EQ(pair.receiver.stats().unknown_baseline, 0u);
}

// Acks that arrive two or three snapshots late while the budget is saturated:
// no entity may ever move backwards on the client (each decoded state is the
// world's state of some tick, and that tick never decreases), and an entity
// changed once arrives and stays.
void never_backwards(std::uint32_t lag) {
  const Schema schema = unit_schema();
  ReplicationSettings settings;
  settings.budget_bytes = 200;
  EntityStore store(schema, settings);
  SnapshotRing ring(schema, settings);
  SnapshotSender sender(schema, settings);
  SnapshotReceiver receiver(schema, settings);
  std::mt19937 rng(lag);
  std::vector<EntityId> movers;
  for (int i = 0; i < 120; ++i) movers.push_back(store.create(0));
  const EntityId once = store.create(0);
  std::vector<std::uint32_t> last_seen(settings.max_entities, 0);  // world tick of the held state
  std::deque<std::uint32_t> acks;
  std::uint64_t checked = 0;
  std::uint32_t arrived = 0;
  for (std::uint32_t tick = 1; tick <= 400; ++tick) {
    for (EntityId id : movers) move_randomly(store, id, rng);
    if (tick == 100) {
      ASSERT_TRUE(store.set_int(once, 1, 42));
    }
    ASSERT_NE(ring.capture(store, tick), nullptr);
    std::vector<std::uint8_t> envelope;
    ASSERT_EQ(sender.encode(*ring.newest(), 0, 0, envelope), SnapshotError::None);
    const Snapshot* got = receiver.receive(envelope);
    ASSERT_NE(got, nullptr) << tick;
    acks.push_back(*receiver.ack());
    if (acks.size() > lag) {
      sender.acknowledge(acks.front());
      acks.pop_front();
    }
    for (const EntityRecord& e : got->entities()) {
      // The newest world tick whose state this is (movers change every tick).
      std::uint32_t at = 0;
      for (std::uint32_t t = tick; t > 0 && tick - t < settings.snapshot_ring; --t) {
        const Snapshot* w = ring.find(t);
        const EntityRecord* r = w != nullptr ? w->find(e.id.index()) : nullptr;
        if (r != nullptr && std::ranges::equal(w->codes(*r), got->codes(e))) {
          at = t;
          break;
        }
      }
      if (at == 0) continue;  // older than the ring: not comparable
      if (e.id != once) {
        ASSERT_GE(at, last_seen[e.id.index()])
            << "entity " << e.id.index() << " went back at tick " << tick << " (lag " << lag << ")";
        ++checked;
      }
      last_seen[e.id.index()] = at;
    }
    // The change made at tick 100 arrives within 30 ticks (0.5 s) and, once
    // the client has it, never goes away again.
    const EntityRecord* r = got->find(once.index());
    const bool has = r != nullptr && EntityView(schema, *got, *r).get_int(1) == 42;
    if (has && arrived == 0) arrived = tick;
    if (arrived != 0) {
      EXPECT_TRUE(has) << "the change went away at tick " << tick;
    }
    if (tick == 130) {
      EXPECT_NE(arrived, 0u) << "the change made at tick 100 has not arrived";
    }
  }
  EXPECT_GT(checked, 10000u);
  EXPECT_GT(sender.stats().entities_deferred, 1000u) << "the budget must have been saturated";
}

TEST(ReplicatorReview, NothingMovesBackwardsWhenAcksLagTwo) {
  never_backwards(2);
}
TEST(ReplicatorReview, NothingMovesBackwardsWhenAcksLagThree) {
  never_backwards(3);
}

// Stamps identify codes across stores: a sender fed first by one store and
// then by another (or a copy) never skips a real difference.
TEST(ReplicatorReview, StoresAndCopiesNeverShareStamps) {
  const Schema schema = unit_schema();
  ReplicationSettings settings;
  SnapshotRing ring(schema, settings);
  SnapshotSender sender(schema, settings);
  SnapshotReceiver receiver(schema, settings);
  std::vector<std::uint8_t> envelope;
  auto send = [&](const EntityStore& store, std::uint32_t tick) {
    ASSERT_NE(ring.capture(store, tick), nullptr);
    ASSERT_EQ(sender.encode(*ring.newest(), 0, 0, envelope), SnapshotError::None);
    ASSERT_NE(receiver.receive(envelope), nullptr);
    sender.acknowledge(tick);
    EXPECT_TRUE(*receiver.newest() == *ring.newest()) << "tick " << tick;
  };
  EntityStore a(schema, settings);
  const EntityId e = a.create(0);
  ASSERT_TRUE(a.set_int(e, 1, 5));
  send(a, 1);
  EntityStore b(schema, settings);  // a restarted world: the same id again
  ASSERT_EQ(b.create(0), e);
  ASSERT_TRUE(b.set_int(e, 1, 80));
  send(b, 2);
  EntityStore c = b;  // a copy goes its own way
  ASSERT_TRUE(c.set_int(e, 1, 7));
  ASSERT_TRUE(b.set_int(e, 1, 9));
  send(c, 3);
  send(b, 4);
  // A moved-from snapshot is empty, not a husk that claims entities.
  Snapshot s(schema, settings);
  b.capture(5, s);
  ASSERT_TRUE(s.conforms(schema, settings.max_entities));
  Snapshot t = std::move(s);
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(s.size(), 0u);            // NOLINT(bugprone-use-after-move): the point of the test
  EXPECT_EQ(s.capacity(), 0u);        // NOLINT(bugprone-use-after-move)
  EXPECT_TRUE(s.entities().empty());  // NOLINT(bugprone-use-after-move)
}

}  // namespace
}  // namespace tickwire
