// Live sessions on loopback, attacked through a relay that sits between
// client and server (on path) and from sockets of their own (off path).
#include <enet/enet.h>

#include <algorithm>
#include <fstream>
#include <string>

#include "harness.hpp"
#include "hostile.hpp"
#include "relay.hpp"
#include "secure/crypto.hpp"
#include "secure/server_security.hpp"
#include "secure/token_format.hpp"

namespace tickwire::test {
namespace {

std::vector<std::uint8_t> as_bytes(const std::string& s) {
  return {s.begin(), s.end()};
}

struct Attack : ::testing::Test {
  Relay relay;
  Server server;
  Client client;
  Loop loop;
  std::vector<std::string> server_got;

  void SetUp() override {
    ServerSettings s = loopback_server();
    s.public_addresses = {relay.address()};  // clients reach us through the relay
    ASSERT_TRUE(server.start(s));
    relay.set_server_port(server.port());
    ClientSettings cs;
    ConnectTokenParams params;
    params.servers = {relay.address()};
    ASSERT_TRUE(make_connect_token(test_key(), params, cs.token));
    ASSERT_TRUE(client.connect(relay.address(), cs));
    loop.server = &server;
    loop.clients = {&client};
    loop.each_frame = [this] { relay.pump(); };
    loop.on_server_message = [this](const Event& e) { server_got.push_back(text(e.data)); };
    ASSERT_TRUE(
        loop.until([&] { return client.connected() && server.connection_count() == 1; }, 5s));
  }

  // The session still works: a message goes through both ways.
  void expect_alive(const std::string& marker) {
    ASSERT_TRUE(client.connected());
    const std::size_t before = loop.client_events[0].messages.size();
    ASSERT_TRUE(client.send(kChannelReliable, bytes(marker)));
    ASSERT_TRUE(loop.until([&] { return !server_got.empty() && server_got.back() == marker; }, 3s));
    ASSERT_TRUE(server.send(server.connections().at(0), kChannelReliable, bytes(marker)));
    ASSERT_TRUE(loop.until([&] { return loop.client_events[0].messages.size() > before; }, 3s));
  }

