#include "server_world.hpp"

#include <cmath>
#include <cstdio>
#include <numbers>
#include <string>

namespace twbench {
namespace {

using namespace tickwire;

// Movers run circles of this radius, m, at this speed, m/s: a walk to a run.
constexpr double kMinRadiusM = 4.0, kMaxRadiusM = 24.0;
constexpr double kMinRunMps = 2.0, kMaxRunMps = 8.0;
// Circle centres (and still entities) stay this far inside the arena, m.
constexpr double kPlacementHalfM = kArenaHalfM - kMaxRadiusM - 1.0;

// Validated on return, or not validated when the schema is wrong (a bug).
Schema make_player_schema() {
  Schema schema;
  const Vec2 arena_min{static_cast<float>(-kArenaHalfM), static_cast<float>(-kArenaHalfM)};
  const Vec2 arena_max{static_cast<float>(kArenaHalfM), static_cast<float>(kArenaHalfM)};
  const Vec2 speed_min{static_cast<float>(-kMaxSpeedMps), static_cast<float>(-kMaxSpeedMps)};
  const Vec2 speed_max{static_cast<float>(kMaxSpeedMps), static_cast<float>(kMaxSpeedMps)};
  schema.add({"player",
              {FieldSpec::vec2("position", arena_min, arena_max, kPositionResolutionM),
               FieldSpec::vec2("velocity", speed_min, speed_max, kVelocityResolutionMps),
               FieldSpec::angle("heading", kHeadingBits),
               FieldSpec::integer("health", 0, kMaxHealth), FieldSpec::boolean("shielded")}});
  (void)schema.validate();
  return schema;
}

}  // namespace

std::string describe_schema() {
  return "player: position vec2 [-128,128] m at 1/64 m (15 bits/axis), velocity vec2 [-16,16] "
         "m/s at 1/32 m/s (11 bits/axis), heading angle 10 bits, health int 0..100, "
         "shielded bool";
}

std::string describe_scenario(const WorldScenario& s) {
  char text[400];
  std::snprintf(text, sizeof(text),
                "every %uth entity runs a circle (radius 4-24 m, 2-8 m/s): position, velocity "
                "and heading change every tick; the rest stand still and %.0f%% of them per "
                "second change health or shielded; seed %u",
                s.mover_every, s.still_change_per_s * 100.0, s.seed);
  return text;
}

BenchWorld::BenchWorld(const WorldScenario& scenario, const ReplicationSettings& settings)
    : scenario_(scenario),
      schema_(make_player_schema()),
      store_(schema_, settings),
      random_state_(0x9E3779B97F4A7C15ull * (std::uint64_t{scenario.seed} + 1)) {
  if (!schema_.validated()) {
    error_ = "the player schema does not validate";
    return;
  }
  if (scenario.entities > store_.capacity() || scenario.mover_every == 0) {
    error_ = "the entity store holds " + std::to_string(store_.capacity()) + " entities, " +
             std::to_string(scenario.entities) + " asked for";
    return;
  }
  for (std::uint32_t i = 0; i < scenario.entities; ++i) {
    const EntityId id = store_.create(0);
    const double x = uniform(-kPlacementHalfM, kPlacementHalfM);
    const double y = uniform(-kPlacementHalfM, kPlacementHalfM);
    (void)store_.set_int(id, kHealth, kMaxHealth);
    if (i % scenario.mover_every == 0) {
      Mover m;
      m.id = id;
      m.home_x = x;
      m.home_y = y;
      m.radius = uniform(kMinRadiusM, kMaxRadiusM);
      const double direction = (next_random() & 1) != 0 ? 1.0 : -1.0;
      m.omega = direction * uniform(kMinRunMps, kMaxRunMps) / m.radius;
      m.phase = uniform(0.0, 2.0 * std::numbers::pi);
      movers_.push_back(m);
    } else {
      (void)store_.set_vec2(id, kPosition, Vec2{static_cast<float>(x), static_cast<float>(y)});
      (void)store_.set_angle(id, kHeading,
                             static_cast<float>(uniform(0.0, 2.0 * std::numbers::pi)));
      still_.push_back(id);
    }
  }
  step(0);
}

std::uint64_t BenchWorld::next_random() noexcept {
  std::uint64_t z = (random_state_ += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

double BenchWorld::uniform(double lo, double hi) noexcept {
  const double unit = static_cast<double>(next_random() >> 11) * 0x1.0p-53;  // [0, 1)
  return lo + (hi - lo) * unit;
}

void BenchWorld::step(std::uint32_t tick) {
  if (stopped_ || !ok()) return;
  const double t = static_cast<double>(tick) / scenario_.hz;  // s
  for (const Mover& m : movers_) {
    const double angle = m.phase + m.omega * t;
    const double c = std::cos(angle), s = std::sin(angle);
    const double vx = -m.radius * m.omega * s, vy = m.radius * m.omega * c;
    (void)store_.set_vec2(m.id, kPosition,
                          Vec2{static_cast<float>(m.home_x + m.radius * c),
                               static_cast<float>(m.home_y + m.radius * s)});
    (void)store_.set_vec2(m.id, kVelocity, Vec2{static_cast<float>(vx), static_cast<float>(vy)});
    (void)store_.set_angle(m.id, kHeading, static_cast<float>(std::atan2(vy, vx)));
  }
  if (still_.empty()) return;
  change_credit_ +=
      static_cast<double>(still_.size()) * scenario_.still_change_per_s / scenario_.hz;
  for (; change_credit_ >= 1.0; change_credit_ -= 1.0) {
    const EntityId id = still_[next_random() % still_.size()];
    if ((next_random() & 1) != 0) {
      (void)store_.set_int(id, kHealth, static_cast<std::int64_t>(next_random() % kMaxHealth) + 1);
    } else {
      (void)store_.set_bool(id, kShielded, !store_.get_bool(id, kShielded).value_or(false));
    }
    ++still_changes_;
  }
}

void BenchWorld::stop() {
  for (const Mover& m : movers_) (void)store_.set_vec2(m.id, kVelocity, Vec2{});
  stopped_ = true;
}

}  // namespace twbench
