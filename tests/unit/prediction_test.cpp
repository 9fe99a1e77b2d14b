// Prediction, time sync, input buffering, interpolation and lag compensation,
// all on simulated time: every timestamp is passed in, nothing sleeps, and
// every random choice comes from a fixed-seed generator.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <map>
#include <random>
#include <vector>

#include "tickwire/prediction.hpp"

namespace tickwire {
namespace {

// ---------------------------------------------------------------------------
// A toy game: integer physics, so the client and the server agree exactly.

struct Toy {
  std::int32_t x = 0;
  std::int32_t v = 0;
  bool operator==(const Toy&) const = default;
};
struct Cmd {
  std::int8_t dir = 0;
};

void toy_step(Toy& s, const Cmd& in) {
  s.v += in.dir * 4;
  s.v -= s.v / 8;  // drag
  s.x += s.v;
}

struct EffectLog {
  std::map<std::uint32_t, int> first;  // step calls with resimulating == false, by tick
  std::uint64_t resim_calls = 0;
};

PredictionModel<Toy, Cmd> toy_model(EffectLog* log) {
  PredictionModel<Toy, Cmd> m;
  m.step = [log](Toy& s, const Cmd& in, std::uint32_t tick, bool resimulating) {
    toy_step(s, in);
    if (log == nullptr) return;
    if (resimulating)
      ++log->resim_calls;
    else
      ++log->first[tick];
  };
  m.same = [](const Toy& a, const Toy& b) { return a == b; };
  m.distance = [](const Toy& a, const Toy& b) {
    return std::fabs(static_cast<double>(a.x) - static_cast<double>(b.x));
  };
  return m;
}

struct ReconcileRun {
  std::uint64_t corrections = 0;
  std::uint64_t input_corrections = 0;  // with acked_input_tick < tick
  std::uint64_t reconciles = 0;
  std::uint64_t missing = 0;  // server steps with a repeated input
  std::uint64_t late = 0;
};

// The client runs kAhead ticks ahead of the server; each input reaches the
// server one tick before its step, unless lost (or, sometimes, late: after
// its step). The server steps with InputBuffer (repeating the last input for
// a missing one) and sends its state every 2 ticks, kDown ticks later.
void run_reconciliation(std::uint32_t seed, double loss, ReconcileRun& out) {
  constexpr std::uint32_t kAhead = 5, kDown = 4, kTicks = 400;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> uni(0, 1);
  // Losses come in bursts: a "bad" state with a higher loss rate.
  bool bad = false;

  EffectLog log;
  Predictor<Toy, Cmd> client(PredictorSettings{}, toy_model(&log));
  client.reset(0, Toy{});
  std::map<std::uint32_t, Cmd> sent;  // every input the client predicted with, by tick

  InputBuffer<Cmd> buffer;
  Toy server;
  std::map<std::uint32_t, Toy> server_at;
  struct InputMsg {
    std::uint32_t tick;
    Cmd cmd;
  };
  std::multimap<std::uint32_t, InputMsg> to_server;  // by the server step it arrives before
  struct SnapMsg {
    std::uint32_t tick;
    Toy state;
    std::uint32_t ack;
  };
  std::multimap<std::uint32_t, SnapMsg> to_client;  // by the step it arrives at

  Cmd current;
  for (std::uint32_t step = 1; step <= kTicks; ++step) {
    // Server: the inputs that arrived, then its step of tick `step`.
    for (auto it = to_server.begin(); it != to_server.end() && it->first <= step;) {
      buffer.receive(it->second.tick, it->second.cmd, static_cast<double>(step) - 0.5);
      it = to_server.erase(it);
    }
    toy_step(server, buffer.consume(step));
    server_at[step] = server;
    if (step % 2 == 0) to_client.insert({step + kDown, {step, server, buffer.take_report_ack()}});

    // Client: snapshots, then the input of its tick step + kAhead.
    for (auto it = to_client.begin(); it != to_client.end() && it->first <= step;) {
      const SnapMsg m = it->second;
      it = to_client.erase(it);
      const Correction c = client.reconcile(m.tick, m.state, m.ack);
      ++out.reconciles;
      if (c.happened) {
        ++out.corrections;
        EXPECT_FALSE(c.snapped);
        EXPECT_EQ(c.resim_ticks, client.tick() - m.tick);
        if (m.ack < m.tick) {
          EXPECT_EQ(c.cause, CorrectionCause::Input) << "seed " << seed << " tick " << m.tick;
          ++out.input_corrections;
        }
      }
      // What the server would make of the client's inputs from its state.
      Toy expect = m.state;
      for (std::uint32_t t = m.tick + 1; t <= client.tick(); ++t) toy_step(expect, sent[t]);
      ASSERT_EQ(client.current(), expect)
          << "seed " << seed << " snapshot " << m.tick << " at client tick " << client.tick();
      ASSERT_NE(client.state_at(m.tick), nullptr);
      EXPECT_EQ(*client.state_at(m.tick), m.state);
    }
    if (uni(rng) < 0.2) current.dir = static_cast<std::int8_t>(static_cast<int>(rng() % 3) - 1);
    const std::uint32_t tick = step + kAhead;
    for (std::uint32_t t = client.tick() + 1; t < tick; ++t) sent[t] = Cmd{};  // gap: no input
    sent[tick] = current;
    client.predict(tick, current);
    ASSERT_EQ(client.tick(), tick);

    bad = bad ? uni(rng) < 0.8 : uni(rng) < loss;
    if (bad && uni(rng) < 0.7) continue;      // lost
    const bool late = bad && uni(rng) < 0.3;  // after its step
    to_server.insert({tick - 1 + (late ? 3u : 0u), {tick, current}});
  }
  const InputBufferStats bs = buffer.stats();
  out.missing += bs.missing;
  out.late += bs.late;

  // Effects fired exactly once per tick, whatever was run again.
  for (std::uint32_t t = 1; t <= client.tick(); ++t)
    ASSERT_EQ(log.first[t], 1) << "seed " << seed << " tick " << t;
  EXPECT_EQ(log.first.size(), client.tick());
  EXPECT_EQ(log.resim_calls, client.stats().resim_ticks);
  // The predictor's own stats agree with what was seen.
  const PredictionStats& ps = client.stats();
  EXPECT_EQ(ps.corrections.count(), ps.reconciles - ps.matched - ps.unknown_tick);
  EXPECT_EQ(ps.predicted, client.tick());
  EXPECT_EQ(ps.corrections.count(CorrectionCause::Input), out.input_corrections);
}

TEST(Predictor, ReconcilesToTheServersStateUnderRandomLoss) {
  ReconcileRun total;
  for (std::uint32_t seed = 1; seed <= 200; ++seed) {
    const double loss = 0.02 + 0.2 * static_cast<double>(seed % 10) / 10.0;
    ReconcileRun r;
    run_reconciliation(seed, loss, r);
    if (::testing::Test::HasFatalFailure()) return;
    // Nothing else differs in this game: every correction was the server
    // stepping with a repeated input, and the envelope said so.
    EXPECT_EQ(r.corrections, r.input_corrections) << "seed " << seed;
    total.corrections += r.corrections;
    total.missing += r.missing;
    total.late += r.late;
  }
  // The runs did exercise corrections and late inputs.
  EXPECT_GT(total.corrections, 500u);
  EXPECT_GT(total.missing, total.corrections);
  EXPECT_GT(total.late, 50u);
}

TEST(Predictor, NoCorrectionWhenNothingIsLost) {
  for (std::uint32_t seed = 1; seed <= 20; ++seed) {
    ReconcileRun r;
    run_reconciliation(seed, 0.0, r);
    if (::testing::Test::HasFatalFailure()) return;
    EXPECT_EQ(r.corrections, 0u);
    EXPECT_EQ(r.missing, 5u) << "only ticks 1..5, before the first input";
    EXPECT_GT(r.reconciles, 150u);
  }
}

TEST(Predictor, ClassifierNamesCausesWhenTheInputWasAcked) {
  PredictionModel<Toy, Cmd> m = toy_model(nullptr);
  m.classify = [](const Toy&, const Toy&) { return CorrectionCause::Collision; };
  Predictor<Toy, Cmd> p(PredictorSettings{}, m);
  p.reset(0, Toy{});
  for (std::uint32_t t = 1; t <= 10; ++t) p.predict(t, Cmd{1});
  Toy pushed = *p.state_at(4);
  pushed.x += 7;
  Correction c = p.reconcile(4, pushed, 4);
  EXPECT_TRUE(c.happened);
  EXPECT_EQ(c.cause, CorrectionCause::Collision);
  EXPECT_DOUBLE_EQ(c.size, 7.0);
  EXPECT_EQ(c.resim_ticks, 6u);
  c = p.reconcile(6, Toy{}, 5);  // acked below the tick: the engine says Input
  EXPECT_TRUE(c.happened);
  EXPECT_EQ(c.cause, CorrectionCause::Input);
  EXPECT_EQ(p.stats().corrections.count(CorrectionCause::Collision), 1u);
  EXPECT_EQ(p.stats().corrections.count(CorrectionCause::Input), 1u);
  EXPECT_EQ(p.stats().max_resim, 6u);
  EXPECT_EQ(p.stats().resim_ticks, 10u);
  // Matching states are no correction.
  c = p.reconcile(8, *p.state_at(8), 8);
  EXPECT_FALSE(c.happened);
  EXPECT_EQ(p.stats().matched, 1u);
}

TEST(Predictor, SnapsWhenTooManyTicksWouldRunAgain) {
  PredictorSettings s;
  s.history_ticks = 32;
  s.max_resim_ticks = 8;
  ASSERT_TRUE(s.validate());
  EffectLog log;
  Predictor<Toy, Cmd> p(s, toy_model(&log));
  p.reset(0, Toy{});
  for (std::uint32_t t = 1; t <= 20; ++t) p.predict(t, Cmd{1});
  const Toy server{-50, 3};
  // 12 ahead: within history, beyond max_resim_ticks.
  Correction c = p.reconcile(8, server, 8);
  EXPECT_TRUE(c.happened);
  EXPECT_TRUE(c.snapped);
  EXPECT_EQ(c.resim_ticks, 0u);
  EXPECT_EQ(p.stats().snaps, 1u);
  EXPECT_EQ(p.tick(), 20u);
  EXPECT_EQ(p.current(), server);
  EXPECT_EQ(log.resim_calls, 0u);
  // 8 ahead: runs again.
  for (std::uint32_t t = 21; t <= 28; ++t) p.predict(t, Cmd{-1});
  const Toy server2{1000, 0};
  c = p.reconcile(20, server2, 20);
  EXPECT_TRUE(c.happened);
  EXPECT_FALSE(c.snapped);
  EXPECT_EQ(c.resim_ticks, 8u);
  Toy expect = server2;
  for (int i = 0; i < 8; ++i) toy_step(expect, Cmd{-1});
  EXPECT_EQ(p.current(), expect);
  EXPECT_EQ(p.stats().snaps, 1u);
}

TEST(Predictor, UnknownTicksAndServerAhead) {
  PredictorSettings s;
  s.history_ticks = 16;
  s.max_resim_ticks = 8;
  Predictor<Toy, Cmd> p(s, toy_model(nullptr));
  EXPECT_FALSE(p.reconcile(1, Toy{}, 1).happened);  // not started: ignored
  EXPECT_EQ(p.stats().reconciles, 0u);
  p.reset(100, Toy{5, 0});
  EXPECT_TRUE(p.started());
  for (std::uint32_t t = 101; t <= 140; ++t) p.predict(t, Cmd{1});
  // Tick 110 has left the 16-tick history.
  EXPECT_EQ(p.state_at(110), nullptr);
  EXPECT_FALSE(p.reconcile(110, Toy{}, 110).happened);
  EXPECT_EQ(p.stats().unknown_tick, 1u);
  EXPECT_EQ(p.tick(), 140u);
  // The server is ahead of the prediction: its state is taken.
  const Toy ahead{77, 1};
  EXPECT_FALSE(p.reconcile(150, ahead, 150).happened);
  EXPECT_EQ(p.stats().unknown_tick, 2u);
  EXPECT_EQ(p.tick(), 150u);
  EXPECT_EQ(p.current(), ahead);
  // Predicting a later tick fills the gap with the newest input (none: default).
  p.predict(153, Cmd{1});
  Toy expect = ahead;
  toy_step(expect, Cmd{});
  toy_step(expect, Cmd{});
  toy_step(expect, Cmd{1});
  EXPECT_EQ(p.current(), expect);
  EXPECT_EQ(p.tick(), 153u);
  // An old tick predicted again does nothing.
  p.predict(152, Cmd{-1});
  EXPECT_EQ(p.current(), expect);
}

TEST(Predictor, UnackedInputsNewestFirstBoundedByMax) {
  Predictor<Toy, Cmd> p(PredictorSettings{}, toy_model(nullptr));
  p.reset(10, Toy{});
  for (std::uint32_t t = 11; t <= 30; ++t) p.predict(t, Cmd{static_cast<std::int8_t>(t % 3)});
  std::vector<std::uint32_t> ticks;
  auto collect = [&](std::uint32_t t, const Cmd& c) {
    EXPECT_EQ(c.dir, static_cast<std::int8_t>(t % 3));
    ticks.push_back(t);
  };
  EXPECT_EQ(p.unacked_inputs(25, 100, collect), 5u);
  EXPECT_EQ(ticks, (std::vector<std::uint32_t>{30, 29, 28, 27, 26}));
  ticks.clear();
  EXPECT_EQ(p.unacked_inputs(20, 3, collect), 3u);
  EXPECT_EQ(ticks, (std::vector<std::uint32_t>{30, 29, 28}));
  ticks.clear();
  // No ack yet: every input held, back to the reset (which had none).
  EXPECT_EQ(p.unacked_inputs(0, 100, collect), 20u);
  EXPECT_EQ(ticks.front(), 30u);
  EXPECT_EQ(ticks.back(), 11u);
  ticks.clear();
  EXPECT_EQ(p.unacked_inputs(30, 100, collect), 0u);
  EXPECT_EQ(p.unacked_inputs(35, 100, collect), 0u);
  EXPECT_EQ(p.unacked_inputs(20, 0, collect), 0u);
  EXPECT_TRUE(ticks.empty());
}

// ---------------------------------------------------------------------------
// Time sync: a client and a server over a jittery link, the client's clock
// drifting. The server measures input slack (InputTiming, inside
// InputBuffer) and reports it in every snapshot.

struct SyncRun {
  double drift = 0;               // client clock rate minus one
  std::uint64_t stall_at_us = 0;  // true time the client stalls (0: never)
  std::uint64_t stall_for_us = 0;
  std::uint64_t duration_us = 20'000'000;
  std::uint32_t seed = 1;
  // Results.
  std::vector<std::pair<std::uint64_t, double>> client_slack;  // (true us, stats().slack_ticks)
  std::vector<std::pair<std::uint64_t, double>> server_slack;  // (true us, InputTiming::slack())
  double max_abs_dilation = 0;
  TimeSyncStats stats;
  InputBufferStats buffer;
  InputBufferStats buffer_at_3s;   // after the start-up
  std::uint64_t last_late_us = 0;  // true time of the last late input
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
    return client_epoch + static_cast<std::uint64_t>(static_cast<double>(t) * (1.0 + run.drift));
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
// InputBuffer

TEST(InputBuffer, LossRepeatsTheLastInput) {
  InputBuffer<int> b;
  b.receive(1, 10, 0.0);
  b.receive(2, 20, 0.5);
  b.receive(4, 40, 1.0);
  EXPECT_EQ(b.consume(1), 10);
  EXPECT_EQ(b.consume(2), 20);
  EXPECT_EQ(b.consume(3), 20) << "lost: the last one repeated";
  EXPECT_EQ(b.consume(4), 40);
  EXPECT_EQ(b.consume(5), 40);
  const InputBufferStats s = b.stats();
  EXPECT_EQ(s.received, 3u);
  EXPECT_EQ(s.consumed, 3u);
  EXPECT_EQ(s.missing, 2u);
  EXPECT_EQ(b.acked(), 4u);
  // Before any input: a default one.
  InputBuffer<int> empty;
  EXPECT_EQ(empty.consume(7), 0);
  EXPECT_EQ(empty.stats().missing, 1u);
  EXPECT_EQ(empty.acked(), 0u);
}

TEST(InputBuffer, DuplicatesAreCountedNotStoredTwice) {
  InputBuffer<int> b;
  b.receive(5, 50, 0.0);
  b.receive(5, 51, 0.0);  // a redundant copy (a different value would be a client bug)
  EXPECT_EQ(b.stats().received, 1u);
  EXPECT_EQ(b.stats().duplicates, 1u);
  EXPECT_EQ(b.consume(5), 50);
  b.receive(5, 50, 1.0);  // already used
  EXPECT_EQ(b.stats().duplicates, 2u);
  EXPECT_EQ(b.stats().late, 0u);
  EXPECT_EQ(b.consume(6), 50);
  EXPECT_EQ(b.stats().missing, 1u);
  EXPECT_EQ(b.stats().consumed, 1u);
}

TEST(InputBuffer, ReorderedInputsAreAllUsed) {
  InputBuffer<int> b;
  EXPECT_EQ(b.consume(1), 0);
  for (std::uint32_t t : {5u, 3u, 4u, 2u}) b.receive(t, static_cast<int>(t) * 10, 1.0);
  for (std::uint32_t t = 2; t <= 5; ++t) EXPECT_EQ(b.consume(t), static_cast<int>(t) * 10);
  EXPECT_EQ(b.stats().consumed, 4u);
  EXPECT_EQ(b.stats().missing, 1u);  // tick 1 only
  EXPECT_EQ(b.stats().too_early, 0u);
}

TEST(InputBuffer, ReorderedInputsBeforeTheFirstStepAreAllUsed) {
  InputBuffer<int> b;
  for (std::uint32_t t : {11u, 10u, 12u}) b.receive(t, static_cast<int>(t), 8.0);
  EXPECT_EQ(b.stats().received, 3u);
  EXPECT_EQ(b.stats().too_early, 0u);
  EXPECT_EQ(b.consume(10), 10);
  EXPECT_EQ(b.consume(11), 11);
  EXPECT_EQ(b.consume(12), 12);
  EXPECT_EQ(b.stats().missing, 0u);
}

TEST(InputBuffer, LateInputsAreCounted) {
  InputBuffer<int> b;
  b.receive(1, 1, 0.0);
  for (std::uint32_t t = 1; t <= 5; ++t) b.consume(t);
  b.receive(3, 3, 5.0);  // its tick was stepped without it
  b.receive(4, 4, 5.0);
  EXPECT_EQ(b.stats().late, 2u);
  EXPECT_EQ(b.stats().duplicates, 0u);
  EXPECT_EQ(b.stats().received, 1u);
  EXPECT_EQ(b.consume(6), 1) << "late ones are not used";
}

TEST(InputBuffer, TooEarlyBeyondCapacity) {
  InputBufferSettings s;
  s.capacity_ticks = 8;
  InputBuffer<int> b(s);
  b.consume(1);  // next: 2; held: 2..9
  b.receive(10, 10, 1.0);
  EXPECT_EQ(b.stats().too_early, 1u);
  b.receive(9, 9, 1.0);
  EXPECT_EQ(b.stats().too_early, 1u);
  EXPECT_EQ(b.stats().received, 1u);
  // Before the first step the window starts at the first input received.
  InputBuffer<int> c(s);
  c.receive(100, 1, 90.0);
  c.receive(107, 2, 90.0);
  c.receive(108, 3, 90.0);
  EXPECT_EQ(c.stats().too_early, 1u);
  EXPECT_EQ(c.stats().received, 2u);
}

TEST(InputBuffer, ReportAckFallsBelowTheTickAfterARepeat) {
  InputBuffer<int> b;
  b.receive(1, 1, 0.0);
  b.receive(2, 2, 0.0);
  b.consume(1);
  b.consume(2);
  EXPECT_EQ(b.take_report_ack(), 2u);
  b.consume(3);  // missing
  b.receive(4, 4, 3.0);
  b.consume(4);
  EXPECT_EQ(b.acked(), 4u);
  EXPECT_EQ(b.take_report_ack(), 2u) << "tick 3 was stepped with a repeat since the last report";
  b.receive(5, 5, 4.0);
  b.consume(5);
  EXPECT_EQ(b.take_report_ack(), 5u);
  // A repeat with nothing of the client's after it.
  b.consume(6);
  EXPECT_EQ(b.take_report_ack(), 5u);
  EXPECT_EQ(b.take_report_ack(), 5u) << "nothing new since";
  b.receive(7, 7, 6.0);
  b.consume(7);
  EXPECT_EQ(b.take_report_ack(), 7u);
}

TEST(InputBuffer, DepthAndSlack) {
  InputBuffer<int> b;
  EXPECT_FALSE(b.timing().has_slack());
  b.receive(1, 0, -1.5);
  EXPECT_TRUE(b.timing().has_slack());
  EXPECT_NEAR(b.timing().slack(), 2.5, 1e-9) << "the first: taken whole";
  b.receive(5, 0, 0.0);
  EXPECT_NEAR(b.timing().slack(), 2.5 + (5.0 - 2.5) * 0.1, 1e-9) << "then smoothed";
  for (std::uint32_t t = 2; t <= 4; ++t) b.receive(t, 0, 0.0);
  const double slack = b.timing().slack();
  EXPECT_NEAR(slack, 2.75, 1e-9) << "older than the newest: packets do not come earlier";
  b.consume(1);
  EXPECT_EQ(b.stats().depth, 4u);
  b.consume(2);
  EXPECT_EQ(b.stats().depth, 3u);
  EXPECT_DOUBLE_EQ(b.stats().depth_avg, 3.5);
  b.receive(6, 0, 4.0);
  EXPECT_NEAR(b.timing().slack(), slack + (2.0 - slack) * 0.1, 1e-9);
  EXPECT_NEAR(b.stats().slack_ticks, b.timing().slack(), 1e-12);
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

// ---------------------------------------------------------------------------
// CorrectionSmoother and CorrectionStats

TEST(CorrectionSmoother, OffsetDecaysAndLargeJumpsSnap) {
  SmoothingSettings s;  // 100 ms, snap above 64
  CorrectionSmoother sm(s);
  sm.add({10, -4, 2}, 1'000'000);
  auto o = sm.offset(1'000'000);
  EXPECT_FLOAT_EQ(o[0], 10.0f);
  EXPECT_FLOAT_EQ(o[1], -4.0f);
  EXPECT_FLOAT_EQ(o[2], 2.0f);
  o = sm.offset(1'100'000);
  EXPECT_NEAR(o[0], 10.0 * std::exp(-1.0), 1e-4);
  EXPECT_NEAR(o[1], -4.0 * std::exp(-1.0), 1e-4);
  o = sm.offset(1'300'000);
  EXPECT_NEAR(o[0], 10.0 * std::exp(-3.0), 1e-4);
  // A second correction adds to what is left.
  sm.add({5, 0, 0}, 1'100'000);
  EXPECT_NEAR(sm.offset(1'100'000)[0], 10.0 * std::exp(-1.0) + 5.0, 1e-4);
  EXPECT_NEAR(sm.offset(1'200'000)[0], (10.0 * std::exp(-1.0) + 5.0) * std::exp(-1.0), 1e-4);
  EXPECT_EQ(sm.snaps(), 0u);
  // Together beyond snap_distance: drawn at once.
  sm.add({40, 0, 0}, 1'100'000);
  sm.add({30, 0, 0}, 1'100'000);
  EXPECT_EQ(sm.snaps(), 1u);
  EXPECT_FLOAT_EQ(sm.offset(1'100'000)[0], 0.0f);
  sm.add({0, 100, 0}, 2'000'000);
  EXPECT_EQ(sm.snaps(), 2u);
  EXPECT_FLOAT_EQ(sm.offset(2'000'000)[1], 0.0f);
  sm.add({1, 1, 1}, 3'000'000);
  sm.clear();
  EXPECT_FLOAT_EQ(sm.offset(3'000'000)[0], 0.0f);
  // time_constant 0: never smoothed.
  SmoothingSettings off;
  off.time_constant_ms = 0;
  CorrectionSmoother none(off);
  none.add({3, 3, 3}, 0);
  EXPECT_FLOAT_EQ(none.offset(0)[0], 0.0f);
}

TEST(CorrectionStats, CountsByCauseAndQuantiles) {
  CorrectionStats st;
  EXPECT_EQ(st.quantile(0.5), 0.0);
  for (int i = 1; i <= 100; ++i)
    st.add(i % 2 ? CorrectionCause::Input : CorrectionCause::Collision, 101 - i);
  EXPECT_EQ(st.count(), 100u);
  EXPECT_EQ(st.count(CorrectionCause::Input), 50u);
  EXPECT_EQ(st.count(CorrectionCause::Collision), 50u);
  EXPECT_EQ(st.count(CorrectionCause::Teleport), 0u);
  EXPECT_DOUBLE_EQ(st.quantile(0), 1.0);
  EXPECT_DOUBLE_EQ(st.quantile(0.5), 50.0);
  EXPECT_DOUBLE_EQ(st.quantile(0.9), 90.0);
  EXPECT_DOUBLE_EQ(st.quantile(1), 100.0);
  EXPECT_DOUBLE_EQ(st.max(), 100.0);
  // Only the newest 1024 sizes stay.
  CorrectionStats many;
  for (int i = 1; i <= 2000; ++i) many.add(CorrectionCause::Other, i);
  EXPECT_EQ(many.count(CorrectionCause::Other), 2000u);
  EXPECT_DOUBLE_EQ(many.quantile(0), 977.0);
  EXPECT_DOUBLE_EQ(many.quantile(1), 2000.0);
  EXPECT_DOUBLE_EQ(many.max(), 2000.0);
  many.add(CorrectionCause::Teleport, std::nan(""));
  EXPECT_DOUBLE_EQ(many.quantile(0), 0.0) << "a non-finite size counts as 0";
  EXPECT_STREQ(to_string(CorrectionCause::Input), "input");
  EXPECT_STREQ(to_string(CorrectionCause::Other), "other");
}

// ---------------------------------------------------------------------------
// Settings

void expect_invalid(const Status& s, const char* field) {
  EXPECT_FALSE(s);
  EXPECT_EQ(s.code, Errc::InvalidSettings);
  EXPECT_NE(s.message.find(field), std::string::npos) << s.message;
}

TEST(PredictionSettings, DefaultsAreValid) {
  EXPECT_TRUE(TimeSyncSettings{}.validate());
  EXPECT_TRUE(InputBufferSettings{}.validate());
  EXPECT_TRUE(PredictorSettings{}.validate());
  EXPECT_TRUE(SmoothingSettings{}.validate());
  EXPECT_TRUE(InterpolationSettings{}.validate());
  EXPECT_TRUE(LagCompensationSettings{}.validate());
}

TEST(PredictionSettings, OutOfRangeIsRejected) {
  {
    TimeSyncSettings s;
    s.tick_rate_hz = 0;
    expect_invalid(s.validate(), "tick_rate_hz");
    s = {};
    s.tick_rate_hz = 1001;
    expect_invalid(s.validate(), "tick_rate_hz");
    s = {};
    s.target_slack_ticks = -0.5;
    expect_invalid(s.validate(), "target_slack_ticks");
    s = {};
    s.target_slack_ticks = std::nan("");
    expect_invalid(s.validate(), "target_slack_ticks");
    s = {};
    s.max_dilation = 0.21;
    expect_invalid(s.validate(), "max_dilation");
    s = {};
    s.dilation_gain = -0.1;
    expect_invalid(s.validate(), "dilation_gain");
    s = {};
    s.resync_ticks = 1.5;
    expect_invalid(s.validate(), "resync_ticks");
    s = {};
    s.stall_us = 999;
    expect_invalid(s.validate(), "stall_us");
    s = {};
    s.max_ticks_per_advance = 0;
    expect_invalid(s.validate(), "max_ticks_per_advance");
    s.max_ticks_per_advance = 65;
    expect_invalid(s.validate(), "max_ticks_per_advance");
  }
  {
    InputBufferSettings s;
    s.capacity_ticks = 1;
    expect_invalid(s.validate(), "capacity_ticks");
    s.capacity_ticks = 257;
    expect_invalid(s.validate(), "capacity_ticks");
  }
  {
    PredictorSettings s;
    s.history_ticks = 7;
    expect_invalid(s.validate(), "history_ticks");
    s.history_ticks = 1025;
    expect_invalid(s.validate(), "history_ticks");
    s = {};
    s.max_resim_ticks = 0;
    expect_invalid(s.validate(), "max_resim_ticks");
    s.max_resim_ticks = s.history_ticks;
    expect_invalid(s.validate(), "max_resim_ticks");
  }
  {
    SmoothingSettings s;
    s.time_constant_ms = -1;
    expect_invalid(s.validate(), "time_constant_ms");
    s.time_constant_ms = 5001;
    expect_invalid(s.validate(), "time_constant_ms");
    s = {};
    s.snap_distance = -1;
    expect_invalid(s.validate(), "snap_distance");
  }
  {
    InterpolationSettings s;
    s.tick_rate_hz = 0;
    expect_invalid(s.validate(), "tick_rate_hz");
    s = {};
    s.min_intervals = 0.5;
    expect_invalid(s.validate(), "min_intervals");
    s = {};
    s.jitter_factor = -1;
    expect_invalid(s.validate(), "jitter_factor");
    s = {};
    s.max_extrapolation_ms = 5001;
    expect_invalid(s.validate(), "max_extrapolation_ms");
    s = {};
    s.slew = 0;
    expect_invalid(s.validate(), "slew");
    s.slew = 1.5;
    expect_invalid(s.validate(), "slew");
  }
  {
    LagCompensationSettings s;
    s.tick_rate_hz = 1001;
    expect_invalid(s.validate(), "tick_rate_hz");
    s = {};
    s.history_ms = 40;
    expect_invalid(s.validate(), "history_ms");
    s = {};
    s.max_rewind_ms = s.history_ms;
    expect_invalid(s.validate(), "max_rewind_ms");
    s = {};
    s.distrust_ms = -1;
    expect_invalid(s.validate(), "distrust_ms");
    s = {};
    s.max_bodies = 0;
    expect_invalid(s.validate(), "max_bodies");
  }
}

}  // namespace
}  // namespace tickwire
