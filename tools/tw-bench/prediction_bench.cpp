#include "prediction_bench.hpp"

#include <cmath>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "cli.hpp"
#include "prediction_cell.hpp"
#include "stats.hpp"

namespace twbench {
namespace {

using prediction::Cell;
using prediction::CellResult;

constexpr double kDefaultSeconds = 6.0;
constexpr double kQuickSeconds = 2.0;
constexpr double kMaxSeconds = 120.0;
constexpr std::uint32_t kJitterMs = 20;  // on every cell with a round trip

struct Options {
  bool json = false;
  double seconds = kDefaultSeconds;
  bool seconds_given = false;
  bool quick = false;
  bool baseline = true;
};

std::vector<cli::Flag> flags(Options& o) {
  auto set = [](bool& flag, bool value) {
    return [&flag, value](std::string_view) { return (flag = value), std::string(); };
  };
  return {
      {"--json", false, set(o.json, true)},
      {"--quick", false, set(o.quick, true)},
      {"--no-baseline", false, set(o.baseline, false)},
      {"--seconds", true,
       [&](std::string_view v) {
         double s = 0;
         if (!cli::parse_seconds(v, kMaxSeconds, s) || s < 1.0)
           return "--seconds: expected 1..120, got '" + std::string(v) + "'";
         o.seconds = s;
         o.seconds_given = true;
         return std::string();
       }},
  };
}

std::vector<Cell> matrix(bool quick) {
  const std::vector<std::uint32_t> rtts =
      quick ? std::vector<std::uint32_t>{0, 150} : std::vector<std::uint32_t>{0, 50, 150, 300};
  const std::vector<float> losses = quick ? std::vector<float>{0, 5} : std::vector<float>{0, 5, 20};
  std::vector<Cell> cells;
  for (const std::uint32_t rtt : rtts) {
    for (const float loss : losses) {
      Cell c;
      c.rtt_ms = rtt;
      c.loss_pct = loss;
      c.jitter_ms = rtt == 0 ? 0 : kJitterMs;
      c.seed = 1000 + rtt * 100 + static_cast<std::uint64_t>(loss);  // fixed per cell
      cells.push_back(c);
    }
  }
  return cells;
}

struct Row {
  Cell cell;
  CellResult r;
};

std::string cell_json(const Row& row) {
  const CellResult& r = row.r;
  JsonWriter json;
  json.begin()
      .integer("rtt_ms", row.cell.rtt_ms)
      .number("loss_pct", row.cell.loss_pct, 1)
      .integer("jitter_ms", row.cell.jitter_ms)
      .number("seconds", r.seconds, 3)
      .number("input_latency_ticks", r.input_latency_ticks, 2)
      .integer("input_latency_samples", r.latency_samples)
      .integer("input_latency_censored", r.latency_censored)
      .number("corrections_per_min", r.corrections_per_min, 2)
      .number("free_corrections_per_min", r.free_corrections_per_min, 2)
      .number("correction_p95", r.correction_p95, 3)
      .number("remote_error_rms", r.remote_error_rms, 3)
      .integer("remote_samples", r.remote_samples)
      .number("input_underruns_per_min", r.input_underruns_per_min, 2)
      .number("mover_underruns_per_min", r.mover_underruns_per_min, 2)
      .number("shooter_underruns_per_min", r.shooter_underruns_per_min, 2)
      .number("shooter_input_slack_ticks", r.shooter_input_slack_ticks, 2)
      .integer("shooter_clock_jumps", r.shooter_clock_jumps)
      .number("extrapolated_pct", r.extrapolated_pct, 3)
      .number("hit_agreement", r.hit_agreement, 3)
      .integer("predicted_hits", r.predicted_hits)
      .integer("matched_hits", r.matched_hits)
      .number("dilation_pct_avg", r.dilation_pct_avg, 3)
      .number("input_slack_ticks", r.input_slack_ticks, 2)
      .number("interp_delay_ms", r.interp_delay_ms, 1)
      .end();
  return json.str();
}

std::string cells_json(const std::vector<Row>& rows) {
  std::string out = "[";
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i) out += ',';
    out += cell_json(rows[i]);
  }
  return out + "]";
}

