// What is the bit-packed codec's own (snapshot_codec_test.cpp runs what
// every coding promises for it): a stream dated by its own tick (a wrong
// baseline is refused), and hand-written streams of the documented format,
// each inconsistency refused with its cause.
#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <vector>

#include "replication/bitstream.hpp"
#include "replication_test_util.hpp"
#include "tickwire/entity_store.hpp"
#include "tickwire/snapshot_codec.hpp"

namespace tickwire {
namespace {

class DeltaCodec : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(schema.validate());
    codec = make_delta_codec(schema, settings);
    ASSERT_NE(codec, nullptr);
    buffer.resize(codec->max_encoded_bytes());
  }

  std::vector<std::uint8_t> encode(const Snapshot& current, const Snapshot* baseline) {
    const EncodeResult r = codec->encode(current, baseline, buffer);
    EXPECT_EQ(r.error, SnapshotError::None) << to_string(r.error);
    return {buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(r.bytes)};
  }

  Schema schema = test::make_test_schema();
  ReplicationSettings settings{256, 16};
  std::unique_ptr<SnapshotCodec> codec;
  std::vector<std::uint8_t> buffer;
};

// --- Rejection ---------------------------------------------------------------

using DeltaDecoder = test::WithSmallPair<DeltaCodec>;

TEST_F(DeltaDecoder, RejectsAWrongOrMissingBaseline) {
  const auto delta = encode(cur, &base);
  EXPECT_EQ(check(delta, nullptr), SnapshotError::MissingBaseline);
  EXPECT_EQ(check(delta, &cur), SnapshotError::WrongBaseline);
  Snapshot other = base;
  other.clear(19);
  EXPECT_EQ(check(delta, &other), SnapshotError::WrongBaseline);
  EXPECT_EQ(codec->stats().errors[static_cast<std::size_t>(SnapshotError::WrongBaseline)], 2u);
}

// Hand-written streams (docs/PROTOCOL.md, "Snapshots") with one bad value each.
class DeltaDecoderCrafted : public ::testing::Test {
 protected:
  void SetUp() override {
    schema.add({"counter", {FieldSpec::integer("n", 0, 100)}});  // 7 bits, codes 0..100
    ASSERT_TRUE(schema.validate());
    codec = make_delta_codec(schema, settings);
    out = Snapshot(schema, settings);
    baseline = Snapshot(schema, settings);
    baseline.clear(4);
    baseline.append(EntityId::make(0, 1), 0, 1)[0] = 50;
  }

  // Full stream with one entity: gap, generation and value as given.
  std::vector<std::uint8_t> full(std::uint32_t count, std::uint32_t records, std::uint32_t gap_bits,
                                 std::uint32_t gap_len, std::uint32_t generation,
                                 std::uint32_t value) {
    std::vector<std::uint8_t> bytes(32);
    replication::BitWriter w(bytes);
    w.write(5, 32);        // tick
    w.write(0, 1);         // full
    w.write(count, 13);    // entity count
    w.write(records, 13);  // record count
    w.write(gap_bits, gap_len);
    w.write(0, 1);  // generation bucket 0: 4 bits
    w.write(generation, 4);
    w.write(value, 7);
    bytes.resize(w.finish());
    return bytes;
  }

  Schema schema;
  ReplicationSettings settings{16, 4};
  std::unique_ptr<SnapshotCodec> codec;
  Snapshot out, baseline;
};

TEST_F(DeltaDecoderCrafted, MatchesTheDocumentedFormat) {
  ASSERT_EQ(codec->decode(full(1, 1, 0b0, 1, 1, 100), nullptr, out), SnapshotError::None);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out.entities()[0].id, EntityId::make(0, 1));
  EXPECT_EQ(out.codes(out.entities()[0])[0], 100u);
  // Gap bucket 1 ("10" + 3 bits): 1 + 4 = index 5.
  ASSERT_EQ(codec->decode(full(1, 1, 0b10100, 5, 3, 7), nullptr, out), SnapshotError::None);
  EXPECT_EQ(out.entities()[0].id, EntityId::make(5, 3));
  // That stream is 76 bits: 4 padding bits, which must be zero.
  auto padded = full(1, 1, 0b10100, 5, 3, 7);
  ASSERT_EQ(padded.size(), 10u);
  padded.back() |= 1;
  EXPECT_EQ(codec->decode(padded, nullptr, out), SnapshotError::TrailingData);
  auto longer = full(1, 1, 0b0, 1, 1, 100);
  longer.push_back(0);
  EXPECT_EQ(codec->decode(longer, nullptr, out), SnapshotError::TrailingData);
}

