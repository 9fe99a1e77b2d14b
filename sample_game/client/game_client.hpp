// arena — the game client: a tickwire::Client that joins a match and plays
// on tickwire's prediction layer. Its input ticks are server ticks run ahead
// of the server (tickwire::TickClock); each tick's input moves the own ship
// at once (tickwire::Predictor over sim::step_local) and goes to the server
// with the inputs it has not acknowledged; each snapshot reconciles the
// prediction; other ships are drawn between snapshots
// (tickwire::InterpolationClock). view() is the world to draw.
//
// Single-threaded: the owner calls pump() every frame (or, headless, every
// tick). Everything from the network is decoded with checks; bad messages are
// dropped and counted.
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <string>
#include <unordered_set>

#include <tickwire/tickwire.hpp>

#include "client/interpolate.hpp"
#include "proto/messages.hpp"
#include "proto/state_channel.hpp"
#include "sim/bot.hpp"
#include "sim/world.hpp"

namespace arena::client {

using Clock = std::chrono::steady_clock;

struct ClientOptions {
  std::string server = "127.0.0.1:27015";  // "host[:port]"
  std::string name = "player";             // sanitised before it is sent
  bool bot = false;                        // the bot brain plays instead of the local input
  int redundant_inputs = 8;                // most frames per InputBatch, 1..8
  bool predict = true;  // false: draw the own ship as the server sends it (--no-predict)
  std::uint32_t connect_timeout_ms = 5000;        // ms
  tickwire::LinkConditionerSettings conditioner;  // --sim
  // How the client gets in: a connect token from a backend (--token), or a
  // room code (--code) from which it makes its own. One of the two is needed.
  tickwire::ConnectToken token;
  std::string room_code;
  // Called with every world a snapshot gave (arena --world-hashes).
  std::function<void(const sim::World&)> on_world;
  // When set, each input tick plays the input it returns, one call per tick
  // in order (tw-trace send replays a recorded player this way); bot and
  // the local input are then unused.
  std::function<sim::Input()> input_script;
};

enum class Phase : std::uint8_t {
  Connecting,  // waiting for tickwire's Connected
  Joining,     // Hello sent, waiting for Welcome
  Playing,     // have a ship; snapshots arrive
  Ended,       // disconnected (see disconnect_reason())
};

struct KillFeedEntry {
  std::uint8_t killer = 0;
  std::uint8_t victim = 0;
  double time_s = 0;                     // when it arrived, on the client's clock
  std::string killer_name, victim_name;  // as on the scoreboard then (players may leave)
};

struct ClientStats {
  std::uint64_t updates_received = 0;    // snapshots decoded and kept
  std::uint64_t stale_updates = 0;       // snapshots not newer than one already kept
  std::uint64_t full_received = 0;       // of updates_received, sent whole
  std::uint64_t delta_received = 0;      // of updates_received, deltas against an acked one
  std::uint64_t snapshot_envelopes = 0;  // snapshot envelopes received, refused ones too
  std::uint64_t snapshot_bytes = 0;      // their total size, bytes
  double snapshot_bytes_avg = 0;         // mean envelope size, bytes
  // Snapshots refused: bad envelope, unknown baseline, undecodable stream,
  // or not a valid world (proto::StateReceiverStats).
  std::uint64_t decode_errors = 0;
  std::uint64_t input_ticks = 0;          // input ticks run (and sent while playing)
  std::uint32_t players_seen = 0;         // distinct players (uids) on scoreboards, bots included
  std::uint64_t send_failures = 0;        // sends tickwire refused
  std::uint32_t reconnects = 0;           // connections made again after one ended
  proto::DecodeCounters bad_messages;     // messages that failed to decode
  std::uint64_t protocol_violations = 0;  // valid messages that make no sense here
  double connected_s = 0;                 // time spent connected so far, seconds
  double updates_per_sec = 0;             // snapshots kept over the last second, 1/s

