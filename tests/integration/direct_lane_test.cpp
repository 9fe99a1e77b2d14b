// The direct lane: Unreliable lanes' messages that fit in one datagram
// travel as Direct packets beside ENet (docs/PROTOCOL.md, "The direct lane").
#include "harness.hpp"

namespace tickwire::test {
namespace {

std::vector<std::uint8_t> numbered(std::uint32_t n, std::size_t size) {
  std::vector<std::uint8_t> m(size, static_cast<std::uint8_t>(n * 7));
  for (int i = 0; i < 4 && i < static_cast<int>(size); ++i)
    m[i] = static_cast<std::uint8_t>(n >> (8 * i));
  return m;
}

std::uint32_t number_of(std::span<const std::uint8_t> m) {
  std::uint32_t n = 0;
  for (int i = 0; i < 4 && i < static_cast<int>(m.size()); ++i) n |= std::uint32_t{m[i]} << (8 * i);
  return n;
}

TEST(DirectLane, UnreliableMessagesTravelBesideEnetBothWays) {
  Server server;
  Client client;
  Loop loop;
  ASSERT_TRUE(start_and_connect(server, client, loop));
  const ConnectionId id = server.connections().front();
  const HostStats server_before = server.host_stats();
  const HostStats client_before = client.host_stats();
  std::vector<std::uint32_t> at_server, at_client;
  loop.on_server_message = [&](const Event& e) {
    EXPECT_EQ(e.connection, id);
    EXPECT_EQ(e.channel, kChannelUnreliable);
    EXPECT_EQ(e.data.size(), 100u);
    // Aligned as an ENet packet is, though several share a datagram.
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(e.data.data()) % 8, 0u);
    at_server.push_back(number_of(e.data));
    // The reply goes back the same way.
    ASSERT_TRUE(server.send(e.connection, kChannelUnreliable, e.data));
  };
  loop.on_client_message = [&](std::size_t, const Event& e) {
    EXPECT_EQ(e.channel, kChannelUnreliable);
    EXPECT_EQ(std::vector<std::uint8_t>(e.data.begin(), e.data.end()),
              numbered(number_of(e.data), 100));
    at_client.push_back(number_of(e.data));
  };
  std::uint32_t sent = 0;
  loop.each_frame = [&] {
    if (sent < 200) {
      ASSERT_TRUE(client.send(kChannelUnreliable, numbered(sent++, 100)));
    }
    client.flush();
    server.flush();
  };
  ASSERT_TRUE(loop.until([&] { return at_client.size() == 200; }, 5s));
  EXPECT_EQ(at_server.size(), 200u);
  for (std::uint32_t i = 0; i < 200; ++i) EXPECT_EQ(at_client[i], i);  // loopback keeps order
  const HostStats server_after = server.host_stats();
  const HostStats client_after = client.host_stats();
  // Every message went as a Direct packet: at least one per flush that had
  // one, and ENet sent far fewer datagrams than there were messages.
  EXPECT_GE(client_after.direct_datagrams_sent - client_before.direct_datagrams_sent, 100u);
  EXPECT_GE(server_after.direct_datagrams_received - server_before.direct_datagrams_received, 100u);
  EXPECT_GE(server_after.direct_datagrams_sent - server_before.direct_datagrams_sent, 100u);
  EXPECT_LT(client_after.seam_datagrams_sent - client_before.seam_datagrams_sent, 60u);
  EXPECT_EQ(server_after.drops.total(), 0u);
  EXPECT_EQ(client_after.drops.total(), 0u);
}

TEST(DirectLane, MessagesToOnePeerShareADatagramUntilItIsFull) {
  Server server;
  Client client;
  Loop loop;
  ASSERT_TRUE(start_and_connect(server, client, loop));
  std::vector<std::uint32_t> got;
  loop.on_server_message = [&](const Event& e) { got.push_back(number_of(e.data)); };
  const HostStats before = client.host_stats();
  // 10 x 100 bytes fit in one datagram (1400-byte MTU); 30 need three.
  for (std::uint32_t i = 0; i < 10; ++i)
    ASSERT_TRUE(client.send(kChannelUnreliable, numbered(i, 100)));
  client.flush();
  EXPECT_EQ(client.host_stats().direct_datagrams_sent - before.direct_datagrams_sent, 1u);
  for (std::uint32_t i = 10; i < 40; ++i)
    ASSERT_TRUE(client.send(kChannelUnreliable, numbered(i, 100)));
  client.flush();
  EXPECT_EQ(client.host_stats().direct_datagrams_sent - before.direct_datagrams_sent, 4u);
  ASSERT_TRUE(loop.until([&] { return got.size() == 40; }, 2s));
  for (std::uint32_t i = 0; i < 40; ++i) EXPECT_EQ(got[i], i);
}

TEST(DirectLane, LargeMessagesAndOtherLanesStayOnEnet) {
  Server server;
  Client client;
  Loop loop;
  ASSERT_TRUE(start_and_connect(server, client, loop));
  std::vector<std::pair<std::uint8_t, std::size_t>> got;
  loop.on_server_message = [&](const Event& e) { got.emplace_back(e.channel, e.data.size()); };
  const HostStats before = client.host_stats();
  ASSERT_TRUE(client.send(kChannelUnreliable, numbered(1, 1500)));  // over one datagram
  ASSERT_TRUE(client.send(kChannelReliable, numbered(2, 100)));
  ASSERT_TRUE(client.send(kChannelSequenced, numbered(3, 100)));
  client.flush();
  ASSERT_TRUE(loop.until([&] { return got.size() == 3; }, 2s));
  EXPECT_EQ(client.host_stats().direct_datagrams_sent, before.direct_datagrams_sent);
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got[0], (std::pair<std::uint8_t, std::size_t>{kChannelReliable, 100}));
  EXPECT_EQ(got[1], (std::pair<std::uint8_t, std::size_t>{kChannelSequenced, 100}));
  EXPECT_EQ(got[2], (std::pair<std::uint8_t, std::size_t>{kChannelUnreliable, 1500}));
}

