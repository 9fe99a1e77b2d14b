#include "cubes.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <tickwire/entity_store.hpp>
#include <tickwire/snapshot_codec.hpp>

#include "cli.hpp"
#include "cubes_export.hpp"
#include "cubes_sim.hpp"
#include "stats.hpp"

namespace twbench {
namespace {

using namespace tickwire;

constexpr std::uint32_t kBaselineAge = 6;  // ticks: 100 ms at 60 Hz, as in the challenge
constexpr double kHz = 60.0;

// Published figures for the same scene and quantization on Fiedler's original
// data set, kbit/s ("Snapshot Compression", gafferongames.com, 2015).
constexpr double kUncompressedKbps = 17370.0;
constexpr double kFiedlerKbps = 255.3;  // bit-packing
constexpr double kGiesenKbps = 213.5;   // adaptive arithmetic coder
constexpr double kMaxwellKbps = 135.1;  // range coding plus prediction from earlier packets
constexpr double kTargetKbps = 255.0;
constexpr double kAimKbps = 135.0;

// Fiedler's quantization: 512 values per metre, x and y in [-32, 32] m in
// 15 bits, z in [0, 16] m in 13 bits. The schema's step count is
// range / resolution (bits = ceil(log2(steps + 1))), so 64 m at exactly
// 1/512 m would need 16 bits; these resolutions (64/32767 and 16/8191 m, a
// hair over 1/512 m) give the article's 15 and 13 bits.
constexpr double kXyResolution = 64.0 / 32767.0;
constexpr double kZResolution = 16.0 / 8191.0;
constexpr std::uint32_t kQuaternionBits = 9;
enum Field : std::uint32_t { kX, kY, kZ, kOrientation, kInteracting };

enum class Codec { Delta, Range };

const char* to_string(Codec codec) {
  return codec == Codec::Range ? "range" : "delta";
}

struct Options {
  bool json = false;
  Codec codec = Codec::Range;
  std::uint32_t frames = 2800;
  std::uint32_t seed = 1;
  std::string export_path;  // --export: the challenge-layout file to write; empty: none
  bool trained = true;      // --priors: range codec priors trained on kTrainingSeeds
};

// The seeds the range codec's priors are trained on (--priors trained): none
// of them is a seed the README reports, so no measured frame trains its own
// coder.
constexpr std::array<std::uint32_t, 2> kTrainingSeeds = {101, 102};

// The subcommand's flags, writing into `options`.
std::vector<cli::Flag> flags(Options& options) {
  return {
      {"--json", false, [&](std::string_view) { return (options.json = true), std::string(); }},
      {"--frames", true,
       [&](std::string_view v) {
         return cli::number<std::uint32_t>("--frames", v, kBaselineAge + 1, 1'000'000,
                                           options.frames);
       }},
      {"--seed", true,
       [&](std::string_view v) {
         return cli::number<std::uint32_t>("--seed", v, 0, 0xFFFFFFFFu, options.seed);
       }},
      {"--codec", true,
       [&](std::string_view v) {
         if (v != "delta" && v != "range")
           return "--codec: expected delta or range, got '" + std::string(v) + "'";
         options.codec = v == "range" ? Codec::Range : Codec::Delta;
         return std::string();
       }},
      {"--priors", true,
       [&](std::string_view v) {
         if (v != "trained" && v != "none")
           return "--priors: expected trained or none, got '" + std::string(v) + "'";
         options.trained = v == "trained";
         return std::string();
       }},
      {"--export", true,
       [&](std::string_view v) {
         if (v.empty()) return std::string("--export: expected a file name, got ''");
         options.export_path = v;
         return std::string();
       }},
  };
}

Schema make_cube_schema() {
  Schema schema;
  schema.add(
      {"cube",
       {FieldSpec::real("x", -32, 32, kXyResolution), FieldSpec::real("y", -32, 32, kXyResolution),
        FieldSpec::real("z", 0, 16, kZResolution),
        FieldSpec::quaternion("orientation", kQuaternionBits), FieldSpec::boolean("interacting")}});
  return schema;
}

// Everything measured; sizes and times over the delta-coded frames only
// (the first kBaselineAge frames have no baseline and are full snapshots).
struct Results {
  std::uint32_t frames = 0;
  std::uint32_t full_frames = 0;
  std::uint64_t delta_bytes = 0;  // payload, summed over delta frames
  std::uint64_t all_bytes = 0;    // payload, summed over every frame
  std::size_t max_bytes = 0;      // largest delta payload
  std::uint64_t full_bytes = 0;   // full (non-delta) encoding of every frame, summed
  std::uint64_t raw_bits = 0;     // quantized fields only, per snapshot
  std::uint64_t changed = 0;      // cubes differing from their baseline, summed over delta frames
  std::uint64_t interacting = 0;  // cubes flagged interacting, summed over every frame
  std::vector<double> encode_us, decode_us;
  bool exact = true;
  std::string failure;  // first codec error, if any
  std::array<std::uint32_t, 3> position_bits{};

