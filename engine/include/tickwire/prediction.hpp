// tickwire — client-side prediction, time sync, interpolation and lag
// compensation: the layer between the snapshots and the game.
//
// The model (Quake 3, Source, Overwatch): the server runs one fixed-rate
// simulation and is the authority. Each client
//   - runs its own input tick ahead of the server's by the one-way latency
//     plus a small slack, so its inputs reach the server just before the
//     server steps their tick (TickClock, kept there by time dilation from
//     what the server reports in each snapshot envelope);
//   - applies its own input at once, with the game's step function, the same
//     code the server runs, and keeps (input, predicted state) per tick
//     (Predictor); when a snapshot brings the authoritative state of a tick,
//     compares, and on a mismatch resets to it and runs the unacknowledged
//     inputs again; only what is drawn is smoothed (CorrectionSmoother);
//   - draws everything else between the two snapshots that straddle a render
//     time slightly in the past (InterpolationClock).
// The server consumes exactly one input per tick and client (InputBuffer)
// and judges hits against the world as the shooter saw it (LagCompensator).
//
// Ticks are server simulation ticks everywhere: the input for tick T is the
// one the server applies in the step that makes its world tick T. Time is
// always passed in by the caller (microseconds on any monotonic clock, or
// ticks); nothing here reads a clock, so every part runs on simulated time in
// tests and replays. Every ring has a fixed capacity from its settings. Not
// thread-safe: one object per client (or per server) on one thread.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "tickwire/status.hpp"

namespace tickwire {

// ---------------------------------------------------------------------------
// Time sync (client)

struct TimeSyncSettings {
  std::uint32_t tick_rate_hz = 60;  // the server's simulation rate, Hz (1..1000)
  // How early the client's inputs should reach the server: the depth the
  // server's input buffer is kept at, ticks. Absorbs jitter; more costs
  // latency for remote entities' view of you, not for your own controls.
  double target_slack_ticks = 2.0;
  double max_dilation = 0.05;     // most the tick rate is sped up or slowed down, fraction (0..0.2)
  double dilation_gain = 0.0167;  // dilation per tick of slack error, 1/tick (about 1 s to settle)
  // Beyond this much error the clock jumps instead of dilating, ticks (>= 2).
  double resync_ticks = 12.0;
  // A gap between two advance() calls (or a snapshot and the last advance())
  // longer than this is a stall: a debugger, a suspended laptop, or the
  // local clock jumping ahead. No input tick is made until a snapshot taken
  // in since tells where the server is; then the clock restarts there, us.
  std::uint64_t stall_us = 500'000;
  std::uint32_t max_ticks_per_advance = 8;  // a burst longer than this is skipped, ticks (1..64)

  [[nodiscard]] Status validate() const;
};

struct TimeSyncStats {
  std::uint64_t ticks_run = 0;      // input ticks advance() handed out
  std::uint64_t jumps = 0;          // times the clock was set instead of dilated (start included)
  std::uint64_t stalls = 0;         // restarts after a gap longer than stall_us
  std::uint64_t behind = 0;         // jumps because a snapshot was as new as the input tick
  std::uint64_t ticks_skipped = 0;  // ticks jumped over forward (no input was made for them)
  double dilation = 0;              // now, fraction (+0.02: running 2 % fast)
  double dilation_abs_avg = 0;      // mean |dilation| over the advance() calls, fraction
  double slack_ticks = 0;           // the server's newest report, smoothed, ticks
  std::uint64_t slack_reports = 0;  // reports taken
};

// The client's input tick. Starts on the first snapshot, then advances with
// the caller's clock, a few percent faster or slower as the server's reports
// of input slack ask, so that inputs keep arriving target_slack_ticks early.
class TickClock {
 public:
  TickClock() : TickClock(TimeSyncSettings{}) {}
  explicit TickClock(const TimeSyncSettings& settings);

  // A snapshot of server tick `server_tick` arrived at `now_us`; `rtt_ms` is
  // the connection's round-trip estimate. Starts the clock on the first call.
  void on_snapshot(std::uint32_t server_tick, std::uint64_t now_us, double rtt_ms);
  // The server's report (from the snapshot envelope) of how early this
  // client's inputs reach it, ticks; negative: late.
  void on_input_slack(double slack_ticks, std::uint64_t now_us);

