// tw-trace and the direct lane (tools/tw-trace/direct.hpp): which Direct
// records a host delivers (a well-formed datagram while its ENet connection
// is up, on channels the connection has), what tw-trace says about each,
// and HostDelivery, which joins them with ENet's delivery in record order
// as replay, view and send follow a client. Direct payloads come from the
// engine's own framing (socket/direct_frames.hpp), ENet datagrams are made
// by hand.
#include "direct.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "enet_datagrams.hpp"
#include "socket/direct_frames.hpp"

namespace {

using tickwire::trace::DeliveredMessage;
using tickwire::trace::EnetDatagram;
using tickwire::trace::EnetDelivery;
using tickwire::trace::Kind;
using tickwire::trace::Record;
using twtrace::DirectDelivery;
using twtrace::DirectFate;
using twtrace::HostDelivery;
using Bytes = std::vector<std::uint8_t>;
namespace wire = tickwire::socket::enet_wire;
namespace test = tickwire::test;

constexpr std::uint16_t kPeer = 0x2003;  // peer index 3, session 2

Bytes bytes(std::string_view s) {
  return Bytes(s.begin(), s.end());
}

// A Direct datagram to kPeer with one frame per (channel, message).
Bytes direct(std::initializer_list<std::pair<std::uint8_t, Bytes>> frames) {
  Bytes out;
  tickwire::socket::begin_direct(out, kPeer);
  for (const auto& [channel, message] : frames)
    tickwire::socket::append_direct_frame(out, channel, message);
  return out;
}

// ENet datagrams from a server to its client (peer 3, session 2).
Bytes verify_connect(std::uint32_t connect_id, std::uint32_t channels) {
  Bytes d = test::enet_header(kPeer);
  d.push_back(wire::kVerifyConnect | 0x80);
  d.push_back(wire::kConnectionChannel);
  test::be16(d, 1);
  test::be16(d, 0);  // outgoing peer id
  d.push_back(2);    // sessions
  d.push_back(2);
  for (std::uint32_t v : {1400u, 32768u, channels, 0u, 0u, 5000u, 2u, 2u, connect_id})
    test::be32(d, v);
  return d;
}
Bytes with_reliable(Bytes d, std::uint8_t channel, std::uint16_t seq, const Bytes& message) {
  d.push_back(wire::kSendReliable | 0x80);
  d.push_back(channel);
  test::be16(d, seq);
  test::be16(d, static_cast<std::uint16_t>(message.size()));
  d.insert(d.end(), message.begin(), message.end());
  return d;
}
Bytes unreliable(std::uint8_t channel, std::uint16_t seq, const Bytes& message) {
  Bytes d = test::enet_header(kPeer);
  d.push_back(wire::kSendUnreliable);
  d.push_back(channel);
  test::be16(d, 0);
  test::be16(d, seq);
  test::be16(d, static_cast<std::uint16_t>(message.size()));
  d.insert(d.end(), message.begin(), message.end());
  return d;
}
Bytes disconnect() {
  Bytes d = test::enet_header(kPeer);
  d.push_back(wire::kDisconnect | 0x80);
  d.push_back(wire::kConnectionChannel);
  test::be16(d, 2);
  test::be32(d, 0);
  return d;
}

// Feeds an ENet datagram to `enet`, as the end that received it.
void feed(EnetDelivery& enet, const Bytes& datagram) {
  EnetDatagram d;
  std::string error;
  ASSERT_TRUE(tickwire::trace::parse_enet(datagram, d, error)) << error;
  enet.receive(d);
}

// Messages as "<channel>:<text>" (reliable ones "<channel>R:<text>").
std::vector<std::string> texts(std::span<const DeliveredMessage> messages) {
  std::vector<std::string> out;
  for (const DeliveredMessage& m : messages)
    out.push_back(std::to_string(m.channel) + (m.reliable ? "R" : "") + ":" +
                  std::string(m.bytes.begin(), m.bytes.end()));
  return out;
}

TEST(TwTraceDirect, NothingIsDeliveredBeforeTheConnection) {
  DirectDelivery lane;
  EnetDelivery enet;
  const Bytes early = direct({{1, bytes("abc")}});
  EXPECT_TRUE(lane.receive(early, &enet).empty());
  EXPECT_EQ(lane.fate(), DirectFate::NoConnection);
  EXPECT_EQ(lane.datagram().peer_id, 3);
  EXPECT_EQ(lane.datagram().session, 2);
  EXPECT_EQ(lane.text(), "peer 3 session 2: ch1 3 B; not delivered: no connection");
  EXPECT_EQ(lane.stats().datagrams, 1u);
  EXPECT_EQ(lane.stats().bytes, early.size());
  EXPECT_EQ(lane.stats().messages, 1u);
  EXPECT_EQ(lane.stats().delivered, 0u);
}

TEST(TwTraceDirect, EveryMessageIsDeliveredInFrameOrderWhileConnected) {
  DirectDelivery lane;
  EnetDelivery enet;
  feed(enet, verify_connect(7, 4));
  ASSERT_TRUE(enet.connected());
  // A message long enough for a two-byte length, and an empty one.
  const Bytes big(200, 'x');
  const Bytes payload = direct({{1, bytes("first")}, {2, {}}, {1, big}});
  const std::span<const DeliveredMessage> got = lane.receive(payload, &enet);
  EXPECT_EQ(lane.fate(), DirectFate::Delivered);
  EXPECT_EQ(texts(got), (std::vector<std::string>{"1:first", "2:", "1:" + std::string(200, 'x')}));
  // Each message starts aligned, as a live host hands it out (decoders such
  // as FlatBuffers read in place; the record's bytes are not aligned).
  ASSERT_EQ(got.size(), 3u);
  for (const DeliveredMessage& m : got)
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(m.bytes.data()) % 16, 0u);
  EXPECT_EQ(lane.text(), "peer 3 session 2: ch1 5 B, ch2 0 B, ch1 200 B");
  EXPECT_EQ(lane.stats().messages, 3u);
  EXPECT_EQ(lane.stats().delivered, 3u);
  EXPECT_EQ(lane.stats().per_channel, (std::map<int, std::uint64_t>{{1, 2}, {2, 1}}));
}

