// tickwire — the server's side of replication: the live entities
// (EntityStore), whose setters quantize at once, and the ring of recent
// captures that serve as baselines (SnapshotRing).
//
// Every field value is quantized when it is set and kept as unsigned integer
// codes ("words", one uint32 per scalar component), so two snapshots compare
// and delta exactly. Nothing here reads a clock: ticks are given by the caller.
// Single-threaded: one owner calls everything. No call throws; storage is
// sized once from the schema and ReplicationSettings and never grows.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "tickwire/snapshot.hpp"

namespace tickwire {

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

}  // namespace tickwire