  // Advances to `now_us`. Returns how many new input ticks are due now
  // (0..max_ticks_per_advance): the caller runs tick()-n+1 .. tick(), in
  // that order (tick() is already the last of them when this returns).
  std::uint32_t advance(std::uint64_t now_us);

  [[nodiscard]] bool started() const noexcept { return started_; }
  // The newest input tick handed out (0 before the first).
  [[nodiscard]] std::uint32_t tick() const noexcept { return tick_; }
  // Where the clock stands, ticks, continuous: tick() + progress toward the next.
  [[nodiscard]] double position() const noexcept { return position_; }
  // The server's current tick as estimated from snapshot arrivals, continuous.
  [[nodiscard]] double server_tick(std::uint64_t now_us) const noexcept;
  [[nodiscard]] const TimeSyncStats& stats() const noexcept { return stats_; }
  [[nodiscard]] const TimeSyncSettings& settings() const noexcept { return settings_; }

 private:
  double target_position(std::uint64_t now_us) const noexcept;
  void jump_to(double position) noexcept;

  TimeSyncSettings settings_;
  TimeSyncStats stats_;
  bool started_ = false;
  double position_ = 0;        // continuous input tick
  std::uint32_t tick_ = 0;     // newest handed out
  std::uint64_t last_us_ = 0;  // previous advance()
  double offset_ = 0;          // server tick minus now in ticks, newest estimate
  double rtt_ticks_ = 0;
  double dilation_ = 0;
  double dilation_abs_sum_ = 0;
  std::uint64_t advances_ = 0;
  std::uint64_t ignore_slack_until_us_ = 0;  // after a jump, reports still show the old timing
  bool have_slack_ = false;
  bool resync_ = false;  // a stall was seen: the offset is measured again
  bool fresh_ = false;   // ... and a snapshot since gave it
};

// ---------------------------------------------------------------------------
// Input stream (server)

struct InputBufferSettings {
  std::uint32_t capacity_ticks = 32;  // inputs held ahead of the current tick, ticks (2..256)
  [[nodiscard]] Status validate() const;
};

struct InputBufferStats {
  std::uint64_t received = 0;    // new inputs stored
  std::uint64_t consumed = 0;    // ticks stepped with the client's own input
  std::uint64_t missing = 0;     // ticks stepped with the last input repeated (it had not arrived)
  std::uint64_t late = 0;        // inputs that came after their tick was stepped without them
  std::uint64_t duplicates = 0;  // inputs already held or already used (redundant copies)
  std::uint64_t too_early = 0;   // inputs beyond capacity_ticks ahead: dropped
  std::uint32_t depth = 0;       // inputs held for future ticks now
  double depth_avg = 0;          // mean depth at consume(), ticks
  double slack_ticks = 0;        // how early inputs arrive, smoothed, ticks (negative: late)
};

// Slack and acknowledgement bookkeeping shared by every InputBuffer (the
// part that does not depend on the game's input type).
class InputTiming {
 public:
  // An input for `tick` arrived when the server stood at `server_position`
  // (continuous: the tick it steps next, minus the part of a tick left before
  // that step, so that the step of tick T happens at position T).
  void on_arrival(std::uint32_t tick, double server_position) noexcept;
  // The smoothed slack to report, ticks.
  [[nodiscard]] double slack() const noexcept { return slack_; }
  [[nodiscard]] bool has_slack() const noexcept { return have_slack_; }

 private:
  double slack_ = 0;
  bool have_slack_ = false;
};

// One client's inputs on the server: held by tick, one consumed per step.
// A tick whose input has not arrived repeats the last one (the game's step
// runs with it; the client mispredicts only if the input changed).
template <class Input>
class InputBuffer {
 public:
  InputBuffer() : InputBuffer(InputBufferSettings{}) {}
  explicit InputBuffer(const InputBufferSettings& settings)
      : capacity_(std::clamp<std::uint32_t>(settings.capacity_ticks, 2, 256)), slots_(capacity_) {}

