// Prediction and reconciliation (Predictor), the server's input buffer and
// correction bookkeeping, on a toy game: every timestamp is passed in,
// nothing sleeps, and every random choice comes from a fixed-seed generator.
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

// What the client need not send again: the run of held ticks after the
// last one stepped; a gap (a lost packet) ends it until it is filled.
TEST(InputBuffer, ReceivedThroughEndsAtTheFirstGap) {
  InputBuffer<int> b;
  EXPECT_EQ(b.received_through(), 0u) << "before the first step: send everything";
  b.consume(10);
  EXPECT_EQ(b.received_through(), 10u);
  b.receive(11, 1, 10.0);
  b.receive(12, 2, 10.0);
  b.receive(14, 4, 10.0);
  EXPECT_EQ(b.received_through(), 12u) << "13 is missing";
  b.receive(13, 3, 10.5);
  EXPECT_EQ(b.received_through(), 14u);
  b.consume(11);
  b.consume(12);
  EXPECT_EQ(b.received_through(), 14u);
  b.consume(13);
  b.consume(14);
  b.consume(15);  // stepped without its input: nothing to resend for it
  EXPECT_EQ(b.received_through(), 15u);
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
  // By cause: Input got the odd i, sizes 100, 98, ..., 2; Collision 99 .. 1.
  EXPECT_DOUBLE_EQ(st.quantile(0, CorrectionCause::Input), 2.0);
  EXPECT_DOUBLE_EQ(st.quantile(1, CorrectionCause::Input), 100.0);
  EXPECT_DOUBLE_EQ(st.quantile(1, CorrectionCause::Collision), 99.0);
  EXPECT_DOUBLE_EQ(st.quantile(0.5, CorrectionCause::Teleport), 0.0);
  EXPECT_DOUBLE_EQ(st.max(CorrectionCause::Input), 100.0);
  EXPECT_DOUBLE_EQ(st.max(CorrectionCause::Collision), 99.0);
  EXPECT_DOUBLE_EQ(st.max(CorrectionCause::Teleport), 0.0);
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
