// The range-coded snapshot codec (make_range_codec), the default coding.
// docs/PROTOCOL.md, "Range-coded streams", gives the format decision by
// decision; in short:
//
// - The coder is LZMA's binary range coder: 11-bit probabilities adapted by
//   1/32 of the error, a 32-bit range normalized a byte at a time, carries
//   propagated through the held-back bytes.
// - Every model starts each stream at its prior: 1/2 (with three faster
//   warm-up steps), or a trained table (ReplicationSettings::range_priors,
//   RangePriorTrainer). No state is kept from stream to stream, so a stream
//   decodes on its own whatever was lost before it.
// - A delta follows its baseline: after the list of created indices, each
//   baseline entity whose flag (the baseline's value of its type's first
//   Bool field) is 1 takes a "changed" decision (context: whether the entity
//   before it changed); the others are coded as runs of unchanged entities.
//   A changed one is removed or updated. An update codes which fields
//   changed, then each changed component's residual against the baseline by
//   its bit length (in the context of the residuals before it in the same
//   update), its leading bits and its sign.
// - The stream ends with the 4 bytes of the interval's low end. The decoder
//   accepts a stream only when, after the last decision, it has read exactly
//   every byte, its code is 0 and never left the range, so every valid
//   stream is the encoder's exact output.
#include <algorithm>
#include <array>
#include <bit>
#include <vector>

#include "replication/delta_walk.hpp"
#include "replication/range_coder.hpp"
#include "replication/snapshot_flags.hpp"
#include "tickwire/snapshot_codec.hpp"

namespace tickwire {
namespace {

using replication::kGenerationBuckets;
using replication::kRawOnlyBits;
using replication::kTickBits;
using namespace replication::rc;  // NOLINT: the coder and its value codes

// ---- Model layout -----------------------------------------------------------
//
// Residual contexts: how large the entity's residuals were so far in this
// record (the largest class, in kResidualContexts bands).
constexpr std::uint32_t kResidualContexts = 8;
inline std::uint32_t residual_band(std::uint32_t k) noexcept {
  return k == 0 ? 0 : k <= 2 ? 1 : k <= 5 ? 2 : 3;
}

// The entity-changed decision of a flag-1 entity (code_flagged): context =
// whether the last baseline entity before it that was not replaced changed
// (0 for the first).
constexpr std::uint32_t kChangedContexts = 2;
// A mask bit's model is chosen by the bits of the fields just before it.
constexpr std::uint32_t kMaskContextBits = 4;
// A component of at most kRawOnlyBits bits: a 4-entry tree per context, the
// baseline's code (updates) or kRawCreateContext (creates).
constexpr std::uint32_t kRawCreateContext = 4;
constexpr std::uint32_t kRawOnlyModels = 5 * 4;

// Where a type's models are, from its first one.
struct TypeModels {
  std::uint32_t changed = 0;  // kChangedContexts
  std::uint32_t removed = 0;  // 1
  std::uint32_t mask = 0;     // fields << (kMaskContextBits + 1)
  std::uint32_t size = 0;
  std::int32_t flag_word = -1;  // the first Bool field's word, -1: none
};

// One component's models (offsets from the type's first model). Wide
// components (more than kRawOnlyBits bits): per residual context, a `more`
// and a `top` model per class 0 .. bits; two sign models (single-word field
// or not); and the tree that codes a created entity's code.
struct ComponentModels {
  std::uint32_t at = 0;
  std::uint32_t more = 0, top = 0, sign = 0, create = 0;  // offsets from `at`
};

std::uint32_t component_models(std::uint32_t bits, ComponentModels& out) {
  if (bits <= kRawOnlyBits) return kRawOnlyModels;
  const std::uint32_t classes = bits + 1;
  out.more = 0;
  out.top = out.more + kResidualContexts * classes;
  out.sign = out.top + kResidualContexts * classes;
  out.create = out.sign + 2;
  return out.create + tree_size(bits);
}

// The stream's models, at the start of the model table.
constexpr std::uint32_t kIsDeltaAt = 0;
constexpr std::uint32_t kAgeAt = kIsDeltaAt + 1;
constexpr std::uint32_t kCreatesAt = kAgeAt + kCountModels;
constexpr std::uint32_t kGapAt = kCreatesAt + kCountModels;
constexpr std::uint32_t kGenerationAt = kGapAt + kCountModels;
constexpr std::uint32_t kTypeAt = kGenerationAt + bucket_models(kGenerationBuckets);
// Runs of unchanged entities whose baseline flag is 0: MAG(0, kRunClasses).
constexpr std::uint32_t kRunClasses = 13;  // a run + 1 is at most kMaxEntities + 1 < 2^13
constexpr std::uint32_t kRunAt = kTypeAt + kTreeSize;
constexpr std::uint32_t kStreamModels = kRunAt + 2 * (kRunClasses + 1);

class RangeCodec final : public SnapshotCodec {
 public:
  RangeCodec(const Schema& schema, const ReplicationSettings& settings,
             std::unique_ptr<SnapshotCodec> delta)
      : schema_(schema), max_entities_(settings.max_entities), delta_(std::move(delta)) {
    std::uint32_t at = kStreamModels;
    std::uint64_t slot_decisions = 0;  // most decisions one index can take
    types_.resize(schema.type_count());
    component_first_.resize(schema.type_count());
    for (std::uint32_t t = 0; t < schema.type_count(); ++t) {
      const TypeLayout& layout = schema.layout(static_cast<TypeId>(t));
      TypeModels& tm = types_[t];
      const auto fields = static_cast<std::uint32_t>(layout.fields.size());
      tm.changed = at;
      tm.removed = tm.changed + kChangedContexts;
      tm.mask = tm.removed + 1;
      at = tm.mask + (fields << (kMaskContextBits + 1));
      for (std::uint32_t f = 0; f < fields; ++f)
        if (tm.flag_word < 0 && layout.fields[f].kind == FieldKind::Bool)
          tm.flag_word = layout.fields[f].first_word;
      component_first_[t] = static_cast<std::uint32_t>(components_.size());
      std::uint64_t decisions = 2 + fields + 2 * 27 + schema.type_bits() + 22;  // + run, gap
      for (const ComponentLayout& c : layout.components) {
        ComponentModels m;
        m.at = at;
        at += component_models(c.bits, m);
        components_.push_back(m);
        decisions += 3ull * c.bits + 3;  // update (class, top, sign, direct) or create
      }
      tm.size = at - tm.changed;
      slot_decisions = std::max(slot_decisions, decisions);
    }
    // Every decision costs at most -log2(31/2048) < 6.05 bits (a model never
    // adapts below 31/2048 nor above 2017/2048): bound 7 bits per decision,
    // an index at most twice (removed, then created elsewhere), the header's
    // 200 decisions and the flush.
    max_bytes_ = static_cast<std::size_t>(
        ((2ull * max_entities_ * slot_decisions + 200) * 7 + 7) / 8 + kFlushBytes + 4);
    type_epoch_.assign(schema.type_count(), 0);
    models_.assign(at, kProbInit);
    start_.assign(at, kProbInit);
    creates_.resize(max_entities_);
    create_of_.resize(max_entities_);
    visits_.reserve(max_entities_);  // plan() never grows it further
  }

