// One cell of `tw-bench prediction`: a GameServer (2 server bots) and two
// GameClients in this process on 127.0.0.1, every side's sends conditioned,
// pumped in one loop; see prediction_usage() for what is measured.
#pragma once

#include <cstdint>
#include <string>

namespace twbench::prediction {

struct Cell {
  std::uint32_t rtt_ms = 0;     // round trip added: each side delays its sends by half
  float loss_pct = 0;           // each side drops this share of its sends, percent
  std::uint32_t jitter_ms = 0;  // each side's send delay varies by +/- this, ms
  std::uint64_t seed = 1;       // the conditioners' seeds (server, mover, shooter) come from it
};

struct CellResult {
  double seconds = 0;  // measured play, wall clock, s
  // The mover (A): its drawn ship's response to its own direction changes.
  double input_latency_ticks = 0;  // median over changes, ticks at 60 Hz; NaN: none measured
  std::uint32_t latency_samples = 0;
  std::uint32_t latency_censored = 0;   // changes not seen before the next one (counted at 30)
  double corrections_per_min = 0;       // all causes, measured window
  double free_corrections_per_min = 0;  // causes input + other only
  double correction_p95 = 0;            // units, the mover's newest corrections
  double dilation_pct_avg = 0;          // mean |time dilation|, percent
  double input_slack_ticks = 0;         // how early its inputs reach the server, ticks
  // The shooter (B, a bot client): the other ships as drawn, and its hits.
  double remote_error_rms = 0;  // drawn vs the server at the render tick, units; NaN: none
  std::uint64_t remote_samples = 0;
  double extrapolated_pct = 0;       // share of the measured time drawn past the newest snapshot
  double interp_delay_ms = 0;        // render time behind the newest arrival, ms
  std::uint64_t predicted_hits = 0;  // B's predicted hits in the measured window
  std::uint64_t matched_hits = 0;    // ... that the server counted (same target, +-3 ticks)
  double hit_agreement = 0;          // matched / predicted; NaN when B predicted none
  // The server.
  double input_underruns_per_min = 0;  // ticks stepped without a client's input, both clients
  // Per client, from the scoreboard (once a second), for diagnosis: ticks
  // stepped without its input, per minute; the shooter's time sync.
  double mover_underruns_per_min = 0;
  double shooter_underruns_per_min = 0;
  double shooter_input_slack_ticks = 0;
  std::uint64_t shooter_clock_jumps = 0;
};

// Runs one cell for `seconds` of measured play (after both clients play and
// 1 s of warm-up). False with `error` set when the match could not be played.
bool run_cell(const Cell& cell, bool predict, double seconds, CellResult& out, std::string& error);

}  // namespace twbench::prediction
