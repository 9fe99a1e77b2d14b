#include "playback.hpp"

#include <algorithm>

namespace twtrace {

Playback::Playback(double duration_s, double from_s, double speed, bool paused) noexcept
    : duration_s_(duration_s > 0 ? duration_s : 0),
      position_s_(0),
      speed_(std::clamp(speed, kMinSpeed, kMaxSpeed)),
      paused_(paused) {
  position_s_ = clamp_s(from_s);
}

double Playback::clamp_s(double t_s) const noexcept {
  if (!(t_s > 0)) return 0;  // NaN too
  return std::min(t_s, duration_s_);
}

Playback::Move Playback::seek(double to_s) noexcept {
  to_s = clamp_s(to_s);
  if (to_s == position_s_) return {};  // already there (an end of the trace)
  position_s_ = to_s;
  return {Move::Kind::Seek, to_s};
}

Playback::Move Playback::key_down(Key key, bool shift) noexcept {
  const double jump = shift ? kSeekFarS : kSeekS;
  switch (key) {
    case Key::PlayPause: paused_ = !paused_; return {};
    case Key::Back: return seek(position_s_ - jump);
    case Key::Forward: return seek(position_s_ + jump);
    case Key::Start: return seek(0);
    case Key::StepBack:
      if (!paused_ || position_s_ <= 0) return {};
      return {Move::Kind::PreviousSnapshot, 0};
    case Key::StepForward:
      if (!paused_ || at_end()) return {};
      return {Move::Kind::NextSnapshot, 0};
    case Key::Slower: speed_ = std::max(kMinSpeed, speed_ / 2); return {};
    case Key::Faster: speed_ = std::min(kMaxSpeed, speed_ * 2); return {};
    case Key::NetGraph: show_net_graph_ = !show_net_graph_; return {};
    case Key::Scoreboard: show_scoreboard_ = true; return {};
    case Key::Quit: quit_ = true; return {};
  }
  return {};
}

void Playback::key_up(Key key) noexcept {
  if (key == Key::Scoreboard) show_scoreboard_ = false;
}

Playback::Move Playback::click(double at_s) noexcept {
  if (at_s < 0) return {};
  return seek(at_s);
}

double Playback::run(double dt_s) noexcept {
  if (!paused_ && dt_s > 0) position_s_ = std::min(duration_s_, position_s_ + dt_s * speed_);
  return position_s_;
}

void Playback::moved_to(double t_s) noexcept {
  position_s_ = clamp_s(t_s);
}

}  // namespace twtrace
