// Snapshot storage, the server's entity store and the snapshot ring.
#include <algorithm>
#include <atomic>
#include <cmath>

#include "replication/quantize.hpp"
#include "tickwire/entity_store.hpp"

namespace tickwire {
namespace {

bool usable(const Schema& schema, const ReplicationSettings& settings) {
  return schema.validated() && settings.validate().ok();
}

// True when tick a is newer than tick b, modulo 2^32.
bool newer(std::uint32_t a, std::uint32_t b) noexcept {
  return static_cast<std::int32_t>(a - b) > 0;
}

}  // namespace

// ---- Snapshot ----

Snapshot::Snapshot(const Schema& schema, const ReplicationSettings& settings) {
  if (!usable(schema, settings)) return;
  entities_.resize(settings.max_entities);
  codes_.resize(static_cast<std::size_t>(settings.max_entities) * schema.max_words());
  flags_.resize(settings.max_entities);
}

const EntityRecord* Snapshot::find(std::uint32_t index) const noexcept {
  const auto live = entities();
  const auto it =
      std::lower_bound(live.begin(), live.end(), index,
                       [](const EntityRecord& e, std::uint32_t i) { return e.id.index() < i; });
  return (it != live.end() && it->id.index() == index) ? &*it : nullptr;
}

void Snapshot::clear(std::uint32_t tick) noexcept {
  conforms_to_ = nullptr;
  key_id_ = 0;
  flags_for_ = nullptr;
  tick_ = tick;
  count_ = 0;
  used_words_ = 0;
}

std::span<std::uint32_t> Snapshot::append(EntityId id, TypeId type, std::uint16_t words,
                                          std::uint32_t version) noexcept {
  conforms_to_ = nullptr;
  key_id_ = 0;
  flags_for_ = nullptr;
  if (count_ >= entities_.size() || words > codes_.size() - used_words_) return {};
  if (count_ > 0 && entities_[count_ - 1].id.index() >= id.index()) return {};
  entities_[count_] = EntityRecord{id, type, words, used_words_, version};
  ++count_;
  const std::span<std::uint32_t> out(codes_.data() + used_words_, words);
  used_words_ += words;
  return out;
}

bool Snapshot::append_from(const Snapshot& from, std::size_t first, std::size_t count) noexcept {
  if (count == 0) return true;
  if (first > from.count_ || count > from.count_ - first || count > entities_.size() - count_)
    return false;
  const EntityRecord* src = from.entities_.data() + first;
  if (count_ > 0 && entities_[count_ - 1].id.index() >= src[0].id.index()) return false;
  // Every snapshot is built by append() (or copied whole), so the codes of
  // consecutive entities lie back to back.
  const std::uint32_t begin = src[0].first_word;
  const std::uint32_t words = src[count - 1].first_word + src[count - 1].words - begin;
  if (words > codes_.size() - used_words_) return false;
  conforms_to_ = nullptr;
  key_id_ = 0;
  flags_for_ = nullptr;
  std::copy_n(from.codes_.begin() + begin, words, codes_.begin() + used_words_);
  for (std::size_t i = 0; i < count; ++i) {
    EntityRecord r = src[i];
    r.first_word = r.first_word - begin + used_words_;
    r.version = 0;
    entities_[count_ + i] = r;
  }
  count_ += static_cast<std::uint32_t>(count);
  used_words_ += words;
  return true;
}

Snapshot::Snapshot(Snapshot&& other) noexcept
    : tick_(other.tick_),
      count_(other.count_),
      used_words_(other.used_words_),
      entities_(std::move(other.entities_)),
      codes_(std::move(other.codes_)),
      conforms_to_(other.conforms_to_),
      conforms_max_(other.conforms_max_),
      key_id_(other.key_id_),
      flags_(std::move(other.flags_)),
      flags_for_(other.flags_for_) {
  other.entities_.clear();
  other.codes_.clear();
  other.flags_.clear();
  other.clear(0);  // an empty snapshot of capacity 0
}

Snapshot& Snapshot::operator=(Snapshot&& other) noexcept {
  if (this == &other) return *this;
  tick_ = other.tick_;
  count_ = other.count_;
  used_words_ = other.used_words_;
  entities_ = std::move(other.entities_);
  codes_ = std::move(other.codes_);
  conforms_to_ = other.conforms_to_;
  conforms_max_ = other.conforms_max_;
  key_id_ = other.key_id_;
  flags_ = std::move(other.flags_);
  flags_for_ = other.flags_for_;
  other.entities_.clear();
  other.codes_.clear();
  other.flags_.clear();
  other.clear(0);
  return *this;
}

bool Snapshot::assign(const Snapshot& other) noexcept {
  if (this == &other) return true;
  clear(other.tick_);
  if (other.count_ > entities_.size() || other.used_words_ > codes_.size()) return false;
  std::copy_n(other.entities_.begin(), other.count_, entities_.begin());
  std::copy_n(other.codes_.begin(), other.used_words_, codes_.begin());
  count_ = other.count_;
  used_words_ = other.used_words_;
  conforms_to_ = other.conforms_to_;
  conforms_max_ = other.conforms_max_;
  key_id_ = other.key_id_;
  if (other.flags_for_ != nullptr && flags_.size() >= other.count_) {
    std::copy_n(other.flags_.begin(), other.count_, flags_.begin());
    flags_for_ = other.flags_for_;
  }
  return true;
}

bool Snapshot::overwrite(const Snapshot& from, const EntityRecord& rec) noexcept {
  const EntityRecord* mine = find(rec.id.index());
  if (mine == nullptr || mine->id != rec.id || mine->type != rec.type || mine->words != rec.words)
    return false;
  const auto src = from.codes(rec);
  std::copy(src.begin(), src.end(), codes_.begin() + mine->first_word);
  entities_[static_cast<std::size_t>(mine - entities_.data())].version = rec.version;
  key_id_ = 0;
  flags_for_ = nullptr;
  // Still conforming when both did for the same schema.
  if (conforms_to_ != from.conforms_to_ || conforms_max_ != from.conforms_max_)
    conforms_to_ = nullptr;
  return true;
}

bool Snapshot::conforms(const Schema& schema, std::uint32_t max_entities) const noexcept {
  if (conforms_to_ == &schema && conforms_max_ == max_entities) return true;
  if (count_ > max_entities) return false;
  for (const EntityRecord& e : entities()) {
    if (e.id.index() >= max_entities || !e.id.valid() || e.type >= schema.type_count() ||
        e.words != schema.layout(e.type).words)
      return false;
    const auto& comps = schema.layout(e.type).components;
    const std::uint32_t* c = codes_.data() + e.first_word;
    for (std::size_t k = 0; k < comps.size(); ++k)
      if (c[k] > comps[k].max_code) return false;
  }
  conforms_to_ = &schema;
  conforms_max_ = max_entities;
  return true;
}

bool operator==(const Snapshot& a, const Snapshot& b) noexcept {
  if (a.tick_ != b.tick_ || a.count_ != b.count_) return false;
  for (std::uint32_t i = 0; i < a.count_; ++i) {
    const EntityRecord& x = a.entities_[i];
    const EntityRecord& y = b.entities_[i];
    if (x.id != y.id || x.type != y.type || x.words != y.words) return false;
    const auto cx = a.codes(x);
    const auto cy = b.codes(y);
    if (!std::equal(cx.begin(), cx.end(), cy.begin())) return false;
  }
  return true;
}

// ---- EntityStore ----

namespace {
// Change stamps come from one counter for the whole process, so stores (and
// copies of stores) never hand the same stamp to different codes. 0 is
// skipped: it means "unknown". Wraps after 2^32 captures in all.
std::uint32_t next_stamp() noexcept {
  static std::atomic<std::uint32_t> counter{0};
  std::uint32_t s = 0;
  do {
    s = counter.fetch_add(1, std::memory_order_relaxed) + 1;
  } while (s == 0);
  return s;
}
}  // namespace

EntityStore::EntityStore(const EntityStore& other)
    : schema_(other.schema_),
      capacity_(other.capacity_),
      live_(other.live_),
      words_per_slot_(other.words_per_slot_),
      generation_(other.generation_),
      slot_type_(other.slot_type_),
      slot_live_(other.slot_live_),
      free_(other.free_),
      codes_(other.codes_),
      changed_(other.changed_) {
  restamp();
}

EntityStore& EntityStore::operator=(const EntityStore& other) {
  if (this == &other) return *this;
  EntityStore copy(other);
  *this = std::move(copy);
  return *this;
}

void EntityStore::restamp() noexcept {
  const std::uint32_t s = next_stamp();
  std::fill(changed_.begin(), changed_.end(), s);
  stamp_ = next_stamp();
}

EntityStore::EntityStore(const Schema& schema, const ReplicationSettings& settings)
    : schema_(&schema) {
  if (!usable(schema, settings)) return;
  capacity_ = settings.max_entities;
  words_per_slot_ = schema.max_words();
  generation_.assign(capacity_, 1);
  slot_type_.assign(capacity_, 0);
  slot_live_.assign(capacity_, 0);
  codes_.assign(static_cast<std::size_t>(capacity_) * words_per_slot_, 0);
  changed_.assign(capacity_, 0);
  stamp_ = next_stamp();
  free_.reserve(capacity_);
  // A stack: lowest indices come out first, which keeps relative indices small.
  for (std::uint32_t i = capacity_; i > 0; --i) free_.push_back(i - 1);
}

EntityId EntityStore::create(TypeId type) {
  if (free_.empty() || type >= schema_->type_count()) return {};
  const std::uint32_t index = free_.back();
  free_.pop_back();
  slot_live_[index] = 1;
  slot_type_[index] = type;
  std::uint32_t* codes = codes_.data() + static_cast<std::size_t>(index) * words_per_slot_;
  std::fill(codes, codes + words_per_slot_, 0u);
  // Quaternions start at the identity: largest component w (index 3), others 0.
  const TypeLayout& layout = schema_->layout(type);
  for (const FieldLayout& f : layout.fields) {
    if (f.kind != FieldKind::Quaternion) continue;
    const auto identity = quantize_quaternion(Quat{}, layout.components[f.first_word + 1].bits);
    std::copy(identity.begin(), identity.end(), codes + f.first_word);
  }
  changed_[index] = stamp_;
  ++live_;
  return EntityId::make(index, generation_[index]);
}

bool EntityStore::alive(EntityId id) const noexcept {
  const std::uint32_t index = id.index();
  return id.valid() && index < capacity_ && slot_live_[index] != 0 &&
         generation_[index] == id.generation();
}

std::optional<TypeId> EntityStore::type_of(EntityId id) const noexcept {
  if (!alive(id)) return std::nullopt;
  return slot_type_[id.index()];
}

bool EntityStore::destroy(EntityId id) {
  if (!alive(id)) return false;
  const std::uint32_t index = id.index();
  slot_live_[index] = 0;
  generation_[index] = generation_[index] >= EntityId::kMaxGeneration ? 1 : generation_[index] + 1;
  free_.push_back(index);
  --live_;
  return true;
}

std::span<const std::uint32_t> EntityStore::codes(EntityId id) const noexcept {
  if (!alive(id)) return {};
  const std::uint32_t index = id.index();
  return {codes_.data() + static_cast<std::size_t>(index) * words_per_slot_,
          schema_->layout(slot_type_[index]).words};
}

const std::uint32_t* EntityStore::field_codes(EntityId id, std::uint32_t field,
                                              FieldKind kind) const noexcept {
  if (!alive(id)) return nullptr;
  const std::uint32_t index = id.index();
  const TypeLayout& layout = schema_->layout(slot_type_[index]);
  if (field >= layout.fields.size() || layout.fields[field].kind != kind) return nullptr;
  return codes_.data() + static_cast<std::size_t>(index) * words_per_slot_ +
         layout.fields[field].first_word;
}

std::uint32_t* EntityStore::field_codes(EntityId id, std::uint32_t field, FieldKind kind) noexcept {
  const auto* self = this;
  return const_cast<std::uint32_t*>(self->field_codes(id, field, kind));
}

// Valid only after field_codes() accepted id and field.
const FieldSpec& EntityStore::spec(EntityId id, std::uint32_t field) const noexcept {
  return schema_->type(slot_type_[id.index()]).fields[field];
}

std::uint32_t EntityStore::bits(EntityId id, std::uint32_t field,
                                std::uint32_t component) const noexcept {
  const TypeLayout& layout = schema_->layout(slot_type_[id.index()]);
  return layout.components[layout.fields[field].first_word + component].bits;
}

void EntityStore::write(EntityId id, std::uint32_t* c, const std::uint32_t* words,
                        std::uint32_t n) noexcept {
  bool differs = false;
  for (std::uint32_t i = 0; i < n; ++i) {
    differs |= c[i] != words[i];
    c[i] = words[i];
  }
  if (differs) changed_[id.index()] = stamp_;
}

bool EntityStore::set_bool(EntityId id, std::uint32_t field, bool value) {
  std::uint32_t* c = field_codes(id, field, FieldKind::Bool);
  if (c == nullptr) return false;
  const std::uint32_t w = value ? 1 : 0;
  write(id, c, &w, 1);
  return true;
}

bool EntityStore::set_int(EntityId id, std::uint32_t field, std::int64_t value) {
  std::uint32_t* c = field_codes(id, field, FieldKind::Integer);
  if (c == nullptr) return false;
  const FieldSpec& f = spec(id, field);
  const std::int64_t v = std::clamp(value, f.int_min, f.int_max);
  const auto w = static_cast<std::uint32_t>(static_cast<std::uint64_t>(v) -
                                            static_cast<std::uint64_t>(f.int_min));
  write(id, c, &w, 1);
  return true;
}

bool EntityStore::set_float(EntityId id, std::uint32_t field, float value) {
  std::uint32_t* c = field_codes(id, field, FieldKind::Float);
  if (c == nullptr) return false;
  const FieldSpec& f = spec(id, field);
  const std::uint32_t w = quantize_ranged(value, f.min[0], f.max[0], bits(id, field, 0));
  write(id, c, &w, 1);
  return true;
}

bool EntityStore::set_vec2(EntityId id, std::uint32_t field, Vec2 value) {
  std::uint32_t* c = field_codes(id, field, FieldKind::Vec2);
  if (c == nullptr) return false;
  const FieldSpec& f = spec(id, field);
  const float v[2] = {value.x, value.y};
  std::uint32_t w[2];
  for (std::uint32_t i = 0; i < 2; ++i)
    w[i] = quantize_ranged(v[i], f.min[i], f.max[i], bits(id, field, i));
  write(id, c, w, 2);
  return true;
}

bool EntityStore::set_vec3(EntityId id, std::uint32_t field, Vec3 value) {
  std::uint32_t* c = field_codes(id, field, FieldKind::Vec3);
  if (c == nullptr) return false;
  const FieldSpec& f = spec(id, field);
  const float v[3] = {value.x, value.y, value.z};
  std::uint32_t w[3];
  for (std::uint32_t i = 0; i < 3; ++i)
    w[i] = quantize_ranged(v[i], f.min[i], f.max[i], bits(id, field, i));
  write(id, c, w, 3);
  return true;
}

bool EntityStore::set_angle(EntityId id, std::uint32_t field, float radians) {
  std::uint32_t* c = field_codes(id, field, FieldKind::Angle);
  if (c == nullptr) return false;
  const std::uint32_t w = quantize_angle(radians, spec(id, field).bits);
  write(id, c, &w, 1);
  return true;
}

bool EntityStore::set_quat(EntityId id, std::uint32_t field, Quat value) {
  std::uint32_t* c = field_codes(id, field, FieldKind::Quaternion);
  if (c == nullptr) return false;
  const auto q = quantize_quaternion(value, spec(id, field).bits);
  write(id, c, q.data(), 4);
  return true;
}

EntityView EntityStore::view(EntityId id) const noexcept {
  // A stale id gives a view of no codes: every getter returns nullopt.
  return alive(id) ? EntityView(*schema_, slot_type_[id.index()], codes(id))
                   : EntityView(*schema_, TypeId{0}, {});
}

std::optional<bool> EntityStore::get_bool(EntityId id, std::uint32_t field) const {
  return view(id).get_bool(field);
}
std::optional<std::int64_t> EntityStore::get_int(EntityId id, std::uint32_t field) const {
  return view(id).get_int(field);
}
std::optional<float> EntityStore::get_float(EntityId id, std::uint32_t field) const {
  return view(id).get_float(field);
}
std::optional<Vec2> EntityStore::get_vec2(EntityId id, std::uint32_t field) const {
  return view(id).get_vec2(field);
}
std::optional<Vec3> EntityStore::get_vec3(EntityId id, std::uint32_t field) const {
  return view(id).get_vec3(field);
}
std::optional<float> EntityStore::get_angle(EntityId id, std::uint32_t field) const {
  return view(id).get_angle(field);
}
std::optional<Quat> EntityStore::get_quat(EntityId id, std::uint32_t field) const {
  return view(id).get_quat(field);
}

void EntityStore::capture(std::uint32_t tick, Snapshot& out) const noexcept {
  out.clear(tick);
  for (std::uint32_t index = 0; index < capacity_; ++index) {
    if (slot_live_[index] == 0) continue;
    const TypeId type = slot_type_[index];
    const auto words = static_cast<std::uint16_t>(schema_->layout(type).words);
    const std::span<std::uint32_t> dst =
        out.append(EntityId::make(index, generation_[index]), type, words, changed_[index]);
    if (dst.size() != words) break;  // `out` is smaller than the store: keep what fits
    const std::uint32_t* src = codes_.data() + static_cast<std::size_t>(index) * words_per_slot_;
    std::copy(src, src + words, dst.begin());
  }
  // The setters keep every code in range, the ids valid and the indices
  // below capacity_: a capture conforms without a walk over it.
  out.conforms_to_ = schema_;
  out.conforms_max_ = capacity_;
  stamp_ = next_stamp();  // changes after this capture get a new stamp
}

// ---- SnapshotRing ----

SnapshotRing::SnapshotRing(const Schema& schema, const ReplicationSettings& settings) {
  if (!usable(schema, settings)) return;
  slots_.reserve(settings.snapshot_ring);
  for (std::uint32_t i = 0; i < settings.snapshot_ring; ++i) slots_.emplace_back(schema, settings);
}

const Snapshot* SnapshotRing::capture(const EntityStore& store, std::uint32_t tick) noexcept {
  if (slots_.empty()) return nullptr;
  const Snapshot* last = newest();
  if (last != nullptr && !newer(tick, last->tick())) return nullptr;
  Snapshot& slot = slots_[next_];
  store.capture(tick, slot);
  next_ = (next_ + 1) % static_cast<std::uint32_t>(slots_.size());
  if (count_ < slots_.size()) ++count_;
  return &slot;
}

const Snapshot* SnapshotRing::find(std::uint32_t tick) const noexcept {
  const auto n = static_cast<std::uint32_t>(slots_.size());
  for (std::uint32_t k = 1; k <= count_; ++k) {
    const Snapshot& s = slots_[(next_ + n - k) % n];
    if (s.tick() == tick) return &s;
  }
  return nullptr;
}

const Snapshot* SnapshotRing::newest() const noexcept {
  if (count_ == 0) return nullptr;
  const auto n = static_cast<std::uint32_t>(slots_.size());
  return &slots_[(next_ + n - 1) % n];
}

}  // namespace tickwire
