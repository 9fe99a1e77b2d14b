// arena — the authoritative game server: a tickwire::Server, the simulation
// at a fixed 60 Hz, server-side bots, and the state channel to each client.
//
// Single-threaded: the owner calls pump() often (a dedicated server sleeps
// until next_tick_at() between calls; a local match calls it every frame).
// Untrusted input: every message is decoded with checks; a bad one is dropped
// and counted, never asserted on. Inputs only choose a direction, an aim and
// the trigger: speed and fire rate are the simulation's rules.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include <tickwire/tickwire.hpp>

#include "proto/messages.hpp"
#include "proto/state_channel.hpp"
#include "server/tick_times.hpp"
#include "sim/bot.hpp"
#include "sim/world.hpp"

namespace arena::server {

using Clock = std::chrono::steady_clock;

struct ServerOptions {
  std::string bind_address = "0.0.0.0";    // IPv4 address to listen on
  std::uint16_t port = 27015;              // UDP port; 0 picks a free one
  int bots = 0;                            // server-side bots kept in the match, 0..max_players
  int max_players = sim::kMaxPlayers;      // humans + bots, 1..32
  int max_per_address = 8;                 // connections one IP address may hold; 0 = no limit
  std::uint32_t state_interval_ticks = 2;  // a snapshot every this many ticks (2: 30 Hz)
  std::uint32_t hello_timeout_ms = 5000;   // a connection that sends no Hello is kicked, ms
  tickwire::LinkConditionerSettings conditioner;  // --sim
  // Opens players' connect tokens: from --token-key, or derived from the room
  // code. Required (tickwire has no unencrypted mode).
  tickwire::TokenKey token_key;
  std::vector<std::string> public_addresses;  // --public-address: HOST:PORT players use
  bool verbose = true;                        // print joins, leaves and refusals to stdout
};

struct ServerStats {
  std::uint64_t ticks = 0;                   // simulation steps run
  std::uint64_t states_sent = 0;             // snapshot envelopes handed to tickwire, all clients
  std::uint64_t full_sent = 0;               // of those, whole snapshots
  std::uint64_t delta_sent = 0;              // of those, deltas against an acked snapshot
  std::uint64_t snapshot_bytes = 0;          // their total size, bytes
  std::uint64_t snapshot_encode_errors = 0;  // snapshots a client's sender could not code
  std::uint32_t players_seen = 0;            // distinct players (uids), bots included
  int humans = 0;                            // clients with a ship now
  int bots = 0;                              // bots now
  std::uint64_t late_ticks_skipped = 0;      // ticks dropped because the process fell behind
  std::uint64_t send_failures = 0;           // sends tickwire refused (queue full)
  std::uint64_t protocol_violations = 0;     // messages of the wrong kind or at the wrong time
  proto::DecodeCounters bad_messages;        // messages that failed to decode
  float in_bytes_per_sec = 0;                // all clients, bytes/s
  float out_bytes_per_sec = 0;               // all clients, bytes/s
  tickwire::DropCounters drops;              // datagrams tickwire dropped, by cause
  tickwire::JoinRefusals joins_refused;      // joins tickwire refused or dropped, by reason
  // Players' input buffers (tickwire::InputBufferStats), summed over the
  // players now connected.
  std::uint64_t inputs_missing = 0;    // ticks stepped with a player's last input repeated
  std::uint64_t inputs_late = 0;       // inputs that came after their tick
  std::uint64_t inputs_duplicate = 0;  // redundant copies of inputs already held or used
  std::uint64_t inputs_too_early = 0;  // inputs too far ahead: dropped
  double input_buffer_avg = 0;         // mean depth over those players, ticks
  tickwire::LagCompensationStats lag_compensation;  // shots judged in the shooter's past
  std::uint64_t hits = 0;                           // shots that hit a ship
  // Each tick's wall time: a pump() that ran ticks (network events, the
  // steps, the snapshots, the flush), shared among the ticks it ran; the
  // whole run (count: ticks measured).
  TickTimeSummary tick_ms;
  std::uint64_t players_left = 0;       // humans whose connection ended, any reason
  std::uint64_t players_timed_out = 0;  // of those, connections that stopped answering
};

// One shot that hit a ship, as the server judged it (for benchmarks).
struct HitRecord {
  std::uint32_t tick = 0;    // the tick of the step that hit
  std::uint8_t shooter = 0;  // the shooter's slot
  std::uint8_t target = 0;   // the slot of the ship hit
};

class GameServer {
 public:
  static constexpr std::size_t kMaxHitLog = 256;  // hits kept in the log
  GameServer();
  ~GameServer();
  GameServer(const GameServer&) = delete;
  GameServer& operator=(const GameServer&) = delete;