  [[nodiscard]] std::size_t model_count() const noexcept { return models_.size(); }
  // Every stream's models start from `priors` (probabilities of a 0 in
  // 1/2048, one per model), false when it has the wrong size or a value
  // outside 31 .. 2017.
  bool set_priors(std::span<const std::uint16_t> priors) noexcept {
    if (priors.size() != models_.size()) return false;
    for (const std::uint16_t p : priors)
      if (p < kProbMin || p > kProbOne - kProbMin) return false;
    for (std::size_t i = 0; i < priors.size(); ++i)
      start_[i] = static_cast<Prob>(priors[i] | (kPriorWarmUp << kProbBits));
    return true;
  }
  // Training: counts, per model, the 0s and 1s it codes in the stream of
  // `current` against `baseline` (false: the snapshots do not fit).
  bool tally(const Snapshot& current, const Snapshot* baseline,
             std::vector<std::array<std::uint64_t, 2>>& counts) noexcept {
    if (!fits(current) || (baseline != nullptr && !fits(*baseline))) return false;
    counts.resize(models_.size());
    Tally t(models_.data(), counts);
    encode_stream(t, current, baseline);
    return true;
  }

  [[nodiscard]] std::size_t max_encoded_bytes() const noexcept override { return max_bytes_; }
  // The delta codec's costs: an estimate for this codec, usually above what
  // it writes (the sender learns the ratio, and codes the view again if a
  // stream comes out over budget).
  [[nodiscard]] std::uint32_t header_bits(bool delta) const noexcept override {
    return delta_->header_bits(delta);
  }
  [[nodiscard]] std::uint32_t record_bits(const Snapshot& current, const EntityRecord* cur,
                                          const Snapshot* baseline,
                                          const EntityRecord* base) const noexcept override {
    return delta_->record_bits(current, cur, baseline, base);
  }