  // Prediction (tickwire::PredictionStats), correction sizes in world units.
  bool predicting = false;        // the own ship is drawn predicted
  std::uint64_t reconciles = 0;   // server states compared with the prediction
  std::uint64_t corrections = 0;  // ... that differed
  std::array<std::uint64_t, tickwire::kCorrectionCauses> corrections_by_cause{};
  std::array<double, tickwire::kCorrectionCauses> correction_p95_by_cause{};  // units
  std::array<double, tickwire::kCorrectionCauses> correction_max_by_cause{};  // units
  double corrections_per_min = 0;  // over the time playing, 1/min
  double correction_p50 = 0, correction_p95 = 0, correction_max = 0;  // units
  double resim_ticks_avg = 0;                                         // ticks run again per frame
  std::uint64_t predicted_hits = 0;  // own shots seen hitting a drawn ship
  // Time sync (tickwire::TimeSyncStats) and the server's input buffer for us.
  double dilation_pct = 0;           // now, percent (+: running fast)
  double dilation_pct_avg = 0;       // mean |dilation|, percent
  double input_slack_ticks = 0;      // how early our inputs reach the server, ticks
  std::uint64_t clock_jumps = 0;     // time sync jumps (start, stalls, resyncs)
  double input_buffer_avg = 0;       // server's input buffer depth for us, ticks (scoreboard)
  std::uint32_t inputs_late = 0;     // our inputs that came too late (scoreboard)
  std::uint32_t inputs_missing = 0;  // ticks the server stepped without our input (scoreboard)
  // Interpolation of other ships (tickwire::InterpolationStats).
  double interp_delay_ms = 0;   // render time behind the newest arrival, ms
  double extrapolated_ms = 0;   // time drawn past the newest snapshot, ms
  std::uint64_t underruns = 0;  // times the render time ran past the newest snapshot
};

// Fills the snapshot counters of `s` from a StateReceiver's (GameClient and
// tw-trace view, which replays one, both report them so).
void take_state_stats(const proto::StateReceiverStats& st, ClientStats& s) noexcept;

// One hit of an own shot on a drawn ship, as predicted (for benchmarks).
struct PredictedHit {
  std::uint32_t tick = 0;   // the input tick of the step that hit
  std::uint8_t target = 0;  // the slot of the ship hit
};

class GameClient {
 public:
  static constexpr std::size_t kMaxHitLog = 256;  // predicted hits kept in the log
  GameClient();
  tickwire::Status connect(const ClientOptions& options);
  // Graceful: tells the server, then waits (pumping) up to `limit` for it.
  // `also_pump` runs on each wait step (a local match's server).
  void disconnect(std::chrono::milliseconds limit = std::chrono::milliseconds(1000),
                  const std::function<void()>& also_pump = {});

  // Changes the link conditioner of a connected client (arena's fault tests
  // cut the link this way).
  tickwire::Status set_conditioner(const tickwire::LinkConditionerSettings& settings) {
    return client_.set_conditioner(settings);
  }

  // Network events, the input ticks due at `now` (predicted and sent), and
  // the view at `now`.
  void pump(Clock::time_point now);
  // The world to draw at the last pump(): other ships and shots
  // interpolated; the own ship and shots predicted (unless predict is off),
  // with the correction offset.
  [[nodiscard]] const sim::World& view() const noexcept { return view_; }
  // The server's newest state of the own ship (the debug "ghost"), or nullptr.
  [[nodiscard]] const sim::Ship* server_ship() const noexcept;
  [[nodiscard]] bool predicting() const noexcept { return options_.predict; }
  // The own ship and shots as predicted for `tick`, while still held.
  [[nodiscard]] const sim::LocalState* predicted(std::uint32_t tick) const {
    return predictor_.state_at(tick);
  }
  // The newest input tick made, and the server tick drawn for other ships.
  [[nodiscard]] std::uint32_t input_tick() const noexcept { return clock_.tick(); }
  [[nodiscard]] double render_tick() const noexcept { return render_tick_; }
  // The local player's controls, used by every input tick until changed.
  void set_local_input(const sim::Input& input) noexcept { local_input_ = input; }

