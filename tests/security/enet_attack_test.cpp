// Attacks by an authenticated client (docs/SECURITY.md, "A hostile client"):
// each test runs one attack of the review on loopback against a live server
// while a legitimate player plays on, and asserts the server's memory bound,
// that the player keeps receiving, and the counters that name the refusal.
#include <gtest/gtest.h>

#include <sys/resource.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "hostile.hpp"
#include "relay.hpp"
#include "secure/crypto.hpp"

namespace tickwire::test {
namespace {

using namespace socket::enet_wire;

// Memory the attacks may add to the whole process (server, attackers and
// the test's own traffic), KiB. Unguarded, each attack below costs ENet
// 1.3.17 hundreds of MiB.
constexpr std::uint64_t kGrowthLimitKib = 32 * 1024;

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// What the process had before an attack.
struct Before {
  std::uint64_t rss_kib;
  double cpu_s;
  DropCounters drops;
};

// Reports what an attack cost (not asserted: the limits are asserted next
// to each call), for docs/SECURITY.md.
void report(const char* attack, const Before& before) {
  std::printf("[ measured ] %s: resident memory %+lld KiB, process CPU %.3f s\n", attack,
              static_cast<long long>(resident_kib()) - static_cast<long long>(before.rss_kib),
              cpu_seconds() - before.cpu_s);
}

struct HostileClient : ::testing::Test {
  Server server;
  Client player;
  Loop loop;
  std::vector<std::string> log;
  std::uint64_t heartbeat = 0;
  Clock::time_point last_heartbeat_seen = Clock::now();
  std::chrono::milliseconds longest_gap{0};

  void start(ServerSettings s = loopback_server()) {
    s.log = [this](const std::string& line) { log.push_back(line); };
    ASSERT_TRUE(server.start(s));
    ClientSettings cs;
    cs.connect_timeout_ms = 15000;
    ASSERT_TRUE(player.connect(address_of(server), client_for(server, cs)));
    loop.server = &server;
    loop.clients = {&player};
    // The server sends the player a heartbeat every frame; the gap between
    // two that arrive is what the player feels of an attack.
    loop.each_frame = [this] {
      const std::vector<ConnectionId> ids = server.connections();
      if (!ids.empty()) {
        const std::string beat = "beat " + std::to_string(++heartbeat);
        for (ConnectionId id : ids) (void)server.send(id, kChannelUnreliable, bytes(beat));
      }
    };
    loop.on_client_message = [this](std::size_t, const Event&) {
      const auto now = Clock::now();
      longest_gap = std::max(longest_gap, std::chrono::duration_cast<std::chrono::milliseconds>(
                                              now - last_heartbeat_seen));
      last_heartbeat_seen = now;
    };
    ASSERT_TRUE(
        loop.until([&] { return player.connected() && server.connection_count() == 1; }, 5s));
    loop.run_for(100ms);
    longest_gap = 0ms;
  }

  // Pumps the loop and the attackers for `span`.
  void run(std::chrono::milliseconds span, const std::vector<Hostile*>& attackers) {
    const auto end = Clock::now() + span;
    while (Clock::now() < end) {
      for (Hostile* h : attackers) h->pump();
      loop.step();
      std::this_thread::sleep_for(1ms);
    }
  }

  ENetPeer* connect_hostile(Hostile& h) {
    ENetPeer* peer = h.connect();
    EXPECT_NE(peer, nullptr);
    const bool up = loop.until(
        [&] {
          h.pump();
          return peer->state == ENET_PEER_STATE_CONNECTED;
        },
        5s);
    EXPECT_TRUE(up) << "the hostile client's ENet connection";
    run(100ms, {&h});
    return peer;
  }

  // The player is still connected and was never starved of heartbeats for long.
  void expect_player_played_on() {
    const std::uint64_t before = heartbeat;
    run(300ms, {});
    EXPECT_TRUE(player.connected());
    EXPECT_GT(heartbeat, before);
    EXPECT_LT(longest_gap.count(), 1000) << "the player stopped receiving during the attack";
    EXPECT_LT(
        std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - last_heartbeat_seen)
            .count(),
        200);
  }

  Before before_attack() const {
    return {resident_kib(), cpu_seconds(), server.host_stats().drops};
  }

