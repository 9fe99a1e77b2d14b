// Datagram I/O: the in-memory link's contract, and a client's and a
// server's pipelines (secure stages included) running the whole handshake
// and a payload over it, with no socket at all.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "secure/client_security.hpp"
#include "secure/server_security.hpp"
#include "socket/datagram_io.hpp"
#include "socket/pipeline.hpp"
#include "test_suites.hpp"
#include "tickwire/token.hpp"

namespace tickwire::socket {
namespace {

const Endpoint kServer{htonl(0x7F000001u), 4000};
const Endpoint kClient{htonl(0x7F000001u), 5000};

long send_text(DatagramIo& io, Endpoint to, const std::string& text) {
  const iovec part{const_cast<char*>(text.data()), text.size()};
  return io.send(to, &part, 1);
}

TEST(MemoryLink, DeliversInOrderWithinItsCapacity) {
  MemoryLink link(kClient, kServer, 2);
  EXPECT_EQ(send_text(link.side_a(), kServer, "one"), 3);
  EXPECT_EQ(send_text(link.side_a(), kServer, "two"), 3);
  EXPECT_EQ(send_text(link.side_a(), kServer, "three"), 0) << "full: lost";
  EXPECT_EQ(send_text(link.side_a(), kClient, "self"), 0) << "no such endpoint: lost";
  std::vector<std::uint8_t> buffer(8);
  Endpoint from;
  std::size_t length = 0;
  ASSERT_EQ(link.side_b().receive(buffer, from, length), DatagramIo::Read::Datagram);
  EXPECT_EQ(from, kClient);
  EXPECT_EQ(std::string(buffer.begin(), buffer.begin() + static_cast<long>(length)), "one");
  ASSERT_EQ(link.side_b().receive(buffer, from, length), DatagramIo::Read::Datagram);
  EXPECT_EQ(std::string(buffer.begin(), buffer.begin() + static_cast<long>(length)), "two");
  EXPECT_EQ(link.side_b().receive(buffer, from, length), DatagramIo::Read::Empty);
  EXPECT_EQ(link.side_a().receive(buffer, from, length), DatagramIo::Read::Empty);
  EXPECT_EQ(send_text(link.side_b(), kClient, "much too long"), 13);
  EXPECT_EQ(link.side_a().receive(buffer, from, length), DatagramIo::Read::Dropped);
  EXPECT_EQ(link.side_a().wait_fd(), -1);
}

// A non-blocking UDP socket bound to 127.0.0.1 on a port of the kernel's
// choice, closed with the object.
struct LoopbackSocket {
  LoopbackSocket() {
    fd = ::socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
    sockaddr_in sin{};
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t size = sizeof(sin);
    if (fd >= 0 && ::bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&sin), &size) == 0)
      at = Endpoint{sin.sin_addr.s_addr, ntohs(sin.sin_port)};
  }
  ~LoopbackSocket() {
    if (fd >= 0) ::close(fd);
  }
  LoopbackSocket(const LoopbackSocket&) = delete;
  LoopbackSocket& operator=(const LoopbackSocket&) = delete;
  int fd = -1;
  Endpoint at;
};

std::string received(const std::vector<std::uint8_t>& buffer, std::size_t length) {
  return {buffer.begin(), buffer.begin() + static_cast<long>(length)};
}

