// A whole match on loopback: a GameServer with bots and two bot clients,
// pumped in one thread. Bounded: every wait has a deadline.
#include <gtest/gtest.h>

#include <cmath>
#include <deque>
#include <functional>
#include <thread>

#include "match_harness.hpp"

namespace arena {
namespace {

TEST(Match, TwoBotClientsPlayAgainstServerBots) {
  server::GameServer srv;
  server::ServerOptions so;
  so.bind_address = "127.0.0.1";
  so.port = 0;
  so.bots = 2;
  so.verbose = false;
  so = keyed(so);
  ASSERT_TRUE(srv.start(so));
  const std::string address = "127.0.0.1:" + std::to_string(srv.port());

  client::GameClient a, b;
  client::ClientOptions co;
  co.server = address;
  co.room_code = kCode;
  co.bot = true;
  co.name = "alpha";
  ASSERT_TRUE(a.connect(co));
  co.name = "beta";
  ASSERT_TRUE(b.connect(co));

  const auto start = Clock::now();
  Clock::time_point playing_since{};
  std::deque<sim::World> history;  // the server's recent worlds, one per tick seen
  while (Clock::now() - start < 10s) {
    const auto now = Clock::now();
    srv.pump(now);
    if (history.empty() || history.back().tick != srv.world().tick) {
      history.push_back(srv.world());
      if (history.size() > 120) history.pop_front();
    }
    a.pump(now);
    b.pump(now);
    if (playing_since == Clock::time_point{} && a.phase() == client::Phase::Playing &&
        b.phase() == client::Phase::Playing)
      playing_since = now;
    if (playing_since != Clock::time_point{} && now - playing_since > 3s) break;
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_EQ(a.phase(), client::Phase::Playing);
  ASSERT_EQ(b.phase(), client::Phase::Playing);
  EXPECT_NE(a.slot(), b.slot());

  for (const client::GameClient* c : {&a, &b}) {
    const client::ClientStats s = c->stats();
    EXPECT_EQ(s.players_seen, 4u);
    // 30 snapshots a second for about 3 s; loopback loses nothing.
    EXPECT_GE(s.updates_received, 80u);
    EXPECT_EQ(s.bad_messages.total(), 0u);
    // Snapshots: whole first, then deltas against what the client acked.
    EXPECT_GE(s.full_received, 1u);
    EXPECT_GT(s.delta_received, s.full_received);
    EXPECT_EQ(s.full_received + s.delta_received, s.updates_received);
    EXPECT_EQ(s.decode_errors, 0u);
    EXPECT_GT(s.snapshot_bytes_avg, 0.0);
    expect_ships_match_server(*c, history);
    EXPECT_EQ(c->scoreboard().players.size(), 4u);
    EXPECT_EQ(c->states().newest()->world.player_count(), 4);
    // The view drawn has every ship.
    EXPECT_EQ(c->view().player_count(), 4);
  }
  const server::ServerStats ss = srv.stats();
  EXPECT_EQ(ss.humans, 2);
  EXPECT_EQ(ss.bots, 2);
  EXPECT_EQ(ss.bad_messages.total(), 0u);
  EXPECT_EQ(ss.protocol_violations, 0u);
  EXPECT_GT(ss.delta_sent, ss.full_sent);
  EXPECT_EQ(ss.snapshot_encode_errors, 0u);

  // A clean leave: the server frees the slot.
  a.disconnect(1s, [&] { srv.pump(Clock::now()); });
  b.disconnect(1s, [&] { srv.pump(Clock::now()); });
  const auto until = Clock::now() + 2s;
  while (srv.stats().humans > 0 && Clock::now() < until) {
    srv.pump(Clock::now());
    std::this_thread::sleep_for(1ms);
  }
  EXPECT_EQ(srv.stats().humans, 0);
  EXPECT_EQ(srv.stats().bots, 2);
}

TEST(Match, HumansTakeTheSlotsOfBotsWhenFull) {
  server::GameServer srv;
  server::ServerOptions so;
  so.bind_address = "127.0.0.1";
  so.port = 0;
  so.bots = 2;
  so.max_players = 2;
  so.verbose = false;
  so = keyed(so);
  ASSERT_TRUE(srv.start(so));
  client::GameClient c;
  client::ClientOptions co;
  co.server = "127.0.0.1:" + std::to_string(srv.port());
  co.room_code = kCode;
  co.bot = true;
  ASSERT_TRUE(c.connect(co));
  const auto start = Clock::now();
  while (c.phase() != client::Phase::Playing && Clock::now() - start < 5s) {
    srv.pump(Clock::now());
    c.pump(Clock::now());
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_EQ(c.phase(), client::Phase::Playing);
  EXPECT_EQ(srv.stats().humans, 1);
  EXPECT_EQ(srv.stats().bots, 1);
  EXPECT_EQ(srv.world().player_count(), 2);
}

TEST(Match, APortInUseIsAClearError) {
  server::GameServer first, second;
  server::ServerOptions so;
  so.bind_address = "127.0.0.1";
  so.port = 0;
  so.verbose = false;
  so = keyed(so);
  ASSERT_TRUE(first.start(so));
  so.port = first.port();
  const tickwire::Status s = second.start(so);
  EXPECT_EQ(s.code, tickwire::Errc::AddressInUse) << s.message;
}

// A predicted client over a conditioned link (75 ms each way, 10 ms of
// jitter: a 150 ms round trip) with no one else in the match: the server's
// states agree with the prediction at every tick compared, so nothing is
// ever corrected, and the clock keeps the inputs arriving about 2 ticks early.
TEST(Match, APredictedShipAloneAtA150MsRoundTripIsNeverCorrected) {
  server::GameServer srv;
  ASSERT_TRUE(srv.start(loopback_server(0, 75, 10)));
  client::GameClient c;
  client::ClientOptions co = client_of(srv, 75, 10);
  co.bot = true;
  co.conditioner.seed = 7;
  ASSERT_TRUE(c.connect(co));
  std::deque<sim::World> history;
  int compared = 0;
  float travelled = 0;
  play(srv, c, 6s, 15s, [&] {
    if (history.empty() || history.back().tick != srv.world().tick) {
      history.push_back(srv.world());
      if (history.size() > 240) history.pop_front();
    }
  });
  ASSERT_EQ(c.phase(), client::Phase::Playing);
  const int slot = c.slot();
  ASSERT_GE(slot, 0);
  // The prediction of each tick the server has made and the client still
  // holds is the server's ship, within the wire's quantization.
  for (std::size_t k = 1; k < history.size(); ++k) {
    const sim::World& w = history[k];
    const sim::LocalState* mine = c.predicted(w.tick);
    if (mine == nullptr) continue;
    const sim::Ship& theirs = w.ships[static_cast<std::size_t>(slot)];
    EXPECT_NEAR(mine->ship.x, theirs.x, 2.0 / 64) << "tick " << w.tick;
    EXPECT_NEAR(mine->ship.y, theirs.y, 2.0 / 64) << "tick " << w.tick;
    ++compared;
    const sim::Ship& before = history[k - 1].ships[static_cast<std::size_t>(slot)];
    travelled += std::hypot(theirs.x - before.x, theirs.y - before.y);
  }
  EXPECT_GE(compared, 10);
  EXPECT_GT(travelled, 1.0f);  // the bot moved: agreement is not about a ship at rest
  const client::ClientStats s = c.stats();
  EXPECT_GE(s.reconciles, 100u);
  EXPECT_EQ(s.corrections, 0u) << "input " << s.corrections_by_cause[0] << " collision "
                               << s.corrections_by_cause[1] << " teleport "
                               << s.corrections_by_cause[2] << " other "
                               << s.corrections_by_cause[3] << ", largest " << s.correction_max
                               << "; inputs missing " << s.inputs_missing << ", late "
                               << s.inputs_late << ", clock jumps " << s.clock_jumps;
  EXPECT_NEAR(s.input_slack_ticks, 2.0, 1.0);
  EXPECT_LE(s.dilation_pct_avg, 5.0);
}

// The own ship answers the key in the frame it is pressed, while the server
// (75 ms away) has not heard of it yet; with --no-predict it does not.
TEST(Match, TheOwnShipMovesBeforeTheServerKnows) {
  for (const bool predict : {true, false}) {
    server::GameServer srv;
    ASSERT_TRUE(srv.start(loopback_server(0, 75)));
    client::GameClient c;
    client::ClientOptions co = client_of(srv, 75);
    co.predict = predict;
    ASSERT_TRUE(c.connect(co));
    const auto start = Clock::now();
    play(srv, c, 1500ms, 10s);
    ASSERT_EQ(c.phase(), client::Phase::Playing);
    const int slot = c.slot();
    const float x0 = c.view().ships[static_cast<std::size_t>(slot)].x;
    sim::Input right;
    right.move_x = 1;
    c.set_local_input(right);
    const std::uint32_t tick0 = c.input_tick();
    // Pump until two input ticks with the key held have been made.
    while (c.input_tick() < tick0 + 2 && Clock::now() - start < 12s) {
      srv.pump(Clock::now());
      c.pump(Clock::now());
      std::this_thread::sleep_for(1ms);
    }
    const float x1 = c.view().ships[static_cast<std::size_t>(slot)].x;
    EXPECT_EQ(srv.world().ships[static_cast<std::size_t>(slot)].vx, 0.0f);  // not heard of yet
    if (predict) {
      EXPECT_GT(x1, x0) << "predicted: the ship moves with the key";
    } else {
      EXPECT_EQ(x1, x0) << "--no-predict: the ship waits for the server";
    }
  }
}

}  // namespace
}  // namespace arena
