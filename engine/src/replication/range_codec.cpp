// The range-coded snapshot codec (make_range_codec). It codes the records of
// the bit-packed delta codec (docs/PROTOCOL.md, "Snapshots": the same walk,
// index gaps, kinds, field masks and component deltas, in the same order),
// but every decision and value bit goes through an adaptive binary range
// coder instead of being written as a bit.
//
// The coder is LZMA's: 11-bit probabilities adapted by 1/32 of the error, a
// 32-bit range normalized a byte at a time, carries propagated through the
// held-back bytes. Every model starts at 1/2 at the start of each stream, so
// a stream decodes on its own (the snapshot ring and lost packets rule out
// state kept across snapshots). Since a model sees only one stream, its
// first three updates move it faster (by 1/4, 1/8, 1/16: 3.5% smaller
// streams on tw-bench cubes than 1/32 throughout).
//
// Stream: the coder's bytes, without LZMA's first byte (always 0), ending
// with the 4 bytes of the interval's low end that the encoder flushes. The
// decoder reads 4 bytes to start and one per normalization, and accepts a
// stream only when, after the last record, it has read exactly every byte
// (reading more is `overrun`) and its code is 0 (the flushed low end); else
// `trailing_data`. Every valid stream is thus the encoder's exact output.
//
// What is coded, in order, and with which models (a "tree" models the high
// min(bits, 8) bits of a value bit by bit, the rest go at 1/2 "direct"):
//   tick           32 direct bits
//   is_delta       1 model
//   [age]          AGE prefix bit: 1 model; payload: a tree per bucket
//   entity_count   13 direct bits
//   record_count   13 direct bits
//   per record:
//     gap          GAP prefix bits: a model each; payload: a tree per bucket
//     [kind]       2 models, chosen by the previous record's kind
//     create       type: a tree; GEN like GAP; each code: the component's
//                  raw tree (2-bit and smaller components: their create tree)
//     update       mask: per type, per field, 8 models chosen by the mask
//                  bits of the 3 fields before; per component of more than 2 bits
//                  the DELTA prefix bits (changed, not small, not medium) and
//                  the two signs a model each, and trees for the small and
//                  medium magnitudes and the raw code; components of 1 or 2
//                  bits a tree per baseline code.
#include <algorithm>
#include <array>
#include <vector>

#include "replication/delta_walk.hpp"
#include "replication/quantize.hpp"
#include "tickwire/snapshot_codec.hpp"

namespace tickwire {
namespace {

using replication::kAgeBuckets;
using replication::kCountBits;
using replication::kGapBuckets;
using replication::kGenerationBuckets;
using replication::kRawOnlyBits;
using replication::kTickBits;
using replication::medium_bits;
using replication::RecordKind;
using replication::small_bits;
using replication::walk;

// ---- The binary range coder -------------------------------------------------

using Prob = std::uint16_t;  // a model of one binary decision (adapt())

constexpr std::uint32_t kProbBits = 11;
constexpr std::uint32_t kProbOne = 1u << kProbBits;
constexpr Prob kProbInit = kProbOne / 2;
constexpr std::uint32_t kMoveBits = 5;
constexpr std::uint32_t kProbMask = kProbOne - 1;
constexpr std::uint32_t kWarmUp = 3;

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
      }
      value = (value << 1) | b;
      normalize();
    }
    return value;
  }
  [[nodiscard]] bool overrun() const noexcept { return overrun_; }
  // Every byte read and the code at the encoder's flushed low end. (A stream
  // that went corrupt keeps code >= range, so it never ends at 0.)
  [[nodiscard]] bool at_end() const noexcept { return pos_ == in_.size() && code_ == 0; }

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

// ---- Model layout -----------------------------------------------------------

// Stream models, at the start of the model table.
constexpr std::uint32_t kIsDeltaAt = 0;
constexpr std::uint32_t kAgeAt = kIsDeltaAt + 1;
constexpr std::uint32_t kGapAt = kAgeAt + bucket_models(kAgeBuckets);
constexpr std::uint32_t kGenerationAt = kGapAt + bucket_models(kGapBuckets);
constexpr std::uint32_t kKindAt = kGenerationAt + bucket_models(kGenerationBuckets);  // [prev][2]
constexpr std::uint32_t kTypeAt = kKindAt + 3 * 2;
constexpr std::uint32_t kStreamModels = kTypeAt + kTreeSize;

