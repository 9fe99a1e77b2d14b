#include "replication/bitstream.hpp"

namespace tickwire::replication {

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

void BitWriter::patch(std::size_t at, std::uint32_t value, std::uint32_t bits) noexcept {
  if (overflow_ || pending_ != 0 || bits > 32 || at + bits > bytes_ * 8) return;
  for (std::uint32_t k = 0; k < bits; ++k) {
    const std::size_t pos = at + k;
    const auto bit = static_cast<std::uint8_t>(0x80u >> (pos & 7));
    if ((value >> (bits - 1 - k)) & 1u)
      buffer_[pos >> 3] |= bit;
    else
      buffer_[pos >> 3] &= static_cast<std::uint8_t>(~bit);
  }
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