  [[nodiscard]] std::uint32_t deltas() const { return frames - full_frames; }
  [[nodiscard]] double bytes_per_snapshot() const {
    return deltas() > 0 ? static_cast<double>(delta_bytes) / deltas() : 0.0;
  }
  // Payload bits (headers included) per cube that differs from its baseline:
  // comparable across data sets of different activity.
  [[nodiscard]] double bits_per_changed_cube() const {
    return changed > 0 ? static_cast<double>(delta_bytes) * 8 / static_cast<double>(changed) : 0.0;
  }
  [[nodiscard]] double kbps() const { return bytes_per_snapshot() * 8 * kHz / 1000; }
  [[nodiscard]] double kbps_all() const {
    return static_cast<double>(all_bytes) * 8 * kHz / 1000 / frames;
  }
  [[nodiscard]] double raw_kbps() const { return static_cast<double>(raw_bits) * kHz / 1000; }
  [[nodiscard]] double full_kbps() const {
    return static_cast<double>(full_bytes) * 8 * kHz / 1000 / frames;
  }
};

double elapsed_us(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - since)
      .count();
}

std::uint32_t changed_cubes(const Snapshot& cur, const Snapshot& base) {
  std::uint32_t n = 0;
  for (const EntityRecord& e : cur.entities()) {
    const EntityRecord* b = base.find(e.id.index());
    const auto codes = cur.codes(e);
    if (b == nullptr || !std::ranges::equal(codes, base.codes(*b))) ++n;
  }
  return n;
}

// Simulates `frames` frames of seed `seed`, captures each into `ring` and
// calls visit(current, baseline) (baseline: the snapshot kBaselineAge ticks
// earlier, nullptr for the first frames). `interacting` counts interacting
// cubes. False, with `failure` set, when visit returns false or a snapshot is
// lost.
template <typename Visit>
bool simulate(const Schema& schema, const ReplicationSettings& settings, std::uint32_t seed,
              std::uint32_t frames, std::uint64_t& interacting, std::string& failure,
              Visit&& visit) {
  EntityStore store(schema, settings);
  SnapshotRing ring(schema, settings);
  CubesSim sim(seed);
  std::vector<EntityId> ids;
  for (std::size_t i = 0; i < CubesSim::kCubes; ++i) ids.push_back(store.create(0));
  for (std::uint32_t frame = 0; frame < frames; ++frame) {
    sim.step();
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const CubeState s = sim.state(i);
      // Clamped here as well as by the quantizer: the range is part of the format.
      (void)store.set_float(ids[i], kX, static_cast<float>(std::clamp(s.position[0], -32.0, 32.0)));
      (void)store.set_float(ids[i], kY, static_cast<float>(std::clamp(s.position[1], -32.0, 32.0)));
      (void)store.set_float(ids[i], kZ, static_cast<float>(std::clamp(s.position[2], 0.0, 16.0)));
      const double* q = s.orientation;
      (void)store.set_quat(ids[i], kOrientation,
                           Quat{static_cast<float>(q[0]), static_cast<float>(q[1]),
                                static_cast<float>(q[2]), static_cast<float>(q[3])});
      (void)store.set_bool(ids[i], kInteracting, s.interacting);
      interacting += s.interacting ? 1 : 0;
    }
    const std::uint32_t tick = frame + 1;
    const Snapshot* current = ring.capture(store, tick);
    const Snapshot* baseline = frame >= kBaselineAge ? ring.find(tick - kBaselineAge) : nullptr;
    if (current == nullptr || (frame >= kBaselineAge && baseline == nullptr)) {
      failure = "the snapshot ring lost a snapshot";
      return false;
    }
    if (!visit(*current, baseline, ids)) return false;
  }
  return true;
}

