// EntityView: dequantizing one entity's codes, field by field.
#include "replication/quantize.hpp"
#include "tickwire/snapshot.hpp"

namespace tickwire {

EntityView::EntityView(const Schema& schema, TypeId type,
                       std::span<const std::uint32_t> codes) noexcept
    : codes_(codes) {
  if (!schema.validated() || type >= schema.type_count()) return;
  if (codes.size() < schema.layout(type).words) return;
  type_ = &schema.type(type);
  layout_ = &schema.layout(type);
}

const std::uint32_t* EntityView::words(std::uint32_t field, FieldKind kind) const noexcept {
  if (layout_ == nullptr || field >= layout_->fields.size() || layout_->fields[field].kind != kind)
    return nullptr;
  return codes_.data() + layout_->fields[field].first_word;
}

// Valid only after words() accepted the field.
std::uint32_t EntityView::bits(std::uint32_t field, std::uint32_t component) const noexcept {
  return layout_->components[layout_->fields[field].first_word + component].bits;
}

std::optional<bool> EntityView::get_bool(std::uint32_t field) const noexcept {
  const std::uint32_t* c = words(field, FieldKind::Bool);
  if (c == nullptr) return std::nullopt;
  return c[0] != 0;
}

std::optional<std::int64_t> EntityView::get_int(std::uint32_t field) const noexcept {
  const std::uint32_t* c = words(field, FieldKind::Integer);
  if (c == nullptr) return std::nullopt;
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(type_->fields[field].int_min) + c[0]);
}

std::optional<float> EntityView::get_float(std::uint32_t field) const noexcept {
  const std::uint32_t* c = words(field, FieldKind::Float);
  if (c == nullptr) return std::nullopt;
  const FieldSpec& f = type_->fields[field];
  return static_cast<float>(dequantize_ranged(c[0], f.min[0], f.max[0], bits(field, 0)));
}

std::optional<Vec2> EntityView::get_vec2(std::uint32_t field) const noexcept {
  const std::uint32_t* c = words(field, FieldKind::Vec2);
  if (c == nullptr) return std::nullopt;
  const FieldSpec& f = type_->fields[field];
  return Vec2{static_cast<float>(dequantize_ranged(c[0], f.min[0], f.max[0], bits(field, 0))),
              static_cast<float>(dequantize_ranged(c[1], f.min[1], f.max[1], bits(field, 1)))};
}

std::optional<Vec3> EntityView::get_vec3(std::uint32_t field) const noexcept {
  const std::uint32_t* c = words(field, FieldKind::Vec3);
  if (c == nullptr) return std::nullopt;
  const FieldSpec& f = type_->fields[field];
  return Vec3{static_cast<float>(dequantize_ranged(c[0], f.min[0], f.max[0], bits(field, 0))),
              static_cast<float>(dequantize_ranged(c[1], f.min[1], f.max[1], bits(field, 1))),
              static_cast<float>(dequantize_ranged(c[2], f.min[2], f.max[2], bits(field, 2)))};
}

std::optional<float> EntityView::get_angle(std::uint32_t field) const noexcept {
  const std::uint32_t* c = words(field, FieldKind::Angle);
  if (c == nullptr) return std::nullopt;
  return dequantize_angle(c[0], type_->fields[field].bits);
}

std::optional<Quat> EntityView::get_quat(std::uint32_t field) const noexcept {
  const std::uint32_t* c = words(field, FieldKind::Quaternion);
  if (c == nullptr) return std::nullopt;
  return dequantize_quaternion(std::span<const std::uint32_t, 4>(c, 4), type_->fields[field].bits);
}

}  // namespace tickwire
