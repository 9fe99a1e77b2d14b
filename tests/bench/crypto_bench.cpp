// Google Benchmark: sealing and opening datagrams (DESIGN.md target: seal +
// open of a 1200-byte datagram under 2 microseconds together), and the
// server's key exchange for each Challenge it sends.
#include <benchmark/benchmark.h>

#include <array>
#include <vector>

#include "secure/crypto.hpp"

namespace {

using namespace tickwire::secure;

Key bench_key() {
  Key key;
  crypto_aead_chacha20poly1305_ietf_keygen(key.bytes.data());
  return key;
}

// The session's cipher for suite `range(1)` (0 ChaCha20-Poly1305, 1
// AES-256-GCM, as the wire numbers them); false when this CPU cannot run it.
bool session_cipher(benchmark::State& state, SessionCipher& cipher) {
  if (sodium_init() < 0) {
    state.SkipWithError("sodium_init failed");
    return false;
  }
  const auto suite = static_cast<Suite>(state.range(1));
  if (suite == Suite::Aes256Gcm && !aes256gcm_available()) {
    state.SkipWithError("AES-256-GCM is not available on this CPU");
    return false;
  }
  cipher.set(suite, bench_key());
  state.SetLabel(suite == Suite::Aes256Gcm ? "aes256gcm" : "chacha20poly1305");
  return true;
}

// One seal and one open per iteration, with a fresh sequence each time as
// on the wire; the replay window check is included.
void BM_SealOpen(benchmark::State& state) {
  SessionCipher cipher;
  if (!session_cipher(state, cipher)) return;
  const std::vector<std::uint8_t> plain(static_cast<std::size_t>(state.range(0)), 0x5A);
  std::vector<std::uint8_t> wire(plain.size() + kSealOverhead);
  std::vector<std::uint8_t> opened(plain.size());
  ReplayWindow window;
  std::uint64_t sequence = 0;
  for (auto _ : state) {
    const std::size_t n = cipher.seal(PacketType::Payload, sequence, 42, plain, wire);
    Header header;
    std::size_t size = 0;
    const bool ok = read_sealed_header({wire.data(), n}, header) &&
                    !window.already_received(header.sequence) &&
                    cipher.open(header, 42, {wire.data(), n}, opened, size);
    if (!ok) state.SkipWithError("open failed");
    window.accept(header.sequence);
    benchmark::DoNotOptimize(opened.data());
    ++sequence;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_SealOpen)->ArgsProduct({{64, 1200}, {0, 1}});

void BM_Seal(benchmark::State& state) {
  SessionCipher cipher;
  if (!session_cipher(state, cipher)) return;
  const std::vector<std::uint8_t> plain(static_cast<std::size_t>(state.range(0)), 0x5A);
  std::vector<std::uint8_t> wire(plain.size() + kSealOverhead);
  std::uint64_t sequence = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(cipher.seal(PacketType::Payload, sequence++, 42, plain, wire));
  }
}
BENCHMARK(BM_Seal)->ArgsProduct({{64, 1200}, {0, 1}});

// What a server spends on the ephemeral X25519 exchange of one Challenge: a
// key pair, the shared keys, and the two session keys derived from them.
void BM_ChallengeKeyExchange(benchmark::State& state) {
  if (sodium_init() < 0) state.SkipWithError("sodium_init failed");
  const Key token_c2s = bench_key(), token_s2c = bench_key();
  std::array<std::uint8_t, kKxPublicBytes> client_public{};
  Key client_secret;
  crypto_kx_keypair(client_public.data(), client_secret.bytes.data());
  for (auto _ : state) {
    std::array<std::uint8_t, kKxPublicBytes> server_public{};
    std::array<std::uint8_t, kKeyBytes> server_secret{}, rx{}, tx{};
    crypto_kx_keypair(server_public.data(), server_secret.data());
    if (crypto_kx_server_session_keys(rx.data(), tx.data(), server_public.data(),
                                      server_secret.data(), client_public.data()) != 0)
      state.SkipWithError("key exchange failed");
    const Key c2s = session_key(token_c2s, Direction::ClientToServer, Suite::Aes256Gcm, rx,
                                client_public, server_public);
    const Key s2c = session_key(token_s2c, Direction::ServerToClient, Suite::Aes256Gcm, tx,
                                client_public, server_public);
    benchmark::DoNotOptimize(c2s.bytes.data());
    benchmark::DoNotOptimize(s2c.bytes.data());
  }
}
BENCHMARK(BM_ChallengeKeyExchange);

}  // namespace
