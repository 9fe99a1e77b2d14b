// The bit-packed snapshot delta codec. The format is specified bit by bit in
// docs/PROTOCOL.md, "Snapshots"; the constants named there are in
// delta_walk.hpp, shared with the range codec.
#include <algorithm>
#include <array>

#include "replication/bitstream.hpp"
#include "replication/delta_walk.hpp"
#include "replication/quantize.hpp"
#include "tickwire/snapshot_codec.hpp"

namespace tickwire {
namespace {

using replication::BitReader;
using replication::BitWriter;
using replication::changed_mask;
using replication::kAgeBuckets;
using replication::kCountBits;
using replication::kGapBuckets;
using replication::kGenerationBuckets;
using replication::kRawOnlyBits;
using replication::kTickBits;
using replication::medium_bits;
using replication::RecordKind;
using replication::same_words;
using replication::small_bits;
using replication::walk;

template <std::size_t N>
void write_bucketed(BitWriter& w, std::uint64_t value, const std::array<std::uint8_t, N>& buckets) {
  for (std::size_t k = 0; k < N; ++k) {
    const std::uint64_t size = 1ull << buckets[k];
    if (value < size || k + 1 == N) {
      if (k + 1 < N)
        w.write(((1u << k) - 1) << 1, static_cast<std::uint32_t>(k + 1));
      else
        w.write((1u << k) - 1, static_cast<std::uint32_t>(k));
      w.write(static_cast<std::uint32_t>(value), buckets[k]);
      return;
    }
    value -= size;
  }
}

template <std::size_t N>
std::uint64_t read_bucketed(BitReader& r, const std::array<std::uint8_t, N>& buckets) {
  std::uint64_t base = 0;
  std::size_t k = 0;
  while (k + 1 < N && r.read(1) == 1) {
    base += 1ull << buckets[k];
    ++k;
  }
  return base + r.read(buckets[k]);
}

void write_component(BitWriter& w, std::uint32_t cur, std::uint32_t base, std::uint32_t bits) {
  if (bits <= kRawOnlyBits) {
    w.write(cur, bits);
    return;
  }
  if (cur == base) {
    w.write(0, 1);
    return;
  }
  const bool negative = cur < base;
  const std::uint64_t m = (negative ? base - cur : cur - base) - 1ull;  // |d| - 1
  const std::uint32_t a = small_bits(bits);
  const std::uint32_t b = medium_bits(bits);
  const std::uint64_t small_size = 1ull << a;
  const std::uint32_t raw_cost = 3 + bits;
  if (m < small_size && 3 + a <= raw_cost) {
    w.write(0b10, 2);
    w.write(negative ? 1 : 0, 1);
    w.write(static_cast<std::uint32_t>(m), a);
  } else if (m >= small_size && m - small_size < (1ull << b) && 4 + b <= raw_cost) {
    w.write(0b110, 3);
    w.write(negative ? 1 : 0, 1);
    w.write(static_cast<std::uint32_t>(m - small_size), b);
  } else {
    w.write(0b111, 3);
    w.write(cur, bits);
  }
}

// The bits write_component() writes.
std::uint32_t component_bits(std::uint32_t cur, std::uint32_t base, std::uint32_t bits) {
  if (bits <= kRawOnlyBits) return bits;
  if (cur == base) return 1;
  const std::uint64_t m = (cur < base ? base - cur : cur - base) - 1ull;
  const std::uint32_t a = small_bits(bits);
  const std::uint32_t b = medium_bits(bits);
  const std::uint64_t small_size = 1ull << a;
  const std::uint32_t raw_cost = 3 + bits;
  if (m < small_size && 3 + a <= raw_cost) return 3 + a;
  if (m >= small_size && m - small_size < (1ull << b) && 4 + b <= raw_cost) return 4 + b;
  return raw_cost;
}

template <std::size_t N>
std::uint32_t bucketed_bits(std::uint64_t value, const std::array<std::uint8_t, N>& buckets) {
  for (std::size_t k = 0; k < N; ++k) {
    const std::uint64_t size = 1ull << buckets[k];
    if (value < size || k + 1 == N)
      return static_cast<std::uint32_t>(k + (k + 1 < N ? 1 : 0)) + buckets[k];
    value -= size;
  }
  return 0;
}

// Reads one component coded against `base`. False when the result lies
// outside 0 .. max_code.
bool read_component(BitReader& r, std::uint32_t base, ComponentLayout c, std::uint32_t& out) {
  if (c.bits <= kRawOnlyBits) {
    out = r.read(c.bits);
    return out <= c.max_code;
  }
  if (r.read(1) == 0) {
    out = base;
    return out <= c.max_code;
  }
  std::int64_t magnitude = 0;
  bool negative = false;
  if (r.read(1) == 0) {
    negative = r.read(1) == 1;
    magnitude = static_cast<std::int64_t>(r.read(small_bits(c.bits))) + 1;
  } else if (r.read(1) == 0) {
    negative = r.read(1) == 1;
    magnitude =
        static_cast<std::int64_t>(r.read(medium_bits(c.bits))) + (1ll << small_bits(c.bits)) + 1;
  } else {
    out = r.read(c.bits);
    return out <= c.max_code;
  }
  const std::int64_t value = static_cast<std::int64_t>(base) + (negative ? -magnitude : magnitude);
  if (value < 0 || value > static_cast<std::int64_t>(c.max_code)) return false;
  out = static_cast<std::uint32_t>(value);
  return true;
}

class DeltaCodec final : public SnapshotCodec {
 public:
  DeltaCodec(const Schema& schema, const ReplicationSettings& settings)
      : schema_(schema), max_entities_(settings.max_entities) {
    const std::uint64_t header = kTickBits + 1 + 1 + kAgeBuckets[1] + 2 * kCountBits;
    const std::uint64_t create =
        schema.type_bits() + 2 + kGenerationBuckets[2] + schema.max_full_bits();
    const std::uint64_t update =
        kMaxFieldsPerType + 3ull * schema.max_words() + schema.max_full_bits();
    const std::uint64_t record =
        (kGapBuckets.size() - 1) + kGapBuckets.back() + 2 + std::max(create, update);
    max_bytes_ = static_cast<std::size_t>((header + max_entities_ * record + 7) / 8);
  }

