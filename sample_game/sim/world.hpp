// arena — the shared simulation: ships, projectiles, walls, health, respawn
// and scores, advanced by one fixed 60 Hz step at a time.
//
// Pure and deterministic: step() reads only the world and the inputs given
// to it (no clock, no randomness from outside, no I/O), so the same world and
// the same inputs give bit-identical results. The server runs it
// authoritatively; the client will run the same code for prediction.
//
// Units: positions in world units (the arena is kArenaWidth x kArenaHeight),
// speeds in units per second, times in ticks (1 tick = kTickSeconds).
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace arena::sim {

inline constexpr std::uint32_t kTickRate = 60;  // simulation steps per second, Hz
inline constexpr float kTickSeconds = 1.0f / kTickRate;

inline constexpr int kMaxPlayers = 32;       // ships in a world, ever (slots 0..31)
inline constexpr int kMaxProjectiles = 256;  // projectiles alive at once; more shots are refused
inline constexpr int kMaxEvents = 64;        // events one step may report; more are dropped

inline constexpr float kArenaWidth = 1600.0f;  // world units
inline constexpr float kArenaHeight = 900.0f;  // world units

inline constexpr float kShipRadius = 16.0f;  // world units
inline constexpr float kShipSpeed = 280.0f;  // top speed, units/s
inline constexpr float kShipAccel = 12.0f;   // velocity approaches the target at this rate, 1/s
inline constexpr int kMaxHealth = 100;       // hit points
inline constexpr int kRespawnTicks = 2 * kTickRate;  // a dead ship waits 2 s
inline constexpr int kFireCooldownTicks = 9;         // at most one shot per 9 ticks (6.7 shots/s)
inline constexpr float kProjectileSpeed = 720.0f;    // units/s
inline constexpr float kProjectileRadius = 4.0f;     // world units
inline constexpr int kProjectileTicks = 72;          // lifetime, ticks (1.2 s)
inline constexpr int kProjectileDamage = 20;         // hit points per hit (5 hits kill)

// An axis-aligned wall: x, y is the top-left corner, w and h the size, units.
struct Wall {
  float x, y, w, h;
};

// The map: static walls every client and server share (not sent on the wire).
std::span<const Wall> walls() noexcept;
// Points where ships (re)appear, world units.
struct Point {
  float x, y;
};
std::span<const Point> spawn_points() noexcept;

// One player's controls for one tick. Untrusted: step() clamps everything.
struct Input {
  float move_x = 0;  // desired direction, -1..1 each; a longer vector is scaled to length 1
  float move_y = 0;
  float aim_x = 1;  // aim direction (any length > 0); zero or non-finite keeps the last aim
  float aim_y = 0;
  bool fire = false;  // held: fires whenever the cooldown allows
};

// The inputs of every slot for one step (slots without a ship are ignored).
using Inputs = std::array<Input, kMaxPlayers>;

// Returns `in` made safe: finite, movement of length <= 1, aim of length 1
// (or `last_aim` when `in` has none).
Input clamp_input(const Input& in, float last_aim_x, float last_aim_y) noexcept;

struct Ship {
  bool active = false;              // a player holds this slot
  bool alive = false;               // false while waiting to respawn
  float x = 0, y = 0;               // centre, units
  float vx = 0, vy = 0;             // velocity, units/s
  float aim_x = 1, aim_y = 0;       // unit vector
  std::int32_t health = 0;          // 0..kMaxHealth
  std::int32_t respawn_ticks = 0;   // dead: ticks until respawn
  std::int32_t cooldown_ticks = 0;  // ticks until the next shot is allowed
  std::int32_t score = 0;           // kills
  std::int32_t deaths = 0;
};

struct Projectile {
  bool active = false;
  std::uint16_t id = 0;    // wraps; identifies a projectile across states (for interpolation)
  std::uint8_t owner = 0;  // slot of the ship that fired it
  float x = 0, y = 0;      // units
  float vx = 0, vy = 0;    // units/s
  std::int32_t ticks_left = 0;
};

enum class EventType : std::uint8_t { Kill, Spawn, Hit };

struct Event {
  EventType type = EventType::Kill;
  std::uint8_t subject = 0;  // Kill/Hit: the ship hit; Spawn: the ship spawned
  std::uint8_t other = 0;    // Kill/Hit: the shooter's slot
};

struct World {
  std::uint32_t tick = 0;  // steps taken
  std::array<Ship, kMaxPlayers> ships{};
  std::array<Projectile, kMaxProjectiles> projectiles{};
  std::uint16_t next_projectile_id = 1;
  // Events of the last step only (cleared by each step). Bounded: events
  // beyond kMaxEvents are dropped and counted in events_dropped.
  std::array<Event, kMaxEvents> events{};
  std::int32_t event_count = 0;
  std::uint32_t events_dropped = 0;

  [[nodiscard]] int player_count() const noexcept;
  [[nodiscard]] int projectile_count() const noexcept;
};

// Puts a ship in `slot` (0..kMaxPlayers-1) at a spawn point, alive, score 0.
// Returns false when the slot is out of range or taken.
bool add_player(World& world, int slot) noexcept;
void remove_player(World& world, int slot) noexcept;

// Advances the world by one tick (kTickSeconds).
void step(World& world, const Inputs& inputs) noexcept;

// True when the segment from (x0,y0) to (x1,y1) crosses no wall.
bool line_of_sight(float x0, float y0, float x1, float y1) noexcept;

}  // namespace arena::sim
