// arena — the state channel: how the server's world reaches the clients.
//
// This is the one seam the snapshot issue replaces. Today it is the simplest
// thing that works: every `interval_ticks` the server sends each client the
// whole world (ships and projectiles) in a State message on the sequenced
// lane, and the client keeps the newest few states it received for the
// renderer to interpolate between. Everything else in the game talks to
// StateSender and StateReceiver only, never to State messages.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "net/messages.hpp"
#include "sim/world.hpp"

namespace arena::net {

// One client the server sends state to.
struct StateRecipient {
  int slot = 0;                 // the client's ship
  std::uint32_t input_ack = 0;  // newest input tick of this client the server applied
};

class StateSender {
 public:
  // interval_ticks: a state goes out every this many simulation ticks (1..60).
  explicit StateSender(std::uint32_t interval_ticks = 2) noexcept;

  [[nodiscard]] std::uint32_t interval_ticks() const noexcept { return interval_; }
  [[nodiscard]] std::uint16_t rate_hz() const noexcept;  // states per second

  // Called once after every simulation step. When a state is due it calls
  // `send(recipient, bytes)` for each recipient; the bytes are valid only
  // during that call. Returns the number of messages handed to `send`.
  using SendFn = std::function<void(const StateRecipient&, std::span<const std::uint8_t>)>;
  std::size_t after_step(const sim::World& world, std::span<const StateRecipient> recipients,
                         const SendFn& send);

 private:
  std::uint32_t interval_;
  StateMsg scratch_;  // reused: a World is about 11 KB
  std::vector<std::uint8_t> bytes_;
};

// The client half: the newest states received, oldest first, by tick.
class StateReceiver {
 public:
  static constexpr std::size_t kCapacity = 8;  // states kept for interpolation

  struct Received {
    sim::World world;
    std::uint32_t input_ack = 0;
    double arrival_s = 0;  // the caller's clock when it arrived, seconds
  };

  // Takes a decoded State message. A state older than or equal to the newest
  // one kept is dropped and counted (stale); returns whether it was kept.
  bool accept(const StateMsg& msg, double arrival_s);
  void clear() noexcept;

  [[nodiscard]] std::size_t size() const noexcept { return count_; }
  // i = 0 is the oldest kept, size()-1 the newest. i < size().
  [[nodiscard]] const Received& at(std::size_t i) const noexcept;
  [[nodiscard]] const Received* newest() const noexcept {
    return count_ ? &at(count_ - 1) : nullptr;
  }

  // The server tick the client estimates is current at `now_s` (seconds on
  // the same clock as arrival_s), from the arrival times of recent states.
  [[nodiscard]] double estimated_server_tick(double now_s) const noexcept;

  std::uint64_t received = 0;    // states accepted
  std::uint64_t stale = 0;       // states dropped as older than the newest
  std::uint32_t first_tick = 0;  // tick of the first state accepted (0: none yet)

 private:
  std::array<Received, kCapacity> ring_{};
  std::size_t start_ = 0;
  std::size_t count_ = 0;
  double offset_s_ = 0;  // smoothed (arrival_s - tick * kTickSeconds)
  bool have_offset_ = false;
};

}  // namespace arena::net
