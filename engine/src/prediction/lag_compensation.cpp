// The server's bounded history of bodies, for judging shots in the past.
#include <cmath>

#include "tickwire/prediction.hpp"

namespace tickwire {

Status LagCompensationSettings::validate() const {
  if (tick_rate_hz < 1 || tick_rate_hz > 1000)
    return {Errc::InvalidSettings, "tick_rate_hz: must be within 1..1000 Hz"};
  if (!(history_ms >= 50 && history_ms <= 10'000))
    return {Errc::InvalidSettings, "history_ms: must be within 50..10000 ms"};
  if (!(max_rewind_ms >= 0 && max_rewind_ms < history_ms))
    return {Errc::InvalidSettings, "max_rewind_ms: must be at least 0 and below history_ms"};
  if (!(distrust_ms >= 0 && distrust_ms <= 10'000))
    return {Errc::InvalidSettings, "distrust_ms: must be within 0..10000 ms"};
  if (max_bodies < 1 || max_bodies > 65536)
    return {Errc::InvalidSettings, "max_bodies: must be within 1..65536"};
  return {};
}

LagCompensator::LagCompensator(const LagCompensationSettings& settings) : settings_(settings) {
  if (!settings_.validate()) settings_ = LagCompensationSettings{};
  const auto ticks =
      static_cast<std::size_t>(std::ceil(settings_.history_ms * settings_.tick_rate_hz / 1000.0)) +
      1;
  frames_.resize(std::max<std::size_t>(ticks, 2));
  for (Frame& f : frames_) f.bodies.reserve(settings_.max_bodies);
}

void LagCompensator::record(std::uint32_t tick, std::span<const Body> bodies) {
  Frame& f = frames_[tick % frames_.size()];
  f.tick = tick;
  f.valid = true;
  const std::size_t n = std::min<std::size_t>(bodies.size(), settings_.max_bodies);
  f.bodies.assign(bodies.begin(), bodies.begin() + static_cast<std::ptrdiff_t>(n));
  stats_.bodies_dropped += bodies.size() - n;
}

const LagCompensator::Frame* LagCompensator::frame(std::uint32_t tick) const noexcept {
  const Frame& f = frames_[tick % frames_.size()];
  return f.valid && f.tick == tick ? &f : nullptr;
}

LagCompensator::View LagCompensator::view(std::uint32_t now_tick, double claimed_view_tick) {
  View v;
  v.tick = now_tick;
  const double per_ms = settings_.tick_rate_hz / 1000.0;
  const double rewind = static_cast<double>(now_tick) - claimed_view_tick;
  if (!std::isfinite(claimed_view_tick) || rewind < 0 ||
      rewind > (settings_.max_rewind_ms + settings_.distrust_ms) * per_ms) {
    v.distrusted = true;
    ++stats_.distrusted;
    return v;
  }
  const double limit = settings_.max_rewind_ms * per_ms;
  v.tick = claimed_view_tick;
  if (rewind > limit) {
    v.tick = now_tick - limit;
    v.clamped = true;
    ++stats_.clamped;
  }
  v.rewound = v.tick < now_tick;
  if (v.rewound) ++stats_.rewinds;
  return v;
}

namespace {
const Body* find(const std::vector<Body>& bodies, std::uint32_t id) noexcept {
  for (const Body& b : bodies)
    if (b.id == id) return &b;
  return nullptr;
}
}  // namespace

bool LagCompensator::body_at(std::uint32_t id, double tick, Body& out, float teleport) const {
  if (!std::isfinite(tick) || tick < 0 || tick > 4294967295.0) return false;
  const auto t0 = static_cast<std::uint32_t>(std::floor(tick));
  const double f = tick - std::floor(tick);
  const Frame* a = frame(t0);
  if (a == nullptr) return false;
  const Body* ba = find(a->bodies, id);
  if (ba == nullptr) return false;
  if (f <= 0) {
    out = *ba;
    return true;
  }
  const Frame* b = frame(t0 + 1);
  const Body* bb = b ? find(b->bodies, id) : nullptr;
  if (bb == nullptr) return false;
  const float dx = bb->x - ba->x, dy = bb->y - ba->y, dz = bb->z - ba->z;
  if (dx * dx + dy * dy + dz * dz > teleport * teleport) {
    out = *bb;
    return true;
  }
  const auto t = static_cast<float>(f);
  out.id = id;
  out.x = ba->x + dx * t;
  out.y = ba->y + dy * t;
  out.z = ba->z + dz * t;
  out.radius = ba->radius + (bb->radius - ba->radius) * t;
  return true;
}

void LagCompensator::rewind(double tick, const std::function<void(const Body&)>& fn) const {
  if (!std::isfinite(tick) || tick < 0 || tick > 4294967295.0) return;
  const Frame* a = frame(static_cast<std::uint32_t>(std::floor(tick)));
  if (a == nullptr) return;
  Body b;
  for (const Body& x : a->bodies)
    if (body_at(x.id, tick, b)) fn(b);
}

}  // namespace tickwire
