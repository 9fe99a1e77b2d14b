// Quantization: every kind round-trips within half a step; smallest three
// within the stated error.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "replication/quantize.hpp"
#include "replication_test_util.hpp"

namespace tickwire {
namespace {

constexpr double kPi = 3.14159265358979323846;

TEST(Quantize, BitsForRange) {
  EXPECT_EQ(bits_for_range(0, 1, 1), 1u);
  EXPECT_EQ(bits_for_range(0, 1, 0.5), 2u);
  EXPECT_EQ(bits_for_range(0, 1, 0.001), 10u);         // 1001 codes needed, 1024 available
  EXPECT_EQ(bits_for_range(-32, 32, 1.0 / 512), 16u);  // 32768 steps: 2^15 - 1 falls short
  EXPECT_EQ(bits_for_range(-32, 32, 64.0 / 32767), 15u);
  EXPECT_EQ(bits_for_range(0, 1, 0), 0u);
  EXPECT_EQ(bits_for_range(1, 1, 0.1), 0u);
  EXPECT_EQ(bits_for_range(0, std::numeric_limits<double>::infinity(), 1), 0u);
  EXPECT_GT(bits_for_range(0, 1, 1e-12), kMaxComponentBits);
}

TEST(Quantize, RangedRoundTripWithinHalfAStep) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  for (int round = 0; round < 2000; ++round) {
    const double min = (u(rng) - 0.5) * 2000;
    const double max = min + std::pow(10.0, u(rng) * 6 - 2);  // 0.01 .. 10^4 wide
    const double resolution = (max - min) * std::pow(10.0, -u(rng) * 8);
    const std::uint32_t bits = bits_for_range(min, max, resolution);
    if (bits > kMaxComponentBits) continue;
    ASSERT_GE(bits, 1u);
    const double step = (max - min) / (std::ldexp(1.0, static_cast<int>(bits)) - 1);
    ASSERT_LE(step, resolution * (1 + 1e-9));
    for (int i = 0; i < 20; ++i) {
      const double v = min + (max - min) * u(rng);
      const std::uint32_t code = quantize_ranged(v, min, max, bits);
      const double back = dequantize_ranged(code, min, max, bits);
      ASSERT_LE(std::fabs(back - v), step / 2 + 1e-9 * (std::fabs(min) + std::fabs(max)))
          << min << ".." << max << " bits " << bits << " v " << v;
    }
  }
}

TEST(Quantize, RangedClampsAndMapsNaNToMin) {
  EXPECT_EQ(quantize_ranged(-5, 0, 10, 8), 0u);
  EXPECT_EQ(quantize_ranged(15, 0, 10, 8), 255u);
  EXPECT_EQ(quantize_ranged(std::nan(""), 0, 10, 8), 0u);
  EXPECT_EQ(dequantize_ranged(255, 0, 10, 8), 10.0);
  EXPECT_EQ(dequantize_ranged(0, -3, 10, 8), -3.0);
  EXPECT_EQ(quantize_ranged(1e10, 0, 1e10, 32), 0xFFFFFFFFu);
}

TEST(Quantize, AngleRoundTripWithinHalfAStep) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> u(-100, 100);
  for (std::uint32_t bits = 1; bits <= 20; ++bits) {
    const double half_step = kPi / std::ldexp(1.0, static_cast<int>(bits));
    for (int i = 0; i < 2000; ++i) {
      const float a = u(rng);
      const std::uint32_t code = quantize_angle(a, bits);
      ASSERT_LT(code, 1u << bits);
      const float back = dequantize_angle(code, bits);
      ASSERT_GE(back, 0.0f);
      ASSERT_LT(back, static_cast<float>(2 * kPi));
      double diff = std::fmod(static_cast<double>(back) - a, 2 * kPi);
      if (diff > kPi) diff -= 2 * kPi;
      if (diff < -kPi) diff += 2 * kPi;
      ASSERT_LE(std::fabs(diff), half_step + 2e-5) << "bits " << bits << " angle " << a;
    }
  }
}

double quat_distance(Quat a, Quat b) {
  const double d1 = std::hypot(std::hypot(a.x - b.x, a.y - b.y), std::hypot(a.z - b.z, a.w - b.w));
  const double d2 = std::hypot(std::hypot(a.x + b.x, a.y + b.y), std::hypot(a.z + b.z, a.w + b.w));
  return std::min(d1, d2);
}

TEST(Quantize, SmallestThreeWithinStatedError) {
  std::mt19937 rng(11);
  std::uniform_real_distribution<float> jitter(-0.02f, 0.02f);
  for (std::uint32_t bits = kMinQuaternionBits; bits <= kMaxQuaternionBits; ++bits) {
    const double bound = max_quaternion_error(bits);
    double worst = 0;
    for (int i = 0; i < 4000; ++i) {
      Quat q = test::random_quat(rng);
      if (i % 4 == 0) {  // near the worst case: all four components about 1/2
        q = Quat{0.5f + jitter(rng), (i & 8) ? -0.5f : 0.5f, 0.5f + jitter(rng),
                 (i & 16) ? -0.5f : 0.5f};
        const float len = std::sqrt(q.x * q.x + q.y * q.y + q.z * q.z + q.w * q.w);
        q = Quat{q.x / len, q.y / len, q.z / len, q.w / len};
      }
      const auto codes = quantize_quaternion(q, bits);
      ASSERT_LT(codes[0], 4u);
      for (int k = 1; k < 4; ++k) ASSERT_LT(codes[k], 1u << bits);
      const Quat back = dequantize_quaternion(codes, bits);
      const double err = quat_distance(q, back);
      worst = std::max(worst, err);
      ASSERT_LE(err, bound + 1e-6) << "bits " << bits;
      // q and -q are one rotation and encode the same.
      const Quat neg{-q.x, -q.y, -q.z, -q.w};
      ASSERT_EQ(quantize_quaternion(neg, bits), codes);
      const double norm =
          std::sqrt(back.x * back.x + back.y * back.y + back.z * back.z + back.w * back.w);
      ASSERT_NEAR(norm, 1.0, 1e-5);
    }
    // The bound is a bound, not a guess far above what happens.
    EXPECT_GT(worst, bound / 8) << "bits " << bits;
  }
}

