// Delivery guarantees of each channel kind over a hostile simulated link.
#include <random>

#include "harness.hpp"

namespace tickwire::test {
namespace {

// Message i: 4-byte index, then bytes derived from i, so corruption shows.
std::vector<std::uint8_t> make_message(std::uint32_t index, std::size_t size) {
  std::vector<std::uint8_t> m(std::max<std::size_t>(size, 4));
  for (int b = 0; b < 4; ++b) m[b] = static_cast<std::uint8_t>(index >> (8 * b));
  for (std::size_t k = 4; k < m.size(); ++k) m[k] = static_cast<std::uint8_t>(index * 31 + k * 7);
  return m;
}

std::uint32_t index_of(std::span<const std::uint8_t> data) {
  std::uint32_t v = 0;
  for (int b = 0; b < 4; ++b) v |= std::uint32_t{data[b]} << (8 * b);
  return v;
}

bool intact(std::span<const std::uint8_t> data) {
  const std::uint32_t index = index_of(data);
  for (std::size_t k = 4; k < data.size(); ++k)
    if (data[k] != static_cast<std::uint8_t>(index * 31 + k * 7)) return false;
  return true;
}

LinkConditionerSettings hostile(std::uint64_t seed) {
  LinkConditionerSettings c;
  c.outgoing.loss_pct = 20;
  c.outgoing.jitter_ms = 30;
  c.outgoing.duplicate_pct = 5;
  c.outgoing.reorder_pct = 5;
  c.seed = seed;
  return c;
}

struct Pair {
  Server server;
  Client client;
  Loop loop;

