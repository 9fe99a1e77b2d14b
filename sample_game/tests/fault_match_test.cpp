// Faults in time, on a loopback match: the link cut both ways for 3 s (less
// than the timeout), a client process paused for 2 s, and a client clock
// jumping 2 s ahead. The connection must survive, the world converge soon
// after, and the client must not flood the server with inputs when it
// resumes. Bounded: every wait has a deadline.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <optional>
#include <thread>

#include "match_harness.hpp"

namespace arena {
namespace {

// The server's worlds, one per tick, the newest few seconds.
class History {
 public:
  void note(const sim::World& w) {
    if (!worlds_.empty() && worlds_.back().tick == w.tick) return;
    worlds_.push_back(w);
    if (worlds_.size() > 600) worlds_.pop_front();
  }
  [[nodiscard]] const sim::World* at(std::uint32_t tick) const {
    for (const sim::World& w : worlds_)
      if (w.tick == tick) return &w;
    return nullptr;
  }

 private:
  std::deque<sim::World> worlds_;
};

bool near(const sim::Ship& a, const sim::Ship& b, double tolerance) {
  return a.active == b.active && a.alive == b.alive && std::fabs(a.x - b.x) <= tolerance &&
         std::fabs(a.y - b.y) <= tolerance;
}

// The client agrees with the server again from `since_tick` on: its newest
// snapshot is of a later tick and is the server's world of that tick (every
// ship within quantization), and its predicted own ship of the newest tick
// both hold is the server's ship of that tick.
bool converged(const client::GameClient& c, const History& h, std::uint32_t since_tick) {
  const proto::StateReceiver& states = c.states();
  if (states.newest() == nullptr || states.newest()->world.tick <= since_tick) return false;
  const sim::World& mine = states.newest()->world;
  const sim::World* theirs = h.at(mine.tick);
  if (theirs == nullptr) return false;
  const double step = std::max(half_position_step(0), half_position_step(1)) * 1.0001;
  for (std::size_t i = 0; i < theirs->ships.size(); ++i)
    if (!near(mine.ships[i], theirs->ships[i], step)) return false;
  const auto slot = static_cast<std::size_t>(c.slot());
  for (std::uint32_t t = c.input_tick(); t > since_tick; --t) {
    const sim::LocalState* predicted = c.predicted(t);
    const sim::World* server = h.at(t);
    if (predicted == nullptr || server == nullptr) continue;
    return near(predicted->ship, server->ships[slot], 2.0 / 64);
  }
  return false;
}

struct Pair {
  server::GameServer srv;
  client::GameClient c;
  History history;
  server::ServerOptions server_options = loopback_server(2, 25);
  client::ClientOptions client_options;

