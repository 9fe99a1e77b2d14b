// What arena's loopback match tests share: a protected server and clients on
// 127.0.0.1, a loop that pumps them, and the check that a client's newest
// state is the server's world of that tick.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <deque>
#include <functional>
#include <thread>

#include "client/game_client.hpp"
#include "server/game_server.hpp"

namespace arena {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

// Every match is protected: the tests' room code.
inline constexpr const char* kCode = "match-test-room";

inline server::ServerOptions keyed(server::ServerOptions so) {
  EXPECT_TRUE(tickwire::TokenKey::from_room_code(kCode, proto::kProtocolId, so.token_key));
  return so;
}

// A quiet loopback server on a free port with `bots` bots, each datagram it
// sends delayed by `lag_ms`.
inline server::ServerOptions loopback_server(int bots, std::uint32_t lag_ms = 0,
                                             std::uint32_t jitter_ms = 0) {
  server::ServerOptions so;
  so.bind_address = "127.0.0.1";
  so.port = 0;
  so.bots = bots;
  so.verbose = false;
  so.conditioner.outgoing = {lag_ms, jitter_ms};
  return keyed(so);
}

// A client of `srv` whose sends are delayed by `lag_ms`.
inline client::ClientOptions client_of(const server::GameServer& srv, std::uint32_t lag_ms = 0,
                                       std::uint32_t jitter_ms = 0) {
  client::ClientOptions co;
  co.server = "127.0.0.1:" + std::to_string(srv.port());
  co.room_code = kCode;
  co.conditioner.outgoing = {lag_ms, jitter_ms};
  return co;
}

// Pumps the server and the client until the client has been playing for
// `playing`, or `limit` has passed; calls each_step after every pump.
inline void play(server::GameServer& srv, client::GameClient& c, Clock::duration playing,
                 Clock::duration limit, const std::function<void()>& each_step = {}) {
  const auto start = Clock::now();
  Clock::time_point playing_since{};
  while (Clock::now() - start < limit) {
    const auto now = Clock::now();
    srv.pump(now);
    c.pump(now);
    if (each_step) each_step();
    if (playing_since == Clock::time_point{} && c.phase() == client::Phase::Playing)
      playing_since = now;
    if (playing_since != Clock::time_point{} && now - playing_since > playing) break;
    std::this_thread::sleep_for(1ms);
  }
}

// Half the quantization step of a ship's position component, units.
inline double half_position_step(std::uint32_t component) {
  const tickwire::Schema& s = proto::schema();
  const tickwire::FieldSpec& f = s.type(proto::kShipType).fields[proto::kShipPosition];
  const tickwire::TypeLayout& layout = s.layout(proto::kShipType);
  const std::uint32_t word = layout.fields[proto::kShipPosition].first_word + component;
  return (f.max[component] - f.min[component]) / ((1u << layout.components[word].bits) - 1) / 2;
}

// The client's newest state that `history` (the server's worlds, by tick)
// also holds has every ship where the server had it, within quantization.
inline void expect_ships_match_server(const client::GameClient& c,
                                      const std::deque<sim::World>& history) {
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

}  // namespace arena
