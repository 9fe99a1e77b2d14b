// The snapshot envelope: round trip, and nothing malformed gets through.
#include <gtest/gtest.h>

#include <random>

#include "tickwire/snapshot_stream.hpp"
#include "wire/envelope.hpp"

namespace tickwire::wire {
namespace {

std::vector<std::uint8_t> sample(SnapshotHeader& header) {
  header = {1234, 1228, true, 1201, 987654321ull};
  const std::vector<std::uint8_t> payload = {1, 2, 3, 4, 5, 250};
  std::vector<std::uint8_t> out;
  write_snapshot_envelope(header, payload, out);
  return out;
}

TEST(SnapshotEnvelope, OverheadStaysWithinThePublishedBound) {
  std::size_t worst = 0;
  for (std::size_t n = 0; n <= 1400; ++n) {
    for (const bool baseline : {false, true}) {
      SnapshotHeader header{0xFFFFFFFFu, 0xFFFFFFFEu, baseline, 0xFFFFFFFFu, ~0ull};
      const std::vector<std::uint8_t> payload(n, 0xA5);
      std::vector<std::uint8_t> out;
      write_snapshot_envelope(header, payload, out);
      worst = std::max(worst, out.size() - n);
    }
  }
  EXPECT_LE(worst, kSnapshotEnvelopeOverhead);
  EXPECT_GT(worst, kSnapshotEnvelopeOverhead / 2) << "the bound should be tight";
}

TEST(SnapshotEnvelope, RoundTrips) {
  SnapshotHeader header;
  const auto bytes = sample(header);
  SnapshotHeader read;
  std::span<const std::uint8_t> payload;
  ASSERT_EQ(read_snapshot_envelope(bytes, read, payload), EnvelopeError::Ok);
  EXPECT_EQ(read.tick, 1234u);
  EXPECT_EQ(read.baseline_tick, 1228u);
  EXPECT_TRUE(read.has_baseline);
  EXPECT_EQ(read.acked_input_tick, 1201u);
  EXPECT_EQ(read.server_time_us, 987654321ull);
  EXPECT_EQ(std::vector<std::uint8_t>(payload.begin(), payload.end()),
            (std::vector<std::uint8_t>{1, 2, 3, 4, 5, 250}));
  EXPECT_EQ(bytes[4], 'T') << "file identifier TWSN";
}

TEST(SnapshotEnvelope, RefusesWhatDoesNotVerify) {
  SnapshotHeader header;
  const auto bytes = sample(header);
  std::span<const std::uint8_t> payload;
  // Cut short: refused, unless only the builder's trailing alignment padding
  // went (then the payload is whole and inside what is left).
  const std::vector<std::uint8_t> whole = {1, 2, 3, 4, 5, 250};
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    if (read_snapshot_envelope({bytes.data(), n}, header, payload) != EnvelopeError::Ok) continue;
    EXPECT_GE(n, bytes.size() - 7) << "more than padding was cut: " << n;
    EXPECT_LE(payload.data() + payload.size(), bytes.data() + n);
    EXPECT_EQ(std::vector<std::uint8_t>(payload.begin(), payload.end()), whole);
  }
  std::vector<std::uint8_t> junk(300);
  std::mt19937 rng(5);
  int accepted = 0;
  for (int i = 0; i < 2000; ++i) {
    for (auto& b : junk) b = static_cast<std::uint8_t>(rng());
    accepted += read_snapshot_envelope(junk, header, payload) == EnvelopeError::Ok;
  }
  EXPECT_EQ(accepted, 0) << "random bytes lack the identifier and do not verify";
  // Every bit flip either still verifies (a different but well-formed
  // envelope) or is refused; none may read outside the buffer (ASan).
  for (std::size_t bit = 0; bit < bytes.size() * 8; ++bit) {
    auto flipped = bytes;
    flipped[bit / 8] ^= static_cast<std::uint8_t>(1u << (bit % 8));
    if (read_snapshot_envelope(flipped, header, payload) == EnvelopeError::Ok) {
      EXPECT_GE(payload.data(), flipped.data());
      EXPECT_LE(payload.data() + payload.size(), flipped.data() + flipped.size());
    }
  }
  std::vector<std::uint8_t> huge(kMaxEnvelopeBytes + 1);
  EXPECT_EQ(read_snapshot_envelope(huge, header, payload), EnvelopeError::TooLarge);
}

}  // namespace
}  // namespace tickwire::wire