// A mask bit's model is chosen by the bits of the fields just before it.
constexpr std::uint32_t kMaskContextBits = 3;

// Models of one component of more than kRawOnlyBits bits, from its offset.
constexpr std::uint32_t kChangedAt = 0;     // 0: same as the baseline
constexpr std::uint32_t kNotSmallAt = 1;    // 0: a small delta
constexpr std::uint32_t kNotMediumAt = 2;   // 0: a medium delta, 1: raw
constexpr std::uint32_t kSmallSignAt = 3;   // 1: minus
constexpr std::uint32_t kMediumSignAt = 4;  // 1: minus
constexpr std::uint32_t kSmallTreeAt = 5;   // then the medium tree, then the raw tree
// A component of at most kRawOnlyBits bits: a 4-entry tree per context, the
// baseline's code (updates) or kRawCreateContext (creates).
constexpr std::uint32_t kRawCreateContext = 4;
constexpr std::uint32_t kRawOnlyModels = 5 * 4;

struct ComponentModels {
  std::uint32_t at = 0;                         // offset in the model table
  std::uint32_t medium_tree = 0, raw_tree = 0;  // offsets from `at`
};

std::uint32_t component_models(std::uint32_t bits, ComponentModels& out) {
  if (bits <= kRawOnlyBits) return kRawOnlyModels;
  out.medium_tree = kSmallTreeAt + tree_size(small_bits(bits));
  out.raw_tree = out.medium_tree + tree_size(medium_bits(bits));
  return out.raw_tree + tree_size(bits);
}

class RangeCodec final : public SnapshotCodec {
 public:
  RangeCodec(const Schema& schema, const ReplicationSettings& settings,
             std::unique_ptr<SnapshotCodec> delta)
      : schema_(schema), max_entities_(settings.max_entities), delta_(std::move(delta)) {
    // Each decision the range coder makes is one bit of the delta codec's
    // stream, and costs at most -log2(31/2048) < 6.05 bits (a probability
    // never adapts below 31/2048 nor above 2017/2048, warm-up included); add
    // the flushed bytes and some slack.
    max_bytes_ = (delta_->max_encoded_bytes() * 25 + 3) / 4 + kFlushBytes + 4;
    std::uint32_t at = kStreamModels;
    type_begin_.resize(schema.type_count() + 1);
    component_first_.resize(schema.type_count());
    for (std::uint32_t t = 0; t < schema.type_count(); ++t) {
      const TypeLayout& layout = schema.layout(static_cast<TypeId>(t));
      type_begin_[t] = at;
      at += static_cast<std::uint32_t>(layout.fields.size()) << kMaskContextBits;  // mask bits
      component_first_[t] = static_cast<std::uint32_t>(components_.size());
      for (const ComponentLayout& c : layout.components) {
        ComponentModels m;
        m.at = at;
        at += component_models(c.bits, m);
        components_.push_back(m);
      }
    }
    type_begin_[schema.type_count()] = at;
    type_epoch_.assign(schema.type_count(), 0);
    models_.assign(at, kProbInit);
    records_.resize(max_entities_);
  }

  [[nodiscard]] std::size_t max_encoded_bytes() const noexcept override { return max_bytes_; }
  // The delta codec's costs: an estimate for this codec, usually above what
  // it writes for the common small deltas (the sender's budget loop codes the
  // view again if a stream comes out over budget).
  [[nodiscard]] std::uint32_t header_bits(bool delta) const noexcept override {
    return delta_->header_bits(delta);
  }
  [[nodiscard]] std::uint32_t record_bits(const Snapshot& current, const EntityRecord* cur,
                                          const Snapshot* baseline,
                                          const EntityRecord* base) const noexcept override {
    return delta_->record_bits(current, cur, baseline, base);
  }

 protected:
  EncodeResult do_encode(const Snapshot& current, const Snapshot* baseline,
                         std::span<std::uint8_t> out) noexcept override;
  SnapshotError do_decode(std::span<const std::uint8_t> in, const Snapshot* baseline,
                          Snapshot& out) noexcept override;

 private:
  struct Record {
    RecordKind kind = RecordKind::Update;
    const EntityRecord* cur = nullptr;
    const EntityRecord* base = nullptr;
    std::uint32_t mask = 0;
  };

