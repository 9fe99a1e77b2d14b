// The delta codec: exact round trips on random worlds, sizes, and a decoder
// that rejects anything inconsistent without crashing.
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

TEST_F(DeltaCodec, RandomWorldsRoundTripExactlyFullAndDelta) {
  EntityStore store(schema, settings);
  SnapshotRing ring(schema, settings);
  Snapshot decoded(schema, settings);
  std::mt19937 rng(42);
  test::RandomWorld world{store, rng, {}};
  for (int i = 0; i < 60; ++i) (void)world.create();
  std::uniform_int_distribution<int> small(0, 6);
  std::uint64_t deltas = 0;
  for (std::uint32_t tick = 1; tick <= 400; ++tick) {
    const double p = tick % 50 == 0 ? 1.0 : 0.1;  // now and then everything changes
    world.step(p, small(rng), small(rng));
    if (tick % 97 == 0) {  // emptied and refilled: every slot changes owner
      while (!world.live.empty()) world.destroy_random();
      for (int i = 0; i < 250; ++i) (void)world.create();
    }
    const Snapshot* current = ring.capture(store, tick);
    ASSERT_NE(current, nullptr);

    const auto full = encode(*current, nullptr);
    ASSERT_EQ(codec->decode(full, nullptr, decoded), SnapshotError::None) << "tick " << tick;
    ASSERT_TRUE(decoded == *current) << "full, tick " << tick;

    const std::uint32_t back = std::uniform_int_distribution<std::uint32_t>(1, 15)(rng);
    const Snapshot* baseline = ring.find(tick - back);
    if (baseline == nullptr) continue;
    const auto delta = encode(*current, baseline);
    ASSERT_EQ(codec->decode(delta, baseline, decoded), SnapshotError::None) << "tick " << tick;
    ASSERT_TRUE(decoded == *current) << "delta against " << tick - back << ", tick " << tick;
    // A full stream decodes the same whether or not a baseline is offered.
    ASSERT_EQ(codec->decode(full, baseline, decoded), SnapshotError::None);
    ASSERT_TRUE(decoded == *current);
    ++deltas;
  }
  EXPECT_GT(deltas, 300u);
  EXPECT_EQ(codec->stats().decode_errors, 0u);
  EXPECT_EQ(codec->stats().decoded, codec->stats().encoded + deltas);
}

TEST_F(DeltaCodec, UnchangedWorldIsAHeaderOnly) {
  EntityStore store(schema, settings);
  std::mt19937 rng(1);
  test::RandomWorld world{store, rng, {}};
  for (int i = 0; i < 100; ++i) (void)world.create();
  Snapshot a(schema, settings), b(schema, settings), decoded(schema, settings);
  store.capture(10, a);
  store.capture(11, b);
  const auto delta = encode(b, &a);
  EXPECT_LE(delta.size(), 10u);  // tick, flag, age, two counts
  ASSERT_EQ(codec->decode(delta, &a, decoded), SnapshotError::None);
  EXPECT_TRUE(decoded == b);
  Snapshot empty(schema, settings);
  empty.clear(3);
  const auto none = encode(empty, nullptr);
  ASSERT_EQ(codec->decode(none, nullptr, decoded), SnapshotError::None);
  EXPECT_TRUE(decoded == empty);
}

// Fiedler's cubes: 900 cubes, a fraction of them moving a little per tick.
TEST_F(DeltaCodec, DeltaIsMuchSmallerThanFullWhenFewChange) {
  settings = ReplicationSettings{1024, 8};
  codec = make_delta_codec(schema, settings);
  buffer.resize(codec->max_encoded_bytes());
  EntityStore store(schema, settings);
  std::mt19937 rng(5);
  std::vector<EntityId> cubes;
  for (int i = 0; i < 900; ++i) {
    cubes.push_back(store.create(0));
    test::randomise(store, cubes.back(), rng, false);
  }
  Snapshot base(schema, settings), cur(schema, settings), decoded(schema, settings);
  store.capture(100, base);
  const std::size_t full = encode(base, nullptr).size();
  std::printf("[ sizes    ] full snapshot of 900 cubes: %zu bytes (%.1f bits per cube)\n", full,
              static_cast<double>(full) * 8 / 900);
  std::uint32_t tick = 100;
  for (const double fraction : {0.01, 0.1, 1.0}) {
    EntityStore moved = store;
    for (std::size_t i = 0; i < cubes.size(); ++i)
      if (static_cast<double>(i % 100) < fraction * 100)
        test::randomise(moved, cubes[i], rng, true);
    moved.capture(++tick, cur);
    const auto delta = encode(cur, &base);
    ASSERT_EQ(codec->decode(delta, &base, decoded), SnapshotError::None);
    ASSERT_TRUE(decoded == cur);
    std::printf("[ sizes    ] delta with %5.1f%% of cubes moved a little: %zu bytes\n",
                fraction * 100, delta.size());
    if (fraction == 0.01) {
      EXPECT_LT(delta.size() * 5, full);
      EXPECT_LT(delta.size() * 40, full);
    }
    EXPECT_LT(delta.size(), full);
  }
}

// --- Rejection ---------------------------------------------------------------

