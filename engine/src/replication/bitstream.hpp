// Bit streams over caller-owned fixed buffers. Bits are written most
// significant first: a value's highest bit first, and each byte is filled from
// its most significant bit. Neither class allocates or throws; running past
// the buffer sets a sticky flag instead.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace tickwire::replication {

class BitWriter {
 public:
  explicit BitWriter(std::span<std::uint8_t> buffer) noexcept : buffer_(buffer) {}

  // Appends the low `bits` bits of value (0 .. 32 bits; higher bits ignored).
  // When the buffer is full nothing more is written and overflow() is set.
  // Inline: the codec calls it for every field it writes.
  void write(std::uint32_t value, std::uint32_t bits) noexcept {
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
  // Pads the last byte with zero bits. Returns the stream size, bytes.
  std::size_t finish() noexcept;
  // After finish(): overwrites `bits` bits (0 .. 32) at bit offset `at` with
  // `value`, for a field whose value is known only at the end. Ignored when
  // the bits lie beyond the stream.
  void patch(std::size_t at, std::uint32_t value, std::uint32_t bits) noexcept;

  [[nodiscard]] bool overflow() const noexcept { return overflow_; }
  [[nodiscard]] std::size_t bits_written() const noexcept { return bits_; }

 private:
  std::span<std::uint8_t> buffer_;
  std::uint64_t scratch_ = 0;  // pending bits, low `pending_` bits valid
  std::uint32_t pending_ = 0;  // 0 .. 7 between calls
  std::size_t bytes_ = 0;      // whole bytes stored
  std::size_t bits_ = 0;       // bits accepted
  bool overflow_ = false;
};

class BitReader {
 public:
  explicit BitReader(std::span<const std::uint8_t> data) noexcept
      : data_(data), size_bits_(data.size() * 8) {}

  // Reads `bits` bits (0 .. 32). Past the end it returns 0, sets overrun()
  // and reads nothing more.
  std::uint32_t read(std::uint32_t bits) noexcept;

  [[nodiscard]] bool overrun() const noexcept { return overrun_; }
  [[nodiscard]] std::size_t bits_read() const noexcept { return pos_; }
  [[nodiscard]] std::size_t bits_left() const noexcept { return size_bits_ - pos_; }
  // True when everything after the current position is the zero padding of
  // the current byte (no further bytes, no set bits).
  [[nodiscard]] bool at_padded_end() const noexcept;

 private:
  std::span<const std::uint8_t> data_;
  std::size_t size_bits_;
  std::size_t pos_ = 0;
  bool overrun_ = false;
};

}  // namespace tickwire::replication