  // An input for `tick` arrived, at `server_position` (see InputTiming).
  // Stores it when it is new and within capacity; counts every other case.
  void receive(std::uint32_t tick, const Input& input, double server_position) {
    if (!seen_any_ || static_cast<std::int32_t>(tick - newest_seen_) > 0) {
      // Only the newest input of each packet tells how early packets come.
      seen_any_ = true;
      newest_seen_ = tick;
      timing_.on_arrival(tick, server_position);
    }
    if (started_ && static_cast<std::int32_t>(tick - next_) < 0) {
      // Its tick is stepped already: with it (a redundant copy) or without it.
      const std::uint32_t age = next_ - tick;
      const bool used = age <= 64 && ((used_bits_ >> (age - 1)) & 1u) != 0;
      ++(used ? stats_.duplicates : stats_.late);
      return;
    }
    if (!started_ && (!anchored_ || (static_cast<std::int32_t>(tick - anchor_) < 0 &&
                                     newest_seen_ - tick < capacity_))) {
      // Before the first step the window starts at the oldest input held
      // (inputs may arrive out of order), as long as the newest still fits.
      anchored_ = true;
      anchor_ = tick;
    }
    const std::uint32_t base = started_ ? next_ : anchor_;
    if (static_cast<std::int32_t>(tick - base) < 0 || tick - base >= capacity_) {
      ++stats_.too_early;
      return;
    }
    Slot& s = slots_[tick % capacity_];
    if (s.full && s.tick == tick) {
      ++stats_.duplicates;
      return;
    }
    s = {tick, input, true};
    ++stats_.received;
  }

  // The input for `tick` (ticks increasing by one per call): the client's,
  // or the last one repeated (a default Input before any).
  const Input& consume(std::uint32_t tick) {
    if (started_ && tick != next_) drop_before(tick);
    started_ = true;
    next_ = tick + 1;
    Slot& s = slots_[tick % capacity_];
    bool own = s.full && s.tick == tick;
    used_bits_ <<= 1;
    if (own) {
      last_ = s.input;
      s.full = false;
      ++stats_.consumed;
      used_bits_ |= 1u;
      acked_ = tick;
      if (!repeated_since_report_) report_ack_ = tick;
    } else {
      ++stats_.missing;
      repeated_since_report_ = true;
    }
    std::uint32_t depth = 0;
    for (const Slot& x : slots_) depth += x.full && static_cast<std::int32_t>(x.tick - next_) >= 0;
    stats_.depth = depth;
    depth_sum_ += depth;
    return last_;
  }

  // The input tick to put in this client's next snapshot envelope: the
  // newest tick up to which every step used the client's own input since the
  // previous report. A client that sees it below the snapshot's tick knows
  // the server stepped with a repeated input (a correction caused by input).
  std::uint32_t take_report_ack() noexcept {
    const std::uint32_t r = report_ack_;
    report_ack_ = acked_;
    repeated_since_report_ = false;
    return r;
  }
  // Newest tick stepped with the client's own input (0: none yet).
  [[nodiscard]] std::uint32_t acked() const noexcept { return acked_; }
  // The newest tick up to which the client need not send anything again:
  // every tick after the last one stepped, up to this one, is held. Its next
  // input packet can start after it (0 before the first step: send all).
  [[nodiscard]] std::uint32_t received_through() const noexcept {
    if (!started_) return 0;
    std::uint32_t t = next_ - 1;
    for (std::uint32_t k = 0; k < capacity_; ++k) {
      const Slot& s = slots_[(t + 1) % capacity_];
      if (!s.full || s.tick != t + 1) break;
      ++t;
    }
    return t;
  }
  [[nodiscard]] const InputTiming& timing() const noexcept { return timing_; }
  [[nodiscard]] InputBufferStats stats() const noexcept {
    InputBufferStats s = stats_;
    const std::uint64_t steps = stats_.consumed + stats_.missing;
    s.depth_avg = steps ? static_cast<double>(depth_sum_) / static_cast<double>(steps) : 0.0;
    s.slack_ticks = timing_.slack();
    return s;
  }

 private:
  struct Slot {
    std::uint32_t tick = 0;
    Input input{};
    bool full = false;
  };
  void drop_before(std::uint32_t tick) {
    for (Slot& s : slots_)
      if (s.full && static_cast<std::int32_t>(s.tick - tick) < 0) s.full = false;
  }

