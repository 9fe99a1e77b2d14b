// The range codec: exact round trips on random worlds, sizes against the
// bit-packed delta codec, and a decoder that refuses anything inconsistent
// (truncations, extra bytes, wrong baselines, random bytes) without crashing.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "replication_test_util.hpp"
#include "tickwire/entity_store.hpp"
#include "tickwire/snapshot_codec.hpp"

namespace tickwire {
namespace {

class RangeCodec : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(schema.validate());
    make(settings);
  }
  void make(const ReplicationSettings& s) {
    settings = s;
    codec = make_range_codec(schema, settings);
    delta = make_delta_codec(schema, settings);
    ASSERT_NE(codec, nullptr);
    ASSERT_NE(delta, nullptr);
    buffer.resize(codec->max_encoded_bytes());
  }

  std::vector<std::uint8_t> encode(const Snapshot& current, const Snapshot* baseline,
                                   SnapshotCodec* with = nullptr) {
    SnapshotCodec& c = with != nullptr ? *with : *codec;
    const EncodeResult r = c.encode(current, baseline, buffer);
    EXPECT_EQ(r.error, SnapshotError::None) << to_string(r.error);
    return {buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(r.bytes)};
  }

  Schema schema = test::make_test_schema();
  ReplicationSettings settings{256, 16};
  std::unique_ptr<SnapshotCodec> codec, delta;
  std::vector<std::uint8_t> buffer;
};

TEST_F(RangeCodec, RefusesAnInvalidSchemaOrSettings) {
  Schema unvalidated;
  unvalidated.add({"a", {FieldSpec::boolean("b")}});
  EXPECT_EQ(make_range_codec(unvalidated, settings), nullptr);
  EXPECT_EQ(make_range_codec(schema, ReplicationSettings{0, 16}), nullptr);
}

TEST_F(RangeCodec, RandomWorldsRoundTripExactlyFullAndDelta) {
  EntityStore store(schema, settings);
  SnapshotRing ring(schema, settings);
  Snapshot decoded(schema, settings);
  std::mt19937 rng(42);
  test::RandomWorld world{store, rng, {}};
  for (int i = 0; i < 60; ++i) (void)world.create();
  std::uniform_int_distribution<int> small(0, 6);
  std::uint64_t deltas = 0, range_bytes = 0, delta_bytes = 0;
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
    ASSERT_LE(full.size(), codec->max_encoded_bytes());
    ASSERT_EQ(codec->decode(full, nullptr, decoded), SnapshotError::None) << "tick " << tick;
    ASSERT_TRUE(decoded == *current) << "full, tick " << tick;

    const std::uint32_t back = std::uniform_int_distribution<std::uint32_t>(1, 15)(rng);
    const Snapshot* baseline = ring.find(tick - back);
    if (baseline == nullptr) continue;
    const auto stream = encode(*current, baseline);
    ASSERT_EQ(codec->decode(stream, baseline, decoded), SnapshotError::None) << "tick " << tick;
    ASSERT_TRUE(decoded == *current) << "delta against " << tick - back << ", tick " << tick;
    // A full stream decodes the same whether or not a baseline is offered.
    ASSERT_EQ(codec->decode(full, baseline, decoded), SnapshotError::None);
    ASSERT_TRUE(decoded == *current);
    range_bytes += stream.size();
    delta_bytes += encode(*current, baseline, delta.get()).size();
    ++deltas;
  }
  EXPECT_GT(deltas, 300u);
  EXPECT_EQ(codec->stats().decode_errors, 0u);
  EXPECT_EQ(codec->stats().decoded, codec->stats().encoded + deltas);
  std::printf("[ sizes    ] random worlds, %llu deltas: range %llu bytes, bit-packed %llu\n",
              static_cast<unsigned long long>(deltas), static_cast<unsigned long long>(range_bytes),
              static_cast<unsigned long long>(delta_bytes));
}

