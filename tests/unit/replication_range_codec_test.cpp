// What is the range codec's own (snapshot_codec_test.cpp runs what every
// coding promises for it): sizes against bit-packing, its cost estimates,
// trained priors and their trainer, and the decoder's range-coded checks
// (altered end bytes, dating by the baseline, updates that change nothing,
// hand-made inconsistencies).
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
  const std::vector<EntityId> cubes = test::make_cubes(store, rng, 900);
  Snapshot base(schema, settings), cur(schema, settings), decoded(schema, settings);
  store.capture(100, base);
  const std::size_t full = encode(base, nullptr).size();
  const std::size_t full_packed = encode(base, nullptr, delta.get()).size();
  std::printf("[ sizes    ] full snapshot of 900 cubes: range %zu bytes, bit-packed %zu\n", full,
              full_packed);
  std::uint32_t tick = 100;
  for (const double fraction : {0.01, 0.1, 0.3, 1.0}) {
    test::move_cubes(store, cubes, fraction, rng).capture(++tick, cur);
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

// Flags (each entity's first Bool field) are kept with a snapshot once
// coded or decoded; a baseline changed afterwards is read again, not coded
// with its old flags: decoded against a copy built entity by entity (which
// keeps none), every stream is exact.
TEST_F(RangeCodec, ABaselineChangedAfterCodingIsNotCodedWithItsOldFlags) {
  EntityStore store(schema, settings);
  std::vector<EntityId> cubes;
  for (int i = 0; i < 40; ++i) {
    cubes.push_back(store.create(0));
    ASSERT_TRUE(store.set_bool(cubes.back(), 2, i % 3 == 0));
  }
  Snapshot base(schema, settings), cur(schema, settings), flipped(schema, settings);
  Snapshot decoded(schema, settings);
  store.capture(1, base);
  ASSERT_TRUE(store.set_vec3(cubes[5], 0, {1.0f, 2.0f, 3.0f}));
  store.capture(2, cur);
  (void)encode(cur, &base);  // base's flags are kept now
  // Every cube's flag flipped in the baseline, one entity at a time.
  for (std::size_t i = 0; i < cubes.size(); ++i)
    ASSERT_TRUE(store.set_bool(cubes[i], 2, i % 3 != 0));
  store.capture(3, flipped);
  for (const EntityRecord& e : flipped.entities()) ASSERT_TRUE(base.overwrite(flipped, e));
  Snapshot fresh(schema, settings);  // base's entities and codes, no flags kept
  fresh.clear(base.tick());
  for (const EntityRecord& e : base.entities()) {
    const auto codes = base.codes(e);
    std::copy(codes.begin(), codes.end(), fresh.append(e.id, e.type, e.words).begin());
  }
  const auto stream = encode(cur, &base);
  ASSERT_EQ(codec->decode(stream, &fresh, decoded), SnapshotError::None);
  EXPECT_TRUE(decoded == cur);
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

using RangeDecoder = test::WithSmallPair<RangeCodec>;

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
