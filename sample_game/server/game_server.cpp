#include "server/game_server.hpp"

#include <algorithm>
#include <cstdio>

namespace arena::server {

namespace {

constexpr std::array<const char*, 16> kBotNames{
    "Ada", "Bea", "Cyd", "Dot", "Eli", "Fay", "Gus", "Hal",
    "Ivy", "Jo",  "Kit", "Lux", "Max", "Ned", "Oz",  "Pip",
};

constexpr auto kTick = std::chrono::duration_cast<Clock::duration>(
    std::chrono::duration<double>(static_cast<double>(sim::kTickSeconds)));

}  // namespace

GameServer::GameServer() = default;
GameServer::~GameServer() {
  stop();
}

tickwire::Status GameServer::start(const ServerOptions& options) {
  if (options.max_players < 1 || options.max_players > sim::kMaxPlayers)
    return {tickwire::Errc::InvalidSettings, "max players: must be within 1..32"};
  if (options.bots < 0 || options.bots > options.max_players)
    return {tickwire::Errc::InvalidSettings, "bots: must be within 0..max players"};
  options_ = options;
  tickwire::ServerSettings settings;
  settings.protocol_id = proto::kProtocolId;
  settings.bind_address = options.bind_address;
  settings.port = options.port;
  settings.max_clients = static_cast<std::uint32_t>(options.max_players);
  settings.max_sessions_per_address =
      static_cast<std::uint32_t>(std::max(0, options.max_per_address));
  settings.max_message_bytes = proto::kMaxMessageBytes;
  settings.max_queued_bytes = 1u << 20;
  settings.max_receive_buffer_bytes = 1u << 20;
  settings.conditioner = options.conditioner;
  settings.token_key = options.token_key;
  settings.public_addresses = options.public_addresses;
  // tickwire's own lines: refused joins (rate-limited) and connections that end.
  settings.log = [this](const std::string& line) { log(line); };
  if (tickwire::Status s = server_.start(settings); !s) return s;

  world_ = sim::World{};
  players_ = {};
  pending_.clear();
  state_ = proto::StateSender(options.state_interval_ticks);
  lag_ = tickwire::LagCompensator{};
  stats_ = ServerStats{};
  hit_log_.clear();
  start_time_ = Clock::now();
  next_tick_ = start_time_;
  for (int i = 0; i < options.bots; ++i) add_bot();
  return {};
}

void GameServer::wait_until(Clock::time_point until) {
  const auto left = std::chrono::ceil<std::chrono::milliseconds>(until - Clock::now()).count();
  if (left > 0) server_.wait(static_cast<std::uint32_t>(left));
}

void GameServer::stop() {
  if (!server_.running()) return;
  server_.stop();
}

void GameServer::log(const std::string& line) const {
  if (!options_.verbose) return;
  std::printf("arena server: %s\n", line.c_str());
  std::fflush(stdout);
}

void GameServer::pump(Clock::time_point now) {
  if (!server_.running()) return;
  const auto began = Clock::now();
  handle_events(now);
  // Fell far behind (a stop in a debugger, a suspended VM): skip ahead
  // instead of running a burst of catch-up ticks.
  if (now - next_tick_ > std::chrono::milliseconds(250)) {
    const auto behind = (now - next_tick_) / kTick;
    stats_.late_ticks_skipped += static_cast<std::uint64_t>(behind);
    next_tick_ += behind * kTick;
  }
  int ticks = 0;
  while (now >= next_tick_) {
    run_tick();
    next_tick_ += kTick;
    ++ticks;
  }
  server_.flush();
  // A pass that ran several ticks (catching up) counts each at its share.
  const auto each = ticks > 0 ? (Clock::now() - began) / ticks : Clock::duration{};
  for (int k = 0; k < ticks; ++k) tick_times_.add(each);
}

void GameServer::handle_events(Clock::time_point now) {
  server_.update();
  tickwire::Event e;
  while (server_.poll(e)) {
    switch (e.type) {
      case tickwire::EventType::Connected: pending_.push_back({e.connection, now}); break;
      case tickwire::EventType::Disconnected: on_disconnect(e.connection, e.reason); break;
      case tickwire::EventType::Message: on_message(e.connection, e.data, now); break;
    }
  }
  // A connection that never says Hello is not allowed to hold a slot.
  for (auto it = pending_.begin(); it != pending_.end();) {
    if (now - it->since > std::chrono::milliseconds(options_.hello_timeout_ms)) {
      log("kicked " + server_.address(it->connection) + ": no hello");
      server_.kick(it->connection);
      it = pending_.erase(it);
    } else {
      ++it;
    }
  }
}

void GameServer::on_message(tickwire::ConnectionId from, std::span<const std::uint8_t> bytes,
                            Clock::time_point now) {
  proto::Message msg;
  const proto::DecodeResult r = proto::decode(bytes, msg);
  if (r != proto::DecodeResult::Ok) {
    stats_.bad_messages.count(r);
    return;
  }
  if (const auto* hello = std::get_if<proto::HelloMsg>(&msg)) {
    on_hello(from, *hello);
  } else if (const auto* input = std::get_if<proto::InputMsg>(&msg)) {
    on_input(from, *input, now);
  } else {
    ++stats_.protocol_violations;  // a server-to-client message sent to the server
  }
}

void GameServer::on_hello(tickwire::ConnectionId from, const proto::HelloMsg& hello) {
  const auto it = std::find_if(pending_.begin(), pending_.end(),
                               [&](const Pending& p) { return p.connection == from; });
  if (it == pending_.end()) {
    ++stats_.protocol_violations;  // a second Hello
    return;
  }
  pending_.erase(it);
  if (hello.game_version != proto::kGameVersion) {
    log("kicked " + server_.address(from) + ": game version " + std::to_string(hello.game_version) +
        ", this server runs " + std::to_string(proto::kGameVersion));
    server_.kick(from);
    return;
  }
  int slot = free_slot();
  if (slot < 0) {
    // Make room by sending a bot home: humans come first.
    for (int i = sim::kMaxPlayers - 1; i >= 0 && slot < 0; --i) {
      if (players_[static_cast<std::size_t>(i)].kind == Kind::Bot) {
        sim::remove_player(world_, i);
        players_[static_cast<std::size_t>(i)] = Player{};
        slot = i;
      }
    }
  }
  if (slot < 0) {
    log("kicked " + server_.address(from) + ": the match is full");
    server_.kick(from);
    return;
  }
  Player& p = players_[static_cast<std::size_t>(slot)];
  p = Player{};
  p.kind = Kind::Human;
  p.connection = from;
  p.uid = next_uid_++;
  p.name = hello.name;
  sim::add_player(world_, slot);
  state_.reset(slot);  // a new client: its snapshot stream starts over, whole
  ++stats_.players_seen;
  scoreboard_dirty_ = true;

  proto::WelcomeMsg welcome;
  welcome.slot = static_cast<std::uint8_t>(slot);
  welcome.tick = world_.tick;
  welcome.state_rate = state_.rate_hz();
  proto::encode(welcome, bytes_);
  send_reliable(from, bytes_);
  log(p.name + " joined from " + server_.address(from) + " (slot " + std::to_string(slot) + ")");
}

double GameServer::position(Clock::time_point now) const noexcept {
  const double left = std::chrono::duration<double>(next_tick_ - now) / kTick;
  return static_cast<double>(world_.tick) + 1.0 - left;
}

void GameServer::on_input(tickwire::ConnectionId from, const proto::InputMsg& input,
                          Clock::time_point now) {
  const int slot = find_player(from);
  if (slot < 0) {
    ++stats_.protocol_violations;  // input before Hello
    return;
  }
  // The snapshot ack counts even when the inputs are old news: the sender
  // ignores ticks it never sent and acks older than the newest.
  if (input.snapshot_ack) state_.acknowledge(slot, *input.snapshot_ack);
  Player& p = players_[static_cast<std::size_t>(slot)];
  // Oldest first, so that the newest frame's arrival is the one timed. The
  // buffer keeps what is new and counts the rest (late, duplicate, too early).
  const double at = position(now);
  for (int i = input.count - 1; i >= 0; --i) {
    const proto::InputFrame& f = input.frames[static_cast<std::size_t>(i)];
    p.inputs.receive(f.tick, f.input, at);
  }
  p.view_lag_ticks = input.view_lag_ticks;
}

bool GameServer::ShooterViews::ship_at(int shooter, int target, float& x, float& y) const {
  if (shooter < 0 || shooter >= sim::kMaxPlayers || !rewound[static_cast<std::size_t>(shooter)])
    return false;
  tickwire::Body b;
  if (!server_.lag_.body_at(static_cast<std::uint32_t>(target),
                            view_tick[static_cast<std::size_t>(shooter)], b,
                            sim::kTeleportDistance))
    return false;
  x = b.x;
  y = b.y;
  return true;
}

void GameServer::on_disconnect(tickwire::ConnectionId id, tickwire::DisconnectReason reason) {
  std::erase_if(pending_, [&](const Pending& p) { return p.connection == id; });
  const int slot = find_player(id);
  if (slot < 0) return;
  ++stats_.players_left;
  stats_.players_timed_out += reason == tickwire::DisconnectReason::Timeout;
  log(players_[static_cast<std::size_t>(slot)].name + " left: " + tickwire::describe(reason));
  sim::remove_player(world_, slot);
  players_[static_cast<std::size_t>(slot)] = Player{};
  scoreboard_dirty_ = true;
  fill_bots();
}

void GameServer::run_tick() {
  const std::uint32_t tick = world_.tick + 1;  // the tick this step makes
  sim::Inputs inputs{};
  for (int i = 0; i < sim::kMaxPlayers; ++i) {
    Player& p = players_[static_cast<std::size_t>(i)];
    sim::Input& in = inputs[static_cast<std::size_t>(i)];
    views_.rewound[static_cast<std::size_t>(i)] = false;
    if (p.kind == Kind::Bot) {
      in = sim::think(p.brain, world_, i);
    } else if (p.kind == Kind::Human) {
      // Exactly one input per tick: the player's own for this tick, or its
      // last one again when this one has not come (counted).
      in = p.inputs.consume(tick);
      // Its shots this step meet the ships where it saw them.
      const tickwire::LagCompensator::View v =
          lag_.view(tick, static_cast<double>(tick) - static_cast<double>(p.view_lag_ticks));
      views_.rewound[static_cast<std::size_t>(i)] = v.rewound;
      views_.view_tick[static_cast<std::size_t>(i)] = v.tick;
    }
  }
  sim::step(world_, inputs, &views_);
  ++stats_.ticks;
  bodies_.clear();
  for (int i = 0; i < sim::kMaxPlayers; ++i) {
    const sim::Ship& s = world_.ships[static_cast<std::size_t>(i)];
    if (s.active && s.alive)
      bodies_.push_back({static_cast<std::uint32_t>(i), s.x, s.y, 0.0f, sim::kShipRadius});
  }
  lag_.record(world_.tick, bodies_);

  for (int i = 0; i < world_.event_count; ++i) {
    const sim::Event& ev = world_.events[static_cast<std::size_t>(i)];
    if (ev.type == sim::EventType::Hit) {
      ++stats_.hits;
      hit_log_.push_back({world_.tick, ev.other, ev.subject});
      if (hit_log_.size() > kMaxHitLog) hit_log_.pop_front();
    }
    if (ev.type != sim::EventType::Kill) continue;
    proto::KillMsg kill{world_.tick, ev.other, ev.subject};
    proto::encode(kill, bytes_);
    if (!server_.broadcast(proto::kLaneReliable, bytes_)) ++stats_.send_failures;
    scoreboard_dirty_ = true;
  }

  recipients_.clear();
  for (int i = 0; state_.due(world_.tick) && i < sim::kMaxPlayers; ++i) {
    Player& p = players_[static_cast<std::size_t>(i)];
    if (p.kind != Kind::Human) continue;
    const tickwire::InputTiming& timing = p.inputs.timing();
    recipients_.push_back(
        {i, p.inputs.take_report_ack(),
         timing.has_slack() ? std::optional<double>(timing.slack()) : std::nullopt,
         p.inputs.received_through()});
  }
  // The server's clock at this tick: its scheduled time (pump() runs the
  // tick due at next_tick_), microseconds since start().
  const auto server_time_us = static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(next_tick_ - start_time_).count());
  state_.after_step(world_, server_time_us, recipients_,
                    [&](const proto::StateRecipient& r, std::span<const std::uint8_t> b) {
                      const Player& p = players_[static_cast<std::size_t>(r.slot)];
                      if (!server_.send(p.connection, proto::kLaneSequenced, b))
                        ++stats_.send_failures;
                    });

