// ENet connect and disconnect data as tickwire uses them.
#include <gtest/gtest.h>

#include "net/host.hpp"
#include "tickwire/version.hpp"

namespace tickwire::net {
namespace {

TEST(ConnectCode, MatchesOnlyTheSameProtocolAndLanes) {
  TransportSettings a;
  TransportSettings b = a;
  EXPECT_EQ(check_connect_code(connect_code(b), connect_code(a)), DisconnectReason::None);
  b.protocol_id += 1;
  EXPECT_EQ(check_connect_code(connect_code(b), connect_code(a)),
            DisconnectReason::ProtocolMismatch);
  b = a;
  b.channels.push_back(ChannelKind::ReliableOrdered);
  EXPECT_EQ(check_connect_code(connect_code(b), connect_code(a)),
            DisconnectReason::ProtocolMismatch);
  b = a;
  std::swap(b.channels[0], b.channels[1]);
  EXPECT_EQ(check_connect_code(connect_code(b), connect_code(a)),
            DisconnectReason::ProtocolMismatch);
  EXPECT_EQ(connect_code(a) >> 24, kWireVersion);
  const std::uint32_t other_version = (connect_code(a) & 0xFFFFFFu) | ((kWireVersion + 1u) << 24);
  EXPECT_EQ(check_connect_code(other_version, connect_code(a)), DisconnectReason::VersionMismatch);
  EXPECT_EQ(check_connect_code(0, connect_code(a)), DisconnectReason::VersionMismatch)
      << "a plain ENet client sends 0";
}

TEST(DisconnectCode, RoundTripsEveryReason) {
  for (auto r :
       {DisconnectReason::Kicked, DisconnectReason::ServerFull, DisconnectReason::ProtocolMismatch,
        DisconnectReason::VersionMismatch, DisconnectReason::ClosedByPeer}) {
    EXPECT_EQ(decode_disconnect(disconnect_code(r)), r) << to_string(r);
  }
  EXPECT_EQ(decode_disconnect(disconnect_code(DisconnectReason::ClosedLocally)),
            DisconnectReason::ClosedByPeer);
  EXPECT_EQ(decode_disconnect(0), DisconnectReason::Timeout);
  EXPECT_EQ(decode_disconnect(12345), DisconnectReason::ClosedByPeer);
  EXPECT_EQ(decode_disconnect(0x545700FFu), DisconnectReason::ClosedByPeer);
}

TEST(Resolve, ParsesHostAndPort) {
  ENetAddress a{};
  ASSERT_TRUE(resolve("127.0.0.1:4000", 27015, a));
  EXPECT_EQ(a.port, 4000);
  EXPECT_EQ(to_string(a), "127.0.0.1:4000");
  ASSERT_TRUE(resolve("127.0.0.1", 27015, a));
  EXPECT_EQ(a.port, 27015);
  EXPECT_EQ(resolve("127.0.0.1:0", 1, a).code, Errc::InvalidArgument);
  EXPECT_EQ(resolve("127.0.0.1:99999", 1, a).code, Errc::InvalidArgument);
  EXPECT_EQ(resolve("127.0.0.1:x", 1, a).code, Errc::InvalidArgument);
  EXPECT_EQ(resolve(":5", 1, a).code, Errc::InvalidArgument);
}

}  // namespace
}  // namespace tickwire::net
