// A whole match on loopback: a GameServer with bots and two bot clients,
// pumped in one thread. Bounded: every wait has a deadline.
#include <gtest/gtest.h>

#include <cmath>
#include <deque>
#include <thread>

#include "client/game_client.hpp"
#include "client/interpolate.hpp"
#include "server/game_server.hpp"

namespace arena {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Every match is protected: the tests' room code.
constexpr const char* kCode = "match-test-room";

server::ServerOptions keyed(server::ServerOptions so) {
  EXPECT_TRUE(tickwire::TokenKey::from_room_code(kCode, proto::kProtocolId, so.token_key));
  return so;
}

// Half the quantization step of a ship's position component, units.
double half_position_step(std::uint32_t component) {
  const tickwire::Schema& s = proto::schema();
  const tickwire::FieldSpec& f = s.type(proto::kShipType).fields[proto::kShipPosition];
  const tickwire::TypeLayout& layout = s.layout(proto::kShipType);
  const std::uint32_t word = layout.fields[proto::kShipPosition].first_word + component;
  return (f.max[component] - f.min[component]) / ((1u << layout.components[word].bits) - 1) / 2;
}

// The client's newest state that `history` (the server's worlds, by tick)
// also holds has every ship where the server had it, within quantization.
void expect_ships_match_server(const client::GameClient& c, const std::deque<sim::World>& history) {
  const proto::StateReceiver& states = c.states();
  for (std::size_t k = states.size(); k-- > 0;) {
    const sim::World& mine = states.at(k).world;
    for (const sim::World& theirs : history) {
      if (theirs.tick != mine.tick) continue;
      ASSERT_EQ(mine.player_count(), theirs.player_count());
      for (std::size_t i = 0; i < theirs.ships.size(); ++i) {
        const sim::Ship& a = theirs.ships[i];
        const sim::Ship& b = mine.ships[i];
        ASSERT_EQ(a.active, b.active) << "slot " << i;
        if (!a.active) continue;
        EXPECT_EQ(a.alive, b.alive) << "slot " << i;
        EXPECT_EQ(a.health, b.health) << "slot " << i;
        EXPECT_LE(std::fabs(a.x - b.x), half_position_step(0) * 1.0001) << "slot " << i;
        EXPECT_LE(std::fabs(a.y - b.y), half_position_step(1) * 1.0001) << "slot " << i;
      }
      return;
    }
  }
  ADD_FAILURE() << "no state of the client's is in the server's recent history";
}

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
    // The interpolated view has every ship.
    sim::World view;
    const double now_s = c->seconds(Clock::now());
    client::interpolate(c->states(),
                        c->states().estimated_server_tick(now_s) -
                            client::interpolation_delay_ticks(c->state_rate_hz()),
                        view);
    EXPECT_EQ(view.player_count(), 4);
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

}  // namespace
}  // namespace arena
