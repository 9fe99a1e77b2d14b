#include "sim/world.hpp"

#include <algorithm>
#include <cmath>

namespace arena::sim {

namespace {

// The map, symmetric about both centre lines. World units.
constexpr std::array<Wall, 11> kWalls{{
    {750, 400, 100, 100},  // centre block
    {250, 200, 260, 28},   // four long bars
    {1090, 200, 260, 28},
    {250, 672, 260, 28},
    {1090, 672, 260, 28},
    {560, 330, 28, 240},  // two cover pillars beside the centre
    {1012, 330, 28, 240},
    {788, 120, 24, 110},  // short posts above and below the centre
    {788, 670, 24, 110},
    {120, 420, 90, 60},  // side blocks
    {1390, 420, 90, 60},
}};

constexpr std::array<Point, 10> kSpawns{{
    {80, 80},
    {800, 60},
    {1520, 80},
    {80, 450},
    {1520, 450},
    {80, 820},
    {800, 840},
    {1520, 820},
    {400, 450},
    {1200, 450},
}};

bool finite(float v) noexcept {
  return std::isfinite(v);
}

// Pushes a circle out of one wall. Returns true when it touched it.
bool push_out(float& x, float& y, float r, const Wall& w) noexcept {
  const float cx = std::clamp(x, w.x, w.x + w.w);
  const float cy = std::clamp(y, w.y, w.y + w.h);
  const float dx = x - cx;
  const float dy = y - cy;
  const float d2 = dx * dx + dy * dy;
  if (d2 >= r * r) return false;
  if (d2 > 0.0f) {
    const float d = std::sqrt(d2);
    x = cx + dx / d * r;
    y = cy + dy / d * r;
    return true;
  }
  // Centre inside the wall: leave by the nearest side.
  const float left = x - w.x, right = w.x + w.w - x, top = y - w.y, bottom = w.y + w.h - y;
  const float m = std::min({left, right, top, bottom});
  if (m == left) {
    x = w.x - r;
  } else if (m == right) {
    x = w.x + w.w + r;
  } else if (m == top) {
    y = w.y - r;
  } else {
    y = w.y + w.h + r;
  }
  return true;
}

bool inside_wall(float x, float y, float r) noexcept {
  for (const Wall& w : kWalls)
    if (x > w.x - r && x < w.x + w.w + r && y > w.y - r && y < w.y + w.h + r) return true;
  return false;
}

void push_event(World& world, EventType type, int subject, int other) noexcept {
  if (world.event_count >= kMaxEvents) {
    ++world.events_dropped;
    return;
  }
  world.events[static_cast<std::size_t>(world.event_count++)] = {
      type, static_cast<std::uint8_t>(subject), static_cast<std::uint8_t>(other)};
}

// The spawn point farthest from every living ship other than `slot`; ties go
// to the first in an order that rotates with the tick.
Point pick_spawn(const World& world, int slot) noexcept {
  float best = -1.0f;
  Point chosen = kSpawns[0];
  for (std::size_t k = 0; k < kSpawns.size(); ++k) {
    const Point& p = kSpawns[(k + world.tick + static_cast<std::uint32_t>(slot)) % kSpawns.size()];
    float nearest = 1e30f;
    for (int i = 0; i < kMaxPlayers; ++i) {
      const Ship& s = world.ships[static_cast<std::size_t>(i)];
      if (i == slot || !s.active || !s.alive) continue;
      const float dx = s.x - p.x, dy = s.y - p.y;
      nearest = std::min(nearest, dx * dx + dy * dy);
    }
    if (nearest > best) {
      best = nearest;
      chosen = p;
    }
  }
  return chosen;
}

void spawn(World& world, int slot) noexcept {
  Ship& s = world.ships[static_cast<std::size_t>(slot)];
  const Point p = pick_spawn(world, slot);
  s.alive = true;
  s.x = p.x;
  s.y = p.y;
  s.vx = s.vy = 0;
  // Face the centre of the arena.
  const float dx = kArenaWidth / 2 - p.x, dy = kArenaHeight / 2 - p.y;
  const float d = std::sqrt(dx * dx + dy * dy);
  s.aim_x = d > 0 ? dx / d : 1.0f;
  s.aim_y = d > 0 ? dy / d : 0.0f;
  s.health = kMaxHealth;
  s.respawn_ticks = 0;
  s.cooldown_ticks = 0;
  snap_to_grid(s);
  push_event(world, EventType::Spawn, slot, slot);
}

// Launches a shot from `s` into a free entry of `pool`. False when every
// entry is busy: the shot is refused (no cooldown spent).
bool launch(Ship& s, int slot, std::span<Projectile> pool, std::uint16_t id) noexcept {
  for (Projectile& p : pool) {
    if (p.active) continue;
    p.active = true;
    p.id = id;
    p.owner = static_cast<std::uint8_t>(slot);
    p.x = s.x + s.aim_x * (kShipRadius + kProjectileRadius + 2);
    p.y = s.y + s.aim_y * (kShipRadius + kProjectileRadius + 2);
    p.vx = s.aim_x * kProjectileSpeed;
    p.vy = s.aim_y * kProjectileSpeed;
    p.ticks_left = kProjectileTicks;
    s.cooldown_ticks = kFireCooldownTicks;
    return true;
  }
  return false;
}

void fire(World& world, int slot) noexcept {
  if (launch(world.ships[static_cast<std::size_t>(slot)], slot, world.projectiles,
             world.next_projectile_id)) {
    ++world.next_projectile_id;
    if (world.next_projectile_id == 0) world.next_projectile_id = 1;
  }
}

// Movement and aim of one ship for one tick; true when it wants to fire now.
// The one piece of ship physics: step() and step_local() both run it.
bool move(Ship& s, const Input& raw) noexcept {
  const Input in = clamp_input(raw, s.aim_x, s.aim_y);
  const float k = std::min(1.0f, kShipAccel * kTickSeconds);
  s.vx += (in.move_x * kShipSpeed - s.vx) * k;
  s.vy += (in.move_y * kShipSpeed - s.vy) * k;
  s.x += s.vx * kTickSeconds;
  s.y += s.vy * kTickSeconds;
  for (int pass = 0; pass < 2; ++pass)
    for (const Wall& w : kWalls) push_out(s.x, s.y, kShipRadius, w);
  if (s.x < kShipRadius) s.x = kShipRadius, s.vx = 0;
  if (s.x > kArenaWidth - kShipRadius) s.x = kArenaWidth - kShipRadius, s.vx = 0;
  if (s.y < kShipRadius) s.y = kShipRadius, s.vy = 0;
  if (s.y > kArenaHeight - kShipRadius) s.y = kArenaHeight - kShipRadius, s.vy = 0;
  s.aim_x = in.aim_x;
  s.aim_y = in.aim_y;
  snap_to_grid(s);
  if (s.cooldown_ticks > 0) --s.cooldown_ticks;
  return in.fire && s.cooldown_ticks == 0;
}

// Flight of one shot for one tick; false when it is gone (lifetime, the
// arena's edge, a wall).
bool fly(Projectile& p) noexcept {
  p.x += p.vx * kTickSeconds;
  p.y += p.vy * kTickSeconds;
  if (--p.ticks_left <= 0 || p.x < 0 || p.y < 0 || p.x > kArenaWidth || p.y > kArenaHeight ||
      inside_wall(p.x, p.y, kProjectileRadius)) {
    p.active = false;
    return false;
  }
  return true;
}

// Whether shot `p` meets ship `target` (at x, y).
bool meets(const Projectile& p, float x, float y) noexcept {
  const float reach = kShipRadius + kProjectileRadius;
  const float dx = x - p.x, dy = y - p.y;
  return dx * dx + dy * dy < reach * reach;
}

void move_projectile(World& world, Projectile& p, const TargetView* view) noexcept {
  if (!fly(p)) return;
  for (int i = 0; i < kMaxPlayers; ++i) {
    Ship& s = world.ships[static_cast<std::size_t>(i)];
    if (!s.active || !s.alive || i == p.owner) continue;
    float x = s.x, y = s.y;
    if (view != nullptr && !view->ship_at(p.owner, i, x, y)) x = s.x, y = s.y;
    if (!meets(p, x, y)) continue;
    p.active = false;
    s.health = std::max(0, s.health - kProjectileDamage);
    push_event(world, EventType::Hit, i, p.owner);
    if (s.health == 0) {
      s.alive = false;
      s.vx = s.vy = 0;
      s.respawn_ticks = kRespawnTicks;
      ++s.deaths;
      Ship& shooter = world.ships[p.owner];
      if (shooter.active) ++shooter.score;
      push_event(world, EventType::Kill, i, p.owner);
    }
    return;
  }
}

}  // namespace

void snap_to_grid(Ship& s) noexcept {
  s.x = std::round(s.x / kPositionGrid) * kPositionGrid;
  s.y = std::round(s.y / kPositionGrid) * kPositionGrid;
  s.vx = std::round(s.vx / kVelocityGrid) * kVelocityGrid;
  s.vy = std::round(s.vy / kVelocityGrid) * kVelocityGrid;
  // The aim's angle code, and back, with the same arithmetic as tickwire's
  // angle fields (double turns, rounded, the radians as a float).
  constexpr double kTwoPi = 6.283185307179586476925286766559;
  const double codes = static_cast<double>(1u << kAimBits);
  const double t = static_cast<double>(std::atan2(s.aim_y, s.aim_x)) / kTwoPi;
  const auto code = static_cast<std::uint64_t>(std::round((t - std::floor(t)) * codes)) %
                    static_cast<std::uint64_t>(codes);
  auto radians = static_cast<float>(static_cast<double>(code) / codes * kTwoPi);
  if (!(radians < static_cast<float>(kTwoPi))) radians = 0.0f;
  s.aim_x = std::cos(radians);
  s.aim_y = std::sin(radians);
}

std::span<const Wall> walls() noexcept {
  return kWalls;
}
std::span<const Point> spawn_points() noexcept {
  return kSpawns;
}

Input clamp_input(const Input& in, float last_aim_x, float last_aim_y) noexcept {
  Input out;
  out.fire = in.fire;
  float mx = finite(in.move_x) ? in.move_x : 0.0f;
  float my = finite(in.move_y) ? in.move_y : 0.0f;
  // Scale so that the larger component is at most 1 (no overflow below),
  // then so that the length is at most 1.
  if (const float m = std::max(std::fabs(mx), std::fabs(my)); m > 1.0f) {
    mx /= m;
    my /= m;
  }
  const float len2 = mx * mx + my * my;
  if (len2 > 1.0f) {
    const float len = std::sqrt(len2);
    mx /= len;
    my /= len;
  }
  out.move_x = mx;
  out.move_y = my;
  out.aim_x = last_aim_x;
  out.aim_y = last_aim_y;
  if (finite(in.aim_x) && finite(in.aim_y)) {
    // Scale first so that huge values cannot overflow the square.
    const float m = std::max(std::fabs(in.aim_x), std::fabs(in.aim_y));
    if (m > 1e-6f) {
      const float ax = in.aim_x / m, ay = in.aim_y / m;
      const float len = std::sqrt(ax * ax + ay * ay);
      out.aim_x = ax / len;
      out.aim_y = ay / len;
    }
  }
  return out;
}

namespace {

struct Fnv {
  std::uint64_t h = 0xcbf29ce484222325ull;
  void bytes(const void* p, std::size_t n) noexcept {
    const auto* b = static_cast<const unsigned char*>(p);
    for (std::size_t i = 0; i < n; ++i) h = (h ^ b[i]) * 0x100000001b3ull;
  }
  template <typename T>
  void add(T v) noexcept {
    bytes(&v, sizeof v);  // floats by their bits: a world decoded twice hashes the same
  }
};

}  // namespace

std::uint64_t world_hash(const World& world) noexcept {
  Fnv f;
  f.add(world.tick);
  for (const Ship& s : world.ships) {
    f.add(s.active);
    if (!s.active) continue;
    f.add(s.alive);
    for (const float v : {s.x, s.y, s.vx, s.vy, s.aim_x, s.aim_y}) f.add(v);
    for (const std::int32_t v : {s.health, s.respawn_ticks, s.cooldown_ticks, s.score, s.deaths})
      f.add(v);
  }
  for (const Projectile& p : world.projectiles) {
    f.add(p.active);
    if (!p.active) continue;
    f.add(p.id);
    f.add(p.owner);
    for (const float v : {p.x, p.y, p.vx, p.vy}) f.add(v);
    f.add(p.ticks_left);
  }
  return f.h;
}

int World::player_count() const noexcept {
  return static_cast<int>(
      std::count_if(ships.begin(), ships.end(), [](const Ship& s) { return s.active; }));
}

int World::projectile_count() const noexcept {
  return static_cast<int>(std::count_if(projectiles.begin(), projectiles.end(),
                                        [](const Projectile& p) { return p.active; }));
}

bool add_player(World& world, int slot) noexcept {
  if (slot < 0 || slot >= kMaxPlayers) return false;
  Ship& s = world.ships[static_cast<std::size_t>(slot)];
  if (s.active) return false;
  s = Ship{};
  s.active = true;
  spawn(world, slot);
  return true;
}

void remove_player(World& world, int slot) noexcept {
  if (slot < 0 || slot >= kMaxPlayers) return;
  world.ships[static_cast<std::size_t>(slot)] = Ship{};
  // Its projectiles vanish too, so that a later owner of the slot is never
  // credited with them.
  for (Projectile& p : world.projectiles)
    if (p.active && p.owner == slot) p.active = false;
}

void step(World& world, const Inputs& inputs, const TargetView* view) noexcept {
  world.event_count = 0;
  ++world.tick;
  for (int i = 0; i < kMaxPlayers; ++i) {
    Ship& s = world.ships[static_cast<std::size_t>(i)];
    if (!s.active) continue;
    if (!s.alive) {
      if (--s.respawn_ticks <= 0) spawn(world, i);
      continue;
    }
    if (move(s, inputs[static_cast<std::size_t>(i)])) fire(world, i);
  }
  for (Projectile& p : world.projectiles)
    if (p.active) move_projectile(world, p, view);
}

void step_local(LocalState& state, int slot, const Input& input, std::uint32_t tick,
                const TargetView* view, LocalEvents* events) noexcept {
  Ship& s = state.ship;
  if (s.active && !s.alive) {
    if (s.respawn_ticks > 1) --s.respawn_ticks;
  } else if (s.active && move(s, input)) {
    const bool fired = launch(s, slot, state.shots, static_cast<std::uint16_t>(tick));
    if (events) events->fired = fired;
  }
  for (Projectile& p : state.shots) {
    if (!p.active || !fly(p) || view == nullptr) continue;
    for (int i = 0; i < kMaxPlayers; ++i) {
      float x = 0, y = 0;
      if (i == slot || !view->ship_at(slot, i, x, y) || !meets(p, x, y)) continue;
      p.active = false;
      if (events && events->hits < kMaxOwnShots)
        events->hit_targets[static_cast<std::size_t>(events->hits++)] =
            static_cast<std::uint8_t>(i);
      break;
    }
  }
}

LocalState local_state(const World& world, int slot) noexcept {
  LocalState out;
  if (slot < 0 || slot >= kMaxPlayers) return out;
  out.ship = world.ships[static_cast<std::size_t>(slot)];
  std::size_t k = 0;
  for (const Projectile& p : world.projectiles) {
    if (!p.active || p.owner != slot || k >= out.shots.size()) continue;
    Projectile q = p;
    // The fire tick: a shot leaves with kProjectileTicks and loses one in
    // the step that fires it and in every step after.
    q.id = static_cast<std::uint16_t>(
        world.tick - static_cast<std::uint32_t>(kProjectileTicks - 1 - p.ticks_left));
    out.shots[k++] = q;
  }
  return out;
}

bool line_of_sight(float x0, float y0, float x1, float y1) noexcept {
  // Slab test of the segment against each wall.
  for (const Wall& w : kWalls) {
    float t0 = 0.0f, t1 = 1.0f;
    const float d[2] = {x1 - x0, y1 - y0};
    const float o[2] = {x0, y0};
    const float lo[2] = {w.x, w.y};
    const float hi[2] = {w.x + w.w, w.y + w.h};
    bool hit = true;
    for (int a = 0; a < 2 && hit; ++a) {
      if (std::fabs(d[a]) < 1e-9f) {
        if (o[a] < lo[a] || o[a] > hi[a]) hit = false;
        continue;
      }
      float ta = (lo[a] - o[a]) / d[a], tb = (hi[a] - o[a]) / d[a];
      if (ta > tb) std::swap(ta, tb);
      t0 = std::max(t0, ta);
      t1 = std::min(t1, tb);
      if (t0 > t1) hit = false;
    }
    if (hit) return false;
  }
  return true;
}

}  // namespace arena::sim
