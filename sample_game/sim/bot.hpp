// arena — a bot brain: turns a view of the world into one Input per tick.
//
// Used by the server for its own bots (--bots N) and by a client playing by
// itself (--bot). Deterministic: its only randomness is its own seeded state.
#pragma once

#include <array>
#include <cstdint>

#include "sim/world.hpp"

namespace arena::sim {

// A ship that just (re)spawned is no bot's target for this long: a player
// joining a match, or back from a death, gets a moment to look around.
inline constexpr std::uint32_t kSpawnGraceTicks = 3 * kTickRate;

struct BotBrain {
  std::uint64_t rng = 0x9e3779b97f4a7c15ull;  // xorshift state; never 0
  float wander_x = 0, wander_y = 0;           // current wander direction (unit vector)
  std::int32_t wander_ticks = 0;              // ticks until a new wander direction
  std::int32_t strafe = 1;                    // +1 or -1: which way to circle the target
  float last_x = 0, last_y = 0;               // position at the last think, to notice being stuck
  std::int32_t stuck_ticks = 0;
  // Each ship's spawn, as this brain saw it: alive at its last think, and
  // the tick it was first seen alive since.
  std::array<bool, kMaxPlayers> was_alive{};
  std::array<std::uint32_t, kMaxPlayers> alive_since{};

  BotBrain() noexcept : BotBrain(1) {}
  explicit BotBrain(std::uint64_t seed) noexcept;
};

// The bot's input for this tick, for the ship in `slot`. Never fails: a dead
// or missing ship gets a neutral input.
Input think(BotBrain& brain, const World& world, int slot) noexcept;

}  // namespace arena::sim
