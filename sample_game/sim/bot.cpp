#include "sim/bot.hpp"

#include <cmath>

namespace arena::sim {

namespace {

std::uint64_t next(std::uint64_t& s) noexcept {
  s ^= s << 13;
  s ^= s >> 7;
  s ^= s << 17;
  return s;
}

// Uniform in [-1, 1).
float unit(std::uint64_t& s) noexcept {
  return static_cast<float>(next(s) >> 40) / static_cast<float>(1ull << 23) - 1.0f;
}

void new_wander(BotBrain& b) noexcept {
  float x = unit(b.rng), y = unit(b.rng);
  const float len = std::sqrt(x * x + y * y);
  if (len < 1e-3f)
    x = 1, y = 0;
  else
    x /= len, y /= len;
  b.wander_x = x;
  b.wander_y = y;
  b.wander_ticks = 40 + static_cast<std::int32_t>(next(b.rng) % 80);
}

}  // namespace

BotBrain::BotBrain(std::uint64_t seed) noexcept {
  rng = seed * 0x9e3779b97f4a7c15ull + 0x632be59bd9b4e019ull;
  if (rng == 0) rng = 1;
  new_wander(*this);
  strafe = (next(rng) & 1) ? 1 : -1;
}

Input think(BotBrain& b, const World& world, int slot) noexcept {
  Input in;
  if (slot < 0 || slot >= kMaxPlayers) return in;
  for (std::size_t i = 0; i < world.ships.size(); ++i) {
    const bool alive = world.ships[i].active && world.ships[i].alive;
    if (alive && !b.was_alive[i]) b.alive_since[i] = world.tick;
    b.was_alive[i] = alive;
  }
  const Ship& me = world.ships[static_cast<std::size_t>(slot)];
  if (!me.active || !me.alive) return in;
  in.aim_x = me.aim_x;
  in.aim_y = me.aim_y;

  // Stuck against a wall: pick another direction.
  const float moved = std::fabs(me.x - b.last_x) + std::fabs(me.y - b.last_y);
  b.stuck_ticks = moved < 0.5f ? b.stuck_ticks + 1 : 0;
  b.last_x = me.x;
  b.last_y = me.y;
  if (--b.wander_ticks <= 0 || b.stuck_ticks > 10) {
    new_wander(b);
    b.stuck_ticks = 0;
    if (next(b.rng) % 4 == 0) b.strafe = -b.strafe;
  }

  // The nearest living enemy, preferring ones in sight.
  int target = -1;
  float best = 1e30f;
  bool target_visible = false;
  for (int i = 0; i < kMaxPlayers; ++i) {
    const Ship& s = world.ships[static_cast<std::size_t>(i)];
    if (i == slot || !s.active || !s.alive) continue;
    if (world.tick - b.alive_since[static_cast<std::size_t>(i)] < kSpawnGraceTicks) continue;
    const float dx = s.x - me.x, dy = s.y - me.y;
    const bool visible = line_of_sight(me.x, me.y, s.x, s.y);
    const float d2 = (dx * dx + dy * dy) * (visible ? 1.0f : 4.0f);
    if (d2 < best) {
      best = d2;
      target = i;
      target_visible = visible;
    }
  }

  float mx = b.wander_x, my = b.wander_y;
  if (target >= 0) {
    const Ship& t = world.ships[static_cast<std::size_t>(target)];
    const float dx = t.x - me.x, dy = t.y - me.y;
    const float d = std::sqrt(dx * dx + dy * dy);
    if (d > 1e-3f) {
      const float ux = dx / d, uy = dy / d;
      // Lead the target a little.
      const float lead = d / kProjectileSpeed * 0.6f;
      in.aim_x = dx + t.vx * lead;
      in.aim_y = dy + t.vy * lead;
      // Close in when far, back off when near, circle around in between;
      // blend with wandering so bots do not all stack up.
      const float radial = d > 380 ? 1.0f : (d < 200 ? -1.0f : 0.0f);
      mx = 0.6f * (ux * radial - uy * static_cast<float>(b.strafe)) + 0.4f * b.wander_x;
      my = 0.6f * (uy * radial + ux * static_cast<float>(b.strafe)) + 0.4f * b.wander_y;
      in.fire = target_visible && d < 650 && (next(b.rng) % 3 != 0);
    }
  }
  const float len = std::sqrt(mx * mx + my * my);
  if (len > 1e-3f) {
    in.move_x = mx / len;
    in.move_y = my / len;
  }
  return in;
}

}  // namespace arena::sim
