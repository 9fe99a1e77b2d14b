#include "net/state_channel.hpp"

#include <algorithm>
#include <cmath>

namespace arena::net {

StateSender::StateSender(std::uint32_t interval_ticks) noexcept
    : interval_(std::clamp<std::uint32_t>(interval_ticks, 1, sim::kTickRate)) {}

std::uint16_t StateSender::rate_hz() const noexcept {
  return static_cast<std::uint16_t>(sim::kTickRate / interval_);
}

std::size_t StateSender::after_step(const sim::World& world,
                                    std::span<const StateRecipient> recipients,
                                    const SendFn& send) {
  if (world.tick % interval_ != 0 || recipients.empty()) return 0;
  scratch_.world.tick = world.tick;
  scratch_.world.ships = world.ships;
  scratch_.world.projectiles = world.projectiles;
  for (const StateRecipient& r : recipients) {
    scratch_.input_ack = r.input_ack;
    encode(scratch_, bytes_);
    send(r, bytes_);
  }
  return recipients.size();
}

bool StateReceiver::accept(const StateMsg& msg, double arrival_s) {
  if (const Received* last = newest(); last && msg.world.tick <= last->world.tick) {
    ++stale;
    return false;
  }
  if (count_ == kCapacity) {
    start_ = (start_ + 1) % kCapacity;
    --count_;
  }
  Received& slot = ring_[(start_ + count_) % kCapacity];
  ++count_;
  slot.world = msg.world;
  slot.input_ack = msg.input_ack;
  slot.arrival_s = arrival_s;
  if (received++ == 0) first_tick = msg.world.tick;

  // Clock offset: follow late arrivals slowly (jitter), early ones at once
  // (an early arrival is the best evidence of the true offset), and jump
  // when the server's clock was reset.
  const double sample = arrival_s - msg.world.tick * static_cast<double>(sim::kTickSeconds);
  if (!have_offset_ || std::fabs(sample - offset_s_) > 0.5) {
    offset_s_ = sample;
    have_offset_ = true;
  } else if (sample < offset_s_) {
    offset_s_ = sample;
  } else {
    offset_s_ += (sample - offset_s_) * 0.02;
  }
  return true;
}

void StateReceiver::clear() noexcept {
  start_ = count_ = 0;
  have_offset_ = false;
}

const StateReceiver::Received& StateReceiver::at(std::size_t i) const noexcept {
  return ring_[(start_ + i) % kCapacity];
}

double StateReceiver::estimated_server_tick(double now_s) const noexcept {
  if (!have_offset_) return 0;
  return (now_s - offset_s_) / static_cast<double>(sim::kTickSeconds);
}

}  // namespace arena::net
