// Micro benchmarks of the socket layer's hot pieces. Reports only: nothing
// here asserts on timing.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <vector>

#include "socket/conditioner.hpp"
#include "socket/pipeline.hpp"
#include "tickwire/conditioner.hpp"

namespace {

using tickwire::socket::Conditioner;
using tickwire::socket::Endpoint;
using tickwire::socket::PeerTable;

constexpr std::uint32_t kLoopback = 0x0100007Fu;  // 127.0.0.1 in network byte order

// One 1200-byte datagram through a conditioner with 20 ms of latency: offer
// at t, pop_due at t + 20 ms. Steady state reuses the conditioner's buffers.
void BM_ConditionerOfferPop(benchmark::State& state) {
  tickwire::LinkDirection link;
  link.latency_ms = 20;
  Conditioner conditioner;
  conditioner.configure(link, 1, 4096);
  const std::vector<std::uint8_t> datagram(1200, 0x5A);
  std::vector<std::uint8_t> out;
  out.reserve(Conditioner::kMaxDatagram);
  const Endpoint to{kLoopback, 27015};
  Endpoint from;
  std::uint64_t now_us = 1'000'000;
  for (auto _ : state) {
    conditioner.offer(now_us, to, datagram);
    const bool due = conditioner.pop_due(now_us + 20'000, from, out);
    benchmark::DoNotOptimize(due);
    benchmark::DoNotOptimize(out.data());
    now_us += 10;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * 1200);
}
BENCHMARK(BM_ConditionerOfferPop);

// The same with jitter and loss, so the random draws are paid for too.
void BM_ConditionerOfferPopJitterLoss(benchmark::State& state) {
  tickwire::LinkDirection link;
  link.latency_ms = 20;
  link.jitter_ms = 5;
  link.loss_pct = 5.0f;
  Conditioner conditioner;
  conditioner.configure(link, 1, 4096);
  const std::vector<std::uint8_t> datagram(1200, 0x5A);
  std::vector<std::uint8_t> out;
  out.reserve(Conditioner::kMaxDatagram);
  const Endpoint to{kLoopback, 27015};
  Endpoint from;
  std::uint64_t now_us = 1'000'000;
  for (auto _ : state) {
    conditioner.offer(now_us, to, datagram);
    while (conditioner.pop_due(now_us, from, out)) {
      benchmark::DoNotOptimize(out.data());
    }
    now_us += 10;
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * 1200);
}
BENCHMARK(BM_ConditionerOfferPopJitterLoss);

// PeerTable::find among 64 tracked loopback peers, cycling through all of them.
void BM_PeerTableFind64(benchmark::State& state) {
  constexpr std::uint16_t kPeers = 64;
  PeerTable table(kPeers);
  std::vector<Endpoint> endpoints;
  for (std::uint16_t i = 0; i < kPeers; ++i) {
    endpoints.push_back(Endpoint{kLoopback, static_cast<std::uint16_t>(40000 + i)});
    if (table.insert(endpoints.back()) == nullptr) {
      state.SkipWithError("PeerTable refused a peer below its capacity");
      return;
    }
  }
  std::size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(table.find(endpoints[i]));
    i = (i + 1) & (kPeers - 1);
  }
}
BENCHMARK(BM_PeerTableFind64);

// A miss: a datagram from an endpoint nobody tracks (the probe ends at an empty slot).
void BM_PeerTableFindMiss64(benchmark::State& state) {
  PeerTable table(64);
  for (std::uint16_t i = 0; i < 64; ++i) {
    table.insert(Endpoint{kLoopback, static_cast<std::uint16_t>(40000 + i)});
  }
  std::uint16_t port = 50000;
  for (auto _ : state) {
    benchmark::DoNotOptimize(table.find(Endpoint{kLoopback, port}));
    port = static_cast<std::uint16_t>(50000 + ((port + 1) & 1023));
  }
}
BENCHMARK(BM_PeerTableFindMiss64);

void BM_ParseConditionerSpec(benchmark::State& state) {
  constexpr const char* kSpec = "lag=100,jitter=20,loss=5,in.loss=2,both.dup=1";
  if (tickwire::LinkConditionerSettings probe; !tickwire::parse_conditioner_spec(kSpec, probe)) {
    state.SkipWithError("the spec does not parse");
    return;
  }
  for (auto _ : state) {
    tickwire::LinkConditionerSettings settings;
    tickwire::Status status = tickwire::parse_conditioner_spec(kSpec, settings);
    benchmark::DoNotOptimize(status);
    benchmark::DoNotOptimize(settings);
  }
}
BENCHMARK(BM_ParseConditionerSpec);

}  // namespace

BENCHMARK_MAIN();
