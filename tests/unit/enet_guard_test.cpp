// The ENet command guard on hand-made datagrams, against a model of the
// sender's connection: what ENet's own sender writes passes; every rule of
// docs/PROTOCOL.md ("The ENet command guard") refuses what breaks it.
#include <gtest/gtest.h>

#include <map>
#include <vector>

#include "enet_datagrams.hpp"
#include "socket/enet_guard.hpp"

namespace tickwire::socket {
namespace {

using namespace enet_wire;
using Bytes = std::vector<std::uint8_t>;
using test::be16;
using test::be32;

constexpr Endpoint kFrom{0x0100007Fu, 5000};

struct ModelPeers final : GuardPeers {
  bool live = true;
  std::uint16_t id = 3;
  std::uint32_t mtu_ = 1375;
  std::uint32_t channels_ = 4;
  std::map<std::pair<int, bool>, std::uint32_t> queues;
  std::uint16_t next = 1;
  std::uint8_t session = 0;
  bool select(std::uint16_t peer_id, std::uint8_t s, Endpoint from) noexcept override {
    return live && peer_id == id && s == session && from == kFrom;
  }
  std::uint32_t mtu() const noexcept override { return mtu_; }
  std::uint32_t channels() const noexcept override { return channels_; }
  std::uint32_t queued(std::uint8_t channel, bool reliable,
                       std::uint32_t cap) const noexcept override {
    const auto it = queues.find({channel, reliable});
    return it == queues.end() ? 0 : std::min(it->second, cap + 1);
  }
  std::uint16_t next_reliable(std::uint8_t) const noexcept override { return next; }
};

Bytes header(std::uint16_t peer = 3) {
  return test::enet_header(peer);
}
void reliable(Bytes& d, std::uint8_t channel, std::uint16_t seq, std::size_t length) {
  test::send_reliable(d, channel, seq, length);
}
void fragment(Bytes& d, std::uint8_t type, std::uint16_t seq, std::uint16_t start,
              std::uint32_t count, std::uint32_t number, std::uint32_t total, std::uint32_t offset,
              std::size_t length) {
  test::send_fragment(d, type, seq, start, count, number, total, offset, length);
}
Bytes connect(std::uint32_t mtu = 1375, std::uint32_t id = 0xC0FFEE) {
  return test::enet_connect(id, 0x02123456, 4, mtu);
}

struct Guard : ::testing::Test {
  ModelPeers peers;
  GuardLimits limits;
  Guard() {
    limits.accept_connect = true;
    limits.max_mtu = 1375;
  }
  GuardVerdict check(Bytes d) { return check_enet_datagram(d, kFrom, limits, peers); }
  GuardRefusal refusal(Bytes d) { return check(std::move(d)).refusal; }
};

TEST_F(Guard, WhatEnetSendsPasses) {
  Bytes d = header();
  reliable(d, 0, 7, 100);
  d.push_back(kAcknowledge);  // an acknowledgement, channel 0
  d.push_back(0);
  be16(d, 9);
  be16(d, 5);
  be16(d, 0x1234);
  d.push_back(kPing | 0x80);
  d.push_back(0xFF);
  be16(d, 8);
  d.push_back(kSendUnsequenced | 0x40);
  d.push_back(2);
  be16(d, 0);
  be16(d, 1);
  be16(d, 3);
  d.insert(d.end(), 3, 1);
  EXPECT_TRUE(check(d).ok()) << check(d).why;
  // Every fragment of a 5000-byte message, as ENet cuts it at this MTU.
  const std::uint32_t part = peers.mtu_ - kFragmentOverhead, total = 5000;
  const std::uint32_t count = (total + part - 1) / part;
  for (std::uint32_t n = 0; n < count; ++n) {
    Bytes f = header();
    const std::uint32_t offset = n * part;
    fragment(f, kSendFragment | 0x80, static_cast<std::uint16_t>(20 + n), 20, count, n, total,
             offset, std::min(part, total - offset));
    EXPECT_TRUE(check(f).ok()) << n << ": " << check(f).why;
    Bytes u = header();
    fragment(u, kSendUnreliableFragment, 19, 40, count, n, total, offset,
             std::min(part, total - offset));
    EXPECT_TRUE(check(u).ok()) << n << ": " << check(u).why;
  }
}

TEST_F(Guard, ForgedFragmentsAreRefused) {
  auto one = [&](std::uint32_t count, std::uint32_t number, std::uint32_t total,
                 std::uint32_t offset, std::size_t length, std::uint16_t seq = 20) {
    Bytes f = header();
    fragment(f, kSendFragment | 0x80, seq, 20, count, number, total, offset, length);
    return refusal(f);
  };
  const std::uint32_t part = peers.mtu_ - kFragmentOverhead;
  EXPECT_EQ(one(1u << 20, 0, 1, 0, 1), GuardRefusal::Malformed) << "the memory bomb";
  EXPECT_EQ(one(3, 0, 2 * part, 0, part), GuardRefusal::Malformed) << "count too high";
  EXPECT_EQ(one(2, 2, 2 * part, 2 * part, part), GuardRefusal::Malformed) << "number past count";
  EXPECT_EQ(one(2, 1, 2 * part, part - 1, part, 21), GuardRefusal::Malformed) << "offset";
  EXPECT_EQ(one(2, 0, 2 * part, 0, part - 1), GuardRefusal::Malformed) << "short part";
  EXPECT_EQ(one(2, 1, 2 * part, part, part, 20), GuardRefusal::Malformed) << "sequence";
  EXPECT_EQ(one(0, 0, 0, 0, 0), GuardRefusal::Malformed) << "empty";
  limits.max_message_bytes = part;
  EXPECT_EQ(one(2, 0, 2 * part, 0, part), GuardRefusal::Malformed) << "over max message";
  Bytes u = header();
  fragment(u, kSendUnreliableFragment, 19, 40, 1u << 20, 0, 1, 0, 1);
  EXPECT_EQ(refusal(u), GuardRefusal::Malformed) << "the unreliable path too";
}

TEST_F(Guard, StructuralErrorsAreRefused) {
  EXPECT_EQ(refusal({0x00}), GuardRefusal::Malformed);
  EXPECT_EQ(refusal(header()), GuardRefusal::Malformed) << "no commands";
  Bytes compressed = header();
  compressed[0] |= 0x40;
  reliable(compressed, 0, 1, 1);
  EXPECT_EQ(refusal(compressed), GuardRefusal::Malformed);
  Bytes unknown = header();
  unknown.insert(unknown.end(), {13, 0xFF, 0, 1});
  EXPECT_EQ(refusal(unknown), GuardRefusal::Malformed);
  Bytes truncated = header();
  reliable(truncated, 0, 1, 10);
  truncated.pop_back();
  EXPECT_EQ(refusal(truncated), GuardRefusal::Malformed);
  Bytes trailing = header();
  reliable(trailing, 0, 1, 1);
  trailing.push_back(kPing);
  EXPECT_EQ(refusal(trailing), GuardRefusal::Malformed) << "half a command at the end";
  Bytes channel = header();
  reliable(channel, 4, 1, 1);
  EXPECT_EQ(refusal(channel), GuardRefusal::Malformed) << "channel beyond the connection's";
  Bytes ping_on_channel = header();
  ping_on_channel.insert(ping_on_channel.end(), {kPing | 0x80, 0, 0, 1});
  EXPECT_EQ(refusal(ping_on_channel), GuardRefusal::Malformed);
  Bytes other_peer = header(4);
  reliable(other_peer, 0, 1, 1);
  EXPECT_EQ(refusal(other_peer), GuardRefusal::Malformed) << "no such connection";
  Bytes other_session = header(static_cast<std::uint16_t>(3 | (1u << 12)));
  reliable(other_session, 0, 1, 1);
  EXPECT_EQ(refusal(other_session), GuardRefusal::Malformed) << "an earlier session of the slot";
  Bytes many = header();
  for (int i = 0; i < 33; ++i) many.insert(many.end(), {kPing | 0x80, 0xFF, 0, 1});
  EXPECT_EQ(refusal(many), GuardRefusal::OverLimit) << "ENet sends at most 32 commands";
}

TEST_F(Guard, CommandsOverAQueueCapAreTakenOutButTheNextExpectedStays) {
  peers.queues[{0, true}] = 250;
  peers.next = 100;
  Bytes d = header();
  for (int i = 0; i < 8; ++i) reliable(d, 0, static_cast<std::uint16_t>(101 + i), 1);
  reliable(d, 0, 100, 1);  // the one ENet waits for: it lets the queue drain
  const GuardVerdict v = check_enet_datagram(d, kFrom, limits, peers);
  ASSERT_TRUE(v.ok()) << v.why;
  EXPECT_EQ(v.trimmed, 2u) << "6 fit under the cap of 256";
  ASSERT_EQ(v.size, 4 + 7u * 7);
  std::vector<int> kept;
  for (std::size_t at = 4; at < v.size; at += 7) kept.push_back((d[at + 2] << 8) | d[at + 3]);
  EXPECT_EQ(kept, (std::vector<int>{101, 102, 103, 104, 105, 106, 100}));

  peers.queues[{0, true}] = 256;
  Bytes full = header();
  reliable(full, 0, 300, 1);
  EXPECT_EQ(refusal(full), GuardRefusal::OverLimit) << "nothing left to pass";
  Bytes other_channel = header();
  for (int i = 0; i < 7; ++i) reliable(other_channel, 1, static_cast<std::uint16_t>(100 + i), 1);
  EXPECT_TRUE(check(other_channel).ok()) << "each channel has its own cap";
  EXPECT_EQ(check(other_channel).trimmed, 0u);
  peers.queues[{2, false}] = 256;
  Bytes unreliable = header();
  unreliable.insert(unreliable.end(), {kSendUnreliable, 2, 0, 100, 0, 1, 0, 1, 0x42});
  EXPECT_EQ(refusal(unreliable), GuardRefusal::OverLimit) << "the unreliable queue too";
}

TEST_F(Guard, ConnectsAreCheckedAndTheirMtuLowered) {
  const GuardVerdict v = check(connect());
  ASSERT_TRUE(v.ok()) << v.why;
  EXPECT_TRUE(v.connect);
  EXPECT_EQ(v.connect_id, 0xC0FFEEu);
  Bytes big = connect(4096);
  ASSERT_TRUE(check_enet_datagram(big, kFrom, limits, peers).ok());
  EXPECT_EQ((big[4 + 8] << 24) | (big[4 + 9] << 16) | (big[4 + 10] << 8) | big[4 + 11], 1375)
      << "lowered to the host's MTU";
  Bytes two = connect();
  const Bytes second(two.begin() + 4, two.end());
  two.insert(two.end(), second.begin(), second.end());
  EXPECT_EQ(refusal(two), GuardRefusal::Malformed) << "one CONNECT per datagram";
  Bytes bad_peer = connect();
  bad_peer[4 + 4] = 0x0F;
  bad_peer[4 + 5] = 0xFF;
  EXPECT_EQ(refusal(bad_peer), GuardRefusal::Malformed) << "peer id 0xFFF would corrupt flags";
  Bytes not_connect = header(kNoPeer);
  reliable(not_connect, 0, 1, 1);
  EXPECT_EQ(refusal(not_connect), GuardRefusal::Malformed);
  limits.accept_connect = false;
  EXPECT_EQ(refusal(connect()), GuardRefusal::ConnectRefused) << "a client takes no connections";
}

}  // namespace
}  // namespace tickwire::socket
