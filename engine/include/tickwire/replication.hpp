// tickwire — replication: entity schema, quantization, the server's entity
// store, the snapshot ring and the snapshot codec (wire format in
// docs/PROTOCOL.md, "Snapshots").
//
// Every field value is quantized when it is set and kept as unsigned integer
// codes ("words", one uint32 per scalar component), so two snapshots compare
// and delta exactly. Nothing here reads a clock: ticks are given by the caller.
// Single-threaded: one owner calls everything. No call throws; storage is
// sized once from the schema and ReplicationSettings and never grows.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
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

// ---- Quantization ----------------------------------------------------------
//
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

  // Checks every type and derives the layouts. Errc::invalid_settings with a
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
  bitpacked,  // make_delta_codec(): plain bit fields, the cheapest to code
  range,      // make_range_codec(): the same records range-coded, about 12% smaller
};

struct ReplicationSettings {
  std::uint32_t max_entities = 1024;  // live entities per world, 1 .. kMaxEntities
  std::uint32_t snapshot_ring = 64;   // snapshots kept as baselines, 1 .. kMaxSnapshotRing
  // Most bytes of snapshot stream a SnapshotSender sends a client per
  // snapshot, 0 (no limit) or kMinBudgetBytes and up. The default keeps a
  // snapshot and its envelope inside one datagram of the transport.
  std::uint32_t budget_bytes = 1200;
  // How SnapshotSender and SnapshotReceiver code streams; both ends must agree.
  SnapshotCoding coding = SnapshotCoding::bitpacked;

  [[nodiscard]] Status validate() const;
};

// ---- Snapshots -------------------------------------------------------------

struct EntityRecord {
  EntityId id;
  TypeId type = 0;
  std::uint16_t words = 0;       // number of codes (the type's layout words)
  std::uint32_t first_word = 0;  // offset into the snapshot's code pool
  // The store's stamp of the last change to these codes: two records of one
  // entity with the same non-zero stamp hold the same codes, so senders skip
  // comparing them. 0: unknown (decoded snapshots), compare the codes.
  std::uint32_t version = 0;
};

// The quantized state of a world at one tick: live entities sorted by index,
// with their codes. Capacity (entities and codes) is fixed at construction:
// max_entities x the schema's largest entity. Memory: about
// max_entities x (12 + 4 x max_words) bytes.
class Snapshot {
 public:
  Snapshot() = default;  // capacity 0: holds only empty snapshots
  Snapshot(const Schema& schema, const ReplicationSettings& settings);
  Snapshot(const Snapshot&) = default;
  Snapshot& operator=(const Snapshot&) = default;
  // A moved-from snapshot is empty with capacity 0.
  Snapshot(Snapshot&& other) noexcept;
  Snapshot& operator=(Snapshot&& other) noexcept;

  [[nodiscard]] std::uint32_t tick() const noexcept { return tick_; }
  [[nodiscard]] std::uint32_t size() const noexcept { return count_; }
  [[nodiscard]] std::uint32_t capacity() const noexcept {
    return static_cast<std::uint32_t>(entities_.size());
  }
  [[nodiscard]] std::span<const EntityRecord> entities() const noexcept {
    return {entities_.data(), count_};
  }
  [[nodiscard]] std::span<const std::uint32_t> codes(const EntityRecord& e) const noexcept {
    return {codes_.data() + e.first_word, e.words};
  }
  // The entity at a slot index, or nullptr (binary search).
  [[nodiscard]] const EntityRecord* find(std::uint32_t index) const noexcept;

  // Building (the store's capture and the decoder): clear, then append in
  // strictly increasing index order. append returns the entity's codes to fill,
  // or an empty span when the snapshot is full or the order is broken.
  void clear(std::uint32_t tick) noexcept;
  // `version` is a change stamp, and only a stamp an EntityStore capture gave
  // these very codes may be passed on (0 otherwise): equal stamps are trusted
  // to mean equal codes.
  std::span<std::uint32_t> append(EntityId id, TypeId type, std::uint16_t words,
                                  std::uint32_t version = 0) noexcept;

  // Becomes a copy of `other`'s contents (not its capacity); false, and
  // empty, when they do not fit.
  bool assign(const Snapshot& other) noexcept;
  // Gives this snapshot's entity `rec.id` the codes and stamp that record
  // `rec` of `from` holds. False (nothing changed) when this snapshot has no
  // entity with that id, type and number of codes.
  bool overwrite(const Snapshot& from, const EntityRecord& rec) noexcept;

