// The link conditioner's decisions, driven with an explicit clock.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "socket/conditioner.hpp"

namespace tickwire::socket {
namespace {

std::vector<std::uint8_t> datagram(std::uint32_t index, std::size_t size = 100) {
  std::vector<std::uint8_t> bytes(size, 0);
  for (int i = 0; i < 4; ++i) bytes[i] = static_cast<std::uint8_t>(index >> (8 * i));
  return bytes;
}

std::uint32_t index_of(const std::vector<std::uint8_t>& bytes) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= std::uint32_t{bytes[i]} << (8 * i);
  return v;
}

TEST(Conditioner, InactiveByDefault) {
  Conditioner c;
  c.configure(LinkDirection{}, 1, 16);
  EXPECT_FALSE(c.active());
}

TEST(Conditioner, LatencyHoldsUntilDue) {
  Conditioner c;
  LinkDirection link;
  link.latency_ms = 40;
  c.configure(link, 1, 16);
  ASSERT_EQ(c.offer(1'000'000, Endpoint{1, 2}, datagram(7)), Conditioner::Verdict::Queued);
  Endpoint to;
  std::vector<std::uint8_t> out;
  EXPECT_FALSE(c.pop_due(1'039'999, to, out));
  ASSERT_TRUE(c.pop_due(1'040'000, to, out));
  EXPECT_EQ(index_of(out), 7u);
  EXPECT_EQ(to, (Endpoint{1, 2}));
  EXPECT_EQ(c.held(), 0u);
}

TEST(Conditioner, LossRateMatchesSettingOverTenThousand) {
  for (float setting : {1.0f, 5.0f, 20.0f, 50.0f}) {
    Conditioner c;
    LinkDirection link;
    link.loss_pct = setting;
    c.configure(link, 42, 16);
    int lost = 0;
    std::vector<std::uint8_t> out;
    Endpoint to;
    for (std::uint32_t i = 0; i < 10'000; ++i) {
      if (c.offer(i, Endpoint{}, datagram(i)) == Conditioner::Verdict::Lost) ++lost;
      while (c.pop_due(i, to, out)) {
      }
    }
    EXPECT_NEAR(lost / 100.0, setting, 1.5) << "loss setting " << setting;
    EXPECT_EQ(c.counters().lost, static_cast<std::uint64_t>(lost));
  }
}

TEST(Conditioner, SameSeedSameDecisions) {
  auto run = [](std::uint64_t seed) {
    Conditioner c;
    LinkDirection link;
    link.loss_pct = 30;
    link.jitter_ms = 10;
    link.latency_ms = 20;
    c.configure(link, seed, 4096);
    std::vector<std::uint32_t> order;
    std::vector<std::uint8_t> out;
    Endpoint to;
    for (std::uint32_t i = 0; i < 500; ++i) c.offer(i * 1000, Endpoint{}, datagram(i));
    while (c.pop_due(10'000'000, to, out)) order.push_back(index_of(out));
    return order;
  };
  EXPECT_EQ(run(9), run(9));
  EXPECT_NE(run(9), run(10));
}

TEST(Conditioner, JitterReordersAndStaysInBounds) {
  Conditioner c;
  LinkDirection link;
  link.latency_ms = 50;
  link.jitter_ms = 20;
  c.configure(link, 3, 4096);
  for (std::uint32_t i = 0; i < 1000; ++i)
    c.offer(std::uint64_t{i} * 1000, Endpoint{}, datagram(i));
  std::vector<std::uint8_t> out;
  Endpoint to;
  std::uint32_t inversions = 0, previous = 0, count = 0;
  for (std::uint64_t now = 0; now < 2'000'000; now += 100) {
    while (c.pop_due(now, to, out)) {
      const std::uint32_t i = index_of(out);
      const std::uint64_t sent = std::uint64_t{i} * 1000;
      EXPECT_GE(now + 100, sent + 30'000) << "released before lag - jitter";
      EXPECT_LE(now, sent + 70'000 + 100) << "released after lag + jitter";
      if (count++ > 0 && i < previous) ++inversions;
      previous = i;
    }
  }
  EXPECT_EQ(count, 1000u);
  EXPECT_GT(inversions, 0u);
}

TEST(Conditioner, DuplicationDeliversExtraCopies) {
  Conditioner c;
  LinkDirection link;
  link.duplicate_pct = 25;
  c.configure(link, 5, 4096);
  for (std::uint32_t i = 0; i < 2000; ++i) c.offer(i, Endpoint{}, datagram(i));
  std::vector<int> seen(2000, 0);
  std::vector<std::uint8_t> out;
  Endpoint to;
  while (c.pop_due(10'000'000, to, out)) ++seen[index_of(out)];
  int twice = 0;
  for (int n : seen) {
    EXPECT_GE(n, 1);
    EXPECT_LE(n, 2);
    twice += n == 2;
  }
  EXPECT_NEAR(twice / 20.0, 25.0, 3.0);
}

TEST(Conditioner, ReorderHoldsSomeBehindLaterOnes) {
  Conditioner c;
  LinkDirection link;
  link.reorder_pct = 10;
  c.configure(link, 8, 4096);
  for (std::uint32_t i = 0; i < 1000; ++i)
    c.offer(std::uint64_t{i} * 1000, Endpoint{}, datagram(i));
  std::vector<std::uint8_t> out;
  Endpoint to;
  std::uint32_t previous = 0, inversions = 0;
  bool first = true;
  while (c.pop_due(100'000'000, to, out)) {
    if (!first && index_of(out) < previous) ++inversions;
    previous = index_of(out);
    first = false;
  }
  EXPECT_GT(c.counters().reordered, 50u);
  EXPECT_GT(inversions, 50u);
}

TEST(Conditioner, BandwidthCapPacesAndTailDrops) {
  Conditioner c;
  LinkDirection link;
  link.bandwidth_kbps = 800;  // 100 bytes per millisecond
  c.configure(link, 1, 100'000);
  // 1000-byte datagrams take 10 ms each on this link.
  for (std::uint32_t i = 0; i < 10; ++i)
    ASSERT_EQ(c.offer(0, Endpoint{}, datagram(i, 1000)), Conditioner::Verdict::Queued);
  std::vector<std::uint8_t> out;
  Endpoint to;
  int released = 0;
  while (c.pop_due(50'000, to, out)) ++released;
  EXPECT_EQ(released, 5);
  // A backlog beyond one second is refused, not held without bound.
  int refused = 0;
  for (std::uint32_t i = 0; i < 200; ++i)
    refused += c.offer(50'000, Endpoint{}, datagram(i, 1000)) == Conditioner::Verdict::QueueFull;
  EXPECT_GT(refused, 90);
  EXPECT_LT(refused, 110);
}

TEST(Conditioner, CapacityIsFixed) {
  Conditioner c;
  LinkDirection link;
  link.latency_ms = 100;
  c.configure(link, 1, 8);
  int full = 0;
  for (std::uint32_t i = 0; i < 20; ++i)
    full += c.offer(0, Endpoint{}, datagram(i)) == Conditioner::Verdict::QueueFull;
  EXPECT_EQ(full, 12);
  EXPECT_EQ(c.held(), 8u);
  EXPECT_EQ(c.offer(0, Endpoint{}, std::vector<std::uint8_t>(Conditioner::kMaxDatagram + 1)),
            Conditioner::Verdict::QueueFull);
}

}  // namespace
}  // namespace tickwire::socket