TEST_F(RangeCodec, EveryFieldKindAndEveryRecordKindRoundTrip) {
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

TEST_F(RangeCodec, ExtremeCodesRoundTrip) {
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

TEST_F(RangeCodec, CostsAreTheDeltaCodecs) {
  EntityStore store(schema, settings);
  std::mt19937 rng(11);
  test::RandomWorld world{store, rng, {}};
  for (int i = 0; i < 30; ++i) (void)world.create();
  Snapshot a(schema, settings), b(schema, settings);
  store.capture(1, a);
  world.step(0.5, 2, 2);
  store.capture(2, b);
  EXPECT_EQ(codec->header_bits(true), delta->header_bits(true));
  EXPECT_EQ(codec->header_bits(false), delta->header_bits(false));
  for (const EntityRecord& e : b.entities())
    EXPECT_EQ(codec->record_bits(b, &e, &a, a.find(e.id.index())),
              delta->record_bits(b, &e, &a, a.find(e.id.index())));
  EXPECT_GE(codec->max_encoded_bytes(), delta->max_encoded_bytes());
}

// Fiedler's cubes: 900 cubes, a fraction of them moving a little: the case
// the entropy coder is for.
TEST_F(RangeCodec, SmallerThanBitPackingOnALargeLowEntropyDelta) {
  make(ReplicationSettings{1024, 8});
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
  const std::size_t full_packed = encode(base, nullptr, delta.get()).size();
  std::printf("[ sizes    ] full snapshot of 900 cubes: range %zu bytes, bit-packed %zu\n", full,
              full_packed);
  std::uint32_t tick = 100;
  for (const double fraction : {0.01, 0.1, 0.3, 1.0}) {
    EntityStore moved = store;
    for (std::size_t i = 0; i < cubes.size(); ++i)
      if (static_cast<double>(i % 100) < fraction * 100)
        test::randomise(moved, cubes[i], rng, true);
    moved.capture(++tick, cur);
    const auto stream = encode(cur, &base);
    ASSERT_EQ(codec->decode(stream, &base, decoded), SnapshotError::None);
    ASSERT_TRUE(decoded == cur);
    const std::size_t packed = encode(cur, &base, delta.get()).size();
    std::printf(
        "[ sizes    ] delta, %5.1f%% of cubes moved a little: range %zu bytes, "
        "bit-packed %zu (%.1f%%)\n",
        fraction * 100, stream.size(), packed,
        100.0 * static_cast<double>(stream.size()) / static_cast<double>(packed));
    if (fraction >= 0.1) {
      EXPECT_LT(stream.size(), packed);
    }
  }
}

TEST_F(RangeCodec, UnchangedAndEmptyWorldsAreShort) {
  EntityStore store(schema, settings);
  std::mt19937 rng(1);
  test::RandomWorld world{store, rng, {}};
  for (int i = 0; i < 100; ++i) (void)world.create();
  Snapshot a(schema, settings), b(schema, settings), decoded(schema, settings);
  store.capture(10, a);
  store.capture(11, b);
  const auto stream = encode(b, &a);
  EXPECT_LE(stream.size(), 12u);  // tick, flag, age, two counts, flush
  ASSERT_EQ(codec->decode(stream, &a, decoded), SnapshotError::None);
  EXPECT_TRUE(decoded == b);
  Snapshot empty(schema, settings);
  empty.clear(3);
  const auto none = encode(empty, nullptr);
  ASSERT_EQ(codec->decode(none, nullptr, decoded), SnapshotError::None);
  EXPECT_TRUE(decoded == empty);
}

TEST_F(RangeCodec, EncodeRefusesASmallBufferAndForeignSnapshots) {
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

TEST_F(RangeCodec, ATypeOfThirtyTwoFieldsUpdatesAnyMask) {
  // A 32-field update uses every bit of the field mask: all 32 changed, or
  // all but field 0.
  Schema wide;
  EntityTypeSpec spec{"wide", {}};
  for (int f = 0; f < 32; ++f)
    spec.fields.push_back(FieldSpec::integer("f" + std::to_string(f), 0, 1000));
  wide.add(spec);
  ASSERT_TRUE(wide.validate());
  const ReplicationSettings s{16, 4};
  auto c = make_range_codec(wide, s);
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

// --- Trained priors ------------------------------------------------------------

// Steps a world of 200 cubes where a few move each tick, coding each tick
// against the one `age` ticks before; visit(current, baseline) for each.
template <typename Visit>
void cube_run(const Schema& schema, const ReplicationSettings& settings, unsigned seed,
              Visit&& visit) {
  EntityStore store(schema, settings);
  SnapshotRing ring(schema, settings);
  std::mt19937 rng(seed);
  std::vector<EntityId> cubes;
  for (int i = 0; i < 200; ++i) {
    cubes.push_back(store.create(0));
    test::randomise(store, cubes.back(), rng, false);
  }
  for (std::uint32_t tick = 1; tick <= 60; ++tick) {
    for (int n = 0; n < 10; ++n)
      test::randomise(store, cubes[std::uniform_int_distribution<std::size_t>(0, 199)(rng)], rng,
                      true);
    const Snapshot* current = ring.capture(store, tick);
    ASSERT_NE(current, nullptr);
    visit(*current, ring.find(tick - 3));
  }
}

TEST_F(RangeCodec, TrainedPriorsMakeStreamsSmallerAndBothEndsMustAgree) {
  RangePriorTrainer trainer(schema, settings);
  ASSERT_TRUE(trainer.valid());
  cube_run(schema, settings, 1,
           [&](const Snapshot& cur, const Snapshot* base) { EXPECT_TRUE(trainer.add(cur, base)); });
  EXPECT_EQ(trainer.streams(), 60u);
  const std::vector<std::uint16_t> priors = trainer.priors();
  ReplicationSettings trained_settings = settings;
  trained_settings.range_priors = priors;
  auto trained = make_range_codec(schema, trained_settings);
  ASSERT_NE(trained, nullptr);

  // Another run (seed 2): every stream round-trips, and the trained codec's
  // streams are smaller in total; the untrained codec cannot read them.
  Snapshot decoded(schema, settings);
  std::size_t plain_bytes = 0, trained_bytes = 0, misread = 0;
  cube_run(schema, settings, 2, [&](const Snapshot& cur, const Snapshot* base) {
    plain_bytes += encode(cur, base).size();
    const auto stream = encode(cur, base, trained.get());
    trained_bytes += stream.size();
    ASSERT_EQ(trained->decode(stream, base, decoded), SnapshotError::None);
    ASSERT_TRUE(decoded == cur);
    if (codec->decode(stream, base, decoded) != SnapshotError::None || !(decoded == cur)) ++misread;
  });
  std::printf("[ sizes    ] 60 streams of 200 cubes: untrained %zu bytes, trained %zu\n",
              plain_bytes, trained_bytes);
  EXPECT_LT(trained_bytes * 10, plain_bytes * 9);  // at least 10% smaller
  EXPECT_EQ(misread, 60u);
}

TEST_F(RangeCodec, RefusesPriorsOfTheWrongSizeOrRange) {
  RangePriorTrainer trainer(schema, settings);
  std::vector<std::uint16_t> priors = trainer.priors();  // nothing added: every model 1/2
  ASSERT_FALSE(priors.empty());
  for (const std::uint16_t p : priors) ASSERT_EQ(p, 1024u);
  ReplicationSettings s = settings;
  s.range_priors = priors;
  EXPECT_NE(make_range_codec(schema, s), nullptr);
  const std::vector<std::uint16_t> shorter(priors.begin(), priors.end() - 1);
  s.range_priors = shorter;
  EXPECT_EQ(make_range_codec(schema, s), nullptr);
  for (const std::uint16_t bad : {0, 30, 2018, 4096}) {
    std::vector<std::uint16_t> edited = priors;
    edited[edited.size() / 2] = bad;
    s.range_priors = edited;
    EXPECT_EQ(make_range_codec(schema, s), nullptr) << bad;
  }
  for (const std::uint16_t edge : {31, 2017}) {
    std::vector<std::uint16_t> edited = priors;
    edited[0] = edge;
    s.range_priors = edited;
    EXPECT_NE(make_range_codec(schema, s), nullptr) << edge;
  }
}

TEST_F(RangeCodec, TrainerRefusesInvalidSchemasAndForeignSnapshots) {
  Schema unvalidated;
  unvalidated.add({"a", {FieldSpec::boolean("b")}});
  RangePriorTrainer bad(unvalidated, settings);
  EXPECT_FALSE(bad.valid());
  Snapshot s(schema, settings);
  s.clear(1);
  EXPECT_FALSE(bad.add(s, nullptr));
  EXPECT_TRUE(bad.priors().empty());

  RangePriorTrainer trainer(schema, settings);
  Snapshot foreign(schema, settings);
  foreign.clear(2);
  (void)foreign.append(EntityId::make(0, 1), 7, 1);  // unknown type
  EXPECT_FALSE(trainer.add(foreign, nullptr));
  EXPECT_TRUE(trainer.add(s, nullptr));
  EXPECT_EQ(trainer.streams(), 1u);
}

// --- Rejection ---------------------------------------------------------------

class RangeDecoder : public RangeCodec {
 protected:
  void SetUp() override {
    RangeCodec::SetUp();
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
  SnapshotError check(std::span<const std::uint8_t> bytes, const Snapshot* baseline) {
    const SnapshotError e = codec->decode(bytes, baseline, out);
    if (e == SnapshotError::None) {
      EXPECT_TRUE(test::well_formed(schema, settings, out));
    } else {
      EXPECT_EQ(out.size(), 0u) << "left empty on error";
    }
    return e;
  }

  void print_causes(const char* what, std::size_t accepted) const {
    const CodecStats& stats = codec->stats();
    std::printf("[ %-8s ] %zu accepted (well-formed), %llu rejected:", what, accepted,
                static_cast<unsigned long long>(stats.decode_errors));
    for (std::size_t i = 1; i < kSnapshotErrorCount; ++i)
      if (stats.errors[i] != 0)
        std::printf(" %s=%llu", to_string(static_cast<SnapshotError>(i)),
                    static_cast<unsigned long long>(stats.errors[i]));
    std::printf("\n");
  }

  std::unique_ptr<EntityStore> store;
  Snapshot base, cur, out;
};

TEST_F(RangeDecoder, RejectsEveryTruncation) {
  for (const Snapshot* baseline :
       {static_cast<const Snapshot*>(nullptr), static_cast<const Snapshot*>(&base)}) {
    const auto stream = encode(cur, baseline);
    for (std::size_t n = 0; n < stream.size(); ++n) {
      const std::span<const std::uint8_t> cut(stream.data(), n);
      EXPECT_NE(check(cut, &base), SnapshotError::None) << "length " << n;
    }
  }
  // The flushed bytes make any cut run out inside the stream.
  EXPECT_EQ(codec->stats().errors[static_cast<std::size_t>(SnapshotError::Overrun)],
            codec->stats().decode_errors);
}

TEST_F(RangeDecoder, RejectsTrailingAndAlteredEndBytes) {
  const auto stream = encode(cur, &base);
  auto longer = stream;
  longer.push_back(0);
  EXPECT_EQ(check(longer, &base), SnapshotError::TrailingData);
  // Any change to the last byte moves the code off the flushed low end.
  for (std::uint32_t x = 1; x < 256; ++x) {
    auto altered = stream;
    altered.back() = static_cast<std::uint8_t>(altered.back() ^ x);
    EXPECT_NE(check(altered, &base), SnapshotError::None) << "xor " << x;
  }
}

TEST_F(RangeDecoder, SurvivesEveryBitFlip) {
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
  EXPECT_EQ(codec->stats().decode_errors, rejected);
  std::uint64_t by_cause = 0;
  for (auto n : codec->stats().errors) by_cause += n;
  EXPECT_EQ(by_cause, rejected);
  EXPECT_GT(rejected, 0u);
  print_causes("flips", accepted);
}

TEST_F(RangeDecoder, RandomBytesAreRefusedOrAValidSnapshot) {
  std::mt19937 rng(99);
  std::size_t accepted = 0;
  std::vector<std::uint8_t> again(codec->max_encoded_bytes());
  Snapshot round(schema, settings);
  for (int i = 0; i < 20000; ++i) {
    std::vector<std::uint8_t> bytes(std::uniform_int_distribution<std::size_t>(0, 64)(rng));
    for (auto& byte : bytes) byte = static_cast<std::uint8_t>(rng());
    if (i % 2 == 0 && bytes.size() > 4) bytes[4] &= 0x7F;  // often a delta header
    const Snapshot* baseline = i % 3 == 0 ? nullptr : &base;
    if (check(bytes, baseline) != SnapshotError::None) continue;
    ++accepted;
    // What decodes re-encodes to exactly these bytes (every valid stream is
    // the encoder's output), which decode to the same.
    const EncodeResult r = codec->encode(out, baseline, again);
    ASSERT_EQ(r.error, SnapshotError::None);
    auto same_bytes = [&](std::size_t n) {
      return std::equal(bytes.begin(), bytes.end(), again.begin(),
                        again.begin() + static_cast<std::ptrdiff_t>(n));
    };
    // (A full stream decodes whatever baseline is offered.)
    EXPECT_TRUE(same_bytes(r.bytes) || same_bytes(codec->encode(out, nullptr, again).bytes))
        << "accepted bytes that the encoder does not write";
    ASSERT_EQ(codec->encode(out, baseline, again).bytes, r.bytes);
    ASSERT_EQ(codec->decode({again.data(), r.bytes}, baseline, round), SnapshotError::None);
    EXPECT_TRUE(round == out);
  }
  print_causes("random", accepted);
}

TEST_F(RangeDecoder, RejectsAMissingBaselineAndDatesByTheBaseline) {
  const auto stream = encode(cur, &base);
  EXPECT_EQ(check(stream, nullptr), SnapshotError::MissingBaseline);
  // A delta states its age, not its tick: against another baseline (the
  // receiver picks it by the envelope's baseline tick) its tick moves with it.
  ASSERT_EQ(check(stream, &base), SnapshotError::None);
  EXPECT_EQ(out.tick(), 23u);
  Snapshot later = base;
  later.clear(40);
  for (const EntityRecord& e : base.entities()) {
    const auto codes = base.codes(e);
    std::copy(codes.begin(), codes.end(), later.append(e.id, e.type, e.words).begin());
  }
  ASSERT_EQ(check(stream, &later), SnapshotError::None);
  EXPECT_EQ(out.tick(), 43u);
  // Against a baseline of other entities, the same stream is refused or
  // decodes to something well-formed (check() asserts which).
  (void)check(stream, &cur);
}

TEST_F(RangeDecoder, RejectsMoreEntitiesThanItsCapacity) {
  auto small = make_range_codec(schema, ReplicationSettings{8, 4});
  Snapshot small_out(schema, ReplicationSettings{8, 4});
  const auto full = encode(cur, nullptr);
  EXPECT_EQ(small->decode(full, nullptr, small_out), SnapshotError::TooManyEntities);
  EXPECT_EQ(small_out.size(), 0u);
}

TEST_F(RangeDecoder, RejectsAnUpdateThatChangesNothing) {
  // The marker's 2-bit colour goes 1 -> 2; read against a baseline where it is
  // already 2, the update would change nothing (models start at 1/2, so the
  // same bits read the same code).
  Snapshot one(schema, settings), two(schema, settings), three(schema, settings);
  for (auto [s, colour] : {std::pair{&one, 1u}, std::pair{&two, 2u}}) {
    s->clear(5);
    s->append(EntityId::make(0, 1), 2, 1)[0] = colour;
  }
  three.clear(6);
  three.append(EntityId::make(0, 1), 2, 1)[0] = 2;
  const auto stream = encode(three, &one);
  ASSERT_EQ(check(stream, &one), SnapshotError::None);
  EXPECT_TRUE(out == three);
  EXPECT_EQ(check(stream, &two), SnapshotError::EmptyUpdate);
}

// Streams that are valid against one baseline (or codec) and inconsistent
// against another: the decoder's checks, one at a time.
class RangeDecoderChecks : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"a", "b", "c", "d"})
      schema.add({name, {FieldSpec::integer("n", 0, 100)}});  // 7 bits, codes 0 .. 100
    three.add({"a", {FieldSpec::integer("n", 0, 100)}});
    three.add({"b", {FieldSpec::integer("n", 0, 100)}});
    three.add({"c", {FieldSpec::integer("n", 0, 100)}});
    ASSERT_TRUE(schema.validate());
    ASSERT_TRUE(three.validate());
    codec = make_range_codec(schema, settings);
    buffer.resize(codec->max_encoded_bytes());
    out = Snapshot(schema, settings);
  }
  Snapshot one(std::uint32_t tick, std::uint32_t index, std::uint32_t value, TypeId type = 0) {
    Snapshot s(schema, settings);
    s.clear(tick);
    if (index != kNone) s.append(EntityId::make(index, 1), type, 1)[0] = value;
    return s;
  }
  std::vector<std::uint8_t> encode(const Snapshot& s, const Snapshot* base) {
    const EncodeResult r = codec->encode(s, base, buffer);
    EXPECT_EQ(r.error, SnapshotError::None);
    return {buffer.begin(), buffer.begin() + static_cast<std::ptrdiff_t>(r.bytes)};
  }

  static constexpr std::uint32_t kNone = 0xFFFFFFFF;
  Schema schema, three;
  ReplicationSettings settings{64, 4};
  std::unique_ptr<SnapshotCodec> codec;
  std::vector<std::uint8_t> buffer;
  Snapshot out;
};

TEST_F(RangeDecoderChecks, RejectsEachInconsistency) {
  const Snapshot base = one(4, 3, 50), empty = one(4, kNone, 0), near_top = one(4, 3, 98);
  // An update of index 3 (50 -> 55) where the same residual leaves the range,
  // or against a baseline without index 3 (its decisions are left unread).
  const auto update = encode(one(5, 3, 55), &base);
  ASSERT_EQ(codec->decode(update, &base, out), SnapshotError::None);
  EXPECT_EQ(codec->decode(update, &near_top, out), SnapshotError::ValueOutOfRange);
  EXPECT_EQ(out.size(), 0u);
  EXPECT_EQ(codec->decode(update, &empty, out), SnapshotError::TrailingData);
  // Entities without a flag field are coded as runs: against {1, 3}, "one
  // unchanged, then index 3 changed"; against {3} alone the promised change
  // never comes.
  Snapshot pair(schema, settings), pair_next(schema, settings);
  pair.clear(4);
  pair.append(EntityId::make(1, 1), 0, 1)[0] = 7;
  pair.append(EntityId::make(3, 1), 0, 1)[0] = 50;
  pair_next.clear(5);
  pair_next.append(EntityId::make(1, 1), 0, 1)[0] = 7;
  pair_next.append(EntityId::make(3, 1), 0, 1)[0] = 55;
  const auto run = encode(pair_next, &pair);
  ASSERT_EQ(codec->decode(run, &pair, out), SnapshotError::None);
  EXPECT_TRUE(out == pair_next);
  EXPECT_EQ(codec->decode(run, &base, out), SnapshotError::IndexOutOfRange);
  // A create of (3, generation 2) replacing (3, generation 1), read against
  // a baseline that already holds (3, generation 2): an update written as a
  // create, which the encoder never writes.
  Snapshot second(schema, settings);
  second.clear(4);
  second.append(EntityId::make(3, 2), 0, 1)[0] = 50;
  const auto replace = encode(second, &base);
  ASSERT_EQ(codec->decode(replace, &base, out), SnapshotError::None);
  EXPECT_EQ(codec->decode(replace, &second, out), SnapshotError::BadGeneration);
  // Index 20 read by a codec for 16 entities; type 3 by one for three types
  // (the same type bits).
  const auto far = encode(one(5, 20, 1), nullptr);
  auto narrow = make_range_codec(schema, ReplicationSettings{16, 4});
  Snapshot narrow_out(schema, ReplicationSettings{16, 4});
  EXPECT_EQ(narrow->decode(far, nullptr, narrow_out), SnapshotError::IndexOutOfRange);
  const auto typed = encode(one(5, 2, 1, 3), nullptr);
  auto three_types = make_range_codec(three, settings);
  Snapshot three_out(three, settings);
  EXPECT_EQ(three_types->decode(typed, nullptr, three_out), SnapshotError::UnknownType);
  // The same stream with the right codec decodes.
  ASSERT_EQ(codec->decode(typed, nullptr, out), SnapshotError::None);
  EXPECT_EQ(out.entities()[0].type, 3u);
}

}  // namespace
}  // namespace tickwire