TEST(TwTraceDirect, AMessageOnAChannelThatIsNoLaneRefusesTheDatagramWhole) {
  DirectDelivery lane;
  EnetDelivery enet;
  feed(enet, verify_connect(7, 4));
  EXPECT_TRUE(lane.receive(direct({{1, bytes("ok")}, {4, bytes("no")}}), &enet).empty());
  EXPECT_EQ(lane.fate(), DirectFate::UnknownChannel);
  EXPECT_NE(lane.text().find("; not delivered: a channel not among the connection's lanes"),
            std::string::npos);
  EXPECT_EQ(lane.stats().messages, 2u);
  EXPECT_EQ(lane.stats().delivered, 0u);
  // The last channel is tickwire's control lane, not a lane of the game: a
  // host refuses it on the direct lane too. The one before is a lane.
  EXPECT_TRUE(lane.receive(direct({{3, bytes("c")}}), &enet).empty());
  EXPECT_EQ(lane.fate(), DirectFate::UnknownChannel);
  EXPECT_EQ(lane.receive(direct({{2, bytes("c")}}), &enet).size(), 1u);
}

TEST(TwTraceDirect, MalformedDatagramsAreCountedAndSaidNeverDelivered) {
  DirectDelivery lane;
  EnetDelivery enet;
  feed(enet, verify_connect(7, 4));
  const std::vector<Bytes> bad = {
      {},                            // no head
      {0x03},                        // half a head
      {0x03, 0x20},                  // a head, no message
      {0x03, 0x20, 1, 10, 1, 2, 3},  // a frame that claims 10 bytes, has 3
      {0x03, 0x60, 1, 1, 9},         // peer bits above the session set
      {0x03, 0x20, 1, 0x81, 0x00},   // a length not in its shortest form
  };
  for (const Bytes& b : bad) {
    EXPECT_TRUE(lane.receive(b, &enet).empty());
    EXPECT_EQ(lane.fate(), DirectFate::Malformed);
    EXPECT_FALSE(lane.error().empty());
    EXPECT_EQ(lane.text(), "malformed: " + lane.error());
  }
  EXPECT_EQ(lane.stats().datagrams, bad.size());
  EXPECT_EQ(lane.stats().malformed, bad.size());
  EXPECT_EQ(lane.stats().messages, 0u);
  EXPECT_TRUE(lane.stats().per_channel.empty());
  // A good one after them still goes through.
  EXPECT_EQ(lane.receive(direct({{1, bytes("ok")}}), &enet).size(), 1u);
}

TEST(TwTraceDirect, NothingIsDeliveredAfterADisconnect) {
  DirectDelivery lane;
  EnetDelivery enet;
  feed(enet, verify_connect(7, 4));
  feed(enet, disconnect());
  EXPECT_TRUE(lane.receive(direct({{1, bytes("late")}}), &enet).empty());
  EXPECT_EQ(lane.fate(), DirectFate::NoConnection);
}

TEST(TwTraceDirect, DumpShowsTheFirst32MessagesOfADatagram) {
  DirectDelivery lane;
  EnetDelivery enet;
  feed(enet, verify_connect(7, 4));
  Bytes payload;
  tickwire::socket::begin_direct(payload, kPeer);
  for (int i = 0; i < 40; ++i) tickwire::socket::append_direct_frame(payload, 2, Bytes{1});
  EXPECT_EQ(lane.receive(payload, &enet).size(), 40u);
  std::string want = "peer 3 session 2:";
  for (int i = 0; i < 32; ++i) want += std::string(i ? "," : "") + " ch2 1 B";
  EXPECT_EQ(lane.text(), want + ", and 8 more");
}

