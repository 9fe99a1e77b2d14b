#include "proto/replication.hpp"

#include <algorithm>
#include <cmath>

namespace arena::proto {

namespace tw = ::tickwire;

namespace {

// The width of a range of 2^bits - 1 steps.
constexpr float grid_span(int bits, double step) {
  return static_cast<float>(static_cast<double>((1u << bits) - 1) * step);
}

tw::Schema build_schema() {
  constexpr float kW = sim::kArenaWidth, kH = sim::kArenaHeight;
  constexpr float kShipV = sim::kShipSpeed, kShotV = sim::kProjectileSpeed;
  tw::Schema s;
  tw::EntityTypeSpec ship;
  ship.name = "ship";
  ship.fields.resize(kShipFieldCount);
  ship.fields[kShipSlot] = tw::FieldSpec::integer("slot", 0, sim::kMaxPlayers - 1);
  // Ships live on sim's grid (sim::snap_to_grid). Each range spans exactly
  // 2^bits - 1 grid steps, so that a code is a whole number of steps and a
  // ship arrives bit for bit as the server has it.
  ship.fields[kShipPosition] = tw::FieldSpec::vec2(
      "position", {0, 0}, {grid_span(17, kPositionStep), grid_span(16, kPositionStep)},
      kPositionStep);
  ship.fields[kShipVelocity] = tw::FieldSpec::vec2(
      "velocity", {-kShipV, -kShipV},
      {-kShipV + grid_span(14, kShipVelocityStep), -kShipV + grid_span(14, kShipVelocityStep)},
      kShipVelocityStep);
  ship.fields[kShipAim] = tw::FieldSpec::angle("aim", kAimBits);
  ship.fields[kShipAlive] = tw::FieldSpec::boolean("alive");
  ship.fields[kShipHealth] = tw::FieldSpec::integer("health", 0, sim::kMaxHealth);
  ship.fields[kShipRespawnTicks] = tw::FieldSpec::integer("respawn_ticks", 0, sim::kRespawnTicks);
  ship.fields[kShipCooldownTicks] =
      tw::FieldSpec::integer("cooldown_ticks", 0, sim::kFireCooldownTicks);
  ship.fields[kShipScore] = tw::FieldSpec::integer("score", 0, kMaxScore);
  ship.fields[kShipDeaths] = tw::FieldSpec::integer("deaths", 0, kMaxScore);
  s.add(std::move(ship));

  tw::EntityTypeSpec shot;
  shot.name = "projectile";
  shot.fields.resize(kShotFieldCount);
  shot.fields[kShotId] = tw::FieldSpec::integer("id", 0, 65535);
  shot.fields[kShotOwner] = tw::FieldSpec::integer("owner", 0, sim::kMaxPlayers - 1);
  shot.fields[kShotOrigin] = tw::FieldSpec::vec2("origin", {0, 0}, {kW, kH}, kPositionStep);
  shot.fields[kShotVelocity] =
      tw::FieldSpec::vec2("velocity", {-kShotV, -kShotV}, {kShotV, kShotV}, kShotVelocityStep);
  shot.fields[kShotOriginTick] = tw::FieldSpec::integer("origin_tick", 0, kShotTickModulus - 1);
  shot.fields[kShotTicksLeft] = tw::FieldSpec::integer("ticks_left", 0, sim::kProjectileTicks);
  s.add(std::move(shot));
  // The specs above are constants: validation cannot fail unless they are
  // edited wrongly, which every test that makes a stream would show.
  (void)s.validate();
  return s;
}

}  // namespace

const tw::Schema& schema() {
  static const tw::Schema s = build_schema();
  return s;
}

tw::ReplicationSettings replication_settings() noexcept {
  tw::ReplicationSettings r;
  r.max_entities = sim::kMaxPlayers + sim::kMaxProjectiles;
  r.snapshot_ring = 32;
  return r;
}

const char* to_string(WorldError e) noexcept {
  switch (e) {
    case WorldError::None: return "none";
    case WorldError::DuplicateSlot: return "two ships in one slot";
    case WorldError::TooManyShots: return "too many projectiles";
    case WorldError::ShipOutOfRange: return "a ship outside the arena or too fast";
  }
  return "?";
}

// ---- Server ----------------------------------------------------------------

WorldMirror::WorldMirror() : store_(schema(), replication_settings()) {}

tw::EntityId WorldMirror::ship(int slot) const noexcept {
  if (slot < 0 || slot >= sim::kMaxPlayers) return {};
  return ships_[static_cast<std::size_t>(slot)];
}

tw::EntityId WorldMirror::projectile(int index) const noexcept {
  if (index < 0 || index >= sim::kMaxProjectiles) return {};
  return shots_[static_cast<std::size_t>(index)].entity;
}

void WorldMirror::set_ship(tw::EntityId e, const sim::Ship& s) {
  store_.set_vec2(e, kShipPosition, {s.x, s.y});
  store_.set_vec2(e, kShipVelocity, {s.vx, s.vy});
  store_.set_angle(e, kShipAim, std::atan2(s.aim_y, s.aim_x));
  store_.set_bool(e, kShipAlive, s.alive);
  store_.set_int(e, kShipHealth, s.health);
  store_.set_int(e, kShipRespawnTicks, s.respawn_ticks);
  store_.set_int(e, kShipCooldownTicks, s.cooldown_ticks);
  store_.set_int(e, kShipScore, s.score);
  store_.set_int(e, kShipDeaths, s.deaths);
}

void WorldMirror::update(const sim::World& world) {
  for (std::size_t i = 0; i < world.ships.size(); ++i) {
    const sim::Ship& s = world.ships[i];
    tw::EntityId& e = ships_[i];
    if (!s.active) {
      if (e.valid()) store_.destroy(e);
      e = {};
      continue;
    }
    if (!e.valid()) {
      e = store_.create(kShipType);
      if (!e.valid()) continue;  // cannot happen: the store holds every ship and shot
      store_.set_int(e, kShipSlot, static_cast<std::int64_t>(i));
    }
    set_ship(e, s);
  }
  // A shot's entity is written once: it mirrors the shot's origin, which
  // does not change while the shot flies.
  for (std::size_t i = 0; i < world.projectiles.size(); ++i) {
    const sim::Projectile& p = world.projectiles[i];
    Shot& shot = shots_[i];
    if (shot.entity.valid() && (!p.active || p.id != shot.sim_id)) {
      store_.destroy(shot.entity);
      shot = {};
    }
    if (!p.active || shot.entity.valid()) continue;
    const tw::EntityId e = store_.create(kProjectileType);
    if (!e.valid()) continue;
    shot = {e, p.id};
    store_.set_int(e, kShotId, p.id);
    store_.set_int(e, kShotOwner, p.owner);
    store_.set_vec2(e, kShotOrigin, {p.x, p.y});
    store_.set_vec2(e, kShotVelocity, {p.vx, p.vy});
    store_.set_int(e, kShotOriginTick, world.tick % kShotTickModulus);
    store_.set_int(e, kShotTicksLeft, p.ticks_left);
  }
}

// ---- Client ----------------------------------------------------------------

WorldError to_world(const tw::Snapshot& snapshot, sim::World& out) noexcept {
  out = sim::World{};
  out.tick = snapshot.tick();
  const tw::Schema& sch = schema();
  std::size_t shots = 0;
  // The codec has checked types, code counts and ranges, so no getter below
  // comes back empty; value_or() only keeps that assumption out of the way.
  for (const tw::EntityRecord& e : snapshot.entities()) {
    const tw::EntityView v(sch, snapshot, e);
    if (e.type == kShipType) {
      const std::int64_t slot = v.get_int(kShipSlot).value_or(-1);
      if (slot < 0 || slot >= sim::kMaxPlayers) continue;
      sim::Ship& s = out.ships[static_cast<std::size_t>(slot)];
      if (s.active) return WorldError::DuplicateSlot;
      const tw::Vec2 pos = v.get_vec2(kShipPosition).value_or(tw::Vec2{});
      const tw::Vec2 vel = v.get_vec2(kShipVelocity).value_or(tw::Vec2{});
      const float aim = v.get_angle(kShipAim).value_or(0.0f);
      s.active = true;
      s.alive = v.get_bool(kShipAlive).value_or(false);
      if (pos.x > sim::kArenaWidth || pos.y > sim::kArenaHeight || vel.x > sim::kShipSpeed ||
          vel.y > sim::kShipSpeed)
        return WorldError::ShipOutOfRange;
      s.x = pos.x;
      s.y = pos.y;
      s.vx = vel.x;
      s.vy = vel.y;
      s.aim_x = std::cos(aim);
      s.aim_y = std::sin(aim);
      s.health = static_cast<std::int32_t>(v.get_int(kShipHealth).value_or(0));
      s.respawn_ticks = static_cast<std::int32_t>(v.get_int(kShipRespawnTicks).value_or(0));
      s.cooldown_ticks = static_cast<std::int32_t>(v.get_int(kShipCooldownTicks).value_or(0));
      s.score = static_cast<std::int32_t>(v.get_int(kShipScore).value_or(0));
      s.deaths = static_cast<std::int32_t>(v.get_int(kShipDeaths).value_or(0));
    } else if (e.type == kProjectileType) {
      const auto origin_tick = static_cast<std::uint32_t>(v.get_int(kShotOriginTick).value_or(0));
      const std::uint32_t age = (snapshot.tick() - origin_tick) % kShotTickModulus;
      const std::int64_t left = v.get_int(kShotTicksLeft).value_or(0) - std::int64_t{age};
      if (left <= 0) continue;  // expired by this tick: its removal is still on the way
      if (shots == out.projectiles.size()) return WorldError::TooManyShots;
      const tw::Vec2 origin = v.get_vec2(kShotOrigin).value_or(tw::Vec2{});
      const tw::Vec2 vel = v.get_vec2(kShotVelocity).value_or(tw::Vec2{});
      const float flown = static_cast<float>(age) * sim::kTickSeconds;
      sim::Projectile& p = out.projectiles[shots++];
      p.active = true;
      p.id = static_cast<std::uint16_t>(v.get_int(kShotId).value_or(0));
      p.owner = static_cast<std::uint8_t>(v.get_int(kShotOwner).value_or(0));
      p.x = origin.x + vel.x * flown;
      p.y = origin.y + vel.y * flown;
      p.vx = vel.x;
      p.vy = vel.y;
      p.ticks_left = static_cast<std::int32_t>(left);
    }
  }
  return WorldError::None;
}

}  // namespace arena::proto
