// Time sync (TickClock, InputTiming), interpolation timing and lag
// compensation, on simulated time: the microsecond timestamps are passed in.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <vector>

#include "tickwire/prediction.hpp"

namespace tickwire {
namespace {

// ---------------------------------------------------------------------------
// Time sync: a client and a server over a jittery link, the client's clock
// drifting. The server measures input slack (InputTiming, inside
// InputBuffer) and reports it in every snapshot.

struct SyncRun {
  double drift = 0;               // client clock rate minus one
  std::uint64_t stall_at_us = 0;  // true time the client stalls (0: never)
  std::uint64_t stall_for_us = 0;
  std::uint64_t jump_at_us = 0;  // true time the client's clock jumps ahead (0: never)
  std::uint64_t jump_by_us = 0;
  std::uint64_t duration_us = 20'000'000;
  std::uint32_t seed = 1;
  // Results.
  std::vector<std::pair<std::uint64_t, double>> client_slack;  // (true us, stats().slack_ticks)
  std::vector<std::pair<std::uint64_t, double>> server_slack;  // (true us, InputTiming::slack())
  double max_abs_dilation = 0;
  TimeSyncStats stats;
  InputBufferStats buffer;
  InputBufferStats buffer_at_3s;     // after the start-up
  std::uint64_t last_late_us = 0;    // true time of the last late input
  std::uint64_t longest_gap_us = 0;  // longest true time between two inputs made, after 3 s
};

void run_sync(const TimeSyncSettings& settings, SyncRun& run) {
  constexpr std::uint64_t kLatencyUs = 50'000, kJitterUs = 20'000;
  const double rate = settings.tick_rate_hz;
  std::mt19937 rng(run.seed);
  auto jitter = [&] { return static_cast<std::uint64_t>(rng() % (kJitterUs + 1)); };
  // The server's position at true time t: its step of tick T happens at T.
  auto server_pos = [&](std::uint64_t t) { return static_cast<double>(t) * rate / 1e6; };
  auto step_time = [&](std::uint32_t tick) {
    return static_cast<std::uint64_t>(std::ceil(static_cast<double>(tick) * 1e6 / rate));
  };
  const std::uint64_t client_epoch = 123'456'789;
  auto client_us = [&](std::uint64_t t) {
    const std::uint64_t jumped = run.jump_by_us && t >= run.jump_at_us ? run.jump_by_us : 0;
    return client_epoch + jumped +
           static_cast<std::uint64_t>(static_cast<double>(t) * (1.0 + run.drift));
  };

  TickClock clock(settings);
  InputBuffer<int> buffer;
  struct Snap {
    std::uint32_t tick;
    bool has_slack;
    double slack;
  };
  std::multimap<std::uint64_t, Snap> to_client;           // by true arrival time
  std::multimap<std::uint64_t, std::uint32_t> to_server;  // input ticks, by true arrival time

  std::uint32_t server_next = 1;
  std::uint32_t last_input = 0;
  std::uint64_t last_input_us = 0;
  std::uint64_t next_frame = 0;
  EXPECT_EQ(clock.advance(client_us(0)), 0u) << "no tick before the first snapshot";
  EXPECT_FALSE(clock.started());
  for (std::uint64_t t = 0; t <= run.duration_us; t += 1000) {
    // Server steps due by now, with the inputs that arrived before each.
    while (step_time(server_next) <= t) {
      const std::uint64_t at = step_time(server_next);
      for (auto it = to_server.begin(); it != to_server.end() && it->first <= at;) {
        const std::uint64_t late = buffer.stats().late;
        buffer.receive(it->second, static_cast<int>(it->second), server_pos(it->first));
        if (buffer.stats().late != late) run.last_late_us = it->first;
        it = to_server.erase(it);
      }
      if (at <= 3'000'000) run.buffer_at_3s = buffer.stats();
      buffer.consume(server_next);
      if (server_next % 2 == 0) {
        to_client.insert({at + kLatencyUs + jitter(),
                          {server_next, buffer.timing().has_slack(), buffer.timing().slack()}});
      }
      if (buffer.timing().has_slack()) run.server_slack.emplace_back(at, buffer.timing().slack());
      ++server_next;
    }
    // The client: a frame every 2..16 ms, none while stalled.
    if (t < next_frame) continue;
    if (run.stall_for_us && t >= run.stall_at_us && t < run.stall_at_us + run.stall_for_us)
      continue;
    next_frame = t + 2000 + 1000 * (rng() % 15);
    const std::uint64_t now = client_us(t);
    for (auto it = to_client.begin(); it != to_client.end() && it->first <= t;) {
      clock.on_snapshot(it->second.tick, now, 100.0);
      if (it->second.has_slack) clock.on_input_slack(it->second.slack, now);
      it = to_client.erase(it);
    }
    const std::uint32_t n = clock.advance(now);
    ASSERT_LE(n, settings.max_ticks_per_advance);
    if (n > 0) {
      if (t > 3'000'000) run.longest_gap_us = std::max(run.longest_gap_us, t - last_input_us);
      last_input_us = t;
    }
    for (std::uint32_t k = n; k-- > 0;) {
      const std::uint32_t tick = clock.tick() - k;
      ASSERT_GT(tick, last_input) << "an input tick handed out twice or out of order";
      last_input = tick;
      to_server.insert({t + kLatencyUs + jitter(), tick});
    }
    run.max_abs_dilation = std::max(run.max_abs_dilation, std::fabs(clock.stats().dilation));
    if (clock.stats().slack_reports > 0)
      run.client_slack.emplace_back(t, clock.stats().slack_ticks);
  }
  run.stats = clock.stats();
  run.buffer = buffer.stats();
}

// Over [from, to): every value within target +- tolerance.
void expect_near_between(const std::vector<std::pair<std::uint64_t, double>>& series,
                         std::uint64_t from, std::uint64_t to, double target, double tolerance,
                         const char* what) {
  std::size_t n = 0;
  for (const auto& [t, v] : series) {
    if (t < from || t >= to) continue;
    ++n;
    ASSERT_NEAR(v, target, tolerance) << what << " at " << t / 1000 << " ms";
  }
  EXPECT_GT(n, 10u) << what;
}

class TickClockDrift : public ::testing::TestWithParam<double> {};

TEST_P(TickClockDrift, SlackConvergesToTheTarget) {
  TimeSyncSettings s;
  ASSERT_TRUE(s.validate());
  SyncRun run;
  run.drift = GetParam();
  run_sync(s, run);
  if (HasFatalFailure()) return;
  expect_near_between(run.client_slack, 6'000'000, run.duration_us, s.target_slack_ticks, 1.0,
                      "client's smoothed slack");
  expect_near_between(run.server_slack, 6'000'000, run.duration_us, s.target_slack_ticks, 1.0,
                      "server's measured slack");
  EXPECT_LE(run.max_abs_dilation, s.max_dilation + 1e-12);
  // Drift is made up by dilation of about its size (and the opposite sign).
  EXPECT_NEAR(run.stats.dilation, -run.drift, 0.004);
  EXPECT_EQ(run.stats.stalls, 0u);
  EXPECT_EQ(run.stats.jumps, 1u) << "only the start";
  EXPECT_EQ(run.stats.ticks_skipped, 0u);
  // Once settled, inputs reached the server in time: no tick repeated.
  EXPECT_EQ(run.buffer.missing, run.buffer_at_3s.missing) << "last late at " << run.last_late_us;
  EXPECT_EQ(run.buffer.late, run.buffer_at_3s.late);
  EXPECT_LT(run.buffer.missing, 30u);
  EXPECT_GT(run.buffer.consumed, 1000u);
}

INSTANTIATE_TEST_SUITE_P(Drift, TickClockDrift, ::testing::Values(0.005, -0.005, 0.0));

TEST(TickClock, RecoversFromAStall) {
  TimeSyncSettings s;
  for (const double drift : {0.005, -0.005}) {
    SyncRun run;
    run.drift = drift;
    run.stall_at_us = 8'000'000;
    run.stall_for_us = 1'500'000;
    run.duration_us = 25'000'000;
    run_sync(s, run);
    if (HasFatalFailure()) return;
    EXPECT_EQ(run.stats.stalls, 1u) << drift;
    // Inputs made just after the stall may come late for a moment, no longer.
    EXPECT_LT(run.last_late_us, run.stall_at_us + run.stall_for_us + 2'000'000) << drift;
    EXPECT_GT(run.stats.ticks_skipped, 50u) << "the stalled ticks were jumped over";
    EXPECT_LE(run.max_abs_dilation, s.max_dilation + 1e-12);
    expect_near_between(run.client_slack, 4'000'000, run.stall_at_us, s.target_slack_ticks, 1.0,
                        "before the stall");
    expect_near_between(run.server_slack, run.stall_at_us + run.stall_for_us + 5'000'000,
                        run.duration_us, s.target_slack_ticks, 1.0, "server's slack after");
    expect_near_between(run.client_slack, run.stall_at_us + run.stall_for_us + 5'000'000,
                        run.duration_us, s.target_slack_ticks, 1.0, "client's slack after");
  }
}

// The client's clock jumps 2 s ahead (a VM resumed, a clock that is not
// steady): the gap reads as a stall, and the clock restarts from the next
// snapshots, not from the old offset, which would put its inputs 120 ticks
// early (the server drops inputs over 32 ticks ahead).
TEST(TickClock, AClockJumpingAheadSendsNoInputsTooEarly) {
  TimeSyncSettings s;
  SyncRun run;
  run.jump_at_us = 8'000'000;
  run.jump_by_us = 2'000'000;
  run_sync(s, run);
  if (HasFatalFailure()) return;
  EXPECT_EQ(run.stats.stalls, 1u);
  EXPECT_EQ(run.buffer.too_early, 0u) << "inputs made on the jumped clock";
  // The inputs go on: the longest wait is the snapshot after the jump.
  EXPECT_LT(run.longest_gap_us, 150'000u);
  expect_near_between(run.server_slack, run.jump_at_us + 5'000'000, run.duration_us,
                      s.target_slack_ticks, 1.0, "server's slack after");
}

TEST(TickClock, FirstSnapshotStartsTheClock) {
  TimeSyncSettings s;
  TickClock clock(s);
  EXPECT_FALSE(clock.started());
  EXPECT_EQ(clock.advance(1'000'000), 0u);
  EXPECT_EQ(clock.tick(), 0u);
  clock.on_input_slack(5.0, 1'000'000);  // before the start: ignored
  EXPECT_EQ(clock.stats().slack_reports, 0u);
  // Server tick 600 seen at 2 s, rtt 100 ms (6 ticks): the server stands at
  // 603 now, an input made now reaches it at 606, plus 2 ticks of slack.
  clock.on_snapshot(600, 2'000'000, 100.0);
  EXPECT_TRUE(clock.started());
  EXPECT_EQ(clock.stats().jumps, 1u);
  EXPECT_NEAR(clock.server_tick(2'000'000), 603.0, 1e-9);
  EXPECT_NEAR(clock.position(), 608.0, 1e-9);
  EXPECT_EQ(clock.advance(2'000'000), 1u);
  EXPECT_EQ(clock.tick(), 608u);
  // One tick later, exactly one more.
  EXPECT_EQ(clock.advance(2'016'667), 1u);
  EXPECT_EQ(clock.tick(), 609u);
  EXPECT_EQ(clock.advance(2'016'667), 0u);
  // A burst longer than max_ticks_per_advance (but no stall) is cut short.
  EXPECT_EQ(clock.advance(2'016'667 + 200'000), s.max_ticks_per_advance);
  EXPECT_EQ(clock.tick(), 621u);
  EXPECT_EQ(clock.stats().ticks_skipped, 12u - s.max_ticks_per_advance);
  EXPECT_EQ(clock.stats().ticks_run, 2u + s.max_ticks_per_advance);
}

// A start from a round-trip estimate far too small leaves the clock at or
// behind the ticks the server has made: no input would ever arrive, so no
// slack report would come to steer by. The next snapshot sets it ahead.
TEST(TickClock, ASnapshotAheadOfTheInputTickSetsTheClockAhead) {
  TickClock clock;
  clock.on_snapshot(600, 1'000'000, 0.0);  // believes the server is next door
  EXPECT_EQ(clock.advance(1'000'000), 1u);
  EXPECT_EQ(clock.tick(), 602u);
  // The link is really 300 ms each way: the next snapshot made after 2
  // more ticks arrives 300 ms later, when the clock has reached ~620.
  clock.on_snapshot(620, 1'333'333, 600.0);
  EXPECT_EQ(clock.stats().behind, 0u) << "620 < 622: still ahead";
  clock.advance(1'333'333);
  clock.advance(1'690'000);
  clock.on_snapshot(660, 1'700'000, 600.0);  // newer than the clock's 644
  EXPECT_EQ(clock.stats().behind, 1u);
  EXPECT_EQ(clock.stats().jumps, 2u);
  // Now ahead of the snapshot by the round trip plus the slack.
  EXPECT_GT(clock.advance(1'700'000), 0u);
  EXPECT_GE(clock.position(), 660.0 + 36.0 + 2.0 - 1e-6);
}

TEST(TickClock, FarOffSlackJumpsAndNeverRepeatsATick) {
  TimeSyncSettings s;
  TickClock clock(s);
  clock.on_snapshot(600, 1'000'000, 100.0);
  std::uint64_t now = 1'000'000;
  clock.advance(now);
  // Reports during the first rtt + 100 ms describe the time before: ignored.
  clock.on_input_slack(40.0, now + 100'000);
  EXPECT_EQ(clock.stats().slack_reports, 0u);
  now += 300'000;
  clock.advance(now);
  const std::uint32_t before = clock.tick();
  const double position = clock.position();
  // 20 ticks too early: the clock is set back 18 ticks, no tick repeats.
  clock.on_input_slack(20.0, now);
  EXPECT_EQ(clock.stats().jumps, 2u);
  EXPECT_EQ(clock.stats().slack_reports, 1u);
  EXPECT_NEAR(clock.position(), position - 18.0, 1e-9);
  EXPECT_EQ(clock.advance(now + 16'667), 0u) << "behind the newest tick: waits";
  std::uint32_t last = clock.tick();
  for (int i = 0; i < 120; ++i) {
    now += 16'667;
    const std::uint32_t n = clock.advance(now);
    if (n > 0) {
      EXPECT_GT(clock.tick() - n + 1, last);
      last = clock.tick();
    }
  }
  EXPECT_GT(last, before);
  // Small errors dilate, within the bound.
  clock.on_input_slack(2.0 + 10.0, now);
  EXPECT_NEAR(clock.stats().dilation, -s.max_dilation, 1e-12);
  for (int i = 0; i < 30; ++i) clock.on_input_slack(2.5, now);
  EXPECT_LT(clock.stats().dilation, 0.0);
  EXPECT_GT(clock.stats().dilation, -s.max_dilation);
}

// ---------------------------------------------------------------------------
// InterpolationClock

TEST(InterpolationClock, SamplePicksTheStraddlingPair) {
  InterpolationSettings s;  // 60 Hz, 250 ms: at most 15 ticks beyond
  InterpolationClock clock(s);
  const std::vector<std::uint32_t> ticks = {10, 12, 14, 18};
  auto S = clock.sample(ticks, 13.0, 1000);
  EXPECT_TRUE(S.valid);
  EXPECT_EQ(S.a, 1u);
  EXPECT_EQ(S.b, 2u);
  EXPECT_DOUBLE_EQ(S.t, 0.5);
  S = clock.sample(ticks, 15.0, 2000);
  EXPECT_EQ(S.a, 2u);
  EXPECT_EQ(S.b, 3u);
  EXPECT_DOUBLE_EQ(S.t, 0.25);
  S = clock.sample(ticks, 12.0, 3000);
  EXPECT_EQ(S.a, 1u);
  EXPECT_DOUBLE_EQ(S.t, 0.0);
  S = clock.sample(ticks, 5.0, 4000);  // before the oldest: the oldest
  EXPECT_TRUE(S.valid);
  EXPECT_EQ(S.a, 0u);
  EXPECT_EQ(S.b, 0u);
  EXPECT_FALSE(S.extrapolating);
  EXPECT_EQ(clock.stats().underruns, 0u);
  // Random render ticks inside: t within [0, 1], the pair straddles.
  std::mt19937 rng(3);
  for (int i = 0; i < 1000; ++i) {
    const double r = 10.0 + 8.0 * static_cast<double>(rng() % 100000) / 100001.0;
    S = clock.sample(ticks, r, 5000);
    ASSERT_FALSE(S.extrapolating);
    ASSERT_EQ(S.b, S.a + 1);
    ASSERT_GE(S.t, 0.0);
    ASSERT_LE(S.t, 1.0);
    ASSERT_LE(ticks[S.a], r);
    ASSERT_GT(ticks[S.b], r);
    ASSERT_NEAR(ticks[S.a] + S.t * (ticks[S.b] - ticks[S.a]), r, 1e-9);
  }
  EXPECT_FALSE(clock.sample({}, 3.0, 6000).valid);
}

TEST(InterpolationClock, ExtrapolationIsBoundedThenHeldAndUnderrunsCountedOnce) {
  InterpolationSettings s;
  s.max_extrapolation_ms = 100;  // 6 ticks at 60 Hz
  InterpolationClock clock(s);
  const std::vector<std::uint32_t> ticks = {10, 12};
  auto S = clock.sample(ticks, 14.0, 1'000'000);
  EXPECT_TRUE(S.extrapolating);
  EXPECT_FALSE(S.held);
  EXPECT_EQ(S.a, 0u);
  EXPECT_EQ(S.b, 1u);
  EXPECT_DOUBLE_EQ(S.t, 2.0);
  S = clock.sample(ticks, 18.0, 1'010'000);  // exactly at the limit
  EXPECT_FALSE(S.held);
  EXPECT_DOUBLE_EQ(S.t, 4.0);
  S = clock.sample(ticks, 30.0, 1'020'000);  // beyond: held at the limit
  EXPECT_TRUE(S.held);
  EXPECT_DOUBLE_EQ(S.t, 4.0);
  EXPECT_EQ(clock.stats().underruns, 1u) << "one episode";
  EXPECT_EQ(clock.stats().extrapolated, 3u);
  EXPECT_EQ(clock.stats().held, 1u);
  EXPECT_NEAR(clock.stats().extrapolated_ms, 20.0, 1e-9);
  clock.sample(ticks, 11.0, 1'030'000);  // back inside
  clock.sample(ticks, 13.0, 1'040'000);  // a second episode
  EXPECT_EQ(clock.stats().underruns, 2u);
  // One snapshot held: nothing to extrapolate from, held.
  const std::vector<std::uint32_t> one = {10};
  S = clock.sample(one, 11.0, 1'050'000);
  EXPECT_TRUE(S.held);
  EXPECT_EQ(S.b, 0u);
}

TEST(InterpolationClock, RenderTickNeverGoesBackAndKeepsItsDelay) {
  for (std::uint32_t seed = 1; seed <= 5; ++seed) {
    InterpolationSettings s;
    InterpolationClock clock(s);
    std::mt19937 rng(seed);
    std::multimap<std::uint64_t, std::uint32_t> arrivals;  // snapshots every 2 ticks
    for (std::uint32_t tick = 2; tick <= 1200; tick += 2) {
      const auto sent = static_cast<std::uint64_t>(tick * 1e6 / 60.0);
      arrivals.insert({sent + 50'000 + rng() % 20'001, tick});
    }
    std::vector<std::uint32_t> held;
    double last_render = -1e9;
    std::uint64_t frames = 0;
    for (std::uint64_t now = 0; now <= 20'000'000; now += 1000 + 1000 * (rng() % 16)) {
      for (auto it = arrivals.begin(); it != arrivals.end() && it->first <= now;) {
        clock.on_snapshot(it->second, now);
        if (held.empty() || it->second > held.back()) held.push_back(it->second);
        if (held.size() > 32) held.erase(held.begin());
        it = arrivals.erase(it);
        ASSERT_GE(clock.delay_ticks() + 1e-9, s.min_intervals * clock.stats().interval_ticks);
      }
      if (held.empty()) continue;
      const double r = clock.render_tick(now);
      ASSERT_GE(r, last_render) << "seed " << seed << " at " << now << " us";
      last_render = r;
      const auto S = clock.sample(held, r, now);
      ASSERT_TRUE(S.valid);
      ++frames;
    }
    EXPECT_GT(frames, 1000u);
    EXPECT_EQ(clock.stats().underruns, 0u) << "20 ms of jitter fits in the delay";
    EXPECT_NEAR(clock.stats().interval_ticks, 2.0, 1e-9);
    // The render tick trails the newest snapshot by about the delay.
    EXPECT_GE(clock.delay_ticks(), s.min_intervals * 2.0 - 1e-9);
    EXPECT_LT(clock.delay_ticks(), 8.0);
    EXPECT_LT(last_render, 1200.0);
    EXPECT_GT(last_render, 1200.0 - 12.0);
  }
}

TEST(InterpolationClock, DelayFollowsMinIntervals) {
  InterpolationSettings s;
  s.min_intervals = 3;
  InterpolationClock clock(s);
  for (std::uint32_t tick = 4; tick <= 400; tick += 4) {
    const auto now = static_cast<std::uint64_t>(tick * 1e6 / 60.0) + 30'000;
    clock.on_snapshot(tick, now);
    EXPECT_GE(clock.delay_ticks() + 1e-9, s.min_intervals * 2.0);  // never below the start
  }
  EXPECT_NEAR(clock.stats().interval_ticks, 4.0, 0.01);
  EXPECT_NEAR(clock.delay_ticks(), 12.0, 0.05);
  // No jitter: render tick = newest arrival's tick - delay.
  const auto now = static_cast<std::uint64_t>(400 * 1e6 / 60.0) + 30'000;
  EXPECT_NEAR(clock.render_tick(now), 400.0 - clock.delay_ticks(), 0.01);
}

// ---------------------------------------------------------------------------
// LagCompensator

Body body_of(std::uint32_t id, std::uint32_t tick) {
  return {id, static_cast<float>(tick) * 2.0f + static_cast<float>(id), -static_cast<float>(tick),
          0.5f * static_cast<float>(id), 1.0f + 0.25f * id};
}

TEST(LagCompensator, BodiesAtIntegerTicksAndBetween) {
  LagCompensator lag;  // 60 Hz, 1000 ms: 61 ticks
  for (std::uint32_t tick = 100; tick <= 200; ++tick) {
    const std::vector<Body> bodies = {body_of(1, tick), body_of(2, tick)};
    lag.record(tick, bodies);
  }
  Body b;
  for (std::uint32_t tick = 140; tick <= 200; ++tick) {
    ASSERT_TRUE(lag.body_at(2, tick, b)) << tick;
    const Body e = body_of(2, tick);
    EXPECT_EQ(b.id, 2u);
    EXPECT_EQ(b.x, e.x);
    EXPECT_EQ(b.y, e.y);
    EXPECT_EQ(b.z, e.z);
    EXPECT_EQ(b.radius, e.radius);
  }
  ASSERT_TRUE(lag.body_at(1, 150.25, b));
  EXPECT_FLOAT_EQ(b.x, 301.5f);
  EXPECT_FLOAT_EQ(b.y, -150.25f);
  EXPECT_FLOAT_EQ(b.z, 0.5f);
  EXPECT_FLOAT_EQ(b.radius, 1.25f);
  // Older than history_ms: gone; beyond the newest, or unknown ids: no.
  EXPECT_FALSE(lag.body_at(1, 139, b));
  EXPECT_FALSE(lag.body_at(1, 139.5, b));
  EXPECT_TRUE(lag.body_at(1, 140.5, b));
  EXPECT_FALSE(lag.body_at(1, 200.5, b));
  EXPECT_FALSE(lag.body_at(3, 150, b));
  EXPECT_FALSE(lag.body_at(1, -1.0, b));
  EXPECT_FALSE(lag.body_at(1, std::nan(""), b));
  // rewind() visits every body as body_at() gives it.
  std::vector<Body> seen;
  lag.rewind(180.5, [&](const Body& x) { seen.push_back(x); });
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_FLOAT_EQ(seen[0].x, 362.0f);
  EXPECT_FLOAT_EQ(seen[1].x, 363.0f);
  EXPECT_FLOAT_EQ(seen[1].y, -180.5f);
}

TEST(LagCompensator, TeleportsTakeTheLaterPosition) {
  LagCompensator lag;
  const Body a{7, 0, 0, 0, 1}, c{7, 100, 0, 0, 1};
  lag.record(10, std::span<const Body>(&a, 1));
  lag.record(11, std::span<const Body>(&c, 1));
  Body b;
  ASSERT_TRUE(lag.body_at(7, 10.5, b));
  EXPECT_FLOAT_EQ(b.x, 50.0f);
  ASSERT_TRUE(lag.body_at(7, 10.5, b, 10.0f));
  EXPECT_FLOAT_EQ(b.x, 100.0f);
}

TEST(LagCompensator, ViewClampsAndDistrusts) {
  LagCompensator lag;  // 250 ms: 15 ticks; + 200 ms: 27 ticks
  auto v = lag.view(1000, 995.5);
  EXPECT_TRUE(v.rewound);
  EXPECT_FALSE(v.clamped);
  EXPECT_FALSE(v.distrusted);
  EXPECT_DOUBLE_EQ(v.tick, 995.5);
  v = lag.view(1000, 980.0);  // 20 ticks back: clamped to 15
  EXPECT_TRUE(v.clamped);
  EXPECT_TRUE(v.rewound);
  EXPECT_NEAR(v.tick, 985.0, 1e-9);
  v = lag.view(1000, 972.5);  // 27.5 back: not believed
  EXPECT_TRUE(v.distrusted);
  EXPECT_FALSE(v.rewound);
  EXPECT_DOUBLE_EQ(v.tick, 1000.0);
  v = lag.view(1000, 1000.5);  // the future
  EXPECT_TRUE(v.distrusted);
  EXPECT_DOUBLE_EQ(v.tick, 1000.0);
  v = lag.view(1000, 1000.0);
  EXPECT_FALSE(v.rewound);
  EXPECT_FALSE(v.distrusted);
  EXPECT_EQ(lag.stats().rewinds, 2u);
  EXPECT_EQ(lag.stats().clamped, 1u);
  EXPECT_EQ(lag.stats().distrusted, 2u);
}

TEST(LagCompensator, BodiesBeyondMaxAreDropped) {
  LagCompensationSettings s;
  s.max_bodies = 3;
  ASSERT_TRUE(s.validate());
  LagCompensator lag(s);
  std::vector<Body> bodies;
  for (std::uint32_t id = 1; id <= 5; ++id) bodies.push_back(body_of(id, 1));
  lag.record(1, bodies);
  lag.record(2, bodies);
  EXPECT_EQ(lag.stats().bodies_dropped, 4u);
  Body b;
  EXPECT_TRUE(lag.body_at(3, 1, b));
  EXPECT_FALSE(lag.body_at(4, 1, b));
  EXPECT_FALSE(lag.body_at(5, 2, b));
  EXPECT_EQ(lag.history_ticks(), 61u);
}

}  // namespace
}  // namespace tickwire