  explicit Pair(LinkConditionerSettings link, std::uint32_t idle_timeout_ms = 10000) {
    ServerSettings s = loopback_server();
    s.conditioner = link;
    s.conditioner.seed += 1000;
    s.idle_timeout_ms = idle_timeout_ms;
    ClientSettings c;
    c.conditioner = link;
    c.idle_timeout_ms = idle_timeout_ms;
    EXPECT_TRUE(server.start(s));
    EXPECT_TRUE(client.connect(address_of(server), client_for(server, c)));
    loop.server = &server;
    loop.clients = {&client};
    EXPECT_TRUE(
        loop.until([&] { return client.connected() && server.connection_count() == 1; }, 10s));
  }
};

// 10,000 messages of random sizes up to 64 KiB (log-uniform, as game traffic
// is mostly small; every 500th is exactly 64 KiB) under 20% loss, 30 ms
// jitter, 5% duplication and 5% reordering in both directions.
TEST(Delivery, ReliableOrderedExactlyOnceInOrderUnderHostileLink) {
  Pair p(hostile(11));
  ASSERT_TRUE(p.client.connected());
  constexpr std::uint32_t kCount = 10'000;
  std::mt19937 rng(77);
  std::uniform_real_distribution<double> log_size(0.0, std::log(65536.0));
  std::uint32_t sent = 0, received = 0, corrupt = 0, out_of_order = 0;
  std::uint64_t bytes_sent = 0;
  p.loop.on_server_message = [&](const Event& e) {
    if (e.channel != kChannelReliable) return;
    if (!intact(e.data)) ++corrupt;
    if (index_of(e.data) != received) ++out_of_order;
    ++received;
  };
  p.loop.each_frame = [&] {
    if (!p.client.connected()) return;
    // Keep about 1 MiB queued so the test measures delivery, not memory.
    while (sent < kCount && p.client.stats().queued_bytes < (1u << 20)) {
      const std::size_t size =
          sent % 500 == 499 ? 65536 : static_cast<std::size_t>(std::exp(log_size(rng)));
      const auto m = make_message(sent, size);
      const Status status = p.client.send(kChannelReliable, m);
      if (status.code == Errc::QueueFull) break;  // back-pressure: try again next frame
      ASSERT_TRUE(status) << status.message << " after " << sent << " messages; client "
                          << to_string(p.client.state()) << ", "
                          << to_string(p.client.disconnect_reason());
      bytes_sent += m.size();
      ++sent;
    }
  };
  const bool done = p.loop.until([&] { return received == kCount || !p.client.connected(); }, 240s);
  EXPECT_TRUE(done) << "received " << received << " of " << sent;
  p.loop.run_for(200ms);  // nothing more may arrive: no duplicates
  EXPECT_EQ(received, kCount);
  EXPECT_EQ(corrupt, 0u);
  EXPECT_EQ(out_of_order, 0u);
  EXPECT_TRUE(p.client.connected());
  // The link really was hostile.
  const HostStats cs = p.client.host_stats();
  EXPECT_GT(cs.drops.conditioner_loss, cs.seam_datagrams_sent / 10);
  RecordProperty("bytes_sent", std::to_string(bytes_sent));
}

TEST(Delivery, UnreliableSequencedNeverDeliversOlderAfterNewer) {
  LinkConditionerSettings link;
  link.outgoing.jitter_ms = 25;
  link.outgoing.reorder_pct = 20;
  link.outgoing.loss_pct = 5;
  link.outgoing.duplicate_pct = 10;
  link.seed = 5;
  Pair p(link);
  ASSERT_TRUE(p.client.connected());
  std::int64_t newest = -1;
  std::uint32_t received = 0, older = 0;
  p.loop.on_server_message = [&](const Event& e) {
    const auto index = static_cast<std::int64_t>(index_of(e.data));
    if (index <= newest) ++older;
    newest = std::max(newest, index);
    ++received;
  };
  std::uint32_t sent = 0;
  p.loop.each_frame = [&] {
    for (int burst = 0; burst < 4 && sent < 4000; ++burst) {
      ASSERT_TRUE(p.client.send(kChannelSequenced, make_message(sent++, 64)));
      p.client.flush();  // one datagram each, so the link can reorder them
    }
  };
  p.loop.until([&] { return sent == 4000; }, 30s);
  p.loop.run_for(500ms);
  EXPECT_EQ(older, 0u);
  EXPECT_GT(received, 1000u) << "most messages still arrive";
  EXPECT_LT(received, sent) << "reordered ones are dropped, not delivered late";
}

TEST(Delivery, UnreliableDeliversAtMostOnceDespiteDuplication) {
  LinkConditionerSettings link;
  link.outgoing.duplicate_pct = 50;
  link.outgoing.jitter_ms = 10;
  link.seed = 9;
  Pair p(link);
  ASSERT_TRUE(p.client.connected());
  std::vector<int> seen(2000, 0);
  p.loop.on_server_message = [&](const Event& e) {
    if (e.channel == kChannelUnreliable) ++seen.at(index_of(e.data));
  };
  std::uint32_t sent = 0;
  p.loop.each_frame = [&] {
    for (int burst = 0; burst < 4 && sent < 2000; ++burst) {
      ASSERT_TRUE(p.client.send(kChannelUnreliable, make_message(sent++, 32)));
      p.client.flush();
    }
  };
  p.loop.until([&] { return sent == 2000; }, 30s);
  p.loop.run_for(300ms);
  int delivered = 0;
  for (int n : seen) {
    EXPECT_LE(n, 1);
    delivered += n > 0;
  }
  EXPECT_GT(delivered, 1900);
}

TEST(Delivery, CustomLanes) {
  Server server;
  Client client;
  ServerSettings s = loopback_server();
  s.channels = {ChannelKind::Unreliable, ChannelKind::ReliableOrdered, ChannelKind::ReliableOrdered,
                ChannelKind::UnreliableSequenced, ChannelKind::ReliableOrdered};
  ClientSettings c;
  c.channels = s.channels;
  ASSERT_TRUE(server.start(s));
  ASSERT_TRUE(client.connect(address_of(server), client_for(server, c)));
  Loop loop;
  loop.server = &server;
  loop.clients = {&client};
  ASSERT_TRUE(loop.until([&] { return client.connected(); }, 5s));
  std::vector<std::uint8_t> lanes;
  loop.on_server_message = [&](const Event& e) { lanes.push_back(e.channel); };
  ASSERT_TRUE(client.send(4, bytes("four")));
  ASSERT_TRUE(client.send(2, bytes("two")));
  EXPECT_EQ(client.send(5, bytes("five")).code, Errc::InvalidArgument);
  ASSERT_TRUE(loop.until([&] { return lanes.size() == 2; }, 3s));
  std::sort(lanes.begin(), lanes.end());
  EXPECT_EQ(lanes, (std::vector<std::uint8_t>{2, 4}));
}

}  // namespace
}  // namespace tickwire::test