  std::vector<Datagram> recorded(bool to_server) const {
    std::vector<Datagram> out;
    for (const Datagram& d : relay.recorded)
      if (d.to_server == to_server) out.push_back(d);
    return out;
  }
};

TEST_F(Attack, EveryBitFlipOfRecordedDatagramsIsDroppedAndTheSessionGoesOn) {
  expect_alive("before");
  // One datagram of each kind each way: the handshake's, keep-alive, payloads.
  std::vector<Datagram> samples;
  std::array<bool, 16> seen_up{}, seen_down{};
  for (const Datagram& d : relay.recorded) {
    auto& seen = d.to_server ? seen_up : seen_down;
    const int type = d.bytes[0] & 0x0F;
    if (!seen[type]) samples.push_back(d);
    seen[type] = true;
  }
  ASSERT_GE(samples.size(), 5u)
      << "request, response, payload up; challenge, keep-alive, payload down";
  const HostStats server_before = server.host_stats();
  const HostStats client_before = client.host_stats();
  std::uint64_t up = 0, down = 0;
  for (const Datagram& d : samples) {
    for (std::size_t bit = 0; bit < d.bytes.size() * 8; ++bit) {
      auto flipped = d.bytes;
      flipped[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
      if (d.to_server) {
        relay.inject_to_server(flipped);
        ++up;
      } else {
        relay.inject_to_client(flipped);
        ++down;
      }
      if ((up + down) % 100 == 0) loop.step();
    }
  }
  loop.run_for(200ms);
  const HostStats server_after = server.host_stats();
  const HostStats client_after = client.host_stats();
  auto causes = [](const DropCounters& a, const DropCounters& b) {
    return "malformed " + std::to_string(a.malformed - b.malformed) + ", no_session " +
           std::to_string(a.no_session - b.no_session) + ", auth_failed " +
           std::to_string(a.auth_failed - b.auth_failed) + ", replayed " +
           std::to_string(a.replayed - b.replayed) + ", token_rejected " +
           std::to_string(a.token_rejected - b.token_rejected) + ", rate_limited " +
           std::to_string(a.rate_limited - b.rate_limited) + ", wire received ";
  };
  EXPECT_EQ(server_after.drops.total() - server_before.drops.total(), up)
      << "every tampered datagram to the server dropped and counted: "
      << causes(server_after.drops, server_before.drops)
      << server_after.wire_datagrams_received - server_before.wire_datagrams_received;
  // The client also drops the server's refusals of the tampered requests,
  // which the relay forwards to it.
  EXPECT_GE(client_after.drops.total() - client_before.drops.total(), down);
  EXPECT_GT(server_after.drops.auth_failed, server_before.drops.auth_failed);
  EXPECT_EQ(loop.server_events.count(EventType::Disconnected), 0);
  expect_alive("after");
  EXPECT_EQ(server_got, (std::vector<std::string>{"before", "after"})) << "nothing else delivered";
}

TEST_F(Attack, ReplayedDatagramsAreDroppedAndNothingIsDeliveredTwice) {
  for (int i = 0; i < 20; ++i)
    ASSERT_TRUE(client.send(kChannelReliable, bytes("m" + std::to_string(i))));
  ASSERT_TRUE(loop.until([&] { return server_got.size() == 20; }, 3s));
  const HostStats before = server.host_stats();
  const std::vector<Datagram> up = recorded(true);
  for (int round = 0; round < 3; ++round) {
    for (const Datagram& d : up) relay.inject_to_server(d.bytes);
    loop.run_for(100ms);
  }
  loop.run_for(300ms);
  EXPECT_EQ(server_got.size(), 20u) << "no message delivered twice";
  EXPECT_GT(server.host_stats().drops.replayed - before.drops.replayed, up.size());
  EXPECT_EQ(server.connection_count(), 1u);
  expect_alive("still");
}

TEST_F(Attack, AValidDatagramFromAnotherAddressIsDropped) {
  ASSERT_TRUE(client.send(kChannelReliable, bytes("original")));
  ASSERT_TRUE(loop.until([&] { return server_got.size() == 1; }, 3s));
  const std::vector<Datagram> up = recorded(true);
  const int spoofer = bound_udp();
  const HostStats before = server.host_stats();
  for (const Datagram& d : up) send_to(spoofer, server.port(), d.bytes);
  loop.run_for(300ms);
  EXPECT_EQ(server_got.size(), 1u);
  EXPECT_GE(server.host_stats().drops.no_session - before.drops.no_session, up.size() - 2)
      << "everything but the handshake's request and response (refused otherwise)";
  ::close(spoofer);
}

// A client's socket is connected to its server: the server's own datagrams,
// sent again from another address, never even reach the client's seam (the
// kernel drops them), and the session goes on.
TEST_F(Attack, AClientHearsOnlyItsServer) {
  ASSERT_TRUE(server.send(server.connections().at(0), kChannelReliable, bytes("original")));
  ASSERT_TRUE(loop.until([&] { return loop.client_events[0].messages.size() == 1; }, 3s));
  const std::vector<Datagram> down = recorded(false);
  ASSERT_FALSE(down.empty());
  const int spoofer = bound_udp();
  const HostStats before = client.host_stats();
  for (const Datagram& d : down) send_to(spoofer, client.local_port(), d.bytes);
  loop.run_for(200ms);
  const HostStats after = client.host_stats();
  EXPECT_EQ(after.drops.total() - before.drops.total(), 0u)
      << "none was read, so none had to be dropped";
  EXPECT_EQ(loop.client_events[0].messages.size(), 1u);
  expect_alive("still here");
  ::close(spoofer);
}

// ENet's own commands in clear: a DISCONNECT and an ACKNOWLEDGE, as an
// attacker would forge them, from off path and from the server's address.
TEST_F(Attack, ForgedEnetDisconnectAndAckAreIgnored) {
  std::vector<std::vector<std::uint8_t>> forged;
  for (std::uint16_t peer_id = 0; peer_id < 4; ++peer_id) {
    for (std::uint8_t session = 0; session < 4; ++session) {
      const auto peer = static_cast<std::uint16_t>(peer_id | (session << 12));
      // Header: peer id (big-endian), then a command: DISCONNECT (4), channel
      // 0xFF, reliable sequence 1, data 0.
      forged.push_back({static_cast<std::uint8_t>(peer >> 8), static_cast<std::uint8_t>(peer), 4,
                        0xFF, 0, 1, 0, 0, 0, 0});
      // ACKNOWLEDGE (1) of reliable sequence 1, sent time 0.
      forged.push_back({static_cast<std::uint8_t>(peer >> 8), static_cast<std::uint8_t>(peer), 1,
                        0xFF, 0, 1, 0, 1, 0, 0});
    }
  }
  const int off_path = bound_udp();
  const HostStats before = client.host_stats();
  for (const auto& d : forged) {
    send_to(off_path, relay.client_port(), d);  // off path: another source address
    relay.inject_to_client(d);                  // the server's address (spoofed source)
    send_to(off_path, server.port(), d);        // and at the server
  }
  loop.run_for(1s);
  // The off-path copies never reach the client (its socket is connected to
  // its server, so the kernel drops them); the spoofed ones are dropped.
  EXPECT_EQ(client.host_stats().drops.total() - before.drops.total(), forged.size());
  EXPECT_EQ(loop.client_events[0].count(EventType::Disconnected), 0);
  EXPECT_EQ(loop.server_events.count(EventType::Disconnected), 0);
  expect_alive("alive");
  ::close(off_path);
}

// Whoever holds the token key (every room-code holder does) and recorded a
// player's handshake computes every key it can from what it saw: none opens
// the session's datagrams, and none forges one the server takes.
TEST_F(Attack, TheTokenKeyAndARecordedHandshakeNeitherOpenNorForgeTheSession) {
  expect_alive("before");
  const std::vector<Datagram> up = recorded(true);
  const std::vector<Datagram> down = recorded(false);
  auto type_of = [](const Datagram& d) { return d.bytes[0] & 0x0F; };
  // The request, opened with the token key: the token's own keys.
  const auto request = std::find_if(up.begin(), up.end(), [&](const Datagram& d) {
    return d.bytes.size() == secure::kRequestBytes && type_of(d) == 0;
  });
  ASSERT_NE(request, up.end());
  secure::RequestView view;
  ASSERT_TRUE(secure::parse_request(request->bytes, view));
  secure::Key token_key;
  token_key.bytes = test_key().bytes();
  secure::PrivateToken token;
  ASSERT_TRUE(secure::open_private(token_key, view, token));
  // The challenge, opened with the token's server-to-client key: the
  // server's ephemeral public key and the challenge token's nonce.
  const auto challenge = std::find_if(down.begin(), down.end(), [&](const Datagram& d) {
    return type_of(d) == static_cast<int>(secure::PacketType::Challenge);
  });
  ASSERT_NE(challenge, down.end());
  secure::Header header;
  ASSERT_TRUE(secure::read_sealed_header(challenge->bytes, header));
  std::vector<std::uint8_t> body(challenge->bytes.size());
  std::size_t body_size = 0;
  ASSERT_TRUE(secure::open(header, token.server_to_client, view.protocol_id, challenge->bytes, body,
                           body_size));
  ASSERT_EQ(body_size, secure::kChallengeBodyBytes);
  const std::span<const std::uint8_t, secure::kKxPublicBytes> server_public(
      body.data() + secure::kAttemptBytes, secure::kKxPublicBytes);
  const std::span<const std::uint8_t, secure::kKxPublicBytes> client_public(view.kx_public,
                                                                            secure::kKxPublicBytes);
  // The suite the server chose, then the challenge token.
  const auto suite =
      static_cast<secure::Suite>(body[secure::kAttemptBytes + secure::kKxPublicBytes]);
  const std::uint8_t* nonce = body.data() + secure::kAttemptBytes + secure::kKxPublicBytes + 1;

  // Candidate keys per direction: the token's, the scheme before the key
  // exchange (token key and challenge nonce), and today's without the
  // exchange's secret.
  auto old_scheme = [&](const secure::Key& k, char direction) {
    std::array<std::uint8_t, 8 + secure::kXNonceBytes> m{'t', 'w', '-', 's', 'e', 's', 's', 0};
    m[7] = static_cast<std::uint8_t>(direction);
    std::copy(nonce, nonce + secure::kXNonceBytes, m.begin() + 8);
    secure::Key out;
    crypto_generichash(out.bytes.data(), out.bytes.size(), m.data(), m.size(), k.bytes.data(),
                       k.bytes.size());
    return out;
  };
  const std::array<std::uint8_t, secure::kKeyBytes> unknown{};
  auto candidates = [&](const secure::Key& k, secure::Direction d) {
    return std::vector<secure::Key>{
        k, old_scheme(k, static_cast<char>(d)),
        secure::session_key(k, d, suite, unknown, client_public, server_public)};
  };
  const auto c2s = candidates(token.client_to_server, secure::Direction::ClientToServer);
  const auto s2c = candidates(token.server_to_client, secure::Direction::ServerToClient);
  std::vector<std::uint8_t> plain(4096);
  std::size_t opened = 0, payloads = 0;
  for (const auto& [list, key_set] : {std::pair{&up, &c2s}, std::pair{&down, &s2c}}) {
    for (const Datagram& d : *list) {
      if (type_of(d) != static_cast<int>(secure::PacketType::Payload)) continue;
      ++payloads;
      secure::Header h;
      ASSERT_TRUE(secure::read_sealed_header(d.bytes, h));
      std::size_t n = 0;
      for (const secure::Key& k : *key_set) {
        secure::SessionCipher cipher;
        cipher.set(suite, k);
        opened += cipher.open(h, view.protocol_id, d.bytes, plain, n);
      }
    }
  }
  EXPECT_GT(payloads, 4u);
  EXPECT_EQ(opened, 0u) << "a recorded payload opened with a key computed from the handshake";

  // Forged: an ENet DISCONNECT of the player's connection under each candidate.
  const std::uint64_t auth_failed = server.host_stats().drops.auth_failed;
  const std::vector<std::uint8_t> disconnect = {0x80, 0x00, 0x12, 0x34, 0x84, 0xFF,
                                                0x00, 0x01, 0x00, 0x00, 0x00, 0x00};
  std::vector<std::uint8_t> forged(disconnect.size() + secure::kSealOverhead);
  for (const secure::Key& k : c2s) {
    secure::SessionCipher cipher;
    cipher.set(suite, k);
    const std::size_t n =
        cipher.seal(secure::PacketType::Payload, 1'000'000, view.protocol_id, disconnect, forged);
    relay.inject_to_server({forged.begin(), forged.begin() + static_cast<std::ptrdiff_t>(n)});
  }
  loop.run_for(300ms);
  EXPECT_EQ(server.host_stats().drops.auth_failed - auth_failed, c2s.size());
  expect_alive("after");
}

TEST_F(Attack, NothingOnTheWireContainsWhatTheGameSent) {
  const std::string marker = "TICKWIRE-MARKER-5F3A9C-do-not-leak";
  ASSERT_TRUE(client.send(kChannelReliable, bytes(marker)));
  ASSERT_TRUE(client.send(kChannelUnreliable, bytes(marker)));
  ASSERT_TRUE(loop.until([&] { return server_got.size() == 2; }, 3s));
  ASSERT_TRUE(server.send(server.connections().at(0), kChannelSequenced, bytes(marker)));
  ASSERT_TRUE(loop.until([&] { return loop.client_events[0].messages.size() == 1; }, 3s));
  const auto needle = as_bytes(marker);
  const auto fragment = as_bytes("MARKER-5F3A9C");
  ASSERT_GT(relay.recorded.size(), 5u);
  for (const Datagram& d : relay.recorded) {
    EXPECT_EQ(std::search(d.bytes.begin(), d.bytes.end(), needle.begin(), needle.end()),
              d.bytes.end());
    EXPECT_EQ(std::search(d.bytes.begin(), d.bytes.end(), fragment.begin(), fragment.end()),
              d.bytes.end());
  }
}

TEST(BareEnet, APlainEnetClientGetsNoConnectionAndNoReply) {
  Server server;
  ASSERT_TRUE(server.start(loopback_server()));
  ASSERT_EQ(enet_initialize(), 0);
  ENetHost* bare = enet_host_create(nullptr, 1, 2, 0, 0);
  ASSERT_NE(bare, nullptr);
  ENetAddress to{};
  to.host = htonl(INADDR_LOOPBACK);
  to.port = server.port();
  ASSERT_NE(enet_host_connect(bare, &to, 2, 0), nullptr);
  bool connected = false;
  Loop loop;
  loop.server = &server;
  loop.each_frame = [&] {
    ENetEvent e;
    while (enet_host_service(bare, &e, 0) > 0) connected |= e.type == ENET_EVENT_TYPE_CONNECT;
  };
  loop.run_for(2500ms);
  EXPECT_FALSE(connected);
  EXPECT_GT(bare->totalSentPackets, 1u) << "it tried (and retried)";
  EXPECT_EQ(bare->totalReceivedPackets, 0u) << "not one byte came back";
  EXPECT_EQ(server.connection_count(), 0u);
  EXPECT_GE(server.host_stats().drops.malformed + server.host_stats().drops.no_session,
            bare->totalSentPackets);
  enet_host_destroy(bare);
}

struct Refusal : ::testing::Test {
  Server server;
  Loop loop;
  DisconnectReason run(Client& client) {
    loop.server = &server;
    loop.clients = {&client};
    EXPECT_TRUE(loop.until([&] { return client.state() == ClientState::Disconnected; }, 5s));
    return client.disconnect_reason();
  }
};

TEST_F(Refusal, ExpiredTokenIsRefusedLocallyAndByTheServer) {
  ASSERT_TRUE(server.start(loopback_server()));
  ClientSettings cs;
  ConnectTokenParams params;
  params.servers = {address_of(server)};
  params.expires_in_s = 1;
  ASSERT_TRUE(make_connect_token(test_key(), params, cs.token));
  secure::PublicToken pub;
  ASSERT_TRUE(secure::parse_public(cs.token.bytes, pub));
  std::this_thread::sleep_for(std::chrono::milliseconds(2100));
  Client client;
  EXPECT_EQ(client.connect(address_of(server), cs).code, Errc::TokenExpired);
  // The server checks too (a client's clock may be wrong): send the request by hand.
  std::array<std::uint8_t, secure::kRequestBytes> request{};
  const std::array<std::uint8_t, secure::kAttemptBytes> attempt{9, 9, 9, 9, 9, 9, 9, 9};
  std::array<std::uint8_t, secure::kKxPublicBytes> kx{};
  kx.fill(7);  // any point but the few of low order
  secure::write_request(pub, attempt, kx, test_suites(), request);
  const int fd = bound_udp();
  send_to(fd, server.port(), {request.begin(), request.end()});
  std::vector<std::uint8_t> reply(2048);
  ssize_t got = -1;
  loop.server = &server;
  loop.until([&] { return (got = ::recv(fd, reply.data(), reply.size(), 0)) > 0; }, 2s);
  ASSERT_GT(got, 0);
  ASSERT_LT(got, static_cast<ssize_t>(request.size())) << "no amplification";
  secure::Header header;
  ASSERT_TRUE(secure::read_sealed_header({reply.data(), static_cast<std::size_t>(got)}, header));
  EXPECT_EQ(header.type, secure::PacketType::Denied);
  std::array<std::uint8_t, 16> plain{};
  std::size_t n = 0;
  ASSERT_TRUE(secure::open(header, pub.server_to_client, pub.protocol_id,
                           {reply.data(), static_cast<std::size_t>(got)}, plain, n));
  EXPECT_EQ(plain[0], static_cast<std::uint8_t>(secure::DenyReason::TokenExpired));
  ::close(fd);
}

TEST_F(Refusal, TokenForAnotherServerIsRefused) {
  ASSERT_TRUE(server.start(loopback_server()));
  ClientSettings cs;
  ConnectTokenParams params;
  params.servers = {"127.0.0.1:1"};
  ASSERT_TRUE(make_connect_token(test_key(), params, cs.token));
  Client client;
  const Status local = client.connect(address_of(server), cs);
  EXPECT_EQ(local.code, Errc::WrongServer) << local.message;
  // Through a relay the server does not know as its own: the server refuses.
  Relay relay;
  relay.set_server_port(server.port());
  params.servers = {relay.address()};
  ASSERT_TRUE(make_connect_token(test_key(), params, cs.token));
  ASSERT_TRUE(client.connect(relay.address(), cs));
  loop.each_frame = [&] { relay.pump(); };
  EXPECT_EQ(run(client), DisconnectReason::WrongServer);
}

TEST_F(Refusal, WrongRoomCodeIsRefusedAndTheRightOneGetsIn) {
  ServerSettings s = loopback_server();
  ASSERT_TRUE(TokenKey::from_room_code("amber-fox-92", s.protocol_id, s.token_key));
  ASSERT_TRUE(server.start(s));
  ClientSettings cs;
  ASSERT_TRUE(make_room_token("amber-fox-93", address_of(server), cs.protocol_id, cs.token));
  Client wrong;
  ASSERT_TRUE(wrong.connect(address_of(server), cs));
  EXPECT_EQ(run(wrong), DisconnectReason::TokenInvalid);
  ASSERT_TRUE(make_room_token("amber-fox-92", address_of(server), cs.protocol_id, cs.token));
  Client right;
  ASSERT_TRUE(right.connect(address_of(server), cs));
  loop.clients = {&right};
  EXPECT_TRUE(loop.until([&] { return right.connected(); }, 5s));
}

// 10,000 source addresses (127.1.x.y, all local) each send a connection
// request carrying a valid token. The server keeps no state for any of them
// and a real player still gets in and plays.
TEST(Flood, TenThousandSourcesDoNotGrowTheServerOrLockOutAPlayer) {
  Server server;
  ASSERT_TRUE(server.start(loopback_server()));
  ClientSettings stolen = client_for(server);
  secure::PublicToken pub;
  ASSERT_TRUE(secure::parse_public(stolen.token.bytes, pub));
  std::array<std::uint8_t, secure::kRequestBytes> request{};
  const std::array<std::uint8_t, secure::kAttemptBytes> attempt{9, 9, 9, 9, 9, 9, 9, 9};
  std::array<std::uint8_t, secure::kKxPublicBytes> kx{};
  kx.fill(7);  // any point but the few of low order
  secure::write_request(pub, attempt, kx, test_suites(), request);
  const std::vector<std::uint8_t> valid(request.begin(), request.end());
  std::vector<std::uint8_t> garbage(1024, 0x42);

  Loop loop;
  loop.server = &server;
  loop.run_for(50ms);
  const std::uint64_t rss_before = resident_kib();
  int sources = 0;
  for (int i = 0; i < 10'000; ++i) {
    const std::uint32_t ip =
        0x7F010000u | static_cast<std::uint32_t>(((i / 250) << 8) | (i % 250 + 1));
    const int fd = bound_udp(ip);
    if (fd < 0) continue;
    send_to(fd, server.port(), i % 2 ? valid : garbage);
    ::close(fd);
    ++sources;
    if (i % 100 == 99) loop.step();
  }
  loop.run_for(100ms);
  const std::uint64_t rss_after = resident_kib();
  EXPECT_EQ(sources, 10'000);
  const HostStats h = server.host_stats();
  EXPECT_GT(h.drops.rate_limited + h.drops.malformed + h.drops.token_rejected, 5'000u);
  EXPECT_LT(rss_after - rss_before, 2048u)
      << "RSS grew from " << rss_before << " KiB to " << rss_after << " KiB";
  EXPECT_EQ(server.connection_count(), 0u);

  Client player;
  ASSERT_TRUE(player.connect(address_of(server), client_for(server)));
  loop.clients = {&player};
  ASSERT_TRUE(loop.until([&] { return player.connected(); }, 5s));
  ASSERT_TRUE(player.send(kChannelReliable, bytes("gg")));
  ASSERT_TRUE(loop.until([&] { return loop.server_events.messages.size() == 1; }, 3s));
}

}  // namespace
}  // namespace tickwire::test
