#include "client/interpolate.hpp"

#include <algorithm>
#include <cmath>

namespace arena::client {

namespace {

float lerp(float a, float b, float t) noexcept {
  return a + (b - a) * t;
}

}  // namespace

void blend(const proto::StateReceiver& states, const tickwire::InterpolationClock::Sample& pick,
           double render_tick, sim::World& out) noexcept {
  out = sim::World{};
  if (!pick.valid || states.size() == 0) return;
  const sim::World& a = states.at(pick.a).world;
  if (pick.a == pick.b) {
    out.tick = a.tick;
    out.ships = a.ships;
    out.projectiles = a.projectiles;
    return;
  }
  const sim::World& b = states.at(pick.b).world;
  const double span = static_cast<double>(b.tick - a.tick);
  const auto t = static_cast<float>(pick.t);
  out.tick = static_cast<std::uint32_t>(std::max(0.0, render_tick));

  for (std::size_t i = 0; i < out.ships.size(); ++i) {
    const sim::Ship& sa = a.ships[i];
    const sim::Ship& sb = b.ships[i];
    sim::Ship& s = out.ships[i];
    s = t < 0.5f ? sa : sb;  // discrete fields from the nearer state
    if (!sa.active || !sb.active || sa.alive != sb.alive) continue;
    const float dx = sb.x - sa.x, dy = sb.y - sa.y;
    if (dx * dx + dy * dy > sim::kTeleportDistance * sim::kTeleportDistance) continue;
    s.x = lerp(sa.x, sb.x, t);
    s.y = lerp(sa.y, sb.y, t);
    s.vx = lerp(sa.vx, sb.vx, t);
    s.vy = lerp(sa.vy, sb.vy, t);
    // Aim: lerp and renormalise (the two are unit vectors).
    const float ax = lerp(sa.aim_x, sb.aim_x, t), ay = lerp(sa.aim_y, sb.aim_y, t);
    const float len = std::sqrt(ax * ax + ay * ay);
    if (len > 1e-3f) s.aim_x = ax / len, s.aim_y = ay / len;
  }

  // Projectiles: those in b, matched to a by id; new ones are placed back
  // along their path; those only in a (hit something) linger until halfway.
  const float dt = static_cast<float>(span) * sim::kTickSeconds;
  std::size_t k = 0;
  for (const sim::Projectile& pb : b.projectiles) {
    if (!pb.active || k >= out.projectiles.size()) continue;
    sim::Projectile p = pb;
    const sim::Projectile* pa = nullptr;
    for (const sim::Projectile& c : a.projectiles)
      if (c.active && c.id == pb.id) pa = &c;
    if (pa) {
      p.x = lerp(pa->x, pb.x, t);
      p.y = lerp(pa->y, pb.y, t);
    } else {
      const float back = (1.0f - t) * dt;
      p.x = pb.x - pb.vx * back;
      p.y = pb.y - pb.vy * back;
      // Fired after the moment drawn: not there yet.
      if (static_cast<float>(pb.ticks_left) + (1.0f - t) * static_cast<float>(span) >
          static_cast<float>(sim::kProjectileTicks))
        continue;
    }
    out.projectiles[k++] = p;
  }
  if (t < 0.5f) {
    for (const sim::Projectile& pa : a.projectiles) {
      if (!pa.active || k >= out.projectiles.size()) continue;
      bool in_b = false;
      for (const sim::Projectile& c : b.projectiles) in_b |= c.active && c.id == pa.id;
      if (in_b) continue;
      sim::Projectile p = pa;
      p.x = pa.x + pa.vx * t * dt;
      p.y = pa.y + pa.vy * t * dt;
      out.projectiles[k++] = p;
    }
  }
}

}  // namespace arena::client
