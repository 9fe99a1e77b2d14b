// Writes a long client trace of an arena match without waiting for one to
// be played: a server-side world of N bot players stepped at 60 Hz, its
// snapshots coded for the client in slot 0 by arena's own StateSender (the
// client acknowledging each a round trip later), wrapped in the ENet
// datagrams a live server sends (VERIFY_CONNECT, the control Welcome,
// arena's Welcome, a scoreboard a second, snapshot envelopes on the
// sequenced lane) and the client's input batches, recorded by the engine's
// capture writer at the match's own clock. `tw-trace replay` of it must
// rebuild one world per snapshot in bounded memory.
//
// usage: make_match_trace OUT.pcap MINUTES PLAYERS
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "enet_datagrams.hpp"
#include "proto/messages.hpp"
#include "proto/state_channel.hpp"
#include "sim/bot.hpp"
#include "sim/world.hpp"
#include "socket/enet_guard.hpp"
#include "trace/capture.hpp"

namespace {

namespace wire = tickwire::socket::enet_wire;
using tickwire::socket::Endpoint;
using tickwire::trace::CaptureWriter;
using tickwire::trace::Direction;
using tickwire::trace::RecordKind;

void be16(std::vector<std::uint8_t>& out, std::uint32_t v) {
  tickwire::test::be16(out, static_cast<std::uint16_t>(v));
}
using tickwire::test::be32;

// One ENet datagram to peer 0, with a sent time.
struct Datagram {
  std::vector<std::uint8_t> bytes;
  explicit Datagram(std::uint64_t now_us) {
    be16(bytes, 0x8000);  // peer 0, sent time follows
    be16(bytes, static_cast<std::uint32_t>(now_us / 1000) & 0xFFFF);
  }
  void reliable(std::uint8_t channel, std::uint16_t seq, const std::vector<std::uint8_t>& data) {
    bytes.push_back(wire::kSendReliable | 0x80);
    bytes.push_back(channel);
    be16(bytes, seq);
    be16(bytes, static_cast<std::uint32_t>(data.size()));
    bytes.insert(bytes.end(), data.begin(), data.end());
  }
  void unreliable(std::uint8_t channel, std::uint16_t unreliable_seq,
                  std::span<const std::uint8_t> data) {
    bytes.push_back(wire::kSendUnreliable);
    bytes.push_back(channel);
    be16(bytes, 0);
    be16(bytes, unreliable_seq);
    be16(bytes, static_cast<std::uint32_t>(data.size()));
    bytes.insert(bytes.end(), data.begin(), data.end());
  }
};

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: make_match_trace OUT.pcap MINUTES PLAYERS\n");
    return 2;
  }
  const double minutes = std::atof(argv[2]);
  const int players = std::atoi(argv[3]);
  // At most 30 minutes: 54,000 snapshots keep the sequenced lane's 16-bit
  // numbers from wrapping (a live ENet sends a reliable command before that).
  if (minutes <= 0 || minutes > 30 || players < 1 || players > arena::sim::kMaxPlayers) {
    std::fprintf(stderr, "make_match_trace: MINUTES 0..30, PLAYERS 1..%d\n",
                 arena::sim::kMaxPlayers);
    return 2;
  }
  const Endpoint client{0x0100007f, 40000}, server{0x0100007f, 27015};
  CaptureWriter w;
  if (tickwire::Status s = w.open(argv[1], 1ull << 30, "client", arena::proto::kProtocolId, client,
                                  0, 1'700'000'000'000'000, {});
      !s) {
    std::fprintf(stderr, "make_match_trace: %s\n", s.message.c_str());
    return 1;
  }
  const std::uint64_t tick_us = 1'000'000 / arena::sim::kTickRate;
  const auto ticks = static_cast<std::uint32_t>(minutes * 60 * arena::sim::kTickRate);
  constexpr std::uint32_t kAckDelayTicks = 6;  // the client's acks arrive a 100 ms round trip later

  arena::sim::World world;
  std::vector<arena::sim::BotBrain> brains(static_cast<std::size_t>(players));
  for (int i = 0; i < players; ++i) arena::sim::add_player(world, i);
  arena::proto::StateSender sender(2);
  sender.reset(0);

  // The connection: VERIFY_CONNECT, then tickwire's Welcome (control lane,
  // channel 3) and arena's Welcome on the reliable lane.
  std::uint16_t reliable_seq[4] = {0, 0, 0, 0};
  {
    Datagram d(0);
    d.bytes.push_back(wire::kVerifyConnect | 0x80);
    d.bytes.push_back(0xFF);
    be16(d.bytes, 1);
    be16(d.bytes, 0);                              // the server's peer id for us
    d.bytes.push_back(0);                          // incoming session
    d.bytes.push_back(0);                          // outgoing session
    be32(d.bytes, 1375);                           // MTU
    be32(d.bytes, 32768);                          // window
    be32(d.bytes, 4);                              // channels: 3 lanes and the control lane
    for (int i = 0; i < 5; ++i) be32(d.bytes, 0);  // bandwidth, throttle
    be32(d.bytes, 0x12345678);                     // connect id
    d.reliable(3, ++reliable_seq[3], {1});         // tickwire: Welcome
    arena::proto::WelcomeMsg welcome;
    welcome.slot = 0;
    std::vector<std::uint8_t> bytes;
    arena::proto::encode(welcome, bytes);
    d.reliable(0, ++reliable_seq[0], bytes);
    w.record(tick_us, Direction::In, RecordKind::Enet, server, d.bytes);
  }

  std::vector<std::uint32_t> sent_ticks;
  std::uint16_t unreliable_seq = 0;
  std::uint64_t snapshots = 0;
  arena::sim::Inputs inputs{};
  std::vector<std::uint8_t> bytes;
  for (std::uint32_t t = 1; t <= ticks; ++t) {
    const std::uint64_t now = (t + 1) * tick_us;
    for (int i = 0; i < players; ++i)
      inputs[static_cast<std::size_t>(i)] =
          arena::sim::think(brains[static_cast<std::size_t>(i)], world, i);
    arena::sim::step(world, inputs);
    // The client's input for this tick, as its InputBatch carries it.
    arena::proto::InputMsg batch;
    batch.count = 1;
    batch.frames[0] = {world.tick, inputs[0]};
    if (!sent_ticks.empty() && sent_ticks.size() > kAckDelayTicks / 2)
      batch.snapshot_ack = sent_ticks[sent_ticks.size() - 1 - kAckDelayTicks / 2];
    arena::proto::encode(batch, bytes);
    Datagram out(now);
    out.unreliable(1, static_cast<std::uint16_t>(t), bytes);
    w.record(now, Direction::Out, RecordKind::Enet, server, out.bytes);
    if (batch.snapshot_ack) sender.acknowledge(0, *batch.snapshot_ack);

    const arena::proto::StateRecipient me{0, world.tick, std::nullopt, world.tick};
    sender.after_step(world, now, std::span(&me, 1),
                      [&](const arena::proto::StateRecipient&, std::span<const std::uint8_t> env) {
                        Datagram in(now);
                        in.unreliable(1, ++unreliable_seq, env);
                        w.record(now, Direction::In, RecordKind::Enet, server, in.bytes);
                        sent_ticks.push_back(world.tick);
                        ++snapshots;
                      });
    if (t % arena::sim::kTickRate == 0) {
      arena::proto::ScoreboardMsg board;
      for (int i = 0; i < players; ++i) {
        arena::proto::PlayerInfo p;
        p.slot = static_cast<std::uint8_t>(i);
        p.uid = static_cast<std::uint32_t>(i + 1);
        p.name = "bot-" + std::to_string(i);
        p.bot = i != 0;
        p.score = world.ships[static_cast<std::size_t>(i)].score;
        p.deaths = world.ships[static_cast<std::size_t>(i)].deaths;
        board.players.push_back(p);
      }
      arena::proto::encode(board, bytes);
      Datagram in(now);
      in.reliable(0, ++reliable_seq[0], bytes);
      w.record(now, Direction::In, RecordKind::Enet, server, in.bytes);
    }
  }
  w.close();
  std::printf("%llu\n", static_cast<unsigned long long>(snapshots));
  return 0;
}
