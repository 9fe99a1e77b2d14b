// Writes two client traces of one short arena match for tw-trace's tests
// (check_cli.cmake), alike but for the lane the unreliable messages take:
//   DIRECT.pcap  the snapshots the client received and the input batches it
//                sent are Direct records (the direct lane, trace version 3),
//                two batches to a datagram, as a live host sends them on an
//                Unreliable lane;
//   ENET.pcap    the same messages in ENet SEND_UNRELIABLE commands.
// Both have the same ENet traffic besides (CONNECT, VERIFY_CONNECT and its
// acknowledgement, the control lane's and arena's Welcome, the Hello, a
// scoreboard a second, the server's DISCONNECT). DIRECT.pcap also holds
// Direct records a host would not deliver: an input batch sent before the
// connection, a malformed datagram, one with a message on a channel the
// connection lacks, and a snapshot that came after the DISCONNECT. So
// tw-trace must rebuild the same worlds and count the same messages from
// both; what it wrote is printed as one JSON object.
//
// The snapshots are arena's own (StateSender on a world of bots) and travel
// on arena's channel 1, where its decoder takes them: tw-trace knows
// channels, not lane kinds.
//
// usage: make_direct_trace DIRECT.pcap ENET.pcap
#include <cinttypes>
#include <cstdio>
#include <string>
#include <vector>

#include "enet_datagrams.hpp"
#include "proto/messages.hpp"
#include "proto/state_channel.hpp"
#include "sim/bot.hpp"
#include "sim/world.hpp"
#include "socket/direct_frames.hpp"
#include "trace/capture.hpp"

