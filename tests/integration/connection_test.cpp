// Connection life cycle: connect, the reasons a connection ends, refusals.
#include <arpa/inet.h>
#include <enet/enet.h>

#include <cstdlib>

#include "harness.hpp"
#include "net/host.hpp"

namespace tickwire::test {
namespace {

struct Session : ::testing::Test {
  Server server;
  Client client;
  Loop loop;

  void start(ServerSettings settings = loopback_server(), ClientSettings cs = {}) {
    ASSERT_TRUE(server.start(settings)) << "server";
    ASSERT_TRUE(client.connect(address_of(server), cs));
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
  EXPECT_EQ(server.send(id, 0, bytes("x")).code, Errc::unknown_connection);
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
  ASSERT_TRUE(second.connect(address_of(server), {}));
  loop.clients.push_back(&second);
  ASSERT_TRUE(loop.until([&] { return second.state() == ClientState::Disconnected; }, 5s));
  EXPECT_EQ(second.disconnect_reason(), DisconnectReason::ServerFull);
  EXPECT_EQ(loop.client_events[1].count(EventType::Connected), 0);
  EXPECT_EQ(loop.client_events[1].last(EventType::Disconnected)->reason,
            DisconnectReason::ServerFull);
  EXPECT_EQ(server.connection_count(), 1u);
  EXPECT_EQ(loop.server_events.count(EventType::Connected), 1) << "a refused client is no event";
  EXPECT_EQ(server.host_stats().refused_server_full, 1u);
  EXPECT_TRUE(client.connected()) << "the first client is untouched";
}

TEST_F(Session, ProtocolMismatchIsToldToTheClient) {
  ClientSettings other;
  other.protocol_id = 1234;
  start(loopback_server(), other);
  ASSERT_TRUE(loop.until([&] { return client.state() == ClientState::Disconnected; }, 5s));
  EXPECT_EQ(client.disconnect_reason(), DisconnectReason::ProtocolMismatch);
  EXPECT_EQ(server.connection_count(), 0u);
  EXPECT_EQ(server.host_stats().refused_mismatch, 1u);
}

TEST_F(Session, ChannelLayoutMismatchIsAProtocolMismatch) {
  ClientSettings other;
  other.channels = {ChannelKind::ReliableOrdered};
  start(loopback_server(), other);
  ASSERT_TRUE(loop.until([&] { return client.state() == ClientState::Disconnected; }, 5s));
  EXPECT_EQ(client.disconnect_reason(), DisconnectReason::ProtocolMismatch);
}

// A peer speaking another tickwire wire version: plain ENet with its own code.
TEST_F(Session, VersionMismatchIsToldToTheClient) {
  ASSERT_TRUE(server.start(loopback_server()));
  loop.server = &server;
  ENetHost* raw = enet_host_create(nullptr, 1, 3, 0, 0);
  ASSERT_NE(raw, nullptr);
  ENetAddress to{};
  to.host = htonl(INADDR_LOOPBACK);
  to.port = server.port();
  const std::uint32_t code =
      (net::connect_code(ClientSettings{}) & 0xFFFFFFu) | (std::uint32_t{kWireVersion + 1u} << 24);
  ENetPeer* peer = enet_host_connect(raw, &to, 3, code);
  ASSERT_NE(peer, nullptr);
  std::uint32_t data = 0;
  bool disconnected = false;
  loop.each_frame = [&] {
    ENetEvent e;
    while (enet_host_service(raw, &e, 0) > 0) {
      if (e.type == ENET_EVENT_TYPE_DISCONNECT) {
        disconnected = true;
        data = e.data;
      }
    }
  };
  EXPECT_TRUE(loop.until([&] { return disconnected; }, 5s));
  EXPECT_EQ(net::decode_disconnect(data), DisconnectReason::VersionMismatch);
  EXPECT_EQ(server.connection_count(), 0u);
  loop.each_frame = nullptr;
  enet_host_destroy(raw);
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
  ASSERT_TRUE(next.connect(address_of(server), {}));
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
  ASSERT_TRUE(client.connect(address, cs));
  Loop loop;
  loop.clients = {&client};
  ASSERT_TRUE(loop.until([&] { return client.state() == ClientState::Disconnected; }, 3s));
  EXPECT_EQ(client.disconnect_reason(), DisconnectReason::Timeout);
  EXPECT_EQ(loop.client_events[0].last(EventType::Disconnected)->reason, DisconnectReason::Timeout);
}

TEST(Connect, BadAddressesAreClearErrors) {
  Client client;
  EXPECT_EQ(client.connect("127.0.0.1:0", {}).code, Errc::invalid_argument);
  EXPECT_EQ(client.connect("", {}).code, Errc::invalid_argument);
  EXPECT_EQ(client.connect("no-such-host.invalid:4000", {}).code, Errc::resolve_failed);
  EXPECT_EQ(client.state(), ClientState::Disconnected);
  EXPECT_EQ(client.send(0, bytes("x")).code, Errc::not_running);
}

TEST(Start, PortInUseIsAClearError) {
  Server first, second;
  ASSERT_TRUE(first.start(loopback_server()));
  ServerSettings s = loopback_server();
  s.port = first.port();
  const Status status = second.start(s);
  EXPECT_EQ(status.code, Errc::address_in_use) << status.message;
  EXPECT_NE(status.message.find(std::to_string(first.port())), std::string::npos) << status.message;
  EXPECT_FALSE(second.running());
}

TEST(Start, MalformedSimulationVariableIsRefused) {
  ::setenv("TICKWIRE_SIM", "lag=fast", 1);
  Server server;
  const Status status = server.start(loopback_server());
  ::unsetenv("TICKWIRE_SIM");
  EXPECT_EQ(status.code, Errc::invalid_settings);
  EXPECT_NE(status.message.find("TICKWIRE_SIM"), std::string::npos) << status.message;
  EXPECT_FALSE(server.running());
}

TEST(Start, InvalidSettingsAreRefused) {
  Server server;
  ServerSettings s = loopback_server();
  s.mtu = 100;
  EXPECT_EQ(server.start(s).code, Errc::invalid_settings);
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
  EXPECT_EQ(server.send(id, 3, ok).code, Errc::invalid_argument);
  EXPECT_EQ(server.send(id, 0, big).code, Errc::message_too_large);
  EXPECT_EQ(server.send(id + 1, 0, ok).code, Errc::unknown_connection);
  EXPECT_EQ(client.send(7, ok).code, Errc::invalid_argument);
  EXPECT_EQ(client.send(0, big).code, Errc::message_too_large);
  // Four fit in the queue; the fifth is refused until ENet releases some.
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(client.send(kChannelReliable, ok)) << i;
  EXPECT_EQ(client.stats().queued_bytes, 4000u);
  EXPECT_EQ(client.send(kChannelReliable, ok).code, Errc::queue_full);
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
  for (Client* client : loop.clients) ASSERT_TRUE(client->connect(address_of(server), {}));
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
