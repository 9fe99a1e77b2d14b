#include "prediction_cell.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <deque>
#include <limits>
#include <thread>
#include <vector>

#include "client/game_client.hpp"
#include "server/game_server.hpp"

namespace twbench::prediction {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;
namespace client = arena::client;
namespace proto = arena::proto;
namespace server = arena::server;
namespace sim = arena::sim;

constexpr const char* kRoomCode = "tw-bench-prediction";
constexpr double kTickHz = sim::kTickRate;
constexpr double kWarmupS = 1.0;            // after both clients play, not measured
constexpr double kTurnS = 0.5;              // the mover changes direction this often
constexpr double kJoinTimeoutS = 20.0;      // both clients must play within this
constexpr double kTailS = 0.3;              // + the round trip: server hits still counted
constexpr float kResponse = 20.0f;          // drawn velocity gained along the new way, units/s
constexpr std::int64_t kMatchTicks = 3;     // a predicted hit and the server's: |tick difference|
constexpr std::size_t kHistoryTicks = 180;  // the server's worlds kept (3 s)
constexpr float kDecay = 1.0f - sim::kShipAccel * sim::kTickSeconds;  // velocity, per tick

// The mover's directions, one per kTurnS, in turn: a square it goes round.
constexpr std::array<std::array<float, 2>, 4> kDirections{{{1, 0}, {0, 1}, {-1, 0}, {0, -1}}};

double since(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

tickwire::LinkConditionerSettings conditioner(const Cell& cell, std::uint64_t seed) {
  tickwire::LinkConditionerSettings c;
  c.outgoing.latency_ms = cell.rtt_ms / 2;
  c.outgoing.jitter_ms = cell.jitter_ms;
  c.outgoing.loss_pct = cell.loss_pct;
  c.seed = seed;
  return c;
}

struct ShipsAt {
  std::uint32_t tick = 0;
  std::array<sim::Ship, sim::kMaxPlayers> ships{};
};

// Where the server had ship `slot` at continuous tick `t` (linear between
// the recorded ticks around it). False when the history does not hold `t`,
// or the ship is not alive at both ends or jumped (respawned) between them.
bool server_ship_at(const std::deque<ShipsAt>& history, double t, int slot, double& x, double& y) {
  const ShipsAt* lo = nullptr;
  const ShipsAt* hi = nullptr;
  for (const ShipsAt& w : history) {  // oldest first
    if (w.tick <= t) lo = &w;
    if (w.tick >= t) {
      hi = &w;
      break;
    }
  }
  if (lo == nullptr || hi == nullptr || hi->tick - lo->tick > 2) return false;
  const sim::Ship& a = lo->ships[static_cast<std::size_t>(slot)];
  const sim::Ship& b = hi->ships[static_cast<std::size_t>(slot)];
  if (!a.active || !a.alive || !b.active || !b.alive) return false;
  if (std::hypot(b.x - a.x, b.y - a.y) > sim::kTeleportDistance) return false;
  const double f = hi->tick == lo->tick ? 0.0 : (t - lo->tick) / (hi->tick - lo->tick);
  x = a.x + (b.x - a.x) * f;
  y = a.y + (b.y - a.y) * f;
  return true;
}

// The mover's input latency: from the frame its input turns to the frame its
// drawn ship's velocity has gained kResponse along the new way, beyond where
// the old input alone would have taken it (the old turn may still be under
// way when the next comes). A turn is measured only when the one before it
// was seen (otherwise the drawing may still be under an older input); one not
// seen before the next turn counts as censored at the time it waited.
class LatencyProbe {
 public:
  // The input turned from `old_dir` to `dir` at `t0`; `drawn`: the mover's
  // ship as drawn then (null: not drawn alive). `window`: in the measured time.
  void turn(Clock::time_point t0, int old_dir, int dir, const sim::Ship* drawn, bool window) {
    if (active_) {  // the turn before was not seen in time
      if (measured_) {
        samples_.push_back(since(t0_, t0) * kTickHz);
        ++censored_;
      }
      last_seen_ = false;
    }
    active_ = drawn != nullptr;
    if (!active_) {
      last_seen_ = false;
      return;
    }
    // Followed even when not measured: its being seen lets the next be measured.
    measured_ = window && last_seen_;
    t0_ = t0;
    dir_ = dir;
    const auto& old = kDirections[static_cast<std::size_t>(old_dir)];
    old_target_ = {old[0] * sim::kShipSpeed, old[1] * sim::kShipSpeed};
    v0_ = {drawn->vx, drawn->vy};
  }

  // After a frame drew the mover's ship (null: not alive).
  void frame(Clock::time_point now, const sim::Ship* drawn) {
    if (!active_) return;
    if (drawn == nullptr) {
      active_ = false;
      last_seen_ = false;
      return;
    }
    const double ticks = since(t0_, now) * kTickHz;
    const double left = std::pow(static_cast<double>(kDecay), ticks);
    const double ex = old_target_[0] + (v0_[0] - old_target_[0]) * left;
    const double ey = old_target_[1] + (v0_[1] - old_target_[1]) * left;
    const auto& d = kDirections[static_cast<std::size_t>(dir_)];
    if ((drawn->vx - ex) * d[0] + (drawn->vy - ey) * d[1] <= kResponse) return;
    if (measured_) samples_.push_back(ticks);
    active_ = false;
    last_seen_ = true;
  }

  [[nodiscard]] double median() {
    if (samples_.empty()) return std::numeric_limits<double>::quiet_NaN();
    const auto mid = samples_.begin() + static_cast<std::ptrdiff_t>(samples_.size() / 2);
    std::nth_element(samples_.begin(), mid, samples_.end());
    if (samples_.size() % 2 != 0) return *mid;
    return (*mid + *std::max_element(samples_.begin(), mid)) / 2;
  }
  [[nodiscard]] std::uint32_t samples() const {
    return static_cast<std::uint32_t>(samples_.size());
  }
  [[nodiscard]] std::uint32_t censored() const { return censored_; }

 private:
  bool active_ = false, measured_ = false;
  bool last_seen_ = true;  // the first turn has no earlier one to wait for
  Clock::time_point t0_{};
  int dir_ = 0;
  std::array<double, 2> old_target_{}, v0_{};
  std::vector<double> samples_;
  std::uint32_t censored_ = 0;
};

const sim::Ship* drawn_own(const client::GameClient& c) {
  if (c.slot() < 0) return nullptr;
  const sim::Ship& s = c.view().ships[static_cast<std::size_t>(c.slot())];
  return s.active && s.alive ? &s : nullptr;
}

struct Snapshot {  // counters at the start and the end of the measured window
  client::ClientStats a, b;
  server::ServerStats srv;
  Clock::time_point at{};
};

Snapshot take(const client::GameClient& a, const client::GameClient& b,
              const server::GameServer& srv, Clock::time_point now) {
  return {a.stats(), b.stats(), srv.stats(), now};
}

}  // namespace

bool run_cell(const Cell& cell, bool predict, double seconds, CellResult& out, std::string& error) {
  out = CellResult{};
  server::GameServer srv;
  server::ServerOptions so;
  so.bind_address = "127.0.0.1";
  so.port = 0;
  so.bots = 2;
  so.verbose = false;
  so.conditioner = conditioner(cell, cell.seed * 3 + 0);
  if (tickwire::Status s =
          tickwire::TokenKey::from_room_code(kRoomCode, proto::kProtocolId, so.token_key);
      !s) {
    error = "room code: " + s.message;
    return false;
  }
  if (tickwire::Status s = srv.start(so); !s) {
    error = "server: " + s.message;
    return false;
  }
  client::GameClient a, b;
  client::ClientOptions co;
  co.server = "127.0.0.1:" + std::to_string(srv.port());
  co.room_code = kRoomCode;
  co.predict = predict;
  co.connect_timeout_ms = 15000;
  co.name = "mover";
  co.conditioner = conditioner(cell, cell.seed * 3 + 1);
  if (tickwire::Status s = a.connect(co); !s) {
    error = "mover: " + s.message;
    return false;
  }
  co.name = "shooter";
  co.bot = true;
  co.conditioner = conditioner(cell, cell.seed * 3 + 2);
  if (tickwire::Status s = b.connect(co); !s) {
    error = "shooter: " + s.message;
    return false;
  }

  const Clock::time_point begin = Clock::now();
  Clock::time_point playing{};  // both clients play from here
  bool measuring = false, measured = false;
  Snapshot first, last;
  const double tail_s = kTailS + cell.rtt_ms / 1000.0;
  int direction = -1;
  LatencyProbe latency;
  std::deque<ShipsAt> history;  // the server's ships, by tick
  double error_sq = 0;
  std::uint32_t server_hit_tick = 0, client_hit_tick = 0;  // hit logs read up to these
  std::vector<server::HitRecord> server_hits;              // B's, the whole run
  std::vector<client::PredictedHit> predicted;             // B's, measured window
  const int turns_per_loop = static_cast<int>(kDirections.size());

  for (;;) {
    const Clock::time_point now = Clock::now();
    const bool started = playing != Clock::time_point{};
    if (!started && since(begin, now) > kJoinTimeoutS) {
      error = "the clients did not both join within 20 s";
      return false;
    }
    const double play_s = started ? since(playing, now) : 0.0;
    if (!measuring && !measured && started && play_s >= kWarmupS) {
      measuring = true;
      first = take(a, b, srv, now);
    }
    if (measuring && play_s >= kWarmupS + seconds) {
      measuring = false;
      measured = true;
      last = take(a, b, srv, now);
    }
    if (measured && play_s >= kWarmupS + seconds + tail_s) break;

    // The mover's scripted input: a new direction every kTurnS, never firing.
    sim::Input in;
    if (started) {
      const int d = static_cast<int>(play_s / kTurnS) % turns_per_loop;
      if (d != direction) {
        if (direction >= 0) latency.turn(now, direction, d, drawn_own(a), measuring);
        direction = d;
      }
      in.move_x = kDirections[static_cast<std::size_t>(d)][0];
      in.move_y = kDirections[static_cast<std::size_t>(d)][1];
    }
    a.set_local_input(in);

    srv.pump(now);
    if (history.empty() || history.back().tick != srv.world().tick) {
      history.push_back({srv.world().tick, srv.world().ships});
      if (history.size() > kHistoryTicks) history.pop_front();
    }
    for (const server::HitRecord& h : srv.hit_log()) {
      if (h.tick <= server_hit_tick) continue;
      if (b.slot() >= 0 && h.shooter == b.slot()) server_hits.push_back(h);
    }
    server_hit_tick = srv.world().tick;
    a.pump(now);
    b.pump(now);
    for (const client::PredictedHit& h : b.predicted_hit_log()) {
      if (h.tick <= client_hit_tick) continue;
      if (measuring) predicted.push_back(h);
    }
    client_hit_tick = b.input_tick();

    if (a.phase() == client::Phase::Ended || b.phase() == client::Phase::Ended) {
      const bool mover = a.phase() == client::Phase::Ended;
      char when[96];
      std::snprintf(when, sizeof when, ") %.1f s after connecting, %s", since(begin, now),
                    started ? "while playing" : "before both played");
      error = std::string("the ") + (mover ? "mover" : "shooter") + " was disconnected (" +
              tickwire::to_string((mover ? a : b).disconnect_reason()) + when;
      return false;
    }
    if (!started && a.phase() == client::Phase::Playing && b.phase() == client::Phase::Playing)
      playing = now;

    if (started) latency.frame(now, drawn_own(a));
    if (measuring && b.slot() >= 0) {
      // The other ships as B draws them against the server at B's render tick.
      const sim::World& view = b.view();
      for (int i = 0; i < sim::kMaxPlayers; ++i) {
        const sim::Ship& s = view.ships[static_cast<std::size_t>(i)];
        if (i == b.slot() || !s.active || !s.alive) continue;
        double x = 0, y = 0;
        if (!server_ship_at(history, b.render_tick(), i, x, y)) continue;
        error_sq += (s.x - x) * (s.x - x) + (s.y - y) * (s.y - y);
        ++out.remote_samples;
      }
    }
    std::this_thread::sleep_for(1ms);
  }
  a.disconnect(50ms, [&] { srv.pump(Clock::now()); });
  b.disconnect(50ms, [&] { srv.pump(Clock::now()); });

  out.seconds = since(first.at, last.at);
  const double minutes = out.seconds / 60.0;
  out.input_latency_ticks = latency.median();
  out.latency_samples = latency.samples();
  out.latency_censored = latency.censored();

  auto causes = [](const client::ClientStats& s,
                   std::initializer_list<tickwire::CorrectionCause> c) {
    std::uint64_t n = 0;
    for (tickwire::CorrectionCause k : c) n += s.corrections_by_cause[static_cast<std::size_t>(k)];
    return n;
  };
  using Cause = tickwire::CorrectionCause;
  const auto all = {Cause::Input, Cause::Collision, Cause::Teleport, Cause::Other};
  const auto free = {Cause::Input, Cause::Other};
  out.corrections_per_min =
      static_cast<double>(causes(last.a, all) - causes(first.a, all)) / minutes;
  out.free_corrections_per_min =
      static_cast<double>(causes(last.a, free) - causes(first.a, free)) / minutes;
  out.correction_p95 = last.a.correction_p95;
  out.dilation_pct_avg = last.a.dilation_pct_avg;
  out.input_slack_ticks = last.a.input_slack_ticks;

  out.remote_error_rms = out.remote_samples
                             ? std::sqrt(error_sq / static_cast<double>(out.remote_samples))
                             : std::numeric_limits<double>::quiet_NaN();
  out.extrapolated_pct =
      (last.b.extrapolated_ms - first.b.extrapolated_ms) / (out.seconds * 1000.0) * 100.0;
  out.interp_delay_ms = last.b.interp_delay_ms;
  out.input_underruns_per_min =
      static_cast<double>(last.srv.inputs_missing - first.srv.inputs_missing) / minutes;
  out.mover_underruns_per_min =
      static_cast<double>(last.a.inputs_missing - first.a.inputs_missing) / minutes;
  out.shooter_underruns_per_min =
      static_cast<double>(last.b.inputs_missing - first.b.inputs_missing) / minutes;
  out.shooter_input_slack_ticks = last.b.input_slack_ticks;
  out.shooter_clock_jumps = last.b.clock_jumps;

  // Each server hit matches at most one predicted hit.
  std::vector<bool> used(server_hits.size(), false);
  for (const client::PredictedHit& p : predicted) {
    for (std::size_t k = 0; k < server_hits.size(); ++k) {
      const std::int64_t dt = static_cast<std::int64_t>(server_hits[k].tick) - p.tick;
      if (used[k] || server_hits[k].target != p.target || dt < -kMatchTicks || dt > kMatchTicks)
        continue;
      used[k] = true;
      ++out.matched_hits;
      break;
    }
  }
  out.predicted_hits = predicted.size();
  out.hit_agreement = predicted.empty() ? std::numeric_limits<double>::quiet_NaN()
                                        : static_cast<double>(out.matched_hits) /
                                              static_cast<double>(predicted.size());
  return true;
}

}  // namespace twbench::prediction