TEST(TwTraceDirect, WithoutAnEnetDeliveryRecordsAreCountedOnly) {
  DirectDelivery lane;
  EXPECT_TRUE(lane.receive(direct({{1, bytes("a")}, {2, bytes("b")}}), nullptr).empty());
  EXPECT_EQ(lane.fate(), DirectFate::Unfollowed);
  EXPECT_EQ(lane.text(), "peer 3 session 2: ch1 1 B, ch2 1 B");
  EXPECT_EQ(lane.stats().messages, 2u);
  EXPECT_EQ(lane.stats().delivered, 0u);
}

TEST(TwTraceDirect, InfoReportsTheCountsAsJsonAndALine) {
  twtrace::DirectStats none;
  EXPECT_EQ(twtrace::direct_line(none), "");
  EXPECT_EQ(twtrace::direct_json(none),
            "{\"datagrams\": 0, \"bytes\": 0, \"messages\": 0, \"delivered\": 0, \"malformed\": "
            "0, \"messages_per_channel\": {}}");
  DirectDelivery lane;
  EnetDelivery enet;
  feed(enet, verify_connect(7, 4));
  lane.receive(direct({{1, bytes("ab")}, {2, bytes("c")}}), &enet);
  lane.receive(direct({{1, bytes("d")}}), &enet);
  lane.receive(Bytes{0x03}, &enet);
  EXPECT_EQ(twtrace::direct_json(lane.stats()),
            "{\"datagrams\": 3, \"bytes\": 15, \"messages\": 3, \"delivered\": 3, \"malformed\": "
            "1, \"messages_per_channel\": {\"1\": 2, \"2\": 1}}");
  EXPECT_EQ(twtrace::direct_line(lane.stats()),
            "direct lane: 3 datagrams, 15 bytes, 3 messages (channel 1: 2, channel 2: 1), "
            "3 delivered, 1 malformed");
}

// What replay, view and send do: every record that went to the client, in
// record order, through HostDelivery.
TEST(TwTraceDirect, HostDeliveryJoinsBothLanesInRecordOrderWhileConnected) {
  struct Step {
    Kind kind;
    Bytes payload;
    std::vector<std::string> delivered;
    bool began = false;
    DirectFate fate = DirectFate::Delivered;  // a Direct record's
  };
  const std::vector<Step> steps = {
      {Kind::Direct, direct({{1, bytes("early")}}), {}, false, DirectFate::NoConnection},
      {Kind::Enet,
       with_reliable(verify_connect(7, 4), 0, 1, bytes("welcome")),
       {"0R:welcome"},
       true},
      {Kind::Direct, direct({{1, bytes("d1")}}), {"1:d1"}},
      {Kind::Enet, unreliable(1, 1, bytes("e1")), {"1:e1"}},
      {Kind::Handshake, Bytes(26, 6), {}},
      {Kind::Replayed, unreliable(1, 1, bytes("e1")), {}},  // a copy: never delivered
      {Kind::Direct, direct({{2, bytes("d2")}, {1, bytes("d3")}}), {"2:d2", "1:d3"}},
      {Kind::Direct, Bytes{0x03, 0x20, 1, 9}, {}, false, DirectFate::Malformed},
      {Kind::Enet, Bytes{0x80}, {}},  // malformed
      {Kind::Enet, disconnect(), {}},
      {Kind::Direct, direct({{1, bytes("late")}}), {}, false, DirectFate::NoConnection},
      // A new connection: the game starts over, the lane delivers again.
      {Kind::Enet, verify_connect(8, 3), {}, true},
      {Kind::Direct, direct({{1, bytes("again")}}), {"1:again"}},
  };
  HostDelivery host;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    Record r;
    r.kind = steps[i].kind;
    r.payload = steps[i].payload;
    EXPECT_EQ(texts(host.receive(r)), steps[i].delivered) << "record " << i;
    EXPECT_EQ(host.began_connection(), steps[i].began) << "record " << i;
    if (steps[i].kind == Kind::Direct) {
      EXPECT_EQ(host.direct().fate(), steps[i].fate) << "record " << i;
    }
    EXPECT_EQ(host.enet_datagram() != nullptr,
              steps[i].kind == Kind::Enet && steps[i].payload.size() > 1)
        << "record " << i;
  }
  EXPECT_EQ(host.delivered(), 6u);
  EXPECT_EQ(host.direct().stats().delivered, 4u);
  EXPECT_EQ(host.direct().stats().datagrams, 6u);
  EXPECT_EQ(host.malformed(), 2u);
  EXPECT_EQ(host.enet().stats().connections, 2u);
  EXPECT_EQ(host.enet().channel_count(), 3u);
}

}  // namespace