TEST_F(DeltaDecoderCrafted, RejectsEachInconsistency) {
  EXPECT_EQ(codec->decode(full(1, 1, 0b0, 1, 1, 101), nullptr, out),
            SnapshotError::ValueOutOfRange);
  EXPECT_EQ(codec->decode(full(1, 1, 0b0, 1, 0, 1), nullptr, out), SnapshotError::BadGeneration);
  EXPECT_EQ(codec->decode(full(17, 1, 0b0, 1, 1, 1), nullptr, out), SnapshotError::TooManyEntities);
  EXPECT_EQ(codec->decode(full(1, 8191, 0b0, 1, 1, 1), nullptr, out),
            SnapshotError::TooManyEntities);
  EXPECT_EQ(codec->decode(full(2, 1, 0b0, 1, 1, 1), nullptr, out), SnapshotError::CountMismatch);
  // Gap bucket 2 ("110" + 6 bits): 9 + 7 = index 16, beyond max_entities 16.
  EXPECT_EQ(codec->decode(full(1, 1, 0b110000111, 9, 1, 1), nullptr, out),
            SnapshotError::IndexOutOfRange);

  Schema two;
  two.add({"a", {FieldSpec::integer("n", 0, 100)}});
  two.add({"b", {FieldSpec::integer("n", 0, 100)}});
  two.add({"c", {FieldSpec::integer("n", 0, 100)}});
  ASSERT_TRUE(two.validate());
  auto three_types = make_delta_codec(two, settings);
  Snapshot three_out(two, settings);
  std::vector<std::uint8_t> bytes(32);
  replication::BitWriter w(bytes);
  w.write(5, 32);
  w.write(0, 1);
  w.write(1, 13);
  w.write(1, 13);
  w.write(0, 1);  // gap 0
  w.write(3, 2);  // type 3 of 3
  w.write(0, 1);  // generation bucket 0
  w.write(1, 4);
  w.write(0, 7);  // value
  bytes.resize(w.finish());
  EXPECT_EQ(three_types->decode(bytes, nullptr, three_out), SnapshotError::UnknownType);
}

TEST_F(DeltaDecoderCrafted, RejectsDeltaRecordsWithoutABaselineEntity) {
  auto delta = [&](std::uint32_t kind_bits, std::uint32_t kind_len, std::uint32_t count,
                   std::uint32_t gap) {
    std::vector<std::uint8_t> bytes(32);
    replication::BitWriter w(bytes);
    w.write(5, 32);
    w.write(1, 1);  // delta
    w.write(0, 1);  // age bucket 0: 8 bits
    w.write(1, 8);  // age 1: baseline tick 4
    w.write(count, 13);
    w.write(1, 13);
    w.write(gap == 0 ? 0b0 : 0b10000, gap == 0 ? 1 : 5);  // gap 0 or gap 1
    w.write(kind_bits, kind_len);
    if (kind_len == 1) w.write(0, 1);  // update mask: no field
    bytes.resize(w.finish());
    return bytes;
  };
  EXPECT_EQ(codec->decode(delta(0b11, 2, 0, 1), &baseline, out), SnapshotError::NoSuchEntity);
  EXPECT_EQ(codec->decode(delta(0b0, 1, 1, 1), &baseline, out), SnapshotError::NoSuchEntity);
  EXPECT_EQ(codec->decode(delta(0b0, 1, 1, 0), &baseline, out), SnapshotError::EmptyUpdate);
  EXPECT_EQ(codec->decode(delta(0b11, 2, 0, 0), &baseline, out), SnapshotError::None);
  EXPECT_EQ(out.size(), 0u) << "the removal was applied";
  EXPECT_EQ(out.tick(), 5u);
}

}  // namespace
}  // namespace tickwire
