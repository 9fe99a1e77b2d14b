// The secure stages driven directly, with real keys and a fake wire: every
// packet type of a recorded handshake and session is tampered with bit by
// bit, replayed and misdirected, and every attempt must be dropped.
#include <arpa/inet.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <map>
#include <memory>
#include <vector>

#include "secure/client_security.hpp"
#include "secure/server_security.hpp"
#include "test_suites.hpp"
#include "tickwire/token.hpp"

namespace tickwire::secure {
namespace {

using socket::Endpoint;
using Bytes = std::vector<std::uint8_t>;

struct FakeWire : socket::Wire {
  std::vector<std::pair<Endpoint, Bytes>> sent;
  DropCounters drops;
  void transmit(Endpoint to, std::span<const std::uint8_t> d) override {
    sent.emplace_back(to, Bytes(d.begin(), d.end()));
  }
  void drop(Endpoint, std::uint64_t DropCounters::*cause) override { ++(drops.*cause); }
  // A capture's side: whether one records, and the duplicates reported to it.
  bool capturing = false;
  std::vector<Bytes> replays;
  bool recording(Endpoint) const noexcept override { return capturing; }
  void replayed(Endpoint, std::span<const std::uint8_t> plain, std::uint64_t) override {
    replays.emplace_back(plain.begin(), plain.end());
  }
  Bytes take() {
    EXPECT_FALSE(sent.empty());
    if (sent.empty()) return {};
    Bytes b = sent.back().second;
    sent.clear();
    return b;
  }
};

Endpoint ep(std::uint8_t last, std::uint16_t port) {
  return Endpoint{htonl(0x7F000000u | last), port};
}

const Endpoint kServer = ep(1, 4000);
const Endpoint kClient = ep(1, 5000);
constexpr std::uint64_t kProtocol = 77;

struct World {
  TokenKey key = TokenKey::generate();
  ConnectToken token;
  PublicToken pub;
  FakeWire server_wire, client_wire;
  std::unique_ptr<ServerSecurity> server;
  std::unique_ptr<ClientSecurity> client;
  std::map<std::string, Bytes> recorded;  // one datagram of each kind
  std::uint64_t now = 1'000'000;
  Bytes out = Bytes(8192);

