// Quantization of ranged scalars, angles and smallest-three quaternions.
//
// Smallest-three error bound (the figure max_quaternion_error states).
// Let q = (v, w) with w the largest component, made positive, so w >= 1/2 and
// |v|^2 = 1 - w^2 <= 3/4. Each of the three components of v is coded to within
// e = 1/(sqrt 2 (2^N - 1)), so |v' - v| <= sqrt 3 e. The decoder rebuilds
// w' = sqrt(1 - |v'|^2), so q' is exactly unit and
//   |w^2 - w'^2| = | |v'|^2 - |v|^2 | <= 2 |v| sqrt 3 e + 3 e^2 <= 3 e + 3 e^2.
// If w' >= w then |w' - w| <= (3 e + 3 e^2) / (2 w) <= 3 e + 3 e^2. If w' < w,
// with d = w - w': d (2 w - d) <= 3 e + 3 e^2, worst at w = 1/2, so
// d <= (1 - sqrt(1 - 4 (3 e + 3 e^2))) / 2. For N >= 5 (e <= 0.0228) that is
// d <= 0.0757 and |q' - q| <= sqrt(3 e^2 + d^2) <= 3.75 e: within the stated
// 4 e. For N = 4 the bound fails (about 4.2 e), hence kMinQuaternionBits.
#include <cmath>

#include "replication/quantize.hpp"

namespace tickwire {
namespace {

constexpr double kTwoPi = 6.283185307179586476925;
constexpr double kHalfSqrt2 = 0.707106781186547524401;  // 1/sqrt 2: smallest-three range

double max_code(std::uint32_t bits) noexcept {
  return std::ldexp(1.0, static_cast<int>(bits)) - 1;
}

}  // namespace

std::uint32_t bits_for_range(double min, double max, double resolution) noexcept {
  if (!std::isfinite(min) || !std::isfinite(max) || !std::isfinite(resolution)) return 0;
  if (!(max > min) || !(resolution > 0)) return 0;
  const double steps = (max - min) / resolution;
  // Tolerate the rounding of the division (e.g. 1 / 0.001 = 1000.0000000002).
  const double needed = steps * (1 - 1e-12);
  for (std::uint32_t bits = 1; bits <= kMaxComponentBits; ++bits) {
    if (max_code(bits) >= needed) return bits;
  }
  return kMaxComponentBits + 1;
}

std::uint32_t quantize_ranged(double value, double min, double max, std::uint32_t bits) noexcept {
  if (bits == 0 || bits > kMaxComponentBits || !(max > min)) return 0;
  const double top = max_code(bits);
  if (!(value > min)) return 0;  // also NaN
  if (value >= max) return static_cast<std::uint32_t>(top);
  const double scaled = std::round((value - min) / (max - min) * top);
  return static_cast<std::uint32_t>(scaled < top ? scaled : top);
}

double dequantize_ranged(std::uint32_t code, double min, double max, std::uint32_t bits) noexcept {
  if (bits == 0 || bits > kMaxComponentBits) return min;
  const double top = max_code(bits);
  const double c = static_cast<double>(code) < top ? static_cast<double>(code) : top;
  return min + (max - min) * (c / top);
}

std::uint32_t quantize_angle(float radians, std::uint32_t bits) noexcept {
  if (bits == 0 || bits > kMaxComponentBits || !std::isfinite(radians)) return 0;
  const double turns = static_cast<double>(radians) / kTwoPi;
  const double frac = turns - std::floor(turns);  // [0, 1]
  const double codes = std::ldexp(1.0, static_cast<int>(bits));
  auto code = static_cast<std::uint64_t>(std::round(frac * codes));
  return static_cast<std::uint32_t>(code % static_cast<std::uint64_t>(codes));
}

float dequantize_angle(std::uint32_t code, std::uint32_t bits) noexcept {
  if (bits == 0 || bits > kMaxComponentBits) return 0;
  const double codes = std::ldexp(1.0, static_cast<int>(bits));
  auto radians = static_cast<float>(static_cast<double>(code) / codes * kTwoPi);
  // Rounding to float may reach 2 pi exactly; keep the documented [0, 2 pi).
  return radians < static_cast<float>(kTwoPi) ? radians : 0.0f;
}

std::array<std::uint32_t, 4> quantize_quaternion(Quat q, std::uint32_t bits) noexcept {
  double c[4] = {q.x, q.y, q.z, q.w};
  double norm = std::sqrt(c[0] * c[0] + c[1] * c[1] + c[2] * c[2] + c[3] * c[3]);
  if (!std::isfinite(norm) || norm == 0) {
    c[0] = c[1] = c[2] = 0;
    c[3] = norm = 1;
  }
  std::uint32_t largest = 0;
  for (std::uint32_t i = 1; i < 4; ++i) {
    if (std::fabs(c[i]) > std::fabs(c[largest])) largest = i;
  }
  const double sign = c[largest] < 0 ? -1.0 : 1.0;
  std::array<std::uint32_t, 4> out{largest, 0, 0, 0};
  std::uint32_t k = 1;
  for (std::uint32_t i = 0; i < 4; ++i) {
    if (i == largest) continue;
    out[k++] = quantize_ranged(sign * c[i] / norm, -kHalfSqrt2, kHalfSqrt2, bits);
  }
  return out;
}

Quat dequantize_quaternion(std::span<const std::uint32_t, 4> words, std::uint32_t bits) noexcept {
  double c[4] = {0, 0, 0, 0};
  const std::uint32_t largest = words[0] & 3;
  double sum = 0;
  std::uint32_t k = 1;
  for (std::uint32_t i = 0; i < 4; ++i) {
    if (i == largest) continue;
    c[i] = dequantize_ranged(words[k++], -kHalfSqrt2, kHalfSqrt2, bits);
    sum += c[i] * c[i];
  }
  if (sum <= 1) {
    c[largest] = std::sqrt(1 - sum);
  } else {  // only for codes no valid quaternion produces: renormalize
    const double scale = 1 / std::sqrt(sum);
    for (double& v : c) v *= scale;
  }
  return Quat{static_cast<float>(c[0]), static_cast<float>(c[1]), static_cast<float>(c[2]),
              static_cast<float>(c[3])};
}

double quaternion_component_error(std::uint32_t bits) noexcept {
  return kHalfSqrt2 / max_code(bits);
}

double max_quaternion_error(std::uint32_t bits) noexcept {
  return 4 * quaternion_component_error(bits);
}

}  // namespace tickwire
