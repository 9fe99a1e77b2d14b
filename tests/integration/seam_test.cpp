// The datagram seam: every datagram passes it, and bad ones stop there.
#include <arpa/inet.h>
#include <enet/enet.h>
#include <sys/socket.h>
#include <unistd.h>

#include "harness.hpp"

namespace tickwire::test {
namespace {

TEST(Seam, EveryDatagramPassesTheSeam) {
  Server server;
  Client client;
  ServerSettings s = loopback_server();
  s.conditioner.outgoing.loss_pct = 10;  // conditioned and plain paths both count
  Loop loop;
  ASSERT_TRUE(start_and_connect(server, client, loop, s));
  int frame = 0;
  loop.each_frame = [&] {
    if (++frame > 500) return;
    (void)client.send(kChannelReliable, std::vector<std::uint8_t>(3000, 1));
    (void)server.broadcast(kChannelSequenced, bytes("state"));
    (void)server.broadcast(kChannelUnreliable, bytes("ping"));  // the direct lane
  };
  loop.run_for(1500ms);
  for (const HostStats& h : {server.host_stats(), client.host_stats()}) {
    EXPECT_GT(h.enet_datagrams_sent, 500u);
    EXPECT_GT(h.enet_datagrams_received, 500u);
    EXPECT_EQ(h.seam_datagrams_sent, h.enet_datagrams_sent);
    EXPECT_EQ(h.seam_datagrams_received, h.enet_datagrams_received);
  }
  // What the server's conditioner did not drop reached the wire: ENet's
  // datagrams, the direct lane's, and the handshake's own few packets
  // (challenge, keep-alive).
  const HostStats h = server.host_stats();
  EXPECT_GT(h.direct_datagrams_sent, 400u);
  const std::uint64_t offered = h.seam_datagrams_sent + h.direct_datagrams_sent;
  EXPECT_GE(h.wire_datagrams_sent + h.drops.conditioner_loss, offered);
  EXPECT_LE(h.wire_datagrams_sent + h.drops.conditioner_loss, offered + 10);
  EXPECT_GT(h.drops.conditioner_loss, 0u);
}

int udp_socket() {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  EXPECT_GE(fd, 0);
  return fd;
}

void send_raw(int fd, std::uint16_t port, const std::vector<std::uint8_t>& data) {
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  to.sin_port = htons(port);
  ASSERT_EQ(::sendto(fd, data.data(), data.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)),
            static_cast<ssize_t>(data.size()));
}

TEST(Seam, OversizedAndEmptyDatagramsAreDroppedAndCounted) {
  Server server;
  Client client;
  Loop loop;
  ASSERT_TRUE(start_and_connect(server, client, loop, loopback_server()));
  const int fd = udp_socket();
  for (int i = 0; i < 20; ++i) {
    send_raw(fd, server.port(), std::vector<std::uint8_t>(9000, 0xAB));
    send_raw(fd, server.port(), {});
    send_raw(fd, server.port(), std::vector<std::uint8_t>(3, 0xFF));  // too short for ENet
  }
  ASSERT_TRUE(client.send(kChannelReliable, bytes("still here")));
  ASSERT_TRUE(loop.until([&] { return !loop.server_events.messages.empty(); }, 3s));
  EXPECT_EQ(loop.server_events.messages[0], "still here");
  EXPECT_EQ(server.host_stats().drops.oversized, 40u);
  EXPECT_TRUE(client.connected());
  ::close(fd);
}

TEST(Seam, BareEnetHostsStillWork) {
  // A socket tickwire does not own passes straight through the seam.
  ASSERT_EQ(enet_initialize(), 0);
  ENetAddress bind{};
  bind.host = htonl(INADDR_LOOPBACK);
  ENetHost* a = enet_host_create(&bind, 1, 1, 0, 0);
  ENetHost* b = enet_host_create(nullptr, 1, 1, 0, 0);
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  ENetAddress to{};
  enet_socket_get_address(a->socket, &to);
  to.host = htonl(INADDR_LOOPBACK);
  ENetPeer* peer = enet_host_connect(b, &to, 1, 0);
  ASSERT_NE(peer, nullptr);
  bool a_connected = false, b_connected = false;
  const auto end = Clock::now() + 3s;
  while (Clock::now() < end && !(a_connected && b_connected)) {
    ENetEvent e;
    while (enet_host_service(a, &e, 1) > 0) a_connected |= e.type == ENET_EVENT_TYPE_CONNECT;
    while (enet_host_service(b, &e, 1) > 0) b_connected |= e.type == ENET_EVENT_TYPE_CONNECT;
  }
  EXPECT_TRUE(a_connected);
  EXPECT_TRUE(b_connected);
  enet_host_destroy(a);
  enet_host_destroy(b);
}

}  // namespace
}  // namespace tickwire::test
