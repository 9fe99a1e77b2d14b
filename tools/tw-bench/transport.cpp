#include "transport.hpp"

#include <enet/enet.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>

#include <tickwire/settings.hpp>

#include "cli.hpp"
#include "stats.hpp"
#include "transport_common.hpp"

namespace twbench {
namespace {

// DESIGN.md, "Performance targets": tickwire against bare ENet in the same run.
constexpr double kTargetRttRatioMax = 1.10;
constexpr double kTargetThroughputRatioMin = 0.90;
// tickwire's unreliable lane against netcode-style sealed UDP: "within a few
// percent" of its median round trip.
constexpr double kTargetUnreliableRttRatioMax = 1.10;

struct Options {
  bool json = false;
  int round_trips = 10000;  // sampled round trips per variant, over all rounds
  double seconds = 2.0;     // throughput window per variant, over all rounds, s
  int rounds = 3;
  tickwire::CipherSuite cipher = tickwire::CipherSuite::Auto;
};

// The subcommand's flags, writing into `options`.
std::vector<cli::Flag> flags(Options& options) {
  return {
      {"--json", false, [&](std::string_view) { return (options.json = true), std::string(); }},
      {"--round-trips", true,
       [&](std::string_view v) {
         return cli::number("--round-trips", v, 1, 100'000'000, options.round_trips);
       }},
      {"--rounds", true,
       [&](std::string_view v) { return cli::number("--rounds", v, 1, 1000, options.rounds); }},
      {"--seconds", true,
       [&](std::string_view v) { return cli::seconds("--seconds", v, 3600.0, options.seconds); }},
      {"--cipher", true,
       [&](std::string_view v) {
         const auto suite = tickwire::parse_cipher_suite(v);
         if (!suite)
           return "--cipher: expected auto, chacha20poly1305 or aes256gcm, got '" + std::string(v) +
                  "'";
         if (!tickwire::cipher_suite_available(*suite))
           return std::string("--cipher: AES-256-GCM is not available on this CPU");
         options.cipher = *suite;
         return std::string();
       }},
  };
}

// Positions in the variants array, which is also the order every round runs them in.
enum VariantIndex : std::size_t {
  kUdp,
  kUdpSealed,
  kEnet,
  kTickwire,
  kTickwireUnreliable,
  kVariantCount
};

struct Variant {
  const char* name;
  bool (*run)(const PhasePlan&, VariantSamples&, std::string&);
  VariantSamples samples;
  double median_us = 0, p99_us = 0, mbps = 0;
};

void summarize(Variant& v) {
  v.median_us = percentile(v.samples.rtt_ns, 50.0) / 1000.0;
  v.p99_us = percentile(v.samples.rtt_ns, 99.0) / 1000.0;
  v.mbps =
      v.samples.seconds > 0 ? static_cast<double>(v.samples.bytes) / v.samples.seconds / 1e6 : 0.0;
}

double ratio(double a, double b) {
  return b > 0 ? a / b : 0.0;
}

void print_json(const Options& options, const Variant (&v)[kVariantCount]) {
  JsonWriter json;
  json.begin().string("bench", "transport");
  json.integer("round_trips", static_cast<std::uint64_t>(options.round_trips));
  json.integer("rounds", static_cast<std::uint64_t>(options.rounds));
  json.number("seconds", options.seconds);
  json.begin("rtt_us");
  for (const Variant& x : v) {
    json.begin(x.name).number("median", x.median_us).number("p99", x.p99_us).end();
  }
  json.end().begin("rtt_samples");
  for (const Variant& x : v) {
    json.integer(x.name, x.samples.rtt_ns.size());
  }
  json.end().begin("rtt_lost");
  for (const Variant& x : v) {
    json.integer(x.name, x.samples.lost);
  }
  json.end().begin("throughput_MBps");
  for (const Variant& x : v) {
    json.number(x.name, x.mbps);
  }
  json.end();
  json.string("udp_throughput_note",
              "udp, udp_sealed and tickwire_unreliable throughputs are unreliable: bytes the "
              "receiver read while the sender blasted");
  // Every tickwire datagram is sealed (engine/src/secure, in the pipeline's
  // datagram path), and every udp_sealed one with the same suite; udp and
  // enet are not.
  json.boolean("encrypted", true);  // tickwire has no unencrypted mode
  json.string("cipher", tickwire::to_string(v[kTickwire].samples.cipher));  // the suite in use
  // All ENet variants (bare and tickwire's) run with tickwire's default throttle setting.
  json.boolean("enet_throttle", tickwire::TransportSettings{}.enet_throttle);
  json.number("ratio_rtt_vs_enet", ratio(v[kTickwire].median_us, v[kEnet].median_us), 4);
  json.number("ratio_throughput_vs_enet", ratio(v[kTickwire].mbps, v[kEnet].mbps), 4);
  json.number("ratio_unreliable_rtt_vs_sealed_udp",
              ratio(v[kTickwireUnreliable].median_us, v[kUdpSealed].median_us), 4);
  json.begin("targets")
      .number("ratio_rtt_vs_enet_max", kTargetRttRatioMax, 2)
      .number("ratio_throughput_vs_enet_min", kTargetThroughputRatioMin, 2)
      .number("ratio_unreliable_rtt_vs_sealed_udp_max", kTargetUnreliableRttRatioMax, 2)
      .end();
  json.end();
  std::printf("%s\n", json.str().c_str());
}

void print_table(const Options& options, const Variant (&v)[kVariantCount]) {
  std::printf(
      "tw-bench transport on 127.0.0.1: %d round(s), %d round trips and %.2f s of "
      "throughput per variant\n\n",
      options.rounds, options.round_trips, options.seconds);
  std::printf("%-19s %16s %14s %18s %9s %6s\n", "variant", "rtt median us", "rtt p99 us",
              "throughput MB/s", "samples", "lost");
  for (const Variant& x : v) {
    std::printf("%-19s %16.2f %14.2f %18.1f %9zu %6llu\n", x.name, x.median_us, x.p99_us, x.mbps,
                x.samples.rtt_ns.size(), static_cast<unsigned long long>(x.samples.lost));
  }
  std::printf(
      "\n(udp, udp_sealed and tickwire_unreliable throughputs are unreliable: bytes the\n"
      "receiver read while the sender blasted.)\n"
      "Every datagram is sealed in tickwire (%s), tickwire_unreliable (%s) and\n"
      "udp_sealed (%s); enet and udp are not. All ENet variants run with tickwire's\n"
      "ENet settings (throttle %s).\n\n",
      tickwire::to_string(v[kTickwire].samples.cipher),
      tickwire::to_string(v[kTickwireUnreliable].samples.cipher),
      tickwire::to_string(v[kUdpSealed].samples.cipher),
      tickwire::TransportSettings{}.enet_throttle ? "on" : "off");
  const double rtt = ratio(v[kTickwire].median_us, v[kEnet].median_us);
  const double tput = ratio(v[kTickwire].mbps, v[kEnet].mbps);
  const double unreliable_rtt = ratio(v[kTickwireUnreliable].median_us, v[kUdpSealed].median_us);
  std::printf("%-32s rtt median  %.3fx  (target <= %.2fx)  %s\n", "tickwire / enet", rtt,
              kTargetRttRatioMax, rtt <= kTargetRttRatioMax ? "ok" : "MISSED");
  std::printf("%-32s throughput  %.3fx  (target >= %.2fx)  %s\n", "tickwire / enet", tput,
              kTargetThroughputRatioMin, tput >= kTargetThroughputRatioMin ? "ok" : "MISSED");
  std::printf("%-32s rtt median  %.3fx  (target <= %.2fx)  %s\n",
              "tickwire_unreliable / udp_sealed", unreliable_rtt, kTargetUnreliableRttRatioMax,
              unreliable_rtt <= kTargetUnreliableRttRatioMax ? "ok" : "MISSED");
}

}  // namespace

void transport_usage(std::FILE* to, const char* program, bool brief) {
  std::fprintf(to,
               "usage: %s transport [--json] [--round-trips N] [--seconds S] [--rounds R]\n"
               "                    [--cipher auto|chacha20poly1305|aes256gcm]\n",
               program);
  if (brief) {
    return;
  }
  std::fprintf(
      to,
      "\nRound-trip time and throughput on 127.0.0.1 for five variants, measured\n"
      "interleaved in one run (each round runs them all, in this order):\n"
      "  udp                  raw UDP, unencrypted\n"
      "  udp_sealed           raw UDP, every datagram AEAD-sealed netcode-style (sequence,\n"
      "                       ciphertext, tag) with the suite tickwire uses\n"
      "  enet                 bare ENet, reliable lane\n"
      "  tickwire             tickwire, reliable lane, every datagram sealed\n"
      "  tickwire_unreliable  tickwire, unreliable lane (kChannelUnreliable: the direct lane)\n"
      "Ratios: tickwire / enet (rtt median <= %.2f, throughput >= %.2f) and\n"
      "tickwire_unreliable / udp_sealed (rtt median <= %.2f). The udp, udp_sealed and\n"
      "tickwire_unreliable throughputs are unreliable (bytes read while the sender blasted).\n\n"
      "  --json            print one JSON object instead of a table\n"
      "  --round-trips N   64-byte ping-pongs sampled per variant, over all rounds "
      "(10000)\n"
      "  --seconds S       1 KiB throughput window per variant, over all rounds (2)\n"
      "  --rounds R        interleaving rounds (3)\n"
      "  --cipher SUITE    the cipher suite of tickwire (both ends) and udp_sealed: auto\n"
      "                    (AES-256-GCM where the CPU has AES-NI, else\n"
      "                    ChaCha20-Poly1305), chacha20poly1305 or aes256gcm; the JSON's\n"
      "                    \"cipher\" is the suite tickwire's connection used\n",
      kTargetRttRatioMax, kTargetThroughputRatioMin, kTargetUnreliableRttRatioMax);
}

int transport_main(int argc, char** argv) {
  Options options;
  if (const int status = start("transport", argc, argv, flags(options), &transport_usage);
      status >= 0)
    return status;
  std::string error;
  if (!start_enet("transport")) return 1;

  // In VariantIndex order.
  Variant variants[kVariantCount] = {{"udp", &run_udp, {}},
                                     {"udp_sealed", &run_udp_sealed, {}},
                                     {"enet", &run_enet, {}},
                                     {"tickwire", &run_tickwire, {}},
                                     {"tickwire_unreliable", &run_tickwire_unreliable, {}}};
  for (Variant& v : variants) {
    v.samples.rtt_ns.reserve(static_cast<std::size_t>(options.round_trips));
  }
  for (int round = 0; round < options.rounds; ++round) {
    PhasePlan plan;
    // Spread the totals over the rounds; the first rounds take the remainder.
    plan.round_trips = options.round_trips / options.rounds +
                       (round < options.round_trips % options.rounds ? 1 : 0);
    plan.seconds = options.seconds / options.rounds;
    plan.cipher = options.cipher;
    for (Variant& v : variants) {
      if (!options.json) {
        std::fprintf(stderr, "round %d/%d: %s...\n", round + 1, options.rounds, v.name);
      }
      if (!v.run(plan, v.samples, error)) {
        std::fprintf(stderr, "tw-bench transport: %s (round %d): %s\n", v.name, round + 1,
                     error.c_str());
        return 1;
      }
    }
  }
  for (Variant& v : variants) {
    summarize(v);
    if (v.samples.truncated > 0) {
      std::fprintf(stderr,
                   "tw-bench transport: warning: %s: %d ping-pong phase(s) hit their time cap "
                   "(%zu of %d round trips sampled); the cores are probably oversubscribed and "
                   "the numbers are not trustworthy\n",
                   v.name, v.samples.truncated, v.samples.rtt_ns.size(), options.round_trips);
    }
  }
  // udp_sealed resolves the setting as tickwire does; a mismatch would make
  // the unreliable comparison unfair.
  if (variants[kUdpSealed].samples.cipher != variants[kTickwireUnreliable].samples.cipher) {
    std::fprintf(stderr,
                 "tw-bench transport: warning: udp_sealed sealed with %s but tickwire_unreliable's "
                 "connection used %s\n",
                 tickwire::to_string(variants[kUdpSealed].samples.cipher),
                 tickwire::to_string(variants[kTickwireUnreliable].samples.cipher));
  }
  if (options.json) {
    print_json(options, variants);
  } else {
    print_table(options, variants);
  }
  return 0;
}

}  // namespace twbench
