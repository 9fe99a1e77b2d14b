// Fuzz target: arena's game message decoder (sample_game/net/protocol.cpp,
// FlatBuffers under the Verifier). Whatever decodes must be within the
// protocol's limits (names sanitised, slots and counts in range), and must
// encode and decode again to an equal message, or the target traps.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "proto/messages.hpp"

namespace {

using namespace arena::proto;
using arena::sim::kMaxPlayers;

// Floats compare by bits: the wire carries them raw, NaNs included.
bool same_bits(float a, float b) {
  std::uint32_t x = 0, y = 0;
  std::memcpy(&x, &a, sizeof x);
  std::memcpy(&y, &b, sizeof y);
  return x == y;
}

// What sanitize_name promises: 1..kMaxNameBytes printable ASCII characters,
// no space at either end.
bool sane_name(const std::string& name) {
  if (name.empty() || name.size() > kMaxNameBytes) return false;
  if (name.front() == ' ' || name.back() == ' ') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x7f;
  });
}

bool valid(const HelloMsg& m) {
  return sane_name(m.name);
}
bool valid(const WelcomeMsg& m) {
  return m.slot < kMaxPlayers && m.tick_rate != 0 && m.state_rate != 0 &&
         m.state_rate <= m.tick_rate;
}
bool valid(const InputMsg& m) {
  return m.count >= 1 && m.count <= kMaxInputFrames;
}
bool valid(const ScoreboardMsg& m) {
  return m.players.size() <= static_cast<std::size_t>(kMaxPlayers) &&
         std::all_of(m.players.begin(), m.players.end(),
                     [](const PlayerInfo& p) { return p.slot < kMaxPlayers && sane_name(p.name); });
}
bool valid(const KillMsg& m) {
  return m.killer < kMaxPlayers && m.victim < kMaxPlayers;
}

bool equal(const HelloMsg& a, const HelloMsg& b) {
  return a.game_version == b.game_version && a.name == b.name;
}
bool equal(const WelcomeMsg& a, const WelcomeMsg& b) {
  return a.game_version == b.game_version && a.slot == b.slot && a.tick == b.tick &&
         a.tick_rate == b.tick_rate && a.state_rate == b.state_rate;
}
bool equal(const InputMsg& a, const InputMsg& b) {
  if (a.count != b.count || a.snapshot_ack != b.snapshot_ack) return false;
  for (int i = 0; i < a.count; ++i) {
    const InputFrame& x = a.frames[static_cast<std::size_t>(i)];
    const InputFrame& y = b.frames[static_cast<std::size_t>(i)];
    if (x.tick != y.tick || !same_bits(x.input.move_x, y.input.move_x) ||
        !same_bits(x.input.move_y, y.input.move_y) || !same_bits(x.input.aim_x, y.input.aim_x) ||
        !same_bits(x.input.aim_y, y.input.aim_y) || x.input.fire != y.input.fire)
      return false;
  }
  return true;
}
bool equal(const ScoreboardMsg& a, const ScoreboardMsg& b) {
  return std::equal(a.players.begin(), a.players.end(), b.players.begin(), b.players.end(),
                    [](const PlayerInfo& x, const PlayerInfo& y) {
                      return x.slot == y.slot && x.uid == y.uid && x.name == y.name &&
                             x.bot == y.bot && x.score == y.score && x.deaths == y.deaths &&
                             x.ping_ms == y.ping_ms;
                    });
}
bool equal(const KillMsg& a, const KillMsg& b) {
  return a.tick == b.tick && a.killer == b.killer && a.victim == b.victim;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static DecodeCounters counters;
  static std::vector<std::uint8_t> encoded;
  Message msg;
  const DecodeResult r = decode(std::span<const std::uint8_t>(data, size), msg);
  counters.count(r);
  if (r != DecodeResult::Ok) return 0;
  std::visit(
      [](const auto& m) {
        using Msg = std::decay_t<decltype(m)>;
        if (!valid(m)) __builtin_trap();
        encode(m, encoded);
        if (encoded.size() > kMaxMessageBytes) __builtin_trap();
        Message again;
        if (decode(encoded, again) != DecodeResult::Ok) __builtin_trap();
        const Msg* back = std::get_if<Msg>(&again);
        if (back == nullptr || !equal(m, *back)) __builtin_trap();
      },
      msg);
  return 0;
}
