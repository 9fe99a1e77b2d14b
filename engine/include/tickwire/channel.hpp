// tickwire — channels (lanes) and their delivery guarantees.
//
// A connection carries up to 255 channels. Each is one ENet channel with one
// delivery kind, so a lost message on one lane never holds back another.
#pragma once

#include <cstdint>
#include <vector>

namespace tickwire {

enum class ChannelKind : std::uint8_t {
  // Every message arrives exactly once, in send order; retransmitted on loss.
  ReliableOrdered = 0,
  // At most once; a message older than one already delivered is dropped.
  // For state that a newer copy replaces (snapshots, inputs).
  UnreliableSequenced = 1,
  // At most once, in any order; duplicates are dropped.
  Unreliable = 2,
};

const char* to_string(ChannelKind kind) noexcept;

// The three lanes every tickwire connection has unless the game changes them.
// Index 0: ReliableOrdered, 1: UnreliableSequenced, 2: Unreliable.
inline constexpr std::uint8_t kChannelReliable = 0;
inline constexpr std::uint8_t kChannelSequenced = 1;
inline constexpr std::uint8_t kChannelUnreliable = 2;

inline std::vector<ChannelKind> default_channels() {
  return {ChannelKind::ReliableOrdered, ChannelKind::UnreliableSequenced, ChannelKind::Unreliable};
}

}  // namespace tickwire
