// Whether two records hold the same entity with the same codes. Internal to
// the engine (the snapshot streams and their change selection share it).
#pragma once

#include <cstdint>

#include "tickwire/snapshot.hpp"

namespace tickwire {

// Record `a` of `sa` and `b` of `sb`: the same entity with the same codes?
// Equal non-zero change stamps settle it without comparing.
[[gnu::always_inline]] inline bool same_state(const Snapshot& sa, const EntityRecord& a,
                                              const Snapshot& sb, const EntityRecord& b) noexcept {
  if (a.id != b.id || a.type != b.type || a.words != b.words) return false;
  if (a.version != 0 && a.version == b.version) return true;
  const std::uint32_t* x = sa.codes(a).data();
  const std::uint32_t* y = sb.codes(b).data();
  for (std::uint32_t i = 0; i < a.words; ++i)
    if (x[i] != y[i]) return false;
  return true;
}

}  // namespace tickwire
