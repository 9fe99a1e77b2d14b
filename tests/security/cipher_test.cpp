// Cipher suite negotiation (docs/PROTOCOL.md, "Cipher suites"): which suite
// each pair of settings ends with, that both ends agree on it, that a pair
// with no suite in common is refused in words, and that nobody on the path
// can change the choice (a downgrade to the slower suite is refused, not
// taken).
#include <stdlib.h>

#include <algorithm>

#include "harness.hpp"
#include "relay.hpp"
#include "secure/crypto.hpp"
#include "secure/server_security.hpp"
#include "secure/token_format.hpp"
#include "tickwire/version.hpp"

namespace tickwire::test {
namespace {

// These tests choose the suites themselves: the CI run that sets
// TICKWIRE_CIPHER for the other security tests must not override them.
struct Cipher : ::testing::Test {
  void SetUp() override { ::unsetenv("TICKWIRE_CIPHER"); }

  Server server;
  Client client;
  Loop loop;

  ::testing::AssertionResult connect(CipherSuite server_suite, CipherSuite client_suite) {
    ServerSettings s = loopback_server();
    s.cipher = server_suite;
    ClientSettings c;
    c.cipher = client_suite;
    return start_and_connect(server, client, loop, s, c);
  }
  // Both ends' view of the one connection's suite; they must agree.
  CipherSuite agreed() {
    const CipherSuite on_client = client.stats().cipher;
    const CipherSuite on_server = server.stats(server.connections().at(0)).cipher;
    EXPECT_EQ(on_client, on_server);
    return on_client;
  }
};

bool aes() {
  return cipher_suite_available(CipherSuite::Aes256Gcm);
}

TEST_F(Cipher, BothOnAutoUseAes256GcmWhereTheCpuHasItElseChaCha) {
  ASSERT_TRUE(connect(CipherSuite::Auto, CipherSuite::Auto));
  EXPECT_EQ(agreed(), aes() ? CipherSuite::Aes256Gcm : CipherSuite::ChaCha20Poly1305);
  ASSERT_TRUE(client.send(kChannelReliable, bytes("sealed")));
  ASSERT_TRUE(loop.until([&] { return !loop.server_events.messages.empty(); }, 3s));
  EXPECT_EQ(loop.server_events.messages.back(), "sealed");
}

TEST_F(Cipher, AClientWithoutAesIsServedWithChaCha) {
  // A client set to ChaCha20-Poly1305 offers only that, as one whose CPU
  // lacks AES-NI does.
  ASSERT_TRUE(connect(CipherSuite::Auto, CipherSuite::ChaCha20Poly1305));
  EXPECT_EQ(agreed(), CipherSuite::ChaCha20Poly1305);
}

TEST_F(Cipher, AServerSetToChaChaServesAnAutoClientWithChaCha) {
  ASSERT_TRUE(connect(CipherSuite::ChaCha20Poly1305, CipherSuite::Auto));
  EXPECT_EQ(agreed(), CipherSuite::ChaCha20Poly1305);
}

TEST_F(Cipher, ASuiteNamedOnOneEndIsUsed) {
  if (!aes()) GTEST_SKIP() << "no AES-256-GCM on this CPU";
  ASSERT_TRUE(connect(CipherSuite::Auto, CipherSuite::Aes256Gcm));
  EXPECT_EQ(agreed(), CipherSuite::Aes256Gcm);
}

TEST_F(Cipher, NoSuiteInCommonIsRefusedWithCipherMismatch) {
  if (!aes()) GTEST_SKIP() << "no AES-256-GCM on this CPU";
  ServerSettings s = loopback_server();
  s.cipher = CipherSuite::ChaCha20Poly1305;
  ASSERT_TRUE(server.start(s));
  ClientSettings c;
  c.cipher = CipherSuite::Aes256Gcm;
  ASSERT_TRUE(client.connect(address_of(server), client_for(server, c)));
  loop.server = &server;
  loop.clients = {&client};
  ASSERT_TRUE(loop.until([&] { return client.state() == ClientState::Disconnected; }, 5s));
  EXPECT_EQ(client.disconnect_reason(), DisconnectReason::CipherMismatch);
  EXPECT_EQ(server.host_stats().joins.of(JoinRefusal::CipherMismatch), 1u);
  EXPECT_EQ(server.connection_count(), 0u);
}

TEST_F(Cipher, AnUnknownTickwireCipherIsAClearErrorAndNothingIsSent) {
  ::setenv("TICKWIRE_CIPHER", "rot13", 1);
  const Status s = server.start(loopback_server());
  ::unsetenv("TICKWIRE_CIPHER");
  ASSERT_FALSE(s);
  EXPECT_EQ(s.code, Errc::InvalidSettings);
  EXPECT_NE(s.message.find("TICKWIRE_CIPHER"), std::string::npos) << s.message;
  EXPECT_NE(s.message.find("rot13"), std::string::npos) << s.message;
}

// An attacker on the path takes AES-256-GCM out of the offer, or rewrites the
// suite the challenge names: the request's MAC (under the token's key) and
// the challenge's seal make either change fail, so the client connects with
// the suite both ends chose or not at all.
TEST_F(Cipher, ADowngradeOnThePathIsRefusedNotTaken) {
  if (!aes()) GTEST_SKIP() << "no AES-256-GCM on this CPU";
  Relay relay;
  ServerSettings s = loopback_server();
  s.public_addresses = {relay.address()};
  ASSERT_TRUE(server.start(s));
  relay.set_server_port(server.port());
  std::size_t rewritten = 0;
  relay.filter = [&](const Datagram& d) {
    if (!d.to_server || d.bytes.size() != secure::kRequestBytes || d.bytes[0] != 0) return true;
    auto& bytes = const_cast<std::vector<std::uint8_t>&>(d.bytes);
    bytes[secure::kRequestSuitesAt] = secure::suite_bit(secure::Suite::ChaCha20Poly1305);
    ++rewritten;
    return true;
  };
  ClientSettings c;
  ConnectTokenParams params;
  params.servers = {relay.address()};
  ASSERT_TRUE(make_connect_token(test_key(), params, c.token));
  ASSERT_TRUE(client.connect(relay.address(), c));
  loop.server = &server;
  loop.clients = {&client};
  loop.each_frame = [&] { relay.pump(); };
  loop.run_for(1500ms);
  EXPECT_GE(rewritten, 5u) << "the client kept asking";
  EXPECT_FALSE(client.connected());
  EXPECT_EQ(server.connection_count(), 0u);
  EXPECT_GE(server.host_stats().drops.auth_failed, rewritten) << "each rewritten request";

  // The same relay, now rewriting the suite byte inside the sealed challenge.
  relay.filter = [&](const Datagram& d) {
    if (d.to_server || d.bytes.empty() ||
        (d.bytes[0] & 0x0F) != static_cast<int>(secure::PacketType::Challenge))
      return true;
    auto& bytes = const_cast<std::vector<std::uint8_t>&>(d.bytes);
    // Somewhere in the ciphertext: the client cannot open it any more.
    bytes[bytes.size() / 2] ^= 0x01;
    return true;
  };
  const std::uint64_t auth_failed = client.host_stats().drops.auth_failed;
  loop.run_for(800ms);
  EXPECT_FALSE(client.connected());
  EXPECT_GT(client.host_stats().drops.auth_failed, auth_failed);

  // Left alone, the same client gets in, with AES-256-GCM.
  relay.filter = nullptr;
  ASSERT_TRUE(loop.until([&] { return client.connected() && server.connection_count() == 1; }, 5s));
  EXPECT_EQ(agreed(), CipherSuite::Aes256Gcm);
}

secure::Key random_key() {
  secure::Key key;
  randombytes_buf(key.bytes.data(), key.bytes.size());
  return key;
}
// The suites this CPU can run.
std::vector<secure::Suite> suites_here() {
  std::vector<secure::Suite> suites = {secure::Suite::ChaCha20Poly1305};
  if (aes()) suites.push_back(secure::Suite::Aes256Gcm);
  return suites;
}

// The session cipher on its own: each suite opens what it sealed, refuses a
// flipped bit and the other suite's datagrams under the same key.
TEST(SessionCipher, EachSuiteOpensOnlyItsOwnDatagrams) {
  ASSERT_GE(sodium_init(), 0);
  const secure::Key key = random_key();
  const std::vector<secure::Suite> suites = suites_here();
  const std::vector<std::uint8_t> plain(300, 0x42);
  for (const secure::Suite suite : suites) {
    secure::SessionCipher cipher;
    cipher.set(suite, key);
    std::vector<std::uint8_t> wire(plain.size() + secure::kSealOverhead);
    const std::size_t n =
        cipher.seal(secure::PacketType::Payload, 77, 9, plain, {wire.data(), wire.size()});
    ASSERT_EQ(n, 1 + 1 + plain.size() + secure::kTagBytes);
    wire.resize(n);
    secure::Header h;
    ASSERT_TRUE(secure::read_sealed_header(wire, h));
    std::vector<std::uint8_t> out(wire.size());
    std::size_t size = 0;
    ASSERT_TRUE(cipher.open(h, 9, wire, out, size));
    EXPECT_TRUE(std::equal(plain.begin(), plain.end(), out.begin()));
    EXPECT_FALSE(cipher.open(h, 10, wire, out, size)) << "another protocol id";
    for (const secure::Suite other : suites) {
      if (other == suite) continue;
      secure::SessionCipher wrong;
      wrong.set(other, key);
      EXPECT_FALSE(wrong.open(h, 9, wire, out, size)) << "the other suite, same key";
    }
    wire[5] ^= 0x10;
    EXPECT_FALSE(cipher.open(h, 9, wire, out, size)) << "a flipped bit";
  }
}

// Sealing in place (the ciphertext over the plaintext, the header in the
// head room) gives byte for byte what libsodium's out-of-place calls give,
// for both suites, sizes around the block sizes and every sequence length.
TEST(SessionCipher, SealingInPlaceMatchesSealingIntoAnotherBuffer) {
  ASSERT_GE(sodium_init(), 0);
  const secure::Key key = random_key();
  const std::vector<secure::Suite> suites = suites_here();
  std::size_t compared = 0;
  for (const secure::Suite suite : suites) {
    secure::SessionCipher cipher;
    cipher.set(suite, key);
    for (const std::size_t size : {0, 1, 15, 16, 17, 63, 64, 65, 1200, 1375}) {
      for (const std::uint64_t sequence : {0ull, 300ull, 1ull << 40, ~0ull >> 1}) {
        std::vector<std::uint8_t> plain(size);
        if (size > 0) randombytes_buf(plain.data(), plain.size());
        std::vector<std::uint8_t> buffer(size + secure::kSealOverhead, 0xEE);
        std::copy(plain.begin(), plain.end(), buffer.begin() + secure::kHeadRoom);
        std::size_t start = 99;
        const std::size_t n =
            cipher.seal_in_place(secure::PacketType::Payload, sequence, 5, buffer, size, start);
        ASSERT_GT(n, 0u);
        ASSERT_LE(start + n, buffer.size());
        // The reference: header, then libsodium's ciphertext and tag written elsewhere.
        std::vector<std::uint8_t> reference(size + secure::kSealOverhead);
        const std::size_t head = secure::kHeadRoom - start;
        std::copy_n(buffer.begin() + static_cast<std::ptrdiff_t>(start), head, reference.begin());
        std::array<std::uint8_t, 10> ad{};
        secure::put_u64(ad.data(), 5);
        ad[8] = kWireVersion;
        ad[9] = reference[0];
        std::array<std::uint8_t, 12> nonce{};
        secure::put_u64(nonce.data() + 4, sequence);
        std::uint8_t* c = reference.data() + head;
        if (suite == secure::Suite::ChaCha20Poly1305)
          crypto_aead_chacha20poly1305_ietf_encrypt_detached(c, c + size, nullptr, plain.data(),
                                                             size, ad.data(), ad.size(), nullptr,
                                                             nonce.data(), key.bytes.data());
        else
          crypto_aead_aes256gcm_encrypt_detached(c, c + size, nullptr, plain.data(), size,
                                                 ad.data(), ad.size(), nullptr, nonce.data(),
                                                 key.bytes.data());
        ASSERT_TRUE(std::equal(reference.begin(),
                               reference.begin() + static_cast<std::ptrdiff_t>(n),
                               buffer.begin() + static_cast<std::ptrdiff_t>(start)))
            << "suite " << int(suite) << " size " << size << " sequence " << sequence;
        // And it opens.
        secure::Header h;
        const std::span<const std::uint8_t> wire(buffer.data() + start, n);
        ASSERT_TRUE(secure::read_sealed_header(wire, h));
        std::vector<std::uint8_t> out(size + 1);
        std::size_t got = 0;
        ASSERT_TRUE(cipher.open(h, 5, wire, out, got));
        ASSERT_EQ(got, size);
        EXPECT_TRUE(std::equal(plain.begin(), plain.end(), out.begin()));
        ++compared;
      }
    }
  }
  EXPECT_GE(compared, 40u);
}

TEST(RequestFormat, AnOfferOfNoSuiteOrAnUnknownOneIsMalformed) {
  ASSERT_GE(sodium_init(), 0);
  ConnectToken token;
  ConnectTokenParams params;
  params.servers = {"127.0.0.1:5000"};
  ASSERT_TRUE(make_connect_token(test_key(), params, token));
  secure::PublicToken pub;
  ASSERT_TRUE(secure::parse_public(token.bytes, pub));
  const std::array<std::uint8_t, secure::kAttemptBytes> attempt{};
  const std::array<std::uint8_t, secure::kKxPublicBytes> kx{};
  std::array<std::uint8_t, secure::kRequestBytes> request{};
  secure::RequestView view;
  for (const std::uint8_t offer : {0x01, 0x02, 0x03}) {
    secure::write_request(pub, attempt, kx, offer, request);
    ASSERT_TRUE(secure::parse_request(request, view)) << int{offer};
    EXPECT_EQ(view.suites, offer);
  }
  for (const std::uint8_t offer : {0x00, 0x04, 0x83}) {
    secure::write_request(pub, attempt, kx, offer, request);
    EXPECT_FALSE(secure::parse_request(request, view)) << int{offer};
  }
}

}  // namespace
}  // namespace tickwire::test
