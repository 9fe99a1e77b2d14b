// Google Benchmark: the snapshot codec and the per-client sender, per entity.
// A world of kEntities entities of a game-like type (the "player" of
// `tw-bench server`); each case codes one snapshot per iteration. Counters:
//   per_entity     time per entity (seconds, printed with an SI prefix: 85n = 85 ns)
//   items/s        entities per second
//   bytes          stream bytes per snapshot (envelope included for the sender)
// Reports only: nothing here asserts on timing.
#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include <tickwire/entity_store.hpp>
#include <tickwire/snapshot_codec.hpp>
#include <tickwire/snapshot_stream.hpp>

namespace {

using namespace tickwire;

constexpr std::uint32_t kEntities = 900;
enum Field : std::uint32_t { kPosition, kVelocity, kHeading, kHealth, kShielded };

// The schema, the server's store and a way to move a share of the entities by
// a small step (a few codes per component, as one 60 Hz tick of running).
class PlayerWorld {
 public:
  PlayerWorld() {
    schema_.add({"player",
                 {FieldSpec::vec2("position", {-128, -128}, {128, 128}, 1.0 / 64),
                  FieldSpec::vec2("velocity", {-16, -16}, {16, 16}, 1.0 / 32),
                  FieldSpec::angle("heading", 10), FieldSpec::integer("health", 0, 100),
                  FieldSpec::boolean("shielded")}});
    ok_ = schema_.validate().ok() && settings_.validate().ok();
    if (!ok_) return;
    store_ = std::make_unique<EntityStore>(schema_, settings_);
    for (std::uint32_t i = 0; i < kEntities; ++i) {
      const EntityId id = store_->create(0);
      // Spread over the arena, deterministic; every field away from its minimum.
      const auto x = static_cast<float>(static_cast<int>((i * 37) % 200) - 100);
      const auto y = static_cast<float>(static_cast<int>((i * 91) % 200) - 100);
      ok_ = ok_ && store_->set_vec2(id, kPosition, Vec2{x, y}) &&
            store_->set_vec2(id, kVelocity, Vec2{3.0f, -2.0f}) &&
            store_->set_angle(id, kHeading, static_cast<float>(i % 628) / 100.0f) &&
            store_->set_int(id, kHealth, 100) && store_->set_bool(id, kShielded, i % 3 == 0);
      ids_.push_back(id);
    }
  }
  PlayerWorld(const PlayerWorld&) = delete;
  PlayerWorld& operator=(const PlayerWorld&) = delete;

  [[nodiscard]] bool ok() const noexcept { return ok_; }
  [[nodiscard]] const Schema& schema() const noexcept { return schema_; }
  [[nodiscard]] const ReplicationSettings& settings() const noexcept { return settings_; }
  [[nodiscard]] Snapshot snapshot() const { return Snapshot(schema_, settings_); }
  void capture(std::uint32_t tick, Snapshot& out) const { store_->capture(tick, out); }

  // Moves `percent` of the entities (evenly spread; at least one when
  // percent > 0) a small step: position, velocity and heading all change.
  void move(std::uint32_t percent) {
    const std::uint32_t count = (kEntities * percent + 99) / 100;
    if (count == 0) return;
    const std::uint32_t stride = kEntities / count;
    for (std::uint32_t k = 0; k < count; ++k) {
      const EntityId id = ids_[std::size_t{k} * stride];
      const Vec2 p = store_->get_vec2(id, kPosition).value_or(Vec2{});
      const Vec2 v = store_->get_vec2(id, kVelocity).value_or(Vec2{});
      const float heading = store_->get_angle(id, kHeading).value_or(0.0f);
      step_ = -step_;  // back and forth, so nothing drifts to a range's edge
      (void)store_->set_vec2(id, kPosition, Vec2{p.x + 0.05f * step_, p.y - 0.03f * step_});
      (void)store_->set_vec2(id, kVelocity, Vec2{v.x + 0.04f * step_, v.y + 0.04f * step_});
      (void)store_->set_angle(id, kHeading, heading + 0.01f * step_);
    }
  }

 private:
  Schema schema_;
  ReplicationSettings settings_;  // defaults: 1024 entities, ring of 64, budget 1200 bytes
  std::unique_ptr<EntityStore> store_;
  std::vector<EntityId> ids_;
  float step_ = 1.0f;
  bool ok_ = false;
};

void per_entity_counters(benchmark::State& state, std::size_t bytes) {
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * kEntities);
  state.counters["per_entity"] = benchmark::Counter(
      kEntities, benchmark::Counter::kIsIterationInvariantRate | benchmark::Counter::kInvert);
  state.counters["bytes"] = static_cast<double>(bytes);
}

