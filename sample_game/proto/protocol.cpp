// Encoding and checked decoding of arena's messages (FlatBuffers).
#include <flatbuffers/flatbuffers.h>

#include <algorithm>
#include <cmath>

#include "arena_generated.h"
#include "proto/messages.hpp"

namespace arena::proto {

namespace fb = ::flatbuffers;
namespace w = ::arena::wire;

namespace {

// One builder reused by every encode call: the game is single-threaded.
fb::FlatBufferBuilder& builder() {
  static fb::FlatBufferBuilder b(2048);
  b.Clear();
  return b;
}

void finish(fb::FlatBufferBuilder& b, w::Body type, fb::Offset<void> body,
            std::vector<std::uint8_t>& out) {
  w::FinishMessageBuffer(b, w::CreateMessage(b, type, body));
  out.assign(b.GetBufferPointer(), b.GetBufferPointer() + b.GetSize());
}

DecodeResult decode_hello(const w::Hello& h, HelloMsg& m) {
  m.game_version = h.game_version();
  m.name = sanitize_name(h.name() ? h.name()->string_view() : std::string_view{});
  return DecodeResult::Ok;
}

DecodeResult decode_welcome(const w::Welcome& h, WelcomeMsg& m) {
  if (h.slot() >= sim::kMaxPlayers || h.tick_rate() == 0 || h.state_rate() == 0 ||
      h.state_rate() > h.tick_rate())
    return DecodeResult::OutOfRange;
  m.game_version = h.game_version();
  m.slot = h.slot();
  m.tick = h.tick();
  m.tick_rate = h.tick_rate();
  m.state_rate = h.state_rate();
  return DecodeResult::Ok;
}

DecodeResult decode_input(const w::InputBatch& b, InputMsg& m) {
  const auto* frames = b.frames();
  if (!frames || frames->size() == 0 || frames->size() > kMaxInputFrames)
    return DecodeResult::OutOfRange;
  m.count = static_cast<int>(frames->size());
  for (fb::uoffset_t i = 0; i < frames->size(); ++i) {
    const w::InputFrame* f = frames->Get(i);
    InputFrame& out = m.frames[i];
    out.tick = f->tick();
    // Values stay raw: sim::clamp_input makes any float safe.
    out.input.move_x = f->move_x();
    out.input.move_y = f->move_y();
    out.input.aim_x = f->aim_x();
    out.input.aim_y = f->aim_y();
    out.input.fire = (f->buttons() & 1u) != 0;
  }
  // An ack tick without the flag is a confused or forged batch.
  if (!b.has_snapshot_ack() && b.snapshot_ack() != 0) return DecodeResult::OutOfRange;
  m.snapshot_ack.reset();
  if (b.has_snapshot_ack()) m.snapshot_ack = b.snapshot_ack();
  m.view_lag_ticks = static_cast<float>(b.view_lag()) / 16.0f;
  return DecodeResult::Ok;
}

DecodeResult decode_scoreboard(const w::Scoreboard& s, ScoreboardMsg& m) {
  m.players.clear();
  const auto* players = s.players();
  if (!players) return DecodeResult::Ok;
  if (players->size() > sim::kMaxPlayers) return DecodeResult::OutOfRange;
  m.players.reserve(players->size());
  for (const w::PlayerInfo* p : *players) {
    if (p->slot() >= sim::kMaxPlayers) return DecodeResult::OutOfRange;
    PlayerInfo info;
    info.slot = p->slot();
    info.uid = p->uid();
    info.name = sanitize_name(p->name() ? p->name()->string_view() : std::string_view{});
    info.bot = p->bot();
    info.score = p->score();
    info.deaths = p->deaths();
    info.ping_ms = p->ping_ms();
    info.inputs_missing = p->inputs_missing();
    info.inputs_late = p->inputs_late();
    info.input_buffer_avg = static_cast<float>(p->input_buffer()) / 16.0f;
    m.players.push_back(std::move(info));
  }
  return DecodeResult::Ok;
}

DecodeResult decode_kill(const w::Kill& k, KillMsg& m) {
  if (k.killer() >= sim::kMaxPlayers || k.victim() >= sim::kMaxPlayers)
    return DecodeResult::OutOfRange;
  m.tick = k.tick();
  m.killer = k.killer();
  m.victim = k.victim();
  return DecodeResult::Ok;
}

// A union whose type is set but whose table is absent passes the verifier.
template <typename Wire, typename Msg, typename Fn>
DecodeResult decode_body(const Wire* body, Message& out, Fn fn) {
  if (!body) return DecodeResult::Malformed;
  return fn(*body, out.emplace<Msg>());
}

}  // namespace

const char* to_string(DecodeResult r) noexcept {
  switch (r) {
    case DecodeResult::Ok: return "ok";
    case DecodeResult::Malformed: return "malformed";
    case DecodeResult::OutOfRange: return "out of range";
    case DecodeResult::Unknown: return "unknown";
  }
  return "?";
}

void DecodeCounters::count(DecodeResult r) noexcept {
  switch (r) {
    case DecodeResult::Ok: break;
    case DecodeResult::Malformed: ++malformed; break;
    case DecodeResult::OutOfRange: ++out_of_range; break;
    case DecodeResult::Unknown: ++unknown; break;
  }
}

DecodeResult decode(std::span<const std::uint8_t> bytes, Message& out) {
  if (bytes.size() < 8 || bytes.size() > kMaxMessageBytes) return DecodeResult::Malformed;
  // Depth 8 and 2048 tables are far beyond any honest message and bound the
  // verifier's work on a hostile one.
  fb::Verifier verifier(bytes.data(), bytes.size(), 8, 2048);
  if (!w::VerifyMessageBuffer(verifier)) return DecodeResult::Malformed;
  const w::Message* msg = w::GetMessage(bytes.data());
  switch (msg->body_type()) {
    case w::Body::Hello:
      return decode_body<w::Hello, HelloMsg>(msg->body_as_Hello(), out, decode_hello);
    case w::Body::Welcome:
      return decode_body<w::Welcome, WelcomeMsg>(msg->body_as_Welcome(), out, decode_welcome);
    case w::Body::InputBatch:
      return decode_body<w::InputBatch, InputMsg>(msg->body_as_InputBatch(), out, decode_input);
    case w::Body::Scoreboard:
      return decode_body<w::Scoreboard, ScoreboardMsg>(msg->body_as_Scoreboard(), out,
                                                       decode_scoreboard);
    case w::Body::Kill: return decode_body<w::Kill, KillMsg>(msg->body_as_Kill(), out, decode_kill);
    default: return DecodeResult::Unknown;
  }
}

void encode(const HelloMsg& m, std::vector<std::uint8_t>& out) {
  auto& b = builder();
  const auto body = w::CreateHelloDirect(b, m.game_version, m.name.c_str());
  finish(b, w::Body::Hello, body.Union(), out);
}

void encode(const WelcomeMsg& m, std::vector<std::uint8_t>& out) {
  auto& b = builder();
  const auto body = w::CreateWelcome(b, m.game_version, m.slot, m.tick, m.tick_rate, m.state_rate);
  finish(b, w::Body::Welcome, body.Union(), out);
}

void encode(const InputMsg& m, std::vector<std::uint8_t>& out) {
  auto& b = builder();
  std::array<w::InputFrame, kMaxInputFrames> frames;
  const int n = std::clamp(m.count, 0, kMaxInputFrames);
  for (int i = 0; i < n; ++i) {
    const InputFrame& f = m.frames[static_cast<std::size_t>(i)];
    frames[static_cast<std::size_t>(i)] = w::InputFrame(
        f.tick, f.input.move_x, f.input.move_y, f.input.aim_x, f.input.aim_y, f.input.fire ? 1 : 0);
  }
  const auto vec = b.CreateVectorOfStructs(frames.data(), static_cast<std::size_t>(n));
  const float lag = std::isfinite(m.view_lag_ticks) ? m.view_lag_ticks : 0.0f;
  const auto lag16 = static_cast<std::uint16_t>(std::lround(std::clamp(lag, 0.0f, 4095.0f) * 16));
  finish(b, w::Body::InputBatch,
         w::CreateInputBatch(b, vec, m.snapshot_ack.value_or(0), m.snapshot_ack.has_value(), lag16)
             .Union(),
         out);
}

void encode(const ScoreboardMsg& m, std::vector<std::uint8_t>& out) {
  auto& b = builder();
  std::vector<fb::Offset<w::PlayerInfo>> players;
  players.reserve(std::min<std::size_t>(m.players.size(), sim::kMaxPlayers));
  for (const PlayerInfo& p : m.players) {
    if (players.size() >= sim::kMaxPlayers) break;
    const float depth = std::isfinite(p.input_buffer_avg) ? p.input_buffer_avg : 0.0f;
    players.push_back(w::CreatePlayerInfoDirect(
        b, p.slot, p.uid, p.name.c_str(), p.bot, p.score, p.deaths, p.ping_ms, p.inputs_missing,
        p.inputs_late,
        static_cast<std::uint16_t>(std::lround(std::clamp(depth, 0.0f, 4095.0f) * 16))));
  }
  finish(b, w::Body::Scoreboard, w::CreateScoreboardDirect(b, &players).Union(), out);
}

void encode(const KillMsg& m, std::vector<std::uint8_t>& out) {
  auto& b = builder();
  finish(b, w::Body::Kill, w::CreateKill(b, m.tick, m.killer, m.victim).Union(), out);
}

std::string sanitize_name(std::string_view raw) {
  std::string name;
  for (char c : raw) {
    if (name.size() >= kMaxNameBytes) break;
    const auto u = static_cast<unsigned char>(c);
    name.push_back(u >= 0x20 && u < 0x7f ? c : '?');
  }
  const auto first = name.find_first_not_of(' ');
  if (first == std::string::npos) return "player";
  const auto last = name.find_last_not_of(' ');
  return name.substr(first, last - first + 1);
}

}  // namespace arena::proto