TEST(UdpBatchIo, HandsOutABatchInOrderAndFindsTheSocketDryWithoutAnotherRead) {
  LoopbackSocket sender;
  LoopbackSocket receiver;
  ASSERT_NE(receiver.at.port, 0);
  UdpBatchIo io(receiver.fd, 16);
  UdpSocketIo out(sender.fd);
  for (const char* text : {"one", "two", "a datagram over sixteen bytes", "three"})
    ASSERT_GT(send_text(out, receiver.at, text), 0);
  std::vector<std::uint8_t> buffer(16);
  Endpoint from;
  std::size_t length = 0;
  ASSERT_EQ(io.receive(buffer, from, length), DatagramIo::Read::Datagram);
  EXPECT_EQ(received(buffer, length), "one");
  EXPECT_EQ(from, sender.at);
  EXPECT_TRUE(io.pending());
  ASSERT_EQ(io.receive(buffer, from, length), DatagramIo::Read::Datagram);
  EXPECT_EQ(received(buffer, length), "two");
  EXPECT_EQ(io.receive(buffer, from, length), DatagramIo::Read::Dropped) << "over the slot";
  EXPECT_EQ(from, sender.at);
  ASSERT_EQ(io.receive(buffer, from, length), DatagramIo::Read::Datagram);
  EXPECT_EQ(received(buffer, length), "three");
  EXPECT_FALSE(io.pending());
  EXPECT_EQ(io.reads(), 1u) << "four datagrams, one system call";
  // The batch came back short: the socket was dry when it was read.
  EXPECT_EQ(io.receive(buffer, from, length), DatagramIo::Read::Empty);
  EXPECT_EQ(io.reads(), 1u) << "Empty without asking the kernel again";
  // What arrives later is read by the next round.
  ASSERT_GT(send_text(out, receiver.at, "four"), 0);
  ASSERT_EQ(io.receive(buffer, from, length), DatagramIo::Read::Datagram);
  EXPECT_EQ(received(buffer, length), "four");
  EXPECT_EQ(io.reads(), 2u);
  EXPECT_EQ(io.receive(buffer, from, length), DatagramIo::Read::Empty);
  EXPECT_EQ(io.receive(buffer, from, length), DatagramIo::Read::Empty) << "now from the kernel";
  EXPECT_EQ(io.reads(), 3u);
}

TEST(UdpBatchIo, AFullBatchIsFollowedByAnotherRead) {
  LoopbackSocket sender;
  LoopbackSocket receiver;
  UdpBatchIo io(receiver.fd, 64);
  UdpSocketIo out(sender.fd);
  const std::size_t total = UdpBatchIo::kBatch + 3;
  for (std::size_t i = 0; i < total; ++i)
    ASSERT_GT(send_text(out, receiver.at, "datagram " + std::to_string(i)), 0);
  std::vector<std::uint8_t> buffer(64);
  Endpoint from;
  std::size_t length = 0;
  for (std::size_t i = 0; i < total; ++i) {
    ASSERT_EQ(io.receive(buffer, from, length), DatagramIo::Read::Datagram) << i;
    EXPECT_EQ(received(buffer, length), "datagram " + std::to_string(i));
  }
  EXPECT_EQ(io.reads(), 2u);
  EXPECT_EQ(io.receive(buffer, from, length), DatagramIo::Read::Empty);
  EXPECT_EQ(io.reads(), 2u);
  // A caller's buffer smaller than the datagram drops it, as UdpSocketIo does.
  ASSERT_GT(send_text(out, receiver.at, "twelve bytes"), 0);
  std::vector<std::uint8_t> small(4);
  EXPECT_EQ(io.receive(small, from, length), DatagramIo::Read::Dropped);
}