  explicit World(std::vector<std::string> servers = {"127.0.0.1:4000"}) {
    ConnectTokenParams params;
    params.client_id = 99;
    params.protocol_id = kProtocol;
    params.servers = std::move(servers);
    params.user_data[3] = 0x33;
    EXPECT_TRUE(make_connect_token(key, params, token));
    EXPECT_TRUE(parse_public(token.bytes, pub));
    server = make_server();
    client = make_client();
  }
  std::unique_ptr<ServerSecurity> make_server(
      std::uint32_t max_sessions = 4,
      const std::function<void(ServerSecurityConfig&)>& adjust = nullptr) {
    ServerSecurityConfig config;
    config.suites = test_suites();
    config.suites = test_suites();
    config.protocol_id = kProtocol;
    config.token_key.bytes = key.bytes();
    config.public_endpoints = {kServer};
    config.max_sessions = max_sessions;
    if (adjust) adjust(config);
    auto s = std::make_unique<ServerSecurity>(std::move(config));
    s->attach(&server_wire);
    return s;
  }
  std::unique_ptr<ClientSecurity> make_client() {
    auto c = std::make_unique<ClientSecurity>(pub, kServer, test_suites());
    c->attach(&client_wire);
    return c;
  }
  std::size_t to_server(const Bytes& d, Endpoint from = kClient) {
    return server->open(from, d, out, now);
  }
  std::size_t to_client(const Bytes& d, ClientSecurity* c = nullptr) {
    return (c ? c : client.get())->open(kServer, d, out, now);
  }
  // The whole handshake, recording each packet, then one payload each way.
  void establish() {
    client->tick(now);
    recorded["request"] = client_wire.take();
    EXPECT_EQ(to_server(recorded["request"]), 0u);
    recorded["challenge"] = server_wire.take();
    EXPECT_EQ(to_client(recorded["challenge"]), 0u);
    recorded["response"] = client_wire.take();
    EXPECT_EQ(to_server(recorded["response"]), 0u);
    EXPECT_EQ(server->session_count(), 1u);
    recorded["keepalive"] = server_wire.take();
    EXPECT_EQ(to_client(recorded["keepalive"]), 0u);
    EXPECT_EQ(client->state(), ClientSecurity::State::Established);
    const Bytes hello = {'h', 'e', 'l', 'l', 'o'};
    Bytes sealed(64);
    sealed.resize(client->seal(kServer, hello, sealed, now));
    recorded["payload c2s"] = sealed;
    EXPECT_EQ(to_server(sealed), hello.size());
    Bytes back(64);
    back.resize(server->seal(kClient, hello, back, now));
    recorded["payload s2c"] = back;
    EXPECT_EQ(to_client(back), hello.size());
    // And one Direct packet (the direct lane's) each way.
    recorded["direct c2s"] = seal_direct(*client, kServer, hello);
    EXPECT_EQ(to_server(recorded["direct c2s"]), hello.size());
    recorded["direct s2c"] = seal_direct(*server, kClient, hello);
    EXPECT_EQ(to_client(recorded["direct s2c"]), hello.size());
  }
  // `plain` sealed by `stage` as a Direct packet; empty when it was not.
  Bytes seal_direct(socket::SecureStage& stage, Endpoint to, const Bytes& plain) {
    Bytes buffer(socket::SecureStage::kHeadRoom + plain.size() + stage.overhead());
    std::copy(plain.begin(), plain.end(), buffer.begin() + socket::SecureStage::kHeadRoom);
    std::size_t start = 0;
    const std::size_t n =
        stage.seal_carried(to, buffer, plain.size(), now, start, socket::Carrier::Direct);
    return Bytes(buffer.begin() + static_cast<std::ptrdiff_t>(start),
                 buffer.begin() + static_cast<std::ptrdiff_t>(start + n));
  }
};

TEST(SecureStage, HandshakeEstablishesAndCarriesUserData) {
  World w;
  w.establish();
  SessionInfo info;
  ASSERT_TRUE(w.server->session_info(kClient, info));
  EXPECT_EQ(info.client_id, 99u);
  EXPECT_EQ(info.user_data[3], 0x33);
  // Every reply is smaller than what caused it: no amplification.
  EXPECT_LT(w.recorded["challenge"].size(), w.recorded["request"].size());
  EXPECT_LT(w.recorded["keepalive"].size(), w.recorded["response"].size());
  EXPECT_EQ(w.recorded["request"].size(), kRequestBytes);
}

TEST(SecureStage, ClientHoldsEnetDatagramsUntilEstablishedAndNeverSendsThemInClear) {
  World w;
  const Bytes connect = {1, 2, 3, 4, 5, 6, 7, 8};
  Bytes out(64);
  EXPECT_EQ(w.client->seal(kServer, connect, out, w.now), 0u) << "held, not sent";
  w.establish();
  // The held datagram left sealed when the session came up.
  bool found = false;
  for (const auto& [to, d] : w.client_wire.sent) {
    EXPECT_EQ(d[0] & 0x0F, static_cast<int>(PacketType::Payload));
    EXPECT_EQ(std::search(d.begin(), d.end(), connect.begin(), connect.end()), d.end());
    Bytes plain(64);
    if (w.server->open(kClient, d, plain, w.now) == connect.size()) found = true;
  }
  EXPECT_TRUE(found);
}

// Flips every bit of every recorded packet; each must be dropped and change
// nothing, and the untouched packet must still work afterwards (the control).
TEST(SecureStage, EveryBitFlipOfEveryPacketTypeIsDropped) {
  World w;
  w.establish();
  std::size_t flips = 0;
  for (auto& [kind, original] : w.recorded) {
    for (std::size_t bit = 0; bit < original.size() * 8; ++bit) {
      Bytes d = original;
      d[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
      ++flips;
      if (kind == "request") {
        auto server = w.make_server();
        w.server_wire.sent.clear();
        EXPECT_EQ(server->open(kClient, d, w.out, w.now), 0u);
        // Every byte is covered: the private part by its seal, the attempt
        // id and ephemeral public key by the request's MAC.
        for (const auto& [to, reply] : w.server_wire.sent) {
          ASSERT_NE(reply[0] & 0x0F, static_cast<int>(PacketType::Challenge))
              << "a tampered request got a challenge (bit " << bit << ")";
        }
      } else if (kind == "challenge") {
        auto fresh = w.make_client();
        EXPECT_EQ(w.to_client(d, fresh.get()), 0u);
        ASSERT_EQ(fresh->state(), ClientSecurity::State::SendingRequest) << "bit " << bit;
      } else if (kind == "response") {
        w.server->end_session(kClient);
        w.server_wire.sent.clear();
        EXPECT_EQ(w.to_server(d), 0u);
        ASSERT_EQ(w.server->session_count(), 0u) << "bit " << bit;
        ASSERT_TRUE(w.server_wire.sent.empty()) << "bit " << bit;
      } else if (kind == "keepalive" || kind == "payload s2c" || kind == "direct s2c") {
        ASSERT_EQ(w.to_client(d), 0u) << kind << " bit " << bit;
      } else if (kind == "payload c2s" || kind == "direct c2s") {
        ASSERT_EQ(w.to_server(d), 0u) << kind << " bit " << bit;
      }
    }
  }
  EXPECT_GT(flips, 10'000u);
  // The controls: the untouched response, its session ended, is a replay
  // and makes none (AReplayedResponseNeverRemakesAnEndedSession); a fresh
  // handshake makes one, and it carries payloads.
  w.server->end_session(kClient);
  EXPECT_EQ(w.to_server(w.recorded["response"]), 0u);
  EXPECT_EQ(w.server->session_count(), 0u);
  w.client = w.make_client();
  w.establish();
  EXPECT_EQ(w.server->session_count(), 1u);
  Bytes sealed(64);
  const Bytes ping = {'p'};
  sealed.resize(w.client->seal(kServer, ping, sealed, w.now));
  EXPECT_EQ(w.to_server(sealed), 1u);
  EXPECT_GT(w.server_wire.drops.auth_failed, 1000u);
}

TEST(SecureStage, DirectPacketsOpenAsDirectAndAreNeverHeld) {
  World w;
  // Before the session a Direct packet is dropped, not held like ENet's.
  const Bytes early = {'e'};
  EXPECT_TRUE(w.seal_direct(*w.client, kServer, early).empty());
  EXPECT_EQ(w.client_wire.drops.no_session, 1u);
  w.establish();
  const Bytes hello = {'h', 'i'};
  socket::Carrier carrier = socket::Carrier::Enet;
  const Bytes direct = w.seal_direct(*w.client, kServer, hello);
  ASSERT_FALSE(direct.empty());
  EXPECT_EQ(direct[0] & 0x0F, static_cast<int>(PacketType::Direct));
  EXPECT_EQ(w.server->open_carried(kClient, direct, w.out, w.now, carrier), hello.size());
  EXPECT_EQ(carrier, socket::Carrier::Direct);
  // Payloads open as ENet's.
  Bytes payload(64);
  payload.resize(w.client->seal(kServer, hello, payload, w.now));
  EXPECT_EQ(w.server->open_carried(kClient, payload, w.out, w.now, carrier), hello.size());
  EXPECT_EQ(carrier, socket::Carrier::Enet);
  // The type is authenticated: a Direct packet relabelled a Payload (or the
  // other way) does not open.
  Bytes relabelled = w.seal_direct(*w.server, kClient, hello);
  relabelled[0] = static_cast<std::uint8_t>((relabelled[0] & 0xF0) |
                                            static_cast<std::uint8_t>(PacketType::Payload));
  EXPECT_EQ(w.to_client(relabelled), 0u);
  payload.resize(64);
  payload.resize(w.server->seal(kClient, hello, payload, w.now));
  payload[0] = static_cast<std::uint8_t>((payload[0] & 0xF0) |
                                         static_cast<std::uint8_t>(PacketType::Direct));
  EXPECT_EQ(w.to_client(payload), 0u);
  EXPECT_EQ(w.client_wire.drops.auth_failed, 2u);
  // And a replayed Direct packet is a replay.
  EXPECT_EQ(w.to_server(direct), 0u);
  EXPECT_EQ(w.server_wire.drops.replayed, 1u);
}

TEST(SecureStage, ReplayedDatagramsAreDropped) {
  World w;
  w.establish();
  EXPECT_EQ(w.to_server(w.recorded["payload c2s"]), 0u);
  EXPECT_EQ(w.server_wire.drops.replayed, 1u);
  EXPECT_EQ(w.to_client(w.recorded["payload s2c"]), 0u);
  EXPECT_EQ(w.to_client(w.recorded["keepalive"]), 0u);
  EXPECT_EQ(w.client_wire.drops.replayed, 2u);
  // A replayed challenge after the session is up does nothing either.
  EXPECT_EQ(w.to_client(w.recorded["challenge"]), 0u);
  EXPECT_EQ(w.client->state(), ClientSecurity::State::Established);
  // A replayed response re-sends only a keep-alive; no second session.
  w.server_wire.sent.clear();
  EXPECT_EQ(w.to_server(w.recorded["response"]), 0u);
  EXPECT_EQ(w.server->session_count(), 1u);
  // Old datagrams beyond the window are refused too.
  std::vector<Bytes> old;
  for (int i = 0; i < 300; ++i) {
    Bytes d(64);
    d.resize(w.client->seal(kServer, Bytes{1}, d, w.now));
    old.push_back(d);
  }
  EXPECT_EQ(w.to_server(old.back()), 1u);
  EXPECT_EQ(w.to_server(old.front()), 0u) << "older than the 256-datagram window";
  EXPECT_EQ(w.to_server(old[200]), 1u) << "inside the window, not yet seen";
  EXPECT_EQ(w.to_server(old[200]), 0u);
}

// A duplicate goes no further either way; while a capture records, its
// plaintext is reported to the capture (a Replayed record), and only then.
// A forged copy, or one older than the window, is never opened.
TEST(SecureStage, DuplicatesAreReportedToACaptureOnlyWhenAuthenticAndInTheWindow) {
  World w;
  w.establish();
  const Bytes hello = {'h', 'e', 'l', 'l', 'o'};
  // No capture: dropped, not opened (the output buffer keeps its bytes).
  std::fill(w.out.begin(), w.out.end(), std::uint8_t{0xEE});
  EXPECT_EQ(w.to_server(w.recorded["payload c2s"]), 0u);
  EXPECT_EQ(w.server_wire.drops.replayed, 1u);
  EXPECT_TRUE(w.server_wire.replays.empty());
  EXPECT_EQ(w.out[0], 0xEE);
  // Recording: reported once per copy, as the plaintext, both ways.
  w.server_wire.capturing = true;
  w.client_wire.capturing = true;
  EXPECT_EQ(w.to_server(w.recorded["payload c2s"]), 0u);
  ASSERT_EQ(w.server_wire.replays.size(), 1u);
  EXPECT_EQ(w.server_wire.replays[0], hello);
  EXPECT_EQ(w.to_client(w.recorded["payload s2c"]), 0u);
  ASSERT_EQ(w.client_wire.replays.size(), 1u);
  EXPECT_EQ(w.client_wire.replays[0], hello);
  // A copy with its tag altered is counted, never reported.
  Bytes forged = w.recorded["payload c2s"];
  forged.back() ^= 0x01;
  EXPECT_EQ(w.to_server(forged), 0u);
  EXPECT_EQ(w.server_wire.replays.size(), 1u);
  EXPECT_EQ(w.server_wire.drops.replayed, 3u);
  // Once 300 newer datagrams moved the window on, the old one is merely old.
  for (int i = 0; i < 300; ++i) {
    Bytes sealed(64);
    sealed.resize(w.client->seal(kServer, hello, sealed, w.now));
    ASSERT_EQ(w.to_server(sealed), hello.size());
  }
  EXPECT_EQ(w.to_server(w.recorded["payload c2s"]), 0u);
  EXPECT_EQ(w.server_wire.replays.size(), 1u);
  EXPECT_EQ(w.server_wire.drops.replayed, 4u);
}

TEST(SecureStage, ValidDatagramFromAnotherAddressIsDropped) {
  World w;
  w.establish();
  Bytes d(64);
  d.resize(w.client->seal(kServer, Bytes{9}, d, w.now));
  EXPECT_EQ(w.to_server(d, ep(1, 5001)), 0u);
  EXPECT_EQ(w.server_wire.drops.no_session, 1u);
  // A response replayed from another address does not open a session there.
  EXPECT_EQ(w.to_server(w.recorded["response"], ep(2, 5000)), 0u);
  EXPECT_EQ(w.server->session_count(), 1u);
  // And to the client, from anyone but its server.
  Bytes back(64);
  back.resize(w.server->seal(kClient, Bytes{7}, back, w.now));
  EXPECT_EQ(w.client->open(ep(1, 4001), back, w.out, w.now), 0u);
  EXPECT_EQ(w.client->open(kServer, back, w.out, w.now), 1u);
}

TEST(SecureStage, OneTokenHoldsOneSessionAtATime) {
  World w;
  w.establish();
  // The same token from a second address.
  auto second = w.make_client();
  FakeWire second_wire;
  second->attach(&second_wire);
  second->tick(w.now);
  w.server_wire.sent.clear();
  EXPECT_EQ(w.to_server(second_wire.take(), ep(3, 6000)), 0u);
  const Bytes reply = w.server_wire.take();
  EXPECT_EQ(second->open(kServer, reply, w.out, w.now), 0u);
  EXPECT_EQ(second->state(), ClientSecurity::State::Denied);
  EXPECT_EQ(second->denied(), DenyReason::TokenInUse);
  EXPECT_EQ(w.server->session_count(), 1u);
}

TEST(SecureStage, WrongServerAndFullAreDeniedWithAuthenticatedReasons) {
  World wrong({"127.0.0.9:4000"});
  wrong.client->tick(wrong.now);
  wrong.to_server(wrong.client_wire.take());
  wrong.to_client(wrong.server_wire.take());
  EXPECT_EQ(wrong.client->state(), ClientSecurity::State::Denied);
  EXPECT_EQ(wrong.client->denied(), DenyReason::WrongServer);

  World full;
  full.server = full.make_server(0);
  full.client->tick(full.now);
  full.to_server(full.client_wire.take());
  const Bytes denied = full.server_wire.take();
  // A forged denial (one flipped bit) is not believed...
  Bytes forged = denied;
  forged.back() ^= 1;
  full.to_client(forged);
  EXPECT_EQ(full.client->state(), ClientSecurity::State::SendingRequest);
  // ...the real one is.
  full.to_client(denied);
  EXPECT_EQ(full.client->denied(), DenyReason::ServerFull);
}

TEST(SecureStage, WrongKeyIsRejectedAndOnlyTheTokenHolderBelievesIt) {
  World w;
  w.server = nullptr;
  ServerSecurityConfig config;
  config.suites = test_suites();
  config.protocol_id = kProtocol;
  crypto_aead_chacha20poly1305_ietf_keygen(config.token_key.bytes.data());  // another room
  config.public_endpoints = {kServer};
  ServerSecurity other(std::move(config));
  other.attach(&w.server_wire);
  w.client->tick(w.now);
  const Bytes request = w.client_wire.take();
  EXPECT_EQ(other.open(kClient, request, w.out, w.now), 0u);
  const Bytes rejected = w.server_wire.take();
  EXPECT_LT(rejected.size(), request.size());
  // Another client (another token nonce) ignores it.
  World bystander;
  bystander.to_client(rejected);
  EXPECT_EQ(bystander.client->state(), ClientSecurity::State::SendingRequest);
  w.to_client(rejected);
  EXPECT_EQ(w.client->denied(), DenyReason::TokenInvalid);
}

TEST(SecureStage, ReplyBudgetLimitsHandshakeReplies) {
  World w;
  ServerSecurityConfig config;
  config.suites = test_suites();
  config.protocol_id = kProtocol;
  config.token_key.bytes = w.key.bytes();
  config.public_endpoints = {kServer};
  config.replies_per_sec = 100;
  ServerSecurity server(std::move(config));
  server.attach(&w.server_wire);
  w.client->tick(w.now);
  const Bytes request = w.client_wire.take();
  for (std::uint16_t port = 1; port <= 1000; ++port)
    server.open(ep(5, port), request, w.out, w.now);
  EXPECT_LE(w.server_wire.sent.size(), 12u) << "a tenth of a second's budget, plus one";
  EXPECT_GE(w.server_wire.drops.rate_limited, 980u);
  EXPECT_EQ(server.session_count(), 0u) << "requests alone never make state";
}

// A token can start another session after one ends. Each session's keys
// come from its own challenge, so nothing of the first works in the second.
TEST(SecureStage, EverySessionOfATokenHasItsOwnKeys) {
  World w;
  w.establish();
  // Sequence 1 of the first session, never delivered.
  Bytes first_up(64), first_down(64);
  first_up.resize(w.client->seal(kServer, Bytes{'x'}, first_up, w.now));
  first_down.resize(w.server->seal(kClient, Bytes{'y'}, first_down, w.now));
  const Bytes first_payload = w.recorded["payload c2s"];
  w.server->end_session(kClient);
  w.client = w.make_client();
  w.establish();
  EXPECT_NE(w.recorded["payload c2s"], first_payload) << "same plaintext, same sequence, new key";
  const auto auth_before = w.server_wire.drops.auth_failed;
  EXPECT_EQ(w.to_server(first_up), 0u);
  EXPECT_EQ(w.server_wire.drops.auth_failed, auth_before + 1);
  EXPECT_EQ(w.to_client(first_down), 0u);
}

TEST(SecureStage, ARefusalFromAnEarlierAttemptIsNotBelieved) {
  World full;
  full.server = full.make_server(0);
  full.client->tick(full.now);
  full.to_server(full.client_wire.take());
  const Bytes old_denied = full.server_wire.take();
  // A new attempt (a new client stage: a new attempt id) with the same token.
  auto again = full.make_client();
  again->tick(full.now);
  full.client_wire.sent.clear();
  EXPECT_EQ(full.to_client(old_denied, again.get()), 0u);
  EXPECT_EQ(again->state(), ClientSecurity::State::SendingRequest);
  // Likewise an old challenge.
  World w;
  w.client->tick(w.now);
  w.to_server(w.client_wire.take());
  const Bytes old_challenge = w.server_wire.take();
  auto next = w.make_client();
  EXPECT_EQ(w.to_client(old_challenge, next.get()), 0u);
  EXPECT_EQ(next->state(), ClientSecurity::State::SendingRequest);
}

// With a round trip longer than the resend interval, every resent request
// gets its own challenge. The client keeps the first, so the session the
// server makes from its response is the one the client has keys for.
TEST(SecureStage, DuplicateChallengesOfOneAttemptKeepTheFirst) {
  World w;
  w.client->tick(w.now);
  const Bytes request = w.client_wire.take();
  w.to_server(request);
  const Bytes first = w.server_wire.take();
  w.to_server(request);  // the resend, answered with a second challenge
  const Bytes second = w.server_wire.take();
  EXPECT_NE(first, second);
  w.to_client(first);
  const Bytes response = w.client_wire.take();
  w.to_client(second);
  EXPECT_TRUE(w.client_wire.sent.empty()) << "the second challenge changes nothing";
  w.to_server(response);
  w.to_client(w.server_wire.take());
  EXPECT_EQ(w.client->state(), ClientSecurity::State::Established);
}

TEST(SecureStage, ClientStartsOverWhenItsChallengeGoesStale) {
  World w;
  w.client->tick(w.now);
  w.to_server(w.client_wire.take());
  w.to_client(w.server_wire.take());
  EXPECT_EQ(w.client->state(), ClientSecurity::State::SendingResponse);
  w.client_wire.sent.clear();
  w.client->tick(w.now + kChallengeLifetimeUs + 1);
  EXPECT_EQ(w.client->state(), ClientSecurity::State::SendingRequest);
  EXPECT_EQ(w.client_wire.take().size(), kRequestBytes) << "a fresh request went out";
}

TEST(SecureStage, ClientKeepAlivesAreRefused) {
  World w;
  w.establish();
  const Bytes keepalive = w.recorded["keepalive"];  // a server one, re-sent at the server
  EXPECT_EQ(w.to_server(keepalive), 0u);
  EXPECT_GE(w.server_wire.drops.malformed, 1u);
}

TEST(SecureStage, SessionsExpireAfterTheTokenTimeout) {
  World w;
  std::vector<Endpoint> expired;
  w.server = w.make_server(4, [&](ServerSecurityConfig& c) {
    c.on_expired = [&](Endpoint at) { expired.push_back(at); };
  });
  w.establish();
  w.server->connection_established(kClient);  // else the connect deadline ends it first
  w.now += 9'000'000;
  w.server->tick(w.now);
  EXPECT_EQ(w.server->session_count(), 1u);
  w.now += 2'000'000;
  w.server->tick(w.now);
  EXPECT_EQ(w.server->session_count(), 0u);
  // The net layer is told, so the ENet connection at that address ends too.
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0], kClient);
}

// A session that ended while its challenge token was still valid: replaying
// the Response (on path, from the client's address) must not make it again,
// which would reuse its keys from sequence 0.
TEST(SecureStage, AReplayedResponseNeverRemakesAnEndedSession) {
  World w;
  w.establish();
  w.server->end_session(kClient);
  ASSERT_EQ(w.server->session_count(), 0u);
  const std::uint64_t replayed = w.server_wire.drops.replayed;
  EXPECT_EQ(w.to_server(w.recorded["response"]), 0u);
  EXPECT_EQ(w.server->session_count(), 0u);
  EXPECT_EQ(w.server_wire.drops.replayed, replayed + 1);
  // A fresh handshake from the same client still works.
  w.client = w.make_client();
  w.establish();
  EXPECT_EQ(w.server->session_count(), 1u);
}

TEST(SecureStage, OneSessionClaimsOneEnetConnection) {
  World w;
  w.establish();
  EXPECT_TRUE(w.server->claim_connection(kClient, 0xAAAA, w.now));
  EXPECT_TRUE(w.server->claim_connection(kClient, 0xAAAA, w.now)) << "a resent CONNECT";
  EXPECT_FALSE(w.server->claim_connection(kClient, 0xBBBB, w.now)) << "a second connection";
  w.server->connection_established(kClient);
  EXPECT_FALSE(w.server->claim_connection(kClient, 0xAAAA, w.now)) << "after it is up, none";
  EXPECT_FALSE(w.server->claim_connection(ep(9, 9), 0xAAAA, w.now)) << "no session";
}

TEST(SecureStage, ASessionThatNeverConnectsEndsAtItsDeadline) {
  World w;
  std::vector<JoinRefusal> told;
  w.server = w.make_server(4, [&](ServerSecurityConfig& c) {
    c.on_refusal = [&](Endpoint, JoinRefusal why) { told.push_back(why); };
  });
  w.establish();
  // Only traffic ENet takes would keep it; and without ENet's connect it
  // ends at the deadline regardless.
  for (int i = 0; i < 4; ++i) {
    w.now += 1'000'000;
    w.server->accepted(kClient, w.now);
    w.server->tick(w.now);
  }
  EXPECT_EQ(w.server->session_count(), 1u);
  w.now += 1'100'000;
  w.server->tick(w.now);
  EXPECT_EQ(w.server->session_count(), 0u);
  EXPECT_EQ(w.server->refusals().of(JoinRefusal::NeverConnected), 1u);
  ASSERT_EQ(told.size(), 1u);
  EXPECT_EQ(told[0], JoinRefusal::NeverConnected);
}

TEST(SecureStage, OnlyAcceptedTrafficKeepsASessionAlive) {
  World w;  // the token's timeout: 10 s
  w.establish();
  w.server->connection_established(kClient);
  const Bytes hello = {'h', 'i'};
  std::size_t opened = 0;
  for (int i = 0; i < 12; ++i) {  // opened datagrams the guard never passed on
    w.now += 1'000'000;
    Bytes sealed(64);
    sealed.resize(w.client->seal(kServer, hello, sealed, w.now));
    opened += w.to_server(sealed) == hello.size();
    w.server->tick(w.now);
  }
  EXPECT_EQ(opened, 11u) << "opened while the session lasted: its 10 s, not a second more";
  EXPECT_EQ(w.server->session_count(), 0u) << "opened but not accepted: no keep-alive";
}

TEST(SecureStage, RoomCodeServersCapTheSessionTimeout) {
  World w;
  // The token asks for 10 s.
  w.server = w.make_server(4, [](ServerSecurityConfig& c) { c.max_timeout_s = 3; });
  w.establish();
  w.server->connection_established(kClient);
  w.now += 3'500'000;
  w.server->tick(w.now);
  EXPECT_EQ(w.server->session_count(), 0u);
}

TEST(RoomCode, WeakCodesAreRefusedWithTheirStrength) {
  TokenKey key;
  for (const char* weak :
       {"abcdef", "aaaaaaaaaaaaaaaa", "12345678901234", "k7xq-m2pd", "password"}) {
    const Status s = TokenKey::from_room_code(weak, kProtocol, key);
    EXPECT_FALSE(s) << weak;
    EXPECT_NE(s.message.find("too easy to guess"), std::string::npos) << s.message;
    EXPECT_NE(s.message.find("at least 48"), std::string::npos) << s.message;
  }
  EXPECT_LT(room_code_bits("abcdefghijklmnop"), 48.0) << "a run counts little";
  EXPECT_NEAR(room_code_bits("k7xq-m2pd-9tfa"), 12 * std::log2(36.0), 1e-9);
  for (const char* strong : {"k7xq-m2pd-9tfa", "q8vr3kx9m2tw", "Tr0ub4dor-X9q"}) {
    const Status s = TokenKey::from_room_code(strong, kProtocol, key);
    EXPECT_TRUE(s) << strong << ": " << s.message;
    EXPECT_TRUE(key.from_room());
  }
}

}  // namespace
}  // namespace tickwire::secure