TEST(Quantize, SmallestThreeComponentsWithinHalfAStep) {
  std::mt19937 rng(5);
  const std::uint32_t bits = 9;
  for (int i = 0; i < 5000; ++i) {
    const Quat q = test::random_quat(rng);
    const Quat back = dequantize_quaternion(quantize_quaternion(q, bits), bits);
    const float sign = (q.x * back.x + q.y * back.y + q.z * back.z + q.w * back.w) < 0 ? -1 : 1;
    const float a[4] = {q.x, q.y, q.z, q.w};
    const float b[4] = {back.x, back.y, back.z, back.w};
    const auto largest = quantize_quaternion(q, bits)[0];
    for (std::uint32_t k = 0; k < 4; ++k) {
      if (k == largest) continue;
      ASSERT_LE(std::fabs(a[k] * sign - b[k]), quaternion_component_error(bits) + 1e-6);
    }
  }
}

TEST(Quantize, DegenerateQuaternionsBecomeIdentity) {
  for (const Quat q : {Quat{0, 0, 0, 0}, Quat{std::nanf(""), 0, 0, 1}}) {
    const Quat back = dequantize_quaternion(quantize_quaternion(q, 9), 9);
    // Zero is not a code (2^9 - 1 steps over a symmetric range): within the bound.
    EXPECT_NEAR(back.w, 1.0f, max_quaternion_error(9));
    EXPECT_NEAR(back.x, 0.0f, quaternion_component_error(9) + 1e-6);
  }
}

// Every kind through the store's typed setters and getters.
TEST(Quantize, StoreFieldsRoundTripWithinHalfAStep) {
  Schema schema = test::make_test_schema();
  ASSERT_TRUE(schema.validate());
  EntityStore store(schema, ReplicationSettings{});
  std::mt19937 rng(9);
  std::uniform_real_distribution<float> u(0, 1);
  const EntityId ship = store.create(1);
  const EntityId cube = store.create(0);
  const double pos_step =
      200.0 / (std::ldexp(1.0, static_cast<int>(bits_for_range(-100, 100, 0.01))) - 1);
  const double speed_step =
      50.0 / (std::ldexp(1.0, static_cast<int>(bits_for_range(0, 50, 0.1))) - 1);
  for (int i = 0; i < 2000; ++i) {
    const Vec2 p{-100 + 200 * u(rng), -100 + 200 * u(rng)};
    ASSERT_TRUE(store.set_vec2(ship, 0, p));
    const Vec2 back = *store.get_vec2(ship, 0);
    ASSERT_LE(std::fabs(back.x - p.x), pos_step / 2 + 1e-5);
    ASSERT_LE(std::fabs(back.y - p.y), pos_step / 2 + 1e-5);

    const float speed = 50 * u(rng);
    ASSERT_TRUE(store.set_float(ship, 4, speed));
    ASSERT_LE(std::fabs(*store.get_float(ship, 4) - speed), speed_step / 2 + 1e-6);

    const auto score = static_cast<std::int64_t>(u(rng) * 101000) - 1000;
    ASSERT_TRUE(store.set_int(ship, 3, score));
    ASSERT_EQ(*store.get_int(ship, 3), score);

    const Vec3 c{-32 + 64 * u(rng), -32 + 64 * u(rng), 16 * u(rng)};
    ASSERT_TRUE(store.set_vec3(cube, 0, c));
    const Vec3 cb = *store.get_vec3(cube, 0);
    const double step = 64.0 / 65535;
    ASSERT_LE(std::fabs(cb.x - c.x), step / 2 + 1e-5);
    ASSERT_LE(std::fabs(cb.z - c.z), 16.0 / 16383 / 2 + 1e-5);  // 14 bits

    const Quat q = test::random_quat(rng);
    ASSERT_TRUE(store.set_quat(cube, 1, q));
    ASSERT_LE(quat_distance(*store.get_quat(cube, 1), q), max_quaternion_error(9) + 1e-6);
  }
  ASSERT_TRUE(store.set_int(ship, 2, 500));
  EXPECT_EQ(*store.get_int(ship, 2), 100) << "integers clamp to their range";
  ASSERT_TRUE(store.set_int(ship, 2, -7));
  EXPECT_EQ(*store.get_int(ship, 2), 0);
  ASSERT_TRUE(store.set_bool(ship, 5, true));
  EXPECT_EQ(*store.get_bool(ship, 5), true);
  ASSERT_TRUE(store.set_angle(ship, 1, -kPi / 2));
  EXPECT_NEAR(*store.get_angle(ship, 1), 1.5 * kPi, kPi / 1024 + 1e-5);
}

}  // namespace
}  // namespace tickwire
