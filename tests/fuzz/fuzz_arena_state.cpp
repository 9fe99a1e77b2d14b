// Fuzz target: arena's state path on the client, from snapshot envelopes to
// sim::World (net/state_channel.hpp: tickwire::SnapshotReceiver, then
// proto::to_world). The input is a sequence of envelopes (arena_state_input.hpp)
// fed to a fresh StateReceiver in order. Every envelope must be either kept
// or counted as refused or stale, and every state kept must be a world
// within the game's limits that the client's bot can think about, or the
// target traps.
#include <cmath>
#include <cstdint>
#include <span>
#include <vector>

#include "arena_state_input.hpp"
#include "proto/replication.hpp"
#include "proto/state_channel.hpp"
#include "sim/bot.hpp"
#include "sim/world.hpp"

namespace {

using namespace arena;

// A value within [lo, hi], allowing `slack` for quantization and rounding.
bool within(float v, float lo, float hi, float slack) {
  return std::isfinite(v) && v >= lo - slack && v <= hi + slack;
}

bool valid_ship(const sim::Ship& s) {
  constexpr float kPos = proto::kPositionStep, kVel = proto::kShipVelocityStep;
  const float aim = std::hypot(s.aim_x, s.aim_y);
  return within(s.x, 0, sim::kArenaWidth, kPos) && within(s.y, 0, sim::kArenaHeight, kPos) &&
         within(s.vx, -sim::kShipSpeed, sim::kShipSpeed, kVel) &&
         within(s.vy, -sim::kShipSpeed, sim::kShipSpeed, kVel) && within(aim, 1, 1, 1e-3f) &&
         s.health >= 0 && s.health <= sim::kMaxHealth && s.respawn_ticks >= 0 &&
         s.respawn_ticks <= sim::kRespawnTicks && s.cooldown_ticks >= 0 &&
         s.cooldown_ticks <= sim::kFireCooldownTicks && s.score >= 0 &&
         s.score <= proto::kMaxScore && s.deaths >= 0 && s.deaths <= proto::kMaxScore;
}

// A shot is moved from its origin (inside the arena) for less than its
// lifetime, so it can be at most one lifetime's flight outside.
bool valid_shot(const sim::Projectile& p) {
  constexpr float kFlight = sim::kProjectileSpeed * sim::kProjectileTicks * sim::kTickSeconds;
  constexpr float kV = sim::kProjectileSpeed, kStep = proto::kShotVelocityStep;
  return p.owner < sim::kMaxPlayers && p.ticks_left >= 1 && p.ticks_left <= sim::kProjectileTicks &&
         within(p.vx, -kV, kV, kStep) && within(p.vy, -kV, kV, kStep) &&
         within(p.x, -kFlight, sim::kArenaWidth + kFlight, 1) &&
         within(p.y, -kFlight, sim::kArenaHeight + kFlight, 1);
}

bool valid_world(const sim::World& w) {
  for (const sim::Ship& s : w.ships)
    if (s.active && !valid_ship(s)) return false;
  // Shots are packed at the front of the array.
  bool ended = false;
  for (const sim::Projectile& p : w.projectiles) {
    if (!p.active) {
      ended = true;
      continue;
    }
    if (ended || !valid_shot(p)) return false;
  }
  return w.event_count == 0;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static proto::StateReceiver receiver;
  receiver.clear();
  std::uint64_t calls = 0;
  arena::fuzz::for_each_envelope({data, size}, [&](std::span<const std::uint8_t> record) {
    // As ENet delivers a packet: in its own allocation of exactly its size
    // (aligned for FlatBuffers, and ASan sees any read past its end).
    const std::vector<std::uint8_t> envelope(record.begin(), record.end());
    const double arrival_s = static_cast<double>(calls++) / 30.0;
    const std::size_t kept_before = receiver.size();
    const bool kept = receiver.receive(envelope, arrival_s);
    const proto::StateReceiverStats& st = receiver.stats();
    if (st.envelopes != calls || st.received + st.stale + st.decode_errors() != calls)
      __builtin_trap();
    if (receiver.size() > proto::StateReceiver::kCapacity) __builtin_trap();
    if (!kept) {
      if (receiver.size() != kept_before) __builtin_trap();
      return;
    }
    const proto::StateReceiver::Received* newest = receiver.newest();
    if (newest == nullptr || receiver.ack() != newest->world.tick) __builtin_trap();
    if (!valid_world(newest->world)) __builtin_trap();
    if (newest->input_slack && !std::isfinite(*newest->input_slack)) __builtin_trap();
    // The client's bot reads the newest state for its own ship.
    for (int slot = 0; slot < sim::kMaxPlayers; ++slot) {
      if (!newest->world.ships[static_cast<std::size_t>(slot)].active) continue;
      sim::BotBrain brain(static_cast<std::uint64_t>(slot) + 1);
      const sim::Input in = sim::think(brain, newest->world, slot);
      if (!std::isfinite(in.move_x) || !std::isfinite(in.move_y)) __builtin_trap();
      break;
    }
  });
  return 0;
}