  // Models back to 1/2 for a new stream: the stream's now, a type's when the
  // stream first uses it (so a schema of many types costs only what is used).
  void start_stream() noexcept {
    std::fill_n(models_.begin(), kStreamModels, kProbInit);
    if (++epoch_ == 0) {
      std::fill(type_epoch_.begin(), type_epoch_.end(), 0u);
      epoch_ = 1;
    }
  }
  Prob* type_models(TypeId type) noexcept {
    if (type_epoch_[type] != epoch_) {
      std::fill(models_.begin() + type_begin_[type], models_.begin() + type_begin_[type + 1],
                kProbInit);
      type_epoch_[type] = epoch_;
    }
    return models_.data() + type_begin_[type];
  }
  [[nodiscard]] const ComponentModels& component(TypeId type, std::size_t k) const noexcept {
    return components_[component_first_[type] + k];
  }

  template <typename Coder>
  std::uint32_t code_mask(Coder& c, TypeId type, std::uint32_t mask);
  template <typename Coder>
  std::uint32_t code_raw(Coder& c, TypeId type, std::size_t k, std::uint32_t code);
  void encode_component(RangeEncoder& e, TypeId type, std::size_t k, std::uint32_t cur,
                        std::uint32_t base);
  bool decode_component(RangeDecoder& d, TypeId type, std::size_t k, std::uint32_t base,
                        std::uint32_t& out);

  [[nodiscard]] bool fits(const Snapshot& s) const noexcept {
    return s.conforms(schema_, max_entities_);
  }

  const Schema& schema_;
  std::uint32_t max_entities_;
  std::unique_ptr<SnapshotCodec> delta_;  // for header_bits() and record_bits()
  std::size_t max_bytes_ = 0;
  std::vector<Prob> models_;                    // stream models, then each type's
  std::vector<std::uint32_t> type_begin_;       // per type (+ 1): offset of its models
  std::vector<std::uint32_t> type_epoch_;       // per type: stream that last reset it
  std::uint32_t epoch_ = 0;                     // the current stream
  std::vector<std::uint32_t> component_first_;  // per type: index of its first component
  std::vector<ComponentModels> components_;     // per type and word
  std::vector<Record> records_;                 // encode: max_entities records
};

// An update's field mask, field 0 first; each bit's model depends on whether
// the field before it changed.
template <typename Coder>
std::uint32_t RangeCodec::code_mask(Coder& c, TypeId type, std::uint32_t mask) {
  Prob* m = type_models(type);
  const auto fields = static_cast<std::uint32_t>(schema_.layout(type).fields.size());
  std::uint32_t result = 0;
  std::uint32_t context = 0;  // the last kMaskContextBits mask bits
  for (std::uint32_t f = 0; f < fields; ++f) {
    const std::uint32_t bit = c.bit(m[(f << kMaskContextBits) + context], (mask >> f) & 1u);
    result |= bit << f;
    context = ((context << 1) | bit) & ((1u << kMaskContextBits) - 1);
  }
  return result;
}

// A code written whole (creates, and the raw form of an update's component).
template <typename Coder>
std::uint32_t RangeCodec::code_raw(Coder& c, TypeId type, std::size_t k, std::uint32_t code) {
  (void)type_models(type);
  const ComponentModels& cm = component(type, k);
  const std::uint32_t bits = schema_.layout(type).components[k].bits;
  Prob* m = models_.data() + cm.at;
  if (bits <= kRawOnlyBits) return code_tree(c, m + std::size_t{4} * kRawCreateContext, code, bits);
  return code_tree(c, m + cm.raw_tree, code, bits);
}