// The range codec's priors, trained on kTrainingSeeds.
bool train(const Schema& schema, const ReplicationSettings& settings, std::uint32_t frames,
           std::vector<std::uint16_t>& priors, std::string& failure) {
  RangePriorTrainer trainer(schema, settings);
  std::uint64_t unused = 0;
  for (const std::uint32_t seed : kTrainingSeeds) {
    const bool ok = simulate(schema, settings, seed, frames, unused, failure,
                             [&](const Snapshot& current, const Snapshot* baseline, auto&) {
                               if (trainer.add(current, baseline)) return true;
                               failure = "training: a snapshot does not fit the codec";
                               return false;
                             });
    if (!ok) return false;
  }
  priors = trainer.priors();
  return true;
}

// Simulates, codes and measures every frame; with --export also writes each
// captured snapshot to `exporter` (opened here before the first frame, so a
// file that cannot be created fails before the simulation, and closed here
// after the last). False with `r.failure` set on any error.
bool run(const Options& options, Results& r, ChallengeExport& exporter) {
  Schema schema = make_cube_schema();
  if (const Status status = schema.validate(); !status.ok()) {
    r.failure = "the cube schema does not validate: " + status.message;
    return false;
  }
  const TypeLayout& layout = schema.layout(0);
  for (std::uint32_t k = 0; k < 3; ++k) r.position_bits[k] = layout.components[k].bits;
  ReplicationSettings settings{1024, kBaselineAge + 2};
  std::vector<std::uint16_t> priors;
  if (options.codec == Codec::Range && options.trained) {
    if (!train(schema, settings, options.frames, priors, r.failure)) return false;
    settings.range_priors = priors;
  }
  const auto codec = options.codec == Codec::Range ? make_range_codec(schema, settings)
                                                   : make_delta_codec(schema, settings);
  if (codec == nullptr) {
    r.failure = "the codec does not accept the cube schema";
    return false;
  }
  std::vector<std::uint8_t> buffer(codec->max_encoded_bytes());
  Snapshot decoded(schema, settings);

  static_assert(CubesSim::kCubes == ChallengeExport::kCubes);
  if (!options.export_path.empty() &&
      !exporter.open(options.export_path, schema,
                     CubeFields{kX, kY, kZ, kOrientation, kInteracting}, r.failure))
    return false;
  r.raw_bits = static_cast<std::uint64_t>(layout.full_bits) * CubesSim::kCubes;
  r.encode_us.reserve(options.frames);
  r.decode_us.reserve(options.frames);

  const bool ok = simulate(
      schema, settings, options.seed, options.frames, r.interacting, r.failure,
      [&](const Snapshot& current, const Snapshot* baseline, const std::vector<EntityId>& ids) {
        // Exactly the snapshot coded below; outside the timed encode and decode.
        if (!options.export_path.empty() && !exporter.write(current, ids, r.failure)) return false;
        auto start = std::chrono::steady_clock::now();
        const EncodeResult encoded = codec->encode(current, baseline, buffer);
        const double encode_us = elapsed_us(start);
        if (encoded.error != SnapshotError::None) {
          r.failure = std::string("encode: ") + to_string(encoded.error);
          return false;
        }
        const std::span<const std::uint8_t> payload(buffer.data(), encoded.bytes);
        start = std::chrono::steady_clock::now();
        const SnapshotError error = codec->decode(payload, baseline, decoded);
        const double decode_us = elapsed_us(start);
        if (error != SnapshotError::None) {
          r.failure = std::string("decode: ") + to_string(error);
          return false;
        }
        r.exact = r.exact && decoded == current;

        ++r.frames;
        r.all_bytes += encoded.bytes;
        if (baseline == nullptr) {
          ++r.full_frames;
          r.full_bytes += encoded.bytes;
          return true;
        }
        r.delta_bytes += encoded.bytes;
        r.max_bytes = std::max(r.max_bytes, encoded.bytes);
        r.changed += changed_cubes(current, *baseline);
        r.encode_us.push_back(encode_us);
        r.decode_us.push_back(decode_us);
        r.full_bytes += codec->encode(current, nullptr, buffer).bytes;  // for full_kbps
        return true;
      });
  if (!ok) return false;
  return exporter.close(r.failure);  // true when nothing was exported
}

