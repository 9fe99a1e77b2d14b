#include "server_bench.hpp"

#include <enet/enet.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstdlib>
#include <numeric>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "cli.hpp"
#include "server_fleets.hpp"
#include "server_world.hpp"
#include "stats.hpp"

namespace twbench {
namespace {

using namespace tickwire;

constexpr double kHz = 60.0;
constexpr std::int64_t kFrameNs = 16'666'667;  // one tick at 60 Hz, ns
// After the measured ticks the movers stop; this many ticks later every
// client must hold the server's newest snapshot exactly. Should the budget
// still be catching up, the run waits up to kMaxSettleTicks.
constexpr std::uint32_t kSettleTicks = 30;
constexpr std::uint32_t kMaxSettleTicks = 600;
constexpr double kTargetTickMs = 2.0;  // DESIGN.md: 64 clients, 900 entities, one core
constexpr std::uint32_t kMaxClients = 256;
constexpr std::uint32_t kMaxTicks = 216'000;  // an hour at 60 Hz

struct Options {
  bool json = false;
  std::uint32_t clients = 64;
  std::uint32_t entities = 900;
  std::uint32_t ticks = 600;
  std::uint32_t budget = ReplicationSettings{}.budget_bytes;  // bytes; 0: no limit
  std::uint32_t seed = 1;
  bool cache = true;    // senders share a SnapshotEncodeCache
  std::string capture;  // the tickwire server records a trace here (clients do not)
};

// The subcommand's flags, writing into `options`.
std::vector<cli::Flag> flags(Options& options) {
  auto u32 = [](const char* flag, std::uint32_t min, std::uint32_t max, std::uint32_t& out) {
    return [=, &out](std::string_view v) { return cli::number(flag, v, min, max, out); };
  };
  return {
      {"--json", false, [&](std::string_view) { return (options.json = true), std::string(); }},
      {"--no-cache", false,
       [&](std::string_view) { return (options.cache = false), std::string(); }},
      {"--clients", true, u32("--clients", 1, kMaxClients, options.clients)},
      {"--entities", true, u32("--entities", 1, kMaxEntities, options.entities)},
      {"--ticks", true, u32("--ticks", 1, kMaxTicks, options.ticks)},
      {"--seed", true, u32("--seed", 0, 0xFFFFFFFFu, options.seed)},
      {"--capture", true,
       [&](std::string_view v) { return (options.capture = std::string(v)), std::string(); }},
      {"--budget", true,
       [&](std::string_view v) {
         std::uint32_t budget = 0;
         if (!parse_number<std::uint32_t>(v, 0, 1u << 20, budget) ||
             (budget != 0 && budget < kMinBudgetBytes))
           return "--budget: expected 0 (no limit) or " + std::to_string(kMinBudgetBytes) +
                  "..1048576, got '" + std::string(v) + "'";
         options.budget = budget;
         return std::string();
       }},
  };
}

// Samples of one server, ms, with their summaries.
struct Series {
  std::vector<double> ms;
  double median = 0, p99 = 0, mean = 0, max = 0, sum = 0;

  void add(std::int64_t ns) { ms.push_back(static_cast<double>(ns) / 1e6); }
  void summarize() {
    sum = std::accumulate(ms.begin(), ms.end(), 0.0);
    mean = ms.empty() ? 0.0 : sum / static_cast<double>(ms.size());
    max = ms.empty() ? 0.0 : *std::max_element(ms.begin(), ms.end());
    median = percentile(ms, 50.0);
    p99 = percentile(ms, 99.0);
  }
};

struct Phases {
  Series total, receive, simulate, encode, send, flush;
  Series transport;  // receive + send + flush: the tick without replication
  void add(const TickTimes& t) {
    total.add(t.total);
    transport.add(t.receive + t.send + t.flush);
    receive.add(t.receive);
    simulate.add(t.simulate);
    encode.add(t.encode);
    send.add(t.send);
    flush.add(t.flush);
  }
  void summarize() {
    for (Series* s : {&total, &receive, &simulate, &encode, &send, &flush, &transport}) {
      s->summarize();
    }
  }
};

struct Results {
  Phases tickwire, enet;
  // Per measured frame, outside the ticks: each fleet's pump (its clients'
  // update, decode, ack and flush) and the frame's whole work (both ticks and
  // both pumps, without the sleep); a frame is late when this passes 1/60 s.
  Series tickwire_pump, enet_pump, frame;
  double actual_hz = 0;              // measured ticks per second of wall time
  std::uint32_t late_frames = 0;     // frames whose work overran the 60 Hz period
  std::uint64_t envelope_bytes = 0;  // sent over the measured ticks, all clients
  std::uint32_t envelope_max = 0;    // largest envelope, bytes
  SenderStats sender;                // over the measured ticks, all clients
  std::size_t views_made = 0;        // view snapshots the shared cache made, at the end
  tickwire::CipherSuite cipher = tickwire::CipherSuite::Auto;  // the sessions' suite
  ReceiverStats receiver;                                      // over the whole run, all clients
  std::uint64_t acks_applied = 0;                              // by the tickwire server, whole run
  std::uint64_t enet_received = 0;                             // packets the baseline clients got
  std::uint64_t dropped = 0;        // datagrams the tickwire server's seam dropped
  std::uint64_t still_changes = 0;  // over the measured ticks
  std::uint32_t movers = 0, still = 0;
  std::uint32_t settle_ticks = 0;
  std::uint32_t converged_clients = 0;
  bool converged = false;