void RangeCodec::encode_component(RangeEncoder& e, TypeId type, std::size_t k, std::uint32_t cur,
                                  std::uint32_t base) {
  const ComponentModels& cm = component(type, k);
  const std::uint32_t bits = schema_.layout(type).components[k].bits;
  Prob* m = models_.data() + cm.at;
  if (bits <= kRawOnlyBits) {
    code_tree(e, m + std::size_t{4} * base, cur, bits);
    return;
  }
  if (e.bit(m[kChangedAt], cur != base ? 1 : 0) == 0) return;
  const std::uint32_t negative = cur < base ? 1 : 0;
  const std::uint64_t d = (negative != 0 ? base - cur : cur - base) - 1ull;  // |delta| - 1
  const std::uint32_t s = small_bits(bits);
  const std::uint32_t md = medium_bits(bits);
  const std::uint64_t small_size = 1ull << s;
  if (d < small_size) {
    e.bit(m[kNotSmallAt], 0);
    e.bit(m[kSmallSignAt], negative);
    code_tree(e, m + kSmallTreeAt, static_cast<std::uint32_t>(d), s);
  } else if (d - small_size < (1ull << md)) {
    e.bit(m[kNotSmallAt], 1);
    e.bit(m[kNotMediumAt], 0);
    e.bit(m[kMediumSignAt], negative);
    code_tree(e, m + cm.medium_tree, static_cast<std::uint32_t>(d - small_size), md);
  } else {
    e.bit(m[kNotSmallAt], 1);
    e.bit(m[kNotMediumAt], 1);
    code_tree(e, m + cm.raw_tree, cur, bits);
  }
}

// Reads one component coded against `base`. False when the result lies
// outside 0 .. max_code.
bool RangeCodec::decode_component(RangeDecoder& d, TypeId type, std::size_t k, std::uint32_t base,
                                  std::uint32_t& out) {
  const ComponentModels& cm = component(type, k);
  const ComponentLayout c = schema_.layout(type).components[k];
  Prob* m = models_.data() + cm.at;
  if (c.bits <= kRawOnlyBits) {
    // base <= max_code < 4: the baseline conforms.
    out = code_tree(d, m + std::size_t{4} * std::min(base, 3u), 0, c.bits);
    return out <= c.max_code;
  }
  if (d.bit(m[kChangedAt]) == 0) {
    out = base;
    return out <= c.max_code;
  }
  std::int64_t magnitude = 0;
  bool negative = false;
  if (d.bit(m[kNotSmallAt]) == 0) {
    negative = d.bit(m[kSmallSignAt]) == 1;
    magnitude =
        static_cast<std::int64_t>(code_tree(d, m + kSmallTreeAt, 0, small_bits(c.bits))) + 1;
  } else if (d.bit(m[kNotMediumAt]) == 0) {
    negative = d.bit(m[kMediumSignAt]) == 1;
    magnitude =
        static_cast<std::int64_t>(code_tree(d, m + cm.medium_tree, 0, medium_bits(c.bits))) +
        (1ll << small_bits(c.bits)) + 1;
  } else {
    out = code_tree(d, m + cm.raw_tree, 0, c.bits);
    return out <= c.max_code;
  }
  const std::int64_t value = static_cast<std::int64_t>(base) + (negative ? -magnitude : magnitude);
  if (value < 0 || value > static_cast<std::int64_t>(c.max_code)) return false;
  out = static_cast<std::uint32_t>(value);
  return true;
}

