// tickwire — a world's quantized state at one tick (Snapshot) and how to
// read an entity's values back from it (EntityView).
//
// Every field value is quantized when it is set and kept as unsigned integer
// codes ("words", one uint32 per scalar component), so two snapshots compare
// and delta exactly. Nothing here reads a clock: ticks are given by the caller.
// Single-threaded: one owner calls everything. No call throws; storage is
// sized once from the schema and ReplicationSettings and never grows.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "tickwire/schema.hpp"

namespace tickwire {

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
// max_entities x (17 + 4 x max_words) bytes.
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
  // Appends `count` entities of `from`, its entities first .. first + count
  // - 1, with their codes and without their stamps (0), as one copy. False,
  // and nothing appended, when they are not all in `from`, do not fit, or
  // would break the index order.
  bool append_from(const Snapshot& from, std::size_t first, std::size_t count) noexcept;

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
  // written through a span from append() after this call are not seen, nor
  // by the flags the range codec keeps once it has coded the snapshot: fill
  // appended codes before coding.) Coding or checking a snapshot, even
  // through a const reference, writes these caches: one thread at a time.
  [[nodiscard]] bool conforms(const Schema& schema, std::uint32_t max_entities) const noexcept;

  // Same tick, same entities (ids and types) and identical codes.
  friend bool operator==(const Snapshot& a, const Snapshot& b) noexcept;

 private:
  friend class SnapshotEncodeCache;  // gives and reads key_id_
  friend class EntityStore;          // a capture conforms to the store's schema
  friend struct SnapshotFlags;       // the range codec's entity flags (flags_)

  std::uint32_t tick_ = 0;
  std::uint32_t count_ = 0;
  std::uint32_t used_words_ = 0;
  std::vector<EntityRecord> entities_;           // size = capacity
  std::vector<std::uint32_t> codes_;             // size = code capacity
  mutable const Schema* conforms_to_ = nullptr;  // conforms() said yes for this schema
  mutable std::uint32_t conforms_max_ = 0;       // ... and this max_entities
  // Given by a SnapshotEncodeCache to a snapshot whose every record has a
  // change stamp: two snapshots with the same non-zero key id hold the same
  // records (ids, types and stamps, so the same codes), whatever their tick.
  // Copies keep it; any change to the records clears it. 0: none.
  mutable std::uint64_t key_id_ = 0;
  // The range codec's flag of each entity (its type's first Bool field),
  // kept by the codec that computed them for flags_for_'s schema; any change
  // to the entities or codes clears flags_for_. Always the capacity's size
  // (every constructor, copy and move keeps flags_ and entities_ equal).
  mutable std::vector<std::uint8_t> flags_;
  mutable const Schema* flags_for_ = nullptr;
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

}  // namespace tickwire