namespace {

namespace test = tickwire::test;
namespace wire = tickwire::socket::enet_wire;
using tickwire::socket::Endpoint;
using tickwire::trace::CaptureWriter;
using tickwire::trace::Direction;
using tickwire::trace::RecordKind;
using Bytes = std::vector<std::uint8_t>;

constexpr std::uint32_t kTicks = 180;          // 3 s at 60 Hz
constexpr int kPlayers = 4;                    // the client is slot 0, bots the rest
constexpr std::uint32_t kChannels = 4;         // arena's 3 lanes and the control lane
constexpr std::uint16_t kClientPeer = 0x2000;  // the client's peer index 0, session 2
constexpr std::uint16_t kServerPeer = 0x1005;  // the server's peer index 5, session 1
constexpr std::uint8_t kLane = arena::proto::kLaneSequenced;

// An ENet datagram to `peer` (with a sent time), command by command.
struct Datagram {
  Bytes bytes;
  explicit Datagram(std::uint16_t peer) : bytes(test::enet_header(peer)) {}
  void command(std::uint8_t type, std::uint8_t channel, std::uint16_t seq) {
    bytes.push_back(type);
    bytes.push_back(channel);
    test::be16(bytes, seq);
  }
  void reliable(std::uint8_t channel, std::uint16_t seq, const Bytes& data) {
    command(wire::kSendReliable | 0x80, channel, seq);
    test::be16(bytes, static_cast<std::uint16_t>(data.size()));
    bytes.insert(bytes.end(), data.begin(), data.end());
  }
  void unreliable(std::uint8_t channel, std::uint16_t seq, std::span<const std::uint8_t> data) {
    command(wire::kSendUnreliable, channel, 0);
    test::be16(bytes, seq);
    test::be16(bytes, static_cast<std::uint16_t>(data.size()));
    bytes.insert(bytes.end(), data.begin(), data.end());
  }
};

// The two traces, written side by side.
struct Traces {
  CaptureWriter direct, enet;
  const Endpoint server{0x0100007f, 27015};
  void both(std::uint64_t t, Direction dir, const Bytes& enet_datagram) {
    direct.record(t, dir, RecordKind::Enet, server, enet_datagram);
    enet.record(t, dir, RecordKind::Enet, server, enet_datagram);
  }
};

Bytes input_batch(std::uint32_t tick, const arena::sim::Input& input,
                  std::optional<std::uint32_t> ack) {
  arena::proto::InputMsg m;
  m.count = 1;
  m.frames[0] = {tick, input};
  m.snapshot_ack = ack;
  Bytes out;
  arena::proto::encode(m, out);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: make_direct_trace DIRECT.pcap ENET.pcap\n");
    return 2;
  }
  Traces w;
  const Endpoint client{0x0100007f, 40000};
  for (auto [writer, path] : {std::pair{&w.direct, argv[1]}, std::pair{&w.enet, argv[2]}}) {
    if (tickwire::Status s = writer->open(path, 64u << 20, "client", arena::proto::kProtocolId,
                                          client, 0, 1'700'000'000'000'000, {});
        !s) {
      std::fprintf(stderr, "make_direct_trace: %s\n", s.message.c_str());
      return 1;
    }
  }
  Bytes plain, bytes;
  std::uint64_t undelivered_in = 0, undelivered_out = 0, malformed = 0;
  std::uint64_t direct_in = 0, direct_out = 0;  // Direct records each way

  // Before the connection: an input batch on the direct lane (its host has
  // no connection yet: dropped).
  tickwire::socket::begin_direct(plain, kServerPeer);
  tickwire::socket::append_direct_frame(plain, kLane, input_batch(0, {}, std::nullopt));
  w.direct.record(1000, Direction::Out, RecordKind::Direct, w.server, plain);
  ++direct_out;
  ++undelivered_out;

  // The connection: CONNECT, VERIFY_CONNECT with tickwire's Welcome
  // (control lane) and arena's, then the client's acknowledgement and Hello.
  w.both(2000, Direction::Out, test::enet_connect(0x600d5eed, 0, kChannels));
  {
    Datagram d(kClientPeer);
    d.command(wire::kVerifyConnect | 0x80, wire::kConnectionChannel, 1);
    test::be16(d.bytes, kServerPeer & 0x0FFF);  // the peer id the client writes
    d.bytes.push_back(2);                       // sessions
    d.bytes.push_back(1);
    for (std::uint32_t v : {1375u, 32768u, kChannels, 0u, 0u, 5000u, 2u, 2u, 0x600d5eedu})
      test::be32(d.bytes, v);
    d.reliable(kChannels - 1, 1, {1});  // tickwire's Welcome
    arena::proto::WelcomeMsg welcome;
    welcome.slot = 0;
    arena::proto::encode(welcome, bytes);
    d.reliable(arena::proto::kLaneReliable, 1, bytes);
    w.both(3000, Direction::In, d.bytes);
  }
  {
    Datagram d(kServerPeer);
    d.command(wire::kAcknowledge, wire::kConnectionChannel, 1);
    test::be16(d.bytes, 1);       // the VERIFY_CONNECT's sequence
    test::be16(d.bytes, 0x1234);  // and sent time
    arena::proto::HelloMsg hello;
    hello.name = "direct-bot";
    arena::proto::encode(hello, bytes);
    d.reliable(arena::proto::kLaneReliable, 1, bytes);
    w.both(4000, Direction::Out, d.bytes);
  }

  arena::sim::World world;
  std::vector<arena::sim::BotBrain> brains(kPlayers);
  for (int i = 0; i < kPlayers; ++i) arena::sim::add_player(world, i);
  arena::proto::StateSender sender(2);
  sender.reset(0);
  arena::sim::Inputs inputs{};
  std::vector<std::uint32_t> snapshot_ticks;
  std::vector<Bytes> batches;  // sent two to a datagram
  std::uint16_t in_seq = 0, out_seq = 0, board_seq = 1;
  std::uint64_t snapshots = 0, now = 0;
  const std::uint64_t tick_us = 1'000'000 / arena::sim::kTickRate;
  auto snapshot = [&](bool connected) {
    const arena::proto::StateRecipient me{0, world.tick, std::nullopt, world.tick};
    sender.after_step(world, now, std::span(&me, 1),
                      [&](const arena::proto::StateRecipient&, std::span<const std::uint8_t> env) {
                        tickwire::socket::begin_direct(plain, kClientPeer);
                        tickwire::socket::append_direct_frame(plain, kLane, env);
                        w.direct.record(now, Direction::In, RecordKind::Direct, w.server, plain);
                        ++direct_in;
                        if (!connected) {
                          ++undelivered_in;
                          return;
                        }
                        Datagram d(kClientPeer);
                        d.unreliable(kLane, ++in_seq, env);
                        w.enet.record(now, Direction::In, RecordKind::Enet, w.server, d.bytes);
                        snapshot_ticks.push_back(world.tick);
                        ++snapshots;
                      });
  };
  for (std::uint32_t t = 1; t <= kTicks; ++t) {
    now = 5000 + t * tick_us;
    for (int i = 0; i < kPlayers; ++i)
      inputs[static_cast<std::size_t>(i)] =
          arena::sim::think(brains[static_cast<std::size_t>(i)], world, i);
    arena::sim::step(world, inputs);
    // The client acknowledges the snapshot before last (a round trip later).
    std::optional<std::uint32_t> ack;
    if (snapshot_ticks.size() >= 2) ack = snapshot_ticks[snapshot_ticks.size() - 2];
    if (ack) sender.acknowledge(0, *ack);
    batches.push_back(input_batch(world.tick, inputs[0], ack));
    if (batches.size() == 2) {
      tickwire::socket::begin_direct(plain, kServerPeer);
      Datagram d(kServerPeer);
      for (const Bytes& b : batches) {
        tickwire::socket::append_direct_frame(plain, kLane, b);
        d.unreliable(kLane, ++out_seq, b);
      }
      w.direct.record(now, Direction::Out, RecordKind::Direct, w.server, plain);
      w.enet.record(now, Direction::Out, RecordKind::Enet, w.server, d.bytes);
      ++direct_out;
      batches.clear();
    }
    snapshot(true);
    if (t % arena::sim::kTickRate == 0) {
      arena::proto::ScoreboardMsg board;
      for (int i = 0; i < kPlayers; ++i)
        board.players.push_back({static_cast<std::uint8_t>(i), static_cast<std::uint32_t>(i + 1),
                                 "bot-" + std::to_string(i), i != 0});
      arena::proto::encode(board, bytes);
      Datagram d(kClientPeer);
      d.reliable(arena::proto::kLaneReliable, ++board_seq, bytes);
      w.both(now + 1, Direction::In, d.bytes);
    }
    if (t == kTicks / 2) {
      // A frame that claims 10 bytes and has 3: malformed, dropped whole.
      plain = {static_cast<std::uint8_t>(kClientPeer), kClientPeer >> 8, kLane, 10, 1, 2, 3};
      w.direct.record(now + 2, Direction::In, RecordKind::Direct, w.server, plain);
      ++direct_in;
      ++malformed;
      // A message on channel 9 of a 4-channel connection: refused whole,
      // the well-formed message on channel 1 with it.
      tickwire::socket::begin_direct(plain, kClientPeer);
      tickwire::socket::append_direct_frame(plain, kLane, Bytes{1, 2, 3, 4});
      tickwire::socket::append_direct_frame(plain, 9, Bytes{5, 6});
      w.direct.record(now + 3, Direction::In, RecordKind::Direct, w.server, plain);
      ++direct_in;
      undelivered_in += 2;
    }
  }
  // The server ends the connection; a snapshot that comes after it is not
  // delivered (the direct trace's only: ENet would refuse it too).
  {
    Datagram d(kClientPeer);
    d.command(wire::kDisconnect | 0x80, wire::kConnectionChannel, 2);
    test::be32(d.bytes, 0);
    w.both(now + 1000, Direction::In, d.bytes);
  }
  for (int i = 0; i < 2; ++i) {  // on to the next snapshot
    now += tick_us;
    arena::sim::step(world, inputs);
    snapshot(false);
  }
  w.direct.close();
  w.enet.close();
  std::printf("{\"snapshots\": %" PRIu64 ", \"inputs\": %" PRIu32
              ", \"direct_in\": {\"datagrams\": %" PRIu64 ", \"undelivered\": %" PRIu64
              ", \"malformed\": %" PRIu64 "}, \"direct_out\": {\"datagrams\": %" PRIu64
              ", \"undelivered\": %" PRIu64 "}}\n",
              snapshots, kTicks, direct_in, undelivered_in, malformed, direct_out, undelivered_out);
  return 0;
}