void print_json(const Options& o, const std::vector<Row>& predicted,
                const std::vector<Row>& baseline) {
  JsonWriter json;
  json.begin().string("bench", "prediction");
  json.number("seconds", o.seconds, 2);
  json.boolean("quick", o.quick);
  json.integer("tick_hz", 60);
  json.integer("server_bots", 2);
  json.string("setup",
              "one process on 127.0.0.1: GameServer (2 bots) + mover client A (scripted, turns "
              "every 0.5 s, never fires) + bot client B; each side delays its sends by rtt/2 "
              "+-jitter and drops loss_pct of them");
  json.boolean("predict", true);
  json.raw("cells", cells_json(predicted));
  if (o.baseline) {
    json.begin("baseline").boolean("predict", false);
    json.raw("cells", cells_json(baseline));
    json.end();
  }
  json.end();
  std::printf("%s\n", json.str().c_str());
}

// "-" for a value that could not be measured.
std::string fmt(double v, int decimals) {
  if (!std::isfinite(v)) return "-";
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, v);
  return buffer;
}

void print_table(const char* title, const std::vector<Row>& rows) {
  std::printf("\n%s\n", title);
  std::printf("%5s %5s %4s | %7s %5s | %7s %7s %6s | %7s | %8s %7s | %6s %5s | %6s %5s %6s\n",
              "rtt", "loss", "jit", "lat_tk", "cens", "corr/m", "free/m", "c_p95", "rem_rms",
              "undrn/m", "extrap%", "hits", "agree", "dil%", "slack", "delay");
  for (const Row& row : rows) {
    const CellResult& r = row.r;
    std::printf(
        "%5u %5.0f %4u | %7s %2u/%-2u | %7.1f %7.1f %6.2f | %7s | %8.1f %7.2f | %6llu %5s | "
        "%6.2f %5.2f %6.1f\n",
        row.cell.rtt_ms, static_cast<double>(row.cell.loss_pct), row.cell.jitter_ms,
        fmt(r.input_latency_ticks, 2).c_str(), r.latency_censored, r.latency_samples,
        r.corrections_per_min, r.free_corrections_per_min, r.correction_p95,
        fmt(r.remote_error_rms, 2).c_str(), r.input_underruns_per_min, r.extrapolated_pct,
        static_cast<unsigned long long>(r.predicted_hits), fmt(r.hit_agreement, 2).c_str(),
        r.dilation_pct_avg, r.input_slack_ticks, r.interp_delay_ms);
  }
}

bool run_matrix(const Options& o, bool predict, std::vector<Row>& rows) {
  for (const Cell& cell : matrix(o.quick)) {
    if (!o.json)
      std::fprintf(stderr, "%s rtt %u ms, loss %.0f%%, jitter %u ms: %.0f s...\n",
                   predict ? "predict " : "baseline", cell.rtt_ms,
                   static_cast<double>(cell.loss_pct), cell.jitter_ms, o.seconds);
    Row row{cell, {}};
    std::string error;
    if (!prediction::run_cell(cell, predict, o.seconds, row.r, error)) {
      std::fprintf(stderr, "tw-bench prediction: rtt %u ms, loss %.0f%% (%s): %s\n", cell.rtt_ms,
                   static_cast<double>(cell.loss_pct), predict ? "predict" : "baseline",
                   error.c_str());
      return false;
    }
    rows.push_back(row);
  }
  return true;
}

}  // namespace