  // Whether every entity has a valid id below max_entities, a type of
  // `schema` with its number of codes, and codes within their ranges: what a
  // codec requires. The answer is remembered until the snapshot next
  // changes, so a snapshot coded for many clients is checked once. (Codes
  // written through a span from append() after this call are not seen.)
  [[nodiscard]] bool conforms(const Schema& schema, std::uint32_t max_entities) const noexcept;

  // Same tick, same entities (ids and types) and identical codes.
  friend bool operator==(const Snapshot& a, const Snapshot& b) noexcept;

 private:
  std::uint32_t tick_ = 0;
  std::uint32_t count_ = 0;
  std::uint32_t used_words_ = 0;
  std::vector<EntityRecord> entities_;           // size = capacity
  std::vector<std::uint32_t> codes_;             // size = code capacity
  mutable const Schema* conforms_to_ = nullptr;  // conforms() said yes for this schema
  mutable std::uint32_t conforms_max_ = 0;       // ... and this max_entities
};

// ---- Reading values back ----------------------------------------------------

// One entity's values, dequantized from its codes: how a client reads a
// decoded Snapshot (the store's getters use it too). A getter returns nullopt
// for a field index out of range or a field of another kind. Holds pointers:
// the schema and codes must outlive it.
class EntityView {
 public:
  // Entity `e` of snapshot `s`; `s` must come from `schema`.
  EntityView(const Schema& schema, const Snapshot& s, const EntityRecord& e) noexcept
      : EntityView(schema, e.type, s.codes(e)) {}
  // Codes of an entity of `type`. A view of an unknown type, or with fewer
  // codes than the type has, returns nullopt for every field.
  EntityView(const Schema& schema, TypeId type, std::span<const std::uint32_t> codes) noexcept;

  [[nodiscard]] std::optional<bool> get_bool(std::uint32_t field) const noexcept;
  [[nodiscard]] std::optional<std::int64_t> get_int(std::uint32_t field) const noexcept;
  [[nodiscard]] std::optional<float> get_float(std::uint32_t field) const noexcept;
  [[nodiscard]] std::optional<Vec2> get_vec2(std::uint32_t field) const noexcept;
  [[nodiscard]] std::optional<Vec3> get_vec3(std::uint32_t field) const noexcept;
  [[nodiscard]] std::optional<float> get_angle(std::uint32_t field) const noexcept;  // [0, 2 pi)
  [[nodiscard]] std::optional<Quat> get_quat(std::uint32_t field) const noexcept;

 private:
  [[nodiscard]] const std::uint32_t* words(std::uint32_t field, FieldKind kind) const noexcept;
  [[nodiscard]] std::uint32_t bits(std::uint32_t field, std::uint32_t component) const noexcept;

  const EntityTypeSpec* type_ = nullptr;  // nullptr: an unknown type or too few codes
  const TypeLayout* layout_ = nullptr;
  std::span<const std::uint32_t> codes_;
};

// ---- Server entity store ---------------------------------------------------

// The server's live entities. Setters quantize at once (the stored state is
// what every client will see); getters return the dequantized value. A setter
// or getter fails (false / nullopt) for a stale id, a field index out of
// range or a field of another kind.
class EntityStore {
 public:
  // `schema` must be validated and outlive the store. With invalid settings or
  // schema the store has no capacity.
  EntityStore(const Schema& schema, const ReplicationSettings& settings);
  // A copy is a new lineage: its entities get fresh change stamps (stamps are
  // drawn from one process-wide counter, so no two stores share one).
  EntityStore(const EntityStore& other);
  EntityStore& operator=(const EntityStore& other);
  EntityStore(EntityStore&&) noexcept = default;  // the moved-from store is unusable
  EntityStore& operator=(EntityStore&&) noexcept = default;

  // A new entity with all codes 0 (each range's min, false, identity
  // quaternion); EntityId{} when the store is full or the type is unknown.
  EntityId create(TypeId type);
  bool destroy(EntityId id);  // false for a stale or invalid id
  [[nodiscard]] bool alive(EntityId id) const noexcept;
  [[nodiscard]] std::optional<TypeId> type_of(EntityId id) const noexcept;
  [[nodiscard]] std::uint32_t size() const noexcept { return live_; }
  [[nodiscard]] std::uint32_t capacity() const noexcept { return capacity_; }

  bool set_bool(EntityId id, std::uint32_t field, bool value);
  bool set_int(EntityId id, std::uint32_t field, std::int64_t value);  // clamped to the range
  bool set_float(EntityId id, std::uint32_t field, float value);
  bool set_vec2(EntityId id, std::uint32_t field, Vec2 value);
  bool set_vec3(EntityId id, std::uint32_t field, Vec3 value);
  bool set_angle(EntityId id, std::uint32_t field, float radians);
  bool set_quat(EntityId id, std::uint32_t field, Quat value);

