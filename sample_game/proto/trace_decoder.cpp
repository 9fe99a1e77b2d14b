#include "proto/trace_decoder.hpp"

#include <cinttypes>
#include <cstdio>
#include <variant>

namespace arena::proto {

namespace {

std::string format(const char* fmt, auto... args) {
  char buf[160];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

}  // namespace

TraceDecoder::Description TraceDecoder::describe(std::uint8_t channel,
                                                 std::span<const std::uint8_t> message,
                                                 bool from_server) {
  (void)from_server;  // arena's messages say which way they go
  (void)channel;
  Message msg;
  const DecodeResult r = decode(message, msg);
  if (r != DecodeResult::Ok) return {"Refused", std::string("arena refuses it: ") + to_string(r)};
  if (const auto* m = std::get_if<HelloMsg>(&msg))
    return {"Hello", format("\"%s\" version %u", m->name.c_str(), unsigned{m->game_version})};
  if (const auto* m = std::get_if<WelcomeMsg>(&msg))
    return {"Welcome", format("slot %u tick %" PRIu32 " %u Hz, snapshots %u Hz, version %u",
                              unsigned{m->slot}, m->tick, unsigned{m->tick_rate},
                              unsigned{m->state_rate}, unsigned{m->game_version})};
  if (const auto* m = std::get_if<InputMsg>(&msg)) {
    const std::uint32_t newest = m->frames[0].tick;
    const std::uint32_t oldest = m->frames[static_cast<std::size_t>(m->count - 1)].tick;
    std::string ack = m->snapshot_ack ? std::to_string(*m->snapshot_ack) : "none";
    return {"Input",
            format("ticks %" PRIu32 "..%" PRIu32 " (%d), snapshot ack %s, view lag %.2f", oldest,
                   newest, m->count, ack.c_str(), static_cast<double>(m->view_lag_ticks))};
  }
  if (const auto* m = std::get_if<ScoreboardMsg>(&msg))
    return {"Scoreboard", format("%zu players", m->players.size())};
  if (const auto* m = std::get_if<KillMsg>(&msg))
    return {"Kill", format("tick %" PRIu32 ": %u killed %u", m->tick, unsigned{m->killer},
                           unsigned{m->victim})};
  return {};
}

void TraceDecoder::reset() {
  states_.clear();
  scoreboard_ = {};
  slot_.reset();
  kills_.clear();
}

std::optional<tickwire::trace::WorldHash> TraceDecoder::deliver(
    std::uint8_t channel, std::span<const std::uint8_t> message, std::uint64_t time_us) {
  // As GameClient::pump: envelopes on the sequenced lane once Welcomed,
  // everything else a game message.
  if (channel == kLaneSequenced) {
    if (!slot_) return std::nullopt;
    if (!states_.receive(message, static_cast<double>(time_us) / 1e6)) return std::nullopt;
    const sim::World& w = states_.newest()->world;
    return tickwire::trace::WorldHash{w.tick, sim::world_hash(w)};
  }
  Message msg;
  const DecodeResult r = decode(message, msg);
  if (r != DecodeResult::Ok) {
    bad_.count(r);
    return std::nullopt;
  }
  if (const auto* board = std::get_if<ScoreboardMsg>(&msg)) {
    scoreboard_ = *board;
  } else if (const auto* kill = std::get_if<KillMsg>(&msg)) {
    kills_.push_back({*kill, time_us});
    if (kills_.size() > 8) kills_.pop_front();
  } else if (const auto* welcome = std::get_if<WelcomeMsg>(&msg)) {
    if (!slot_ && welcome->game_version == kGameVersion) slot_ = welcome->slot;
  }
  return std::nullopt;
}

}  // namespace arena::proto