  std::uint32_t capacity_;
  std::vector<Slot> slots_;  // by tick % capacity
  InputTiming timing_;
  InputBufferStats stats_;
  Input last_{};
  bool started_ = false;
  std::uint32_t next_ = 0;       // the next tick consume() expects
  std::uint64_t used_bits_ = 0;  // bit k: tick next_-1-k was stepped with the client's input
  std::uint32_t acked_ = 0;
  std::uint32_t report_ack_ = 0;
  bool repeated_since_report_ = false;
  std::uint64_t depth_sum_ = 0;
  bool anchored_ = false, seen_any_ = false;
  std::uint32_t anchor_ = 0;       // before the first consume(): the first tick received
  std::uint32_t newest_seen_ = 0;  // newest tick received
};

// ---------------------------------------------------------------------------
// Prediction and reconciliation (client)

// Why the server's state differed from the prediction. The engine sets
// Input itself (the server stepped a tick with a repeated input); the game's
// classifier tells the rest apart where it can.
enum class CorrectionCause : std::uint8_t {
  Input,      // the server did not have this client's input for a tick in time
  Collision,  // another entity touched the predicted one (a hit, a push)
  Teleport,   // respawn or teleport: a jump the client could not foresee
  Other,      // anything else (a bug in determinism shows up here)
};
inline constexpr std::size_t kCorrectionCauses = 4;
const char* to_string(CorrectionCause c) noexcept;

// Sizes of corrections, for percentiles: the newest 1024 kept.
class CorrectionStats {
 public:
  void add(CorrectionCause cause, double size) noexcept;
  [[nodiscard]] std::uint64_t count() const noexcept { return total_; }
  [[nodiscard]] std::uint64_t count(CorrectionCause c) const noexcept {
    return by_cause_[static_cast<std::size_t>(c)];
  }
  // The p-quantile (0..1) of the kept sizes, all causes or one, game units;
  // 0 when none.
  [[nodiscard]] double quantile(double p) const;
  [[nodiscard]] double quantile(double p, CorrectionCause c) const;
  // The largest size ever, all causes or one, game units.
  [[nodiscard]] double max() const noexcept { return max_; }
  [[nodiscard]] double max(CorrectionCause c) const noexcept {
    return max_by_cause_[static_cast<std::size_t>(c)];
  }

 private:
  static constexpr std::size_t kKept = 1024;
  [[nodiscard]] double quantile_of(double p, int cause) const;  // cause -1: all

  std::array<std::uint64_t, kCorrectionCauses> by_cause_{};
  std::array<double, kCorrectionCauses> max_by_cause_{};
  std::uint64_t total_ = 0;
  double max_ = 0;
  std::array<float, kKept> sizes_{};
  std::array<std::uint8_t, kKept> causes_{};
  std::size_t kept_ = 0, next_ = 0;
};

struct PredictorSettings {
  std::uint32_t history_ticks = 128;  // (input, state) pairs kept, ticks (8..1024)
  // Most inputs run again on one correction; a longer gap snaps to the
  // server's state without re-running (ticks, 1..history_ticks).
  std::uint32_t max_resim_ticks = 64;
  [[nodiscard]] Status validate() const;
};

struct PredictionStats {
  std::uint64_t predicted = 0;     // ticks predicted for the first time
  std::uint64_t reconciles = 0;    // authoritative states compared
  std::uint64_t matched = 0;       // ... that agreed with the prediction
  std::uint64_t unknown_tick = 0;  // ... of a tick no longer (or not yet) in the history
  std::uint64_t resim_ticks = 0;   // ticks run again after corrections
  std::uint64_t snaps = 0;         // corrections that gave up re-running (too many ticks)
  std::uint64_t max_resim = 0;     // most ticks run again at once
  CorrectionStats corrections;     // mismatches, by cause and size
};

// What the game gives the predictor. `step` is the simulation step the
// server runs (shared code); `resimulating` is true when a tick is run again
// after a correction: effects (sounds, particles) fire only when it is false.
template <class State, class Input>
struct PredictionModel {
  std::function<void(State& state, const Input& input, std::uint32_t tick, bool resimulating)> step;
  // True when the two agree as far as the wire can tell (quantization).
  std::function<bool(const State& predicted, const State& server)> same;
  // How far apart, game units (for the stats and the smoother).
  std::function<double(const State& predicted, const State& server)> distance;
  // Optional: why they differ (nullptr: Other).
  std::function<CorrectionCause(const State& predicted, const State& server)> classify;
};

struct Correction {
  bool happened = false;
  CorrectionCause cause = CorrectionCause::Other;
  double size = 0;                // distance of the mismatch at the server's tick, game units
  std::uint32_t resim_ticks = 0;  // ticks run again
  bool snapped = false;           // the history was too long: reset without re-running
};

// The ring of (input, predicted state) per tick. predict() runs one new
// tick; reconcile() takes the server's state of an earlier tick.
template <class State, class Input>
class Predictor {
 public:
  Predictor(const PredictorSettings& settings, PredictionModel<State, Input> model)
      : settings_(settings),
        model_(std::move(model)),
        ring_(std::clamp<std::uint32_t>(settings.history_ticks, 8, 1024)) {}

