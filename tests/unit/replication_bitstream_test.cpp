// Bit streams: round trips, bit order, overflow and overrun.
#include <gtest/gtest.h>

#include <random>
#include <utility>
#include <vector>

#include "replication/bitstream.hpp"

namespace tickwire::replication {
namespace {

TEST(BitStream, WritesMostSignificantBitFirst) {
  std::uint8_t buf[2] = {0xFF, 0xFF};
  BitWriter w(buf);
  w.write(1, 1);
  w.write(0, 1);
  w.write(0b101, 3);
  w.write(0x1FF, 9);
  EXPECT_EQ(w.finish(), 2u);
  EXPECT_EQ(buf[0], 0xA8 | 0x07);  // 1 0 101 111
  EXPECT_EQ(buf[1], 0xFC);         // 111111 then two zero padding bits
}

TEST(BitStream, RandomRoundTrips) {
  std::mt19937 rng(1);
  for (int round = 0; round < 200; ++round) {
    std::vector<std::pair<std::uint32_t, std::uint32_t>> items;  // value, bits
    std::size_t total = 0;
    const int n = std::uniform_int_distribution<int>(0, 300)(rng);
    for (int i = 0; i < n; ++i) {
      const auto bits = std::uniform_int_distribution<std::uint32_t>(0, 32)(rng);
      std::uint32_t value = rng();
      if (bits < 32) value &= (1u << bits) - 1;
      items.emplace_back(value, bits);
      total += bits;
    }
    std::vector<std::uint8_t> buf((total + 7) / 8);
    BitWriter w(buf);
    for (auto [v, b] : items) w.write(v, b);
    EXPECT_EQ(w.bits_written(), total);
    ASSERT_EQ(w.finish(), buf.size());
    ASSERT_FALSE(w.overflow());

    BitReader r(buf);
    for (auto [v, b] : items) ASSERT_EQ(r.read(b), v) << "bits " << b;
    EXPECT_FALSE(r.overrun());
    EXPECT_TRUE(r.at_padded_end());
    EXPECT_EQ(r.bits_read(), total);
  }
}

TEST(BitStream, WriterIgnoresBitsAboveTheWidth) {
  std::uint8_t buf[1] = {};
  BitWriter w(buf);
  w.write(0xFFFFFFF0u | 0b0101, 4);
  EXPECT_EQ(w.finish(), 1u);
  EXPECT_EQ(buf[0], 0x50);
}

TEST(BitStream, WriterOverflowIsStickyAndWritesNothingPastTheBuffer) {
  std::uint8_t buf[3] = {};
  BitWriter w(std::span<std::uint8_t>(buf, 2));
  w.write(0xFFFF, 16);
  EXPECT_FALSE(w.overflow());
  w.write(0xFF, 8);
  EXPECT_TRUE(w.overflow());
  EXPECT_EQ(buf[2], 0) << "wrote past the buffer";
  w.write(1, 1);
  EXPECT_EQ(w.finish(), 0u);

  BitWriter pad(std::span<std::uint8_t>(buf, 2));
  pad.write(0xFFFF, 16);
  pad.write(1, 1);  // needs a third byte once padded
  EXPECT_EQ(pad.finish(), 0u);
  EXPECT_TRUE(pad.overflow());
}

TEST(BitStream, ReaderOverrunReturnsZeroAndSticks) {
  const std::uint8_t buf[2] = {0xFF, 0xFF};
  BitReader r(buf);
  EXPECT_EQ(r.read(12), 0xFFFu);
  EXPECT_EQ(r.bits_left(), 4u);
  EXPECT_EQ(r.read(5), 0u);
  EXPECT_TRUE(r.overrun());
  EXPECT_EQ(r.read(1), 0u) << "nothing is read after an overrun";
  EXPECT_FALSE(r.at_padded_end());

  BitReader empty(std::span<const std::uint8_t>{});
  EXPECT_EQ(empty.read(0), 0u);
  EXPECT_FALSE(empty.overrun());
  EXPECT_TRUE(empty.at_padded_end());
  EXPECT_EQ(empty.read(1), 0u);
  EXPECT_TRUE(empty.overrun());
}

TEST(BitStream, PaddedEndRejectsSetPaddingAndExtraBytes) {
  const std::uint8_t clean[1] = {0xE0};
  BitReader a(clean);
  EXPECT_EQ(a.read(3), 7u);
  EXPECT_TRUE(a.at_padded_end());

  const std::uint8_t dirty[1] = {0xE1};
  BitReader b(dirty);
  (void)b.read(3);
  EXPECT_FALSE(b.at_padded_end());

  const std::uint8_t extra[2] = {0xE0, 0x00};
  BitReader c(extra);
  (void)c.read(3);
  EXPECT_FALSE(c.at_padded_end());
}

}  // namespace
}  // namespace tickwire::replication

namespace tickwire::replication {
namespace {

TEST(BitStream, PatchOverwritesBitsWrittenEarlier) {
  std::vector<std::uint8_t> buf(8, 0);
  BitWriter w(buf);
  w.write(0b101, 3);
  const std::size_t at = w.bits_written();
  w.write(0, 13);
  w.write(0x7F, 7);
  const std::size_t bytes = w.finish();
  w.patch(at, 0x1ABC, 13);
  w.patch(bytes * 8 - 4, 0xF, 13);  // beyond the stream: ignored
  BitReader r({buf.data(), bytes});
  EXPECT_EQ(r.read(3), 0b101u);
  EXPECT_EQ(r.read(13), 0x1ABCu);
  EXPECT_EQ(r.read(7), 0x7Fu);
  EXPECT_TRUE(r.at_padded_end());
}

}  // namespace
}  // namespace tickwire::replication
