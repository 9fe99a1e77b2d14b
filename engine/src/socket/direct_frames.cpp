#include "socket/direct_frames.hpp"

namespace tickwire::socket {

void begin_direct(std::vector<std::uint8_t>& out, std::uint16_t peer) {
  out.clear();
  out.push_back(static_cast<std::uint8_t>(peer & 0xFF));
  out.push_back(static_cast<std::uint8_t>(peer >> 8));
}

void append_direct_frame(std::vector<std::uint8_t>& out, std::uint8_t channel,
                         std::span<const std::uint8_t> message) {
  out.push_back(channel);
  const std::size_t n = message.size();
  if (n < 0x80) {
    out.push_back(static_cast<std::uint8_t>(n));
  } else {
    out.push_back(static_cast<std::uint8_t>(0x80 | (n & 0x7F)));
    out.push_back(static_cast<std::uint8_t>(n >> 7));
  }
  out.insert(out.end(), message.begin(), message.end());
}

DirectReader::DirectReader(std::span<const std::uint8_t> plain) noexcept : plain_(plain) {
  if (has_head()) {
    peer_ = static_cast<std::uint16_t>(plain[0] | (plain[1] << 8));
  } else {
    malformed_ = true;
  }
}

bool DirectReader::next(DirectFrame& out) noexcept {
  if (malformed_ || at_ == plain_.size()) return false;
  const std::size_t left = plain_.size() - at_;
  if (left < 2) {
    malformed_ = true;
    return false;
  }
  const std::uint8_t channel = plain_[at_];
  std::size_t length = plain_[at_ + 1];
  std::size_t head = 2;
  if (length & 0x80) {
    // A second byte, which must be needed: 1..0x7F (a zero would mean the
    // length fitted in one byte).
    if (left < 3 || plain_[at_ + 2] == 0 || plain_[at_ + 2] > 0x7F) {
      malformed_ = true;
      return false;
    }
    length = (length & 0x7F) | (std::size_t{plain_[at_ + 2]} << 7);
    head = 3;
  }
  if (left - head < length) {
    malformed_ = true;
    return false;
  }
  out.channel = channel;
  out.message = plain_.subspan(at_ + head, length);
  at_ += head + length;
  return true;
}

bool DirectReader::valid(std::span<const std::uint8_t> plain, std::size_t channels) noexcept {
  DirectReader reader(plain);
  DirectFrame frame;
  std::size_t frames = 0;
  while (reader.next(frame)) {
    if (frame.channel >= channels) return false;
    ++frames;
  }
  return !reader.malformed() && frames > 0;
}

}  // namespace tickwire::socket