  [[nodiscard]] std::uint64_t snapshots() const { return sender.full_sent + sender.delta_sent; }
};

double ratio(double a, double b) {
  return b > 0 ? a / b : 0.0;
}

// Sleeps until the next 60 Hz frame; a frame that overran starts the
// schedule anew (no catching up) and is counted.
void pace(std::chrono::steady_clock::time_point& next, std::uint32_t& late) {
  next += std::chrono::nanoseconds(kFrameNs);
  const auto now = std::chrono::steady_clock::now();
  if (now >= next) {
    ++late;
    next = now;
    return;
  }
  std::this_thread::sleep_until(next);
}

bool run(const Options& o, Results& r, std::string& error) {
  ReplicationSettings settings;
  settings.max_entities = std::max(settings.max_entities, o.entities);
  settings.budget_bytes = o.budget;
  if (Status s = settings.validate(); !s) {
    error = "replication settings: " + s.message;
    return false;
  }
  WorldScenario scenario;
  scenario.entities = o.entities;
  scenario.seed = o.seed;
  scenario.hz = kHz;
  BenchWorld world(scenario, settings);
  if (!world.ok()) {
    error = world.error();
    return false;
  }
  r.movers = world.movers();
  r.still = world.still();
  // Declared after the world, so destroyed before it (they hold its schema).
  TickwireFleet tw(world, settings, o.clients, o.cache);
  tw.server_capture = o.capture;
  EnetFleet enet(o.clients);
  if (!o.json)
    std::fprintf(stderr, "connecting %u tickwire and %u ENet clients...\n", o.clients, o.clients);
  if (!tw.start(error) || !enet.start(error)) return false;
  if (!o.json) std::fprintf(stderr, "running %u ticks at 60 Hz...\n", o.ticks);

  // sizes[t * clients + c]: the envelope tickwire sent client c at tick t + 1,
  // bytes; the baseline sends the same one frame later.
  std::vector<std::uint32_t> sizes(std::size_t{o.ticks} * o.clients, 0);
  auto row = [&](std::uint32_t t) {
    return std::span<std::uint32_t>(sizes.data() + std::size_t{t} * o.clients, o.clients);
  };
  for (Phases* p : {&r.tickwire, &r.enet}) p->total.ms.reserve(o.ticks);

  // Frame f runs tickwire's tick f + 1 (f < ticks) and the baseline's replay
  // of tickwire's tick f (f >= 1); which server goes first alternates, so
  // neither always meets the caches as the other or the sleep left them.
  auto next = std::chrono::steady_clock::now();
  const auto first = next;
  auto measured_end = next;
  for (std::uint32_t f = 0; f <= o.ticks; ++f) {
    if (f == o.ticks) measured_end = std::chrono::steady_clock::now();
    TickTimes times;
    auto tickwire_tick = [&] {
      if (f >= o.ticks) return true;
      if (!tw.tick(f + 1, times, row(f), error)) return false;
      r.tickwire.add(times);
      return true;
    };
    auto enet_tick = [&] {
      if (f == 0) return true;
      if (!enet.tick(row(f - 1), times, error)) return false;
      r.enet.add(times);
      return true;
    };
    const auto t0 = std::chrono::steady_clock::now();
    const bool ok = f % 2 == 0 ? tickwire_tick() && enet_tick() : enet_tick() && tickwire_tick();
    if (!ok) return false;
    const auto t1 = std::chrono::steady_clock::now();
    if (!tw.pump(error)) return false;
    const auto t2 = std::chrono::steady_clock::now();
    if (!enet.pump(error)) return false;
    const auto t3 = std::chrono::steady_clock::now();
    if (f < o.ticks) {
      auto ns = [](auto d) {
        return std::chrono::duration_cast<std::chrono::nanoseconds>(d).count();
      };
      r.tickwire_pump.add(ns(t2 - t1));
      r.enet_pump.add(ns(t3 - t2));
      r.frame.add(ns(t3 - t0));
    }
    pace(next, r.late_frames);
  }
  const double seconds = std::chrono::duration<double>(measured_end - first).count();
  r.actual_hz = seconds > 0 ? o.ticks / seconds : 0.0;
  r.sender = tw.sender_totals();
  r.views_made = tw.views_made();
  r.cipher = tw.cipher();
  r.still_changes = world.still_changes();
  for (const std::uint32_t bytes : sizes) {
    r.envelope_bytes += bytes;
    r.envelope_max = std::max(r.envelope_max, bytes);
  }

  // Settle: nothing moves; the clients must end up holding the world exactly.
  // The baseline is done: its hosts are left alone until they are destroyed.
  if (!o.json) std::fprintf(stderr, "settling...\n");
  world.stop();
  std::vector<std::uint32_t> scratch(o.clients, 0);
  for (std::uint32_t s = 1; s <= kMaxSettleTicks; ++s) {
    TickTimes times;
    const std::uint32_t tick = o.ticks + s;
    if (!tw.tick(tick, times, scratch, error) || !tw.pump(error)) return false;
    r.settle_ticks = s;
    if (s >= kSettleTicks) {
      r.converged_clients = tw.converged(tick);
      if (r.converged_clients == o.clients) break;
    }
    pace(next, r.late_frames);
  }
  r.converged = r.converged_clients == o.clients;
  r.receiver = tw.receiver_totals();
  r.acks_applied = tw.acks_applied();
  r.enet_received = enet.packets_received();
  r.dropped = tw.datagrams_dropped();
  r.tickwire.summarize();
  r.enet.summarize();
  for (Series* s : {&r.tickwire_pump, &r.enet_pump, &r.frame}) s->summarize();
  return true;
}

void series_json(JsonWriter& json, const char* key, const Series& s) {
  json.begin(key)
      .number("median", s.median, 4)
      .number("p99", s.p99, 4)
      .number("mean", s.mean, 4)
      .number("max", s.max, 4)
      .end();
}

void print_json(const Options& o, const Results& r) {
  const double snapshots = static_cast<double>(r.snapshots());
  const double per_snapshot = ratio(static_cast<double>(r.envelope_bytes), snapshots);
  WorldScenario scenario;
  scenario.seed = o.seed;
  JsonWriter json;
  json.begin().string("bench", "server");
  json.integer("clients", o.clients);
  json.integer("entities", o.entities);
  json.integer("ticks", o.ticks);
  json.number("hz", kHz, 1);
  json.number("actual_hz", r.actual_hz, 2);
  json.integer("late_frames", r.late_frames);
  json.integer("budget_bytes", o.budget);
  json.string("schema", describe_schema());
  json.begin("scenario")
      .string("description", describe_scenario(scenario))
      .integer("movers", r.movers)
      .integer("still", r.still)
      .number("still_changes_per_tick", ratio(static_cast<double>(r.still_changes), o.ticks), 2)
      .integer("settle_ticks", r.settle_ticks)
      .end();
  json.string("measured_tick",
              "Server::update + acks applied, world step + SnapshotRing::capture, "
              "SnapshotSender::encode per client, Server::send per client, Server::flush");
  json.boolean("acks_inside_tick", true);
  json.string("bytes_note",
              "snapshot_bytes are envelopes as given to Server::send (stream + envelope "
              "header); ENet, AEAD and UDP headers not included");
  series_json(json, "tick_ms", r.tickwire.total);
  series_json(json, "encode_ms", r.tickwire.encode);
  json.number("encode_share", ratio(r.tickwire.encode.sum, r.tickwire.total.sum), 4);
  // Each phase of tickwire's tick: its median, then its p99.
  for (const auto& [key, stat] :
       {std::pair{"phase_ms_median", &Series::median}, std::pair{"phase_ms_p99", &Series::p99}}) {
    json.begin(key)
        .number("receive", r.tickwire.receive.*stat, 4)
        .number("simulate", r.tickwire.simulate.*stat, 4)
        .number("encode", r.tickwire.encode.*stat, 4)
        .number("send", r.tickwire.send.*stat, 4)
        .number("flush", r.tickwire.flush.*stat, 4)
        .end();
  }
  json.number("kbps_per_client", per_snapshot * 8 * r.actual_hz / 1000, 2);
  json.number("snapshot_bytes_avg", per_snapshot, 1);
  json.integer("snapshot_bytes_max", r.envelope_max);
  json.number("stream_bytes_avg", ratio(static_cast<double>(r.sender.stream_bytes), snapshots), 1);
  json.number("delta_share", ratio(static_cast<double>(r.sender.delta_sent), snapshots), 4);
  json.integer("full_sent", r.sender.full_sent);
  json.integer("delta_sent", r.sender.delta_sent);
  json.number("entities_sent_avg", ratio(static_cast<double>(r.sender.entities_sent), snapshots),
              1);
  json.number("entities_deferred_avg",
              ratio(static_cast<double>(r.sender.entities_deferred), snapshots), 1);
  json.integer("budget_retries", r.sender.budget_retries);
  json.string("cipher", tickwire::to_string(r.cipher));
  json.boolean("encode_cache", o.cache);
  json.integer("cache_hits", r.sender.cache_hits);
  json.integer("views_made", r.views_made);
  json.begin("receivers")
      .integer("received", r.receiver.received)
      .integer("stale", r.receiver.stale)
      .integer("unknown_baseline", r.receiver.unknown_baseline)
      .integer("decode_errors", r.receiver.decode_errors)
      .integer("bad_envelope", r.receiver.bad_envelope)
      .end();
  json.integer("acks_applied", r.acks_applied);
  json.integer("server_datagrams_dropped", r.dropped);
  json.boolean("converged", r.converged);
  json.integer("converged_clients", r.converged_clients);
  series_json(json, "baseline_enet_tick_ms", r.enet.total);
  json.begin("baseline_phase_ms_median")
      .number("receive", r.enet.receive.median, 4)
      .number("send", r.enet.send.median, 4)
      .number("flush", r.enet.flush.median, 4)
      .end();
  json.integer("baseline_packets_received", r.enet_received);
  json.number("tick_ratio", ratio(r.tickwire.total.median, r.enet.total.median), 3);
  json.number("tick_ratio_p99", ratio(r.tickwire.total.p99, r.enet.total.p99), 3);
  // The same without replication (tickwire's receive + send + flush phases).
  series_json(json, "transport_ms", r.tickwire.transport);
  json.number("transport_ratio", ratio(r.tickwire.transport.median, r.enet.total.median), 3);
  json.boolean("encrypted", true);  // tickwire only; the baseline is plain ENet
  // Outside the measured ticks: the clients' work per frame, and the frame's
  // whole work (late frames and actual_hz below 60 come from here).
  json.begin("pump_ms");
  series_json(json, "tickwire", r.tickwire_pump);
  series_json(json, "baseline", r.enet_pump);
  json.end();
  series_json(json, "frame_work_ms", r.frame);
  // DESIGN.md's target holds for this many clients and entities.
  json.begin("targets")
      .number("tick_ms_max", kTargetTickMs, 2)
      .integer("clients", 64)
      .integer("entities", 900)
      .end();
  json.end();
  std::printf("%s\n", json.str().c_str());
}

void print_table(const Options& o, const Results& r) {
  const double snapshots = static_cast<double>(r.snapshots());
  const double per_snapshot = ratio(static_cast<double>(r.envelope_bytes), snapshots);
  std::printf(
      "tw-bench server on 127.0.0.1: %u clients, %u entities (%u moving), %u ticks at %.2f Hz "
      "(%u late frames), budget %u bytes\n\n",
      o.clients, o.entities, r.movers, o.ticks, r.actual_hz, r.late_frames, o.budget);
  std::printf("%-22s %10s %10s %10s %10s\n", "ms per tick", "median", "p99", "mean", "max");
  const struct {
    const char* name;
    const Series& s;
  } rows[] = {{"tickwire tick", r.tickwire.total},
              {"  receive + acks", r.tickwire.receive},
              {"  step + capture", r.tickwire.simulate},
              {"  encode", r.tickwire.encode},
              {"  send", r.tickwire.send},
              {"  flush", r.tickwire.flush},
              {"bare ENet tick", r.enet.total},
              {"  receive", r.enet.receive},
              {"  send", r.enet.send},
              {"  flush", r.enet.flush}};
  for (const auto& row : rows) {
    std::printf("%-22s %10.4f %10.4f %10.4f %10.4f\n", row.name, row.s.median, row.s.p99,
                row.s.mean, row.s.max);
  }
  std::printf("%-22s %10s\n", "not in the ticks", "");
  const struct {
    const char* name;
    const Series& s;
  } outside[] = {{"  tickwire clients", r.tickwire_pump},
                 {"  ENet clients", r.enet_pump},
                 {"frame work", r.frame}};
  for (const auto& row : outside) {
    std::printf("%-22s %10.4f %10.4f %10.4f %10.4f\n", row.name, row.s.median, row.s.p99,
                row.s.mean, row.s.max);
  }
  std::printf("\ntickwire / ENet tick   %.3fx median, %.3fx p99\n",
              ratio(r.tickwire.total.median, r.enet.total.median),
              ratio(r.tickwire.total.p99, r.enet.total.p99));
  std::printf("without replication     %.3fx median (tickwire receive + send + flush: %.4f ms)\n",
              ratio(r.tickwire.transport.median, r.enet.total.median), r.tickwire.transport.median);
  std::printf("encode share           %.1f%%\n",
              100.0 * ratio(r.tickwire.encode.sum, r.tickwire.total.sum));
  std::printf("kbit/s per client      %.1f\n", per_snapshot * 8 * r.actual_hz / 1000);
  std::printf("bytes per snapshot     %.1f (max %u, envelope included)\n", per_snapshot,
              r.envelope_max);
  std::printf("delta share            %.4f (%llu full, %llu delta)\n",
              ratio(static_cast<double>(r.sender.delta_sent), snapshots),
              static_cast<unsigned long long>(r.sender.full_sent),
              static_cast<unsigned long long>(r.sender.delta_sent));
  std::printf("entities per snapshot  %.1f sent, %.1f deferred by the budget\n",
              ratio(static_cast<double>(r.sender.entities_sent), snapshots),
              ratio(static_cast<double>(r.sender.entities_deferred), snapshots));
  std::printf("converged              %s (%u of %u clients, %u settle ticks)\n",
              r.converged ? "yes" : "NO", r.converged_clients, o.clients, r.settle_ticks);
  std::printf("\ntarget (64 clients, 900 entities): tickwire tick < %.1f ms: %s\n", kTargetTickMs,
              o.clients != 64 || o.entities != 900      ? "not this run"
              : r.tickwire.total.median < kTargetTickMs ? "ok"
                                                        : "MISSED");
}

}  // namespace

void server_usage(std::FILE* to, const char* program, bool brief) {
  std::fprintf(to,
               "usage: %s server [--clients N] [--entities N] [--ticks N] [--budget BYTES] "
               "[--seed S] [--no-cache] [--capture FILE] [--json]\n",
               program);
  if (brief) return;
  std::fprintf(to,
               "\n"
               "The server's tick cost. One tickwire Server and N tickwire Clients run in this\n"
               "process on 127.0.0.1 (connect tokens, every datagram encrypted with the\n"
               "default cipher suite, or TICKWIRE_CIPHER's; \"cipher\" in the JSON), all\n"
               "connected before measuring. Every tick, at 60 Hz in real time, the server steps a\n"
               "replicated world and sends each client its own snapshot (a delta against the\n"
               "newest one that client acknowledged, within the per-client byte budget).\n"
               "\n"
               "Measured server tick (steady_clock, one thread): Server::update() and the\n"
               "clients' acks (SnapshotSender::acknowledge); the world step and the\n"
               "SnapshotRing capture; SnapshotSender::encode for every client; Server::send of\n"
               "each envelope on the unreliable-sequenced lane; Server::flush() (sealing and\n"
               "sendmsg); the table and the JSON (phase_ms_median, phase_ms_p99) give each\n"
               "phase. Between ticks, not measured, each client decodes what arrived into\n"
               "its SnapshotReceiver and sends its newest tick back (4 bytes, unreliable lane).\n"
               "\n"
               "Baseline, in the same run: a bare-ENet server (no encryption, no replication)\n"
               "with as many bare-ENet clients sends each client a packet of the size tickwire\n"
               "sent it (one frame later) and reads their 4-byte acks; its tick is\n"
               "enet_host_service + enet_peer_send per client + enet_host_flush. As tickwire's\n"
               "Server::update does, the baseline services its host again while ENet stopped\n"
               "at its cap of 256 datagrams per service (up to 16 times), so neither server\n"
               "falls behind its socket when many clients answer. Both servers tick in every\n"
               "60 Hz frame, taking turns to go first. tick_ratio = tickwire's median tick /\n"
               "the baseline's.\n"
               "\n"
               "Everything runs on one thread: with many clients (or a debug build) a frame's\n"
               "work, both ticks and both fleets' clients (pump_ms, frame_work_ms), can pass\n"
               "1/60 s; such frames are counted (late_frames) and actual_hz falls below 60,\n"
               "while every tick is still measured the same way.\n"
               "\n"
               "World: entities of one type, \"player\": position vec2 in [-128, 128] m at\n"
               "1/64 m (15 bits per axis), velocity vec2 in [-16, 16] m/s at 1/32 m/s (11 bits\n"
               "per axis), heading angle (10 bits), health integer 0..100, shielded bool.\n"
               "Scenario: a quarter of the entities (every 4th) run circles of 4-24 m at\n"
               "2-8 m/s, so position, velocity and heading change every tick; the rest stand\n"
               "still and 5%% of them per second change health or shielded. After the\n"
               "measured ticks the movers stop and %u more ticks are sent (up to %u while the\n"
               "budget catches up); then every client's newest snapshot must equal the\n"
               "server's snapshot of that tick exactly (\"converged\").\n"
               "\n"
               "  --clients N      connected clients (64), 1..%u\n"
               "  --entities N     replicated entities (900), 1..%u\n"
               "  --ticks N        measured ticks at 60 Hz (600, 10 s), 1..%u\n"
               "  --budget BYTES   snapshot bytes per client per tick (%u, the default of\n"
               "                   ReplicationSettings: one datagram); 0: no limit (larger\n"
               "                   snapshots then go as ENet fragments, which ENet 1.3\n"
               "                   sends reliably)\n"
               "  --seed S         placement, circles and still changes (1)\n"
               "  --no-cache       every sender codes its own stream (by default the\n"
               "                   senders share a SnapshotEncodeCache: clients whose view\n"
               "                   is made the same way get one view and one stream, made\n"
               "                   once; views_made in the JSON counts the view snapshots\n"
               "                   the cache made for all senders)\n"
               "  --capture FILE   the tickwire server records a packet trace to FILE (its\n"
               "                   cost is in the tick; compare with a run without)\n"
               "  --json           print one JSON object instead of a table\n"
               "\n"
               "Exit status: 0 done, 1 a measurement failed or a client did not converge,\n"
               "2 bad arguments. The default run takes about 12 s.\n",
               kSettleTicks, kMaxSettleTicks, kMaxClients, kMaxEntities, kMaxTicks,
               ReplicationSettings{}.budget_bytes);
}

int server_main(int argc, char** argv) {
  Options options;
  if (const int status = start("server", argc, argv, flags(options), &server_usage); status >= 0)
    return status;
  std::string error;
  if (!start_enet("server")) return 1;
  Results results;
  if (!run(options, results, error)) {
    std::fprintf(stderr, "tw-bench server: %s\n", error.c_str());
    return 1;
  }
  if (options.json) {
    print_json(options, results);
  } else {
    print_table(options, results);
  }
  if (!results.converged) {
    std::fprintf(stderr,
                 "tw-bench server: %u of %u clients did not converge on the server's "
                 "snapshot after %u settle ticks\n",
                 options.clients - results.converged_clients, options.clients,
                 results.settle_ticks);
    return 1;
  }
  return 0;
}

}  // namespace twbench
