// arena — the world as tickwire replication entities: the schema both ends
// build, the server's mirror of sim::World into an EntityStore, and the
// client's way back from a decoded Snapshot to a sim::World.
//
// Two entity types. A ship is one entity per occupied slot (the slot is a
// field), carrying everything sim::Ship has. A projectile is one entity per
// shot, created when the shot first appears and destroyed when it is gone;
// it carries where it was and how fast it flew at one tick (its origin), so
// its entity never changes while it flies and deltas cost nothing for it:
// the client moves it to each snapshot's tick (shots fly straight at
// constant speed in sim::step).
//
// Quantization (sim/world.hpp has the ranges), each step at most:
//   ship positions and velocities lie on sim's grid (sim::snap_to_grid) and
//   are coded exactly: 1/64 unit (17 + 16 bits, ranges of 2^bits - 1 steps
//   from 0 covering the 1600 x 900 arena), 1/16 unit/s (14 bits from
//   -kShipSpeed); aim one of 2^12 directions, also exact; shot origins
//   1/64 unit, a round trip within 1/128 unit, far below a pixel;
//   shot velocity 1/64 unit/s in +-kProjectileSpeed (17 bits), so a shot's
//   drift over its 1.2 s life stays under 0.01 unit;
//   aim 2^12 codes per turn (0.09 degrees); health, timers, scores exact.
// Measured: a 4-ship bot match sends about 115-byte envelopes (stream plus
// tickwire's envelope) 30 times a second.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

#include <tickwire/entity_store.hpp>
#include <tickwire/snapshot_codec.hpp>

#include "sim/world.hpp"

namespace arena::proto {

// Entity types, in the order the schema adds them.
inline constexpr tickwire::TypeId kShipType = 0;
inline constexpr tickwire::TypeId kProjectileType = 1;

// Field indices of a ship entity.
enum ShipField : std::uint32_t {
  kShipSlot,           // integer 0..kMaxPlayers-1
  kShipPosition,       // vec2, units
  kShipVelocity,       // vec2, units/s
  kShipAim,            // angle of the aim vector, radians
  kShipAlive,          // bool
  kShipHealth,         // integer 0..kMaxHealth
  kShipRespawnTicks,   // integer 0..kRespawnTicks
  kShipCooldownTicks,  // integer 0..kFireCooldownTicks
  kShipScore,          // integer 0..kMaxScore (clamped)
  kShipDeaths,         // integer 0..kMaxScore (clamped)
  kShipFieldCount,
};

// Field indices of a projectile entity. All are set once, at creation.
enum ProjectileField : std::uint32_t {
  kShotId,          // integer: sim::Projectile::id (matches shots across states)
  kShotOwner,       // integer 0..kMaxPlayers-1
  kShotOrigin,      // vec2: position at the origin tick, units
  kShotVelocity,    // vec2, units/s
  kShotOriginTick,  // integer: the origin's server tick modulo kShotTickModulus
  kShotTicksLeft,   // integer 0..kProjectileTicks: lifetime left at the origin tick
  kShotFieldCount,
};

inline constexpr double kPositionStep = sim::kPositionGrid;      // units
inline constexpr double kShipVelocityStep = sim::kVelocityGrid;  // units/s
inline constexpr double kShotVelocityStep = 1.0 / 64;            // units/s
inline constexpr std::uint32_t kAimBits = sim::kAimBits;         // codes per turn = 2^12
inline constexpr std::int64_t kMaxScore = 65535;  // kills and deaths beyond this are clamped
// A shot's origin tick is sent modulo this; it must exceed the longest time
// a shot can be held, kProjectileTicks.
inline constexpr std::uint32_t kShotTickModulus = 256;
static_assert(sim::kProjectileTicks < static_cast<int>(kShotTickModulus));

// The arena's schema, built and validated once; lives for the whole process.
const tickwire::Schema& schema();
// Entities: every ship and every shot at once. Snapshot history: 32
// snapshots (about 1 s at 30 Hz) on each side. Budget: tickwire's default
// (1200 bytes of stream per snapshot).
tickwire::ReplicationSettings replication_settings() noexcept;

// Server: keeps an EntityStore equal to the world (quantized). Call update()
// after every step; entities are created and destroyed as ships and shots
// come and go (a slot that changes hands between two steps keeps its ship
// entity; its fields say who is there now). Memory: the store, about 20 KB.
class WorldMirror {
 public:
  WorldMirror();

  void update(const sim::World& world);
  [[nodiscard]] const tickwire::EntityStore& store() const noexcept { return store_; }
  // The entity of a slot's ship or of a projectile array index; EntityId{} for none.
  [[nodiscard]] tickwire::EntityId ship(int slot) const noexcept;
  [[nodiscard]] tickwire::EntityId projectile(int index) const noexcept;

 private:
  struct Shot {
    tickwire::EntityId entity;
    std::uint16_t sim_id = 0;  // sim::Projectile::id it mirrors
  };
  void set_ship(tickwire::EntityId e, const sim::Ship& s);

  tickwire::EntityStore store_;
  std::array<tickwire::EntityId, sim::kMaxPlayers> ships_{};
  std::array<Shot, sim::kMaxProjectiles> shots_{};
};

// Why a decoded snapshot is not a world the game accepts. Only a broken or
// hostile server sends these; the codec has already checked every range.
enum class WorldError : std::uint8_t {
  None,
  DuplicateSlot,  // two ship entities claim one slot
  TooManyShots,   // more projectiles than sim::kMaxProjectiles
  // A ship outside the arena or faster than kShipSpeed (the fields' ranges
  // are wider: they span whole powers of two of grid steps).
  ShipOutOfRange,
};
const char* to_string(WorldError e) noexcept;

// Client: the world at the snapshot's tick. Ships are dequantized; each shot
// is moved from its origin to the snapshot's tick, and shots whose lifetime
// has run out by then (a removal the server's budget deferred) are left
// out. Events are not carried. On error `out` is unspecified.
WorldError to_world(const tickwire::Snapshot& snapshot, sim::World& out) noexcept;

}  // namespace arena::proto
