// tickwire — what a game replicates: entity ids, the schema of entity types
// and their fields (each with its quantization), and the replication
// settings. The wire format is in docs/PROTOCOL.md, "Snapshots".
//
// Every field value is quantized when it is set and kept as unsigned integer
// codes ("words", one uint32 per scalar component), so two snapshots compare
// and delta exactly. Nothing here reads a clock: ticks are given by the caller.
// Single-threaded: one owner calls everything. No call throws; storage is
// sized once from the schema and ReplicationSettings and never grows.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "tickwire/status.hpp"

namespace tickwire {

// ---- Fixed limits ----------------------------------------------------------

inline constexpr std::uint32_t kMaxEntityTypes = 256;    // types per schema
inline constexpr std::uint32_t kMaxFieldsPerType = 32;   // fields per type (the change mask)
inline constexpr std::uint32_t kMaxEntities = 4096;      // live entities per world
inline constexpr std::uint32_t kMaxComponentBits = 32;   // bits of one quantized component
inline constexpr std::uint32_t kMaxQuaternionBits = 24;  // bits per smallest-three component
inline constexpr std::uint32_t kMinQuaternionBits = 5;   // below this the error bound fails
inline constexpr std::uint32_t kMaxSnapshotRing = 1024;  // snapshots a ring may keep
inline constexpr std::uint32_t kMinBudgetBytes = 64;     // smallest per-snapshot byte budget

// An entity id: slot index in the low 12 bits, the slot's generation in the
// high 20. A slot's generation changes every time its entity is destroyed, so
// an id of a destroyed entity never names the slot's next occupant (until the
// generation wraps after 2^20 - 1 reuses of one slot). Generation 0 is never
// used: EntityId{} (value 0) is "no entity".
struct EntityId {
  static constexpr std::uint32_t kIndexBits = 12;
  static constexpr std::uint32_t kGenerationBits = 20;
  static constexpr std::uint32_t kMaxGeneration = (1u << kGenerationBits) - 1;

  std::uint32_t value = 0;

  static constexpr EntityId make(std::uint32_t index, std::uint32_t generation) noexcept {
    return EntityId{(generation << kIndexBits) | (index & ((1u << kIndexBits) - 1))};
  }
  [[nodiscard]] constexpr std::uint32_t index() const noexcept {
    return value & ((1u << kIndexBits) - 1);
  }
  [[nodiscard]] constexpr std::uint32_t generation() const noexcept { return value >> kIndexBits; }
  [[nodiscard]] constexpr bool valid() const noexcept { return generation() != 0; }
  friend constexpr bool operator==(EntityId a, EntityId b) noexcept = default;
};

using TypeId = std::uint16_t;  // index of an entity type in its Schema, in order of add()

struct Vec2 {
  float x = 0, y = 0;
};
struct Vec3 {
  float x = 0, y = 0, z = 0;
};
struct Quat {  // rotation as a unit quaternion; q and -q are the same rotation
  float x = 0, y = 0, z = 0, w = 1;
};

// ---- Schema ----------------------------------------------------------------

enum class FieldKind : std::uint8_t { Bool, Integer, Float, Vec2, Vec3, Angle, Quaternion };

const char* to_string(FieldKind kind) noexcept;

// One field of an entity type. Use the factories; units are the game's own
// (metres, radians, ...). Words per value: Bool, Integer, Float, Angle 1;
// Vec2 2; Vec3 3; Quaternion 4.
struct FieldSpec {
  std::string name;  // for error messages and tools
  FieldKind kind = FieldKind::Bool;
  std::int64_t int_min = 0, int_max = 0;  // Integer: inclusive range, max - min < 2^32
  std::array<double, 3> min{}, max{};     // Float ([0] only), Vec2 ([0..1]), Vec3: per component
  double resolution = 0;                  // Float, Vec: largest step between codes, > 0
  std::uint32_t bits = 0;                 // Angle: codes per turn = 2^bits; Quaternion: per comp.

