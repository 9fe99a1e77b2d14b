// The client's input tick clock (TickClock), and the server's measure of how
// early each client's inputs arrive (InputTiming).
#include <cmath>

#include "tickwire/prediction.hpp"

namespace tickwire {

namespace {

// How fast the arrival offset follows snapshots that come later than the
// earliest seen (clock drift, a longer route), per snapshot, fraction.
constexpr double kOffsetDecay = 0.02;
// How much of each slack report the client takes, fraction.
constexpr double kSlackSmoothing = 0.25;
// How much of each input's slack the server's report takes, fraction.
constexpr double kServerSlackSmoothing = 0.1;

double ticks_of(std::uint64_t us, std::uint32_t rate) noexcept {
  return static_cast<double>(us) * rate / 1e6;
}

}  // namespace

Status TimeSyncSettings::validate() const {
  if (tick_rate_hz < 1 || tick_rate_hz > 1000)
    return {Errc::InvalidSettings, "tick_rate_hz: must be within 1..1000 Hz"};
  if (!(target_slack_ticks >= 0 && target_slack_ticks <= 32))
    return {Errc::InvalidSettings, "target_slack_ticks: must be within 0..32 ticks"};
  if (!(max_dilation >= 0 && max_dilation <= 0.2))
    return {Errc::InvalidSettings, "max_dilation: must be within 0..0.2"};
  if (!(dilation_gain >= 0 && dilation_gain <= 1))
    return {Errc::InvalidSettings, "dilation_gain: must be within 0..1 per tick"};
  if (!(resync_ticks >= 2 && resync_ticks <= 1000))
    return {Errc::InvalidSettings, "resync_ticks: must be within 2..1000 ticks"};
  if (stall_us < 1000) return {Errc::InvalidSettings, "stall_us: must be at least 1000 us"};
  if (max_ticks_per_advance < 1 || max_ticks_per_advance > 64)
    return {Errc::InvalidSettings, "max_ticks_per_advance: must be within 1..64"};
  return {};
}

TickClock::TickClock(const TimeSyncSettings& settings) : settings_(settings) {
  if (!settings_.validate()) settings_ = TimeSyncSettings{};
}

void TickClock::on_snapshot(std::uint32_t server_tick, std::uint64_t now_us, double rtt_ms) {
  const double sample = static_cast<double>(server_tick) - ticks_of(now_us, settings_.tick_rate_hz);
  if (std::isfinite(rtt_ms) && rtt_ms >= 0) rtt_ticks_ = rtt_ms * settings_.tick_rate_hz / 1000.0;
  if (!started_) {
    offset_ = sample;
    started_ = true;
    last_us_ = now_us;
    jump_to(target_position(now_us));
    tick_ = static_cast<std::uint32_t>(std::floor(position_)) - 1;
    return;
  }
  // After a stall (the process paused, or its clock jumped) the offset
  // known before may be off by the stall's length: it is measured again
  // from the snapshots taken in since. Of those queued during a pause the
  // newest was sent last and tells the delay best, hence the highest sample.
  if (resync_ || now_us - std::min(now_us, last_us_) > settings_.stall_us) {
    offset_ = fresh_ ? std::max(offset_, sample) : sample;
    fresh_ = resync_ = true;
    return;
  }
  // The snapshots that came soonest after they were made tell the link's
  // delay best; later ones are pulled in slowly so that drift is followed.
  if (sample > offset_)
    offset_ = sample;
  else
    offset_ += (sample - offset_) * kOffsetDecay;
  // An input tick at or behind a tick the server has already made can never
  // arrive in time, and with no input arriving there is no slack report to
  // steer by: set the clock at once. (Happens when the first round-trip
  // estimate was far too small.)
  const double elapsed = ticks_of(now_us - std::min(now_us, last_us_), settings_.tick_rate_hz);
  if (position_ + elapsed < static_cast<double>(server_tick) + 1.0) {
    ++stats_.behind;
    jump_to(target_position(now_us) - elapsed);
  }
}

double TickClock::server_tick(std::uint64_t now_us) const noexcept {
  return ticks_of(now_us, settings_.tick_rate_hz) + offset_ + rtt_ticks_ / 2;
}

double TickClock::target_position(std::uint64_t now_us) const noexcept {
  // The input made now reaches the server half a round trip later, when the
  // server stands half a round trip beyond its estimate of now.
  return server_tick(now_us) + rtt_ticks_ / 2 + settings_.target_slack_ticks;
}

void TickClock::jump_to(double position) noexcept {
  ++stats_.jumps;
  position_ = position;
  dilation_ = 0;
  stats_.dilation = 0;
  have_slack_ = false;
  // Reports made before the jump reached the server describe the old timing.
  const double rtt_us = rtt_ticks_ * 1e6 / settings_.tick_rate_hz;
  ignore_slack_until_us_ = last_us_ + static_cast<std::uint64_t>(rtt_us) + 100'000;
}

void TickClock::on_input_slack(double slack_ticks, std::uint64_t now_us) {
  if (!started_ || !std::isfinite(slack_ticks) || now_us < ignore_slack_until_us_) return;
  ++stats_.slack_reports;
  if (!have_slack_) {
    stats_.slack_ticks = slack_ticks;
    have_slack_ = true;
  } else {
    stats_.slack_ticks += (slack_ticks - stats_.slack_ticks) * kSlackSmoothing;
  }
  const double error = stats_.slack_ticks - settings_.target_slack_ticks;
  if (std::fabs(error) > settings_.resync_ticks) {
    // Far off (the route changed, the server stalled): set the clock at once.
    jump_to(position_ - error);
    return;
  }
  dilation_ =
      std::clamp(-error * settings_.dilation_gain, -settings_.max_dilation, settings_.max_dilation);
  stats_.dilation = dilation_;
}

std::uint32_t TickClock::advance(std::uint64_t now_us) {
  if (!started_) return 0;
  const std::uint64_t dt = now_us > last_us_ ? now_us - last_us_ : 0;
  last_us_ = std::max(last_us_, now_us);
  if (dt > settings_.stall_us) {
    ++stats_.stalls;
    resync_ = true;
  }
  if (resync_) {
    // No input until a snapshot says where the server is: the clock may have
    // jumped, and inputs made on it would reach the server far too early.
    if (!fresh_) return 0;
    resync_ = fresh_ = false;
    jump_to(target_position(now_us));
  } else {
    position_ += ticks_of(dt, settings_.tick_rate_hz) * (1.0 + dilation_);
  }
  ++advances_;
  dilation_abs_sum_ += std::fabs(dilation_);
  stats_.dilation = dilation_;
  stats_.dilation_abs_avg = dilation_abs_sum_ / static_cast<double>(advances_);
  const auto whole = static_cast<std::int64_t>(std::floor(position_));
  std::int64_t due = whole - static_cast<std::int64_t>(tick_);
  if (due <= 0) return 0;  // behind tick_ after a backward jump: wait, never repeat a tick
  if (due > settings_.max_ticks_per_advance) {
    const std::int64_t skip = due - settings_.max_ticks_per_advance;
    tick_ += static_cast<std::uint32_t>(skip);
    stats_.ticks_skipped += static_cast<std::uint64_t>(skip);
    due = settings_.max_ticks_per_advance;
  }
  tick_ += static_cast<std::uint32_t>(due);
  stats_.ticks_run += static_cast<std::uint64_t>(due);
  return static_cast<std::uint32_t>(due);
}

void InputTiming::on_arrival(std::uint32_t tick, double server_position) noexcept {
  const double slack = static_cast<double>(tick) - server_position;
  if (!std::isfinite(slack)) return;
  if (!have_slack_) {
    slack_ = slack;
    have_slack_ = true;
  } else {
    slack_ += (slack - slack_) * kServerSlackSmoothing;
  }
}

}  // namespace tickwire
