// arena — the game client: a tickwire::Client that joins a match, sends its
// input every tick (60 Hz, with the newest few frames repeated against loss,
// and the newest snapshot held as the ack) and keeps the states the server's
// snapshots carry for drawing.
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

#include "proto/messages.hpp"
#include "proto/state_channel.hpp"
#include "sim/bot.hpp"
#include "sim/world.hpp"

namespace arena::client {

using Clock = std::chrono::steady_clock;

struct ClientOptions {
  std::string server = "127.0.0.1:27015";         // "host[:port]"
  std::string name = "player";                    // sanitised before it is sent
  bool bot = false;                               // the bot brain plays instead of the local input
  int redundant_inputs = 4;                       // frames per InputBatch, 1..8
  std::uint32_t connect_timeout_ms = 5000;        // ms
  tickwire::LinkConditionerSettings conditioner;  // --sim
  // How the client gets in: a connect token from a backend (--token), or a
  // room code (--code) from which it makes its own. One of the two is needed.
  tickwire::ConnectToken token;
  std::string room_code;
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
  proto::DecodeCounters bad_messages;     // messages that failed to decode
  std::uint64_t protocol_violations = 0;  // valid messages that make no sense here
  double connected_s = 0;                 // time spent connected so far, seconds
  double updates_per_sec = 0;             // snapshots kept over the last second, 1/s
};

class GameClient {
 public:
  GameClient();
  tickwire::Status connect(const ClientOptions& options);
  // Graceful: tells the server, then waits (pumping) up to `limit` for it.
  // `also_pump` runs on each wait step (a local match's server).
  void disconnect(std::chrono::milliseconds limit = std::chrono::milliseconds(1000),
                  const std::function<void()>& also_pump = {});

  // Network events, and the input ticks due at `now`.
  void pump(Clock::time_point now);
  // The local player's controls, used by every input tick until changed.
  void set_local_input(const sim::Input& input) noexcept { local_input_ = input; }

  [[nodiscard]] Phase phase() const noexcept { return phase_; }
  [[nodiscard]] bool connected() const noexcept { return client_.connected(); }
  [[nodiscard]] bool ever_connected() const noexcept { return ever_connected_; }
  [[nodiscard]] tickwire::DisconnectReason disconnect_reason() const noexcept;
  [[nodiscard]] int slot() const noexcept { return slot_; }  // -1 before Welcome
  [[nodiscard]] const std::string& server_address() const noexcept { return options_.server; }
  [[nodiscard]] std::uint16_t state_rate_hz() const noexcept { return state_rate_; }

  [[nodiscard]] const proto::StateReceiver& states() const noexcept { return states_; }
  [[nodiscard]] const proto::ScoreboardMsg& scoreboard() const noexcept { return scoreboard_; }
  [[nodiscard]] const proto::PlayerInfo* player(int slot) const noexcept;
  [[nodiscard]] const std::deque<KillFeedEntry>& kill_feed() const noexcept { return feed_; }

  [[nodiscard]] ClientStats stats() const;
  [[nodiscard]] tickwire::ConnectionStats net_stats() const { return client_.stats(); }
  // Seconds on this client's clock (the one arrival times use).
  [[nodiscard]] double seconds(Clock::time_point t) const noexcept;

 private:
  void on_message(std::span<const std::uint8_t> bytes, Clock::time_point now);
  void on_snapshot(std::span<const std::uint8_t> envelope, Clock::time_point now);
  void run_input_tick();

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
  Clock::time_point next_input_{};
  std::uint32_t input_tick_ = 0;
  sim::Input local_input_;
  sim::BotBrain brain_;
  proto::InputMsg history_;  // frames[0] newest; sent as the InputBatch
  proto::StateReceiver states_;
  proto::ScoreboardMsg scoreboard_;
  std::deque<KillFeedEntry> feed_;
  std::unordered_set<std::uint32_t> uids_;
  std::deque<double>
      update_times_;  // arrivals in the last second, seconds; bounded by 1 s of states
  ClientStats stats_;
  std::vector<std::uint8_t> bytes_;
};

}  // namespace arena::client
