// Prediction's bookkeeping: correction statistics, the visual smoother, and
// the settings checks of the predictor and the input buffer.
#include <cmath>

#include "tickwire/prediction.hpp"

namespace tickwire {

const char* to_string(CorrectionCause c) noexcept {
  switch (c) {
    case CorrectionCause::Input: return "input";
    case CorrectionCause::Collision: return "collision";
    case CorrectionCause::Teleport: return "teleport";
    case CorrectionCause::Other: return "other";
  }
  return "?";
}

void CorrectionStats::add(CorrectionCause cause, double size) noexcept {
  auto i = static_cast<std::size_t>(cause);
  if (i >= by_cause_.size()) i = static_cast<std::size_t>(CorrectionCause::Other);
  ++by_cause_[i];
  ++total_;
  if (!std::isfinite(size)) size = 0;
  max_ = std::max(max_, size);
  max_by_cause_[i] = std::max(max_by_cause_[i], size);
  sizes_[next_] = static_cast<float>(size);
  causes_[next_] = static_cast<std::uint8_t>(i);
  next_ = (next_ + 1) % kKept;
  kept_ = std::min(kept_ + 1, kKept);
}

double CorrectionStats::quantile(double p) const {
  return quantile_of(p, -1);
}

double CorrectionStats::quantile(double p, CorrectionCause c) const {
  return quantile_of(p, static_cast<int>(c));
}

double CorrectionStats::quantile_of(double p, int cause) const {
  std::array<float, kKept> copy{};
  std::size_t n = 0;
  for (std::size_t i = 0; i < kept_; ++i)
    if (cause < 0 || causes_[i] == cause) copy[n++] = sizes_[i];
  if (n == 0) return 0;
  const auto k = static_cast<std::size_t>(std::clamp(p, 0.0, 1.0) * static_cast<double>(n - 1));
  std::nth_element(copy.begin(), copy.begin() + static_cast<std::ptrdiff_t>(k),
                   copy.begin() + static_cast<std::ptrdiff_t>(n));
  return copy[k];
}

Status PredictorSettings::validate() const {
  if (history_ticks < 8 || history_ticks > 1024)
    return {Errc::InvalidSettings, "history_ticks: must be within 8..1024 ticks"};
  if (max_resim_ticks < 1 || max_resim_ticks >= history_ticks)
    return {Errc::InvalidSettings, "max_resim_ticks: must be at least 1 and below history_ticks"};
  return {};
}

Status InputBufferSettings::validate() const {
  if (capacity_ticks < 2 || capacity_ticks > 256)
    return {Errc::InvalidSettings, "capacity_ticks: must be within 2..256 ticks"};
  return {};
}

Status SmoothingSettings::validate() const {
  if (!(time_constant_ms >= 0 && time_constant_ms <= 5000))
    return {Errc::InvalidSettings, "time_constant_ms: must be within 0..5000 ms"};
  if (!(snap_distance >= 0)) return {Errc::InvalidSettings, "snap_distance: must be at least 0"};
  return {};
}

std::array<float, 3> CorrectionSmoother::offset(std::uint64_t now_us) const noexcept {
  if (settings_.time_constant_ms <= 0) return {};
  const double age_ms = now_us > since_us_ ? (now_us - since_us_) / 1000.0 : 0.0;
  const auto k = static_cast<float>(std::exp(-age_ms / settings_.time_constant_ms));
  return {offset_[0] * k, offset_[1] * k, offset_[2] * k};
}

void CorrectionSmoother::add(std::array<float, 3> jump, std::uint64_t now_us) noexcept {
  std::array<float, 3> o = offset(now_us);
  for (int i = 0; i < 3; ++i) o[static_cast<std::size_t>(i)] += jump[static_cast<std::size_t>(i)];
  const double len = std::sqrt(double{o[0]} * o[0] + double{o[1]} * o[1] + double{o[2]} * o[2]);
  if (settings_.time_constant_ms <= 0 || !std::isfinite(len) || len > settings_.snap_distance) {
    if (len > settings_.snap_distance) ++snaps_;
    o = {};
  }
  offset_ = o;
  since_us_ = now_us;
}

}  // namespace tickwire
