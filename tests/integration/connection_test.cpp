// Connection life cycle: connect, the reasons a connection ends, refusals.
#include <arpa/inet.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include <cstdlib>

#include "harness.hpp"

namespace tickwire::test {
namespace {

struct Session : ::testing::Test {
  Server server;
  Client client;
  Loop loop;

  void start(ServerSettings settings = loopback_server(), ClientSettings cs = {}) {
    ASSERT_TRUE(server.start(settings)) << "server";
    ASSERT_TRUE(client.connect(address_of(server), client_for(server, cs)));
    loop.server = &server;
    loop.clients = {&client};
  }
  void connect(ServerSettings settings = loopback_server(), ClientSettings cs = {}) {
    start(std::move(settings), std::move(cs));
    ASSERT_TRUE(
        loop.until([&] { return client.connected() && server.connection_count() == 1; }, 5s));
  }
};

TEST_F(Session, ConnectsAndExchangesMessagesBothWays) {
  connect();
  ASSERT_EQ(loop.server_events.count(EventType::Connected), 1);
  ASSERT_EQ(loop.client_events[0].count(EventType::Connected), 1);
  const ConnectionId id = loop.server_events.last(EventType::Connected)->connection;
  EXPECT_TRUE(server.connected(id));
  EXPECT_EQ(server.connections(), std::vector<ConnectionId>{id});
  EXPECT_EQ(server.address(id), "127.0.0.1:" + std::to_string(client.local_port()));

  ASSERT_TRUE(client.send(kChannelReliable, bytes("ping")));
  loop.on_server_message = [&](const Event& e) {
    EXPECT_EQ(e.connection, id);
    EXPECT_EQ(e.channel, kChannelReliable);
    ASSERT_TRUE(server.send(e.connection, kChannelSequenced, bytes("pong:" + text(e.data))));
  };
  ASSERT_TRUE(loop.until([&] { return !loop.client_events[0].messages.empty(); }, 5s));
  EXPECT_EQ(loop.client_events[0].messages[0], "pong:ping");
  EXPECT_EQ(loop.client_events[0].last(EventType::Message)->channel, kChannelSequenced);
}

TEST_F(Session, ClientDisconnectIsClosedByPeerOnTheServer) {
  connect();
  client.disconnect();
  EXPECT_EQ(client.state(), ClientState::Disconnecting);
  ASSERT_TRUE(loop.until(
      [&] {
        return loop.server_events.count(EventType::Disconnected) == 1 &&
               loop.client_events[0].count(EventType::Disconnected) == 1;
      },
      3s));
  EXPECT_EQ(loop.server_events.last(EventType::Disconnected)->reason,
            DisconnectReason::ClosedByPeer);
  EXPECT_EQ(loop.client_events[0].last(EventType::Disconnected)->reason,
            DisconnectReason::ClosedLocally);
  EXPECT_EQ(client.state(), ClientState::Disconnected);
  EXPECT_EQ(server.connection_count(), 0u);
}

TEST_F(Session, KickReachesTheClientAsKicked) {
  connect();
  const ConnectionId id = server.connections().at(0);
  server.kick(id);
  EXPECT_FALSE(server.connected(id));
  EXPECT_EQ(server.send(id, 0, bytes("x")).code, Errc::UnknownConnection);
  ASSERT_TRUE(loop.until(
      [&] {
        return loop.client_events[0].count(EventType::Disconnected) == 1 &&
               loop.server_events.count(EventType::Disconnected) == 1;
      },
      3s));
  EXPECT_EQ(loop.client_events[0].last(EventType::Disconnected)->reason, DisconnectReason::Kicked);
  EXPECT_EQ(client.disconnect_reason(), DisconnectReason::Kicked);
  EXPECT_EQ(loop.server_events.last(EventType::Disconnected)->reason,
            DisconnectReason::ClosedLocally);
}

TEST_F(Session, ServerStopReachesTheClientAsClosedByPeer) {
  connect();
  server.stop();
  EXPECT_FALSE(server.running());
  loop.server = nullptr;
  ASSERT_TRUE(
      loop.until([&] { return loop.client_events[0].count(EventType::Disconnected) == 1; }, 3s));
  EXPECT_EQ(client.disconnect_reason(), DisconnectReason::ClosedByPeer);
}

TEST_F(Session, ServerFullIsToldToTheClient) {
  connect(loopback_server(1));
  Client second;
  ASSERT_TRUE(second.connect(address_of(server), client_for(server)));
  loop.clients.push_back(&second);
  ASSERT_TRUE(loop.until([&] { return second.state() == ClientState::Disconnected; }, 5s));
  EXPECT_EQ(second.disconnect_reason(), DisconnectReason::ServerFull);
  EXPECT_EQ(loop.client_events[1].count(EventType::Connected), 0);
  EXPECT_EQ(loop.client_events[1].last(EventType::Disconnected)->reason,
            DisconnectReason::ServerFull);
  EXPECT_EQ(server.connection_count(), 1u);
  EXPECT_EQ(loop.server_events.count(EventType::Connected), 1) << "a refused client is no event";
  EXPECT_EQ(server.host_stats().joins.of(JoinRefusal::ServerFull), 1u);
  EXPECT_TRUE(client.connected()) << "the first client is untouched";
}

TEST_F(Session, ProtocolMismatchIsToldToTheClient) {
  ClientSettings other;
  other.protocol_id = 1234;
  start(loopback_server(), other);
  ASSERT_TRUE(loop.until([&] { return client.state() == ClientState::Disconnected; }, 5s));
  EXPECT_EQ(client.disconnect_reason(), DisconnectReason::ProtocolMismatch);
  EXPECT_EQ(server.connection_count(), 0u);
  EXPECT_GE(server.host_stats().drops.token_rejected, 1u) << "refused in the handshake";
}

TEST_F(Session, ChannelLayoutMismatchIsAProtocolMismatch) {
  ClientSettings other;
  other.channels = {ChannelKind::ReliableOrdered};
  start(loopback_server(), other);
  ASSERT_TRUE(loop.until([&] { return client.state() == ClientState::Disconnected; }, 5s));
  EXPECT_EQ(client.disconnect_reason(), DisconnectReason::ProtocolMismatch);
}

// A client of another wire version: its request keeps the first 49 bytes'
// layout (prefix, magic with the version digit, protocol id, expiry, nonce).
TEST_F(Session, VersionMismatchIsToldToAClientOfAnotherVersion) {
  ASSERT_TRUE(server.start(loopback_server()));
  loop.server = &server;
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  std::vector<std::uint8_t> request(1024, 0);
  char magic[] = "TWTOKEN0";
  magic[7] = static_cast<char>('0' + kWireVersion - 1);  // the wire version before this one
  std::memcpy(request.data() + 1, magic, 8);
  for (int i = 0; i < 24; ++i) request[25 + i] = static_cast<std::uint8_t>(0xA0 + i);  // nonce
  sockaddr_in to{};
  to.sin_family = AF_INET;
  to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  to.sin_port = htons(server.port());
  ASSERT_EQ(
      ::sendto(fd, request.data(), request.size(), 0, reinterpret_cast<sockaddr*>(&to), sizeof(to)),
      1024);
  std::vector<std::uint8_t> reply(2048);
  ssize_t got = -1;
  loop.until(
      [&] {
        got = ::recv(fd, reply.data(), reply.size(), MSG_DONTWAIT);
        return got > 0;
      },
      2s);
  ASSERT_EQ(got, 26) << "prefix, the echoed nonce, the reason";
  EXPECT_EQ(reply[0], 6) << "Rejected";
  EXPECT_TRUE(std::equal(reply.begin() + 1, reply.begin() + 25, request.begin() + 25));
  EXPECT_EQ(reply[25], 7) << "VersionMismatch";
  ::close(fd);
}

// The client's side: a server of another version answers its request with a
// Rejected(VersionMismatch) echoing the nonce; the client reports it.
TEST(Connect, VersionMismatchFromTheServerIsReported) {
  const int fd = ::socket(AF_INET, SOCK_DGRAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  socklen_t len = sizeof(addr);
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::string address = "127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  ClientSettings cs;
  ConnectTokenParams params;
  params.servers = {address};
  ASSERT_TRUE(make_connect_token(test_key(), params, cs.token));
  Client client;
  ASSERT_TRUE(client.connect(address, cs));
  Loop loop;
  loop.clients = {&client};
  bool answered = false;
  loop.each_frame = [&] {
    std::vector<std::uint8_t> request(2048);
    sockaddr_in from{};
    socklen_t from_len = sizeof(from);
    const ssize_t got = ::recvfrom(fd, request.data(), request.size(), MSG_DONTWAIT,
                                   reinterpret_cast<sockaddr*>(&from), &from_len);
    if (got != 1024 || answered) return;
    std::uint8_t reply[26] = {6};
    std::memcpy(reply + 1, request.data() + 25, 24);
    reply[25] = 7;
    ::sendto(fd, reply, sizeof(reply), 0, reinterpret_cast<sockaddr*>(&from), from_len);
    answered = true;
  };
  ASSERT_TRUE(loop.until([&] { return client.state() == ClientState::Disconnected; }, 3s));
  EXPECT_EQ(client.disconnect_reason(), DisconnectReason::VersionMismatch);
  ::close(fd);
}

TEST_F(Session, VanishedClientTimesOutWithinTimeoutPlusOneSecond) {
  ServerSettings settings = loopback_server(1);
  settings.idle_timeout_ms = 2000;
  connect(settings);
  const ConnectionId id = server.connections().at(0);
  loop.clients.clear();  // the client goes silent: no update, no disconnect sent
  const auto vanished = Clock::now();
  ASSERT_TRUE(
      loop.until([&] { return loop.server_events.count(EventType::Disconnected) == 1; }, 6s));
  const auto took = Clock::now() - vanished;
  EXPECT_LE(took, 3s) << "detected after "
                      << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                      << " ms";
  const Event* e = loop.server_events.last(EventType::Disconnected);
  EXPECT_EQ(e->reason, DisconnectReason::Timeout);
  EXPECT_EQ(e->connection, id);
  EXPECT_EQ(server.connection_count(), 0u);

  // The slot is free again: a new client gets in although max_clients is 1.
  Client next;
  ASSERT_TRUE(next.connect(address_of(server), client_for(server)));
  loop.clients = {&next};
  loop.client_events.clear();
  ASSERT_TRUE(loop.until([&] { return next.connected(); }, 5s));
  EXPECT_NE(server.connections().at(0), id) << "a reused slot gets a new id";
}

TEST(Connect, NoServerTimesOutAtTheConnectTimeout) {
  // Bind a UDP port and never answer.
  Server silent;
  ASSERT_TRUE(silent.start(loopback_server()));
  const std::string address = address_of(silent);
  Client client;
  ClientSettings cs;
  cs.connect_timeout_ms = 500;
  ASSERT_TRUE(client.connect(address, client_for(silent, cs)));
  Loop loop;
  loop.clients = {&client};
  ASSERT_TRUE(loop.until([&] { return client.state() == ClientState::Disconnected; }, 3s));
  EXPECT_EQ(client.disconnect_reason(), DisconnectReason::Timeout);
  EXPECT_EQ(loop.client_events[0].last(EventType::Disconnected)->reason, DisconnectReason::Timeout);
}

TEST(Connect, BadAddressesAreClearErrors) {
  Client client;
  EXPECT_EQ(client.connect("127.0.0.1:0", {}).code, Errc::InvalidArgument);
  EXPECT_EQ(client.connect("", {}).code, Errc::InvalidArgument);
  EXPECT_EQ(client.connect("no-such-host.invalid:4000", {}).code, Errc::ResolveFailed);
  EXPECT_EQ(client.connect("127.0.0.1:4000", {}).code, Errc::TokenInvalid) << "no token";
  EXPECT_EQ(client.state(), ClientState::Disconnected);
  EXPECT_EQ(client.send(0, bytes("x")).code, Errc::NotRunning);
}

TEST(Start, PortInUseIsAClearError) {
  Server first, second;
  ASSERT_TRUE(first.start(loopback_server()));
  ServerSettings s = loopback_server();
  s.port = first.port();
  const Status status = second.start(s);
  EXPECT_EQ(status.code, Errc::AddressInUse) << status.message;
  EXPECT_NE(status.message.find(std::to_string(first.port())), std::string::npos) << status.message;
  EXPECT_FALSE(second.running());
}

TEST(Start, MalformedSimulationVariableIsRefused) {
  ::setenv("TICKWIRE_SIM", "lag=fast", 1);
  Server server;
  const Status status = server.start(loopback_server());
  ::unsetenv("TICKWIRE_SIM");
  EXPECT_EQ(status.code, Errc::InvalidSettings);
  EXPECT_NE(status.message.find("TICKWIRE_SIM"), std::string::npos) << status.message;
  EXPECT_FALSE(server.running());
}

TEST(Start, InvalidSettingsAreRefused) {
  Server server;
  ServerSettings s = loopback_server();
  s.mtu = 100;
  EXPECT_EQ(server.start(s).code, Errc::InvalidSettings);
  EXPECT_FALSE(server.running());
}

TEST_F(Session, SendErrorsAreReported) {
  ServerSettings s = loopback_server();
  s.max_message_bytes = 1000;
  s.max_queued_bytes = 4000;
  ClientSettings cs;
  cs.max_message_bytes = 1000;
  cs.max_queued_bytes = 4000;
  connect(s, cs);
  const ConnectionId id = server.connections().at(0);
  const std::vector<std::uint8_t> big(1001, 1), ok(1000, 2);
  EXPECT_EQ(server.send(id, 3, ok).code, Errc::InvalidArgument);
  EXPECT_EQ(server.send(id, 0, big).code, Errc::MessageTooLarge);
  EXPECT_EQ(server.send(id + 1, 0, ok).code, Errc::UnknownConnection);
  EXPECT_EQ(client.send(7, ok).code, Errc::InvalidArgument);
  EXPECT_EQ(client.send(0, big).code, Errc::MessageTooLarge);
  // Four fit in the queue; the fifth is refused until ENet releases some.
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(client.send(kChannelReliable, ok)) << i;
  EXPECT_EQ(client.stats().queued_bytes, 4000u);
  EXPECT_EQ(client.send(kChannelReliable, ok).code, Errc::QueueFull);
  ASSERT_TRUE(loop.until([&] { return client.stats().queued_bytes == 0; }, 3s));
  EXPECT_TRUE(client.send(kChannelReliable, ok));
}

TEST(Broadcast, ReachesAllOrAllButOne) {
  Server server;
  ASSERT_TRUE(server.start(loopback_server()));
  Client a, b, c;
  Loop loop;
  loop.server = &server;
  loop.clients = {&a, &b, &c};
  for (Client* client : loop.clients)
    ASSERT_TRUE(client->connect(address_of(server), client_for(server)));
  ASSERT_TRUE(loop.until(
      [&] {
        return server.connection_count() == 3 && a.connected() && b.connected() && c.connected();
      },
      5s));
  ASSERT_TRUE(server.broadcast(kChannelReliable, bytes("all")));
  ASSERT_TRUE(loop.until(
      [&] {
        for (auto& r : loop.client_events)
          if (r.messages.size() != 1) return false;
        return true;
      },
      3s));
  // Find b's id: the connection whose address has b's port.
  ConnectionId b_id = kInvalidConnection;
  for (ConnectionId id : server.connections())
    if (server.address(id) == "127.0.0.1:" + std::to_string(b.local_port())) b_id = id;
  ASSERT_NE(b_id, kInvalidConnection);
  ASSERT_TRUE(server.broadcast_except(b_id, kChannelReliable, bytes("not b")));
  ASSERT_TRUE(loop.until(
      [&] {
        return loop.client_events[0].messages.size() == 2 &&
               loop.client_events[2].messages.size() == 2;
      },
      3s));
  loop.run_for(100ms);
  EXPECT_EQ(loop.client_events[1].messages.size(), 1u);
  EXPECT_EQ(loop.client_events[0].messages[1], "not b");
}

}  // namespace
}  // namespace tickwire::test

namespace tickwire::test {
namespace {

// wait() lets a game sleep until traffic arrives. What is checked is what it
// returns, never how long it took.
TEST(Wait, ReturnsWhenADatagramArrivesAndNotOtherwise) {
  Server server;
  Client client;
  Loop loop;
  ASSERT_TRUE(start_and_connect(server, client, loop, loopback_server()));
  loop.run_for(300ms);  // let acks and pings settle
  ASSERT_TRUE(client.send(kChannelReliable, bytes("wake up")));
  client.flush();
  EXPECT_TRUE(server.wait(5000)) << "the message's datagram wakes the server";
  server.update();
  Event e;
  bool got = false;
  while (server.poll(e)) got |= e.type == EventType::Message && text(e.data) == "wake up";
  EXPECT_TRUE(got);
  // A datagram the conditioner holds wakes it too (when it is due).
  LinkConditionerSettings slow;
  slow.incoming.latency_ms = 50;
  ASSERT_TRUE(server.set_conditioner(slow));
  ASSERT_TRUE(client.send(kChannelReliable, bytes("later")));
  client.flush();
  bool woke = false;
  for (int i = 0; i < 100 && !woke; ++i) {
    woke = server.wait(5000);
    server.update();
    while (server.poll(e)) woke |= e.type == EventType::Message && text(e.data) == "later";
  }
  EXPECT_TRUE(woke);
  Server idle;
  ASSERT_TRUE(idle.start(loopback_server()));
  EXPECT_FALSE(idle.wait(20)) << "nothing to read";
}

}  // namespace
}  // namespace tickwire::test