// A baseline at tick 1 and, at tick 2, the same world with `percent` of the
// entities moved (percent < 0: no baseline, a full snapshot of tick 2),
// coded bit-packed (coding 0) or range-coded (1).
struct CodecCase {
  CodecCase(int percent, std::int64_t coding)
      : baseline(world.snapshot()),
        current(world.snapshot()),
        decoded(world.snapshot()),
        codec(coding == 1 ? make_range_codec(world.schema(), world.settings())
                          : make_delta_codec(world.schema(), world.settings())) {
    if (!world.ok() || codec == nullptr) return;
    world.capture(1, baseline);
    world.move(percent < 0 ? 0 : static_cast<std::uint32_t>(percent));
    world.capture(2, current);
    base = percent < 0 ? nullptr : &baseline;
    stream.resize(codec->max_encoded_bytes());
    const EncodeResult r = codec->encode(current, base, stream);
    bytes = r.bytes;
    ok = r.error == SnapshotError::None &&
         codec->decode({stream.data(), bytes}, base, decoded) == SnapshotError::None &&
         decoded == current;
  }

  PlayerWorld world;
  Snapshot baseline, current, decoded;
  const Snapshot* base = nullptr;
  std::unique_ptr<SnapshotCodec> codec;
  std::vector<std::uint8_t> stream;
  std::size_t bytes = 0;
  bool ok = false;
};

// Arg: percent of entities changed since the baseline; -1: a full snapshot.
void BM_CodecEncode(benchmark::State& state) {
  CodecCase c(static_cast<int>(state.range(0)), state.range(1));
  if (!c.ok) {
    state.SkipWithError("the codec did not round-trip the test world");
    return;
  }
  for (auto _ : state) {
    const EncodeResult r = c.codec->encode(c.current, c.base, c.stream);
    benchmark::DoNotOptimize(r);
    benchmark::DoNotOptimize(c.stream.data());
  }
  per_entity_counters(state, c.bytes);
}
BENCHMARK(BM_CodecEncode)
    ->ArgNames({"changed_pct", "range"})
    ->ArgsProduct({{-1, 100, 4, 1, 0}, {0, 1}});

void BM_CodecDecode(benchmark::State& state) {
  CodecCase c(static_cast<int>(state.range(0)), state.range(1));
  if (!c.ok) {
    state.SkipWithError("the codec did not round-trip the test world");
    return;
  }
  const std::span<const std::uint8_t> in(c.stream.data(), c.bytes);
  for (auto _ : state) {
    const SnapshotError e = c.codec->decode(in, c.base, c.decoded);
    benchmark::DoNotOptimize(e);
    benchmark::DoNotOptimize(c.decoded);
  }
  per_entity_counters(state, c.bytes);
}
BENCHMARK(BM_CodecDecode)
    ->ArgNames({"changed_pct", "range"})
    ->ArgsProduct({{-1, 100, 4, 1, 0}, {0, 1}});

// SnapshotSender::encode with ReplicationSettings' default budget (1200
// bytes) in steady state: each iteration a new tick with `changed_pct` of the
// entities moved, and the client acks every snapshot at once, so each is a
// delta against the previous tick. Only encode() is timed (manual time): the
// world's step and capture are not.
void BM_SenderEncode(benchmark::State& state) {
  PlayerWorld world;
  if (!world.ok()) {
    state.SkipWithError("the test world does not validate");
    return;
  }
  const auto percent = static_cast<std::uint32_t>(state.range(0));
  SnapshotSender sender(world.schema(), world.settings());
  Snapshot snapshot = world.snapshot();
  std::vector<std::uint8_t> envelope;
  std::uint32_t tick = 0;
  // Warm up past the first full snapshots, which the budget spreads over ticks.
  for (int i = 0; i < 16; ++i) {
    world.move(percent);
    world.capture(++tick, snapshot);
    if (sender.encode(snapshot, 0, 0, envelope) != SnapshotError::None) {
      state.SkipWithError("SnapshotSender::encode failed");
      return;
    }
    sender.acknowledge(tick);
  }
  std::uint64_t bytes = 0;
  const std::uint64_t deferred_before = sender.stats().entities_deferred;
  for (auto _ : state) {
    world.move(percent);
    world.capture(++tick, snapshot);
    const auto start = std::chrono::steady_clock::now();
    const SnapshotError e = sender.encode(snapshot, 0, 0, envelope);
    const auto end = std::chrono::steady_clock::now();
    benchmark::DoNotOptimize(e);
    state.SetIterationTime(std::chrono::duration<double>(end - start).count());
    sender.acknowledge(tick);
    bytes += envelope.size();
  }
  per_entity_counters(state, 0);
  state.counters["bytes"] =
      benchmark::Counter(static_cast<double>(bytes), benchmark::Counter::kAvgIterations);
  state.counters["deferred"] =
      benchmark::Counter(static_cast<double>(sender.stats().entities_deferred - deferred_before),
                         benchmark::Counter::kAvgIterations);
}
BENCHMARK(BM_SenderEncode)
    ->ArgName("changed_pct")
    ->Arg(100)
    ->Arg(25)
    ->Arg(1)
    ->Arg(0)
    ->UseManualTime();

}  // namespace