  if (scoreboard_dirty_ || world_.tick % sim::kTickRate == 0) send_scoreboard();
}

void GameServer::send_scoreboard() {
  scoreboard_dirty_ = false;
  proto::ScoreboardMsg board;
  for (int i = 0; i < sim::kMaxPlayers; ++i) {
    const Player& p = players_[static_cast<std::size_t>(i)];
    if (p.kind == Kind::Empty) continue;
    const sim::Ship& s = world_.ships[static_cast<std::size_t>(i)];
    proto::PlayerInfo info;
    info.slot = static_cast<std::uint8_t>(i);
    info.uid = p.uid;
    info.name = p.name;
    info.bot = p.kind == Kind::Bot;
    info.score = s.score;
    info.deaths = s.deaths;
    if (p.kind == Kind::Human) {
      info.ping_ms = static_cast<std::uint16_t>(
          std::clamp(server_.stats(p.connection).rtt_ms + 0.5f, 0.0f, 65535.0f));
      const tickwire::InputBufferStats in = p.inputs.stats();
      info.inputs_missing = static_cast<std::uint32_t>(std::min<std::uint64_t>(in.missing, ~0u));
      info.inputs_late = static_cast<std::uint32_t>(std::min<std::uint64_t>(in.late, ~0u));
      info.input_buffer_avg = static_cast<float>(in.depth_avg);
    }
    board.players.push_back(std::move(info));
  }
  proto::encode(board, bytes_);
  if (!server_.broadcast(proto::kLaneReliable, bytes_)) ++stats_.send_failures;
}

