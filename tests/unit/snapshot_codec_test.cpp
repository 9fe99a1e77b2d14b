// What every snapshot coding promises, one set of tests run for each
// (SnapshotCoding): exact round trips of random worlds, every field and
// record kind and extreme codes; short streams when little changed; and a
// decoder that refuses truncations, extra bytes, missing baselines, too many
// entities, flipped bits and random bytes with a counted cause, or decodes
// them to a well-formed snapshot, never crashing. What belongs to one format
// (hand-written streams, trained priors) is in replication_delta_test.cpp and
// replication_range_codec_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "replication_test_util.hpp"
#include "tickwire/entity_store.hpp"
#include "tickwire/snapshot_codec.hpp"

namespace tickwire {
namespace {

const char* name_of(SnapshotCoding coding) {
  return coding == SnapshotCoding::Range ? "range" : "bitpacked";
}

class Codecs : public ::testing::TestWithParam<SnapshotCoding> {
 protected:
  void SetUp() override {
    ASSERT_TRUE(schema.validate());
    make(settings);
  }
  void make(ReplicationSettings s) {
    s.coding = GetParam();
    settings = s;
    codec = make_codec(schema, settings);
    ASSERT_NE(codec, nullptr);
    buffer.resize(codec->max_encoded_bytes());
  }
  std::vector<std::uint8_t> encode(const Snapshot& current, const Snapshot* baseline) {
    const EncodeResult r = codec->encode(current, baseline, buffer);
    EXPECT_EQ(r.error, SnapshotError::None) << to_string(r.error);
    EXPECT_LE(r.bytes, codec->max_encoded_bytes());
    return {buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(r.bytes)};
  }

