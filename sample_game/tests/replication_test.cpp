// The world as tickwire snapshots: the schema, the server's mirror, the
// client's way back to a sim::World, and the state channel's streams.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <numbers>
#include <vector>

#include "proto/replication.hpp"
#include "proto/state_channel.hpp"

namespace arena::proto {
namespace {

namespace tw = ::tickwire;

// Every third slot taken, everyone running right and firing for 20 ticks.
sim::World busy_world() {
  sim::World w;
  for (int i = 0; i < sim::kMaxPlayers; i += 3) sim::add_player(w, i);
  sim::Inputs in{};
  for (auto& i : in) i.fire = true, i.move_x = 1;
  for (int t = 0; t < 20; ++t) sim::step(w, in);
  return w;
}

// Every slot of `w` turning, wandering and firing at will, stepped `ticks`
// times; the mirror follows.
void play(sim::World& w, WorldMirror& mirror, int ticks) {
  sim::Inputs in{};
  for (int t = 0; t < ticks; ++t) {
    for (int s = 0; s < sim::kMaxPlayers; ++s) {
      const float a = 0.05f * static_cast<float>(w.tick) + static_cast<float>(s);
      in[static_cast<std::size_t>(s)] = {std::cos(a), std::sin(a), std::sin(a), std::cos(a), true};
    }
    sim::step(w, in);
    mirror.update(w);
  }
}

// Largest error of a ranged field of the ship type, half its step.
double half_step(std::uint32_t field, std::uint32_t component) {
  const tw::Schema& s = schema();
  const tw::FieldSpec& f = s.type(kShipType).fields[field];
  const std::uint32_t word = s.layout(kShipType).fields[field].first_word + component;
  const std::uint32_t bits = s.layout(kShipType).components[word].bits;
  return (f.max[component] - f.min[component]) / ((1u << bits) - 1) / 2;
}

void expect_world_near(const sim::World& server, const sim::World& client) {
  ASSERT_EQ(client.tick, server.tick);
  ASSERT_EQ(client.player_count(), server.player_count());
  for (std::size_t i = 0; i < server.ships.size(); ++i) {
    const sim::Ship& a = server.ships[i];
    const sim::Ship& b = client.ships[i];
    ASSERT_EQ(a.active, b.active) << "slot " << i;
    if (!a.active) continue;
    EXPECT_EQ(a.alive, b.alive);
    EXPECT_LE(std::fabs(a.x - b.x), half_step(kShipPosition, 0) * 1.0001) << "slot " << i;
    EXPECT_LE(std::fabs(a.y - b.y), half_step(kShipPosition, 1) * 1.0001) << "slot " << i;
    EXPECT_LE(std::fabs(a.vx - b.vx), half_step(kShipVelocity, 0) * 1.0001);
    EXPECT_LE(std::fabs(a.vy - b.vy), half_step(kShipVelocity, 1) * 1.0001);
    // Aim within half a step of 2^12 per turn (plus float rounding).
    const double da = std::remainder(std::atan2(a.aim_y, a.aim_x) - std::atan2(b.aim_y, b.aim_x),
                                     2 * std::numbers::pi);
    EXPECT_LE(std::fabs(da), std::numbers::pi / (1 << kAimBits) + 1e-5);
    EXPECT_EQ(a.health, b.health);
    EXPECT_EQ(a.respawn_ticks, b.respawn_ticks);
    EXPECT_EQ(a.cooldown_ticks, b.cooldown_ticks);
    EXPECT_EQ(a.score, b.score);
    EXPECT_EQ(a.deaths, b.deaths);
  }
  ASSERT_EQ(client.projectile_count(), server.projectile_count());
  for (const sim::Projectile& p : server.projectiles) {
    if (!p.active) continue;
    const sim::Projectile* q = nullptr;
    for (const sim::Projectile& c : client.projectiles)
      if (c.active && c.id == p.id) q = &c;
    ASSERT_NE(q, nullptr) << "projectile " << p.id;
    EXPECT_EQ(q->owner, p.owner);
    EXPECT_EQ(q->ticks_left, p.ticks_left);
    // Moved from its origin: within 0.05 unit after a whole lifetime.
    EXPECT_NEAR(q->x, p.x, 0.05) << "projectile " << p.id;
    EXPECT_NEAR(q->y, p.y, 0.05) << "projectile " << p.id;
    EXPECT_NEAR(q->vx, p.vx, kShotVelocityStep);
    EXPECT_NEAR(q->vy, p.vy, kShotVelocityStep);
  }
}

TEST(Replication, SchemaIsValidAndSizedForTheArena) {
  const tw::Schema& s = schema();
  ASSERT_TRUE(s.validated());
  ASSERT_EQ(s.type_count(), 2u);
  EXPECT_EQ(s.type(kShipType).fields.size(), std::size_t{kShipFieldCount});
  EXPECT_EQ(s.type(kProjectileType).fields.size(), std::size_t{kShotFieldCount});
  // 1/64 unit over 1600 x 900.
  EXPECT_LE(half_step(kShipPosition, 0), 1.0 / 128);
  EXPECT_LE(half_step(kShipPosition, 1), 1.0 / 128);
  const tw::TypeLayout& ship = s.layout(kShipType);
  EXPECT_EQ(ship.components[ship.fields[kShipPosition].first_word].bits, 17);
  EXPECT_EQ(ship.components[ship.fields[kShipPosition].first_word + 1].bits, 16);
  EXPECT_TRUE(replication_settings().validate());
  EXPECT_GE(replication_settings().max_entities,
            static_cast<std::uint32_t>(sim::kMaxPlayers + sim::kMaxProjectiles));
}

TEST(Replication, ASnapshotComesBackAsTheWorldWithinQuantization) {
  sim::World w = busy_world();
  WorldMirror mirror;
  mirror.update(w);
  play(w, mirror, 200);  // shots come and go, ships die and respawn
  ASSERT_GT(w.projectile_count(), 5);
  tw::Snapshot snap(schema(), replication_settings());
  mirror.store().capture(w.tick, snap);
  EXPECT_EQ(snap.size(), static_cast<std::uint32_t>(w.player_count() + w.projectile_count()));
  sim::World back;
  ASSERT_EQ(to_world(snap, back), WorldError::None);
  expect_world_near(w, back);
  EXPECT_TRUE(mirror.ship(0).valid());
  EXPECT_FALSE(mirror.ship(1).valid());
}

TEST(Replication, ShotsWhoseLifetimeRanOutAreLeftOut) {
  sim::World w = busy_world();
  WorldMirror mirror;
  mirror.update(w);
  ASSERT_GT(w.projectile_count(), 0);
  tw::Snapshot snap(schema(), replication_settings());
  // The same entities seen a lifetime later (a removal still on its way).
  mirror.store().capture(w.tick + sim::kProjectileTicks, snap);
  sim::World back;
  ASSERT_EQ(to_world(snap, back), WorldError::None);
  EXPECT_EQ(back.projectile_count(), 0);
  EXPECT_EQ(back.player_count(), w.player_count());
}

TEST(Replication, TwoShipsInOneSlotAreRefused) {
  tw::EntityStore store(schema(), replication_settings());
  for (int i = 0; i < 2; ++i) {
    const tw::EntityId e = store.create(kShipType);
    ASSERT_TRUE(store.set_int(e, kShipSlot, 3));
  }
  tw::Snapshot snap(schema(), replication_settings());
  store.capture(10, snap);
  sim::World back;
  EXPECT_EQ(to_world(snap, back), WorldError::DuplicateSlot);
}

// The position and velocity fields span whole powers of two of grid steps,
// wider than the arena: a ship beyond it decodes, and the game refuses it.
TEST(Replication, ShipsOutsideTheArenaAreRefused) {
  for (const auto& [pos, vel] :
       {std::pair{tw::Vec2{1700, 10}, tw::Vec2{0, 0}}, std::pair{tw::Vec2{10, 950}, tw::Vec2{0, 0}},
        std::pair{tw::Vec2{10, 10}, tw::Vec2{300, 0}},
        std::pair{tw::Vec2{10, 10}, tw::Vec2{0, 600}},
        std::pair{tw::Vec2{1600, 900}, tw::Vec2{280, 280}}}) {
    tw::EntityStore store(schema(), replication_settings());
    const tw::EntityId e = store.create(kShipType);
    ASSERT_TRUE(store.set_int(e, kShipSlot, 1));
    ASSERT_TRUE(store.set_vec2(e, kShipPosition, pos));
    ASSERT_TRUE(store.set_vec2(e, kShipVelocity, vel));
    tw::Snapshot snap(schema(), replication_settings());
    store.capture(10, snap);
    sim::World back;
    const bool inside = pos.x <= 1600 && pos.y <= 900 && vel.x <= 280 && vel.y <= 280;
    EXPECT_EQ(to_world(snap, back), inside ? WorldError::None : WorldError::ShipOutOfRange)
        << pos.x << "," << pos.y << " " << vel.x << "," << vel.y;
  }
}

// A snapshot the engine decodes but the game refuses is counted and never
// acknowledged: the server keeps coding against the last world the client took.
TEST(StateChannel, ARefusedWorldIsNotAcked) {
  tw::EntityStore store(schema(), replication_settings());
  tw::SnapshotRing ring(schema(), replication_settings());
  tw::SnapshotSender sender(schema(), replication_settings());
  const tw::EntityId a = store.create(kShipType);
  ASSERT_TRUE(store.set_int(a, kShipSlot, 3));
  StateReceiver receiver;
  std::vector<std::uint8_t> envelope;
  ASSERT_NE(ring.capture(store, 10), nullptr);
  ASSERT_EQ(sender.encode(*ring.newest(), 0, 0, envelope), tw::SnapshotError::None);
  ASSERT_TRUE(receiver.receive(envelope, 1.0));
  EXPECT_EQ(receiver.ack(), std::optional<std::uint32_t>(10));
  sender.acknowledge(10);
  // A hostile server puts a second ship in slot 3.
  const tw::EntityId b = store.create(kShipType);
  ASSERT_TRUE(store.set_int(b, kShipSlot, 3));
  ASSERT_NE(ring.capture(store, 12), nullptr);
  ASSERT_EQ(sender.encode(*ring.newest(), 0, 0, envelope), tw::SnapshotError::None);
  EXPECT_FALSE(receiver.receive(envelope, 1.1));
  EXPECT_EQ(receiver.stats().bad_world, 1u);
  EXPECT_EQ(receiver.ack(), std::optional<std::uint32_t>(10)) << "still the last world taken";
}

// A server's state channel and one client's, joined by a perfect link: the
// first snapshot goes whole, every later one as a delta once acked.
TEST(StateChannel, SendsDeltasAgainstAckedSnapshots) {
  StateSender sender(2);
  EXPECT_EQ(sender.rate_hz(), 30);
  StateReceiver receiver;
  sender.reset(4);
  sim::World w = busy_world();
  const std::vector<StateRecipient> to{{4, 5, 1.5, 9}};
  std::vector<std::uint8_t> first, last;
  std::vector<std::size_t> sizes;
  int sent = 0;
  for (int t = 0; t < 40; ++t) {
    sim::step(w, sim::Inputs{});
    sent += static_cast<int>(sender.after_step(w, 1000u * w.tick, to, [&](const auto&, auto bytes) {
      if (first.empty()) first.assign(bytes.begin(), bytes.end());
      last.assign(bytes.begin(), bytes.end());
      sizes.push_back(bytes.size());
      EXPECT_TRUE(receiver.receive(bytes, t / 60.0));
    }));
    if (const auto ack = receiver.ack()) sender.acknowledge(4, *ack);
  }
  EXPECT_EQ(sent, 20);
  // The envelope carries the input side's facts through.
  EXPECT_EQ(receiver.newest()->input_ack, 5u);
  EXPECT_EQ(receiver.newest()->input_slack, std::optional<double>(1.5));
  EXPECT_EQ(receiver.newest()->input_received, 9u);
  const StateReceiverStats& rs = receiver.stats();
  EXPECT_EQ(rs.received, 20u);
  EXPECT_EQ(rs.full_received, 1u);
  EXPECT_EQ(rs.delta_received, 19u);
  EXPECT_EQ(rs.decode_errors(), 0u);
  EXPECT_EQ(sender.stats().full_sent, 1u);
  EXPECT_EQ(sender.stats().delta_sent, 19u);
  // Deltas of a world in motion are a fraction of the whole.
  std::printf("%d ships, %d shots: full %zu bytes, last delta %zu bytes\n", w.player_count(),
              w.projectile_count(), sizes.front(), sizes.back());
  EXPECT_LT(sizes.back() * 2, sizes.front());
  EXPECT_EQ(receiver.size(), StateReceiver::kCapacity);
  EXPECT_EQ(receiver.newest()->world.tick, w.tick);
  EXPECT_EQ(receiver.newest()->input_ack, 5u);
  EXPECT_EQ(receiver.ack(), std::optional<std::uint32_t>(w.tick));
  expect_world_near(w, receiver.newest()->world);

  // Old, broken and baseless envelopes are refused and counted.
  EXPECT_FALSE(receiver.receive(first, 1.0));
  EXPECT_EQ(receiver.stats().stale, 1u);
  const std::vector<std::uint8_t> junk(40, 0x5a);
  EXPECT_FALSE(receiver.receive(junk, 1.0));
  EXPECT_EQ(receiver.stats().bad_envelope, 1u);
  StateReceiver fresh;
  EXPECT_FALSE(fresh.receive(last, 1.0));
  EXPECT_EQ(fresh.stats().unknown_baseline, 1u);
  EXPECT_EQ(fresh.stats().decode_errors(), 1u);
  EXPECT_EQ(fresh.size(), 0u);

  // A rejoin starts the stream over with a whole snapshot.
  sender.reset(4);
  const std::uint64_t full_before = sender.stats().full_sent;
  sim::step(w, sim::Inputs{});
  sim::step(w, sim::Inputs{});
  int sent_after_reset = 0;
  sender.after_step(w, 0, to, [&](const auto&, auto) { ++sent_after_reset; });
  EXPECT_EQ(sent_after_reset, 1);
  EXPECT_EQ(sender.stats().full_sent, full_before + 1);
}

// The byte budget keeps even a full 32-ship, 256-shot world within one
// datagram; the rest follows in later snapshots.
TEST(StateChannel, AFullArenaFitsTheBudget) {
  sim::World w;
  for (int i = 0; i < sim::kMaxPlayers; ++i) sim::add_player(w, i);
  WorldMirror scratch;
  play(w, scratch, 120);
  StateSender sender(1);
  StateReceiver receiver;
  sender.reset(0);
  const std::vector<StateRecipient> to{{0, 0, std::nullopt, 0}};
  std::size_t largest = 0;
  for (int t = 0; t < 60; ++t) {
    play(w, scratch, 1);
    sender.after_step(w, 0, to, [&](const auto&, auto bytes) {
      largest = std::max(largest, bytes.size());
      receiver.receive(bytes, 0);
    });
    if (const auto ack = receiver.ack()) sender.acknowledge(0, *ack);
  }
  std::printf("32 ships, %d shots: largest envelope %zu bytes\n", w.projectile_count(), largest);
  EXPECT_LE(largest, replication_settings().budget_bytes + tw::kSnapshotEnvelopeOverhead);
  EXPECT_EQ(receiver.stats().decode_errors(), 0u);
  EXPECT_EQ(receiver.newest()->world.player_count(), sim::kMaxPlayers);
}

}  // namespace
}  // namespace arena::proto