  // Starts (or restarts) from an authoritative state of `tick`.
  void reset(std::uint32_t tick, const State& state) {
    for (Entry& e : ring_) e.valid = false;
    Entry& e = slot(tick);
    e = {tick, Input{}, state, true};
    newest_ = tick;
    started_ = true;
  }
  [[nodiscard]] bool started() const noexcept { return started_; }

  // Predicts `tick` (the one after tick()) with `input`, the first time.
  // Ticks skipped on the way (the clock jumped: a start, a stall) are run
  // with the newest input repeated, as the server runs a tick without input;
  // they are never sent (unacked_inputs() stops at them).
  const State& predict(std::uint32_t tick, const Input& input) {
    while (static_cast<std::int32_t>(tick - newest_) > 1)
      run(newest_ + 1, slot(newest_).input, false, false);
    if (tick == newest_ + 1) run(tick, input, false, true);
    return current();
  }

  // The server's state after its step of `tick`; `acked_input_tick` is the
  // envelope's: below `tick` when the server stepped some tick up to `tick`
  // without this client's input.
  Correction reconcile(std::uint32_t tick, const State& server, std::uint32_t acked_input_tick) {
    Correction c;
    if (!started_) return c;
    ++stats_.reconciles;
    const Entry* e = find(tick);
    if (e == nullptr) {
      ++stats_.unknown_tick;
      if (static_cast<std::int32_t>(tick - newest_) > 0) {
        // The server is ahead of the prediction (a stall): take its state.
        reset(tick, server);
      }
      return c;
    }
    if (model_.same(e->state, server)) {
      ++stats_.matched;
      return c;
    }
    c.happened = true;
    c.size = model_.distance(e->state, server);
    c.cause = static_cast<std::int32_t>(acked_input_tick - tick) < 0
                  ? CorrectionCause::Input
                  : (model_.classify ? model_.classify(e->state, server) : CorrectionCause::Other);
    stats_.corrections.add(c.cause, c.size);
    const std::uint32_t ahead = newest_ - tick;
    if (ahead > settings_.max_resim_ticks) {
      // Too far to run again: the server's state stands for the newest tick.
      c.snapped = true;
      ++stats_.snaps;
      reset(newest_, server);
      return c;
    }
    slot(tick).state = server;
    for (std::uint32_t t = tick + 1; t != newest_ + 1; ++t) {
      State s = slot(t - 1).state;
      model_.step(s, slot(t).input, t, true);
      slot(t).state = s;
    }
    c.resim_ticks = ahead;
    stats_.resim_ticks += ahead;
    stats_.max_resim = std::max<std::uint64_t>(stats_.max_resim, ahead);
    return c;
  }

  // The newest predicted state and its tick.
  [[nodiscard]] const State& current() const { return ring_[newest_ % ring_.size()].state; }
  [[nodiscard]] std::uint32_t tick() const noexcept { return newest_; }
  // The state predicted for `tick`, when still held.
  [[nodiscard]] const State* state_at(std::uint32_t tick) const {
    const Entry* e = find(tick);
    return e ? &e->state : nullptr;
  }
  // Calls fn(tick, input) for the newest inputs after `acked` (the server
  // has them already), newest first, at most `max` of them. Returns how many.
  template <class Fn>
  std::size_t unacked_inputs(std::uint32_t acked, std::size_t max, Fn&& fn) const {
    std::size_t n = 0;
    for (std::uint32_t t = newest_; n < max; --t) {
      if (acked != 0 && static_cast<std::int32_t>(t - acked) <= 0) break;
      const Entry* e = find(t);
      if (e == nullptr || !e->has_input) break;
      fn(t, e->input);
      ++n;
    }
    return n;
  }
  [[nodiscard]] const PredictionStats& stats() const noexcept { return stats_; }

