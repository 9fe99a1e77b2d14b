// The command line: the flags, defaults and refusals.
#include <gtest/gtest.h>

#include <initializer_list>
#include <vector>

#include "app/options.hpp"
#include "app/room.hpp"

#include <tickwire/token.hpp>

namespace arena::app {
namespace {

bool parse(std::initializer_list<const char*> args, Options& o, std::string& error) {
  std::vector<const char*> argv{"arena"};
  argv.insert(argv.end(), args);
  return parse_options(static_cast<int>(argv.size()), argv.data(), o, error);
}

TEST(Options, NoFlagsIsALocalMatchWithThreeBots) {
  Options o;
  std::string e;
  ASSERT_TRUE(parse({}, o, e)) << e;
  EXPECT_EQ(o.mode, Mode::Local);
  EXPECT_EQ(o.bots, 3);
  EXPECT_EQ(o.port, 27015);
  EXPECT_FALSE(o.headless);
}

TEST(Options, DedicatedServer) {
  Options o;
  std::string e;
  ASSERT_TRUE(parse({"--server", "--port", "27100", "--bots", "2", "--max-players", "8",
                     "--duration", "10", "--stats-json", "s.json"},
                    o, e))
      << e;
  EXPECT_EQ(o.mode, Mode::Server);
  EXPECT_EQ(o.port, 27100);
  EXPECT_EQ(o.bots, 2);
  EXPECT_EQ(o.max_players, 8);
  EXPECT_DOUBLE_EQ(o.duration_s, 10);
  EXPECT_EQ(o.stats_json, "s.json");
  EXPECT_TRUE(o.headless);
  ASSERT_TRUE(parse({"--server"}, o, e));
  EXPECT_EQ(o.bots, 0);
}

TEST(Options, Connect) {
  Options o;
  std::string e;
  ASSERT_TRUE(parse({"--connect", "10.0.0.2", "--name", "me", "--bot", "--headless", "--sim",
                     "lag=100,jitter=20,loss=5", "--code", "amber-fox-42"},
                    o, e))
      << e;
  EXPECT_EQ(o.mode, Mode::Connect);
  EXPECT_EQ(o.connect, "10.0.0.2:27015");
  EXPECT_EQ(o.name, "me");
  EXPECT_TRUE(o.bot && o.headless);
  EXPECT_EQ(o.conditioner.outgoing.latency_ms, 100u);
  EXPECT_FLOAT_EQ(o.conditioner.outgoing.loss_pct, 5);
  EXPECT_EQ(o.code, "amber-fox-42");
  ASSERT_TRUE(parse({"--connect=example.org:4000", "--token", "me.token"}, o, e)) << e;
  EXPECT_EQ(o.connect, "example.org:4000");
  EXPECT_EQ(o.token_file, "me.token");
}

TEST(Options, ManyBotClientsFromOneProcess) {
  Options o;
  std::string e;
  ASSERT_TRUE(parse({"--connect", "10.0.0.2", "--code", "amber-fox-42", "--clients", "8"}, o, e))
      << e;
  EXPECT_EQ(o.clients, 8);
  EXPECT_TRUE(o.bot && o.headless);  // implied
  ASSERT_TRUE(parse({"--connect", "10.0.0.2", "--code", "amber-fox-42", "--clients", "1"}, o, e))
      << e;
  EXPECT_EQ(o.clients, 1);
  EXPECT_TRUE(o.bot && o.headless);  // one bot, as asked
  ASSERT_TRUE(parse({"--connect", "10.0.0.2", "--code", "amber-fox-42"}, o, e)) << e;
  EXPECT_EQ(o.clients, 1);
  EXPECT_FALSE(o.bot || o.headless);
}

TEST(Options, ProtectedServer) {
  Options o;
  std::string e;
  ASSERT_TRUE(parse({"--server", "--token-key", "game.key", "--public-address", "203.0.113.7:27015",
                     "--public-address", "relay.example:4000"},
                    o, e))
      << e;
  EXPECT_EQ(o.token_key_file, "game.key");
  EXPECT_EQ(o.public_addresses,
            (std::vector<std::string>{"203.0.113.7:27015", "relay.example:4000"}));
  ASSERT_TRUE(parse({"--server", "--code", "amber-fox-42"}, o, e)) << e;
  ASSERT_TRUE(parse({"--server", "--max-per-address", "0"}, o, e)) << e;
  EXPECT_EQ(o.max_per_address, 0);
}

TEST(Options, BadFlagsAreRefusedWithAReason) {
  Options o;
  std::string e;
  for (auto args : std::vector<std::vector<const char*>>{
           {"--bogus"},
           {"--port"},
           {"--connect", "x", "--port", "0"},
           {"--port", "70000"},
           {"--port", "12ab"},
           {"--bots", "33"},
           {"--max-players", "0"},
           {"--duration", "-1"},
           {"--duration", "x"},
           {"--sim", "lag=abc"},
           {"--server", "--connect", "x"},
           {"--connect", "x", "--bots", "2"},
           {"--server", "--bot"},
           {"--connect", "host:99999"},
           {"--headless=yes"},
           {"--max-players", "2", "--bots", "3"},
           {"--connect", "x"},  // neither --code nor --token: it could not get in
           {"--connect", "x", "--code", "short"},
           {"--connect", "x", "--code", "abcdefghijkl"},  // long, but a run: easy to guess
           {"--server", "--max-per-address", "33"},
           {"--connect", "x", "--code", "amber-fox-42", "--max-per-address", "2"},
           {"--connect", "x", "--code", "amber-fox-42", "--token", "t"},
           {"--server", "--token", "t"},
           {"--connect", "x", "--code", "amber-fox-42", "--token-key", "k"},
           {"--server", "--code", "amber-fox-42", "--token-key", "k"},
           {"--server", "--public-address", "nohost"},
           {"--public-address", "1.2.3.4:5"},
           {"--server", "--clients", "4"},
           {"--clients", "1"},  // a local match has one player
           {"--connect", "x", "--code", "amber-fox-42", "--clients", "33"},
           {"--connect", "x", "--code", "amber-fox-42", "--clients", "0"},
           {"--connect", "x", "--token", "t", "--clients", "2"},  // one token, one player
       }) {
    std::vector<const char*> argv{"arena"};
    argv.insert(argv.end(), args.begin(), args.end());
    e.clear();
    EXPECT_FALSE(parse_options(static_cast<int>(argv.size()), argv.data(), o, e)) << args[0];
    EXPECT_FALSE(e.empty()) << args[0];
  }
}

TEST(Options, HelpListsEveryFlag) {
  const std::string u = usage();
  for (const char* flag :
       {"--port", "--server", "--bots", "--max-players", "--connect", "--name", "--bot",
        "--headless", "--duration", "--stats-json", "--sim", "--code", "--token", "--token-key",
        "--public-address", "--max-per-address", "--clients", "--reconnect", "--help"})
    EXPECT_NE(u.find(flag), std::string::npos) << flag;
}

}  // namespace
}  // namespace arena::app

// A local match's random room code is always one tickwire accepts.
TEST(RoomCode, RandomCodesAreAlwaysStrongEnough) {
  for (int i = 0; i < 2000; ++i) {
    const std::string code = arena::app::random_room_code();
    ASSERT_EQ(code.size(), 14u);
    ASSERT_GE(tickwire::room_code_bits(code), tickwire::kMinRoomCodeBits) << code;
  }
}
