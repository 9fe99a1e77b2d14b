// EnetDelivery, the messages one end's ENet handed its application rebuilt
// from the datagrams that end received: hand-made datagrams for each of
// ENet's incoming-queue rules and for the model's own bounds. The test
// against a real ENet client is trace_delivery_enet_test.cpp.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "socket/enet_guard.hpp"
#include "tickwire/trace.hpp"

namespace {

using tickwire::trace::EnetDatagram;
using tickwire::trace::EnetDelivery;
using tickwire::trace::parse_enet;
using Bytes = std::vector<std::uint8_t>;
namespace wire = tickwire::socket::enet_wire;

// ---- hand-made datagrams ----

constexpr std::uint8_t kAckFlag = 0x80, kUnsequencedFlag = 0x40;

// One ENet datagram (include/enet/protocol.h, big-endian), as a server
// sends it to its client (peer 0, session 0), built command by command.
class Datagram {
 public:
  explicit Datagram(bool sent_time = true) {
    put16(sent_time ? 0x8000 : 0x0000);
    if (sent_time) put16(0x1234);
  }

  Datagram& verify_connect(std::uint32_t connect_id, std::uint32_t channels = 3) {
    command(wire::kVerifyConnect | kAckFlag, 0xFF, 1);
    put16(0);  // outgoing peer id
    put8(0);   // session ids
    put8(0);
    put32(1400);   // mtu
    put32(32768);  // window size
    put32(channels);
    put32(0);  // bandwidths
    put32(0);
    put32(5000);  // throttle interval, acceleration, deceleration
    put32(2);
    put32(2);
    put32(connect_id);
    return *this;
  }
  Datagram& disconnect() {
    command(wire::kDisconnect | kAckFlag, 0xFF, 2);
    put32(0);
    return *this;
  }
  Datagram& ping(std::uint16_t seq = 3) {
    command(wire::kPing | kAckFlag, 0xFF, seq);
    return *this;
  }
  Datagram& reliable(std::uint8_t ch, std::uint16_t seq, std::string_view text) {
    command(wire::kSendReliable | kAckFlag, ch, seq);
    put16(static_cast<std::uint16_t>(text.size()));
    put(text);
    return *this;
  }
  // Sent after reliable `rel`, with unreliable sequence `unrel`.
  Datagram& unreliable(std::uint8_t ch, std::uint16_t rel, std::uint16_t unrel,
                       std::string_view text) {
    command(wire::kSendUnreliable, ch, rel);
    put16(unrel);
    put16(static_cast<std::uint16_t>(text.size()));
    put(text);
    return *this;
  }
  Datagram& unsequenced(std::uint8_t ch, std::uint16_t group, std::string_view text) {
    command(wire::kSendUnsequenced | kUnsequencedFlag, ch, 0);
    put16(group);
    put16(static_cast<std::uint16_t>(text.size()));
    put(text);
    return *this;
  }
  // A fragment with every field given: a SEND_FRAGMENT (reliable, of the
  // message starting at reliable sequence `start`; its own sequence is
  // start + number, as ENet numbers them) or a SEND_UNRELIABLE_FRAGMENT
  // (sent after reliable `rel`, of the message of unreliable sequence `start`).
  Datagram& fragment(std::uint8_t ch, bool reliable, std::uint16_t rel, std::uint16_t start,
                     std::uint32_t count, std::uint32_t number, std::uint32_t total,
                     std::uint32_t offset, std::string_view bytes) {
    if (reliable)
      command(wire::kSendFragment | kAckFlag, ch, static_cast<std::uint16_t>(start + number));
    else
      command(wire::kSendUnreliableFragment, ch, rel);
    put16(start);
    put16(static_cast<std::uint16_t>(bytes.size()));
    put32(count);
    put32(number);
    put32(total);
    put32(offset);
    put(bytes);
    return *this;
  }
  // Part `number` of `text` cut into `count` parts of `text.size() / count`
  // bytes (the last takes the rest), as fragment() sends it.
  Datagram& part(std::uint8_t ch, bool reliable, std::uint16_t rel, std::uint16_t start,
                 std::string_view text, std::uint32_t count, std::uint32_t number) {
    const std::size_t size = text.size() / count, offset = number * size;
    const std::size_t length = number + 1 == count ? text.size() - offset : size;
    return fragment(ch, reliable, rel, start, count, number,
                    static_cast<std::uint32_t>(text.size()), static_cast<std::uint32_t>(offset),
                    text.substr(offset, length));
  }