 private:
  struct Entry {
    std::uint32_t tick = 0;
    Input input{};
    State state{};
    bool valid = false;
    bool has_input =
        false;  // predicted from an input made for it (false: a reset's state, a filled gap)
  };
  Entry& slot(std::uint32_t tick) { return ring_[tick % ring_.size()]; }
  const Entry* find(std::uint32_t tick) const {
    const Entry& e = ring_[tick % ring_.size()];
    return e.valid && e.tick == tick ? &e : nullptr;
  }
  void run(std::uint32_t tick, const Input& input, bool resim, bool own_input) {
    State s = slot(newest_).state;
    model_.step(s, input, tick, resim);
    Entry& e = slot(tick);
    e.tick = tick;
    e.input = input;
    e.state = std::move(s);
    e.valid = true;
    e.has_input = own_input;
    newest_ = tick;
    ++stats_.predicted;
  }

  PredictorSettings settings_;
  PredictionModel<State, Input> model_;
  std::vector<Entry> ring_;  // by tick % size
  std::uint32_t newest_ = 0;
  bool started_ = false;
  PredictionStats stats_;
};

// ---------------------------------------------------------------------------
// Correction smoothing (client, drawing only)

struct SmoothingSettings {
  double time_constant_ms =
      100;                    // the visual offset decays as exp(-t / this), ms (0: never smooth)
  double snap_distance = 64;  // corrections longer than this are drawn at once, game units
  [[nodiscard]] Status validate() const;
};

// A visual offset in up to three dimensions that hides a correction: the
// simulation jumps to the corrected state, the drawing starts where it was
// and slides over. Draw predicted + offset(now).
class CorrectionSmoother {
 public:
  CorrectionSmoother() : CorrectionSmoother(SmoothingSettings{}) {}
  explicit CorrectionSmoother(const SmoothingSettings& settings) : settings_(settings) {}
  // The drawn position moved by `jump` (old minus new predicted position) at `now_us`.
  void add(std::array<float, 3> jump, std::uint64_t now_us) noexcept;
  // The offset to add to the predicted position when drawing at `now_us`.
  [[nodiscard]] std::array<float, 3> offset(std::uint64_t now_us) const noexcept;
  void clear() noexcept { offset_ = {}; }
  [[nodiscard]] std::uint64_t snaps() const noexcept { return snaps_; }

 private:
  SmoothingSettings settings_;
  std::array<float, 3> offset_{};
  std::uint64_t since_us_ = 0;
  std::uint64_t snaps_ = 0;
};

// ---------------------------------------------------------------------------
// Remote entities: interpolation timing (client)

struct InterpolationSettings {
  std::uint32_t tick_rate_hz = 60;    // server simulation rate, Hz
  double min_intervals = 2.0;         // delay at least this many snapshot intervals (>= 1)
  double jitter_factor = 2.0;         // ... and one interval plus this many jitter deviations
  double max_extrapolation_ms = 250;  // past the newest snapshot, then hold, ms
  double slew = 0.05;  // how fast the delay follows its target, fraction per second of error (0..1]
  [[nodiscard]] Status validate() const;
};

struct InterpolationStats {
  double delay_ticks = 0;          // current delay behind the newest arrival, ticks
  double interval_ticks = 0;       // mean snapshot interval, ticks
  double jitter_ms = 0;            // mean deviation of arrivals from the expected, ms
  std::uint64_t samples = 0;       // sample() calls
  std::uint64_t extrapolated = 0;  // ... past the newest snapshot
  std::uint64_t held = 0;          // ... past the extrapolation limit: held
  std::uint64_t underruns = 0;     // times interpolation ran past the newest snapshot
  double extrapolated_ms = 0;      // total time spent extrapolating or holding, ms
};

// Where to draw remote entities: a render tick that advances smoothly with
// the caller's clock, a delay behind the newest arrivals that adapts to the
// snapshot interval and the jitter, and the pair of snapshots that
// straddle it.
class InterpolationClock {
 public:
  InterpolationClock() : InterpolationClock(InterpolationSettings{}) {}
  explicit InterpolationClock(const InterpolationSettings& settings);

  // A snapshot of `server_tick` arrived at `now_us`.
  void on_snapshot(std::uint32_t server_tick, std::uint64_t now_us);
  // The server tick to draw at `now_us`, continuous.
  [[nodiscard]] double render_tick(std::uint64_t now_us) const noexcept;

