// Datagram I/O: the in-memory link's contract, and a client's and a
// server's pipelines (secure stages included) running the whole handshake
// and a payload over it, with no socket at all.
#include <arpa/inet.h>
#include <gtest/gtest.h>

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
