// The replicated world of `tw-bench server`: one game-like entity type and a
// scenario in which a quarter of the entities move every tick while the rest
// stand still with rare changes. Deterministic for a seed; nothing here reads
// a clock (ticks are given by the caller, 60 per simulated second).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <tickwire/entity_store.hpp>
#include <tickwire/snapshot_codec.hpp>

namespace twbench {

// The entity type "player", field indices in schema order.
enum PlayerField : std::uint32_t { kPosition, kVelocity, kHeading, kHealth, kShielded };

// Quantization of "player" (units: metres, metres per second, radians).
inline constexpr double kArenaHalfM = 128.0;                // position in [-128, 128] m per axis
inline constexpr double kPositionResolutionM = 1.0 / 64;    // 15 bits per axis
inline constexpr double kMaxSpeedMps = 16.0;                // velocity in [-16, 16] m/s per axis
inline constexpr double kVelocityResolutionMps = 1.0 / 32;  // 11 bits per axis
inline constexpr std::uint32_t kHeadingBits = 10;           // 1024 codes per turn
inline constexpr std::int64_t kMaxHealth = 100;             // health in 0 .. 100

struct WorldScenario {
  std::uint32_t entities = 900;      // live entities, 1 .. tickwire::kMaxEntities
  std::uint32_t mover_every = 4;     // every 4th entity (index 0, 4, 8, ...) moves: a quarter
  double still_change_per_s = 0.05;  // share of the still entities changing per second
  std::uint32_t seed = 1;            // the placement, the circles and the still changes
  double hz = 60.0;                  // ticks per simulated second
};

// A short description of the schema and the scenario, for --help and the JSON.
std::string describe_schema();
std::string describe_scenario(const WorldScenario& scenario);

// Owns the schema and the server's entity store. Not movable: the store and
// every ring, codec, sender and receiver made from schema() keep a reference
// to the schema, so the world must outlive them.
class BenchWorld {
 public:
  // Builds and validates the schema and creates the entities (check ok()).
  // `settings` sizes the store: max_entities must be at least
  // scenario.entities.
  BenchWorld(const WorldScenario& scenario, const tickwire::ReplicationSettings& settings);
  BenchWorld(const BenchWorld&) = delete;
  BenchWorld& operator=(const BenchWorld&) = delete;

  [[nodiscard]] bool ok() const noexcept { return error_.empty(); }
  [[nodiscard]] const std::string& error() const noexcept { return error_; }
  [[nodiscard]] const tickwire::Schema& schema() const noexcept { return schema_; }
  [[nodiscard]] const tickwire::EntityStore& store() const noexcept { return store_; }

  // Sets every mover's state for `tick` and applies the still entities' changes
  // due by then. Ticks must increase by one per call.
  void step(std::uint32_t tick);
  // Movers halt where they are (velocity 0) and still entities stop changing;
  // every later step() changes nothing.
  void stop();

  [[nodiscard]] std::uint32_t movers() const noexcept {
    return static_cast<std::uint32_t>(movers_.size());
  }
  [[nodiscard]] std::uint32_t still() const noexcept {
    return static_cast<std::uint32_t>(still_.size());
  }
  // Still entities changed so far (health or shielded), summed over steps.
  [[nodiscard]] std::uint64_t still_changes() const noexcept { return still_changes_; }

 private:
  struct Mover {
    tickwire::EntityId id;
    double home_x = 0, home_y = 0;  // circle centre, m
    double radius = 0;              // m
    double omega = 0;               // angular speed, rad/s (sign: direction)
    double phase = 0;               // angle at tick 0, rad
  };

  std::uint64_t next_random() noexcept;  // splitmix64
  double uniform(double lo, double hi) noexcept;

  WorldScenario scenario_;
  tickwire::Schema schema_;
  tickwire::EntityStore store_;
  std::vector<Mover> movers_;
  std::vector<tickwire::EntityId> still_;
  std::uint64_t random_state_ = 0;
  double change_credit_ = 0;  // still changes owed, fractional
  std::uint64_t still_changes_ = 0;
  bool stopped_ = false;
  std::string error_;
};

}  // namespace twbench
