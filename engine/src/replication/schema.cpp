// Schema validation and layout, field factories, settings checks.
#include <cmath>
#include <string>
#include <utility>

#include "replication/quantize.hpp"
#include "tickwire/schema.hpp"

namespace tickwire {
namespace {

Status field_error(const EntityTypeSpec& type, const FieldSpec& field, const std::string& what) {
  return Status(Errc::InvalidSettings,
                "replication schema: type '" + type.name + "' field '" + field.name + "': " + what);
}

// Appends `count` components of `bits` bits and largest code `max_code`.
void add_components(TypeLayout& layout, std::uint32_t count, std::uint32_t bits,
                    std::uint32_t max_code) {
  for (std::uint32_t i = 0; i < count; ++i) {
    layout.components.push_back(ComponentLayout{static_cast<std::uint8_t>(bits), max_code});
    layout.full_bits += bits;
  }
}

std::uint32_t all_ones(std::uint32_t bits) {
  return bits >= 32 ? 0xFFFFFFFFu : ((1u << bits) - 1);
}

// Checks one field and appends its layout. Returns a failed Status on error.
Status lay_out_field(const EntityTypeSpec& type, const FieldSpec& f, TypeLayout& layout) {
  FieldLayout fl;
  fl.kind = f.kind;
  fl.first_word = static_cast<std::uint16_t>(layout.components.size());
  switch (f.kind) {
    case FieldKind::Bool: add_components(layout, 1, 1, 1); break;
    case FieldKind::Integer: {
      if (f.int_min >= f.int_max) return field_error(type, f, "integer min must be below max");
      const std::uint64_t span =
          static_cast<std::uint64_t>(f.int_max) - static_cast<std::uint64_t>(f.int_min);
      if (span > 0xFFFFFFFFull) return field_error(type, f, "integer range exceeds 32 bits");
      std::uint32_t bits = 1;
      while (bits < 32 && (span >> bits) != 0) ++bits;
      add_components(layout, 1, bits, static_cast<std::uint32_t>(span));
      break;
    }
    case FieldKind::Float:
    case FieldKind::Vec2:
    case FieldKind::Vec3: {
      const std::uint32_t count =
          f.kind == FieldKind::Float ? 1u : (f.kind == FieldKind::Vec2 ? 2u : 3u);
      for (std::uint32_t i = 0; i < count; ++i) {
        const std::string comp = count == 1 ? "" : " (component " + std::to_string(i) + ")";
        if (!std::isfinite(f.min[i]) || !std::isfinite(f.max[i]) || !(f.min[i] < f.max[i]))
          return field_error(type, f, "min must be below max, both finite" + comp);
        if (!std::isfinite(f.resolution) || !(f.resolution > 0))
          return field_error(type, f, "resolution must be positive and finite");
        const std::uint32_t bits = bits_for_range(f.min[i], f.max[i], f.resolution);
        if (bits > kMaxComponentBits)
          return field_error(type, f,
                             "range / resolution needs more than " +
                                 std::to_string(kMaxComponentBits) + " bits" + comp);
        add_components(layout, 1, bits, all_ones(bits));
      }
      break;
    }
    case FieldKind::Angle:
      if (f.bits == 0 || f.bits > kMaxComponentBits)
        return field_error(type, f, "angle bits must be 1.." + std::to_string(kMaxComponentBits));
      add_components(layout, 1, f.bits, all_ones(f.bits));
      break;
    case FieldKind::Quaternion:
      if (f.bits < kMinQuaternionBits || f.bits > kMaxQuaternionBits)
        return field_error(type, f,
                           "quaternion bits per component must be " +
                               std::to_string(kMinQuaternionBits) + ".." +
                               std::to_string(kMaxQuaternionBits));
      add_components(layout, 1, 2, 3);
      add_components(layout, 3, f.bits, all_ones(f.bits));
      break;
    default: return field_error(type, f, "unknown field kind");
  }
  fl.words = static_cast<std::uint8_t>(layout.components.size() - fl.first_word);
  layout.fields.push_back(fl);
  return {};
}

}  // namespace

const char* to_string(FieldKind kind) noexcept {
  switch (kind) {
    case FieldKind::Bool: return "bool";
    case FieldKind::Integer: return "integer";
    case FieldKind::Float: return "float";
    case FieldKind::Vec2: return "vec2";
    case FieldKind::Vec3: return "vec3";
    case FieldKind::Angle: return "angle";
    case FieldKind::Quaternion: return "quaternion";
  }
  return "unknown";
}

FieldSpec FieldSpec::boolean(std::string name) {
  FieldSpec f;
  f.name = std::move(name);
  f.kind = FieldKind::Bool;
  return f;
}

FieldSpec FieldSpec::integer(std::string name, std::int64_t min, std::int64_t max) {
  FieldSpec f;
  f.name = std::move(name);
  f.kind = FieldKind::Integer;
  f.int_min = min;
  f.int_max = max;
  return f;
}

FieldSpec FieldSpec::real(std::string name, double min, double max, double resolution) {
  FieldSpec f;
  f.name = std::move(name);
  f.kind = FieldKind::Float;
  f.min[0] = min;
  f.max[0] = max;
  f.resolution = resolution;
  return f;
}

FieldSpec FieldSpec::vec2(std::string name, Vec2 min, Vec2 max, double resolution) {
  FieldSpec f;
  f.name = std::move(name);
  f.kind = FieldKind::Vec2;
  f.min = {min.x, min.y, 0};
  f.max = {max.x, max.y, 0};
  f.resolution = resolution;
  return f;
}

FieldSpec FieldSpec::vec3(std::string name, Vec3 min, Vec3 max, double resolution) {
  FieldSpec f;
  f.name = std::move(name);
  f.kind = FieldKind::Vec3;
  f.min = {min.x, min.y, min.z};
  f.max = {max.x, max.y, max.z};
  f.resolution = resolution;
  return f;
}

FieldSpec FieldSpec::angle(std::string name, std::uint32_t bits) {
  FieldSpec f;
  f.name = std::move(name);
  f.kind = FieldKind::Angle;
  f.bits = bits;
  return f;
}

FieldSpec FieldSpec::quaternion(std::string name, std::uint32_t bits) {
  FieldSpec f;
  f.name = std::move(name);
  f.kind = FieldKind::Quaternion;
  f.bits = bits;
  return f;
}

TypeId Schema::add(EntityTypeSpec type) {
  validated_ = false;
  types_.push_back(std::move(type));
  return static_cast<TypeId>(types_.size() - 1);
}

Status Schema::validate() {
  validated_ = false;
  layouts_.clear();
  max_words_ = max_full_bits_ = type_bits_ = 0;
  if (types_.empty()) return Status(Errc::InvalidSettings, "replication schema: no entity types");
  if (types_.size() > kMaxEntityTypes)
    return Status(Errc::InvalidSettings, "replication schema: more than " +
                                             std::to_string(kMaxEntityTypes) + " entity types");
  std::vector<TypeLayout> layouts;
  layouts.reserve(types_.size());
  for (const EntityTypeSpec& type : types_) {
    if (type.fields.empty())
      return Status(Errc::InvalidSettings,
                    "replication schema: type '" + type.name + "' has no fields");
    if (type.fields.size() > kMaxFieldsPerType)
      return Status(Errc::InvalidSettings, "replication schema: type '" + type.name +
                                               "' has more than " +
                                               std::to_string(kMaxFieldsPerType) + " fields");
    TypeLayout layout;
    for (const FieldSpec& field : type.fields) {
      Status s = lay_out_field(type, field, layout);
      if (!s) return s;
    }
    layout.words = static_cast<std::uint32_t>(layout.components.size());
    if (layout.words > max_words_) max_words_ = layout.words;
    if (layout.full_bits > max_full_bits_) max_full_bits_ = layout.full_bits;
    layouts.push_back(std::move(layout));
  }
  while ((1u << type_bits_) < types_.size()) ++type_bits_;
  layouts_ = std::move(layouts);
  validated_ = true;
  return {};
}

Status ReplicationSettings::validate() const {
  if (max_entities < 1 || max_entities > kMaxEntities)
    return Status(Errc::InvalidSettings,
                  "replication: max_entities must be 1.." + std::to_string(kMaxEntities));
  if (snapshot_ring < 1 || snapshot_ring > kMaxSnapshotRing)
    return Status(Errc::InvalidSettings,
                  "replication: snapshot_ring must be 1.." + std::to_string(kMaxSnapshotRing));
  if (coding != SnapshotCoding::Bitpacked && coding != SnapshotCoding::Range)
    return Status(Errc::InvalidSettings, "replication: coding must be bitpacked or range");
  if (budget_bytes != 0 && budget_bytes < kMinBudgetBytes)
    return Status(Errc::InvalidSettings,
                  "replication: budget_bytes must be 0 (no limit) or at least " +
                      std::to_string(kMinBudgetBytes));
  return {};
}

}  // namespace tickwire
