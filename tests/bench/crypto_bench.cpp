// Google Benchmark: sealing and opening datagrams (DESIGN.md target: seal +
// open of a 1200-byte datagram under 2 microseconds together).
#include <benchmark/benchmark.h>

#include <vector>

#include "secure/crypto.hpp"

namespace {

using namespace tickwire::secure;

Key bench_key() {
  Key key;
  crypto_aead_chacha20poly1305_ietf_keygen(key.bytes.data());
  return key;
}

// One seal and one open per iteration, with a fresh sequence each time as
// on the wire; the replay window check is included.
void BM_SealOpen(benchmark::State& state) {
  if (sodium_init() < 0) state.SkipWithError("sodium_init failed");
  const Key key = bench_key();
  const std::vector<std::uint8_t> plain(static_cast<std::size_t>(state.range(0)), 0x5A);
  std::vector<std::uint8_t> wire(plain.size() + kSealOverhead);
  std::vector<std::uint8_t> opened(plain.size());
  ReplayWindow window;
  std::uint64_t sequence = 0;
  for (auto _ : state) {
    const std::size_t n = seal(PacketType::Payload, sequence, key, 42, plain, wire);
    Header header;
    std::size_t size = 0;
    const bool ok = read_sealed_header({wire.data(), n}, header) &&
                    !window.already_received(header.sequence) &&
                    open(header, key, 42, {wire.data(), n}, opened, size);
    if (!ok) state.SkipWithError("open failed");
    window.accept(header.sequence);
    benchmark::DoNotOptimize(opened.data());
    ++sequence;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0));
}
BENCHMARK(BM_SealOpen)->Arg(64)->Arg(1200);

void BM_Seal(benchmark::State& state) {
  if (sodium_init() < 0) state.SkipWithError("sodium_init failed");
  const Key key = bench_key();
  const std::vector<std::uint8_t> plain(static_cast<std::size_t>(state.range(0)), 0x5A);
  std::vector<std::uint8_t> wire(plain.size() + kSealOverhead);
  std::uint64_t sequence = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(seal(PacketType::Payload, sequence++, key, 42, plain, wire));
  }
}
BENCHMARK(BM_Seal)->Arg(64)->Arg(1200);

}  // namespace