 protected:
  EncodeResult do_encode(const Snapshot& current, const Snapshot* baseline,
                         std::span<std::uint8_t> out) noexcept override;
  SnapshotError do_decode(std::span<const std::uint8_t> in, const Snapshot* baseline,
                          Snapshot& out) noexcept override;

 private:
  // Models back to their start for a new stream: the stream's now, a type's
  // when the stream first uses it (so a schema of many types costs only what
  // is used).
  void start_stream() noexcept {
    std::copy_n(start_.begin(), kStreamModels, models_.begin());
    if (++epoch_ == 0) {
      std::fill(type_epoch_.begin(), type_epoch_.end(), 0u);
      epoch_ = 1;
    }
  }
  // The model table, with `type`'s models reset if this stream has not used
  // them yet (offsets in TypeModels and ComponentModels are from its start).
  Prob* type_models(TypeId type) noexcept {
    if (type_epoch_[type] != epoch_) {
      std::copy_n(start_.begin() + types_[type].changed, types_[type].size,
                  models_.begin() + types_[type].changed);
      type_epoch_[type] = epoch_;
    }
    return models_.data();
  }
  [[nodiscard]] const ComponentModels& component(TypeId type, std::size_t k) const noexcept {
    return components_[component_first_[type] + k];
  }

  template <typename Coder>
  void encode_stream(Coder& e, const Snapshot& current, const Snapshot* baseline);
  // Whether a flag-1 entity changed, in the context of prev_changed_ (which
  // it then becomes); either direction.
  template <typename Coder>
  std::uint32_t code_flagged(Coder& c, TypeId type, std::uint32_t changed) {
    prev_changed_ = c.bit(type_models(type)[types_[type].changed + prev_changed_], changed);
    return prev_changed_;
  }
  // A run of flag-0 entities (see decode_changed); either direction.
  template <typename Coder>
  std::uint64_t code_run(Coder& c, std::uint64_t value) {
    Prob* m = models_.data() + kRunAt;
    return code_magnitude(c, m, m + kRunClasses + 1, value, 0, kRunClasses);
  }
  // The decoder's "did this baseline entity change", whatever its flag.
  std::uint32_t decode_changed(RangeDecoder& d, TypeId type, std::uint32_t flag);
  // An entity's flag: the baseline's code of its type's first Bool field.
  [[nodiscard]] std::uint32_t flag_of(const EntityRecord& e,
                                      std::span<const std::uint32_t> codes) const noexcept {
    const std::int32_t word = types_[e.type].flag_word;
    return word >= 0 ? codes[static_cast<std::size_t>(word)] & 1u : 0u;
  }
  // Every entity's flag in `s`: kept with it (SnapshotFlags), or computed
  // now and kept, so a snapshot coded once is not read again for them when
  // it is a baseline.
  std::span<const std::uint8_t> flags(const Snapshot& s) const noexcept {
    if (const auto kept = SnapshotFlags::kept(s, schema_); !kept.empty() || s.size() == 0)
      return kept;
    const auto out = SnapshotFlags::storage(s);
    const auto e = s.entities();
    if (out.size() < e.size()) return {};  // no room (Snapshot sizes it to its capacity)
    for (std::size_t i = 0; i < e.size(); ++i)
      out[i] = static_cast<std::uint8_t>(flag_of(e[i], s.codes(e[i])));
    SnapshotFlags::keep(s, schema_);
    return {out.data(), e.size()};
  }
  // The encoder's first pass: every entity's fate, and the baseline entities
  // the stream takes decisions for (visits_). Returns the number of creates.
  std::uint32_t plan(std::span<const EntityRecord> c, const Snapshot& current,
                     const Snapshot* baseline);
  template <typename Coder>
  std::uint32_t code_mask(Coder& c, TypeId type, std::uint32_t mask);
  template <typename Coder>
  std::uint32_t code_create_value(Coder& c, TypeId type, std::size_t k, std::uint32_t code);
  struct Created {
    std::uint32_t type = 0;
    std::uint64_t generation = 0;
  };
  template <typename Coder>
  Created code_create(Coder& c, Created created);
  // Codes the field's components against `base` into `out` (the encoder:
  // from `cur`): value_out_of_range when a decoded code lies outside its
  // range, empty_update when the field decodes unchanged.
  template <typename Coder>
  SnapshotError code_field(Coder& c, TypeId type, const FieldLayout& field,
                           const std::uint32_t* cur, const std::uint32_t* base, std::uint32_t* out);

  // The snapshot conforms, and every entity has a flag (flags(), then kept
  // with it: a snapshot coded now is a cheap baseline later).
  [[nodiscard]] bool fits(const Snapshot& s) const noexcept {
    return s.conforms(schema_, max_entities_) && flags(s).size() == s.size();
  }