  // A bot client playing for 2 s at a 50 ms round trip, the server's worlds noted.
  void start() {
    ASSERT_TRUE(srv.start(server_options));
    client_options = client_of(srv, 25);
    client_options.bot = true;
    ASSERT_TRUE(c.connect(client_options));
    play(srv, c, 2s, 10s, [&] { history.note(srv.world()); });
    ASSERT_EQ(c.phase(), client::Phase::Playing);
  }
  void step(Clock::time_point client_now) {
    srv.pump(Clock::now());
    history.note(srv.world());
    c.pump(client_now);
  }
};

TEST(Faults, AThreeSecondOutageIsSurvivedAndTheWorldConvergesWithinHalfASecond) {
  Pair p;
  ASSERT_NO_FATAL_FAILURE(p.start());
  // Everything either side sends is lost, for 3 s.
  tickwire::LinkConditionerSettings server_cut = p.server_options.conditioner;
  tickwire::LinkConditionerSettings client_cut = p.client_options.conditioner;
  server_cut.outgoing.loss_pct = client_cut.outgoing.loss_pct = 100;
  ASSERT_TRUE(p.srv.set_conditioner(server_cut));
  ASSERT_TRUE(p.c.set_conditioner(client_cut));
  const std::uint64_t received_before = p.c.stats().updates_received;
  double longest_silence = 0;
  const auto cut = Clock::now();
  while (Clock::now() - cut < 3s) {
    p.step(Clock::now());
    longest_silence = std::max(longest_silence, p.c.silence_s(Clock::now()));
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(p.c.stats().updates_received, received_before) << "the cut let snapshots through";
  EXPECT_GE(longest_silence, 2.5);  // the window shows "connection interrupted"
  ASSERT_EQ(p.c.phase(), client::Phase::Playing) << "the client gave up within the timeout";
  ASSERT_EQ(p.srv.stats().humans, 1) << "the server dropped the player within the timeout";

  ASSERT_TRUE(p.srv.set_conditioner(p.server_options.conditioner));
  ASSERT_TRUE(p.c.set_conditioner(p.client_options.conditioner));
  const auto restored = Clock::now();
  const std::uint32_t restored_tick = p.srv.world().tick;
  std::optional<Clock::duration> took;
  while (!took && Clock::now() - restored < 3s) {
    p.step(Clock::now());
    if (converged(p.c, p.history, restored_tick)) took = Clock::now() - restored;
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_TRUE(took.has_value()) << "the client never agreed with the server again";
  std::fprintf(stderr, "converged %.0f ms after the link came back\n",
               std::chrono::duration<double, std::milli>(*took).count());
  EXPECT_LE(*took, 500ms) << std::chrono::duration<double, std::milli>(*took).count() << " ms";
  EXPECT_LT(p.c.silence_s(Clock::now()), 0.5);
  EXPECT_EQ(p.c.stats().decode_errors, 0u);
  EXPECT_EQ(p.c.stats().reconnects, 0u);
}

// A client that stops for 2 s (its process paused), or whose clock jumps
// 2 s ahead, sees a stall: it sets its clock again instead of making the
// 120 input ticks it missed, so it sends no burst of inputs and the server
// never gets inputs too far ahead; within a second it plays in step again.
TEST(Faults, AClientPausedOrWhoseClockJumpsRecoversWithoutABurstOfInputs) {
  for (const bool jump : {false, true}) {
    SCOPED_TRACE(jump ? "the client's clock jumps 2 s ahead" : "the client pauses for 2 s");
    Pair p;
    ASSERT_NO_FATAL_FAILURE(p.start());
    const client::ClientStats before = p.c.stats();
    const std::uint64_t too_early_before = p.srv.stats().inputs_too_early;
    Clock::duration offset{};
    if (jump) {
      offset = 2s;
    } else {
      const auto paused = Clock::now();
      while (Clock::now() - paused < 2s) {  // the server goes on alone
        p.srv.pump(Clock::now());
        p.history.note(p.srv.world());
        std::this_thread::sleep_for(1ms);
      }
    }
    const std::uint32_t resumed_tick = p.srv.world().tick;
    const std::uint64_t ticks_before = p.c.stats().input_ticks;
    const auto resumed = Clock::now();
    while (Clock::now() - resumed < 1s) {
      p.step(Clock::now() + offset);
      std::this_thread::sleep_for(1ms);
    }
    const double elapsed_s = std::chrono::duration<double>(Clock::now() - resumed).count();
    const client::ClientStats after = p.c.stats();
    const std::uint64_t made = after.input_ticks - ticks_before;
    // At most the ticks of the time that passed (dilated by at most 5 %),
    // plus one capped catch-up step: never the 120 ticks of the gap.
    const auto most = static_cast<std::uint64_t>(8 + std::ceil(60 * elapsed_s * 1.05) + 2);
    EXPECT_LE(made, most) << "a burst of inputs after the stall";
    EXPECT_GE(made, 45u) << "the client did not play on";
    EXPECT_GT(after.clock_jumps, before.clock_jumps) << "the stall went unseen";
    EXPECT_EQ(p.srv.stats().inputs_too_early, too_early_before);
    ASSERT_EQ(p.c.phase(), client::Phase::Playing);
    // In step again: keep playing until the client agrees with the server.
    const auto checking = Clock::now();
    bool agreed = false;
    while (!agreed && Clock::now() - checking < 1s) {
      p.step(Clock::now() + offset);
      agreed = converged(p.c, p.history, resumed_tick);
      std::this_thread::sleep_for(1ms);
    }
    EXPECT_TRUE(agreed) << "the client did not agree with the server within 2 s of resuming";
  }
}

}  // namespace
}  // namespace arena
