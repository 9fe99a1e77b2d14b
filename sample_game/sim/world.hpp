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
// A ship farther than this from where it was a few ticks before respawned:
// it is drawn there at once, never slid across the map, units.
inline constexpr float kTeleportDistance = 120.0f;
inline constexpr int kProjectileTicks = 72;   // lifetime, ticks (1.2 s)
inline constexpr int kProjectileDamage = 20;  // hit points per hit (5 hits kill)

// The wire's grid. Ships are kept on it after every step (Quake 3 snaps its
// player vectors the same way), and proto/replication.hpp codes them exactly
// on it: a client that restarts its prediction from a received state starts
// from the server's state to the bit, so a ship nobody touches is never
// corrected.
inline constexpr float kPositionGrid = 1.0f / 64;  // units
inline constexpr float kVelocityGrid = 1.0f / 16;  // units/s
inline constexpr std::uint32_t kAimBits = 12;      // aim directions: 2^12 per turn

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

// Puts a ship's position, velocity and aim on the wire's grid (the aim as the
// wire decodes it: the angle's code turned back into a unit vector).
void snap_to_grid(Ship& s) noexcept;

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

// A 64-bit hash (FNV-1a) of what a snapshot carries of a world: its tick,
// and every field of the active ships and projectiles (inactive ones count
// as absent, whatever their stale fields hold). Two worlds that draw the
// same hash the same; `tw-trace replay` and `arena --world-hashes` print it.
std::uint64_t world_hash(const World& world) noexcept;

// Puts a ship in `slot` (0..kMaxPlayers-1) at a spawn point, alive, score 0.
// Returns false when the slot is out of range or taken.
bool add_player(World& world, int slot) noexcept;
void remove_player(World& world, int slot) noexcept;

// Where a shot's owner saw the other ships: the server's lag compensation
// (tickwire::LagCompensator) and the client's drawn remote ships implement it.
class TargetView {
 public:
  virtual ~TargetView() = default;
  // Where ship `target` was in `shooter`'s view, units. False: not in the
  // view (step() then takes where the ship is; step_local() sees no ship).
  virtual bool ship_at(int shooter, int target, float& x, float& y) const = 0;
};

// Advances the world by one tick (kTickSeconds). With a view, shots hit the
// ships where their owners saw them (damage goes to the ship as it is now).
void step(World& world, const Inputs& inputs, const TargetView* view = nullptr) noexcept;

// ---- Prediction: one player's part of the world, simulated alone ----

inline constexpr int kMaxOwnShots = 16;  // a ship has at most ~9 shots in flight (72 / 9 ticks)

// What a client predicts: its own ship and its own shots. Ships never push
// each other, so this part moves exactly as on the server until someone
// else's shot lands, the ship respawns, or an input reaches the server late.
struct LocalState {
  Ship ship;
  std::array<Projectile, kMaxOwnShots> shots{};  // active ones are in flight; id: the fire tick
};

// What one local step reports (for effects and hit statistics).
struct LocalEvents {
  bool fired = false;
  int hits = 0;  // shots that met a ship in the view (removed, no damage dealt)
  std::array<std::uint8_t, kMaxOwnShots> hit_targets{};
};

// The own ship's step: the same movement, firing and shot flight as step()
// for slot `slot`, at tick `tick` (the tick being made). Shots hit the ships
// `view` shows (nullptr: none) and vanish; damage is the server's. A dead
// ship waits: its respawn (where depends on everyone) comes from the server.
void step_local(LocalState& state, int slot, const Input& input, std::uint32_t tick,
                const TargetView* view, LocalEvents* events) noexcept;
// The local state of `slot` in a world (its ship; its shots, ids made from
// their fire ticks).
LocalState local_state(const World& world, int slot) noexcept;

// True when the segment from (x0,y0) to (x1,y1) crosses no wall.
bool line_of_sight(float x0, float y0, float x1, float y1) noexcept;

}  // namespace arena::sim
