// arena — how other ships and shots are drawn: the world between the two
// received states that tickwire's InterpolationClock picked around the
// render time (a little in the past), or carried a bounded way beyond the
// newest when the next is late.
#pragma once

#include <tickwire/prediction.hpp>

#include "proto/state_channel.hpp"
#include "sim/world.hpp"

namespace arena::client {

// Fills `out` with the world at `render_tick` from the pair `pick` names
// (indices into `states`, blend factor t; t > 1 extrapolates along the
// motion between them). Before the first state `out` is an empty world.
// Events are not carried.
void blend(const proto::StateReceiver& states, const tickwire::InterpolationClock::Sample& pick,
           double render_tick, sim::World& out) noexcept;

}  // namespace arena::client