  [[nodiscard]] std::size_t max_encoded_bytes() const noexcept override { return max_bytes_; }
  [[nodiscard]] std::uint32_t header_bits(bool delta) const noexcept override {
    // The age's longest code: the sender budgets before it knows which.
    return kTickBits + 1 + (delta ? 1 + kAgeBuckets[1] : 0) + 2 * kCountBits;
  }
  [[nodiscard]] std::uint32_t record_bits(const Snapshot& current, const EntityRecord* cur,
                                          const Snapshot* baseline,
                                          const EntityRecord* base) const noexcept override;

 protected:
  EncodeResult do_encode(const Snapshot& current, const Snapshot* baseline,
                         std::span<std::uint8_t> out) noexcept override;
  SnapshotError do_decode(std::span<const std::uint8_t> in, const Snapshot* baseline,
                          Snapshot& out) noexcept override;

 private:
  [[nodiscard]] bool fits(const Snapshot& s) const noexcept {
    return s.conforms(schema_, max_entities_);
  }

  const Schema& schema_;
  std::uint32_t max_entities_;
  std::size_t max_bytes_ = 0;
};

std::uint32_t DeltaCodec::record_bits(const Snapshot& current, const EntityRecord* cur,
                                      const Snapshot* baseline,
                                      const EntityRecord* base) const noexcept {
  const std::uint32_t kind_bits = baseline != nullptr ? 2 : 0;
  if (cur == nullptr) return kind_bits;  // a removal
  const TypeLayout& layout = schema_.layout(cur->type);
  if (baseline == nullptr || base == nullptr || base->id != cur->id || base->type != cur->type)
    return kind_bits + schema_.type_bits() +
           bucketed_bits(cur->id.generation(), kGenerationBuckets) + layout.full_bits;
  const auto codes = current.codes(*cur);
  const auto base_codes = baseline->codes(*base);
  std::uint32_t bits = 1 + static_cast<std::uint32_t>(layout.fields.size());
  for (const FieldLayout& fl : layout.fields) {
    if (same_words(codes.data() + fl.first_word, base_codes.data() + fl.first_word, fl.words))
      continue;
    for (std::uint32_t k = fl.first_word; k < fl.first_word + fl.words; ++k)
      bits += component_bits(codes[k], base_codes[k], layout.components[k].bits);
  }
  return bits;
}

EncodeResult DeltaCodec::do_encode(const Snapshot& current, const Snapshot* baseline,
                                   std::span<std::uint8_t> out) noexcept {
  if (!fits(current) || (baseline != nullptr && !fits(*baseline)))
    return {SnapshotError::BadSnapshot, 0};
  std::uint32_t records = 0;
  BitWriter w(out);
  w.write(current.tick(), kTickBits);
  w.write(baseline != nullptr ? 1 : 0, 1);
  if (baseline != nullptr) write_bucketed(w, current.tick() - baseline->tick(), kAgeBuckets);
  w.write(current.size(), kCountBits);
  const std::size_t records_at = w.bits_written();
  w.write(0, kCountBits);  // the record count, filled in at the end

  std::int64_t prev = -1;
  walk(schema_, current, baseline,
       [&](RecordKind kind, const EntityRecord* cur, const EntityRecord* base, std::uint32_t mask) {
         ++records;
         const std::uint32_t index = (cur != nullptr ? cur : base)->id.index();
         write_bucketed(w, static_cast<std::uint64_t>(index - prev - 1), kGapBuckets);
         prev = index;
         if (baseline != nullptr) {
           if (kind == RecordKind::Update)
             w.write(0b0, 1);
           else
             w.write(kind == RecordKind::Create ? 0b10 : 0b11, 2);
         }
         if (kind == RecordKind::Remove) return;
         const TypeLayout& layout = schema_.layout(cur->type);
         const auto codes = current.codes(*cur);
         if (kind == RecordKind::Create) {
           w.write(cur->type, schema_.type_bits());
           write_bucketed(w, cur->id.generation(), kGenerationBuckets);
           for (std::size_t k = 0; k < layout.components.size(); ++k)
             w.write(codes[k], layout.components[k].bits);
           return;
         }
         const auto base_codes = baseline->codes(*base);
         w.write(mask, static_cast<std::uint32_t>(layout.fields.size()));
         for (std::size_t f = 0; f < layout.fields.size(); ++f) {
           if ((mask & (1u << f)) == 0) continue;
           const FieldLayout& fl = layout.fields[f];
           for (std::uint32_t k = fl.first_word; k < fl.first_word + fl.words; ++k)
             write_component(w, codes[k], base_codes[k], layout.components[k].bits);
         }
       });
  const std::size_t bytes = w.finish();
  if (w.overflow()) return {SnapshotError::BufferTooSmall, 0};
  w.patch(records_at, records, kCountBits);
  return {SnapshotError::None, bytes};
}

SnapshotError DeltaCodec::do_decode(std::span<const std::uint8_t> in, const Snapshot* baseline,
                                    Snapshot& out) noexcept {
  BitReader r(in);
  out.clear(0);
  // A value read past the end is 0, so the reason reported is overrun whenever
  // the stream ran out before a check failed.
  auto fail = [&](SnapshotError e) {
    out.clear(0);
    return r.overrun() ? SnapshotError::Overrun : e;
  };

  const std::uint32_t tick = r.read(kTickBits);
  const bool delta = r.read(1) == 1;
  const Snapshot* base = nullptr;
  if (delta) {
    const std::uint64_t age = read_bucketed(r, kAgeBuckets);
    if (age > 0xFFFFFFFFull) return fail(SnapshotError::BadHeader);
    if (r.overrun()) return fail(SnapshotError::Overrun);
    if (baseline == nullptr) return fail(SnapshotError::MissingBaseline);
    if (baseline->tick() != tick - static_cast<std::uint32_t>(age))
      return fail(SnapshotError::WrongBaseline);
    base = baseline;
  }
  const std::uint32_t count = r.read(kCountBits);
  const std::uint32_t records = r.read(kCountBits);
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
  for (std::uint32_t n = 0; n < records; ++n) {
    const std::uint64_t index =
        static_cast<std::uint64_t>(prev + 1) + read_bucketed(r, kGapBuckets);
    if (r.overrun()) return fail(SnapshotError::Overrun);
    if (index >= max_entities_) return fail(SnapshotError::IndexOutOfRange);
    prev = static_cast<std::int64_t>(index);
    for (; j < b.size() && b[j].id.index() < index; ++j)
      if (!copy_through(b[j])) return fail(SnapshotError::TooManyEntities);
    const EntityRecord* old = (j < b.size() && b[j].id.index() == index) ? &b[j] : nullptr;

    RecordKind kind = RecordKind::Create;
    if (delta && r.read(1) == 0)
      kind = RecordKind::Update;
    else if (delta)
      kind = r.read(1) == 0 ? RecordKind::Create : RecordKind::Remove;
    if (r.overrun()) return fail(SnapshotError::Overrun);
    if (kind != RecordKind::Create && old == nullptr) return fail(SnapshotError::NoSuchEntity);
    if (old != nullptr) ++j;  // consumed: removed, updated or replaced
    if (kind == RecordKind::Remove) continue;

    if (kind == RecordKind::Create) {
      const std::uint32_t type = r.read(schema_.type_bits());
      const std::uint64_t generation = read_bucketed(r, kGenerationBuckets);
      if (r.overrun()) return fail(SnapshotError::Overrun);
      if (type >= schema_.type_count()) return fail(SnapshotError::UnknownType);
      if (generation == 0 || generation > EntityId::kMaxGeneration)
        return fail(SnapshotError::BadGeneration);
      const TypeLayout& layout = schema_.layout(static_cast<TypeId>(type));
      const auto dst = out.append(
          EntityId::make(static_cast<std::uint32_t>(index), static_cast<std::uint32_t>(generation)),
          static_cast<TypeId>(type), static_cast<std::uint16_t>(layout.words));
      if (dst.size() != layout.words) return fail(SnapshotError::TooManyEntities);
      for (std::size_t k = 0; k < layout.components.size(); ++k) {
        dst[k] = r.read(layout.components[k].bits);
        if (dst[k] > layout.components[k].max_code) return fail(SnapshotError::ValueOutOfRange);
      }
      if (r.overrun()) return fail(SnapshotError::Overrun);
      continue;
    }

    const TypeLayout& layout = schema_.layout(old->type);
    const auto field_count = static_cast<std::uint32_t>(layout.fields.size());
    const std::uint32_t mask = r.read(field_count);
    if (r.overrun()) return fail(SnapshotError::Overrun);
    if (mask == 0) return fail(SnapshotError::EmptyUpdate);
    const auto dst = out.append(old->id, old->type, old->words);
    if (dst.size() != old->words) return fail(SnapshotError::TooManyEntities);
    const auto base_codes = base->codes(*old);
    std::copy(base_codes.begin(), base_codes.end(), dst.begin());
    for (std::uint32_t f = 0; f < field_count; ++f) {
      if ((mask & (1u << f)) == 0) continue;
      const FieldLayout& fl = layout.fields[f];
      for (std::uint32_t k = fl.first_word; k < fl.first_word + fl.words; ++k)
        if (!read_component(r, base_codes[k], layout.components[k], dst[k]))
          return fail(SnapshotError::ValueOutOfRange);
    }
    if (r.overrun()) return fail(SnapshotError::Overrun);
  }
  for (; j < b.size(); ++j)
    if (!copy_through(b[j])) return fail(SnapshotError::TooManyEntities);
  if (out.size() != count) return fail(SnapshotError::CountMismatch);
  if (!r.at_padded_end()) return fail(SnapshotError::TrailingData);
  return SnapshotError::None;
}

}  // namespace

const char* to_string(SnapshotError error) noexcept {
  switch (error) {
    case SnapshotError::None: return "none";
    case SnapshotError::Overrun: return "overrun";
    case SnapshotError::TrailingData: return "trailing_data";
    case SnapshotError::BadHeader: return "bad_header";
    case SnapshotError::MissingBaseline: return "missing_baseline";
    case SnapshotError::WrongBaseline: return "wrong_baseline";
    case SnapshotError::TooManyEntities: return "too_many_entities";
    case SnapshotError::IndexOutOfRange: return "index_out_of_range";
    case SnapshotError::UnknownType: return "unknown_type";
    case SnapshotError::BadGeneration: return "bad_generation";
    case SnapshotError::NoSuchEntity: return "no_such_entity";
    case SnapshotError::EmptyUpdate: return "empty_update";
    case SnapshotError::ValueOutOfRange: return "value_out_of_range";
    case SnapshotError::CountMismatch: return "count_mismatch";
    case SnapshotError::BufferTooSmall: return "buffer_too_small";
    case SnapshotError::BadSnapshot: return "bad_snapshot";
  }
  return "unknown";
}

EncodeResult SnapshotCodec::encode(const Snapshot& current, const Snapshot* baseline,
                                   std::span<std::uint8_t> out) noexcept {
  const EncodeResult result = do_encode(current, baseline, out);
  if (result.error != SnapshotError::None) {
    ++stats_.errors[static_cast<std::size_t>(result.error)];
  } else {
    ++stats_.encoded;
    stats_.encoded_bytes += result.bytes;
  }
  return result;
}

SnapshotError SnapshotCodec::decode(std::span<const std::uint8_t> in, const Snapshot* baseline,
                                    Snapshot& out) noexcept {
  const SnapshotError error = do_decode(in, baseline, out);
  if (error != SnapshotError::None) {
    ++stats_.decode_errors;
    ++stats_.errors[static_cast<std::size_t>(error)];
  } else {
    ++stats_.decoded;
  }
  return error;
}

std::unique_ptr<SnapshotCodec> make_delta_codec(const Schema& schema,
                                                const ReplicationSettings& settings) {
  if (!schema.validated() || !settings.validate().ok()) return nullptr;
  return std::make_unique<DeltaCodec>(schema, settings);
}

}  // namespace tickwire