  [[nodiscard]] Phase phase() const noexcept { return phase_; }
  [[nodiscard]] bool connected() const noexcept { return client_.connected(); }
  [[nodiscard]] bool ever_connected() const noexcept { return ever_connected_; }
  // Seconds since the last word from the server (an event: while playing,
  // its snapshots come 30 times a second), while connected (0 otherwise):
  // above a second, the connection is interrupted (the server stopped, or
  // the network dropped) though not yet timed out.
  [[nodiscard]] double silence_s(Clock::time_point now) const noexcept;
  [[nodiscard]] tickwire::DisconnectReason disconnect_reason() const noexcept;
  [[nodiscard]] int slot() const noexcept { return slot_; }  // -1 before Welcome
  [[nodiscard]] const std::string& server_address() const noexcept { return options_.server; }
  [[nodiscard]] std::uint16_t state_rate_hz() const noexcept { return state_rate_; }

  [[nodiscard]] const proto::StateReceiver& states() const noexcept { return states_; }
  [[nodiscard]] const proto::ScoreboardMsg& scoreboard() const noexcept { return scoreboard_; }
  [[nodiscard]] const proto::PlayerInfo* player(int slot) const noexcept;
  [[nodiscard]] const std::deque<KillFeedEntry>& kill_feed() const noexcept { return feed_; }

  [[nodiscard]] ClientStats stats() const;
  // The newest predicted hits (at most kMaxHitLog), oldest first, each
  // recorded once (never on a re-simulation); stats().predicted_hits counts all.
  [[nodiscard]] const std::deque<PredictedHit>& predicted_hit_log() const noexcept {
    return hit_log_;
  }
  [[nodiscard]] tickwire::ConnectionStats net_stats() const { return client_.stats(); }
  // Seconds on this client's clock (the one arrival times use).
  [[nodiscard]] double seconds(Clock::time_point t) const noexcept;

 private:
  void on_message(std::span<const std::uint8_t> bytes, Clock::time_point now);
  void on_snapshot(std::span<const std::uint8_t> envelope, Clock::time_point now);
  void run_input_tick(std::uint32_t tick);
  void send_inputs();
  void update_view(std::uint64_t now_us);
  [[nodiscard]] std::uint64_t micros(Clock::time_point t) const noexcept;

  // Other ships as this client draws them: what its predicted shots can hit.
  class DrawnTargets final : public sim::TargetView {
   public:
    explicit DrawnTargets(const sim::World& drawn) : drawn_(drawn) {}
    bool ship_at(int shooter, int target, float& x, float& y) const override;

   private:
    const sim::World& drawn_;
  };

  static constexpr std::size_t kMaxFeed = 6;            // kill feed entries kept
  static constexpr std::size_t kMaxUidsTracked = 4096;  // bound on players_seen's set

  ClientOptions options_;
  tickwire::Client client_;
  Phase phase_ = Phase::Ended;
  bool ever_connected_ = false;
  int slot_ = -1;
  std::uint16_t state_rate_ = 30;
  Clock::time_point epoch_{};
  Clock::time_point connected_at_{};
  Clock::time_point ended_at_{};
  Clock::time_point last_heard_{};  // when the last event (a message, mostly) came
  sim::Input local_input_;
  sim::BotBrain brain_;
  proto::InputMsg batch_;  // the InputBatch being made
  proto::StateReceiver states_;
  // The prediction layer.
  tickwire::TickClock clock_;
  tickwire::InterpolationClock interp_;
  tickwire::Predictor<sim::LocalState, sim::Input> predictor_;
  tickwire::CorrectionSmoother smoother_;
  sim::World remote_;  // other ships and shots at render_tick_ (what predicted shots can hit)
  DrawnTargets targets_{remote_};
  sim::World view_;  // remote_ with the own ship and shots as drawn
  double render_tick_ = 0;
  bool predictor_started_ = false;  // the first snapshot of this connection has come
  std::uint64_t frames_ = 0;        // pumps while playing
  std::uint64_t predicted_hits_ = 0;
  std::deque<PredictedHit> hit_log_;  // bounded by kMaxHitLog
  std::uint32_t ticks_made_ = 0;      // input ticks since the last InputBatch
  proto::ScoreboardMsg scoreboard_;
  std::deque<KillFeedEntry> feed_;
  std::unordered_set<std::uint32_t> uids_;
  std::deque<double>
      update_times_;  // arrivals in the last second, seconds; bounded by 1 s of states
  ClientStats stats_;
  std::vector<std::uint8_t> bytes_;
};

}  // namespace arena::client
