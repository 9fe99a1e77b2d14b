#include "replication/bitstream.hpp"

namespace tickwire::replication {

void BitWriter::write(std::uint32_t value, std::uint32_t bits) noexcept {
  if (bits == 0 || overflow_) return;
  const std::uint64_t mask = (bits >= 32) ? 0xFFFFFFFFull : ((1ull << bits) - 1);
  // Every byte this call completes must fit, or the call writes nothing.
  if (bytes_ + (pending_ + bits) / 8 > buffer_.size()) {
    overflow_ = true;
    return;
  }
  scratch_ = (scratch_ << bits) | (value & mask);  // pending_ + bits <= 39: fits
  pending_ += bits;
  bits_ += bits;
  while (pending_ >= 8) {
    pending_ -= 8;
    buffer_[bytes_++] = static_cast<std::uint8_t>(scratch_ >> pending_);
  }
  scratch_ &= (1ull << pending_) - 1;
}

std::size_t BitWriter::finish() noexcept {
  if (overflow_) return 0;
  if (pending_ > 0) {
    if (bytes_ >= buffer_.size()) {
      overflow_ = true;
      return 0;
    }
    buffer_[bytes_++] = static_cast<std::uint8_t>(scratch_ << (8 - pending_));
    scratch_ = 0;
    pending_ = 0;
  }
  return bytes_;
}

std::uint32_t BitReader::read(std::uint32_t bits) noexcept {
  if (overrun_) return 0;
  if (bits > size_bits_ - pos_) {
    overrun_ = true;
    pos_ = size_bits_;
    return 0;
  }
  std::uint64_t value = 0;
  while (bits > 0) {
    const std::uint32_t avail = 8 - static_cast<std::uint32_t>(pos_ & 7);
    const std::uint32_t take = bits < avail ? bits : avail;
    const std::uint32_t byte = data_[pos_ >> 3];
    value = (value << take) | ((byte >> (avail - take)) & ((1u << take) - 1));
    pos_ += take;
    bits -= take;
  }
  return static_cast<std::uint32_t>(value);
}

bool BitReader::at_padded_end() const noexcept {
  if (overrun_) return false;
  const std::size_t used_bytes = (pos_ + 7) / 8;
  if (used_bytes != data_.size()) return false;
  const std::uint32_t tail = static_cast<std::uint32_t>(pos_ & 7);
  if (tail == 0) return true;
  const std::uint32_t byte = data_[pos_ >> 3];
  return (byte & ((1u << (8 - tail)) - 1)) == 0;
}

}  // namespace tickwire::replication