  const Bytes& bytes() const { return bytes_; }

 private:
  void command(std::uint8_t type, std::uint8_t ch, std::uint16_t seq) {
    put8(type);
    put8(ch);
    put16(seq);
  }
  void put8(std::uint8_t v) { bytes_.push_back(v); }
  void put16(std::uint16_t v) {
    put8(static_cast<std::uint8_t>(v >> 8));
    put8(static_cast<std::uint8_t>(v));
  }
  void put32(std::uint32_t v) {
    put16(static_cast<std::uint16_t>(v >> 16));
    put16(static_cast<std::uint16_t>(v));
  }
  void put(std::string_view s) { bytes_.insert(bytes_.end(), s.begin(), s.end()); }

  Bytes bytes_;
};

// Feeds one datagram; the messages it delivered, each as "<channel><R|U>:<text>".
std::vector<std::string> feed(EnetDelivery& d, const Datagram& g) {
  EnetDatagram parsed;
  std::string error;
  EXPECT_TRUE(parse_enet(g.bytes(), parsed, error)) << error;
  std::vector<std::string> out;
  for (const auto& m : d.receive(parsed))
    out.push_back(std::to_string(m.channel) + (m.reliable ? "R:" : "U:") +
                  std::string(m.bytes.begin(), m.bytes.end()));
  return out;
}

using Got = std::vector<std::string>;
const Got kNothing;

// A client connected (connect id 7) on 3 channels.
EnetDelivery connected_client(std::uint32_t max_message_bytes = 1u << 20,
                              std::uint32_t max_pending = 1024) {
  EnetDelivery d(max_message_bytes, max_pending);
  EXPECT_EQ(feed(d, Datagram().verify_connect(7)), kNothing);
  EXPECT_TRUE(d.connected());
  return d;
}

// ---- the hand-made cases ----

TEST(EnetDelivery, NothingIsDeliveredBeforeAVerifyConnect) {
  EnetDelivery d;
  EXPECT_FALSE(d.connected());
  EXPECT_EQ(d.channel_count(), 0u);
  // ENet's client refuses messages while it is still connecting, and with
  // them the rest of their datagram.
  EXPECT_EQ(feed(d, Datagram().reliable(0, 1, "early").unsequenced(1, 1, "also early")), kNothing);
  EXPECT_EQ(d.stats().refused, 1u);
  // A PING too (so the VERIFY_CONNECT behind it is not read).
  EXPECT_EQ(feed(d, Datagram().ping().verify_connect(7)), kNothing);
  EXPECT_FALSE(d.connected());
  EXPECT_EQ(d.stats().refused, 2u);
  EXPECT_EQ(d.stats().delivered, 0u);
  // The VERIFY_CONNECT connects it; what follows it in the same datagram
  // is taken, and the refused message counts for nothing (sequence 1 is
  // still the next one).
  EXPECT_EQ(feed(d, Datagram().verify_connect(7).reliable(0, 1, "first")), Got{"0R:first"});
  EXPECT_TRUE(d.connected());
  EXPECT_EQ(d.channel_count(), 3u);
  EXPECT_EQ(d.stats().connections, 1u);
  // A channel the connection does not have is refused like ENet does.
  EXPECT_EQ(feed(d, Datagram().reliable(3, 1, "no such channel").reliable(0, 2, "lost")), kNothing);
  EXPECT_EQ(d.stats().refused, 3u);
  // Once connected, a PING is nothing to deliver and does not stop the datagram.
  EXPECT_EQ(feed(d, Datagram().ping(4).unsequenced(0, 1, "u")), Got{"0U:u"});
  EXPECT_EQ(feed(d, Datagram().reliable(0, 2, "second")), Got{"0R:second"});
}

TEST(EnetDelivery, ReliableCommandsOutOfOrderAreHeldAndDeliveredInOrder) {
  EnetDelivery d = connected_client();
  EXPECT_EQ(feed(d, Datagram().reliable(0, 3, "c").reliable(0, 2, "b")), kNothing);
  // Each channel has its own sequence: channel 1 does not wait for channel 0.
  EXPECT_EQ(feed(d, Datagram().reliable(1, 1, "x")), Got{"1R:x"});
  EXPECT_EQ(feed(d, Datagram().reliable(0, 5, "e")), kNothing);
  EXPECT_EQ(feed(d, Datagram().reliable(0, 1, "a")), (Got{"0R:a", "0R:b", "0R:c"}));
  EXPECT_EQ(feed(d, Datagram().reliable(0, 4, "d")), (Got{"0R:d", "0R:e"}));
  EXPECT_EQ(d.stats().delivered, 6u);
}

TEST(EnetDelivery, ADuplicateReliableCommandIsDeliveredOnce) {
  EnetDelivery d = connected_client();
  EXPECT_EQ(feed(d, Datagram().reliable(0, 1, "a")), Got{"0R:a"});
  // The last delivered one again (its acknowledgement was lost).
  EXPECT_EQ(feed(d, Datagram().reliable(0, 1, "a")), kNothing);
  EXPECT_EQ(d.stats().duplicates, 1u);
  // One still queued, twice in one datagram and once more later.
  EXPECT_EQ(feed(d, Datagram().reliable(0, 3, "c").reliable(0, 3, "c")), kNothing);
  EXPECT_EQ(feed(d, Datagram().reliable(0, 3, "c")), kNothing);
  EXPECT_EQ(d.stats().duplicates, 3u);
  EXPECT_EQ(feed(d, Datagram().reliable(0, 2, "b")), (Got{"0R:b", "0R:c"}));
  // Long delivered: behind the channel's sequence, outside its window.
  EXPECT_EQ(feed(d, Datagram().reliable(0, 2, "b")), kNothing);
  EXPECT_EQ(d.stats().out_of_window, 1u);
  EXPECT_EQ(d.stats().delivered, 3u);
}

TEST(EnetDelivery, ASequencedUnreliableCommandOlderThanADeliveredOneIsDropped) {
  EnetDelivery d = connected_client();
  EXPECT_EQ(feed(d, Datagram().unreliable(0, 0, 3, "u3")), Got{"0U:u3"});
  // Older, or the same again: stale.
  EXPECT_EQ(feed(d, Datagram().unreliable(0, 0, 2, "u2").unreliable(0, 0, 3, "u3")), kNothing);
  EXPECT_EQ(d.stats().stale, 2u);
  // Newer ones go straight through, gaps and all.
  EXPECT_EQ(feed(d, Datagram().unreliable(0, 0, 4, "u4").unreliable(0, 0, 9, "u9")),
            (Got{"0U:u4", "0U:u9"}));
  // One sent after reliable 1 waits for it, and follows it.
  EXPECT_EQ(feed(d, Datagram().unreliable(0, 1, 1, "after 1")), kNothing);
  EXPECT_EQ(feed(d, Datagram().reliable(0, 1, "r1")), (Got{"0R:r1", "0U:after 1"}));
  // The reliable one resets the unreliable sequence: 1 again is stale, 2 is new.
  EXPECT_EQ(feed(d, Datagram().unreliable(0, 1, 1, "again").unreliable(0, 1, 2, "u2 of 1")),
            Got{"0U:u2 of 1"});
  EXPECT_EQ(d.stats().stale, 3u);
  // The same when nothing waited for the reliable one: on channel 1, after
  // unreliable 5, reliable 1 restarts the count and unreliable 1 of it is new.
  EXPECT_EQ(feed(d, Datagram().unreliable(1, 0, 5, "u5").reliable(1, 1, "r1")),
            (Got{"1U:u5", "1R:r1"}));
  EXPECT_EQ(feed(d, Datagram().unreliable(1, 1, 1, "u1 of 1")), Got{"1U:u1 of 1"});
  EXPECT_EQ(d.stats().stale, 3u);
  // One waiting for reliable 2 when reliables 2 and 3 come together: the
  // channel has passed its reliable command, so it is dropped, not delivered.
  EXPECT_EQ(feed(d, Datagram().unreliable(0, 2, 1, "after 2")), kNothing);
  EXPECT_EQ(feed(d, Datagram().reliable(0, 3, "r3").reliable(0, 2, "r2")), (Got{"0R:r2", "0R:r3"}));
  EXPECT_EQ(d.stats().stale, 4u);
  // One sent after a reliable command long delivered is outside the window.
  EXPECT_EQ(feed(d, Datagram().unreliable(0, 1, 7, "old")), kNothing);
  EXPECT_EQ(d.stats().out_of_window, 1u);
}

TEST(EnetDelivery, UnsequencedCommandsAreDeliveredOnceEach) {
  EnetDelivery d = connected_client();
  EXPECT_EQ(feed(d, Datagram().unsequenced(0, 2, "g2").unsequenced(1, 1, "g1")),
            (Got{"0U:g2", "1U:g1"}));
  // The same group again (on any channel) is a duplicate.
  EXPECT_EQ(feed(d, Datagram().unsequenced(0, 2, "g2").unsequenced(2, 1, "g1")), kNothing);
  EXPECT_EQ(d.stats().duplicates, 2u);
  // A group of a later window moves the window on: the earlier groups'
  // marks are forgotten, as in ENet.
  EXPECT_EQ(feed(d, Datagram().unsequenced(0, 1024 + 5, "g1029")), Got{"0U:g1029"});
  EXPECT_EQ(feed(d, Datagram().unsequenced(0, 1024 + 5, "g1029")), kNothing);
  // Far ahead (32 windows or more): ignored.
  EXPECT_EQ(feed(d, Datagram().unsequenced(0, 1024 + 32 * 1024, "far")), kNothing);
  EXPECT_EQ(d.stats().out_of_window, 1u);
}

TEST(EnetDelivery, AnUnsequencedCommandDoesNotWaitBehindAQueuedUnreliableOne) {
  // ENet 1.3.17 puts an unsequenced command at the front of the channel's
  // unreliable queue (enet_list_insert (enet_list_next (end))), so it is
  // delivered at once even while a sequenced one waits there for a missing
  // reliable command; the real client behind a lossy relay does just that.
  EnetDelivery d = connected_client();
  EXPECT_EQ(feed(d, Datagram().unreliable(0, 1, 1, "waits for r1")), kNothing);
  EXPECT_EQ(feed(d, Datagram().unsequenced(0, 1, "now")), Got{"0U:now"});
  EXPECT_EQ(feed(d, Datagram().reliable(0, 1, "r1")), (Got{"0R:r1", "0U:waits for r1"}));
}

TEST(EnetDelivery, FragmentsArrivingInAnyOrderAreJoined) {
  EnetDelivery d = connected_client();
  const std::string big = "reliable message in three parts";
  // Reliable: sequences 1-3. Parts 2 and 0, a duplicate of 2, then part 1.
  EXPECT_EQ(feed(d, Datagram().part(0, true, 0, 1, big, 3, 2).part(0, true, 0, 1, big, 3, 0)),
            kNothing);
  EXPECT_EQ(feed(d, Datagram().part(0, true, 0, 1, big, 3, 2)), kNothing);
  // The message after it (sequence 4) waits for it.
  EXPECT_EQ(feed(d, Datagram().reliable(0, 4, "next")), kNothing);
  EXPECT_EQ(feed(d, Datagram().part(0, true, 0, 1, big, 3, 1)), (Got{"0R:" + big, "0R:next"}));
  // A part of it again: long delivered, ignored.
  EXPECT_EQ(feed(d, Datagram().part(0, true, 0, 1, big, 3, 1)), kNothing);
  // Unreliable fragments (sent after reliable 0, unreliable sequence 1), last part first.
  const std::string loose = "an unreliable one in four parts";
  EXPECT_EQ(feed(d, Datagram().part(1, false, 0, 1, loose, 4, 3).part(1, false, 0, 1, loose, 4, 1)),
            kNothing);
  EXPECT_EQ(feed(d, Datagram().part(1, false, 0, 1, loose, 4, 0)), kNothing);
  EXPECT_EQ(feed(d, Datagram().part(1, false, 0, 1, loose, 4, 2)), Got{"1U:" + loose});
  // A later unreliable message completed while an earlier one is partial:
  // delivered, and the partial one (now stale) dropped.
  const std::string a = "partial forever", b = "complete";
  EXPECT_EQ(feed(d, Datagram().part(1, false, 0, 2, a, 2, 0)), kNothing);
  EXPECT_EQ(feed(d, Datagram().part(1, false, 0, 3, b, 2, 1).part(1, false, 0, 3, b, 2, 0)),
            Got{"1U:" + b});
  EXPECT_EQ(d.stats().partial_dropped, 1u);
  EXPECT_EQ(feed(d, Datagram().part(1, false, 0, 2, a, 2, 1)), kNothing);
  EXPECT_EQ(d.stats().delivered, 4u);
}

TEST(EnetDelivery, AnInconsistentFragmentEndsItsDatagram) {
  EnetDelivery d = connected_client();
  const auto refused_with = [&](Datagram g) {
    const std::uint64_t before = d.stats().refused;
    // What follows the bad fragment in its datagram is ignored, as ENet does.
    EXPECT_EQ(feed(d, g.reliable(2, 1, "after")), kNothing);
    return d.stats().refused == before + 1;
  };
  // Number not below count.
  EXPECT_TRUE(refused_with(Datagram().fragment(0, true, 0, 1, 2, 2, 10, 0, "abcde")));
  // Offset past (or at) the total length.
  EXPECT_TRUE(refused_with(Datagram().fragment(0, true, 0, 1, 2, 1, 10, 10, "fghij")));
  // More bytes than the total leaves room for.
  EXPECT_TRUE(refused_with(Datagram().fragment(0, false, 0, 1, 2, 1, 10, 8, "klm")));
  // Parts that disagree with the first about the message's length or count.
  EXPECT_EQ(feed(d, Datagram().fragment(0, true, 0, 1, 2, 0, 10, 0, "abcde")), kNothing);
  EXPECT_TRUE(refused_with(Datagram().fragment(0, true, 0, 1, 2, 1, 11, 5, "fghij")));
  EXPECT_TRUE(refused_with(Datagram().fragment(0, true, 0, 1, 3, 1, 10, 5, "fghij")));
  // The good part still completes the message; the reliable message on
  // channel 2 was never taken, so it comes when sent again.
  EXPECT_EQ(feed(d, Datagram().fragment(0, true, 0, 1, 2, 1, 10, 5, "fghij").reliable(2, 1, "r")),
            (Got{"0R:abcdefghij", "2R:r"}));
}

TEST(EnetDelivery, ADisconnectClearsStateAndANewConnectionStartsOver) {
  EnetDelivery d;
  EXPECT_EQ(feed(d, Datagram().verify_connect(7).reliable(0, 1, "a")), Got{"0R:a"});
  // Held: reliable 3, half of a fragmented message, an unreliable one.
  EXPECT_EQ(feed(d, Datagram()
                        .reliable(0, 3, "c")
                        .part(1, true, 0, 1, "0123456789", 2, 0)
                        .unreliable(2, 1, 1, "u")),
            kNothing);
  // Reliable 2 would deliver itself and 3, but the DISCONNECT after it in
  // the same datagram resets ENet's queues before the application can take
  // them: ENet hands messages on only after the whole datagram.
  EXPECT_EQ(feed(d, Datagram().reliable(0, 2, "b").disconnect()), kNothing);
  EXPECT_FALSE(d.connected());
  EXPECT_EQ(d.stats().partial_dropped, 1u);
  EXPECT_EQ(d.stats().delivered, 1u);
  // Nothing is taken between connections.
  EXPECT_EQ(feed(d, Datagram().reliable(0, 2, "b")), kNothing);
  EXPECT_EQ(d.stats().refused, 1u);
  // Another connection, on 2 channels: sequences start over, and the held
  // commands of the first are gone.
  EXPECT_EQ(feed(d, Datagram().verify_connect(8, 2)), kNothing);
  EXPECT_TRUE(d.connected());
  EXPECT_EQ(d.stats().connections, 2u);
  EXPECT_EQ(d.channel_count(), 2u);
  EXPECT_EQ(feed(d, Datagram().reliable(0, 1, "new a").reliable(0, 2, "new b")),
            (Got{"0R:new a", "0R:new b"}));
  EXPECT_EQ(feed(d, Datagram().part(1, true, 0, 1, "0123456789", 2, 1)), kNothing);
  EXPECT_EQ(feed(d, Datagram().reliable(2, 1, "channel 2 is gone")), kNothing);
  EXPECT_EQ(d.stats().refused, 2u);
}

TEST(EnetDelivery, AResentVerifyConnectDoesNotReset) {
  EnetDelivery d;
  EXPECT_EQ(feed(d, Datagram().verify_connect(7).reliable(0, 1, "a").reliable(0, 3, "c")),
            Got{"0R:a"});
  // The server sent it again (the client's acknowledgement was lost).
  EXPECT_EQ(feed(d, Datagram().verify_connect(7).reliable(0, 2, "b")), (Got{"0R:b", "0R:c"}));
  EXPECT_EQ(d.stats().connections, 1u);
  EXPECT_EQ(feed(d, Datagram().reliable(0, 1, "a")), kNothing);
  EXPECT_EQ(d.channel_count(), 3u);
}

TEST(EnetDelivery, MoreThanMaxPendingQueuedCommandsAreRefused) {
  EnetDelivery d = connected_client(1u << 20, 4);
  // Reliable 1 is missing: 2..5 wait, and fill channel 0's reliable queue.
  EXPECT_EQ(feed(d, Datagram().reliable(0, 2, "2").reliable(0, 3, "3").reliable(0, 4, "4")),
            kNothing);
  EXPECT_EQ(feed(d, Datagram().reliable(0, 5, "5")), kNothing);
  EXPECT_EQ(d.stats().refused, 0u);
  // A fifth is refused, and the rest of its datagram with it.
  EXPECT_EQ(feed(d, Datagram().reliable(0, 6, "6").unsequenced(1, 1, "ignored")), kNothing);
  EXPECT_EQ(d.stats().refused, 1u);
  // A fragmented message would take a place too.
  EXPECT_EQ(feed(d, Datagram().part(0, true, 0, 7, "0123456789", 2, 0)), kNothing);
  EXPECT_EQ(d.stats().refused, 2u);
  // The bound is per queue: other channels are not affected.
  EXPECT_EQ(feed(d, Datagram().reliable(1, 1, "other channel")), Got{"1R:other channel"});
  // The one the channel waits for is taken even so (the engine's command
  // guard keeps it for ENet too): a full queue does not lock out its cure.
  EXPECT_EQ(feed(d, Datagram().reliable(0, 1, "1")), (Got{"0R:1", "0R:2", "0R:3", "0R:4", "0R:5"}));
  EXPECT_EQ(d.stats().refused, 2u);
  // Sent again, the refused one is taken now that there is room.
  EXPECT_EQ(feed(d, Datagram().reliable(0, 6, "6")), Got{"0R:6"});
  // So is the next one when it is a fragmented message, whose entry waits
  // for its parts: the queue then holds max_pending + 1, and no more.
  EXPECT_EQ(feed(d, Datagram()
                        .reliable(1, 4, "4")
                        .reliable(1, 5, "5")
                        .reliable(1, 6, "6")
                        .reliable(1, 7, "7")
                        .part(1, true, 0, 2, "0123456789", 2, 0)),
            kNothing);
  EXPECT_EQ(feed(d, Datagram().reliable(1, 8, "8")), kNothing);
  EXPECT_EQ(d.stats().refused, 3u);
  EXPECT_EQ(feed(d, Datagram().part(1, true, 0, 2, "0123456789", 2, 1)),
            (Got{"1R:0123456789", "1R:4", "1R:5", "1R:6", "1R:7"}));
  // The unreliable queue: commands on channel 2 waiting for its reliable 8.
  for (std::uint16_t i = 1; i <= 4; ++i)
    EXPECT_EQ(feed(d, Datagram().unreliable(2, 8, i, "u")), kNothing);
  EXPECT_EQ(feed(d, Datagram().unreliable(2, 8, 5, "u5")), kNothing);
  EXPECT_EQ(d.stats().refused, 4u);
}

TEST(EnetDelivery, AFragmentedMessageOverMaxMessageBytesIsRefused) {
  EnetDelivery d = connected_client(4096, 1024);
  // A message of 5000 bytes: its first fragment is refused, with the rest
  // of the datagram; the model never holds more than max_message_bytes.
  EXPECT_EQ(feed(d, Datagram().fragment(0, true, 0, 1, 4, 0, 5000, 0, "x").reliable(1, 1, "r")),
            kNothing);
  EXPECT_EQ(d.stats().refused, 1u);
  // At the bound it is taken.
  EXPECT_EQ(feed(d, Datagram().fragment(0, false, 0, 1, 2, 0, 4096, 0, "y")), kNothing);
  EXPECT_EQ(d.stats().refused, 1u);
  // Claims that would cost gigabytes, or a 2^20+1-part bitmap, are refused
  // without allocating (the default bound, 1 MiB).
  EnetDelivery e = connected_client();
  EXPECT_EQ(feed(e, Datagram().fragment(0, true, 0, 1, 2, 0, 0xFFFFFFF0u, 0, "z")), kNothing);
  EXPECT_EQ(feed(e, Datagram().fragment(0, true, 0, 1, (1u << 20) + 1, 0, 1u << 20, 0, "z")),
            kNothing);
  EXPECT_EQ(e.stats().refused, 2u);
  EXPECT_EQ(feed(e, Datagram().reliable(0, 1, "still fine")), Got{"0R:still fine"});
}

TEST(EnetDelivery, FragmentMapsAndHeldBytesAreBounded) {
  // More parts than bytes: no ENet sends that (a part carries a byte at
  // least), and its map of parts would cost far more than the message.
  EnetDelivery d = connected_client();
  EXPECT_EQ(feed(d, Datagram().fragment(0, false, 0, 1, 1u << 20, 0, 1, 0, "x")), kNothing);
  EXPECT_EQ(d.stats().refused, 1u);

  // Held bytes: a 2400-byte cap takes two incomplete 1200-byte messages (it
  // is checked before each is queued), then refuses a third (and the rest
  // of its datagram) until one completes.
  EnetDelivery e(1u << 20, 1024, 2400);
  EXPECT_EQ(feed(e, Datagram().verify_connect(7)), kNothing);
  const std::string a(1200, 'a'), b(1200, 'b');
  EXPECT_EQ(feed(e, Datagram().part(1, false, 0, 1, a, 2, 0)), kNothing);
  EXPECT_EQ(feed(e, Datagram().part(1, false, 0, 2, b, 2, 0)), kNothing);
  EXPECT_EQ(feed(e, Datagram().part(1, false, 0, 3, a, 2, 0).reliable(0, 1, "late")), kNothing);
  EXPECT_EQ(e.stats().refused, 1u);
  EXPECT_EQ(feed(e, Datagram().part(1, false, 0, 1, a, 2, 1)), Got{"1U:" + a});
  EXPECT_EQ(feed(e, Datagram().reliable(0, 1, "now")), Got{"0R:now"});

  // A budget shared by two: what one holds, the other cannot; it comes back
  // when the holder completes its message or goes away.
  tickwire::trace::DeliveryBudget budget{2000, 0};
  {
    EnetDelivery one(1u << 20, 1024, 2u << 20, &budget), two(1u << 20, 1024, 2u << 20, &budget);
    EXPECT_EQ(feed(one, Datagram().verify_connect(7)), kNothing);
    EXPECT_EQ(feed(two, Datagram().verify_connect(8)), kNothing);
    EXPECT_EQ(feed(one, Datagram().part(1, false, 0, 1, a, 2, 0)), kNothing);
    EXPECT_EQ(feed(one, Datagram().part(1, false, 0, 2, b, 2, 0)), kNothing);
    EXPECT_GE(budget.used, 2000u);
    EXPECT_EQ(feed(two, Datagram().part(1, false, 0, 1, a, 2, 0)), kNothing);
    EXPECT_EQ(two.stats().refused, 1u);
  }
  EXPECT_EQ(budget.used, 0u);
}

TEST(EnetDelivery, WithoutASentTimeADatagramEndsAfterItsFirstAcknowledgedCommand) {
  // ENet cannot acknowledge a command when the header has no sent time, so
  // it handles the first command that wants an acknowledgement and stops
  // reading the datagram there. (ENet itself always sends the sent time
  // with such commands; another sender need not.)
  EnetDelivery d = connected_client();
  EXPECT_EQ(feed(d, Datagram(false).unsequenced(1, 1, "u").reliable(0, 1, "a").reliable(0, 2, "b")),
            (Got{"1U:u", "0R:a"}));
  EXPECT_EQ(feed(d, Datagram().reliable(0, 2, "b")), Got{"0R:b"});
  // A VERIFY_CONNECT too: the connection is up, what follows is not read.
  EnetDelivery e;
  EXPECT_EQ(feed(e, Datagram(false).verify_connect(9).reliable(0, 1, "x")), kNothing);
  EXPECT_TRUE(e.connected());
  EXPECT_EQ(feed(e, Datagram().reliable(0, 1, "x")), Got{"0R:x"});
}

TEST(EnetDelivery, ReliableSequencesOutsideTheWindowAreIgnored) {
  EnetDelivery d = connected_client();
  // Seven windows of 4096 ahead or more: ENet ignores it, but goes on with
  // the datagram (unlike a refused command).
  EXPECT_EQ(feed(d, Datagram().reliable(0, 7 * 4096, "far").reliable(0, 1, "near")),
            Got{"0R:near"});
  EXPECT_EQ(d.stats().out_of_window, 1u);
  // Six windows ahead is still held.
  EXPECT_EQ(feed(d, Datagram().reliable(0, 6 * 4096 + 5, "held")), kNothing);
  EXPECT_EQ(d.stats().out_of_window, 1u);
}

}  // namespace
