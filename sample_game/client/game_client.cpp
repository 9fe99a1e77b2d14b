#include "client/game_client.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <thread>

namespace arena::client {

namespace {

// Agreement between a predicted and a received state: the wire quantizes
// positions to 1/64 unit, velocities to 1/16 unit/s and aim to 2^12 codes
// per turn. A prediction restarted from a received (quantized) state carries
// up to half a step of position and of velocity, which the motion integrates
// (measured: up to 0.0162 unit against 1/64 = 0.0156): within two steps of
// those is exact.
constexpr float kPositionTolerance = 2.0f / 64;
constexpr float kVelocityTolerance = 2.0f / 16;
constexpr float kAimTolerance = 2.0f * 6.2831853f / 4096;

bool near(float a, float b, float tolerance) noexcept {
  return std::fabs(a - b) <= tolerance;
}

// The fire ticks of the shots in flight, sorted.
std::array<std::uint16_t, sim::kMaxOwnShots> shot_ids(const sim::LocalState& s, int& n) noexcept {
  std::array<std::uint16_t, sim::kMaxOwnShots> ids{};
  n = 0;
  for (const sim::Projectile& p : s.shots)
    if (p.active) ids[static_cast<std::size_t>(n++)] = p.id;
  std::sort(ids.begin(), ids.begin() + n);
  return ids;
}

bool same_state(const sim::LocalState& mine, const sim::LocalState& server) noexcept {
  const sim::Ship& a = mine.ship;
  const sim::Ship& b = server.ship;
  if (a.active != b.active || a.alive != b.alive || a.health != b.health ||
      a.cooldown_ticks != b.cooldown_ticks)
    return false;
  // Dead: the respawn countdown is the server's (the prediction holds at 1).
  if (!a.alive) return true;
  if (!near(a.x, b.x, kPositionTolerance) || !near(a.y, b.y, kPositionTolerance) ||
      !near(a.vx, b.vx, kVelocityTolerance) || !near(a.vy, b.vy, kVelocityTolerance) ||
      !near(a.aim_x, b.aim_x, kAimTolerance) || !near(a.aim_y, b.aim_y, kAimTolerance))
    return false;
  int na = 0, nb = 0;
  const auto ia = shot_ids(mine, na);
  const auto ib = shot_ids(server, nb);
  return na == nb && std::equal(ia.begin(), ia.begin() + na, ib.begin());
}

double ship_distance(const sim::LocalState& mine, const sim::LocalState& server) noexcept {
  return std::hypot(static_cast<double>(mine.ship.x - server.ship.x),
                    static_cast<double>(mine.ship.y - server.ship.y));
}

tickwire::CorrectionCause classify(const sim::LocalState& mine,
                                   const sim::LocalState& server) noexcept {
  if (mine.ship.alive != server.ship.alive || ship_distance(mine, server) > 64.0)
    return tickwire::CorrectionCause::Teleport;  // died or respawned
  if (mine.ship.health != server.ship.health) return tickwire::CorrectionCause::Collision;
  int na = 0, nb = 0;
  shot_ids(mine, na);
  shot_ids(server, nb);
  if (na != nb) return tickwire::CorrectionCause::Collision;  // a shot met someone
  return tickwire::CorrectionCause::Other;
}

}  // namespace

bool GameClient::DrawnTargets::ship_at(int shooter, int target, float& x, float& y) const {
  if (target < 0 || target >= sim::kMaxPlayers || target == shooter) return false;
  const sim::Ship& s = drawn_.ships[static_cast<std::size_t>(target)];
  if (!s.active || !s.alive) return false;
  x = s.x;
  y = s.y;
  return true;
}

GameClient::GameClient()
    : epoch_(Clock::now()),
      predictor_(tickwire::PredictorSettings{},
                 tickwire::PredictionModel<sim::LocalState, sim::Input>{
                     [this](sim::LocalState& s, const sim::Input& in, std::uint32_t tick,
                            bool resimulating) {
                       sim::LocalEvents ev;
                       sim::step_local(s, slot_, in, tick, &targets_, &ev);
                       // Effects and statistics of a tick count once, never on a re-run.
                       if (resimulating) return;
                       predicted_hits_ += static_cast<std::uint64_t>(ev.hits);
                       for (int h = 0; h < ev.hits; ++h) {
                         hit_log_.push_back({tick, ev.hit_targets[static_cast<std::size_t>(h)]});
                         if (hit_log_.size() > kMaxHitLog) hit_log_.pop_front();
                       }
                     },
                     same_state, ship_distance, classify}) {}

tickwire::Status GameClient::connect(const ClientOptions& options) {
  options_ = options;
  options_.redundant_inputs = std::clamp(options.redundant_inputs, 1, proto::kMaxInputFrames);
  tickwire::ClientSettings settings;
  settings.protocol_id = proto::kProtocolId;
  settings.connect_timeout_ms = options.connect_timeout_ms;
  settings.max_message_bytes = proto::kMaxMessageBytes;
  settings.max_queued_bytes = 1u << 20;
  settings.max_receive_buffer_bytes = 1u << 20;
  settings.conditioner = options.conditioner;
  if (!options.token.empty()) {
    settings.token = options.token;
  } else if (!options.room_code.empty()) {
    // No backend: the client makes its own connect token from the room code.
    if (tickwire::Status s = tickwire::make_room_token(options.room_code, options.server,
                                                       proto::kProtocolId, settings.token);
        !s)
      return s;
  } else {
    return {tickwire::Errc::TokenInvalid, "no room code and no connect token"};
  }
  if (tickwire::Status s = client_.connect(options.server, settings); !s) return s;
  // Snapshots of an earlier connection are no baseline for this one, and
  // its clock and predictions mean nothing here.
  if (states_.stats().envelopes != 0) states_.clear();
  clock_ = tickwire::TickClock{};
  interp_ = tickwire::InterpolationClock{};
  predictor_.reset(0, sim::LocalState{});
  predictor_started_ = false;
  smoother_.clear();
  phase_ = Phase::Connecting;
  brain_ = sim::BotBrain(std::random_device{}());
  // A new connection (a reconnect) starts without the last match's view.
  scoreboard_ = {};
  feed_.clear();
  slot_ = -1;
  return {};
}

void GameClient::disconnect(std::chrono::milliseconds limit,
                            const std::function<void()>& also_pump) {
  if (phase_ == Phase::Ended) return;
  client_.disconnect();
  const auto end = Clock::now() + limit;
  while (phase_ != Phase::Ended && Clock::now() < end) {
    pump(Clock::now());
    if (also_pump) also_pump();
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  if (phase_ != Phase::Ended) {
    phase_ = Phase::Ended;
    ended_at_ = Clock::now();
  }
}

tickwire::DisconnectReason GameClient::disconnect_reason() const noexcept {
  return client_.disconnect_reason();
}

double GameClient::seconds(Clock::time_point t) const noexcept {
  return std::chrono::duration<double>(t - epoch_).count();
}

const proto::PlayerInfo* GameClient::player(int slot) const noexcept {
  for (const proto::PlayerInfo& p : scoreboard_.players)
    if (p.slot == slot) return &p;
  return nullptr;
}

std::uint64_t GameClient::micros(Clock::time_point t) const noexcept {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(t - epoch_).count());
}

const sim::Ship* GameClient::server_ship() const noexcept {
  const proto::StateReceiver::Received* newest = states_.newest();
  if (newest == nullptr || slot_ < 0) return nullptr;
  const sim::Ship& s = newest->world.ships[static_cast<std::size_t>(slot_)];
  return s.active ? &s : nullptr;
}

double GameClient::silence_s(Clock::time_point now) const noexcept {
  if (phase_ != Phase::Joining && phase_ != Phase::Playing) return 0;
  return std::chrono::duration<double>(now - last_heard_).count();
}

void GameClient::pump(Clock::time_point now) {
  if (phase_ == Phase::Ended) return;
  client_.update();
  if (last_heard_ == Clock::time_point{}) last_heard_ = now;
  tickwire::Event e;
  while (client_.poll(e)) {
    // A playing client hears the server 30 times a second (its snapshots):
    // events are enough to tell silence, with no stats gathered per pump.
    last_heard_ = now;
    switch (e.type) {
      case tickwire::EventType::Connected: {
        if (ever_connected_) ++stats_.reconnects;
        ever_connected_ = true;
        connected_at_ = now;
        phase_ = Phase::Joining;
        proto::HelloMsg hello;
        hello.name = proto::sanitize_name(options_.name);
        proto::encode(hello, bytes_);
        if (!client_.send(proto::kLaneReliable, bytes_)) ++stats_.send_failures;
        break;
      }
      case tickwire::EventType::Disconnected:
        phase_ = Phase::Ended;
        ended_at_ = now;
        return;
      case tickwire::EventType::Message:
        // The server sends snapshot envelopes, and only those, on the sequenced lane.
        if (e.channel == proto::kLaneSequenced) {
          on_snapshot(e.data, now);
        } else {
          on_message(e.data, now);
        }
        break;
    }
  }
  if (phase_ != Phase::Playing || !predictor_started_) return;
  ++frames_;
  const std::uint64_t now_us = micros(now);
  // Other ships first: the predicted shots of this frame's ticks meet them
  // where they are drawn.
  render_tick_ = interp_.render_tick(now_us);
  const std::size_t n = states_.size();
  std::array<std::uint32_t, proto::StateReceiver::kCapacity> ticks{};
  for (std::size_t i = 0; i < n; ++i) ticks[i] = states_.at(i).world.tick;
  const tickwire::InterpolationClock::Sample pick =
      interp_.sample(std::span(ticks.data(), n), render_tick_, now_us);
  blend(states_, pick, render_tick_, remote_);

  const std::uint32_t due = clock_.advance(now_us);
  for (std::uint32_t k = due; k > 0; --k) run_input_tick(clock_.tick() - k + 1);
  if (due > 0) send_inputs();
  update_view(now_us);
  client_.flush();
}

void GameClient::run_input_tick(std::uint32_t tick) {
  ++stats_.input_ticks;
  sim::Input input = local_input_;
  if (options_.input_script)
    input = options_.input_script();
  else if (options_.bot)
    input = sim::think(brain_, view_, slot_);
  predictor_.predict(tick, input);
}

void GameClient::send_inputs() {
  batch_.count = 0;
  const proto::StateReceiver::Received* newest = states_.newest();
  // Inputs the server holds or has used already are not sent again.
  const std::uint32_t acked = newest ? std::max(newest->input_ack, newest->input_received) : 0;
  predictor_.unacked_inputs(acked, static_cast<std::size_t>(options_.redundant_inputs),
                            [&](std::uint32_t tick, const sim::Input& in) {
                              batch_.frames[static_cast<std::size_t>(batch_.count++)] = {tick, in};
                            });
  if (batch_.count == 0) return;
  batch_.snapshot_ack = states_.ack();
  batch_.view_lag_ticks =
      static_cast<float>(std::max(0.0, static_cast<double>(clock_.tick()) - render_tick_));
  proto::encode(batch_, bytes_);
  if (!client_.send(proto::kLaneSequenced, bytes_)) ++stats_.send_failures;
}

void GameClient::update_view(std::uint64_t now_us) {
  view_ = remote_;
  if (!options_.predict || slot_ < 0) return;
  // The own ship and shots as predicted, the ship moved by what is left of
  // the last corrections' offsets; the server's copies are not drawn.
  const sim::LocalState& mine = predictor_.current();
  sim::Ship ship = mine.ship;
  const std::array<float, 3> offset = smoother_.offset(now_us);
  ship.x += offset[0];
  ship.y += offset[1];
  view_.ships[static_cast<std::size_t>(slot_)] = ship;
  std::size_t k = 0;
  for (sim::Projectile& p : view_.projectiles)
    if (p.active && p.owner == slot_) p.active = false;
  for (const sim::Projectile& shot : mine.shots) {
    if (!shot.active) continue;
    while (k < view_.projectiles.size() && view_.projectiles[k].active) ++k;
    if (k == view_.projectiles.size()) break;
    view_.projectiles[k] = shot;
  }
}

void GameClient::on_message(std::span<const std::uint8_t> bytes, Clock::time_point now) {
  proto::Message msg;
  const proto::DecodeResult r = proto::decode(bytes, msg);
  if (r != proto::DecodeResult::Ok) {
    stats_.bad_messages.count(r);
    return;
  }
  if (const auto* board = std::get_if<proto::ScoreboardMsg>(&msg)) {
    scoreboard_ = *board;
    for (const proto::PlayerInfo& p : scoreboard_.players)
      if (uids_.size() < kMaxUidsTracked) uids_.insert(p.uid);
  } else if (const auto* kill = std::get_if<proto::KillMsg>(&msg)) {
    const proto::PlayerInfo* killer = player(kill->killer);
    const proto::PlayerInfo* victim = player(kill->victim);
    feed_.push_back({kill->killer, kill->victim, seconds(now),
                     killer ? killer->name : "#" + std::to_string(kill->killer),
                     victim ? victim->name : "#" + std::to_string(kill->victim)});
    while (feed_.size() > kMaxFeed) feed_.pop_front();
  } else if (const auto* welcome = std::get_if<proto::WelcomeMsg>(&msg)) {
    if (phase_ != Phase::Joining || welcome->game_version != proto::kGameVersion) {
      ++stats_.protocol_violations;
      return;
    }
    slot_ = welcome->slot;
    state_rate_ = welcome->state_rate;
    phase_ = Phase::Playing;
  } else {
    ++stats_.protocol_violations;  // a client-to-server message sent to us
  }
}

void GameClient::on_snapshot(std::span<const std::uint8_t> envelope, Clock::time_point now) {
  if (phase_ != Phase::Playing) return;                  // before Welcome: cannot be ours yet
  if (!states_.receive(envelope, seconds(now))) return;  // refusals are counted there
  if (options_.on_world) options_.on_world(states_.newest()->world);
  update_times_.push_back(seconds(now));
  while (!update_times_.empty() && update_times_.front() < seconds(now) - 1.0)
    update_times_.pop_front();

  const proto::StateReceiver::Received& r = *states_.newest();
  const std::uint64_t now_us = micros(now);
  clock_.on_snapshot(r.world.tick, now_us, client_.stats().rtt_ms);
  if (r.input_slack) clock_.on_input_slack(*r.input_slack, now_us);
  interp_.on_snapshot(r.world.tick, now_us);
  const sim::LocalState server = sim::local_state(r.world, slot_);
  if (!predictor_started_) {
    predictor_.reset(r.world.tick, server);
    predictor_started_ = true;
    return;
  }
  const sim::Ship before = predictor_.current().ship;
  const tickwire::Correction c = predictor_.reconcile(r.world.tick, server, r.input_ack);
  if (c.happened) {
    // The simulation takes the corrected state at once; the drawing slides.
    const sim::Ship& after = predictor_.current().ship;
    smoother_.add({before.x - after.x, before.y - after.y, 0.0f}, now_us);
  }
}

void take_state_stats(const proto::StateReceiverStats& st, ClientStats& s) noexcept {
  s.updates_received = st.received;
  s.stale_updates = st.stale;
  s.full_received = st.full_received;
  s.delta_received = st.delta_received;
  s.snapshot_envelopes = st.envelopes;
  s.snapshot_bytes = st.envelope_bytes;
  s.snapshot_bytes_avg = st.envelope_bytes_avg();
  s.decode_errors = st.decode_errors();
}

ClientStats GameClient::stats() const {
  ClientStats s = stats_;
  take_state_stats(states_.stats(), s);
  s.players_seen = static_cast<std::uint32_t>(uids_.size());
  if (ever_connected_) {
    const auto end = phase_ == Phase::Ended ? ended_at_ : Clock::now();
    s.connected_s = std::chrono::duration<double>(end - connected_at_).count();
  }
  const double now = seconds(Clock::now());
  s.updates_per_sec = static_cast<double>(std::count_if(update_times_.begin(), update_times_.end(),
                                                        [&](double t) { return t >= now - 1.0; }));

  // Prediction and time sync.
  const tickwire::PredictionStats& p = predictor_.stats();
  s.predicting = options_.predict;
  s.reconciles = p.reconciles;
  s.corrections = p.corrections.count();
  for (std::size_t i = 0; i < tickwire::kCorrectionCauses; ++i) {
    const auto cause = static_cast<tickwire::CorrectionCause>(i);
    s.corrections_by_cause[i] = p.corrections.count(cause);
    s.correction_p95_by_cause[i] = p.corrections.quantile(0.95, cause);
    s.correction_max_by_cause[i] = p.corrections.max(cause);
  }
  if (s.connected_s > 0)
    s.corrections_per_min = static_cast<double>(s.corrections) * 60.0 / s.connected_s;
  s.correction_p50 = p.corrections.quantile(0.5);
  s.correction_p95 = p.corrections.quantile(0.95);
  s.correction_max = p.corrections.max();
  s.resim_ticks_avg =
      frames_ ? static_cast<double>(p.resim_ticks) / static_cast<double>(frames_) : 0.0;
  s.predicted_hits = predicted_hits_;
  const tickwire::TimeSyncStats& t = clock_.stats();
  s.dilation_pct = t.dilation * 100.0;
  s.dilation_pct_avg = t.dilation_abs_avg * 100.0;
  s.input_slack_ticks = t.slack_ticks;
  s.clock_jumps = t.jumps;
  if (const proto::PlayerInfo* me = player(slot_)) {
    s.input_buffer_avg = me->input_buffer_avg;
    s.inputs_late = me->inputs_late;
    s.inputs_missing = me->inputs_missing;
  }
  const tickwire::InterpolationStats& is = interp_.stats();
  s.interp_delay_ms = is.delay_ticks * 1000.0 / sim::kTickRate;
  s.extrapolated_ms = is.extrapolated_ms;
  s.underruns = is.underruns;
  return s;
}

}  // namespace arena::client