  struct Sample {
    std::size_t a = 0, b = 0;    // indices into the ticks given: blend a -> b by t
    double t = 0;                // 0..1 between; above 1 when extrapolating
    bool extrapolating = false;  // past the newest (t counts beyond b)
    bool held = false;           // past the extrapolation limit: b as it is
    bool valid = false;          // false when no ticks were given
  };
  // Picks the pair for `render_tick` among `ticks` (the snapshots held,
  // oldest first, increasing). Extrapolation is bounded; counts it.
  Sample sample(std::span<const std::uint32_t> ticks, double render_tick, std::uint64_t now_us);

  [[nodiscard]] const InterpolationStats& stats() const noexcept { return stats_; }
  [[nodiscard]] double delay_ticks() const noexcept { return delay_; }

 private:
  InterpolationSettings settings_;
  InterpolationStats stats_;
  bool started_ = false;
  double offset_ = 0;  // newest-arrival tick minus now, ticks (max filter)
  std::uint32_t last_tick_ = 0;
  std::uint64_t last_us_ = 0;
  double interval_ = 2;  // ticks
  double jitter_ = 0;    // ticks
  double delay_ = 4;     // ticks
  std::uint64_t last_sample_us_ = 0;
  bool was_beyond_ = false;
};

// ---------------------------------------------------------------------------
// Lag compensation (server)

struct LagCompensationSettings {
  std::uint32_t tick_rate_hz = 60;  // Hz
  double history_ms = 1000;         // positions kept, ms
  double max_rewind_ms = 250;       // a shooter's view is never older than this, ms
  // A claimed view this much older than the rewind limit, or in the future,
  // is not believed: the shot is judged without rewinding, ms.
  double distrust_ms = 200;
  std::uint32_t max_bodies = 64;  // bodies recorded per tick (more are dropped and counted)
  [[nodiscard]] Status validate() const;
};

// A body the game registers each tick: its centre and bounding sphere.
struct Body {
  std::uint32_t id = 0;       // the game's id (a slot, an entity id)
  float x = 0, y = 0, z = 0;  // centre, game units
  float radius = 0;           // game units
};

struct LagCompensationStats {
  std::uint64_t rewinds = 0;         // views judged in the past
  std::uint64_t clamped = 0;         // ... clamped to max_rewind_ms
  std::uint64_t distrusted = 0;      // claimed views not believed (future, or far too old)
  std::uint64_t bodies_dropped = 0;  // bodies beyond max_bodies at record()
};

// A bounded history of bodies per tick; answers where a body was at a
// (fractional) tick, so a hit test can run against the world a shooter saw.
class LagCompensator {
 public:
  LagCompensator() : LagCompensator(LagCompensationSettings{}) {}
  explicit LagCompensator(const LagCompensationSettings& settings);

  // The bodies after the server's step of `tick` (ticks increasing).
  void record(std::uint32_t tick, std::span<const Body> bodies);

  struct View {
    double tick = 0;       // the tick to judge at (continuous)
    bool rewound = false;  // tick < now
    bool clamped = false;  // the claim was older than max_rewind_ms
    bool distrusted = false;
  };
  // The view to judge a shot in: the shooter saw remote entities at
  // `claimed_view_tick` while the server steps `now_tick`.
  View view(std::uint32_t now_tick, double claimed_view_tick);
  // Where body `id` was at `tick` (interpolated between the recorded ticks
  // around it). False when it was not recorded at both, or the tick is
  // outside the history; a body that jumped farther than `teleport` between
  // them is taken at the later tick.
  bool body_at(std::uint32_t id, double tick, Body& out, float teleport = 1e30f) const;
  // Calls fn(body) for every body at `tick`, interpolated as body_at does.
  void rewind(double tick, const std::function<void(const Body&)>& fn) const;

  [[nodiscard]] const LagCompensationStats& stats() const noexcept { return stats_; }
  [[nodiscard]] std::uint32_t history_ticks() const noexcept {
    return static_cast<std::uint32_t>(frames_.size());
  }

 private:
  struct Frame {
    std::uint32_t tick = 0;
    bool valid = false;
    std::vector<Body> bodies;  // capacity max_bodies, reserved once
  };
  const Frame* frame(std::uint32_t tick) const noexcept;

  LagCompensationSettings settings_;
  std::vector<Frame> frames_;  // by tick % size
  LagCompensationStats stats_;
};

}  // namespace tickwire
