// Interpolation timing for remote entities: the render tick, its adaptive
// delay, and the pair of snapshots to blend.
#include <cmath>

#include "tickwire/prediction.hpp"

namespace tickwire {

namespace {

constexpr double kIntervalSmoothing = 0.1;  // per snapshot, fraction
constexpr double kJitterSmoothing = 0.1;    // per snapshot, fraction
constexpr double kOffsetDecay = 0.02;       // per snapshot, fraction (see TickClock)
constexpr double kJumpTicks = 30;           // a render time further off than this jumps, ticks

double ticks_of(std::uint64_t us, std::uint32_t rate) noexcept {
  return static_cast<double>(us) * rate / 1e6;
}

}  // namespace

Status InterpolationSettings::validate() const {
  if (tick_rate_hz < 1 || tick_rate_hz > 1000)
    return {Errc::InvalidSettings, "tick_rate_hz: must be within 1..1000 Hz"};
  if (!(min_intervals >= 1 && min_intervals <= 16))
    return {Errc::InvalidSettings, "min_intervals: must be within 1..16 snapshot intervals"};
  if (!(jitter_factor >= 0 && jitter_factor <= 16))
    return {Errc::InvalidSettings, "jitter_factor: must be within 0..16"};
  if (!(max_extrapolation_ms >= 0 && max_extrapolation_ms <= 5000))
    return {Errc::InvalidSettings, "max_extrapolation_ms: must be within 0..5000 ms"};
  if (!(slew > 0 && slew <= 1)) return {Errc::InvalidSettings, "slew: must be within (0, 1]"};
  return {};
}

InterpolationClock::InterpolationClock(const InterpolationSettings& settings)
    : settings_(settings) {
  if (!settings_.validate()) settings_ = InterpolationSettings{};
  delay_ = settings_.min_intervals * interval_;
}

void InterpolationClock::on_snapshot(std::uint32_t server_tick, std::uint64_t now_us) {
  const double sample = static_cast<double>(server_tick) - ticks_of(now_us, settings_.tick_rate_hz);
  if (!started_) {
    started_ = true;
    offset_ = sample;
    last_tick_ = server_tick;
    last_us_ = now_us;
    delay_ = settings_.min_intervals * interval_;
    return;
  }
  if (static_cast<std::int32_t>(server_tick - last_tick_) <= 0) return;  // not newer
  const double gap = static_cast<double>(server_tick - last_tick_);
  if (gap < 64) interval_ += (gap - interval_) * kIntervalSmoothing;  // a long gap is a loss burst
  const double elapsed = ticks_of(now_us - std::min(now_us, last_us_), settings_.tick_rate_hz);
  last_tick_ = server_tick;
  last_us_ = now_us;
  // How much later than the earliest-arriving snapshots this one came.
  const double lateness = std::max(0.0, offset_ - sample);
  jitter_ += (std::min(lateness, 60.0) - jitter_) * kJitterSmoothing;
  if (sample > offset_)
    offset_ = sample;
  else
    offset_ += (sample - offset_) * kOffsetDecay;

  const double target =
      std::max(settings_.min_intervals * interval_, interval_ + settings_.jitter_factor * jitter_);
  const double diff = target - delay_;
  if (std::fabs(diff) > kJumpTicks) {
    delay_ = target;
  } else {
    // Slide toward the target: the render time runs a few percent faster or
    // slower instead of jumping.
    const double step = settings_.slew * elapsed;
    delay_ += std::clamp(diff, -step, step);
  }
  stats_.delay_ticks = delay_;
  stats_.interval_ticks = interval_;
  stats_.jitter_ms = jitter_ * 1000.0 / settings_.tick_rate_hz;
}

double InterpolationClock::render_tick(std::uint64_t now_us) const noexcept {
  return ticks_of(now_us, settings_.tick_rate_hz) + offset_ - delay_;
}

InterpolationClock::Sample InterpolationClock::sample(std::span<const std::uint32_t> ticks,
                                                      double render_tick, std::uint64_t now_us) {
  Sample s;
  const double dt_ms =
      last_sample_us_ && now_us > last_sample_us_ ? (now_us - last_sample_us_) / 1000.0 : 0.0;
  last_sample_us_ = now_us;
  ++stats_.samples;
  if (ticks.empty()) return s;
  s.valid = true;
  const std::size_t n = ticks.size();
  // Before the oldest held: draw the oldest.
  if (render_tick <= static_cast<double>(ticks[0])) {
    was_beyond_ = false;
    return s;
  }
  std::size_t a = 0;
  while (a + 1 < n && static_cast<double>(ticks[a + 1]) <= render_tick) ++a;
  if (a + 1 < n) {
    was_beyond_ = false;
    s.a = a;
    s.b = a + 1;
    s.t = (render_tick - ticks[a]) / static_cast<double>(ticks[a + 1] - ticks[a]);
    return s;
  }
  // Past the newest snapshot: it is late or lost.
  if (!was_beyond_) ++stats_.underruns;
  was_beyond_ = true;
  stats_.extrapolated_ms += dt_ms;
  ++stats_.extrapolated;
  if (n == 1) {
    s.held = true;
    ++stats_.held;
    return s;
  }
  s.a = n - 2;
  s.b = n - 1;
  s.extrapolating = true;
  const double span = static_cast<double>(ticks[n - 1] - ticks[n - 2]);
  const double limit = settings_.max_extrapolation_ms * settings_.tick_rate_hz / 1000.0;
  double beyond = render_tick - ticks[n - 1];
  if (beyond > limit) {
    beyond = limit;
    s.held = true;
    ++stats_.held;
  }
  s.t = 1.0 + beyond / span;
  return s;
}

}  // namespace tickwire