  static FieldSpec boolean(std::string name);
  static FieldSpec integer(std::string name, std::int64_t min, std::int64_t max);
  static FieldSpec real(std::string name, double min, double max, double resolution);
  static FieldSpec vec2(std::string name, Vec2 min, Vec2 max, double resolution);
  static FieldSpec vec3(std::string name, Vec3 min, Vec3 max, double resolution);
  static FieldSpec angle(std::string name, std::uint32_t bits);
  static FieldSpec quaternion(std::string name, std::uint32_t bits);
};

struct EntityTypeSpec {
  std::string name;
  std::vector<FieldSpec> fields;  // 1 .. kMaxFieldsPerType
};

// Layout derived by Schema::validate(): one entry per word of an entity.
struct ComponentLayout {
  std::uint8_t bits = 0;       // bits on the wire, 1 .. kMaxComponentBits
  std::uint32_t max_code = 0;  // largest valid code (2^bits - 1 except for Integer ranges)
};

struct FieldLayout {
  FieldKind kind = FieldKind::Bool;
  std::uint16_t first_word = 0;  // offset of the field's words in the entity's words
  std::uint8_t words = 0;        // 1 .. 4
};

struct TypeLayout {
  std::uint32_t words = 0;                  // uint32 codes per entity of this type
  std::uint32_t full_bits = 0;              // bits of all codes written raw
  std::vector<FieldLayout> fields;          // per field
  std::vector<ComponentLayout> components;  // per word
};

// The entity types a game replicates. Built by the game (add types), then
// validate() once; server and client must build identical schemas. Stores,
// rings and codecs keep a reference: the schema must outlive them and must not
// change after validate().
class Schema {
 public:
  TypeId add(EntityTypeSpec type);  // returns the new type's id (0, 1, 2, ...)

  // Checks every type and derives the layouts. Errc::InvalidSettings with a
  // message naming the type and field on error (no fields, too many fields,
  // 0 or too many bits, min >= max, non-positive resolution, ...).
  [[nodiscard]] Status validate();
  [[nodiscard]] bool validated() const noexcept { return validated_; }

  [[nodiscard]] std::uint32_t type_count() const noexcept {
    return static_cast<std::uint32_t>(types_.size());
  }
  [[nodiscard]] const EntityTypeSpec& type(TypeId id) const { return types_[id]; }
  [[nodiscard]] const TypeLayout& layout(TypeId id) const { return layouts_[id]; }
  [[nodiscard]] std::uint32_t max_words() const noexcept { return max_words_; }
  [[nodiscard]] std::uint32_t max_full_bits() const noexcept { return max_full_bits_; }
  [[nodiscard]] std::uint32_t type_bits() const noexcept { return type_bits_; }  // on the wire

 private:
  std::vector<EntityTypeSpec> types_;
  std::vector<TypeLayout> layouts_;
  std::uint32_t max_words_ = 0;
  std::uint32_t max_full_bits_ = 0;
  std::uint32_t type_bits_ = 0;
  bool validated_ = false;
};

// How snapshot streams are coded (docs/PROTOCOL.md, "Snapshots").
enum class SnapshotCoding : std::uint8_t {
  Bitpacked,  // make_delta_codec(): plain bit fields, the cheapest to code
  Range,      // make_range_codec(): adaptive range coding, a third smaller or more
};

struct ReplicationSettings {
  std::uint32_t max_entities = 1024;  // live entities per world, 1 .. kMaxEntities
  std::uint32_t snapshot_ring = 64;   // snapshots kept as baselines, 1 .. kMaxSnapshotRing
  // Most bytes of snapshot stream a SnapshotSender sends a client per
  // snapshot, 0 (no limit) or kMinBudgetBytes and up. The default keeps a
  // snapshot and its envelope inside one datagram of the transport.
  std::uint32_t budget_bytes = 1200;
  // How SnapshotSender and SnapshotReceiver code streams; both ends must agree.
  SnapshotCoding coding = SnapshotCoding::Range;
  // The range codec's starting probabilities, trained by RangePriorTrainer
  // on this schema; empty: every model starts at 1/2. Both ends must use the
  // same table, and it must outlive every codec made with these settings.
  std::span<const std::uint16_t> range_priors{};

  [[nodiscard]] Status validate() const;
};

}  // namespace tickwire
