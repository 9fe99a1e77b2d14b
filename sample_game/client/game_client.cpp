#include "client/game_client.hpp"

#include <algorithm>
#include <random>
#include <thread>

namespace arena::client {

namespace {

constexpr auto kTick = std::chrono::duration_cast<Clock::duration>(
    std::chrono::duration<double>(static_cast<double>(sim::kTickSeconds)));

}  // namespace

GameClient::GameClient() : epoch_(Clock::now()) {}

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
  // Snapshots of an earlier connection are no baseline for this one.
  if (states_.stats().envelopes != 0) states_.clear();
  phase_ = Phase::Connecting;
  brain_ = sim::BotBrain(std::random_device{}());
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

void GameClient::pump(Clock::time_point now) {
  if (phase_ == Phase::Ended) return;
  client_.update();
  tickwire::Event e;
  while (client_.poll(e)) {
    switch (e.type) {
      case tickwire::EventType::Connected: {
        ever_connected_ = true;
        connected_at_ = now;
        phase_ = Phase::Joining;
        proto::HelloMsg hello;
        hello.name = proto::sanitize_name(options_.name);
        proto::encode(hello, bytes_);
        if (!client_.send(proto::kLaneReliable, bytes_)) ++stats_.send_failures;
        next_input_ = now;
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
  if (phase_ != Phase::Playing) return;
  if (now - next_input_ > std::chrono::milliseconds(250)) next_input_ = now;  // fell behind
  while (now >= next_input_) {
    run_input_tick();
    next_input_ += kTick;
  }
  client_.flush();
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
  update_times_.push_back(seconds(now));
  while (!update_times_.empty() && update_times_.front() < seconds(now) - 1.0)
    update_times_.pop_front();
}

void GameClient::run_input_tick() {
  ++input_tick_;
  ++stats_.input_ticks;
  sim::Input input = local_input_;
  if (options_.bot) {
    const auto* latest = states_.newest();
    input = latest ? sim::think(brain_, latest->world, slot_) : sim::Input{};
  }
  // Shift the history: frames[0] is the newest.
  for (int i = proto::kMaxInputFrames - 1; i > 0; --i)
    history_.frames[static_cast<std::size_t>(i)] = history_.frames[static_cast<std::size_t>(i - 1)];
  history_.frames[0] = {input_tick_, input};
  history_.count = std::min<int>(options_.redundant_inputs, static_cast<int>(input_tick_));
  history_.snapshot_ack = states_.ack();
  proto::encode(history_, bytes_);
  if (!client_.send(proto::kLaneSequenced, bytes_)) ++stats_.send_failures;
}

ClientStats GameClient::stats() const {
  ClientStats s = stats_;
  const proto::StateReceiverStats& st = states_.stats();
  s.updates_received = st.received;
  s.stale_updates = st.stale;
  s.full_received = st.full_received;
  s.delta_received = st.delta_received;
  s.snapshot_envelopes = st.envelopes;
  s.snapshot_bytes = st.envelope_bytes;
  s.snapshot_bytes_avg = st.envelope_bytes_avg();
  s.decode_errors = st.decode_errors();
  s.players_seen = static_cast<std::uint32_t>(uids_.size());
  if (ever_connected_) {
    const auto end = phase_ == Phase::Ended ? ended_at_ : Clock::now();
    s.connected_s = std::chrono::duration<double>(end - connected_at_).count();
  }
  const double now = seconds(Clock::now());
  s.updates_per_sec = static_cast<double>(std::count_if(update_times_.begin(), update_times_.end(),
                                                        [&](double t) { return t >= now - 1.0; }));
  return s;
}

}  // namespace arena::client
