// arena — the game protocol: message types, encoding and checked decoding.
//
// The wire format is FlatBuffers (sample_game/schemas/arena.fbs); nothing
// outside net/protocol.cpp sees FlatBuffers types. decode() verifies every
// buffer from the network (FlatBuffers Verifier, then ranges and finiteness)
// and never throws: a bad message is refused with a reason for the caller to
// count and drop.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sim/world.hpp"

namespace arena::proto {

// 2: world state as tickwire snapshots, InputBatch carries the snapshot ack.
// 3: input ticks are server ticks (client-side prediction), InputBatch
//    carries the view lag.
inline constexpr std::uint16_t kGameVersion = 3;
// tickwire protocol id of arena ("arena001"): other tickwire games are refused.
inline constexpr std::uint64_t kProtocolId = 0x6172656e61303031ull;
// Room code used when none is given (--code): traffic is still encrypted,
// but anyone running arena can join. A private match sets its own code.
inline constexpr std::size_t kMaxNameBytes = 15;            // after sanitising
inline constexpr int kMaxInputFrames = 8;                   // frames per InputBatch
inline constexpr std::size_t kMaxMessageBytes = 64 * 1024;  // larger messages are refused

// Lanes (tickwire's default layout).
inline constexpr std::uint8_t kLaneReliable = 0;  // Hello, Welcome, Scoreboard, Kill
// Client -> server: InputBatch. Server -> client: snapshot envelopes only.
inline constexpr std::uint8_t kLaneSequenced = 1;

struct HelloMsg {
  std::uint16_t game_version = kGameVersion;
  std::string name;  // sanitised on decode
};

struct WelcomeMsg {
  std::uint16_t game_version = kGameVersion;
  std::uint8_t slot = 0;
  std::uint32_t tick = 0;
  std::uint16_t tick_rate = sim::kTickRate;  // Hz
  std::uint16_t state_rate = 30;             // snapshots per second, Hz
};

struct InputFrame {
  std::uint32_t tick = 0;  // the server tick this input is for
  sim::Input input;        // raw: the simulation clamps it
};

struct InputMsg {
  std::array<InputFrame, kMaxInputFrames> frames{};  // [0] is the newest
  int count = 0;                                     // 1..kMaxInputFrames
  // Server tick of the newest snapshot the client holds (its delta
  // baseline); none before the first snapshot.
  std::optional<std::uint32_t> snapshot_ack;
  // The client's input tick minus the tick it draws other ships at, ticks
  // (sent in 1/16 ticks, 0..4095).
  float view_lag_ticks = 0;
};

struct PlayerInfo {
  std::uint8_t slot = 0;
  std::uint32_t uid = 0;
  std::string name;
  bool bot = false;
  std::int32_t score = 0;
  std::int32_t deaths = 0;
  std::uint16_t ping_ms = 0;
  std::uint32_t inputs_missing = 0;  // ticks the server stepped without this player's input
  std::uint32_t inputs_late = 0;     // inputs that reached the server after their tick
  float input_buffer_avg = 0;        // mean depth of its input buffer, ticks (sent in 1/16)
};

struct ScoreboardMsg {
  std::vector<PlayerInfo> players;  // at most sim::kMaxPlayers
};

struct KillMsg {
  std::uint32_t tick = 0;
  std::uint8_t killer = 0;
  std::uint8_t victim = 0;
};

using Message = std::variant<HelloMsg, WelcomeMsg, InputMsg, ScoreboardMsg, KillMsg>;

enum class DecodeResult : std::uint8_t {
  Ok,
  Malformed,   // not a valid arena buffer (size, identifier, FlatBuffers verifier)
  OutOfRange,  // valid buffer, but a value breaks the protocol's limits
  Unknown,     // no body or a body type this build does not know
};
const char* to_string(DecodeResult r) noexcept;

// Messages refused by decode(), by cause.
struct DecodeCounters {
  std::uint64_t malformed = 0;
  std::uint64_t out_of_range = 0;
  std::uint64_t unknown = 0;

  void count(DecodeResult r) noexcept;
  [[nodiscard]] std::uint64_t total() const noexcept { return malformed + out_of_range + unknown; }
};

// Decodes one message. On anything but ok, `out` is unspecified.
DecodeResult decode(std::span<const std::uint8_t> bytes, Message& out);

// Encoders: replace the contents of `out` with the message's bytes.
void encode(const HelloMsg& m, std::vector<std::uint8_t>& out);
void encode(const WelcomeMsg& m, std::vector<std::uint8_t>& out);
void encode(const InputMsg& m, std::vector<std::uint8_t>& out);
void encode(const ScoreboardMsg& m, std::vector<std::uint8_t>& out);
void encode(const KillMsg& m, std::vector<std::uint8_t>& out);

// A name fit to show: printable ASCII only (others become '?'), at most
// kMaxNameBytes, surrounding spaces trimmed; "player" when nothing is left.
std::string sanitize_name(std::string_view raw);

}  // namespace arena::proto