  const Schema& schema_;
  std::uint32_t max_entities_;
  std::unique_ptr<SnapshotCodec> delta_;  // for header_bits() and record_bits()
  std::size_t max_bytes_ = 0;
  std::vector<Prob> models_;                    // the stream's, then each type's
  std::vector<Prob> start_;                     // where every stream's models start
  std::vector<TypeModels> types_;               // per type
  std::vector<std::uint32_t> type_epoch_;       // per type: stream that last reset it
  std::uint32_t epoch_ = 0;                     // the current stream
  std::vector<std::uint32_t> component_first_;  // per type: index of its first component
  std::vector<ComponentModels> components_;     // per type and word
  std::vector<std::uint16_t> creates_;          // the indices of created entities
  // Encoding: per create its entity in the current snapshot.
  std::vector<std::uint16_t> create_of_;
  // The baseline entities the encoder takes decisions for, in order: every
  // flag-1 entity, every changed one, and each flag-0 entity where a run is
  // coded (the first, and the first after each change among them). The
  // unchanged flag-0 entities between are skipped.
  enum class Fate : std::uint8_t { Unchanged, Updated, Removed };
  static constexpr std::uint32_t kNotAStart = ~0u;
  struct Visit {
    std::uint32_t run = kNotAStart;  // a run is coded here: its value (code_run)
    std::uint32_t mask = 0;          // an update's field mask (32 fields use every bit)
    std::uint16_t j = 0;             // the baseline entity
    std::uint16_t now = 0;           // an update: the entity in the current snapshot
    Fate fate = Fate::Unchanged;
    std::uint8_t flag = 0;          // its flag
    std::uint8_t prev_changed = 0;  // whether the baseline entity before it changed
  };
  std::vector<Visit> visits_;
  // Decoding: flag-0 entities still to pass unchanged before the next
  // changed one, or:
  static constexpr std::uint32_t kReadRun = ~0u;     // the next run is coded first
  static constexpr std::uint32_t kNoMore = ~0u - 1;  // no flag-0 entity changes any more
  std::uint32_t run_ = kReadRun;
  std::uint32_t prev_changed_ = 0;  // the last entity-changed decision
  std::uint32_t flag_ = 0;          // the entity's baseline flag (code_mask's context)
  std::uint32_t many_ = 0;          // 4: the update changes 3 fields or more
  std::uint32_t band_ = 0;          // residual band of the current record
};

// Whether a baseline entity changed. An entity whose baseline flag (the
// type's first Bool field) is 1 takes a decision, in the context of whether
// the entity before it changed. The others are coded as runs: before the
// first of them and after each one that changed, MAG(0, kRunClasses) of the
// number of them that pass unchanged before the next change, plus 1 (0: no
// more change among them).
std::uint32_t RangeCodec::decode_changed(RangeDecoder& d, TypeId type, std::uint32_t flag) {
  flag_ = flag;
  if (flag_ != 0) return code_flagged(d, type, 0);
  if (run_ == kReadRun) {
    const std::uint64_t v = code_run(d, 0);
    run_ = v == 0 ? kNoMore : static_cast<std::uint32_t>(v - 1);
  }
  if (run_ == 0) {
    run_ = kReadRun;
    prev_changed_ = 1;
  } else {
    if (run_ != kNoMore) --run_;
    prev_changed_ = 0;
  }
  return prev_changed_;
}

// An update's field mask, field 0 first; each bit's model depends on the
// bits of the fields before it. The last field's bit is implied when no
// field before it changed (an update changes at least one).
template <typename Coder>
std::uint32_t RangeCodec::code_mask(Coder& c, TypeId type, std::uint32_t mask) {
  Prob* m = type_models(type) + types_[type].mask;
  const auto fields = static_cast<std::uint32_t>(schema_.layout(type).fields.size());
  std::uint32_t result = 0;
  std::uint32_t context = 0;  // the last kMaskContextBits mask bits
  for (std::uint32_t f = 0; f < fields; ++f) {
    std::uint32_t bit = 1;
    if (f + 1 < fields || result != 0)
      bit = c.bit(m[(f << (kMaskContextBits + 1)) + (flag_ << kMaskContextBits) + context],
                  (mask >> f) & 1u);
    result |= bit << f;
    context = ((context << 1) | bit) & ((1u << kMaskContextBits) - 1);
  }
  return result;
}

// A created entity's code, whole.
template <typename Coder>
std::uint32_t RangeCodec::code_create_value(Coder& c, TypeId type, std::size_t k,
                                            std::uint32_t code) {
  const ComponentModels& cm = component(type, k);
  const std::uint32_t bits = schema_.layout(type).components[k].bits;
  Prob* at = type_models(type) + cm.at;
  if (bits <= kRawOnlyBits)
    return code_tree(c, at + std::size_t{4} * kRawCreateContext, code, bits);
  return code_tree(c, at + cm.create, code, bits);
}

template <typename Coder>
SnapshotError RangeCodec::code_field(Coder& c, TypeId type, const FieldLayout& field,
                                     const std::uint32_t* cur, const std::uint32_t* base,
                                     std::uint32_t* out) {
  Prob* m = type_models(type);
  const TypeLayout& layout = schema_.layout(type);
  const bool single = field.words == 1;
  bool same = true;
  for (std::uint32_t k = field.first_word; k < field.first_word + field.words; ++k) {
    const ComponentLayout& cl = layout.components[k];
    const ComponentModels& cm = component(type, k);
    Prob* at = m + cm.at;
    const std::uint32_t b = base[k];
    std::uint32_t v = 0;
    if (cl.bits == 1 && single) {
      v = b ^ 1u;  // a changed one-bit field: the other value
    } else if (cl.bits <= kRawOnlyBits) {
      v = code_tree(c, at + std::size_t{4} * std::min(b, 3u), cur != nullptr ? cur[k] : 0, cl.bits);
    } else {
      // The residual against the baseline: its class and bits in the
      // record's residual band, then its sign. A single-word field's residual
      // is never 0.
      const std::uint32_t x = cur != nullptr ? cur[k] : 0;
      const std::uint64_t mag_in = x >= b ? x - b : b - x;
      const std::uint32_t ctx = (band_ + many_) * (cl.bits + 1);
      const std::uint64_t mag =
          code_magnitude(c, at + cm.more + ctx, at + cm.top + ctx, mag_in, single ? 1 : 0, cl.bits);
      band_ = std::max(band_, residual_band(bit_length(mag)));
      if (mag == 0) {
        v = b;
      } else {
        const std::uint32_t negative = c.bit(at[cm.sign + (single ? 1 : 0)], x < b ? 1 : 0);
        const std::int64_t value =
            static_cast<std::int64_t>(b) +
            (negative != 0 ? -static_cast<std::int64_t>(mag) : static_cast<std::int64_t>(mag));
        if (value < 0 || value > static_cast<std::int64_t>(cl.max_code))
          return SnapshotError::ValueOutOfRange;
        v = static_cast<std::uint32_t>(value);
      }
    }
    if (v > cl.max_code) return SnapshotError::ValueOutOfRange;
    same = same && v == b;
    out[k] = v;
  }
  return same ? SnapshotError::EmptyUpdate : SnapshotError::None;
}

// ---- Encoding ---------------------------------------------------------------

EncodeResult RangeCodec::do_encode(const Snapshot& current, const Snapshot* baseline,
                                   std::span<std::uint8_t> out) noexcept {
  if (!fits(current) || (baseline != nullptr && !fits(*baseline)))
    return {SnapshotError::BadSnapshot, 0};
  RangeEncoder e(out);
  encode_stream(e, current, baseline);
  const std::size_t bytes = e.finish();
  if (e.overflow()) return {SnapshotError::BufferTooSmall, 0};
  return {SnapshotError::None, bytes};
}

template <typename Coder>
void RangeCodec::encode_stream(Coder& e, const Snapshot& current, const Snapshot* baseline) {
  const auto c = current.entities();
  const auto b = baseline != nullptr ? baseline->entities() : std::span<const EntityRecord>{};
  const std::uint32_t creates = plan(c, current, baseline);
  const std::size_t visits = visits_.size();

  start_stream();
  Prob* m = models_.data();
  e.bit(m[kIsDeltaAt], baseline != nullptr ? 1 : 0);
  if (baseline != nullptr)
    code_count(e, m + kAgeAt, static_cast<std::uint32_t>(current.tick() - baseline->tick()));
  else
    e.direct(current.tick(), kTickBits);
  code_count(e, m + kCreatesAt, creates);
  std::int64_t prev = -1;
  for (std::uint32_t n = 0; n < creates; ++n) {
    code_count(e, m + kGapAt, static_cast<std::uint64_t>(creates_[n] - prev - 1));
    prev = creates_[n];
  }

  std::array<std::uint32_t, 4 * kMaxFieldsPerType> scratch{};
  std::size_t n = 0, k = 0;
  while (n < creates || k < visits) {
    if (n < creates && (k == visits || creates_[n] <= b[visits_[k].j].id.index())) {
      const EntityRecord& made = c[create_of_[n++]];
      code_create(e, Created{made.type, made.id.generation()});
      const auto codes = current.codes(made);
      for (std::size_t w = 0; w < codes.size(); ++w) code_create_value(e, made.type, w, codes[w]);
      continue;
    }
    const Visit& v = visits_[k++];
    const EntityRecord& old = b[v.j];
    const Fate fate = v.fate;
    flag_ = v.flag;
    if (v.flag != 0) {
      prev_changed_ = v.prev_changed;
      code_flagged(e, old.type, fate != Fate::Unchanged ? 1 : 0);
    } else if (v.run != kNotAStart) {
      code_run(e, v.run);
    }
    if (fate == Fate::Unchanged) continue;
    e.bit(type_models(old.type)[types_[old.type].removed], fate == Fate::Removed ? 1 : 0);
    if (fate == Fate::Removed) continue;
    const EntityRecord& now = c[v.now];
    const std::uint32_t status = v.mask;
    code_mask(e, now.type, status);
    band_ = 0;
    many_ = std::popcount(status) > 2 ? 4 : 0;
    const TypeLayout& layout = schema_.layout(now.type);
    for (std::size_t f = 0; f < layout.fields.size(); ++f)
      if ((status & (1u << f)) != 0)
        code_field(e, now.type, layout.fields[f], current.codes(now).data(),
                   baseline->codes(old).data(), scratch.data());
  }
}

std::uint32_t RangeCodec::plan(std::span<const EntityRecord> c, const Snapshot& current,
                               const Snapshot* baseline) {
  const auto b = baseline != nullptr ? baseline->entities() : std::span<const EntityRecord>{};
  const auto b_flags = baseline != nullptr ? flags(*baseline) : std::span<const std::uint8_t>{};
  visits_.clear();
  // Created: an index the baseline does not hold, or holds for another
  // entity or type (which is then replaced, and not visited).
  std::uint32_t creates = 0;
  auto create = [&](std::size_t i) {
    creates_[creates] = static_cast<std::uint16_t>(c[i].id.index());
    create_of_[creates++] = static_cast<std::uint16_t>(i);
  };
  // The decoder's run state, followed: the visit where the pending run is
  // coded (none: the next flag-0 entity starts one), and how many flag-0
  // entities passed unchanged since.
  constexpr std::size_t none = ~std::size_t{0};
  std::size_t start = none;
  std::uint32_t unchanged = 0;
  std::uint8_t prev_changed = 0;
  auto visit = [&](std::size_t j, Fate fate, std::uint32_t mask, std::size_t now) {
    const std::uint8_t changed = fate != Fate::Unchanged ? 1 : 0;
    const std::uint8_t flag = b_flags[j];
    const Visit here{kNotAStart,
                     mask,
                     static_cast<std::uint16_t>(j),
                     static_cast<std::uint16_t>(now),
                     fate,
                     flag,
                     prev_changed};
    prev_changed = changed;
    if (flag != 0) {
      visits_.push_back(here);
      return;
    }
    const bool starts = start == none;
    if (starts) {
      start = visits_.size();
      visits_.push_back(here);
      visits_.back().run = 0;  // no more change, unless one follows
      unchanged = 0;
    }
    if (changed == 0) {
      ++unchanged;
      return;
    }
    visits_[start].run = unchanged + 1;
    start = none;
    if (!starts) visits_.push_back(here);
  };
  for (std::size_t i = 0, j = 0; i < c.size() || j < b.size();) {
    if (j == b.size() || (i < c.size() && c[i].id.index() < b[j].id.index())) {
      create(i++);
    } else if (i == c.size() || b[j].id.index() < c[i].id.index()) {
      visit(j++, Fate::Removed, 0, 0);
    } else if (c[i].id != b[j].id || c[i].type != b[j].type) {
      create(i++);
      ++j;  // replaced by the create
    } else {
      // Same change stamp: the same codes (tickwire/snapshot.hpp, EntityRecord).
      const bool same = c[i].version != 0 && c[i].version == b[j].version;
      const std::uint32_t mask =
          same ? 0u
               : replication::changed_mask(schema_.layout(c[i].type), current.codes(c[i]),
                                           baseline->codes(b[j]));
      visit(j++, mask == 0 ? Fate::Unchanged : Fate::Updated, mask, i++);
    }
  }
  return creates;
}

// A created entity's type and generation (its codes follow, one
// code_create_value each).
template <typename Coder>
RangeCodec::Created RangeCodec::code_create(Coder& c, Created created) {
  Created r;
  Prob* m = models_.data();
  r.type = code_tree(c, m + kTypeAt, created.type, schema_.type_bits());
  r.generation = code_bucketed(c, m + kGenerationAt, created.generation, kGenerationBuckets);
  return r;
}

// ---- Decoding ---------------------------------------------------------------

SnapshotError RangeCodec::do_decode(std::span<const std::uint8_t> in, const Snapshot* baseline,
                                    Snapshot& out) noexcept {
  start_stream();
  RangeDecoder d(in);
  out.clear(0);
  // Past the end every byte reads as 0, so the reason reported is overrun
  // whenever the stream ran out before a check failed.
  auto fail = [&](SnapshotError e) {
    out.clear(0);
    return d.overrun() ? SnapshotError::Overrun : e;
  };

  Prob* m = models_.data();
  std::uint32_t tick = 0;
  const bool delta = d.bit(m[kIsDeltaAt]) == 1;
  const Snapshot* base = nullptr;
  if (delta) {
    const std::uint64_t age = code_count(d, m + kAgeAt, 0);
    if (age > 0xFFFFFFFFull) return fail(SnapshotError::BadHeader);
    if (d.overrun()) return fail(SnapshotError::Overrun);
    if (baseline == nullptr) return fail(SnapshotError::MissingBaseline);
    base = baseline;
    tick = base->tick() + static_cast<std::uint32_t>(age);
  } else {
    tick = d.direct(0, kTickBits);
  }
  const std::uint64_t creates = code_count(d, m + kCreatesAt, 0);
  if (creates > max_entities_ || creates > out.capacity())
    return fail(SnapshotError::TooManyEntities);
  std::uint64_t next = 0;  // the smallest index the next create may have
  for (std::uint32_t n = 0; n < creates; ++n) {
    next += code_count(d, m + kGapAt, 0);
    if (d.overrun()) return fail(SnapshotError::Overrun);
    if (next >= max_entities_) return fail(SnapshotError::IndexOutOfRange);
    creates_[n] = static_cast<std::uint16_t>(next++);
  }
  out.clear(tick);

  const auto b = base != nullptr ? base->entities() : std::span<const EntityRecord>{};
  const auto b_flags = base != nullptr ? flags(*base) : std::span<const std::uint8_t>{};
  if (b_flags.size() != b.size()) return fail(SnapshotError::BadSnapshot);
  // The result's flags, written as it is built and kept with it at the end.
  const auto out_flags = SnapshotFlags::storage(out);
  prev_changed_ = 0;
  run_ = kReadRun;
  std::size_t n = 0, j = 0;
  // Unchanged baseline entities b[run] .. b[j - 1] are copied in one go
  // before anything else is appended.
  std::size_t run = 0;
  auto copy_run = [&] {
    if (j == run) return true;
    const std::size_t at = out.size();
    const bool ok = out.append_from(*base, run, j - run);
    if (ok) std::copy(b_flags.begin() + run, b_flags.begin() + j, out_flags.begin() + at);
    run = j;
    return ok;
  };
  auto flag_last = [&](const EntityRecord& e, std::span<const std::uint32_t> codes) {
    out_flags[out.size() - 1] = static_cast<std::uint8_t>(flag_of(e, codes));
  };
  while (n < creates || j < b.size()) {
    if (n < creates && (j == b.size() || creates_[n] <= b[j].id.index())) {
      if (!copy_run()) return fail(SnapshotError::TooManyEntities);
      const std::uint32_t index = creates_[n++];
      const EntityRecord* replaced = nullptr;
      if (j < b.size() && b[j].id.index() == index) {
        replaced = &b[j++];
        run = j;
      }
      const Created r = code_create(d, Created{});
      if (d.overrun()) return fail(SnapshotError::Overrun);
      if (r.type >= schema_.type_count()) return fail(SnapshotError::UnknownType);
      if (r.generation == 0 || r.generation > EntityId::kMaxGeneration)
        return fail(SnapshotError::BadGeneration);
      const auto type = static_cast<TypeId>(r.type);
      const EntityId id = EntityId::make(index, static_cast<std::uint32_t>(r.generation));
      // Replacing the baseline's entity by itself is an update, not a create.
      if (replaced != nullptr && replaced->id == id && replaced->type == type)
        return fail(SnapshotError::BadGeneration);
      const TypeLayout& layout = schema_.layout(type);
      const auto dst = out.append(id, type, static_cast<std::uint16_t>(layout.words));
      if (dst.size() != layout.words) return fail(SnapshotError::TooManyEntities);
      for (std::size_t k = 0; k < layout.components.size(); ++k) {
        dst[k] = code_create_value(d, type, k, 0);
        if (dst[k] > layout.components[k].max_code) return fail(SnapshotError::ValueOutOfRange);
      }
      if (d.overrun()) return fail(SnapshotError::Overrun);
      flag_last(out.entities().back(), dst);
      continue;
    }
    const EntityRecord& old = b[j];
    const auto base_codes = base->codes(old);
    if (decode_changed(d, old.type, b_flags[j]) == 0) {
      ++j;  // joins the run
      continue;
    }
    if (!copy_run()) return fail(SnapshotError::TooManyEntities);
    run = ++j;
    if (d.bit(type_models(old.type)[types_[old.type].removed]) == 1) {
      if (d.overrun()) return fail(SnapshotError::Overrun);
      continue;  // removed
    }
    const auto dst = out.append(old.id, old.type, old.words);
    if (dst.size() != old.words) return fail(SnapshotError::TooManyEntities);
    std::copy(base_codes.begin(), base_codes.end(), dst.begin());
    const TypeLayout& layout = schema_.layout(old.type);
    const std::uint32_t mask = code_mask(d, old.type, 0);
    band_ = 0;
    many_ = std::popcount(mask) > 2 ? 4 : 0;
    for (std::size_t f = 0; f < layout.fields.size(); ++f) {
      if ((mask & (1u << f)) == 0) continue;
      const SnapshotError error =
          code_field(d, old.type, layout.fields[f], nullptr, base_codes.data(), dst.data());
      if (error != SnapshotError::None) return fail(error);
    }
    if (d.overrun()) return fail(SnapshotError::Overrun);
    flag_last(old, dst);
  }
  if (d.overrun()) return fail(SnapshotError::Overrun);
  // A run that promised a change after the last entity.
  if (run_ != kReadRun && run_ != kNoMore) return fail(SnapshotError::IndexOutOfRange);
  if (!d.at_end()) return fail(SnapshotError::TrailingData);
  if (!copy_run()) return fail(SnapshotError::TooManyEntities);
  SnapshotFlags::keep(out, schema_);
  return SnapshotError::None;
}

}  // namespace

namespace {
std::unique_ptr<RangeCodec> make_range(const Schema& schema, const ReplicationSettings& settings) {
  auto delta = make_delta_codec(schema, settings);
  if (delta == nullptr) return nullptr;
  auto codec = std::make_unique<RangeCodec>(schema, settings, std::move(delta));
  if (!settings.range_priors.empty() && !codec->set_priors(settings.range_priors)) return nullptr;
  return codec;
}
}  // namespace

std::unique_ptr<SnapshotCodec> make_range_codec(const Schema& schema,
                                                const ReplicationSettings& settings) {
  return make_range(schema, settings);
}

struct RangePriorTrainer::Impl {
  std::unique_ptr<RangeCodec> codec;
  std::vector<std::array<std::uint64_t, 2>> counts;
};

RangePriorTrainer::RangePriorTrainer(const Schema& schema, const ReplicationSettings& settings)
    : impl_(std::make_unique<Impl>()) {
  ReplicationSettings untrained = settings;
  untrained.range_priors = {};
  impl_->codec = make_range(schema, untrained);
  if (impl_->codec != nullptr) impl_->counts.resize(impl_->codec->model_count());
}
RangePriorTrainer::~RangePriorTrainer() = default;

bool RangePriorTrainer::valid() const noexcept {
  return impl_->codec != nullptr;
}

bool RangePriorTrainer::add(const Snapshot& current, const Snapshot* baseline) noexcept {
  if (impl_->codec == nullptr || !impl_->codec->tally(current, baseline, impl_->counts))
    return false;
  ++streams_;
  return true;
}

std::vector<std::uint16_t> RangePriorTrainer::priors() const {
  std::vector<std::uint16_t> out(impl_->counts.size());
  for (std::size_t i = 0; i < out.size(); ++i) {
    // The share of 0s, with one of each added (an unused model: 1/2).
    const auto [zeros, ones] = impl_->counts[i];
    const std::uint64_t p = ((zeros + 1) * kProbOne) / (zeros + ones + 2);
    out[i] =
        static_cast<std::uint16_t>(std::clamp<std::uint64_t>(p, kProbMin, kProbOne - kProbMin));
  }
  return out;
}

}  // namespace tickwire

namespace tickwire {

std::unique_ptr<SnapshotCodec> make_codec(const Schema& schema,
                                          const ReplicationSettings& settings) {
  return settings.coding == SnapshotCoding::Range ? make_range_codec(schema, settings)
                                                  : make_delta_codec(schema, settings);
}

}  // namespace tickwire