void GameServer::send_reliable(tickwire::ConnectionId to, const std::vector<std::uint8_t>& bytes) {
  if (!server_.send(to, proto::kLaneReliable, bytes)) ++stats_.send_failures;
}

int GameServer::find_player(tickwire::ConnectionId id) const noexcept {
  for (int i = 0; i < sim::kMaxPlayers; ++i) {
    const Player& p = players_[static_cast<std::size_t>(i)];
    if (p.kind == Kind::Human && p.connection == id) return i;
  }
  return -1;
}

int GameServer::free_slot() const noexcept {
  int used = 0;
  for (const Player& p : players_) used += p.kind != Kind::Empty;
  if (used >= options_.max_players) return -1;
  for (int i = 0; i < sim::kMaxPlayers; ++i)
    if (players_[static_cast<std::size_t>(i)].kind == Kind::Empty) return i;
  return -1;
}

void GameServer::add_bot() {
  const int slot = free_slot();
  if (slot < 0) return;
  Player& p = players_[static_cast<std::size_t>(slot)];
  p = Player{};
  p.kind = Kind::Bot;
  p.uid = next_uid_++;
  const std::uint32_t n = bot_names_used_++;
  p.name = kBotNames[n % kBotNames.size()];
  if (n >= kBotNames.size()) p.name += std::to_string(n / kBotNames.size() + 1);
  p.brain = sim::BotBrain(p.uid);
  sim::add_player(world_, slot);
  ++stats_.players_seen;
  scoreboard_dirty_ = true;
}