void prediction_usage(std::FILE* to, const char* program, bool brief) {
  std::fprintf(to, "usage: %s prediction [--seconds S] [--quick] [--no-baseline] [--json]\n",
               program);
  if (brief) return;
  std::fprintf(to,
               "\n"
               "How arena plays on tickwire's prediction layer over bad links. A quality\n"
               "benchmark: it measures and reports, it never checks the numbers.\n"
               "\n"
               "Each cell runs in this process on 127.0.0.1: an arena GameServer with 2 server\n"
               "bots, client A (the mover: scripted input that turns every 0.5 s round a square\n"
               "and never fires) and client B (a bot client: moves and fires), all pumped in one\n"
               "loop (~1 ms sleep). The server and each client delay what they send by rtt/2\n"
               "(+-jitter) and drop loss_pct of it (tickwire's link conditioner, fixed seeds per\n"
               "cell and side). Matrix: rtt 0, 50, 150, 300 ms x loss 0, 5, 20 %%, jitter %u ms\n"
               "where rtt > 0. After both clients play, 1 s of warm-up is not measured; then\n"
               "S seconds are. The matrix runs with prediction, then again as the baseline\n"
               "with ClientOptions::predict = false (arena --no-predict).\n"
               "\n"
               "Per cell:\n"
               "  input_latency_ticks       A: median time from its input turning to its drawn\n"
               "                            ship's velocity gaining 20 units/s the new way\n"
               "                            (beyond the old input's course), ticks at 60 Hz; a\n"
               "                            turn not seen before the next counts as censored at\n"
               "                            30 (input_latency_censored), the turn after it is\n"
               "                            not measured\n"
               "  corrections_per_min       A: server corrections of the prediction, all causes;\n"
               "  free_corrections_per_min  ... causes input + other only (not hits or deaths)\n"
               "  correction_p95            A: size, units (its newest corrections)\n"
               "  remote_error_rms          B: other ships as drawn vs the server's position at\n"
               "                            B's render tick (blended between ticks), units\n"
               "  input_underruns_per_min   server ticks stepped without a client's input (A + B)\n"
               "  extrapolated_pct          B: share of the time drawn past the newest snapshot\n"
               "  hit_agreement             share of B's predicted hits the server counted (same\n"
               "                            target, B the shooter, within 3 ticks); null: none\n"
               "  dilation_pct_avg, input_slack_ticks (A), interp_delay_ms (B)\n"
               "\n"
               "  --seconds S     measured seconds per cell (%.0f), 1..120\n"
               "  --quick         rtt 0, 150 x loss 0, 5 for %.0f s (the smoke test)\n"
               "  --no-baseline   skip the run without prediction\n"
               "  --json          print one JSON object instead of tables\n"
               "\n"
               "Exit status: 0 done, 1 a cell could not be played, 2 bad arguments. The default\n"
               "run takes about 4 minutes.\n",
               kJitterMs, kDefaultSeconds, kQuickSeconds);
}

int prediction_main(int argc, char** argv) {
  Options o;
  if (const int status = start("prediction", argc, argv, flags(o), &prediction_usage); status >= 0)
    return status;
  if (o.quick && !o.seconds_given) o.seconds = kQuickSeconds;
  // Every cell sets its own link conditions; TICKWIRE_SIM would replace them.
  if (const char* sim = std::getenv("TICKWIRE_SIM"); sim != nullptr && *sim != '\0') {
    std::fprintf(stderr, "tw-bench prediction: ignoring TICKWIRE_SIM=%s\n", sim);
    unsetenv("TICKWIRE_SIM");
  }
  std::vector<Row> predicted, baseline;
  if (!run_matrix(o, true, predicted)) return 1;
  if (o.baseline && !run_matrix(o, false, baseline)) return 1;
  if (o.json) {
    print_json(o, predicted, baseline);
    return 0;
  }
  std::printf("tw-bench prediction: %.0f s per cell, 2 server bots, A = mover, B = bot client\n",
              o.seconds);
  print_table("with prediction", predicted);
  if (o.baseline) print_table("baseline: --no-predict", baseline);
  std::printf(
      "\nlat_tk: A's input latency, ticks (cens: censored/samples); corr/m, free/m: A's\n"
      "corrections per minute (all; input + other); rem_rms: B's remote-ship error, units;\n"
      "undrn/m: server input underruns per minute; hits/agree: B's predicted hits and the\n"
      "share the server counted; dil%%, slack: A's time sync; delay: B's interpolation, ms\n");
  return 0;
}

}  // namespace twbench
