// The adaptive binary range coder under the range-coded snapshot codec
// (range_codec.cpp; docs/PROTOCOL.md, "Range-coded streams"): LZMA's coder
// with warm-up, its decoder with the canonical-end check, a coder that only
// counts decisions (training), and the value codes built on any of them
// (bit trees, bucketed values, magnitudes by bit length, counts). Internal.
#pragma once

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace tickwire::replication::rc {

// ---- The binary range coder -------------------------------------------------

using Prob = std::uint16_t;  // a model of one binary decision (adapt())

constexpr std::uint32_t kProbBits = 11;
constexpr std::uint32_t kProbOne = 1u << kProbBits;
constexpr Prob kProbInit = kProbOne / 2;
constexpr std::uint32_t kMoveBits = 5;
constexpr std::uint32_t kProbMask = kProbOne - 1;
constexpr std::uint32_t kWarmUp = 3;
constexpr std::uint32_t kProbMin = 31;  // adapt() keeps a model within 31 .. 2017
// Trained starting probabilities skip the warm-up: 1/32 from the first update.
constexpr std::uint32_t kPriorWarmUp = kWarmUp;

// A model: the probability of a 0 in 1/2048 in the low 11 bits, and in the
// bits above how many of its first kWarmUp updates it has had. Those move it
// faster (by 1/2^(kMoveBits - kWarmUp + n) of the error), then every update
// by 1/32, so it stays within 31 .. 2017 (LZMA's bounds).
inline void adapt(Prob& model, std::uint32_t b) noexcept {
  std::uint32_t p = model & kProbMask;
  const std::uint32_t n = model >> kProbBits;
  const std::uint32_t shift = kMoveBits - kWarmUp + n;
  if (b == 0)
    p += (kProbOne - p) >> shift;
  else
    p -= p >> shift;
  model = static_cast<Prob>(p | ((n < kWarmUp ? n + 1 : n) << kProbBits));
}
constexpr std::uint32_t kTopValue = 1u << 24;  // the range is normalized to stay >= this
// Bytes the encoder flushes at the end, and the decoder reads at the start.
constexpr std::uint32_t kFlushBytes = 4;
// Bit trees model at most this many high bits of a value; lower bits go direct.
constexpr std::uint32_t kTreeBits = 8;
constexpr std::uint32_t kTreeSize = 1u << kTreeBits;

constexpr std::uint32_t tree_size(std::uint32_t bits) {
  return 1u << std::min(bits, kTreeBits);
}

// Writes into a caller-owned buffer; past its end nothing more is stored and
// overflow() is set. The first byte LZMA's coder emits is always 0 (the code
// interval starts inside [0, 1)), so it is left out.
class RangeEncoder {
 public:
  explicit RangeEncoder(std::span<std::uint8_t> out) noexcept : out_(out) {}

  std::uint32_t bit(Prob& model, std::uint32_t b) noexcept {
    const std::uint32_t p = model & kProbMask;
    const std::uint32_t bound = (range_ >> kProbBits) * p;
    if (b == 0) {
      range_ = bound;
    } else {
      low_ += bound;
      range_ -= bound;
    }
    adapt(model, b);
    normalize();
    return b;
  }
  // The low `bits` bits of value (0 .. 32), highest first, each at 1/2.
  std::uint32_t direct(std::uint32_t value, std::uint32_t bits) noexcept {
    for (std::uint32_t i = bits; i-- > 0;) {
      range_ >>= 1;
      if (((value >> i) & 1u) != 0) low_ += range_;
      normalize();
    }
    return value;
  }
  // Flushes the low end of the interval (kFlushBytes bytes after the held-back
  // ones). Returns the stream size, bytes.
  std::size_t finish() noexcept {
    for (std::uint32_t i = 0; i <= kFlushBytes; ++i) shift_low();
    return pos_;
  }
  [[nodiscard]] bool overflow() const noexcept { return overflow_; }

 private:
  void normalize() noexcept {
    while (range_ < kTopValue) {
      range_ <<= 8;
      shift_low();
    }
  }
  void shift_low() noexcept {
    if (static_cast<std::uint32_t>(low_) < 0xFF000000u || (low_ >> 32) != 0) {
      const auto carry = static_cast<std::uint8_t>(low_ >> 32);
      std::uint8_t byte = cache_;
      do {
        put(static_cast<std::uint8_t>(byte + carry));
        byte = 0xFF;
      } while (--held_ != 0);
      cache_ = static_cast<std::uint8_t>(low_ >> 24);
    }
    ++held_;
    low_ = (low_ & 0x00FFFFFFu) << 8;
  }
  void put(std::uint8_t byte) noexcept {
    if (skip_first_) {
      skip_first_ = false;
    } else if (pos_ < out_.size()) {
      out_[pos_++] = byte;
    } else {
      overflow_ = true;
    }
  }

  std::span<std::uint8_t> out_;
  std::size_t pos_ = 0;
  std::uint64_t low_ = 0;  // 33 bits: bit 32 is a carry not yet added to the held bytes
  std::uint32_t range_ = 0xFFFFFFFFu;
  std::uint8_t cache_ = 0;  // the oldest held-back byte
  std::uint64_t held_ = 1;  // held-back bytes: cache_ then held_ - 1 bytes of 0xFF
  bool skip_first_ = true;  // the always-zero first byte
  bool overflow_ = false;
};

// Reads a stream from RangeEncoder. Past the end of the input every byte
// reads as 0 and overrun() is set. A valid stream ends with every byte read
// and code 0: the encoder flushes exactly the interval's low end.
class RangeDecoder {
 public:
  explicit RangeDecoder(std::span<const std::uint8_t> in) noexcept : in_(in) {
    for (std::uint32_t i = 0; i < kFlushBytes; ++i) code_ = (code_ << 8) | next();
    corrupt_ = code_ >= range_;
  }

  // The bit argument is the encoder's; the decoder ignores it.
  std::uint32_t bit(Prob& model, std::uint32_t /*unused*/ = 0) noexcept {
    const std::uint32_t bound = (range_ >> kProbBits) * (model & kProbMask);
    std::uint32_t b = 0;
    if (code_ < bound) {
      range_ = bound;
    } else {
      code_ -= bound;
      range_ -= bound;
      b = 1;
    }
    adapt(model, b);
    normalize();
    return b;
  }
  std::uint32_t direct(std::uint32_t /*unused*/, std::uint32_t bits) noexcept {
    std::uint32_t value = 0;
    for (std::uint32_t i = 0; i < bits; ++i) {
      range_ >>= 1;
      std::uint32_t b = 0;
      if (code_ >= range_) {
        code_ -= range_;
        b = 1;
        // An odd range halved leaves one code no encoder can reach; from
        // there the code could wrap back into range, so it is remembered.
        if (code_ >= range_) corrupt_ = true;
      }
      value = (value << 1) | b;
      normalize();
    }
    return value;
  }
  [[nodiscard]] bool overrun() const noexcept { return overrun_; }
  // Every byte read, the code at the encoder's flushed low end, and never a
  // code outside the range (where no encoder's output can lead): so a
  // stream that passes is exactly what the encoder wrote.
  [[nodiscard]] bool at_end() const noexcept {
    return pos_ == in_.size() && code_ == 0 && !corrupt_;
  }

 private:
  void normalize() noexcept {
    while (range_ < kTopValue) {
      range_ <<= 8;
      code_ = (code_ << 8) | next();
    }
  }
  std::uint32_t next() noexcept {
    if (pos_ < in_.size()) return in_[pos_++];
    overrun_ = true;
    return 0;
  }

  std::span<const std::uint8_t> in_;
  std::size_t pos_ = 0;
  std::uint32_t range_ = 0xFFFFFFFFu;
  std::uint32_t code_ = 0;
  bool overrun_ = false;
  bool corrupt_ = false;  // the code left the range (see direct())
};

// Training's coder: counts each decision by model, writes nothing.
class Tally {
 public:
  Tally(const Prob* first, std::vector<std::array<std::uint64_t, 2>>& counts) noexcept
      : first_(first), counts_(counts) {}
  std::uint32_t bit(Prob& model, std::uint32_t b) noexcept {
    ++counts_[static_cast<std::size_t>(&model - first_)][b];
    adapt(model, b);
    return b;
  }
  std::uint32_t direct(std::uint32_t value, std::uint32_t /*bits*/) noexcept { return value; }

 private:
  const Prob* first_;
  std::vector<std::array<std::uint64_t, 2>>& counts_;
};

// ---- Values, for either direction ------------------------------------------
//
// These take a RangeEncoder or a RangeDecoder. The encoder codes `value` and
// returns it; the decoder ignores `value` and returns what it read.

// A `bits`-bit value (0 .. 32): its high min(bits, kTreeBits) bits through
// the bit tree `tree` (tree_size(bits) models), the rest direct.
template <typename Coder>
std::uint32_t code_tree(Coder& c, Prob* tree, std::uint32_t value, std::uint32_t bits) {
  const std::uint32_t high_bits = std::min(bits, kTreeBits);
  const std::uint32_t low_bits = bits - high_bits;
  std::uint32_t node = 1;
  for (std::uint32_t i = high_bits; i-- > 0;)
    node = (node << 1) | c.bit(tree[node], (value >> (low_bits + i)) & 1u);
  const std::uint32_t high = node - (1u << high_bits);
  const std::uint32_t low_mask = low_bits == 0 ? 0 : (1u << low_bits) - 1;
  const std::uint32_t low = c.direct(value & low_mask, low_bits);
  return low_bits == 0 ? high : (high << low_bits) | low;
}

// Models of a bucketed code: N - 1 prefix bits, then a bit tree per bucket.
template <std::size_t N>
constexpr std::uint32_t bucket_models(const std::array<std::uint8_t, N>& /*buckets*/) {
  return static_cast<std::uint32_t>(N - 1 + N * kTreeSize);
}

template <typename Coder, std::size_t N>
std::uint64_t code_bucketed(Coder& c, Prob* models, std::uint64_t value,
                            const std::array<std::uint8_t, N>& buckets) {
  std::uint64_t first = 0;
  std::size_t k = 0;
  for (; k + 1 < N; ++k) {
    const std::uint64_t size = 1ull << buckets[k];
    if (c.bit(models[k], value >= first + size ? 1 : 0) == 0) break;
    first += size;
  }
  Prob* tree = models + (N - 1) + k * kTreeSize;
  return first + code_tree(c, tree, static_cast<std::uint32_t>(value - first), buckets[k]);
}

// Magnitudes by their bit length ("class"): the class k, 0 .. max_class, in
// unary (a `more` model per step; the step after max_class is implied), then,
// for k >= 2, the bit below the leading one through top[k] and the k - 2 bits
// under it direct. A magnitude of class k lies in 2^(k-1) .. 2^k - 1.
inline std::uint32_t bit_length(std::uint64_t v) noexcept {
  return static_cast<std::uint32_t>(std::bit_width(v));
}

template <typename Coder>
std::uint64_t code_magnitude(Coder& c, Prob* more, Prob* top, std::uint64_t value,
                             std::uint32_t min_class, std::uint32_t max_class) {
  const std::uint32_t k_in = bit_length(value);
  std::uint32_t k = min_class;
  while (k < max_class && c.bit(more[k], k_in > k ? 1 : 0) == 1) ++k;
  if (k <= 1) return k;
  const std::uint32_t below = k - 2;  // bits under the modelled one
  std::uint64_t v = 2 | c.bit(top[k], static_cast<std::uint32_t>(value >> below) & 1u);
  if (below > 0) {
    const std::uint32_t low_in = static_cast<std::uint32_t>(value & ((1ull << below) - 1));
    v = (v << below) | c.direct(low_in, below);
  }
  return v;
}

// An unsigned count, gap or age (0 .. 2^32 - 1) as the magnitude of value +
// 1: kCountModels models, the `more` ones then the `top` ones.
constexpr std::uint32_t kCountClasses = 33;
constexpr std::uint32_t kCountModels = 2 * (kCountClasses + 1);
template <typename Coder>
std::uint64_t code_count(Coder& c, Prob* m, std::uint64_t value) {
  return code_magnitude(c, m, m + kCountClasses + 1, value + 1, 1, kCountClasses) - 1;
}

}  // namespace tickwire::replication::rc
