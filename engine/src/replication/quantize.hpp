// Quantization of field values to codes and back: what the entity store's
// setters, EntityView's getters and the codecs share. Internal to the engine
// (a game sets values through EntityStore and reads them through EntityView).
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "tickwire/schema.hpp"

namespace tickwire {

// Ranged scalars (Float, each Vec component): [min, max] maps onto codes
// 0 .. 2^bits - 1 in equal steps of (max - min) / (2^bits - 1), where bits =
// ceil(log2((max - min) / resolution + 1)); so the step is at most the
// resolution and a round trip is within half a step. Inputs outside the range
// are clamped; NaN becomes min.

// Bits for a range at a resolution; 0 when the range or resolution is not
// positive and finite, more than kMaxComponentBits when too fine.
std::uint32_t bits_for_range(double min, double max, double resolution) noexcept;
std::uint32_t quantize_ranged(double value, double min, double max, std::uint32_t bits) noexcept;
double dequantize_ranged(std::uint32_t code, double min, double max, std::uint32_t bits) noexcept;

// Angles, radians, any value: one turn maps onto 2^bits codes (code 0 = 0 rad);
// a round trip is within pi / 2^bits (half a step), compared modulo one turn.
// Decoded angles are in [0, 2 pi).
std::uint32_t quantize_angle(float radians, std::uint32_t bits) noexcept;
float dequantize_angle(std::uint32_t code, std::uint32_t bits) noexcept;

// Quaternions as "smallest three": 4 words = {index of the largest-magnitude
// component (2 bits), then the other three in x, y, z, w order, each in
// [-1/sqrt 2, 1/sqrt 2] as a ranged scalar of `bits` bits}. The sign is chosen
// so the largest component is positive (q and -q encode the same). The input
// is normalized first (zero or NaN input becomes the identity).
// Error: each of the three components is within quaternion_component_error =
// 1 / (sqrt 2 (2^bits - 1)) (half a step); the decoded unit quaternion is
// within max_quaternion_error = 4 x that (Euclidean distance of the 4-vectors,
// q against the nearer of q' and -q') for kMinQuaternionBits <= bits.
// Derivation in engine/src/replication/quantize.cpp.
std::array<std::uint32_t, 4> quantize_quaternion(Quat q, std::uint32_t bits) noexcept;
Quat dequantize_quaternion(std::span<const std::uint32_t, 4> words, std::uint32_t bits) noexcept;
double quaternion_component_error(std::uint32_t bits) noexcept;
double max_quaternion_error(std::uint32_t bits) noexcept;

}  // namespace tickwire
