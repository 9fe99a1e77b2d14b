// SnapshotSender and SnapshotReceiver with each SnapshotCoding: the same
// world sent bit-packed and range-coded, side by side, over a lossless
// in-memory link with immediate acks.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <vector>

#include "snapshot_test_world.hpp"
#include "tickwire/snapshot_stream.hpp"

namespace tickwire {
namespace {

ReplicationSettings with(std::uint32_t budget_bytes, SnapshotCoding coding) {
  ReplicationSettings s;
  s.budget_bytes = budget_bytes;
  s.coding = coding;
  return s;
}

// A world of `units` units, and a bit-packed and a range-coded sender and
// receiver, each with `budget_bytes`.
struct BothCodings {
  BothCodings(std::uint32_t budget_bytes, int units, unsigned seed)
      : packed(with(budget_bytes, SnapshotCoding::Bitpacked)),
        ranged(with(budget_bytes, SnapshotCoding::Range)),
        store(schema, packed),
        ring(schema, packed),
        send_packed(schema, packed),
        send_ranged(schema, ranged),
        recv_packed(schema, packed),
        recv_ranged(schema, ranged),
        rng(seed) {
    for (int i = 0; i < units; ++i) ids.push_back(store.create(0));
  }
  // Captures `tick` and codes it for both into `a` (bit-packed) and `b`
  // (range-coded); returns the range-coded stream's bytes.
  std::uint64_t encode(std::uint32_t tick, std::vector<std::uint8_t>& a,
                       std::vector<std::uint8_t>& b) {
    EXPECT_NE(ring.capture(store, tick), nullptr);
    const std::uint64_t before = send_ranged.stats().stream_bytes;
    EXPECT_EQ(send_packed.encode(*ring.newest(), 0, 0, a), SnapshotError::None);
    EXPECT_EQ(send_ranged.encode(*ring.newest(), 0, 0, b), SnapshotError::None);
    return send_ranged.stats().stream_bytes - before;
  }
  // Both clients hold `tick`.
  void acknowledge(std::uint32_t tick) {
    send_packed.acknowledge(tick);
    send_ranged.acknowledge(tick);
  }

  const Schema schema = test::unit_schema();
  ReplicationSettings packed, ranged;
  EntityStore store;
  SnapshotRing ring;
  SnapshotSender send_packed, send_ranged;
  SnapshotReceiver recv_packed, recv_ranged;
  std::mt19937 rng;
  std::vector<EntityId> ids;
};

// Senders and receivers set to range coding: the same views arrive, in fewer
// bytes than bit-packed streams of the same world; a receiver set the other
// way refuses them, counted.
TEST(ReplicatorCoding, RangeCodedStreamsCarryTheSameViewsInFewerBytes) {
  BothCodings w(0, 200, 4);
  ASSERT_TRUE(w.ranged.validate());
  SnapshotReceiver wrong(w.schema, w.packed);
  std::uint64_t bytes_packed = 0, bytes_ranged = 0;
  std::vector<std::uint8_t> a, b;
  for (std::uint32_t tick = 1; tick <= 60; ++tick) {
    for (std::size_t k = 0; k < w.ids.size(); k += 4) test::move_randomly(w.store, w.ids[k], w.rng);
    (void)w.encode(tick, a, b);
    ASSERT_NE(w.recv_packed.receive(a), nullptr);
    const Snapshot* got = w.recv_ranged.receive(b);
    ASSERT_NE(got, nullptr);
    EXPECT_TRUE(*got == *w.ring.newest());
    EXPECT_EQ(wrong.receive(b), nullptr);
    w.acknowledge(tick);
    bytes_packed += a.size();
    bytes_ranged += b.size();
  }
  EXPECT_LT(bytes_ranged, bytes_packed);
  EXPECT_EQ(wrong.stats().received, 0u);
  std::printf("60 snapshots, 200 entities, a quarter moving: %llu bytes bit-packed, %llu range\n",
              static_cast<unsigned long long>(bytes_packed),
              static_cast<unsigned long long>(bytes_ranged));
}

// The budget binds (every entity moves every tick): both codings keep every
// stream within it, and the range-coded sender, which writes less than the
// bit-packed estimates it chooses by, learns that and fills its budget, so
// it sends more changes per snapshot.
TEST(ReplicatorCoding, ARangeCodedSenderFillsItsBudget) {
  BothCodings w(300, 200, 9);
  std::uint64_t late_ranged = 0;  // stream bytes from tick 21 on
  std::vector<std::uint8_t> a, b;
  for (std::uint32_t tick = 1; tick <= 80; ++tick) {
    for (const EntityId id : w.ids) test::move_randomly(w.store, id, w.rng);
    const std::uint64_t bytes = w.encode(tick, a, b);
    EXPECT_LE(bytes, w.ranged.budget_bytes) << "tick " << tick;
    if (tick > 20) late_ranged += bytes;
    ASSERT_NE(w.recv_packed.receive(a), nullptr);
    ASSERT_NE(w.recv_ranged.receive(b), nullptr);
    w.acknowledge(tick);
  }
  const SenderStats& packed = w.send_packed.stats();
  const SenderStats& ranged = w.send_ranged.stats();
  EXPECT_LE(packed.stream_bytes, 80u * w.packed.budget_bytes);
  EXPECT_GT(late_ranged, 60u * w.ranged.budget_bytes * 85 / 100) << "fills 85 % of its budget";
  EXPECT_GT(ranged.entities_sent, packed.entities_sent * 5 / 4);
  EXPECT_LT(ranged.budget_retries, 20u) << "few streams are coded twice";
  std::printf(
      "80 snapshots, 200 entities moving, 300-byte budget: %llu changes sent bit-packed, "
      "%llu range-coded (%llu re-codes)\n",
      static_cast<unsigned long long>(packed.entities_sent),
      static_cast<unsigned long long>(ranged.entities_sent),
      static_cast<unsigned long long>(ranged.budget_retries));
}

}  // namespace
}  // namespace tickwire
