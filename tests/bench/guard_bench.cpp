// Google Benchmark: the ENet command guard's cost per datagram, for the
// datagrams that cost it most: 32 reliable commands (the most ENet sends in
// one), with the channel's queue empty and at its cap (the guard then counts
// 257 entries of ENet's list; here a model answers at once, so this is the
// parsing cost alone).
#include <benchmark/benchmark.h>

#include <vector>

#include "socket/enet_guard.hpp"

namespace {

using namespace tickwire::socket;

struct Peers final : GuardPeers {
  std::uint32_t queued_now = 0;
  bool select(std::uint16_t, std::uint8_t, Endpoint) noexcept override { return true; }
  std::uint32_t mtu() const noexcept override { return 1375; }
  std::uint32_t channels() const noexcept override { return 4; }
  std::uint32_t queued(std::uint8_t, bool, std::uint32_t) const noexcept override {
    return queued_now;
  }
  std::uint16_t next_reliable(std::uint8_t) const noexcept override { return 0; }
};

void BM_GuardThirtyTwoReliableCommands(benchmark::State& state) {
  std::vector<std::uint8_t> d = {0x80, 0x01, 0x12, 0x34};
  for (int i = 0; i < 32; ++i) {
    const std::uint8_t cmd[] = {enet_wire::kSendReliable | 0x80,
                                0,
                                0,
                                static_cast<std::uint8_t>(i),
                                0,
                                8,
                                1,
                                2,
                                3,
                                4,
                                5,
                                6,
                                7,
                                8};
    d.insert(d.end(), std::begin(cmd), std::end(cmd));
  }
  Peers peers;
  GuardLimits limits;
  std::vector<std::uint8_t> work;
  for (auto _ : state) {
    work = d;  // the guard may trim in place
    const GuardVerdict v = check_enet_datagram(work, Endpoint{1, 2}, limits, peers);
    benchmark::DoNotOptimize(v.refusal);
  }
}
BENCHMARK(BM_GuardThirtyTwoReliableCommands);

}  // namespace
