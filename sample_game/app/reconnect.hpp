// arena — when a client whose connection ended tries again: at once when
// the player asks (R in the window), or, with --reconnect, by itself after a
// back-off that doubles from 1 s to at most 16 s and starts over once a
// connection comes up. Rejoining is an ordinary join with the same name.
#pragma once

#include <algorithm>
#include <chrono>

#include "client/game_client.hpp"

namespace arena::app {

class Reconnector {
 public:
  using Clock = client::Clock;
  static constexpr std::chrono::seconds kFirst{1}, kMost{16};

  explicit Reconnector(bool automatic) : automatic_(automatic) {}

  // Whether to try again now: the session ended and the back-off has run
  // out (automatic), or `asked`.
  bool due(const client::GameClient& c, Clock::time_point now, bool asked) {
    if (c.phase() != client::Phase::Ended) {
      if (c.connected()) delay_ = kFirst;  // up again: the next loss starts over
      waiting_ = false;
      return false;
    }
    if (asked) return true;
    if (!automatic_) return false;
    if (!waiting_) {
      waiting_ = true;
      at_ = now + delay_;
      delay_ = std::min<Clock::duration>(delay_ * 2, kMost);
    }
    return now >= at_;
  }
  // Seconds until the next automatic try; negative when none is planned.
  [[nodiscard]] double next_in_s(Clock::time_point now) const {
    return automatic_ && waiting_ ? std::chrono::duration<double>(at_ - now).count() : -1;
  }
  [[nodiscard]] bool automatic() const noexcept { return automatic_; }

 private:
  bool automatic_;
  bool waiting_ = false;
  Clock::duration delay_ = kFirst;
  Clock::time_point at_{};
};

}  // namespace arena::app