  // Validates the options and opens the socket. A taken port gives
  // tickwire::Errc::AddressInUse with a readable message.
  tickwire::Status start(const ServerOptions& options);
  // Tells every client (they see ClosedByPeer) and closes the socket.
  void stop();
  [[nodiscard]] bool running() const noexcept { return server_.running(); }
  [[nodiscard]] std::uint16_t port() const noexcept { return server_.port(); }

  // Changes the link conditioner of a running server (every connection).
  tickwire::Status set_conditioner(const tickwire::LinkConditionerSettings& settings) {
    return server_.set_conditioner(settings);
  }

  // Handles network events and runs every tick due at `now`.
  void pump(Clock::time_point now);
  [[nodiscard]] Clock::time_point next_tick_at() const noexcept { return next_tick_; }
  // Sleeps until a datagram arrives or `until`, whichever comes first.
  void wait_until(Clock::time_point until);

  [[nodiscard]] const sim::World& world() const noexcept { return world_; }
  [[nodiscard]] ServerStats stats() const;
  // The newest hits (at most kMaxHitLog), oldest first; stats().hits counts all.
  [[nodiscard]] const std::deque<HitRecord>& hit_log() const noexcept { return hit_log_; }

 private:
  enum class Kind : std::uint8_t { Empty, Bot, Human };
  struct Player {
    Kind kind = Kind::Empty;
    tickwire::ConnectionId connection = tickwire::kInvalidConnection;
    std::uint32_t uid = 0;
    std::string name;
    sim::BotBrain brain;
    tickwire::InputBuffer<sim::Input> inputs;  // humans: one consumed per tick
    float view_lag_ticks = 0;  // its input tick minus the tick it draws others at (newest batch)
  };
  // Where each human shooter saw the other ships: rewound by the lag
  // compensator to the shooter's view tick of the step being made.
  class ShooterViews final : public sim::TargetView {
   public:
    explicit ShooterViews(const GameServer& server) : server_(server) {}
    bool ship_at(int shooter, int target, float& x, float& y) const override;
    std::array<double, sim::kMaxPlayers> view_tick{};
    std::array<bool, sim::kMaxPlayers> rewound{};

   private:
    const GameServer& server_;
  };
  struct Pending {
    tickwire::ConnectionId connection;
    Clock::time_point since;
  };

  void handle_events(Clock::time_point now);
  void on_message(tickwire::ConnectionId from, std::span<const std::uint8_t> bytes,
                  Clock::time_point now);
  void on_hello(tickwire::ConnectionId from, const proto::HelloMsg& hello);
  void on_input(tickwire::ConnectionId from, const proto::InputMsg& input, Clock::time_point now);
  // Where the server stands at `now`, ticks, continuous: the step that makes
  // tick T happens at position T.
  [[nodiscard]] double position(Clock::time_point now) const noexcept;
  void on_disconnect(tickwire::ConnectionId id, tickwire::DisconnectReason reason);
  void run_tick();
  int find_player(tickwire::ConnectionId id) const noexcept;
  int free_slot() const noexcept;
  void add_bot();
  void fill_bots();
  void send_scoreboard();
  void send_reliable(tickwire::ConnectionId to, const std::vector<std::uint8_t>& bytes);
  void log(const std::string& line) const;

  ServerOptions options_;
  tickwire::Server server_;
  sim::World world_;
  std::array<Player, sim::kMaxPlayers> players_{};
  std::vector<Pending> pending_;  // bounded by tickwire's max_clients
  proto::StateSender state_;
  tickwire::LagCompensator lag_;
  ShooterViews views_{*this};
  std::vector<tickwire::Body> bodies_;  // record scratch
  Clock::time_point start_time_{};
  Clock::time_point next_tick_{};
  std::uint32_t next_uid_ = 1;
  std::uint32_t bot_names_used_ = 0;
  bool scoreboard_dirty_ = true;
  ServerStats stats_;
  TickTimes tick_times_;
  std::deque<HitRecord> hit_log_;    // bounded by kMaxHitLog
  std::vector<std::uint8_t> bytes_;  // encode scratch
  std::vector<proto::StateRecipient> recipients_;
};

}  // namespace arena::server
