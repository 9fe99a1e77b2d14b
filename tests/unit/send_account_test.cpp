// Per-connection send accounting: queued bytes and the reliable span.
#include <gtest/gtest.h>

#include <vector>

#include "net/host.hpp"

namespace tickwire::net {
namespace {

TEST(SendAccount, QueuedBytesFollowPacketLifetimes) {
  SendAccount account;
  const std::vector<std::uint8_t> data(100, 1);
  ENetPacket* a = make_packet(data, ChannelKind::Unreliable, &account);
  ENetPacket* b = make_packet(data, ChannelKind::ReliableOrdered, &account);
  EXPECT_EQ(account.queued_bytes(), 200u);
  EXPECT_EQ(account.reliable_span(), 100u) << "only reliable messages count in the span";
  enet_packet_destroy(a);
  EXPECT_EQ(account.queued_bytes(), 100u);
  enet_packet_destroy(b);
  EXPECT_EQ(account.queued_bytes(), 0u);
  EXPECT_EQ(account.reliable_span(), 0u);
}

TEST(SendAccount, SpanRunsFromTheOldestUnacknowledgedMessage) {
  SendAccount account;
  std::vector<ENetPacket*> p;
  for (int i = 0; i < 5; ++i)
    p.push_back(
        make_packet(std::vector<std::uint8_t>(1000, 2), ChannelKind::ReliableOrdered, &account));
  // Later messages acknowledged while the first is still being resent: the
  // receiver holds them, so the span does not shrink.
  enet_packet_destroy(p[1]);
  enet_packet_destroy(p[3]);
  EXPECT_EQ(account.queued_bytes(), 3000u);
  EXPECT_EQ(account.reliable_span(), 5000u);
  enet_packet_destroy(p[0]);
  EXPECT_EQ(account.reliable_span(), 3000u) << "now from p[2] on";
  enet_packet_destroy(p[2]);
  EXPECT_EQ(account.reliable_span(), 1000u);
  enet_packet_destroy(p[4]);
  EXPECT_EQ(account.reliable_span(), 0u);
}

TEST(SendAccount, AdmitRefusesBeyondTheLimits) {
  TransportSettings settings;
  settings.max_message_bytes = 1000;
  settings.max_queued_bytes = 10'000;
  settings.max_receive_buffer_bytes = 4000;  // reliable span limit 2000
  SendAccount account;
  EXPECT_TRUE(account.admit(1000, ChannelKind::ReliableOrdered, settings));
  ENetPacket* first =
      make_packet(std::vector<std::uint8_t>(1000, 0), ChannelKind::ReliableOrdered, &account);
  ENetPacket* second =
      make_packet(std::vector<std::uint8_t>(1000, 0), ChannelKind::ReliableOrdered, &account);
  const Status full = account.admit(1, ChannelKind::ReliableOrdered, settings);
  EXPECT_EQ(full.code, Errc::QueueFull);
  EXPECT_NE(full.message.find("reliable window"), std::string::npos) << full.message;
  EXPECT_TRUE(account.admit(1000, ChannelKind::Unreliable, settings))
      << "unreliable lanes are not held by the receiver";
  enet_packet_destroy(second);
  EXPECT_FALSE(account.admit(1, ChannelKind::ReliableOrdered, settings))
      << "the oldest is still unacknowledged";
  enet_packet_destroy(first);
  EXPECT_TRUE(account.admit(2000, ChannelKind::ReliableOrdered, settings));
  EXPECT_EQ(account.admit(10'001, ChannelKind::Unreliable, settings).code, Errc::QueueFull);
}

}  // namespace
}  // namespace tickwire::net
