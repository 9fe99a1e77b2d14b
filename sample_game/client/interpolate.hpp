// arena — what the client draws: the world between two received states.
//
// Remote ships and projectiles are drawn about `delay` ticks in the past,
// interpolated between the two states around that moment, so that motion is
// smooth even though states arrive only 30 times a second. The prediction
// issue replaces this for the local ship.
#pragma once

#include "proto/state_channel.hpp"
#include "sim/world.hpp"

namespace arena::client {

// Ticks behind the newest estimated server tick that the view is drawn at:
// one state interval plus a little for jitter.
double interpolation_delay_ticks(std::uint16_t state_rate_hz) noexcept;

// Fills `out` with the world at the fractional server tick `render_tick`.
// Before the first state `out` is an empty world; beyond the newest state it
// is the newest state (no extrapolation). Events are not carried.
void interpolate(const proto::StateReceiver& states, double render_tick, sim::World& out) noexcept;

}  // namespace arena::client