void GameServer::fill_bots() {
  int bots = 0;
  for (const Player& p : players_) bots += p.kind == Kind::Bot;
  for (; bots < options_.bots && free_slot() >= 0; ++bots) add_bot();
}

ServerStats GameServer::stats() const {
  ServerStats s = stats_;
  s.tick_ms = tick_times_.summary();
  const proto::StateSenderStats& st = state_.stats();
  s.states_sent = st.sent;
  s.full_sent = st.full_sent;
  s.delta_sent = st.delta_sent;
  s.snapshot_bytes = st.envelope_bytes;
  s.snapshot_encode_errors = st.encode_errors;
  s.humans = s.bots = 0;
  double depth = 0;
  for (const Player& p : players_) {
    s.humans += p.kind == Kind::Human;
    s.bots += p.kind == Kind::Bot;
    if (p.kind != Kind::Human) continue;
    const tickwire::InputBufferStats in = p.inputs.stats();
    s.inputs_missing += in.missing;
    s.inputs_late += in.late;
    s.inputs_duplicate += in.duplicates;
    s.inputs_too_early += in.too_early;
    depth += in.depth_avg;
  }
  s.input_buffer_avg = s.humans ? depth / s.humans : 0.0;
  s.lag_compensation = lag_.stats();
  const tickwire::HostStats host = server_.host_stats();
  s.drops = host.drops;
  s.joins_refused = host.joins;
  s.in_bytes_per_sec = s.out_bytes_per_sec = 0;
  for (tickwire::ConnectionId id : server_.connections()) {
    const tickwire::ConnectionStats c = server_.stats(id);
    s.in_bytes_per_sec += c.in_bytes_per_sec;
    s.out_bytes_per_sec += c.out_bytes_per_sec;
  }
  return s;
}

}  // namespace arena::server