EncodeResult RangeCodec::do_encode(const Snapshot& current, const Snapshot* baseline,
                                   std::span<std::uint8_t> out) noexcept {
  if (!fits(current) || (baseline != nullptr && !fits(*baseline)))
    return {SnapshotError::BadSnapshot, 0};
  // The records first: the header states their count.
  std::uint32_t records = 0;
  bool too_many = false;
  walk(schema_, current, baseline,
       [&](RecordKind kind, const EntityRecord* cur, const EntityRecord* base, std::uint32_t mask) {
         if (records == records_.size()) {
           too_many = true;
           return;
         }
         records_[records++] = Record{kind, cur, base, mask};
       });
  if (too_many) return {SnapshotError::BadSnapshot, 0};

  start_stream();
  RangeEncoder e(out);
  Prob* m = models_.data();
  e.direct(current.tick(), kTickBits);
  e.bit(m[kIsDeltaAt], baseline != nullptr ? 1 : 0);
  if (baseline != nullptr)
    code_bucketed(e, m + kAgeAt, current.tick() - baseline->tick(), kAgeBuckets);
  e.direct(current.size(), kCountBits);
  e.direct(records, kCountBits);

  std::int64_t prev = -1;
  std::uint32_t prev_kind = 0;
  for (std::uint32_t n = 0; n < records; ++n) {
    const Record& r = records_[n];
    const std::uint32_t index = (r.cur != nullptr ? r.cur : r.base)->id.index();
    code_bucketed(e, m + kGapAt, static_cast<std::uint64_t>(index - prev - 1), kGapBuckets);
    prev = index;
    if (baseline != nullptr) {
      Prob* kind = m + kKindAt + std::size_t{2} * prev_kind;
      if (e.bit(kind[0], r.kind == RecordKind::Update ? 0 : 1) == 1)
        e.bit(kind[1], r.kind == RecordKind::Create ? 0 : 1);
      prev_kind = static_cast<std::uint32_t>(r.kind);
    }
    if (r.kind == RecordKind::Remove) continue;
    const TypeId type = r.cur->type;
    const TypeLayout& layout = schema_.layout(type);
    const auto codes = current.codes(*r.cur);
    if (r.kind == RecordKind::Create) {
      code_tree(e, m + kTypeAt, type, schema_.type_bits());
      code_bucketed(e, m + kGenerationAt, r.cur->id.generation(), kGenerationBuckets);
      for (std::size_t k = 0; k < layout.components.size(); ++k) code_raw(e, type, k, codes[k]);
      continue;
    }
    const auto base_codes = baseline->codes(*r.base);
    code_mask(e, type, r.mask);
    for (std::size_t f = 0; f < layout.fields.size(); ++f) {
      if ((r.mask & (1u << f)) == 0) continue;
      const FieldLayout& fl = layout.fields[f];
      for (std::uint32_t k = fl.first_word; k < fl.first_word + fl.words; ++k)
        encode_component(e, type, k, codes[k], base_codes[k]);
    }
  }
  const std::size_t bytes = e.finish();
  if (e.overflow()) return {SnapshotError::BufferTooSmall, 0};
  return {SnapshotError::None, bytes};
}