double ratio(double a, double b) {
  return b > 0 ? a / b : 0.0;
}

void print_json(const Options& options, Results& r, const ChallengeExport& exporter) {
  JsonWriter json;
  json.begin().string("bench", "cubes");
  json.integer("frames", r.frames);
  json.integer("seed", options.seed);
  json.integer("cubes", CubesSim::kCubes);
  json.integer("baseline_age", kBaselineAge);
  json.string("codec", to_string(options.codec));
  if (options.codec == Codec::Range) json.string("priors", options.trained ? "trained" : "none");
  json.integer("full_frames", r.full_frames);
  json.number("kbps", r.kbps(), 2);
  json.number("kbps_all_frames", r.kbps_all(), 2);
  json.number("bytes_per_snapshot", r.bytes_per_snapshot(), 1);
  json.integer("bytes_max", r.max_bytes);
  json.number("raw_kbps", r.raw_kbps(), 1);
  json.number("full_kbps", r.full_kbps(), 1);
  json.number("encode_us", percentile(r.encode_us, 50.0), 2);
  json.number("decode_us", percentile(r.decode_us, 50.0), 2);
  json.boolean("exact", r.exact);
  json.number("changed_cubes_avg", ratio(static_cast<double>(r.changed), r.deltas()), 1);
  json.number("bits_per_changed_cube", r.bits_per_changed_cube(), 1);
  json.number("interacting_cubes_avg", ratio(static_cast<double>(r.interacting), r.frames), 1);
  json.begin("quantization")
      .integer("x_bits", r.position_bits[0])
      .integer("y_bits", r.position_bits[1])
      .integer("z_bits", r.position_bits[2])
      .integer("orientation_bits_per_component", kQuaternionBits)
      .string("resolution_m", "x, y: 64/32767; z: 16/8191 (about 1/512 m)")
      .end();
  json.begin("reference_kbps")
      .number("uncompressed", kUncompressedKbps, 1)
      .number("fiedler_bitpacked", kFiedlerKbps, 1)
      .number("giesen_arithmetic", kGiesenKbps, 1)
      .number("maxwell_range_prediction", kMaxwellKbps, 1)
      .end();
  json.begin("ratio_kbps_to")
      .number("uncompressed", ratio(r.kbps(), kUncompressedKbps), 4)
      .number("fiedler_bitpacked", ratio(r.kbps(), kFiedlerKbps), 4)
      .number("giesen_arithmetic", ratio(r.kbps(), kGiesenKbps), 4)
      .number("maxwell_range_prediction", ratio(r.kbps(), kMaxwellKbps), 4)
      .end();
  json.begin("targets").number("kbps_max", kTargetKbps, 1).number("kbps_aim", kAimKbps, 1).end();
  if (!options.export_path.empty()) {
    json.begin("export")
        .string("path", exporter.path())
        .integer("frames", exporter.frames())
        .integer("bytes", exporter.bytes())
        .end();
  }
  json.end();
  std::printf("%s\n", json.str().c_str());
}