// The lane is each end's own choice: a peer without it still takes Direct
// packets, and a host with a bandwidth limit or ENet's throttle sends its
// unreliable messages through ENet, which paces them.
TEST(DirectLane, EachEndChoosesAndTakesBoth) {
  for (int variant = 0; variant < 3; ++variant) {
    SCOPED_TRACE(variant);
    Server server;
    Client client;
    Loop loop;
    ClientSettings c;
    if (variant == 0) c.direct_lane = false;
    if (variant == 1) c.outgoing_bandwidth = 1'000'000;
    if (variant == 2) c.enet_throttle = true;
    ASSERT_TRUE(start_and_connect(server, client, loop, loopback_server(), c));
    int at_server = 0, at_client = 0;
    loop.on_server_message = [&](const Event& e) {
      ++at_server;
      ASSERT_TRUE(server.send(e.connection, kChannelUnreliable, e.data));
      server.flush();
    };
    loop.on_client_message = [&](std::size_t, const Event&) { ++at_client; };
    for (int i = 0; i < 5; ++i) ASSERT_TRUE(client.send(kChannelUnreliable, numbered(i, 50)));
    client.flush();
    ASSERT_TRUE(loop.until([&] { return at_client == 5; }, 2s));
    EXPECT_EQ(at_server, 5);
    EXPECT_EQ(client.host_stats().direct_datagrams_sent, 0u);
    EXPECT_GE(client.host_stats().direct_datagrams_received, 1u);  // the server's lane
  }
}

// Messages not polled before the next update() keep their place (and
// their bytes); the lane holds at most 256 a connection until the game
// polls, and counts what it refused.
TEST(DirectLane, UnpolledMessagesWaitAndAFloodIsBounded) {
  Server server;
  Client client;
  Loop loop;
  ASSERT_TRUE(start_and_connect(server, client, loop));
  for (std::uint32_t i = 0; i < 3; ++i)
    ASSERT_TRUE(client.send(kChannelUnreliable, numbered(i, 40)));
  client.flush();
  for (int i = 0; i < 5; ++i) {
    server.update();
    std::this_thread::sleep_for(2ms);
  }
  std::vector<std::uint32_t> got;
  Event e;
  while (server.poll(e))
    if (e.type == EventType::Message) got.push_back(number_of(e.data));
  EXPECT_EQ(got, (std::vector<std::uint32_t>{0, 1, 2}));

  // 600 messages, 12 to a datagram, while the server does not poll.
  for (std::uint32_t i = 0; i < 600; ++i) {
    ASSERT_TRUE(client.send(kChannelUnreliable, numbered(i, 100)));
    if (i % 50 == 49) client.flush();
  }
  client.flush();
  const std::uint64_t refused_before = server.host_stats().drops.direct_over_limit;
  for (int i = 0; i < 20; ++i) {
    server.update();
    std::this_thread::sleep_for(2ms);
  }
  std::size_t delivered = 0;
  while (server.poll(e)) delivered += e.type == EventType::Message;
  EXPECT_LE(delivered, 256u);
  EXPECT_GE(delivered, 200u);
  EXPECT_GT(server.host_stats().drops.direct_over_limit, refused_before);
  EXPECT_EQ(server.stats(server.connections().front()).drops.direct_over_limit,
            server.host_stats().drops.direct_over_limit);
  // Once polled, the lane takes messages again.
  ASSERT_TRUE(client.send(kChannelUnreliable, numbered(9999, 10)));
  client.flush();
  bool again = false;
  loop.on_server_message = [&](const Event& m) { again |= number_of(m.data) == 9999; };
  EXPECT_TRUE(loop.until([&] { return again; }, 2s));
}

