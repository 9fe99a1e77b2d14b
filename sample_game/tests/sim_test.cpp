// The shared simulation: determinism, walls, damage, respawn, input clamping.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "sim/bot.hpp"
#include "sim/world.hpp"

namespace arena::sim {
namespace {

// Bit-exact comparison of everything step() writes.
bool same(const World& a, const World& b) {
  if (a.tick != b.tick || a.next_projectile_id != b.next_projectile_id) return false;
  for (std::size_t i = 0; i < a.ships.size(); ++i) {
    const Ship& x = a.ships[i];
    const Ship& y = b.ships[i];
    if (x.active != y.active || x.alive != y.alive || x.health != y.health ||
        x.respawn_ticks != y.respawn_ticks || x.cooldown_ticks != y.cooldown_ticks ||
        x.score != y.score || x.deaths != y.deaths)
      return false;
    const float fx[6] = {x.x, x.y, x.vx, x.vy, x.aim_x, x.aim_y};
    const float fy[6] = {y.x, y.y, y.vx, y.vy, y.aim_x, y.aim_y};
    if (std::memcmp(fx, fy, sizeof fx) != 0) return false;
  }
  for (std::size_t i = 0; i < a.projectiles.size(); ++i) {
    const Projectile& x = a.projectiles[i];
    const Projectile& y = b.projectiles[i];
    if (x.active != y.active) return false;
    if (!x.active) continue;
    if (x.id != y.id || x.owner != y.owner || x.ticks_left != y.ticks_left || x.x != y.x ||
        x.y != y.y)
      return false;
  }
  return true;
}

// A busy match: 8 bots for `ticks` steps.
World run_bots(int ticks, std::uint64_t seed) {
  World w;
  std::array<BotBrain, 8> brains;
  for (int i = 0; i < 8; ++i) {
    add_player(w, i);
    brains[static_cast<std::size_t>(i)] = BotBrain(seed + static_cast<std::uint64_t>(i));
  }
  for (int t = 0; t < ticks; ++t) {
    Inputs in{};
    for (int i = 0; i < 8; ++i)
      in[static_cast<std::size_t>(i)] = think(brains[static_cast<std::size_t>(i)], w, i);
    step(w, in);
  }
  return w;
}

TEST(Sim, SameInputsGiveIdenticalWorlds) {
  const World a = run_bots(3000, 7);
  const World b = run_bots(3000, 7);
  EXPECT_TRUE(same(a, b));
  int kills = 0;
  for (const Ship& s : a.ships) kills += s.deaths;
  EXPECT_GT(kills, 0) << "bots should fight in 50 s";
  EXPECT_FALSE(same(a, run_bots(3000, 8)));  // the comparison can tell worlds apart
}

// A ship that just spawned is no bot's target for kSpawnGraceTicks: a bot
// right next to it, in sight, holds its fire, then fights.
TEST(Sim, BotsGiveANewShipGraceAfterItSpawns) {
  World w;
  ASSERT_TRUE(add_player(w, 0));  // the bot
  BotBrain brain(3);
  Inputs in{};
  for (int t = 0; t < 30; ++t) {  // the bot alone for half a second
    in[0] = think(brain, w, 0);
    step(w, in);
  }
  ASSERT_TRUE(add_player(w, 1));  // a player joins, 60 units away in the open
  w.ships[1].x = w.ships[0].x + 60;
  w.ships[1].y = w.ships[0].y;
  std::uint32_t first_shot_tick = 0;
  const std::uint32_t joined = w.tick;
  for (std::uint32_t t = 0; t < kSpawnGraceTicks + 120 && first_shot_tick == 0; ++t) {
    in[0] = think(brain, w, 0);
    in[1] = Input{};  // the player stands still
    if (in[0].fire && w.ships[0].cooldown_ticks == 0) {
      // Only at the player: the bot has no one else to shoot at.
      first_shot_tick = w.tick;
    }
    w.ships[1].x = w.ships[0].x + 60;  // keeps the player next to the bot
    w.ships[1].y = w.ships[0].y;
    step(w, in);
  }
  ASSERT_NE(first_shot_tick, 0u) << "the bot never fired at the player";
  EXPECT_GE(first_shot_tick - joined, kSpawnGraceTicks);
  EXPECT_LT(first_shot_tick - joined, kSpawnGraceTicks + 60);
}

TEST(Sim, ShipsStopAtWallsAndTheArenaEdge) {
  World w;
  ASSERT_TRUE(add_player(w, 0));
  Ship& s = w.ships[0];
  const Wall wall = walls()[0];  // the centre block, top edge at y = 400
  s.x = wall.x + wall.w / 2;
  s.y = 300;  // the row y = 300 crosses no wall
  Inputs in{};
  in[0].move_y = 1;
  in[0].aim_x = 1;
  for (int t = 0; t < 120; ++t) step(w, in);
  EXPECT_NEAR(s.y, wall.y - kShipRadius, 0.01f);

  in[0].move_y = -1;
  for (int t = 0; t < 30; ++t) step(w, in);
  s.y = 300;
  s.vx = s.vy = 0;
  in[0].move_y = 0;
  in[0].move_x = -1;
  for (int t = 0; t < 600; ++t) step(w, in);
  EXPECT_FLOAT_EQ(s.x, kShipRadius);
  EXPECT_FLOAT_EQ(s.y, 300);
}

TEST(Sim, ProjectilesStopAtWalls) {
  World w;
  ASSERT_TRUE(add_player(w, 0));
  ASSERT_TRUE(add_player(w, 1));
  const Wall wall = walls()[0];
  w.ships[0].x = wall.x - 60, w.ships[0].y = wall.y + wall.h / 2;
  w.ships[1].x = wall.x + wall.w + 60, w.ships[1].y = wall.y + wall.h / 2;
  Inputs in{};
  in[0].aim_x = 1, in[0].aim_y = 0, in[0].fire = true;
  for (int t = 0; t < 120; ++t) step(w, in);
  EXPECT_EQ(w.ships[1].health, kMaxHealth) << "the wall is cover";
  EXPECT_FALSE(line_of_sight(w.ships[0].x, w.ships[0].y, w.ships[1].x, w.ships[1].y));
}

TEST(Sim, HitsKillAndTheDeadRespawnAfterTwoSeconds) {
  World w;
  ASSERT_TRUE(add_player(w, 0));
  ASSERT_TRUE(add_player(w, 1));
  // Open floor, away from walls: y = 300 row between x = 900 and 1040.
  w.ships[0].x = 880, w.ships[0].y = 300;
  w.ships[1].x = 1050, w.ships[1].y = 300;
  ASSERT_TRUE(line_of_sight(880, 300, 1050, 300));
  Inputs in{};
  in[0].aim_x = 1, in[0].aim_y = 0, in[0].fire = true;
  std::uint32_t kill_tick = 0;
  for (int t = 0; t < 600 && kill_tick == 0; ++t) {
    step(w, in);
    for (int e = 0; e < w.event_count; ++e)
      if (w.events[static_cast<std::size_t>(e)].type == EventType::Kill) kill_tick = w.tick;
  }
  ASSERT_NE(kill_tick, 0u);
  EXPECT_FALSE(w.ships[1].alive);
  EXPECT_EQ(w.ships[1].deaths, 1);
  EXPECT_EQ(w.ships[0].score, 1);
  // Five hits of 20; a shot every kFireCooldownTicks.
  EXPECT_EQ(kMaxHealth / kProjectileDamage, 5);

  in[0].fire = false;
  while (!w.ships[1].alive) step(w, in);
  EXPECT_EQ(w.tick - kill_tick, static_cast<std::uint32_t>(kRespawnTicks));
  EXPECT_EQ(w.ships[1].health, kMaxHealth);
}

TEST(Sim, InputsAreClampedToTheRules) {
  World w;
  ASSERT_TRUE(add_player(w, 0));
  w.ships[0].x = 880, w.ships[0].y = 300;
  Inputs in{};
  in[0].move_x = 1e30f;  // asks for far more than full speed
  in[0].move_y = 5;
  in[0].aim_x = std::numeric_limits<float>::quiet_NaN();
  in[0].fire = true;
  int shots = 0;
  for (int t = 0; t < 60; ++t) {
    const std::uint16_t before = w.next_projectile_id;
    step(w, in);
    shots += w.next_projectile_id != before;
    const float speed = std::sqrt(w.ships[0].vx * w.ships[0].vx + w.ships[0].vy * w.ships[0].vy);
    ASSERT_LE(speed, kShipSpeed * 1.0001f);
    ASSERT_TRUE(std::isfinite(w.ships[0].x) && std::isfinite(w.ships[0].aim_x));
  }
  // Fire held for one second: at most one shot per cooldown.
  EXPECT_LE(shots, 60 / kFireCooldownTicks + 1);
  EXPECT_GE(shots, 60 / kFireCooldownTicks);

  const Input c = clamp_input({3, 4, 0, 0, false}, 0, 1);
  EXPECT_NEAR(c.move_x, 0.6f, 1e-6f);
  EXPECT_NEAR(c.move_y, 0.8f, 1e-6f);
  EXPECT_EQ(c.aim_x, 0.0f);  // zero aim keeps the last one
  EXPECT_EQ(c.aim_y, 1.0f);
  const Input inf = clamp_input({0, 0, std::numeric_limits<float>::infinity(), 1, false}, 1, 0);
  EXPECT_EQ(inf.aim_x, 1.0f);
  const Input huge = clamp_input({0, 0, 3e38f, 3e38f, false}, 1, 0);
  EXPECT_NEAR(huge.aim_x, std::sqrt(0.5f), 1e-6f);
}

TEST(Sim, ProjectilesAreBounded) {
  World w;
  for (int i = 0; i < kMaxPlayers; ++i) ASSERT_TRUE(add_player(w, i));
  EXPECT_FALSE(add_player(w, kMaxPlayers));
  EXPECT_FALSE(add_player(w, 0));
  Inputs in{};
  for (Input& i : in) i.fire = true;
  for (int t = 0; t < 300; ++t) {
    step(w, in);
    ASSERT_LE(w.projectile_count(), kMaxProjectiles);
    ASSERT_LE(w.event_count, kMaxEvents);
  }
}

TEST(Sim, RemovingAPlayerRemovesItsProjectiles) {
  World w;
  ASSERT_TRUE(add_player(w, 3));
  Inputs in{};
  in[3].fire = true;
  step(w, in);
  ASSERT_EQ(w.projectile_count(), 1);
  remove_player(w, 3);
  EXPECT_EQ(w.projectile_count(), 0);
  EXPECT_EQ(w.player_count(), 0);
}

TEST(Sim, SpawnPointsAreOutsideWalls) {
  for (const Point& p : spawn_points()) {
    World w;
    ASSERT_TRUE(add_player(w, 0));
    w.ships[0].x = p.x, w.ships[0].y = p.y;
    step(w, Inputs{});
    EXPECT_FLOAT_EQ(w.ships[0].x, p.x) << p.x << "," << p.y;
    EXPECT_FLOAT_EQ(w.ships[0].y, p.y) << p.x << "," << p.y;
  }
}

}  // namespace
}  // namespace arena::sim
