// tickwire — link conditioner: simulated latency, jitter, loss, duplication,
// reordering and bandwidth caps, applied in the datagram seam beneath ENet.
//
// Each direction of a host is conditioned on its own. Randomness comes from a
// seeded generator, so a test that sets the seed sees the same drops every run.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "tickwire/status.hpp"

namespace tickwire {

struct LinkDirection {
  std::uint32_t latency_ms = 0;      // fixed one-way delay added to every datagram, ms
  std::uint32_t jitter_ms = 0;       // each datagram's delay varies uniformly by +/- this, ms
  float loss_pct = 0.0f;             // chance a datagram is dropped, percent (0..100)
  float duplicate_pct = 0.0f;        // chance a datagram is delivered twice, percent (0..100)
  float reorder_pct = 0.0f;          // chance a datagram is held back behind later ones, percent
  std::uint32_t bandwidth_kbps = 0;  // link rate cap, kbit/s; 0 = unlimited

  [[nodiscard]] bool active() const noexcept {
    return latency_ms || jitter_ms || loss_pct > 0 || duplicate_pct > 0 || reorder_pct > 0 ||
           bandwidth_kbps;
  }
};

struct LinkConditionerSettings {
  LinkDirection outgoing;               // datagrams this host sends
  LinkDirection incoming;               // datagrams this host receives
  std::uint64_t seed = 1;               // random seed; the same seed gives the same decisions
  std::uint32_t queue_capacity = 4096;  // datagrams held per direction; beyond it, dropped

  [[nodiscard]] bool active() const noexcept { return outgoing.active() || incoming.active(); }
  [[nodiscard]] Status validate() const;
};

// Parses a spec such as "lag=100,jitter=20,loss=5".
// Keys: lag (ms), jitter (ms), loss (%), dup (%), reorder (%), rate (kbit/s),
// seed, queue. A bare key conditions the outgoing direction; prefix it with
// "in." for the incoming direction or "both." for both ("in.loss=2").
// An unknown key, a missing or malformed value, or a value out of range gives
// Errc::InvalidSettings with a message naming the offending part.
Status parse_conditioner_spec(std::string_view spec, LinkConditionerSettings& out);

// Reads the TICKWIRE_SIM environment variable. Unset or empty: ok, `out` is
// left as it is. Set but malformed: the parse error, prefixed with the variable name.
Status conditioner_from_env(LinkConditionerSettings& out);

// The canonical spec for settings, e.g. "lag=100,jitter=20,loss=5" (for logs).
std::string to_spec(const LinkConditionerSettings& settings);

}  // namespace tickwire
