// The game protocol: round trips, and a decoder that survives anything.
#include <flatbuffers/flatbuffers.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>

#include "arena_generated.h"
#include "net/messages.hpp"
#include "net/state_channel.hpp"

namespace arena::net {
namespace {

template <typename T>
T round_trip(const T& in) {
  std::vector<std::uint8_t> bytes;
  encode(in, bytes);
  Message out;
  EXPECT_EQ(decode(bytes, out), DecodeResult::ok);
  EXPECT_TRUE(std::holds_alternative<T>(out));
  return std::get<T>(out);
}

sim::World busy_world() {
  sim::World w;
  for (int i = 0; i < sim::kMaxPlayers; i += 3) sim::add_player(w, i);
  sim::Inputs in{};
  for (auto& i : in) i.fire = true, i.move_x = 1;
  for (int t = 0; t < 20; ++t) sim::step(w, in);
  return w;
}

TEST(Protocol, MessagesRoundTrip) {
  HelloMsg h;
  h.name = "Zoë \x01 is a very long name indeed";
  const HelloMsg h2 = round_trip(h);
  EXPECT_EQ(h2.name, "Zo?? ? is a ver");  // printable ASCII, 15 bytes
  EXPECT_EQ(h2.game_version, kGameVersion);

  WelcomeMsg wm{kGameVersion, 7, 1234, 60, 30};
  const WelcomeMsg w2 = round_trip(wm);
  EXPECT_EQ(w2.slot, 7);
  EXPECT_EQ(w2.tick, 1234u);

  InputMsg im;
  im.count = 3;
  im.frames[0] = {10, {0.5f, -1, 3, 4, true}};
  im.frames[2] = {8, {0, 0, 1, 0, false}};
  const InputMsg i2 = round_trip(im);
  EXPECT_EQ(i2.count, 3);
  EXPECT_EQ(i2.frames[0].tick, 10u);
  EXPECT_TRUE(i2.frames[0].input.fire);
  EXPECT_EQ(i2.frames[0].input.move_x, 0.5f);

  StateMsg sm;
  sm.world = busy_world();
  sm.input_ack = 99;
  const StateMsg s2 = round_trip(sm);
  EXPECT_EQ(s2.input_ack, 99u);
  EXPECT_EQ(s2.world.tick, sm.world.tick);
  EXPECT_EQ(s2.world.player_count(), sm.world.player_count());
  EXPECT_EQ(s2.world.projectile_count(), sm.world.projectile_count());
  for (std::size_t i = 0; i < sm.world.ships.size(); ++i) {
    EXPECT_EQ(s2.world.ships[i].active, sm.world.ships[i].active);
    EXPECT_EQ(s2.world.ships[i].x, sm.world.ships[i].x);
    EXPECT_EQ(s2.world.ships[i].health, sm.world.ships[i].health);
  }

  ScoreboardMsg sb;
  sb.players.push_back({3, 42, "Ada", true, 5, 2, 0});
  sb.players.push_back({4, 43, "me", false, 1, 7, 35});
  const ScoreboardMsg sb2 = round_trip(sb);
  ASSERT_EQ(sb2.players.size(), 2u);
  EXPECT_EQ(sb2.players[1].name, "me");
  EXPECT_EQ(sb2.players[1].ping_ms, 35);
  EXPECT_EQ(sb2.players[0].uid, 42u);

  const KillMsg k2 = round_trip(KillMsg{77, 1, 2});
  EXPECT_EQ(k2.killer, 1);
  EXPECT_EQ(k2.victim, 2);
}

TEST(Protocol, StateFitsOneDatagramInAnOrdinaryMatch) {
  StateMsg sm;
  sm.world = busy_world();
  std::vector<std::uint8_t> bytes;
  encode(sm, bytes);
  // 11 ships and their shots; a full 32-ship state is larger and fragments.
  EXPECT_LT(bytes.size(), 1300u) << sm.world.projectile_count() << " projectiles";
}

namespace fb = ::flatbuffers;
namespace w = ::arena::wire;

std::vector<std::uint8_t> finish(fb::FlatBufferBuilder& b, w::Body type, fb::Offset<void> body) {
  w::FinishMessageBuffer(b, w::CreateMessage(b, type, body));
  return {b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()};
}

DecodeResult decode_bytes(const std::vector<std::uint8_t>& bytes) {
  Message m;
  return decode(bytes, m);
}

TEST(Protocol, OutOfRangeValuesAreRefused) {
  {
    fb::FlatBufferBuilder b;
    w::ShipState s(40, 1, 100, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0);  // slot 40
    const auto v = b.CreateVectorOfStructs(&s, 1);
    EXPECT_EQ(decode_bytes(finish(b, w::Body::State, w::CreateState(b, 1, 0, v).Union())),
              DecodeResult::out_of_range);
  }
  {
    fb::FlatBufferBuilder b;
    const float nan = std::numeric_limits<float>::quiet_NaN();
    w::ShipState s(1, 1, 100, 0, 0, nan, 1, 0, 0, 1, 0, 0, 0);
    const auto v = b.CreateVectorOfStructs(&s, 1);
    EXPECT_EQ(decode_bytes(finish(b, w::Body::State, w::CreateState(b, 1, 0, v).Union())),
              DecodeResult::out_of_range);
  }
  {
    fb::FlatBufferBuilder b;
    w::ShipState s[2] = {w::ShipState(1, 1, 100, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0),
                         w::ShipState(1, 1, 100, 0, 0, 1, 1, 0, 0, 1, 0, 0, 0)};
    const auto v = b.CreateVectorOfStructs(s, 2);  // the same slot twice
    EXPECT_EQ(decode_bytes(finish(b, w::Body::State, w::CreateState(b, 1, 0, v).Union())),
              DecodeResult::out_of_range);
  }
  {
    fb::FlatBufferBuilder b;
    std::vector<w::InputFrame> frames(kMaxInputFrames + 1);
    const auto v = b.CreateVectorOfStructs(frames);
    EXPECT_EQ(decode_bytes(finish(b, w::Body::InputBatch, w::CreateInputBatch(b, v).Union())),
              DecodeResult::out_of_range);
  }
  {
    fb::FlatBufferBuilder b;
    EXPECT_EQ(decode_bytes(finish(b, w::Body::InputBatch, w::CreateInputBatch(b).Union())),
              DecodeResult::out_of_range);
  }
  {
    fb::FlatBufferBuilder b;
    EXPECT_EQ(decode_bytes(finish(b, w::Body::Kill, w::CreateKill(b, 1, 200, 1).Union())),
              DecodeResult::out_of_range);
  }
  {
    fb::FlatBufferBuilder b;  // type says Hello, no table
    EXPECT_EQ(decode_bytes(finish(b, w::Body::Hello, 0)), DecodeResult::malformed);
  }
  {
    fb::FlatBufferBuilder b;  // no body at all
    EXPECT_EQ(decode_bytes(finish(b, w::Body::NONE, 0)), DecodeResult::unknown);
  }
  {
    fb::FlatBufferBuilder b;  // a union type from a future version
    const auto body = w::CreateKill(b, 1, 1, 1).Union();
    w::MessageBuilder mb(b);
    mb.add_body_type(static_cast<w::Body>(42));
    mb.add_body(body);
    w::FinishMessageBuffer(b, mb.Finish());
    EXPECT_EQ(decode_bytes({b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()}),
              DecodeResult::unknown);
  }
}

// Random bytes, and valid messages with random bytes changed, cut short or
// extended: decode() must never crash and every refusal is counted.
TEST(Protocol, DecoderSurvivesRandomAndMutatedBytes) {
  std::mt19937_64 rng(12345);
  std::vector<std::vector<std::uint8_t>> seeds(6);
  {
    StateMsg sm;
    sm.world = busy_world();
    encode(sm, seeds[0]);
    ScoreboardMsg sb;
    for (int i = 0; i < 5; ++i)
      sb.players.push_back({static_cast<std::uint8_t>(i), 9, "name", i % 2 == 0, 1, 2, 3});
    encode(sb, seeds[1]);
    InputMsg im;
    im.count = 4;
    encode(im, seeds[2]);
    encode(HelloMsg{kGameVersion, "hello"}, seeds[3]);
    encode(WelcomeMsg{}, seeds[4]);
    encode(KillMsg{1, 2, 3}, seeds[5]);
  }
  DecodeCounters counters;
  std::uint64_t ok = 0;
  const int rounds = 60000;
  for (int round = 0; round < rounds; ++round) {
    std::vector<std::uint8_t> bytes;
    if (round % 4 == 0) {
      bytes.resize(rng() % 300);
      for (auto& b : bytes) b = static_cast<std::uint8_t>(rng());
      if (bytes.size() >= 8 && round % 8 == 0) std::memcpy(&bytes[4], "ARN1", 4);
    } else {
      bytes = seeds[rng() % seeds.size()];
      const int flips = 1 + static_cast<int>(rng() % 6);
      for (int f = 0; f < flips; ++f)
        bytes[rng() % bytes.size()] = static_cast<std::uint8_t>(rng());
      if (round % 5 == 0) bytes.resize(rng() % (bytes.size() + 1));
      if (round % 7 == 0) bytes.resize(bytes.size() + rng() % 64, static_cast<std::uint8_t>(rng()));
    }
    Message m;
    const DecodeResult r = decode(bytes, m);
    counters.count(r);
    ok += r == DecodeResult::ok;
  }
  EXPECT_EQ(counters.total() + ok, static_cast<std::uint64_t>(rounds));
  EXPECT_GT(counters.malformed, 1000u);
  EXPECT_GT(counters.out_of_range + counters.unknown, 0u);
  std::printf("decoded %llu, refused: malformed %llu, out of range %llu, unknown %llu\n",
              static_cast<unsigned long long>(ok),
              static_cast<unsigned long long>(counters.malformed),
              static_cast<unsigned long long>(counters.out_of_range),
              static_cast<unsigned long long>(counters.unknown));
}

TEST(Protocol, OversizedAndTinyBuffersAreMalformed) {
  EXPECT_EQ(decode_bytes({}), DecodeResult::malformed);
  EXPECT_EQ(decode_bytes(std::vector<std::uint8_t>(4, 0)), DecodeResult::malformed);
  EXPECT_EQ(decode_bytes(std::vector<std::uint8_t>(kMaxMessageBytes + 1, 0)),
            DecodeResult::malformed);
}

TEST(StateChannel, SendsEveryIntervalAndKeepsTheNewest) {
  StateSender sender(2);
  EXPECT_EQ(sender.rate_hz(), 30);
  sim::World w = busy_world();
  StateReceiver receiver;
  std::vector<StateRecipient> to{{0, 5}};
  int sent = 0;
  for (int t = 0; t < 20; ++t) {
    sim::step(w, sim::Inputs{});
    sent += static_cast<int>(sender.after_step(w, to, [&](const StateRecipient& r, auto bytes) {
      Message m;
      ASSERT_EQ(decode(bytes, m), DecodeResult::ok);
      EXPECT_EQ(std::get<StateMsg>(m).input_ack, r.input_ack);
      receiver.accept(std::get<StateMsg>(m), t / 60.0);
    }));
  }
  EXPECT_EQ(sent, 10);
  EXPECT_EQ(receiver.received, 10u);
  EXPECT_EQ(receiver.size(), StateReceiver::kCapacity);
  EXPECT_EQ(receiver.newest()->world.tick, w.tick);
  StateMsg old;
  old.world.tick = 3;
  EXPECT_FALSE(receiver.accept(old, 1.0));
  EXPECT_EQ(receiver.stale, 1u);
}

}  // namespace
}  // namespace arena::net