class DeltaDecoder : public DeltaCodec {
 protected:
  // A small world and two snapshots of it: streams of a few hundred bytes.
  void SetUp() override {
    DeltaCodec::SetUp();
    store = std::make_unique<EntityStore>(schema, settings);
    std::mt19937 rng(8);
    test::RandomWorld world{*store, rng, {}};
    for (int i = 0; i < 24; ++i) (void)world.create();
    base = Snapshot(schema, settings);
    cur = Snapshot(schema, settings);
    out = Snapshot(schema, settings);
    store->capture(20, base);
    world.step(0.3, 3, 3);
    store->capture(23, cur);
  }

  // Decodes `bytes`: either an error with a cause or a well-formed snapshot.
  SnapshotError check(const std::vector<std::uint8_t>& bytes, const Snapshot* baseline) {
    const SnapshotError e = codec->decode(bytes, baseline, out);
    if (e == SnapshotError::None) {
      EXPECT_TRUE(test::well_formed(schema, settings, out));
    } else {
      EXPECT_EQ(out.size(), 0u) << "left empty on error";
    }
    return e;
  }

  std::unique_ptr<EntityStore> store;
  Snapshot base, cur, out;
};

TEST_F(DeltaDecoder, RejectsEveryTruncation) {
  for (const Snapshot* baseline :
       {static_cast<const Snapshot*>(nullptr), static_cast<const Snapshot*>(&base)}) {
    const auto stream = encode(cur, baseline);
    for (std::size_t n = 0; n < stream.size(); ++n) {
      const std::vector<std::uint8_t> cut(stream.begin(), stream.begin() + static_cast<long>(n));
      EXPECT_EQ(check(cut, &base), SnapshotError::Overrun) << "length " << n;
    }
  }
}

TEST_F(DeltaDecoder, SurvivesEveryBitFlip) {
  std::size_t accepted = 0, rejected = 0;
  for (const Snapshot* baseline :
       {static_cast<const Snapshot*>(nullptr), static_cast<const Snapshot*>(&base)}) {
    const auto stream = encode(cur, baseline);
    for (std::size_t bit = 0; bit < stream.size() * 8; ++bit) {
      auto flipped = stream;
      flipped[bit / 8] ^= static_cast<std::uint8_t>(0x80u >> (bit % 8));
      const SnapshotError e = check(flipped, &base);
      (e == SnapshotError::None ? accepted : rejected)++;
    }
  }
  const CodecStats& stats = codec->stats();
  EXPECT_EQ(stats.decode_errors, rejected);
  std::uint64_t by_cause = 0;
  for (auto n : stats.errors) by_cause += n;
  EXPECT_EQ(by_cause, rejected);
  EXPECT_GT(rejected, 0u);
  std::printf("[ flips    ] %zu accepted (well-formed), %zu rejected:", accepted, rejected);
  for (std::size_t i = 1; i < kSnapshotErrorCount; ++i)
    if (stats.errors[i] != 0)
      std::printf(" %s=%llu", to_string(static_cast<SnapshotError>(i)),
                  static_cast<unsigned long long>(stats.errors[i]));
  std::printf("\n");
}

TEST_F(DeltaDecoder, RejectsTrailingData) {
  auto stream = encode(cur, &base);
  stream.push_back(0);
  EXPECT_EQ(check(stream, &base), SnapshotError::TrailingData);
}

TEST_F(DeltaDecoder, RejectsAWrongOrMissingBaseline) {
  const auto delta = encode(cur, &base);
  EXPECT_EQ(check(delta, nullptr), SnapshotError::MissingBaseline);
  EXPECT_EQ(check(delta, &cur), SnapshotError::WrongBaseline);
  Snapshot other = base;
  other.clear(19);
  EXPECT_EQ(check(delta, &other), SnapshotError::WrongBaseline);
  EXPECT_EQ(codec->stats().errors[static_cast<std::size_t>(SnapshotError::WrongBaseline)], 2u);
}

TEST_F(DeltaDecoder, RejectsMoreEntitiesThanItsCapacity) {
  auto small = make_delta_codec(schema, ReplicationSettings{8, 4});
  Snapshot small_out(schema, ReplicationSettings{8, 4});
  const auto full = encode(cur, nullptr);
  EXPECT_EQ(small->decode(full, nullptr, small_out), SnapshotError::TooManyEntities);
  EXPECT_EQ(small_out.size(), 0u);
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

TEST_F(DeltaCodec, EncodeRefusesASmallBufferAndForeignSnapshots) {
  EntityStore store(schema, settings);
  for (int i = 0; i < 10; ++i) (void)store.create(1);
  Snapshot s(schema, settings);
  store.capture(1, s);
  std::uint8_t tiny[8];
  EXPECT_EQ(codec->encode(s, nullptr, tiny).error, SnapshotError::BufferTooSmall);
  Snapshot bad(schema, settings);
  bad.clear(1);
  (void)bad.append(EntityId::make(0, 1), 7, 1);  // unknown type
  EXPECT_EQ(codec->encode(bad, nullptr, buffer).error, SnapshotError::BadSnapshot);
  EXPECT_EQ(codec->stats().errors[static_cast<std::size_t>(SnapshotError::BufferTooSmall)], 1u);
}

}  // namespace
}  // namespace tickwire