  [[nodiscard]] std::optional<bool> get_bool(EntityId id, std::uint32_t field) const;
  [[nodiscard]] std::optional<std::int64_t> get_int(EntityId id, std::uint32_t field) const;
  [[nodiscard]] std::optional<float> get_float(EntityId id, std::uint32_t field) const;
  [[nodiscard]] std::optional<Vec2> get_vec2(EntityId id, std::uint32_t field) const;
  [[nodiscard]] std::optional<Vec3> get_vec3(EntityId id, std::uint32_t field) const;
  [[nodiscard]] std::optional<float> get_angle(EntityId id, std::uint32_t field) const;
  [[nodiscard]] std::optional<Quat> get_quat(EntityId id, std::uint32_t field) const;
  // The entity's codes; empty for a stale id.
  [[nodiscard]] std::span<const std::uint32_t> codes(EntityId id) const noexcept;
  // All its values (a view of nothing for a stale id).
  [[nodiscard]] EntityView view(EntityId id) const noexcept;

  // The quantized state of every live entity, by index, into `out` (which
  // must have been made with the same schema and settings). Each record
  // carries its change stamp; a capture closes the current stamp (changes
  // after it get the next one).
  void capture(std::uint32_t tick, Snapshot& out) const noexcept;

 private:
  std::uint32_t* field_codes(EntityId id, std::uint32_t field, FieldKind kind) noexcept;
  [[nodiscard]] const std::uint32_t* field_codes(EntityId id, std::uint32_t field,
                                                 FieldKind kind) const noexcept;
  [[nodiscard]] const FieldSpec& spec(EntityId id, std::uint32_t field) const noexcept;
  [[nodiscard]] std::uint32_t bits(EntityId id, std::uint32_t field,
                                   std::uint32_t component) const noexcept;
  // Stores `n` codes of a field at `c`; stamps the entity when any differs.
  void write(EntityId id, std::uint32_t* c, const std::uint32_t* words, std::uint32_t n) noexcept;

  const Schema* schema_;
  std::uint32_t capacity_ = 0;
  std::uint32_t live_ = 0;
  std::uint32_t words_per_slot_ = 0;
  std::vector<std::uint32_t> generation_;  // per slot: current or next generation, 1 .. 2^20-1
  std::vector<std::uint16_t> slot_type_;   // per slot
  std::vector<std::uint8_t> slot_live_;    // per slot: 1 when occupied
  std::vector<std::uint32_t> free_;        // free slot indices, a stack
  std::vector<std::uint32_t> codes_;       // slot x words_per_slot_
  std::vector<std::uint32_t> changed_;     // per slot: stamp of the last change
  mutable std::uint32_t stamp_ = 0;        // stamp of changes since the last capture
  void restamp() noexcept;                 // every live entity changed, new lineage
};

// The last `snapshot_ring` captures, for use as baselines. Ticks must
// increase (compared modulo 2^32).
class SnapshotRing {
 public:
  SnapshotRing(const Schema& schema, const ReplicationSettings& settings);

  // Captures the store at `tick` over the oldest snapshot. nullptr (nothing
  // stored) when tick is not newer than the newest held.
  const Snapshot* capture(const EntityStore& store, std::uint32_t tick) noexcept;
  // The snapshot of `tick`, or nullptr when it was never captured or has left.
  [[nodiscard]] const Snapshot* find(std::uint32_t tick) const noexcept;
  [[nodiscard]] const Snapshot* newest() const noexcept;
  [[nodiscard]] std::uint32_t size() const noexcept { return count_; }

 private:
  std::vector<Snapshot> slots_;
  std::uint32_t next_ = 0;   // slot written by the next capture
  std::uint32_t count_ = 0;  // slots holding a snapshot
};

// ---- Snapshot codec --------------------------------------------------------