// After a batch of one, light traffic is read one datagram per recvfrom
// (cheaper than a batch for one); datagrams back to back bring batches back.
TEST(UdpBatchIo, LightTrafficIsReadOneAtATimeUntilAQueueBuilds) {
  LoopbackSocket sender;
  LoopbackSocket receiver;
  UdpBatchIo io(receiver.fd, 64);
  UdpSocketIo out(sender.fd);
  std::vector<std::uint8_t> buffer(64);
  Endpoint from;
  std::size_t length = 0;
  // An empty socket, as a game's loop finds it most of the time: light.
  EXPECT_EQ(io.receive(buffer, from, length), DatagramIo::Read::Empty);  // a batch of none
  EXPECT_EQ(io.reads(), 1u);
  // Now one read per datagram, and one to find the socket empty.
  for (int i = 0; i < 3; ++i) {
    ASSERT_GT(send_text(out, receiver.at, "ping " + std::to_string(i)), 0);
    ASSERT_EQ(io.receive(buffer, from, length), DatagramIo::Read::Datagram);
    EXPECT_EQ(received(buffer, length), "ping " + std::to_string(i));
    EXPECT_EQ(from, sender.at);
    EXPECT_FALSE(io.pending());
    EXPECT_EQ(io.receive(buffer, from, length), DatagramIo::Read::Empty);
  }
  EXPECT_EQ(io.reads(), 7u);
  // A queue: two single reads, then one batch takes the other eight.
  for (int i = 0; i < 10; ++i) ASSERT_GT(send_text(out, receiver.at, "q" + std::to_string(i)), 0);
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(io.receive(buffer, from, length), DatagramIo::Read::Datagram) << i;
    EXPECT_EQ(received(buffer, length), "q" + std::to_string(i));
  }
  EXPECT_EQ(io.reads(), 10u);
  EXPECT_EQ(io.receive(buffer, from, length), DatagramIo::Read::Empty);
  EXPECT_EQ(io.reads(), 10u) << "the batch came back short: dry";
  // One at a time still drops what does not fit.
  ASSERT_GT(send_text(out, receiver.at, "lone"), 0);
  ASSERT_EQ(io.receive(buffer, from, length), DatagramIo::Read::Datagram);  // a batch of one
  EXPECT_EQ(io.receive(buffer, from, length), DatagramIo::Read::Empty);
  const std::uint64_t before = io.reads();
  ASSERT_GT(send_text(out, receiver.at, "twelve bytes"), 0);
  std::vector<std::uint8_t> small(4);
  EXPECT_EQ(io.receive(small, from, length), DatagramIo::Read::Dropped);
  EXPECT_EQ(from, sender.at);
  EXPECT_EQ(io.reads(), before + 1);
}

TEST(MemoryLink, CarriesASecureSessionBetweenTwoPipelines) {
  const TokenKey key = TokenKey::generate();
  ConnectTokenParams params;
  params.servers = {"127.0.0.1:4000"};
  ConnectToken token;
  ASSERT_TRUE(make_connect_token(key, params, token));
  secure::PublicToken pub;
  ASSERT_TRUE(secure::parse_public(token.bytes, pub));
  secure::ServerSecurityConfig config;
  config.suites = test_suites();
  config.protocol_id = params.protocol_id;
  config.token_key.bytes = key.bytes();
  config.public_endpoints = {kServer};
  secure::ServerSecurity server_stage(std::move(config));
  secure::ClientSecurity client_stage(pub, kServer, test_suites());
  Pipeline server(8, server_stage), client(8, client_stage);
  MemoryLink link(kClient, kServer);
  client.set_io(&link.side_a());
  server.set_io(&link.side_b());

  // ENet's first datagram waits in the client's stage until the session is up.
  std::string hello = "an ENet datagram";
  ENetAddress to{kServer.host, kServer.port};
  ENetBuffer out{hello.data(), hello.size()};
  EXPECT_EQ(client.on_send(&to, &out, 1), static_cast<int>(hello.size()));
  std::vector<std::uint8_t> buffer(4096);
  ENetBuffer in{buffer.data(), buffer.size()};
  ENetAddress from{};
  int got = 0;
  for (int round = 0; round < 10 && got == 0; ++round) {
    client.pump(monotonic_us());
    server.pump(monotonic_us());
    got = server.on_receive(&from, &in, 1);  // request, response, then the payload
    (void)client.on_receive(&from, &in, 1);  // challenge, keep-alive
    got = got > 0 ? got : server.on_receive(&from, &in, 1);
  }
  ASSERT_EQ(got, static_cast<int>(hello.size()));
  EXPECT_EQ(std::string(buffer.begin(), buffer.begin() + got), hello);
  EXPECT_EQ(client_stage.state(), secure::ClientSecurity::State::Established);
  EXPECT_EQ(server_stage.session_count(), 1u);
  EXPECT_GE(client.wire_sent(), 3u) << "request, response, payload";
}

}  // namespace
}  // namespace tickwire::socket
