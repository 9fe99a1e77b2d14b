// The game protocol: round trips, and a decoder that survives anything.
// (World state is not a message: tests/replication_test.cpp.)
#include <flatbuffers/flatbuffers.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>

#include "arena_generated.h"
#include "proto/messages.hpp"

namespace arena::proto {
namespace {

template <typename T>
T round_trip(const T& in) {
  std::vector<std::uint8_t> bytes;
  encode(in, bytes);
  Message out;
  EXPECT_EQ(decode(bytes, out), DecodeResult::Ok);
  EXPECT_TRUE(std::holds_alternative<T>(out));
  return std::get<T>(out);
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
  EXPECT_FALSE(i2.snapshot_ack.has_value());

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

TEST(Protocol, InputBatchCarriesTheSnapshotAck) {
  InputMsg im;
  im.count = 1;
  im.frames[0] = {5, {}};
  for (std::uint32_t tick : {0u, 2u, 123456u, 0xffffffffu}) {
    im.snapshot_ack = tick;  // 0 is a tick like any other when the flag is set
    const InputMsg out = round_trip(im);
    ASSERT_TRUE(out.snapshot_ack.has_value());
    EXPECT_EQ(*out.snapshot_ack, tick);
    EXPECT_EQ(out.frames[0].tick, 5u);
  }
  im.snapshot_ack.reset();
  EXPECT_FALSE(round_trip(im).snapshot_ack.has_value());

  // Cut short anywhere, a batch with an ack is refused, never half read.
  im.snapshot_ack = 77;
  std::vector<std::uint8_t> bytes;
  encode(im, bytes);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    Message m;
    EXPECT_NE(decode({bytes.data(), n}, m), DecodeResult::Ok) << n << " bytes";
  }
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
    std::vector<w::InputFrame> frames(kMaxInputFrames + 1);
    const auto v = b.CreateVectorOfStructs(frames);
    EXPECT_EQ(decode_bytes(finish(b, w::Body::InputBatch, w::CreateInputBatch(b, v).Union())),
              DecodeResult::OutOfRange);
  }
  {
    fb::FlatBufferBuilder b;
    EXPECT_EQ(decode_bytes(finish(b, w::Body::InputBatch, w::CreateInputBatch(b).Union())),
              DecodeResult::OutOfRange);
  }
  {
    fb::FlatBufferBuilder b;  // an ack tick without the flag
    w::InputFrame f(1, 0, 0, 1, 0, 0);
    const auto v = b.CreateVectorOfStructs(&f, 1);
    EXPECT_EQ(decode_bytes(finish(b, w::Body::InputBatch, w::CreateInputBatch(b, v, 7).Union())),
              DecodeResult::OutOfRange);
  }
  {
    fb::FlatBufferBuilder b;  // game version 1's State (union type 4) is gone
    const auto body = w::CreateKill(b, 1, 1, 1).Union();
    w::MessageBuilder mb(b);
    mb.add_body_type(static_cast<w::Body>(4));
    mb.add_body(body);
    w::FinishMessageBuffer(b, mb.Finish());
    EXPECT_EQ(decode_bytes({b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()}),
              DecodeResult::Unknown);
  }
  {
    fb::FlatBufferBuilder b;
    EXPECT_EQ(decode_bytes(finish(b, w::Body::Kill, w::CreateKill(b, 1, 200, 1).Union())),
              DecodeResult::OutOfRange);
  }
  {
    fb::FlatBufferBuilder b;  // type says Hello, no table
    EXPECT_EQ(decode_bytes(finish(b, w::Body::Hello, 0)), DecodeResult::Malformed);
  }
  {
    fb::FlatBufferBuilder b;  // no body at all
    EXPECT_EQ(decode_bytes(finish(b, w::Body::NONE, 0)), DecodeResult::Unknown);
  }
  {
    fb::FlatBufferBuilder b;  // a union type from a future version
    const auto body = w::CreateKill(b, 1, 1, 1).Union();
    w::MessageBuilder mb(b);
    mb.add_body_type(static_cast<w::Body>(42));
    mb.add_body(body);
    w::FinishMessageBuffer(b, mb.Finish());
    EXPECT_EQ(decode_bytes({b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize()}),
              DecodeResult::Unknown);
  }
}

// Random bytes, and valid messages with random bytes changed, cut short or
// extended: decode() must never crash and every refusal is counted.
TEST(Protocol, DecoderSurvivesRandomAndMutatedBytes) {
  std::mt19937_64 rng(12345);
  std::vector<std::vector<std::uint8_t>> seeds(6);
  {
    InputMsg acked;
    acked.count = 2;
    acked.snapshot_ack = 4242;
    encode(acked, seeds[0]);
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
    ok += r == DecodeResult::Ok;
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
  EXPECT_EQ(decode_bytes({}), DecodeResult::Malformed);
  EXPECT_EQ(decode_bytes(std::vector<std::uint8_t>(4, 0)), DecodeResult::Malformed);
  EXPECT_EQ(decode_bytes(std::vector<std::uint8_t>(kMaxMessageBytes + 1, 0)),
            DecodeResult::Malformed);
}

}  // namespace
}  // namespace arena::proto
