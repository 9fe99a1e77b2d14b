// The engine's two clocks, each read in one place. The transport (socket,
// secure, net) reads them; replication and prediction never do: their
// callers pass ticks and times in, so tests and replays run on simulated time.
#pragma once

#include <cstdint>

namespace tickwire {

// Microseconds on a monotonic clock: the pipeline's, the conditioner's, the
// sessions' and the connections' time.
std::uint64_t monotonic_us() noexcept;

// Seconds since the Unix epoch on the wall clock: for connect token expiry.
std::uint64_t unix_seconds() noexcept;
// Microseconds since the Unix epoch on the wall clock: a trace's start time.
std::uint64_t unix_us() noexcept;

}  // namespace tickwire