// Why a decode (or encode) failed. Errors are counted by cause in CodecStats.
enum class SnapshotError : std::uint8_t {
  none = 0,
  overrun,             // the stream ended inside a value
  trailing_data,       // bytes or non-zero padding bits after the last value
  bad_header,          // baseline age beyond 2^32 - 1
  missing_baseline,    // the stream is a delta but no baseline was given
  wrong_baseline,      // the stream is a delta against another tick than the baseline's
  too_many_entities,   // an entity count or the result exceeds max_entities
  index_out_of_range,  // an entity index at or beyond max_entities
  unknown_type,        // an entity type the schema does not have
  bad_generation,      // generation 0 or beyond 2^20 - 1
  no_such_entity,      // update or removal of an entity the baseline does not hold
  empty_update,        // an update that changes no field
  value_out_of_range,  // a code beyond its field's range
  count_mismatch,      // the result's entity count differs from the stated count
  buffer_too_small,    // encode: the output buffer cannot hold the stream
  bad_snapshot,        // encode: the snapshot does not fit the schema or settings
};
inline constexpr std::size_t kSnapshotErrorCount =
    static_cast<std::size_t>(SnapshotError::bad_snapshot) + 1;

const char* to_string(SnapshotError error) noexcept;

struct CodecStats {
  std::uint64_t encoded = 0;        // streams written
  std::uint64_t encoded_bytes = 0;  // their total size, bytes
  std::uint64_t decoded = 0;        // streams accepted
  std::uint64_t decode_errors = 0;  // streams rejected (sum of errors[] from decode)
  std::array<std::uint64_t, kSnapshotErrorCount> errors{};  // by cause, encode and decode
};

struct EncodeResult {
  SnapshotError error = SnapshotError::none;
  std::size_t bytes = 0;  // stream size when error is none
};

// A way of coding a snapshot against an optional baseline. The bit-packed
// delta codec below is the first; an entropy-coded one can take its place.
// decode() never trusts its input: bounded time (linear in the stream and
// the baseline) and no allocation. On error `out` is left empty.
class SnapshotCodec {
 public:
  virtual ~SnapshotCodec() = default;
  SnapshotCodec() = default;
  SnapshotCodec(const SnapshotCodec&) = delete;
  SnapshotCodec& operator=(const SnapshotCodec&) = delete;

  // `baseline` nullptr: a full snapshot. Both snapshots must come from the
  // schema this codec was made with.
  EncodeResult encode(const Snapshot& current, const Snapshot* baseline,
                      std::span<std::uint8_t> out) noexcept;
  // `baseline` is needed when the stream is a delta; it is ignored otherwise.
  // `out` must have the capacity of the codec's settings.
  SnapshotError decode(std::span<const std::uint8_t> in, const Snapshot* baseline,
                       Snapshot& out) noexcept;

  // The bits of a stream's header, and of one record without its index gap:
  // `cur` of `current` coded against `base` of `baseline` (nullptr `cur`: a
  // removal; nullptr `base`, or another entity: a create). Exact for the
  // delta codec; the sender's budget uses them to choose what fits.
  [[nodiscard]] virtual std::uint32_t header_bits(bool delta) const noexcept = 0;
  [[nodiscard]] virtual std::uint32_t record_bits(const Snapshot& current, const EntityRecord* cur,
                                                  const Snapshot* baseline,
                                                  const EntityRecord* base) const noexcept = 0;
  // Upper bound of an encoded stream for this schema and settings, bytes.
  [[nodiscard]] virtual std::size_t max_encoded_bytes() const noexcept = 0;
  [[nodiscard]] const CodecStats& stats() const noexcept { return stats_; }

 protected:
  virtual EncodeResult do_encode(const Snapshot& current, const Snapshot* baseline,
                                 std::span<std::uint8_t> out) noexcept = 0;
  virtual SnapshotError do_decode(std::span<const std::uint8_t> in, const Snapshot* baseline,
                                  Snapshot& out) noexcept = 0;

 private:
  CodecStats stats_;
};

// The bit-packed delta codec (docs/PROTOCOL.md, "Snapshots"). `schema` must be validated
// and outlive the codec; nullptr when schema or settings are invalid.
std::unique_ptr<SnapshotCodec> make_delta_codec(const Schema& schema,
                                                const ReplicationSettings& settings);

// The range-coded codec: the delta codec's records (same walk, gaps, kinds,
// masks and component deltas), every decision and value bit coded by an
// adaptive binary range coder whose models restart with each stream, so each
// stream decodes on its own (format in engine/src/replication/range_codec.cpp).
// Smaller than the delta codec's streams when many records look alike; the
// same decoder checks. header_bits() and record_bits() return the delta
// codec's costs, an estimate that is usually above this codec's. `schema`
// must be validated and outlive the codec; nullptr when schema or settings
// are invalid.
std::unique_ptr<SnapshotCodec> make_range_codec(const Schema& schema,
                                                const ReplicationSettings& settings);

// The codec settings.coding names (what the senders and receivers use).
std::unique_ptr<SnapshotCodec> make_codec(const Schema& schema,
                                          const ReplicationSettings& settings);

}  // namespace tickwire