  Schema schema = test::make_test_schema();
  ReplicationSettings settings{256, 16};
  std::unique_ptr<SnapshotCodec> codec;
  std::vector<std::uint8_t> buffer;
};

TEST_P(Codecs, RefuseAnInvalidSchemaOrSettings) {
  Schema unvalidated;
  unvalidated.add({"a", {FieldSpec::boolean("b")}});
  ReplicationSettings s = settings;
  EXPECT_EQ(make_codec(unvalidated, s), nullptr);
  s.max_entities = 0;
  EXPECT_EQ(make_codec(schema, s), nullptr);
}

TEST_P(Codecs, RandomWorldsRoundTripExactlyFullAndDelta) {
  EntityStore store(schema, settings);
  SnapshotRing ring(schema, settings);
  Snapshot decoded(schema, settings);
  std::mt19937 rng(42);
  test::RandomWorld world{store, rng, {}};
  for (int i = 0; i < 60; ++i) (void)world.create();
  std::uniform_int_distribution<int> small(0, 6);
  std::uint64_t deltas = 0, bytes = 0;
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
    bytes += delta.size();
    ++deltas;
  }
  EXPECT_GT(deltas, 300u);
  EXPECT_EQ(codec->stats().decode_errors, 0u);
  EXPECT_EQ(codec->stats().decoded, codec->stats().encoded + deltas);
  std::printf("[ sizes    ] %s: random worlds, %llu deltas, %llu bytes\n", name_of(GetParam()),
              static_cast<unsigned long long>(deltas), static_cast<unsigned long long>(bytes));
}

TEST_P(Codecs, EveryFieldKindAndEveryRecordKindRoundTrip) {
  // Every kind of field (the test schema), and in one stream: updates of
  // each type, creates into free slots, creates replacing a slot's occupant
  // (new generation), removals, and entities carried over unchanged.
  EntityStore store(schema, settings);
  std::mt19937 rng(3);
  test::RandomWorld world{store, rng, {}};
  for (int i = 0; i < 40; ++i) (void)world.create();
  Snapshot a(schema, settings), b(schema, settings), decoded(schema, settings);
  store.capture(7, a);
  for (std::size_t i = 0; i < world.live.size(); i += 3)
    test::randomise(store, world.live[i], rng, i % 2 == 0);
  for (int i = 0; i < 5; ++i) world.destroy_random();
  for (int i = 0; i < 3; ++i) (void)world.create();  // reuses freed slots
  for (int i = 0; i < 4; ++i) (void)world.create();
  store.capture(9, b);
  const auto stream = encode(b, &a);
  ASSERT_EQ(codec->decode(stream, &a, decoded), SnapshotError::None);
  EXPECT_TRUE(decoded == b);
  const auto full = encode(b, nullptr);
  ASSERT_EQ(codec->decode(full, nullptr, decoded), SnapshotError::None);
  EXPECT_TRUE(decoded == b);
  // The codec keeps no state between streams: an older stream decodes again.
  ASSERT_EQ(codec->decode(stream, &a, decoded), SnapshotError::None);
  EXPECT_TRUE(decoded == b);
}

TEST_P(Codecs, ExtremeCodesRoundTrip) {
  // Every component at 0, then at its largest code, then back: raw forms and
  // the largest deltas in both directions.
  Snapshot lo(schema, settings), hi(schema, settings), decoded(schema, settings);
  lo.clear(1);
  hi.clear(2);
  for (std::uint32_t i = 0; i < 30; ++i) {
    const auto type = static_cast<TypeId>(i % 3);
    const TypeLayout& layout = schema.layout(type);
    const auto w = static_cast<std::uint16_t>(layout.words);
    auto l = lo.append(EntityId::make(i * 7, 1 + i * 40000), type, w);
    auto h = hi.append(EntityId::make(i * 7, 1 + i * 40000), type, w);
    for (std::uint32_t k = 0; k < layout.words; ++k) {
      l[k] = 0;
      h[k] = layout.components[k].max_code;
    }
  }
  for (const auto& [cur, base] : {std::pair{&hi, &lo}, std::pair{&lo, &hi}}) {
    const auto stream = encode(*cur, base);
    ASSERT_EQ(codec->decode(stream, base, decoded), SnapshotError::None);
    EXPECT_TRUE(decoded == *cur);
    const auto full = encode(*cur, nullptr);
    ASSERT_EQ(codec->decode(full, nullptr, decoded), SnapshotError::None);
    EXPECT_TRUE(decoded == *cur);
  }
}

TEST_P(Codecs, ATypeOfThirtyTwoFieldsUpdatesAnyMask) {
  // A 32-field update uses every bit of the field mask: all 32 changed, or
  // all but field 0.
  Schema wide;
  EntityTypeSpec spec{"wide", {}};
  for (int f = 0; f < 32; ++f)
    spec.fields.push_back(FieldSpec::integer("f" + std::to_string(f), 0, 1000));
  wide.add(spec);
  ASSERT_TRUE(wide.validate());
  ReplicationSettings s{16, 4};
  s.coding = GetParam();
  auto c = make_codec(wide, s);
  ASSERT_NE(c, nullptr);
  std::vector<std::uint8_t> out(c->max_encoded_bytes());
  Snapshot base(wide, s), cur(wide, s), decoded(wide, s);
  base.clear(1);
  for (std::uint32_t i = 0; i < 3; ++i) {
    auto codes = base.append(EntityId::make(i * 2, 1), 0, 32);
    for (std::uint32_t k = 0; k < 32; ++k) codes[k] = 100 + k;
  }
  for (const std::uint32_t first : {0u, 1u}) {
    cur.clear(2);
    for (std::uint32_t i = 0; i < 3; ++i) {
      auto codes = cur.append(EntityId::make(i * 2, 1), 0, 32);
      for (std::uint32_t k = 0; k < 32; ++k) codes[k] = 100 + k + (i == 1 && k >= first ? 7 : 0);
    }
    const EncodeResult r = c->encode(cur, &base, out);
    ASSERT_EQ(r.error, SnapshotError::None);
    ASSERT_EQ(c->decode({out.data(), r.bytes}, &base, decoded), SnapshotError::None) << first;
    EXPECT_TRUE(decoded == cur) << "fields " << first << "..31 changed";
  }
}

TEST_P(Codecs, AnUnchangedWorldAndAnEmptyOneAreShort) {
  EntityStore store(schema, settings);
  std::mt19937 rng(1);
  test::RandomWorld world{store, rng, {}};
  for (int i = 0; i < 100; ++i) (void)world.create();
  Snapshot a(schema, settings), b(schema, settings), decoded(schema, settings);
  store.capture(10, a);
  store.capture(11, b);
  const auto delta = encode(b, &a);
  // A header (and the range coder's 4-byte flush).
  EXPECT_LE(delta.size(), GetParam() == SnapshotCoding::Range ? 12u : 10u);
  ASSERT_EQ(codec->decode(delta, &a, decoded), SnapshotError::None);
  EXPECT_TRUE(decoded == b);
  Snapshot empty(schema, settings);
  empty.clear(3);
  const auto none = encode(empty, nullptr);
  EXPECT_LE(none.size(), 12u);
  ASSERT_EQ(codec->decode(none, nullptr, decoded), SnapshotError::None);
  EXPECT_TRUE(decoded == empty);
}

// Fiedler's cubes: 900 cubes, a fraction of them moving a little per tick.
// The sizes are pinned (docs/PROTOCOL.md, "Size", publishes them): a change
// to what either encoder writes shows here first.
TEST_P(Codecs, ADeltaIsMuchSmallerThanFullWhenFewChange) {
  const bool range = GetParam() == SnapshotCoding::Range;
  const std::array<std::size_t, 4> expected = range
                                                  ? std::array<std::size_t, 4>{8694, 66, 409, 3799}
                                                  : std::array<std::size_t, 4>{9458, 69, 481, 5243};
  make(ReplicationSettings{1024, 8});
  EntityStore store(schema, settings);
  std::mt19937 rng(5);
  const std::vector<EntityId> cubes = test::make_cubes(store, rng, 900);
  Snapshot base(schema, settings), cur(schema, settings), decoded(schema, settings);
  store.capture(100, base);
  const std::size_t full = encode(base, nullptr).size();
  std::printf("[ sizes    ] %s: full snapshot of 900 cubes: %zu bytes (%.1f bits per cube)\n",
              name_of(GetParam()), full, static_cast<double>(full) * 8 / 900);
  EXPECT_EQ(full, expected[0]);
  std::uint32_t tick = 100;
  std::size_t k = 1;
  for (const double fraction : {0.01, 0.1, 1.0}) {
    test::move_cubes(store, cubes, fraction, rng).capture(++tick, cur);
    const auto delta = encode(cur, &base);
    ASSERT_EQ(codec->decode(delta, &base, decoded), SnapshotError::None);
    ASSERT_TRUE(decoded == cur);
    std::printf("[ sizes    ] %s: delta with %5.1f%% of cubes moved a little: %zu bytes\n",
                name_of(GetParam()), fraction * 100, delta.size());
    if (fraction == 0.01) {
      EXPECT_LT(delta.size() * 40, full);
    }
    EXPECT_LT(delta.size(), full);
    EXPECT_EQ(delta.size(), expected[k++]) << fraction;
  }
}

TEST_P(Codecs, EncodeRefusesASmallBufferAndForeignSnapshots) {
  EntityStore store(schema, settings);
  for (int i = 0; i < 10; ++i) (void)store.create(1);
  Snapshot s(schema, settings);
  store.capture(1, s);
  std::uint8_t tiny[8];
  EXPECT_EQ(codec->encode(s, nullptr, tiny).error, SnapshotError::BufferTooSmall);
  const auto stream = encode(s, nullptr);
  std::vector<std::uint8_t> exact(stream.size());
  EXPECT_EQ(codec->encode(s, nullptr, exact).bytes, stream.size()) << "an exact buffer is enough";
  std::vector<std::uint8_t> short_by_one(stream.size() - 1);
  EXPECT_EQ(codec->encode(s, nullptr, short_by_one).error, SnapshotError::BufferTooSmall);
  Snapshot bad(schema, settings);
  bad.clear(1);
  (void)bad.append(EntityId::make(0, 1), 7, 1);  // unknown type
  EXPECT_EQ(codec->encode(bad, nullptr, buffer).error, SnapshotError::BadSnapshot);
  EXPECT_EQ(codec->stats().errors[static_cast<std::size_t>(SnapshotError::BufferTooSmall)], 2u);
}

// --- Refusals -----------------------------------------------------------------

class Decoders : public test::WithSmallPair<Codecs> {
 protected:
  // `out`, just decoded from `bytes` against `baseline`, encodes again to a
  // stream that decodes to the same snapshot. Every valid range-coded stream
  // is the encoder's exact output (a full stream decodes whatever baseline
  // is offered); bit-packed streams may spell a delta longer than the
  // encoder does.
  void expect_reencodes(std::span<const std::uint8_t> bytes, const Snapshot* baseline) {
    std::vector<std::uint8_t> again(codec->max_encoded_bytes());
    std::vector<std::uint8_t> as_full(codec->max_encoded_bytes());
    const EncodeResult r = codec->encode(out, baseline, again);
    ASSERT_EQ(r.error, SnapshotError::None);
    // The encoder keeps nothing from one stream to the next: twice the same.
    std::vector<std::uint8_t> twice(codec->max_encoded_bytes());
    const EncodeResult r2 = codec->encode(out, baseline, twice);
    ASSERT_EQ(r2.bytes, r.bytes);
    EXPECT_TRUE(std::equal(again.begin(), again.begin() + static_cast<std::ptrdiff_t>(r.bytes),
                           twice.begin()));
    if (GetParam() == SnapshotCoding::Range) {
      const EncodeResult f = codec->encode(out, nullptr, as_full);
      auto same = [&](const std::vector<std::uint8_t>& v, std::size_t n) {
        return std::equal(bytes.begin(), bytes.end(), v.begin(),
                          v.begin() + static_cast<std::ptrdiff_t>(n));
      };
      EXPECT_TRUE(same(again, r.bytes) || same(as_full, f.bytes))
          << "accepted bytes that the encoder does not write";
    }
    Snapshot round(schema, settings);
    ASSERT_EQ(codec->decode({again.data(), r.bytes}, baseline, round), SnapshotError::None);
    EXPECT_TRUE(round == out);
  }
  // Every rejection is counted once, by its cause.
  void expect_counted(std::size_t rejected) const {
    const CodecStats& stats = codec->stats();
    EXPECT_EQ(stats.decode_errors, rejected);
    std::uint64_t by_cause = 0;
    for (auto n : stats.errors) by_cause += n;
    EXPECT_EQ(by_cause, rejected);
  }
  void print_causes(const char* what, std::size_t accepted) const {
    const CodecStats& stats = codec->stats();
    std::printf("[ %-8s ] %s: %zu accepted (well-formed), %llu rejected:", what,
                name_of(GetParam()), accepted,
                static_cast<unsigned long long>(stats.decode_errors));
    for (std::size_t i = 1; i < kSnapshotErrorCount; ++i)
      if (stats.errors[i] != 0)
        std::printf(" %s=%llu", to_string(static_cast<SnapshotError>(i)),
                    static_cast<unsigned long long>(stats.errors[i]));
    std::printf("\n");
  }
};

TEST_P(Decoders, RejectEveryTruncationAsAnOverrun) {
  for (const Snapshot* baseline :
       {static_cast<const Snapshot*>(nullptr), static_cast<const Snapshot*>(&base)}) {
    const auto stream = encode(cur, baseline);
    for (std::size_t n = 0; n < stream.size(); ++n) {
      const std::span<const std::uint8_t> cut(stream.data(), n);
      EXPECT_EQ(check(cut, &base), SnapshotError::Overrun) << "length " << n;
    }
  }
}

TEST_P(Decoders, RejectTrailingData) {
  auto stream = encode(cur, &base);
  stream.push_back(0);
  EXPECT_EQ(check(stream, &base), SnapshotError::TrailingData);
  expect_counted(1);
}

TEST_P(Decoders, RejectAMissingBaseline) {
  const auto delta = encode(cur, &base);
  EXPECT_EQ(check(delta, nullptr), SnapshotError::MissingBaseline);
  EXPECT_EQ(check(delta, &base), SnapshotError::None);
  EXPECT_TRUE(out == cur);
}

TEST_P(Decoders, RejectMoreEntitiesThanTheirCapacity) {
  ReplicationSettings small_settings{8, 4};
  small_settings.coding = GetParam();
  auto small = make_codec(schema, small_settings);
  ASSERT_NE(small, nullptr);
  Snapshot small_out(schema, small_settings);
  const auto full = encode(cur, nullptr);
  EXPECT_EQ(small->decode(full, nullptr, small_out), SnapshotError::TooManyEntities);
  EXPECT_EQ(small_out.size(), 0u);
}

// A flipped bit is refused with a counted cause, or what it decodes to
// encodes again (expect_reencodes).
TEST_P(Decoders, SurviveEveryBitFlip) {
  std::size_t accepted = 0, rejected = 0;
  for (const Snapshot* baseline :
       {static_cast<const Snapshot*>(nullptr), static_cast<const Snapshot*>(&base)}) {
    const auto stream = encode(cur, baseline);
    for (std::size_t bit = 0; bit < stream.size() * 8; ++bit) {
      auto flipped = stream;
      flipped[bit / 8] ^= static_cast<std::uint8_t>(0x80u >> (bit % 8));
      const SnapshotError e = check(flipped, &base);
      (e == SnapshotError::None ? accepted : rejected)++;
      if (e == SnapshotError::None) expect_reencodes(flipped, &base);
    }
  }
  expect_counted(rejected);
  EXPECT_GT(rejected, 0u);
  print_causes("flips", accepted);
}

// Random bytes are refused, or decode to a snapshot that encodes again
// (expect_reencodes).
TEST_P(Decoders, RandomBytesAreRefusedOrAValidSnapshot) {
  std::mt19937 rng(99);
  std::size_t accepted = 0, rejected = 0;
  for (int i = 0; i < 20000; ++i) {
    std::vector<std::uint8_t> bytes(std::uniform_int_distribution<std::size_t>(0, 64)(rng));
    for (auto& byte : bytes) byte = static_cast<std::uint8_t>(rng());
    if (i % 2 == 0 && bytes.size() > 4) bytes[4] &= 0x7F;  // often a delta header
    const Snapshot* baseline = i % 3 == 0 ? nullptr : &base;
    if (check(bytes, baseline) != SnapshotError::None) {
      ++rejected;
      continue;
    }
    ++accepted;
    expect_reencodes(bytes, baseline);
  }
  expect_counted(rejected);
  print_causes("random", accepted);
}

INSTANTIATE_TEST_SUITE_P(EachCoding, Codecs,
                         ::testing::Values(SnapshotCoding::Bitpacked, SnapshotCoding::Range),
                         [](const auto& info) { return std::string(name_of(info.param)); });
INSTANTIATE_TEST_SUITE_P(EachCoding, Decoders,
                         ::testing::Values(SnapshotCoding::Bitpacked, SnapshotCoding::Range),
                         [](const auto& info) { return std::string(name_of(info.param)); });

}  // namespace
}  // namespace tickwire
