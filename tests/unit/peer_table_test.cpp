// The seam's fixed-capacity endpoint table, checked against std::map.
#include <gtest/gtest.h>

#include <map>
#include <random>

#include "socket/pipeline.hpp"

namespace tickwire::socket {
namespace {

TEST(PeerTable, InsertFindErase) {
  PeerTable table(4);
  PeerCounters* a = table.insert(Endpoint{0x0100007f, 1000});
  ASSERT_NE(a, nullptr);
  a->bytes_sent = 5;
  EXPECT_EQ(table.find(Endpoint{0x0100007f, 1000})->bytes_sent, 5u);
  EXPECT_EQ(table.find(Endpoint{0x0100007f, 1001}), nullptr);
  table.erase(Endpoint{0x0100007f, 1000});
  EXPECT_EQ(table.find(Endpoint{0x0100007f, 1000}), nullptr);
  EXPECT_EQ(table.size(), 0u);
}

TEST(PeerTable, RefusesBeyondCapacity) {
  PeerTable table(3);
  for (std::uint16_t p = 1; p <= 3; ++p) ASSERT_NE(table.insert(Endpoint{1, p}), nullptr);
  EXPECT_EQ(table.insert(Endpoint{1, 4}), nullptr);
  EXPECT_NE(table.insert(Endpoint{1, 2}), nullptr) << "re-tracking a known endpoint is fine";
}

TEST(PeerTable, RandomOperationsMatchAMap) {
  PeerTable table(64);
  std::map<std::pair<std::uint32_t, std::uint16_t>, std::uint64_t> model;
  std::mt19937 rng(1234);
  for (int step = 0; step < 20'000; ++step) {
    // Few distinct hosts and ports, so that probe clusters form and deletions shift them.
    const Endpoint e{static_cast<std::uint32_t>(rng() % 5), static_cast<std::uint16_t>(rng() % 40)};
    const auto key = std::make_pair(e.host, e.port);
    if (rng() % 3 == 0) {
      table.erase(e);
      model.erase(key);
    } else if (PeerCounters* c = table.insert(e)) {
      c->bytes_received = static_cast<std::uint64_t>(step);
      model[key] = static_cast<std::uint64_t>(step);
    } else {
      EXPECT_EQ(model.size(), 64u);
    }
    ASSERT_EQ(table.size(), model.size());
    if (step % 97 == 0) {
      for (const auto& [k, v] : model) {
        PeerCounters* c = table.find(Endpoint{k.first, k.second});
        ASSERT_NE(c, nullptr);
        EXPECT_EQ(c->bytes_received, v);
      }
    }
  }
}

}  // namespace
}  // namespace tickwire::socket