SnapshotError RangeCodec::do_decode(std::span<const std::uint8_t> in, const Snapshot* baseline,
                                    Snapshot& out) noexcept {
  start_stream();
  RangeDecoder d(in);
  Prob* m = models_.data();
  out.clear(0);
  // Past the end every byte reads as 0, so the reason reported is overrun
  // whenever the stream ran out before a check failed.
  auto fail = [&](SnapshotError e) {
    out.clear(0);
    return d.overrun() ? SnapshotError::Overrun : e;
  };

  const std::uint32_t tick = d.direct(0, kTickBits);
  const bool delta = d.bit(m[kIsDeltaAt]) == 1;
  const Snapshot* base = nullptr;
  if (delta) {
    const std::uint64_t age = code_bucketed(d, m + kAgeAt, 0, kAgeBuckets);
    if (age > 0xFFFFFFFFull) return fail(SnapshotError::BadHeader);
    if (d.overrun()) return fail(SnapshotError::Overrun);
    if (baseline == nullptr) return fail(SnapshotError::MissingBaseline);
    if (baseline->tick() != tick - static_cast<std::uint32_t>(age))
      return fail(SnapshotError::WrongBaseline);
    base = baseline;
  }
  const std::uint32_t count = d.direct(0, kCountBits);
  const std::uint32_t records = d.direct(0, kCountBits);
  if (count > max_entities_ || records > max_entities_ || count > out.capacity())
    return fail(SnapshotError::TooManyEntities);
  out.clear(tick);

  const auto b = base != nullptr ? base->entities() : std::span<const EntityRecord>{};
  std::size_t j = 0;  // next baseline entity not yet copied or replaced
  auto copy_through = [&](const EntityRecord& e) {
    const auto dst = out.append(e.id, e.type, e.words);
    if (dst.size() != e.words || base == nullptr) return false;
    const auto src = base->codes(e);
    std::copy(src.begin(), src.end(), dst.begin());
    return true;
  };

  std::int64_t prev = -1;
  std::uint32_t prev_kind = 0;
  for (std::uint32_t n = 0; n < records; ++n) {
    const std::uint64_t index =
        static_cast<std::uint64_t>(prev + 1) + code_bucketed(d, m + kGapAt, 0, kGapBuckets);
    if (d.overrun()) return fail(SnapshotError::Overrun);
    if (index >= max_entities_) return fail(SnapshotError::IndexOutOfRange);
    prev = static_cast<std::int64_t>(index);
    for (; j < b.size() && b[j].id.index() < index; ++j)
      if (!copy_through(b[j])) return fail(SnapshotError::TooManyEntities);
    const EntityRecord* old = (j < b.size() && b[j].id.index() == index) ? &b[j] : nullptr;

    RecordKind kind = RecordKind::Create;
    if (delta) {
      Prob* km = m + kKindAt + std::size_t{2} * prev_kind;
      if (d.bit(km[0]) == 0)
        kind = RecordKind::Update;
      else
        kind = d.bit(km[1]) == 0 ? RecordKind::Create : RecordKind::Remove;
      prev_kind = static_cast<std::uint32_t>(kind);
    }
    if (d.overrun()) return fail(SnapshotError::Overrun);
    if (kind != RecordKind::Create && old == nullptr) return fail(SnapshotError::NoSuchEntity);
    if (old != nullptr) ++j;  // consumed: removed, updated or replaced
    if (kind == RecordKind::Remove) continue;

    if (kind == RecordKind::Create) {
      const std::uint32_t type = code_tree(d, m + kTypeAt, 0, schema_.type_bits());
      const std::uint64_t generation = code_bucketed(d, m + kGenerationAt, 0, kGenerationBuckets);
      if (d.overrun()) return fail(SnapshotError::Overrun);
      if (type >= schema_.type_count()) return fail(SnapshotError::UnknownType);
      if (generation == 0 || generation > EntityId::kMaxGeneration)
        return fail(SnapshotError::BadGeneration);
      const auto t = static_cast<TypeId>(type);
      const TypeLayout& layout = schema_.layout(t);
      const auto dst = out.append(
          EntityId::make(static_cast<std::uint32_t>(index), static_cast<std::uint32_t>(generation)),
          t, static_cast<std::uint16_t>(layout.words));
      if (dst.size() != layout.words) return fail(SnapshotError::TooManyEntities);
      for (std::size_t k = 0; k < layout.components.size(); ++k) {
        dst[k] = code_raw(d, t, k, 0);
        if (dst[k] > layout.components[k].max_code) return fail(SnapshotError::ValueOutOfRange);
      }
      if (d.overrun()) return fail(SnapshotError::Overrun);
      continue;
    }

    const TypeLayout& layout = schema_.layout(old->type);
    const auto field_count = static_cast<std::uint32_t>(layout.fields.size());
    const std::uint32_t mask = code_mask(d, old->type, 0);
    if (d.overrun()) return fail(SnapshotError::Overrun);
    if (mask == 0) return fail(SnapshotError::EmptyUpdate);
    const auto dst = out.append(old->id, old->type, old->words);
    if (dst.size() != old->words) return fail(SnapshotError::TooManyEntities);
    const auto base_codes = base->codes(*old);
    std::copy(base_codes.begin(), base_codes.end(), dst.begin());
    for (std::uint32_t f = 0; f < field_count; ++f) {
      if ((mask & (1u << f)) == 0) continue;
      const FieldLayout& fl = layout.fields[f];
      for (std::uint32_t k = fl.first_word; k < fl.first_word + fl.words; ++k)
        if (!decode_component(d, old->type, k, base_codes[k], dst[k]))
          return fail(SnapshotError::ValueOutOfRange);
    }
    if (d.overrun()) return fail(SnapshotError::Overrun);
  }
  for (; j < b.size(); ++j)
    if (!copy_through(b[j])) return fail(SnapshotError::TooManyEntities);
  if (out.size() != count) return fail(SnapshotError::CountMismatch);
  if (d.overrun()) return fail(SnapshotError::Overrun);
  if (!d.at_end()) return fail(SnapshotError::TrailingData);
  return SnapshotError::None;
}

}  // namespace

std::unique_ptr<SnapshotCodec> make_range_codec(const Schema& schema,
                                                const ReplicationSettings& settings) {
  auto delta = make_delta_codec(schema, settings);
  if (delta == nullptr) return nullptr;
  return std::make_unique<RangeCodec>(schema, settings, std::move(delta));
}

}  // namespace tickwire

namespace tickwire {

std::unique_ptr<SnapshotCodec> make_codec(const Schema& schema,
                                          const ReplicationSettings& settings) {
  return settings.coding == SnapshotCoding::Range ? make_range_codec(schema, settings)
                                                  : make_delta_codec(schema, settings);
}

}  // namespace tickwire
