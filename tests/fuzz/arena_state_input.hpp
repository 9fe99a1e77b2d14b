// What fuzz_arena_state and the arena seed maker share: how one fuzz input
// holds a sequence of snapshot envelopes, so that deltas can refer to
// baselines sent earlier in the same input. Each record is a 2-byte
// little-endian length, then that many bytes; a record longer than what is
// left takes the rest. At most kMaxEnvelopes records are read.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace arena::fuzz {

inline constexpr std::size_t kMaxEnvelopes = 16;

// Calls `fn(envelope)` for each record of `input`, in order.
template <typename Fn>
void for_each_envelope(std::span<const std::uint8_t> input, Fn fn) {
  for (std::size_t n = 0; n < kMaxEnvelopes && input.size() >= 2; ++n) {
    const std::size_t want = input[0] | static_cast<std::size_t>(input[1]) << 8;
    input = input.subspan(2);
    const std::size_t take = want < input.size() ? want : input.size();
    fn(input.first(take));
    input = input.subspan(take);
  }
}

// Appends one record (envelopes above 65535 bytes do not occur: tickwire's
// budget keeps them near a datagram).
inline void append_envelope(std::vector<std::uint8_t>& input,
                            std::span<const std::uint8_t> envelope) {
  const std::size_t n = envelope.size() < 0xffff ? envelope.size() : 0xffff;
  input.push_back(static_cast<std::uint8_t>(n & 0xff));
  input.push_back(static_cast<std::uint8_t>(n >> 8));
  input.insert(input.end(), envelope.begin(), envelope.begin() + static_cast<std::ptrdiff_t>(n));
}

}  // namespace arena::fuzz
