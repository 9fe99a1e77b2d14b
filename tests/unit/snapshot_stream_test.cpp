// Per-client snapshot streams under loss: snapshots and acks are dropped,
// delayed and reordered; once the loss stops, every client holds the
// server's exact quantized state within 0.5 s (30 ticks at 60 Hz).
#include <gtest/gtest.h>

#include <cmath>
#include <deque>
#include <optional>
#include <random>

#include "tickwire/snapshot_stream.hpp"

namespace tickwire {
namespace {

Schema ship_schema() {
  Schema schema;
  EntityTypeSpec ship;
  ship.name = "ship";
  ship.fields = {FieldSpec::vec2("pos", {-100, -100}, {100, 100}, 0.01),
                 FieldSpec::integer("hp", 0, 100), FieldSpec::boolean("firing")};
  EXPECT_EQ(schema.add(ship), 0);
  const Status valid = schema.validate();
  EXPECT_TRUE(valid) << valid.message;
  return schema;
}

// A link that drops with `loss_pct`, delays 0..3 ticks (so it reorders).
struct Link {
  struct InFlight {
    std::uint32_t due;
    std::vector<std::uint8_t> bytes;
  };
  std::deque<InFlight> queue;
  void send(std::mt19937& rng, std::uint32_t now, float loss_pct, std::vector<std::uint8_t> bytes) {
    if (std::uniform_real_distribution<float>(0, 100)(rng) < loss_pct) return;
    queue.push_back({now + static_cast<std::uint32_t>(rng() % 4), std::move(bytes)});
  }
  template <class Fn>
  void deliver(std::uint32_t now, Fn&& fn) {
    for (auto it = queue.begin(); it != queue.end();) {
      if (it->due <= now) {
        fn(it->bytes);
        it = queue.erase(it);
      } else {
        ++it;
      }
    }
  }
};

void run(float loss_pct, std::uint32_t seed) {
  const Schema schema = ship_schema();
  ReplicationSettings settings;
  settings.max_entities = 256;
  settings.snapshot_ring = 64;
  EntityStore store(schema, settings);
  SnapshotRing ring(schema, settings);
  std::mt19937 rng(seed);
  std::vector<EntityId> live;
  for (int i = 0; i < 40; ++i) live.push_back(store.create(0));

  constexpr int kClients = 2;
  std::vector<SnapshotSender> senders;
  std::vector<SnapshotReceiver> receivers;
  for (int c = 0; c < kClients; ++c) {
    senders.emplace_back(schema, settings);
    receivers.emplace_back(schema, settings);
  }
  std::vector<Link> down(kClients), up(kClients);
  constexpr std::uint32_t kLossyTicks = 600, kAfter = 30;
  std::uint32_t converged_at[kClients] = {0, 0};
  for (std::uint32_t tick = 1; tick <= kLossyTicks + 90; ++tick) {
    const float loss = tick <= kLossyTicks ? loss_pct : 0.0f;
    // The world changes every tick, creations and destructions included.
    for (EntityId id : live) {
      if (rng() % 3 == 0) {
        ASSERT_TRUE(store.set_vec2(id, 0,
                                   {static_cast<float>(rng() % 20000) / 100.0f - 100.0f,
                                    static_cast<float>(rng() % 20000) / 100.0f - 100.0f}));
      }
      if (rng() % 10 == 0) {
        ASSERT_TRUE(store.set_int(id, 1, static_cast<std::int64_t>(rng() % 101)));
      }
    }
    if (rng() % 4 == 0 && !live.empty()) {
      const std::size_t k = rng() % live.size();
      ASSERT_TRUE(store.destroy(live[k]));
      live.erase(live.begin() + static_cast<std::ptrdiff_t>(k));
    }
    if (rng() % 4 == 0 && live.size() < 200) live.push_back(store.create(0));
    ASSERT_NE(ring.capture(store, tick), nullptr);

    for (int c = 0; c < kClients; ++c) {
      std::vector<std::uint8_t> envelope;
      ASSERT_EQ(senders[c].encode(*ring.newest(), 0, tick * 16667ull, envelope),
                SnapshotError::None);
      down[c].send(rng, tick, loss, std::move(envelope));
      down[c].deliver(tick,
                      [&](const std::vector<std::uint8_t>& bytes) { receivers[c].receive(bytes); });
      if (auto ack = receivers[c].ack()) {
        std::vector<std::uint8_t> a(4);
        for (int b = 0; b < 4; ++b) a[b] = static_cast<std::uint8_t>(*ack >> (8 * b));
        up[c].send(rng, tick, loss, std::move(a));
      }
      up[c].deliver(tick, [&](const std::vector<std::uint8_t>& a) {
        senders[c].acknowledge(a[0] | (a[1] << 8) | (a[2] << 16) | (std::uint32_t{a[3]} << 24));
      });
      // In sync: the client's newest is the server's snapshot of that tick,
      // at most the link's 3 ticks behind.
      const Snapshot* mine = receivers[c].newest();
      const bool in_sync = mine != nullptr && tick - mine->tick() <= 3 &&
                           ring.find(mine->tick()) != nullptr && *ring.find(mine->tick()) == *mine;
      if (tick > kLossyTicks && in_sync && converged_at[c] == 0) converged_at[c] = tick;
      if (tick > kLossyTicks + kAfter) {
        ASSERT_TRUE(in_sync) << "client " << c << " out of sync at tick " << tick << " (loss "
                             << loss_pct << "%)";
      }
    }
  }
  for (int c = 0; c < kClients; ++c) {
    EXPECT_GT(converged_at[c], 0u);
    EXPECT_LE(converged_at[c], kLossyTicks + kAfter);
    EXPECT_GT(senders[c].delta_sent(), senders[c].full_sent()) << "deltas are the rule";
    EXPECT_EQ(receivers[c].stats().decode_errors, 0u);
    EXPECT_GT(receivers[c].stats().received, (kLossyTicks + 90) / 2);
  }
}

TEST(Replicator, ConvergesAfterFivePercentLoss) {
  run(5.0f, 11);
}
TEST(Replicator, ConvergesAfterTwentyPercentLoss) {
  run(20.0f, 12);
}

TEST(Replicator, AnAckOlderThanTheRingMeansAFullSnapshot) {
  const Schema schema = ship_schema();
  ReplicationSettings settings;
  settings.snapshot_ring = 4;
  EntityStore store(schema, settings);
  SnapshotRing ring(schema, settings);
  store.create(0);
  SnapshotSender sender(schema, settings);
  SnapshotReceiver receiver(schema, settings);
  std::vector<std::uint8_t> envelope;
  ring.capture(store, 1);
  ASSERT_EQ(sender.encode(*ring.newest(), 0, 0, envelope), SnapshotError::None);
  ASSERT_NE(receiver.receive(envelope), nullptr);
  sender.acknowledge(*receiver.ack());
  ASSERT_EQ(sender.acked(), 1u);
  // Ticks 2..9 are sent and lost: the sender's own ring moves past tick 1.
  for (std::uint32_t t = 2; t <= 10; ++t) {
    ring.capture(store, t);
    ASSERT_EQ(sender.encode(*ring.newest(), 0, 0, envelope), SnapshotError::None);
  }
  EXPECT_EQ(sender.sent(1), nullptr);
  // Ticks 2..5 were deltas against tick 1; tick 5 took tick 1's slot of the
  // 4, so ticks 6..10 went whole.
  EXPECT_EQ(sender.delta_sent(), 4u);
  EXPECT_EQ(sender.full_sent(), 6u);
  const Snapshot* got = receiver.receive(envelope);
  ASSERT_NE(got, nullptr);
  EXPECT_TRUE(*got == *ring.newest());
  EXPECT_EQ(receiver.receive(envelope), nullptr) << "stale: not newer";
  EXPECT_EQ(receiver.stats().stale, 1u);
  std::vector<std::uint8_t> junk(envelope.size(), 0x5A);
  EXPECT_EQ(receiver.receive(junk), nullptr);
  EXPECT_EQ(receiver.stats().bad_envelope, 1u);
}

TEST(Replicator, AcksOfTicksNeverSentAreIgnored) {
  const Schema schema = ship_schema();
  ReplicationSettings settings;
  EntityStore store(schema, settings);
  SnapshotRing ring(schema, settings);
  store.create(0);
  SnapshotSender sender(schema, settings);
  std::vector<std::uint8_t> envelope;
  ring.capture(store, 5);
  ASSERT_EQ(sender.encode(*ring.newest(), 0, 0, envelope), SnapshotError::None);
  sender.acknowledge(4);
  sender.acknowledge(6);
  sender.acknowledge(0xFFFFFFFFu);
  EXPECT_FALSE(sender.acked().has_value());
  sender.acknowledge(5);
  EXPECT_EQ(sender.acked(), 5u);
  // A world tick that is not newer than the last one sent is refused.
  EXPECT_EQ(sender.encode(*ring.newest(), 0, 0, envelope), SnapshotError::BadSnapshot);
}

TEST(SnapshotEnvelope, CarriesTheInputSlackReport) {
  const Schema schema = ship_schema();
  ReplicationSettings settings;
  EntityStore store(schema, settings);
  SnapshotRing ring(schema, settings);
  store.create(0);
  SnapshotSender sender(schema, settings);
  SnapshotReceiver receiver(schema, settings);
  EXPECT_FALSE(receiver.input_slack_ticks().has_value()) << "nothing received yet";
  std::vector<std::uint8_t> envelope;
  // Sent in 1/16 ticks, clamped to +-2047; none stays none.
  const struct {
    std::optional<double> sent;
    std::optional<double> got;
  } cases[] = {
      {2.3, 37 / 16.0},   {-1.5, -1.5}, {std::nullopt, std::nullopt}, {0.0, 0.0}, {5000.0, 2047.0},
      {-5000.0, -2047.0}, {-0.03, 0.0}, {std::nan(""), std::nullopt}};
  std::uint32_t tick = 1;
  for (const auto& c : cases) {
    ring.capture(store, tick);
    ASSERT_EQ(sender.encode(*ring.newest(),
                            SnapshotMeta{tick - 1, tick * 1000ull, c.sent, tick + 3}, envelope),
              SnapshotError::None);
    ASSERT_NE(receiver.receive(envelope), nullptr) << tick;
    EXPECT_EQ(receiver.acked_input_tick(), tick - 1);
    EXPECT_EQ(receiver.server_time_us(), tick * 1000ull);
    EXPECT_EQ(receiver.input_slack_ticks(), c.got) << "case " << tick;
    EXPECT_EQ(receiver.input_received_tick(), tick + 3);
    ++tick;
  }
  // The old overload reports none.
  ring.capture(store, tick);
  ASSERT_EQ(sender.encode(*ring.newest(), 3, 4, envelope), SnapshotError::None);
  ASSERT_NE(receiver.receive(envelope), nullptr);
  EXPECT_FALSE(receiver.input_slack_ticks().has_value());
  EXPECT_EQ(receiver.input_received_tick(), 0u);
}

}  // namespace
}  // namespace tickwire