  bool logged(const std::string& words) const {
    return std::any_of(log.begin(), log.end(),
                       [&](const std::string& l) { return l.find(words) != std::string::npos; });
  }
};

TEST_F(HostileClient, FragmentsClaimingAMillionPartsCostNothing) {
  start();
  Hostile h(server);
  ENetPeer* peer = connect_hostile(h);
  const Before before = before_attack();
  const std::uint16_t next =
      static_cast<std::uint16_t>(peer->channels[0].outgoingReliableSequenceNumber + 1);
  const std::uint16_t reliable_now = peer->channels[0].outgoingReliableSequenceNumber;
  // 2 x 100 datagrams x 32 fragment starts, each claiming 2^20 parts of a
  // 1-byte message: ENet 1.3.17 would allocate a 128 KiB bitmap for each (800 MiB).
  int datagrams = 0;
  for (const std::uint8_t type : {kSendFragment, kSendUnreliableFragment}) {
    for (int n = 0; n < 100; ++n) {
      std::vector<std::uint8_t> d = Hostile::header(peer);
      for (int i = 0; i < 32; ++i) {
        const auto start = static_cast<std::uint16_t>(next + n * 32 + i);
        send_fragment(d, type, type == kSendFragment ? start : reliable_now, start, 1u << 20, 0, 1,
                      0, 1);
      }
      h.send_raw(d);
      ++datagrams;
      if (n % 8 == 0) loop.step();
    }
  }
  run(300ms, {&h});
  const DropCounters after = server.host_stats().drops;
  report("6,400 forged fragment starts", before);
  EXPECT_GE(after.enet_malformed - before.drops.enet_malformed,
            static_cast<std::uint64_t>(datagrams));
  EXPECT_LT(resident_kib() - std::min(resident_kib(), before.rss_kib), kGrowthLimitKib);
  expect_player_played_on();
}

TEST_F(HostileClient, ConsistentFragmentsOfManyLargeMessagesStayWithinTheReceiveBuffer) {
  start();
  Hostile h(server);
  ENetPeer* peer = connect_hostile(h);
  const Before before = before_attack();
  // Well-formed first fragments of 1 MiB messages, as many as ENet's
  // reliable window takes (36 MiB if ENet held them all): ENet must stop
  // at max_receive_buffer_bytes (2 MiB by default).
  const std::uint32_t part = peer->mtu - kFragmentOverhead;
  const std::uint32_t total = 1u << 20;
  const std::uint32_t count = (total + part - 1) / part;
  std::uint16_t sequence =
      static_cast<std::uint16_t>(peer->channels[0].outgoingReliableSequenceNumber + 1);
  for (std::uint32_t n = 0; (n + 1) * count < 7 * 4096; ++n) {
    std::vector<std::uint8_t> d = Hostile::header(peer);
    send_fragment(d, kSendFragment, sequence, sequence, count, 0, total, 0, part);
    sequence = static_cast<std::uint16_t>(sequence + count);
    h.send_raw(d);
    loop.step();
  }
  run(300ms, {&h});
  report("first fragments of 36 messages of 1 MiB", before);
  // (Resident memory undercounts this one: ENet allocates each message
  // whole but touches only what arrived. Its own account is exact.)
  std::uint64_t buffered = 0;
  for (ConnectionId id : server.connections())
    buffered = std::max(buffered, server.stats(id).receive_buffer_bytes);
  std::printf("[ measured ] the attacker's connection holds %llu bytes in ENet\n",
              static_cast<unsigned long long>(buffered));
  const TransportSettings defaults;
  EXPECT_GT(buffered, 0u);
  EXPECT_LE(buffered, defaults.max_receive_buffer_bytes + defaults.max_message_bytes);
  EXPECT_LT(resident_kib() - std::min(resident_kib(), before.rss_kib), 8u * 1024);
  expect_player_played_on();
}

TEST_F(HostileClient, OneSessionCarriesOneConnection) {
  start();
  Hostile h(server, 40);
  for (int i = 0; i < 40; ++i) ASSERT_NE(h.connect(), nullptr);
  run(2s, {&h});
  int connected = 0;
  for (std::size_t i = 0; i < h.enet()->peerCount; ++i)
    connected += h.enet()->peers[i].state == ENET_PEER_STATE_CONNECTED;
  EXPECT_EQ(connected, 1) << "one ENet connection for the session";
  EXPECT_EQ(server.connection_count(), 2u) << "the player and the attacker's one connection";
  EXPECT_GE(server.host_stats().drops.connect_refused, 39u);
  // Players with tokens of their own still get in.
  std::vector<std::unique_ptr<Client>> others;
  for (int i = 0; i < 3; ++i) {
    others.push_back(std::make_unique<Client>());
    ASSERT_TRUE(others.back()->connect(address_of(server), client_for(server)));
    loop.clients.push_back(others.back().get());
  }
  EXPECT_TRUE(loop.until(
      [&] {
        h.pump();
        return std::all_of(others.begin(), others.end(), [](auto& c) { return c->connected(); });
      },
      5s));
  expect_player_played_on();
}

TEST_F(HostileClient, HalfOpenConnectionsAreResetAndTheirSessionsEnd) {
  ServerSettings s = loopback_server(4);  // 4 slots and 16 spare ENet peers
  s.max_sessions_per_address = 0;         // this test is about time, not addresses
  start(s);
  std::vector<std::unique_ptr<Hostile>> attackers;
  std::vector<Hostile*> all;
  for (int i = 0; i < 19; ++i) {  // with the player's, every ENet peer
    attackers.push_back(std::make_unique<Hostile>(server));
    all.push_back(attackers.back().get());
  }
  ASSERT_TRUE(loop.until(
      [&] {
        for (Hostile* h : all) h->pump();
        return std::all_of(all.begin(), all.end(), [](Hostile* h) { return h->session_up(); });
      },
      5s));
  // Each sends a CONNECT and never acknowledges the server's answer.
  std::uint32_t id = 1;
  for (Hostile* h : all) h->send_connect(id++);
  run(500ms, all);
  // The server is full for now...
  Client early;
  ASSERT_TRUE(early.connect(address_of(server), client_for(server)));
  loop.clients.push_back(&early);
  EXPECT_TRUE(loop.until([&] { return early.state() == ClientState::Disconnected; }, 3s));
  EXPECT_EQ(early.disconnect_reason(), DisconnectReason::ServerFull);
  // ...until the half-open connections are reset, about 3 to 4 s after they began.
  EXPECT_TRUE(loop.until(
      [&] {
        for (Hostile* h : all) h->pump();
        return server.host_stats().joins.of(JoinRefusal::NeverConnected) >= 19;
      },
      5s));
  EXPECT_TRUE(logged("did not complete the connection in time"));
  Client late;
  ASSERT_TRUE(late.connect(address_of(server), client_for(server)));
  loop.clients.push_back(&late);
  EXPECT_TRUE(loop.until(
      [&] {
        for (Hostile* h : all) h->pump();
        return late.connected();
      },
      5s));
  expect_player_played_on();
}

TEST_F(HostileClient, SessionsThatNeverConnectEndAndKeepAlivesDoNotHoldThem) {
  ServerSettings s = loopback_server(4);  // 20 sessions at most
  s.max_sessions_per_address = 0;
  start(s);
  std::vector<std::unique_ptr<Hostile>> attackers;
  std::vector<Hostile*> all;
  for (int i = 0; i < 24; ++i) {
    attackers.push_back(std::make_unique<Hostile>(server));
    all.push_back(attackers.back().get());
  }
  // Sessions never connect ENet; a sealed 1-byte datagram every 200 ms
  // tried to keep them alive.
  const auto keep_alive = [&] {
    for (Hostile* h : all)
      if (h->session_up()) h->send_raw({0x00});
  };
  for (int i = 0; i < 15; ++i) {
    run(200ms, all);
    keep_alive();
  }
  // 3 s in: the table is full (a player is told so)...
  EXPECT_GT(server.host_stats().drops.enet_malformed, 0u) << "the keep-alives reach no one";
  Client refused;
  ASSERT_TRUE(refused.connect(address_of(server), client_for(server)));
  loop.clients.push_back(&refused);
  EXPECT_TRUE(loop.until([&] { return refused.state() == ClientState::Disconnected; }, 3s));
  EXPECT_EQ(refused.disconnect_reason(), DisconnectReason::ServerFull);
  // ...and at 5 s the sessions end, keep-alives or not.
  for (int i = 0; i < 20; ++i) {
    run(200ms, all);
    keep_alive();
  }
  EXPECT_GE(server.host_stats().joins.of(JoinRefusal::NeverConnected), 19u);
  Client late;
  ASSERT_TRUE(late.connect(address_of(server), client_for(server)));
  loop.clients.push_back(&late);
  EXPECT_TRUE(loop.until([&] { return late.connected(); }, 5s));
  expect_player_played_on();
}

TEST_F(HostileClient, ReverseOrderReliableMessagesAreBoundedPerChannel) {
  start();
  Hostile h(server);
  ENetPeer* peer = connect_hostile(h);
  const Before before = before_attack();
  const std::uint16_t base = peer->channels[0].outgoingReliableSequenceNumber;
  // 28,000 one-byte reliable messages, newest first, the first one never sent.
  int sent = 0;
  for (int seq = 28000; seq >= 2;) {
    std::vector<std::uint8_t> d = Hostile::header(peer);
    for (int i = 0; i < 32 && seq >= 2; ++i, --seq) {
      send_reliable(d, 0, static_cast<std::uint16_t>(base + seq), 1);
      ++sent;
    }
    h.send_raw(d);
    if (seq % 640 == 0) loop.step();
  }
  run(500ms, {&h});
  report("28,000 reliable messages in reverse order", before);
  const DropCounters after = server.host_stats().drops;
  // Only the first 256 could be queued (GuardLimits::queue_cap).
  EXPECT_GE(after.enet_over_limit - before.drops.enet_over_limit,
            static_cast<std::uint64_t>((sent - 256) / 32));
  EXPECT_LT(resident_kib() - std::min(resident_kib(), before.rss_kib), kGrowthLimitKib);
  expect_player_played_on();
}

TEST_F(HostileClient, AConnectAskingForOtherChannelsIsRefused) {
  start();
  Hostile h(server);
  ENetPeer* peer = h.connect(1);  // the right connect code, one channel
  ASSERT_NE(peer, nullptr);
  run(1500ms, {&h});
  EXPECT_EQ(server.connection_count(), 1u) << "only the player";
  EXPECT_GE(server.host_stats().joins.of(JoinRefusal::ProtocolMismatch), 1u);
  EXPECT_TRUE(logged("another game, channel layout or wire version"));
  expect_player_played_on();
}

TEST_F(HostileClient, OneAddressHoldsAtMostItsShareOfSessions) {
  ServerSettings s = loopback_server(16);
  s.max_sessions_per_address = 3;  // the player holds one
  start(s);
  std::vector<std::unique_ptr<Hostile>> attackers;
  std::vector<Hostile*> all;
  for (int i = 0; i < 6; ++i) {
    attackers.push_back(std::make_unique<Hostile>(server));
    all.push_back(attackers.back().get());
  }
  run(1500ms, all);
  const auto up = std::count_if(all.begin(), all.end(), [](Hostile* h) { return h->session_up(); });
  EXPECT_EQ(up, 2);
  for (Hostile* h : all) {
    if (!h->session_up()) {
      EXPECT_EQ(h->denied(), secure::DenyReason::AddressLimit);
    }
  }
  // A client of the engine is told why.
  Client more;
  ASSERT_TRUE(more.connect(address_of(server), client_for(server)));
  loop.clients.push_back(&more);
  EXPECT_TRUE(loop.until([&] { return more.state() == ClientState::Disconnected; }, 3s));
  EXPECT_EQ(more.disconnect_reason(), DisconnectReason::AddressLimit);
  EXPECT_GE(server.host_stats().joins.of(JoinRefusal::AddressLimit), 5u);
  EXPECT_TRUE(logged("too many connections from that address"));
  expect_player_played_on();
}

TEST_F(HostileClient, RefusalsAreLoggedAtABoundedRate) {
  start();
  // 300 requests with tokens the server cannot open, as fast as they go.
  const TokenKey other = TokenKey::generate();
  ConnectTokenParams params;
  params.servers = {address_of(server)};
  ConnectToken token;
  ASSERT_TRUE(make_connect_token(other, params, token));
  secure::PublicToken pub;
  ASSERT_TRUE(secure::parse_public(token.bytes, pub));
  std::array<std::uint8_t, secure::kRequestBytes> request{};
  const std::array<std::uint8_t, secure::kAttemptBytes> attempt{};
  std::array<std::uint8_t, secure::kKxPublicBytes> kx{};
  kx.fill(7);
  secure::write_request(pub, attempt, kx, test_suites(), request);
  const int fd = bound_udp();
  const auto started = Clock::now();
  for (int i = 0; i < 300; ++i) {
    send_to(fd, server.port(), {request.begin(), request.end()});
    if (i % 20 == 0) loop.step();
  }
  loop.run_for(300ms);
  ::close(fd);
  const double seconds = std::chrono::duration<double>(Clock::now() - started).count();
  EXPECT_GE(server.host_stats().joins.of(JoinRefusal::TokenInvalid), 250u);
  EXPECT_TRUE(logged("wrong room code or token key"));
  EXPECT_LE(static_cast<double>(log.size()), 20 + 10 * seconds + 1) << "rate-limited";
  // What was held back is counted in the next line that is written.
  loop.run_for(200ms);
  const int again = bound_udp();
  send_to(again, server.port(), {request.begin(), request.end()});
  loop.run_for(100ms);
  ::close(again);
  EXPECT_TRUE(logged("earlier lines held back"));
}

// Direct packets (the direct lane) are authenticated, but what they say is
// not trusted: a connection they do not belong to, a lane that is not
// Unreliable, bad framing, each refuses the datagram whole and counts it.
TEST_F(HostileClient, ForgedDirectPacketsAreRefusedWhole) {
  start();
  Hostile h(server);
  ENetPeer* peer = connect_hostile(h);
  std::vector<std::string> heard;
  loop.on_server_message = [&](const Event& e) { heard.push_back(text(e.data)); };
  const auto field =
      static_cast<std::uint16_t>(peer->outgoingPeerID | (peer->outgoingSessionID << 12));
  auto direct = [](std::uint16_t head, std::vector<std::uint8_t> frames) {
    std::vector<std::uint8_t> d = {static_cast<std::uint8_t>(head & 0xFF),
                                   static_cast<std::uint8_t>(head >> 8)};
    d.insert(d.end(), frames.begin(), frames.end());
    return d;
  };
  auto frame = [](std::uint8_t channel, const std::string& message) {
    std::vector<std::uint8_t> f = {channel, static_cast<std::uint8_t>(message.size())};
    f.insert(f.end(), message.begin(), message.end());
    return f;
  };
  // Authentic and well formed: heard.
  h.send_direct(direct(field, frame(kChannelUnreliable, "hostile hello")));
  run(100ms, {&h});
  ASSERT_EQ(std::count(heard.begin(), heard.end(), "hostile hello"), 1);

  const DropCounters before = server.host_stats().drops;
  std::vector<std::uint8_t> both = frame(kChannelUnreliable, "half");
  const std::vector<std::uint8_t> bad = frame(kChannelReliable, "half");
  both.insert(both.end(), bad.begin(), bad.end());
  const std::vector<std::vector<std::uint8_t>> forged = {
      direct(field ^ 1, frame(kChannelUnreliable, "x")),          // another peer index
      direct(field ^ (1 << 12), frame(kChannelUnreliable, "x")),  // another ENet session
      direct(field | (1 << 15), frame(kChannelUnreliable, "x")),  // bits above the session
      direct(field, frame(kChannelReliable, "x")),                // a reliable lane
      direct(field, frame(kChannelSequenced, "x")),               // a sequenced lane
      direct(field, frame(3, "x")),                               // the control lane
      direct(field, frame(200, "x")),                             // no such lane
      direct(field, {kChannelUnreliable, 9, 'a'}),                // longer than the rest
      direct(field, {kChannelUnreliable, 0x81, 0x00, 'a'}),       // a length not in its
                                                                  // shortest form
      direct(field, {}),                                          // no message
      direct(field, both),                                        // one good, one bad
      {0x01},                                                     // shorter than the head
  };
  for (const auto& d : forged) h.send_direct(d);
  run(200ms, {&h});
  const DropCounters after = server.host_stats().drops;
  EXPECT_EQ(after.direct_refused - before.direct_refused, forged.size());
  EXPECT_EQ(std::count(heard.begin(), heard.end(), "half"), 0);
  EXPECT_EQ(std::count(heard.begin(), heard.end(), "x"), 0);
  EXPECT_EQ(heard.size(), 1u);

  // A session whose ENet connection was never made carries no direct lane.
  Hostile lone(server);
  ASSERT_TRUE(loop.until(
      [&] {
        lone.pump();
        return lone.session_up();
      },
      5s));
  lone.send_direct(direct(0, frame(kChannelUnreliable, "lone")));
  run(100ms, {&h, &lone});
  EXPECT_EQ(server.host_stats().drops.direct_refused - after.direct_refused, 1u);
  EXPECT_EQ(std::count(heard.begin(), heard.end(), "lone"), 0);
  expect_player_played_on();
}

}  // namespace
}  // namespace tickwire::test