// A message a server sends at once after accepting may overtake its
// reliable welcome (here the welcome is lost and resent): the client
// reports Connected, then the message.
TEST(DirectLane, AMessageBeforeTheWelcomeConnectsTheClient) {
  Server server;
  Client client;
  ASSERT_TRUE(server.start(loopback_server()));
  ASSERT_TRUE(client.connect(address_of(server), client_for(server)));
  std::vector<EventType> seen;
  std::string text_seen;
  const auto end = Clock::now() + 5s;
  bool sent = false;
  while (Clock::now() < end && text_seen.empty()) {
    server.update();
    Event e;
    while (server.poll(e)) {
      if (e.type != EventType::Connected) continue;
      // The welcome ENet queued for this connection is lost on the way...
      LinkConditionerSettings lossy;
      lossy.outgoing.loss_pct = 100;
      ASSERT_TRUE(server.set_conditioner(lossy));
      server.flush();
      ASSERT_TRUE(server.set_conditioner({}));
      // ...and the game's first message is not.
      ASSERT_TRUE(server.send(e.connection, kChannelUnreliable, bytes("first")));
      sent = true;
    }
    server.flush();
    client.update();
    while (client.poll(e)) {
      seen.push_back(e.type);
      if (e.type == EventType::Message) text_seen = text(e.data);
    }
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_TRUE(sent);
  EXPECT_EQ(text_seen, "first");
  ASSERT_GE(seen.size(), 2u);
  EXPECT_EQ(seen[0], EventType::Connected);
  EXPECT_EQ(seen[1], EventType::Message);
  EXPECT_GT(server.host_stats().drops.conditioner_loss, 0u);  // the welcome did go missing
}

// ENet agrees an MTU with each peer, which may be below the host's: the
// lane keeps to it, and a message over it goes through ENet.
TEST(DirectLane, KeepsToTheMtuAgreedWithEachPeer) {
  Server server;
  Client client;
  Loop loop;
  ClientSettings c;
  c.mtu = 700;
  ASSERT_TRUE(start_and_connect(server, client, loop, loopback_server(), c));
  const ConnectionId id = server.connections().front();
  std::vector<std::size_t> got;
  loop.on_client_message = [&](std::size_t, const Event& e) { got.push_back(e.data.size()); };
  const HostStats before = server.host_stats();
  // Ten of 100 bytes: two datagrams at this peer's MTU (one at the server's 1400).
  for (std::uint32_t i = 0; i < 10; ++i)
    ASSERT_TRUE(server.send(id, kChannelUnreliable, numbered(i, 100)));
  server.flush();
  EXPECT_EQ(server.host_stats().direct_datagrams_sent - before.direct_datagrams_sent, 2u);
  // 800 bytes fit the server's MTU but not this peer's: ENet carries it.
  ASSERT_TRUE(server.send(id, kChannelUnreliable, numbered(99, 800)));
  server.flush();
  EXPECT_EQ(server.host_stats().direct_datagrams_sent - before.direct_datagrams_sent, 2u);
  ASSERT_TRUE(loop.until([&] { return got.size() == 11; }, 2s));
  EXPECT_EQ(std::count(got.begin(), got.end(), 800u), 1);
  EXPECT_EQ(server.host_stats().drops.total(), 0u);
}

// Within one millisecond update() leaves ENet alone when only Direct packets
// arrived; a datagram for ENet behind them is still read in that update().
TEST(DirectLane, AnEnetDatagramAmongDirectOnesIsReadInTheSameUpdate) {
  Server server;
  Client client;
  Loop loop;
  ASSERT_TRUE(start_and_connect(server, client, loop));
  for (int trial = 0; trial < 20; ++trial) {
    SCOPED_TRACE(trial);
    server.update();  // ENet serviced now; the next update() is likely in the same ms
    ASSERT_TRUE(client.send(kChannelUnreliable, bytes("d1")));
    client.flush();
    ASSERT_TRUE(client.send(kChannelReliable, bytes("enet")));
    client.flush();
    ASSERT_TRUE(client.send(kChannelUnreliable, bytes("d2")));
    client.flush();
    server.update();
    std::vector<std::string> got;
    Event e;
    while (server.poll(e))
      if (e.type == EventType::Message) got.push_back(text(e.data));
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, (std::vector<std::string>{"d1", "d2", "enet"}));
    client.update();  // takes the server's acknowledgement
    while (client.poll(e)) {
    }
  }
}

}  // namespace
}  // namespace tickwire::test
