// The plaintext of a Direct packet (docs/PROTOCOL.md, "The direct lane"):
// messages that travel sealed beside ENet instead of through it.
//
//   peer (2, little-endian) | frame | frame | ...
//   frame = channel (1) | length (1..2, LEB128) | message (length bytes)
//
// `peer` is what ENet would put in its own datagram header to the receiver:
// the receiver's peer index for this connection in the low 12 bits, ENet's
// session in bits 12..13, and zero above. Pure format: no ENet, no sockets.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace tickwire::socket {

inline constexpr std::size_t kDirectHeadBytes = 2;
// The longest message a frame can carry (two LEB128 bytes).
inline constexpr std::size_t kDirectMaxMessage = 0x3FFF;

// Bytes a frame carrying `size` message bytes takes (size <= kDirectMaxMessage).
constexpr std::size_t direct_frame_bytes(std::size_t size) noexcept {
  return 1 + (size < 0x80 ? 1 : 2) + size;
}

// Starts a datagram for `peer` in `out` (cleared first).
void begin_direct(std::vector<std::uint8_t>& out, std::uint16_t peer);
// Appends one frame; `message` is at most kDirectMaxMessage bytes.
void append_direct_frame(std::vector<std::uint8_t>& out, std::uint8_t channel,
                         std::span<const std::uint8_t> message);

struct DirectFrame {
  std::uint8_t channel = 0;
  std::span<const std::uint8_t> message;
};

// Walks a Direct packet's plaintext. Nothing in it is trusted: a head or a
// frame that does not fit is malformed, and so is a datagram without frames
// or a length written in more bytes than it needs (every valid datagram has
// exactly one encoding).
class DirectReader {
 public:
  explicit DirectReader(std::span<const std::uint8_t> plain) noexcept;
  // False when the datagram is shorter than its head.
  [[nodiscard]] bool has_head() const noexcept { return plain_.size() >= kDirectHeadBytes; }
  [[nodiscard]] std::uint16_t peer() const noexcept { return peer_; }
  // The next frame; false at the end or at a malformed frame (see malformed()).
  bool next(DirectFrame& out) noexcept;
  [[nodiscard]] bool malformed() const noexcept { return malformed_; }
  // Walks the whole datagram: true when it has a head and at least one
  // frame, all well formed, on channels below `channels`.
  [[nodiscard]] static bool valid(std::span<const std::uint8_t> plain,
                                  std::size_t channels) noexcept;

 private:
  std::span<const std::uint8_t> plain_;
  std::size_t at_ = kDirectHeadBytes;
  std::uint16_t peer_ = 0;
  bool malformed_ = false;
};

}  // namespace tickwire::socket
