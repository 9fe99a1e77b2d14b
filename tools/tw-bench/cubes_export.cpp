// The challenge layout (cubes_export.hpp) from tickwire's snapshots.
//
// Orientation. A Quaternion field is 4 codes in the entity's words, starting
// at layout.fields[f].first_word (schema.cpp, lay_out_field): the index of the
// largest-magnitude component (2 bits, 0..3 for x, y, z, w), then the other
// three in x, y, z, w order, each a `bits`-bit code (quantize.cpp,
// quantize_quaternion). That is the reference's convention exactly
// (compressed_quaternion in Fiedler's delta_compression.cpp): the same
// component order (tickwire's Quat is x, y, z, w; CubesSim reorders ODE's
// w, x, y, z), ties going to the lower index, the sign flipped so the largest
// component is >= 0, and [-1/sqrt 2, +1/sqrt 2] mapped onto 0..511 with code
// round((v + 1/sqrt 2) / sqrt 2 x 511), so the codes are exported as they are.
// Only the arithmetic differs, and only when quantizing: tickwire normalizes
// the input and works in double with the exact 1/sqrt 2, clamping to 0..511;
// the reference uses float and 1/1.414214. A value on a rounding boundary may
// get codes one apart from the two, which does not matter here: the
// reference coders read the codes, they never quantize again.
//
// Positions. The references want 1/512 m units: x, y signed within +-16383,
// z in 0..8191. tickwire's codes step by 64/32767 m (x, y) and 16/8191 m (z),
// a hair finer than 1/512 m, and lround(metres x 512) of the float that
// get_float returns is one-to-one on the codes (checked over every code), so
// the coders see all of tickwire's information: code c gives c - 16384 below
// 16384 and c - 16383 from there (x, y), c below 4095 and c + 1 from there
// (z: the float lands on the half and lround rounds it up). One unit in the
// middle of each range never occurs (0 for x and y, 4095 for z, about 8 m),
// and +-16384 and 8192 only at the very ends of the ranges (+-32 m, 16 m),
// where the reference's bounds clamp them; the scene's walls (+-31 m) and
// heights (far below 16 m) never get there.
#include "cubes_export.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <optional>

namespace twbench {
namespace {

using namespace tickwire;

constexpr std::uint32_t kOrientationBits = 9;  // the reference's bits per component
constexpr double kUnitsPerMetre = 512;
constexpr long kBoundXy = 16383;  // 1/512 m, the reference's |x|, |y| limit
constexpr long kBoundZ = 8191;    // 1/512 m, the reference's z limit

// Metres to the reference's 1/512 m units, within [lo, hi].
std::int32_t units(std::optional<float> metres, long lo, long hi) {
  const long u = std::lround(static_cast<double>(metres.value_or(0.0f)) * kUnitsPerMetre);
  return static_cast<std::int32_t>(std::clamp(u, lo, hi));
}

// `value` as a little-endian int32 (two's complement) at `out`.
std::uint8_t* put(std::uint8_t* out, std::int32_t value) {
  const auto v = static_cast<std::uint32_t>(value);
  out[0] = static_cast<std::uint8_t>(v);
  out[1] = static_cast<std::uint8_t>(v >> 8);
  out[2] = static_cast<std::uint8_t>(v >> 16);
  out[3] = static_cast<std::uint8_t>(v >> 24);
  return out + 4;
}

}  // namespace

ChallengeExport::~ChallengeExport() {
  if (file_ != nullptr) std::fclose(file_);
}

std::string ChallengeExport::failure() const {
  return "cannot write " + path_ + ": " + std::strerror(errno);
}

bool ChallengeExport::open(const std::string& path, const Schema& schema, CubeFields fields,
                           std::string& error) {
  path_ = path;
  const TypeLayout& layout = schema.layout(0);
  const auto is = [&](std::uint32_t field, FieldKind kind) {
    return field < layout.fields.size() && layout.fields[field].kind == kind;
  };
  if (!schema.validated() || !is(fields.x, FieldKind::Float) || !is(fields.y, FieldKind::Float) ||
      !is(fields.z, FieldKind::Float) || !is(fields.orientation, FieldKind::Quaternion) ||
      !is(fields.interacting, FieldKind::Bool) ||
      layout.components[layout.fields[fields.orientation].first_word + 1].bits !=
          kOrientationBits) {
    error = "cannot write " + path + ": the cube schema does not fit the challenge layout";
    return false;
  }
  schema_ = &schema;
  fields_ = fields;
  orientation_word_ = layout.fields[fields.orientation].first_word;
  frame_.assign(kFrameBytes, 0);
  frames_ = 0;
  errno = 0;
  file_ = std::fopen(path.c_str(), "wb");
  if (file_ == nullptr) {
    error = failure();
    return false;
  }
  return true;
}

bool ChallengeExport::write(const Snapshot& snapshot, std::span<const EntityId> ids,
                            std::string& error) {
  if (file_ == nullptr || ids.size() != kCubes) {
    error = "cannot write " + path_ + ": not open, or not " + std::to_string(kCubes) + " cubes";
    return false;
  }
  std::uint8_t* out = frame_.data();
  for (std::size_t i = 0; i < kCubes; ++i) {
    const EntityRecord* e = snapshot.find(ids[i].index());
    if (e == nullptr || e->id != ids[i] || e->type != 0) {
      error = "cannot write " + path_ + ": cube " + std::to_string(i) + " is not in the snapshot";
      return false;
    }
    const std::span<const std::uint32_t> codes = snapshot.codes(*e);
    const EntityView view(*schema_, snapshot, *e);
    for (std::uint32_t k = 0; k < 4; ++k)  // largest, a, b, c: tickwire's codes as they are
      out = put(out, static_cast<std::int32_t>(codes[orientation_word_ + k]));
    out = put(out, units(view.get_float(fields_.x), -kBoundXy, kBoundXy));
    out = put(out, units(view.get_float(fields_.y), -kBoundXy, kBoundXy));
    out = put(out, units(view.get_float(fields_.z), 0, kBoundZ));
    out = put(out, view.get_bool(fields_.interacting).value_or(false) ? 1 : 0);
  }
  errno = 0;
  if (std::fwrite(frame_.data(), 1, frame_.size(), file_) != frame_.size()) {
    error = failure();
    return false;
  }
  ++frames_;
  return true;
}

bool ChallengeExport::close(std::string& error) {
  if (file_ == nullptr) return true;
  errno = 0;
  // fclose flushes what the last fwrite left buffered: a full disk shows here.
  const bool flushed = std::fflush(file_) == 0;
  const int flush_errno = errno;
  const bool closed = std::fclose(file_) == 0;
  file_ = nullptr;
  if (!flushed || !closed) {
    if (!flushed) errno = flush_errno;
    error = failure();
    return false;
  }
  return true;
}

}  // namespace twbench
