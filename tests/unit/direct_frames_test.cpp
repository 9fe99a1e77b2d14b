// The direct lane's framing (socket/direct_frames.hpp): what a sender
// writes, a receiver walks back exactly; anything else is malformed.
#include <gtest/gtest.h>

#include <vector>

#include "socket/direct_frames.hpp"

namespace tickwire::socket {
namespace {

using Bytes = std::vector<std::uint8_t>;

TEST(DirectFrames, WrittenFramesWalkBackExactly) {
  Bytes plain;
  begin_direct(plain, 0x2ABC);
  const std::vector<std::pair<std::uint8_t, std::size_t>> frames = {
      {2, 0}, {0, 1}, {7, 127}, {7, 128}, {1, 300}, {9, kDirectMaxMessage}};
  std::size_t expected = kDirectHeadBytes;
  for (const auto& [channel, size] : frames) {
    append_direct_frame(plain, channel, Bytes(size, static_cast<std::uint8_t>(size)));
    expected += direct_frame_bytes(size);
  }
  EXPECT_EQ(plain.size(), expected);
  EXPECT_EQ(direct_frame_bytes(127), 1u + 1 + 127);
  EXPECT_EQ(direct_frame_bytes(128), 1u + 2 + 128);
  DirectReader reader(plain);
  ASSERT_TRUE(reader.has_head());
  EXPECT_EQ(reader.peer(), 0x2ABC);
  DirectFrame frame;
  for (const auto& [channel, size] : frames) {
    ASSERT_TRUE(reader.next(frame));
    EXPECT_EQ(frame.channel, channel);
    ASSERT_EQ(frame.message.size(), size);
    for (std::uint8_t b : frame.message) ASSERT_EQ(b, static_cast<std::uint8_t>(size));
  }
  EXPECT_FALSE(reader.next(frame));
  EXPECT_FALSE(reader.malformed());
  EXPECT_TRUE(DirectReader::valid(plain, 10));
  EXPECT_FALSE(DirectReader::valid(plain, 9));  // a frame on lane 9 of 9
}

TEST(DirectFrames, MalformedDatagramsAreRefused) {
  const std::vector<Bytes> bad = {
      {},                                // no head
      {0x01},                            // half a head
      {0x01, 0x00},                      // a head and no frame
      {0x01, 0x00, 2},                   // a frame without its length
      {0x01, 0x00, 2, 3, 'a'},           // a length past the end
      {0x01, 0x00, 2, 0x80},             // a 2-byte length cut short
      {0x01, 0x00, 2, 0x85, 0},          // a 2-byte length that fits in one byte
      {0x01, 0x00, 2, 0x85, 0x80, 'a'},  // a third length byte (over 0x3FFF)
      {0x01, 0x00, 2, 1, 'a', 2},        // a good frame, then a cut one
  };
  for (const Bytes& b : bad) {
    SCOPED_TRACE(::testing::PrintToString(b));
    EXPECT_FALSE(DirectReader::valid(b, 255));
    DirectReader reader(b);
    DirectFrame frame;
    while (reader.next(frame)) {
    }
    EXPECT_TRUE(reader.malformed() || !reader.has_head() || b.size() == 2);
  }
  const Bytes good = {0x01, 0x00, 2, 1, 'a'};
  EXPECT_TRUE(DirectReader::valid(good, 3));
  EXPECT_FALSE(DirectReader::valid(good, 2));
}

}  // namespace
}  // namespace tickwire::socket
