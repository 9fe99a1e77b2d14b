// What the snapshot codecs share (internal): the constants of the record
// format in docs/PROTOCOL.md, "Snapshots", and the walk that turns a snapshot
// and its baseline into records. The bit-packed codec (delta_codec.cpp) writes
// the records as bits; the range codec (range_codec.cpp) codes the same
// decisions through an adaptive binary range coder.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <span>

#include "tickwire/snapshot_codec.hpp"

namespace tickwire::replication {

inline constexpr std::uint32_t kTickBits = 32;
inline constexpr std::uint32_t kCountBits = 13;  // entity and record counts, 0 .. 8191
static_assert((1u << kCountBits) > kMaxEntities);

// Prefix-coded unsigned values: bucket k is written as k one-bits, a zero bit
// (omitted after the last bucket), then bits[k] payload bits; bucket k holds
// the 2^bits[k] values that follow those of the buckets before it.
inline constexpr std::array<std::uint8_t, 5> kGapBuckets = {0, 3, 6, 9, 12};
inline constexpr std::array<std::uint8_t, 3> kGenerationBuckets = {4, 10, 20};
inline constexpr std::array<std::uint8_t, 2> kAgeBuckets = {8, 32};

enum class RecordKind : std::uint8_t { Update, Create, Remove };

// Component deltas: `0` unchanged; `10` sign, small_bits: |d| in 1 .. 2^small;
// `110` sign, medium_bits: the next 2^medium; `111` the code raw. Components
// of at most kRawOnlyBits bits are always written raw, without a prefix.
inline constexpr std::uint32_t kRawOnlyBits = 2;
inline std::uint32_t small_bits(std::uint32_t bits) {
  return std::max(1u, bits / 4);
}
inline std::uint32_t medium_bits(std::uint32_t bits) {
  return std::max(small_bits(bits) + 1, bits / 2);
}

// Whether n codes are equal (short runs: a loop beats a memcmp call).
inline bool same_words(const std::uint32_t* a, const std::uint32_t* b, std::uint32_t n) {
  for (std::uint32_t i = 0; i < n; ++i)
    if (a[i] != b[i]) return false;
  return true;
}

// Fields whose codes differ, one bit per field (bit i = field i).
inline std::uint32_t changed_mask(const TypeLayout& layout, std::span<const std::uint32_t> cur,
                                  std::span<const std::uint32_t> base) {
  std::uint32_t mask = 0;
  for (std::size_t f = 0; f < layout.fields.size(); ++f) {
    const FieldLayout& fl = layout.fields[f];
    if (!same_words(cur.data() + fl.first_word, base.data() + fl.first_word, fl.words))
      mask |= 1u << f;
  }
  return mask;
}

// Calls visit(kind, current entity, baseline entity, mask) for each record of
// the delta from `base` (may be empty) to `cur`, in increasing index order.
template <typename Visit>
void walk(const Schema& schema, const Snapshot& cur, const Snapshot* base, Visit&& visit) {
  const auto c = cur.entities();
  const auto b = base != nullptr ? base->entities() : std::span<const EntityRecord>{};
  std::size_t i = 0, j = 0;
  while (i < c.size() || j < b.size()) {
    if (j == b.size() || (i < c.size() && c[i].id.index() < b[j].id.index())) {
      visit(RecordKind::Create, &c[i++], nullptr, 0u);
    } else if (i == c.size() || b[j].id.index() < c[i].id.index()) {
      visit(RecordKind::Remove, nullptr, &b[j++], 0u);
    } else {
      if (base == nullptr || c[i].id != b[j].id || c[i].type != b[j].type) {
        visit(RecordKind::Create, &c[i], &b[j], 0u);
      } else if (c[i].version != 0 && c[i].version == b[j].version) {
        // Same change stamp: the same codes (tickwire/snapshot.hpp, EntityRecord).
      } else {
        const std::uint32_t mask =
            changed_mask(schema.layout(c[i].type), cur.codes(c[i]), base->codes(b[j]));
        if (mask != 0) visit(RecordKind::Update, &c[i], &b[j], mask);
      }
      ++i;
      ++j;
    }
  }
}

}  // namespace tickwire::replication
