// Snapshots over real sockets: a server replicates a changing world to two
// clients through tickwire's encrypted transport on loopback. Snapshots go on
// the sequenced lane, acks come back on the unreliable lane, and the server's
// link conditioner drops both ways (acks lost too). Once the loss stops,
// every client must hold the server's exact quantized world within 30 ticks
// (0.5 s at 60 Hz), creations and destructions made during the loss included.
#include <cstdio>
#include <random>

#include "harness.hpp"

namespace tickwire::test {
namespace {

Schema world_schema() {
  Schema schema;
  EntityTypeSpec unit;
  unit.name = "unit";
  unit.fields = {FieldSpec::vec2("pos", {-200, -200}, {200, 200}, 1.0 / 64),
                 FieldSpec::integer("hp", 0, 100), FieldSpec::angle("heading", 12),
                 FieldSpec::boolean("firing")};
  schema.add(unit);
  EntityTypeSpec shot;
  shot.name = "shot";
  shot.fields = {FieldSpec::vec2("pos", {-200, -200}, {200, 200}, 1.0 / 64),
                 FieldSpec::vec2("vel", {-50, -50}, {50, 50}, 1.0 / 16)};
  schema.add(shot);
  EXPECT_TRUE(schema.validate());
  return schema;
}

void converge_under_loss(float loss_pct, std::uint64_t seed) {
  const Schema schema = world_schema();
  ReplicationSettings settings;
  settings.max_entities = 512;
  settings.snapshot_ring = 64;
  EntityStore store(schema, settings);
  SnapshotRing ring(schema, settings);
  std::mt19937 rng(static_cast<std::uint32_t>(seed));

  Server server;
  Client a, b;
  Loop loop;
  ASSERT_TRUE(start_and_connect(server, a, loop));
  ASSERT_TRUE(b.connect(address_of(server), client_for(server)));
  loop.clients = {&a, &b};
  ASSERT_TRUE(loop.until([&] { return b.connected() && server.connection_count() == 2; }, 5s));

  // One sender per connection on the server, one receiver per client.
  std::vector<ConnectionId> connections;
  for (const Event& e : loop.server_events.events)
    if (e.type == EventType::Connected) connections.push_back(e.connection);
  ASSERT_EQ(connections.size(), 2u);
  std::vector<std::unique_ptr<SnapshotSender>> senders;
  for (std::size_t i = 0; i < connections.size(); ++i)
    senders.push_back(std::make_unique<SnapshotSender>(schema, settings));
  SnapshotReceiver receivers[2] = {{schema, settings}, {schema, settings}};
  std::uint64_t bad_acks = 0;
  loop.on_client_message = [&](std::size_t i, const Event& e) {
    if (e.channel == kChannelSequenced) receivers[i].receive(e.data);
  };
  loop.on_server_message = [&](const Event& e) {
    if (e.channel != kChannelUnreliable || e.data.size() != 4) {
      ++bad_acks;
      return;
    }
    const std::uint32_t tick = e.data[0] | (e.data[1] << 8) | (e.data[2] << 16) |
                               (static_cast<std::uint32_t>(e.data[3]) << 24);
    for (std::size_t i = 0; i < connections.size(); ++i)
      if (connections[i] == e.connection) senders[i]->acknowledge(tick);
  };

  LinkConditionerSettings lossy;
  lossy.seed = seed;
  lossy.outgoing.latency_ms = 15;
  lossy.incoming.latency_ms = 15;
  lossy.outgoing.loss_pct = loss_pct;
  lossy.incoming.loss_pct = loss_pct;
  ASSERT_TRUE(server.set_conditioner(lossy));

  std::vector<EntityId> live;
  for (int i = 0; i < 150; ++i) live.push_back(store.create(static_cast<TypeId>(i % 5 == 0)));
  constexpr std::uint32_t kLossyTicks = 180, kAfter = 30, kChecked = 30;
  std::uint32_t converged_at[2] = {0, 0};
  std::uint64_t created = 0, destroyed = 0;
  const auto tick_period = std::chrono::microseconds(16667);
  auto next_tick = Clock::now();
  for (std::uint32_t tick = 1; tick <= kLossyTicks + kAfter + kChecked; ++tick) {
    if (tick == kLossyTicks + 1) {  // the loss stops; the latency stays
      LinkConditionerSettings clean = lossy;
      clean.outgoing.loss_pct = 0;
      clean.incoming.loss_pct = 0;
      ASSERT_TRUE(server.set_conditioner(clean));
    }
    // The world: a third moves, some hp changes, creations and destructions.
    for (EntityId id : live) {
      if (rng() % 3 == 0)
        store.set_vec2(id, 0,
                       {static_cast<float>(rng() % 4000) / 10.0f - 200.0f,
                        static_cast<float>(rng() % 4000) / 10.0f - 200.0f});
      if (rng() % 20 == 0 && store.type_of(id) == TypeId{0})
        store.set_int(id, 1, static_cast<std::int64_t>(rng() % 101));
    }
    if (tick <= kLossyTicks && rng() % 3 == 0 && !live.empty()) {
      const std::size_t k = rng() % live.size();
      ASSERT_TRUE(store.destroy(live[k]));
      live.erase(live.begin() + static_cast<std::ptrdiff_t>(k));
      ++destroyed;
    }
    if (tick <= kLossyTicks && rng() % 3 == 0 && live.size() < 300) {
      live.push_back(store.create(static_cast<TypeId>(rng() % 2)));
      ++created;
    }
    ASSERT_NE(ring.capture(store, tick), nullptr);
    std::vector<std::uint8_t> envelope;
    for (std::size_t i = 0; i < connections.size(); ++i) {
      ASSERT_EQ(senders[i]->encode(*ring.newest(), 0, tick * 16667ull, envelope),
                SnapshotError::None);
      ASSERT_TRUE(server.send(connections[i], kChannelSequenced, envelope));
    }
    // Pump until the next tick is due, then each client acks what it holds.
    next_tick += tick_period;
    while (Clock::now() < next_tick) {
      loop.step();
      std::this_thread::sleep_for(1ms);
    }
    Client* clients[2] = {&a, &b};
    for (int i = 0; i < 2; ++i) {
      if (auto ack = receivers[i].ack()) {
        const std::uint8_t bytes[4] = {
            static_cast<std::uint8_t>(*ack), static_cast<std::uint8_t>(*ack >> 8),
            static_cast<std::uint8_t>(*ack >> 16), static_cast<std::uint8_t>(*ack >> 24)};
        ASSERT_TRUE(clients[i]->send(kChannelUnreliable, bytes));
      }
      // In sync: the client's newest snapshot is the server's world at that
      // tick, exactly (ids, types, every quantized code), and recent.
      const Snapshot* mine = receivers[i].newest();
      const Snapshot* theirs = mine != nullptr ? ring.find(mine->tick()) : nullptr;
      const bool in_sync = theirs != nullptr && tick - mine->tick() <= 6 && *theirs == *mine;
      if (tick > kLossyTicks && in_sync && converged_at[i] == 0) converged_at[i] = tick;
      if (tick > kLossyTicks + kAfter) {
        ASSERT_TRUE(in_sync) << "client " << i << " out of sync at tick " << tick << " (loss "
                             << loss_pct << "%)";
      }
    }
  }
  EXPECT_GT(created, 20u);
  EXPECT_GT(destroyed, 20u);
  EXPECT_EQ(bad_acks, 0u);
  for (int i = 0; i < 2; ++i) {
    EXPECT_NE(converged_at[i], 0u);
    std::printf("loss %.0f%%: client %d in sync %u ticks after the loss; %llu snapshots kept\n",
                static_cast<double>(loss_pct), i, converged_at[i] - kLossyTicks,
                static_cast<unsigned long long>(receivers[i].stats().received));
    EXPECT_EQ(receivers[i].stats().decode_errors, 0u);
    EXPECT_EQ(receivers[i].stats().bad_envelope, 0u);
    EXPECT_GT(senders[i]->delta_sent(), 5 * senders[i]->full_sent()) << "deltas are the rule";
    // Under loss some snapshots and acks were lost: the link really was lossy.
    EXPECT_LT(receivers[i].stats().received, kLossyTicks + kAfter + kChecked);
  }
}

TEST(Snapshots, ConvergeOverSocketsAfterFivePercentLoss) {
  converge_under_loss(5.0f, 51);
}

TEST(Snapshots, ConvergeOverSocketsAfterTwentyPercentLoss) {
  converge_under_loss(20.0f, 52);
}

}  // namespace
}  // namespace tickwire::test