void print_table(const Options& options, Results& r, const ChallengeExport& exporter) {
  std::printf(
      "tw-bench cubes: %zu ODE cubes at 60 Hz, %u frames (seed %u, %s codec), each a delta "
      "against\n"
      "the frame %u ticks earlier (the first %u are full snapshots and not in the averages).\n"
      "Quantization: x, y %u bits, z %u bits (resolution 64/32767 and 16/8191 m, about\n"
      "1/512 m), orientation smallest-three %u bits per component, interacting flag.\n\n",
      CubesSim::kCubes, r.frames, options.seed, to_string(options.codec), kBaselineAge,
      r.full_frames, r.position_bits[0], r.position_bits[2], kQuaternionBits);
  std::printf("bytes per snapshot   %10.1f  (max %zu)\n", r.bytes_per_snapshot(), r.max_bytes);
  std::printf("kbit/s               %10.2f  (%.2f counting the full frames)\n", r.kbps(),
              r.kbps_all());
  std::printf("raw kbit/s           %10.1f  (quantized, no delta; full encoding %.1f)\n",
              r.raw_kbps(), r.full_kbps());
  std::printf("changed cubes/frame  %10.1f  (interacting %.1f)\n",
              ratio(static_cast<double>(r.changed), r.deltas()),
              ratio(static_cast<double>(r.interacting), r.frames));
  std::printf("bits per changed cube %10.1f  (header included)\n", r.bits_per_changed_cube());
  std::printf("encode us (median)   %10.2f\n", percentile(r.encode_us, 50.0));
  std::printf("decode us (median)   %10.2f\n", percentile(r.decode_us, 50.0));
  std::printf("exact                %10s\n\n", r.exact ? "yes" : "NO");
  std::printf("%-34s %10s %10s\n", "published (original data set)", "kbit/s", "ours / it");
  const struct {
    const char* name;
    double kbps;
  } refs[] = {{"uncompressed", kUncompressedKbps},
              {"bit-packing (Fiedler)", kFiedlerKbps},
              {"arithmetic coder (Giesen)", kGiesenKbps},
              {"range coder + prediction (Maxwell)", kMaxwellKbps}};
  for (const auto& ref : refs) {
    std::printf("%-34s %10.1f %10.3f\n", ref.name, ref.kbps, ratio(r.kbps(), ref.kbps));
  }
  std::printf("\ntarget < %.0f kbit/s: %s; aim < %.0f kbit/s: %s\n", kTargetKbps,
              r.kbps() < kTargetKbps ? "ok" : "MISSED", kAimKbps,
              r.kbps() < kAimKbps ? "ok" : "missed");
  if (!options.export_path.empty()) {
    std::printf("\nexported %llu frames (%llu bytes, challenge layout) to %s\n",
                static_cast<unsigned long long>(exporter.frames()),
                static_cast<unsigned long long>(exporter.bytes()), exporter.path().c_str());
  }
}

}  // namespace

void cubes_usage(std::FILE* to, const char* program, bool brief) {
  std::fprintf(to,
               "usage: %s cubes [--json] [--codec delta|range] [--priors trained|none]\n"
               "                      [--frames N] [--seed S] [--export FILE]\n",
               program);
  if (brief) return;
  std::fprintf(to,
               "\nSnapshot bandwidth of Glenn Fiedler's cube scene: 901 cubes simulated with ODE\n"
               "at 60 Hz, each frame delta-coded against the frame %u ticks earlier, decoded\n"
               "and checked for equality.\n\n"
               "  --json      print one JSON object instead of a table\n"
               "  --codec C   the snapshot codec: range (the default, adaptive range coding)\n"
               "              or delta (bit-packed)\n"
               "  --priors P  the range codec's starting probabilities: trained (the\n"
               "              default: learned first on seeds 101 and 102, as many frames\n"
               "              as --frames) or none (every model at 1/2)\n"
               "  --frames N  frames to simulate (2800)\n"
               "  --seed S    the player's waypoints and the grid's jitter (1)\n"
               "  --export FILE\n"
               "              also write the quantized frames in the layout of Fiedler's\n"
               "              compression challenge, for the reference coders: per frame,\n"
               "              901 records (the player, then the grid) of 8 little-endian\n"
               "              int32: orientation largest (0..3), a, b, c (0..511), position\n"
               "              x, y (signed), z (>= 0) in 1/512 m, interacting (0/1). No\n"
               "              header: frames x 901 x 32 bytes\n",
               kBaselineAge);
}

int cubes_main(int argc, char** argv) {
  Options options;
  if (const int status = start("cubes", argc, argv, flags(options), &cubes_usage); status >= 0)
    return status;
  Results results;
  ChallengeExport exporter;
  if (!run(options, results, exporter)) {
    std::fprintf(stderr, "tw-bench cubes: %s\n", results.failure.c_str());
    return 1;
  }
  if (options.json) {
    print_json(options, results, exporter);
  } else {
    print_table(options, results, exporter);
  }
  if (!results.exact) {
    std::fprintf(stderr, "tw-bench cubes: a decoded snapshot differs from its source\n");
    return 1;
  }
  return 0;
}

}  // namespace twbench
