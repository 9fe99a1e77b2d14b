#include "replication/change_selection.hpp"

#include <algorithm>
#include <limits>

#include "replication/same_state.hpp"

namespace tickwire {

namespace {
// chosen_ values.
constexpr std::uint8_t kLeftOut = 0;  // not in this snapshot (or not a candidate yet)
constexpr std::uint8_t kChosen = 1;   // its change goes in this snapshot
constexpr std::uint8_t kSame = 2;     // the client already has it as it is
// Each record also pays for its index gap: about this many bits at the
// densities seen in practice (an over-run is caught after encoding).
constexpr std::uint32_t kGapEstimateBits = 5;
}  // namespace

ChangeSelection::ChangeSelection(const SnapshotCodec& codec, std::uint32_t max_entities)
    : codec_(&codec),
      priority_(max_entities, 0.0f),
      priority_of_(max_entities, EntityId{}),
      weight_(max_entities, 0.0f),
      chosen_(max_entities, kLeftOut),
      hold_(max_entities, nullptr),
      mark_(max_entities, 0),
      waited_(max_entities, 0) {
  candidates_.reserve(std::size_t{max_entities} * 2);
}

void ChangeSelection::reset() noexcept {
  std::fill(priority_.begin(), priority_.end(), 0.0f);
  std::fill(priority_of_.begin(), priority_of_.end(), EntityId{});
}

void ChangeSelection::begin_pass() noexcept {
  candidates_.clear();
  sorted_ = false;
  irrelevant_ = 0;
  left_out_ = 0;
  if (++pass_ == std::numeric_limits<std::uint32_t>::max()) {  // years at 60 Hz
    std::fill(mark_.begin(), mark_.end(), 0);
    std::fill(waited_.begin(), waited_.end(), 0);
    pass_ = 2;
  }
}

float ChangeSelection::gain(std::uint32_t index, EntityId id, float weight) noexcept {
  if (priority_of_[index] != id || waited_[index] != pass_ - 1) {
    priority_of_[index] = id;
    priority_[index] = 0.0f;
  }
  waited_[index] = pass_;
  return priority_[index] += weight;
}

std::uint8_t ChangeSelection::state(std::uint32_t index) const noexcept {
  return mark_[index] == pass_ ? chosen_[index] : kSame;
}

float ChangeSelection::weight(std::uint32_t index) const noexcept {
  return shared_ ? 1.0f : weight_[index];
}

bool ChangeSelection::chosen(std::uint32_t index) const noexcept {
  return index < chosen_.size() && state(index) == kChosen;
}

float ChangeSelection::priority(std::uint32_t index) const noexcept {
  // Only a candidate of this pass has gained any (the client has the rest).
  return index < priority_.size() && waited_[index] == pass_ ? priority_[index] : 0.0f;
}

void ChangeSelection::collect(const Snapshot& world, const Snapshot* baseline,
                              const InterestFn& interest, SnapshotEncodeCache* cache) {
  begin_pass();
  const bool shareable = cache != nullptr && !interest;
  if (shareable)
    if (const SnapshotEncodeCache::Scan* scan = cache->find_scan(world, baseline)) {
      apply(*scan);
      return;
    }
  shared_ = false;
  SnapshotEncodeCache::Scan* record = shareable ? cache->new_scan(world, baseline) : nullptr;
  scanned_ = record != nullptr;
  const auto w = world.entities();
  const auto b = baseline != nullptr ? baseline->entities() : std::span<const EntityRecord>{};
  auto removal = [&](const EntityRecord& old) {
    const std::uint32_t index = old.id.index();
    chosen_[index] = kLeftOut;
    mark_[index] = pass_;
    const std::uint32_t bits = codec_->record_bits(world, nullptr, baseline, &old);
    candidates_.push_back({std::numeric_limits<float>::infinity(), index, bits, 0, false, true});
    hold_[index] = nullptr;
    if (record != nullptr) record->items.push_back({index, bits, old.id, false, true});
  };
  std::size_t i = 0, j = 0;
  while (i < w.size() || j < b.size()) {
    if (i == w.size() || (j < b.size() && b[j].id.index() < w[i].id.index())) {
      removal(b[j++]);  // destroyed since the baseline
      continue;
    }
    const EntityRecord& e = w[i++];
    const EntityRecord* old = nullptr;
    if (j < b.size() && b[j].id.index() == e.id.index()) old = &b[j++];
    const std::uint32_t index = e.id.index();
    float weight = interest ? interest(e.id, e.type) : 1.0f;
    if (!(weight > 0.0f)) weight = 0.0f;  // NaN too
    weight_[index] = weight;
    chosen_[index] = kLeftOut;
    mark_[index] = pass_;
    if (weight == 0.0f) {
      ++irrelevant_;
      if (old != nullptr) removal(*old);  // left this client's interest
      continue;
    }
    if (old != nullptr && same_state(world, e, *baseline, *old)) {
      chosen_[index] = kSame;  // the client has it as it is
      continue;
    }
    const bool update = old != nullptr && old->id == e.id && old->type == e.type;
    hold_[index] = nullptr;  // set by choose() when this change is left out
    const std::uint32_t bits = record_bits(world, e, baseline, old, cache);
    candidates_.push_back({gain(index, e.id, weight), index, bits, 0, update, false});
    if (record != nullptr) record->items.push_back({index, bits, e.id, update, false});
  }
}

void ChangeSelection::apply(const SnapshotEncodeCache::Scan& scan) {
  shared_ = true;
  scanned_ = true;
  for (const SnapshotEncodeCache::ScanItem& item : scan.items) {
    const std::uint32_t index = item.index;
    chosen_[index] = kLeftOut;
    mark_[index] = pass_;
    hold_[index] = nullptr;
    const float priority =
        item.removal ? std::numeric_limits<float>::infinity() : gain(index, item.id, 1.0f);
    candidates_.push_back({priority, index, item.bits, 0, item.update, item.removal});
  }
}

// The codec's record cost, through the shared cache when there is one (deltas
// only). A create is keyed by base stamp 0 (whatever the baseline held in that
// slot does not change its cost); an update whose baseline has no stamp is
// computed.
std::uint32_t ChangeSelection::record_bits(const Snapshot& world, const EntityRecord& e,
                                           const Snapshot* baseline, const EntityRecord* old,
                                           SnapshotEncodeCache* cache) const {
  const bool update = old != nullptr && old->id == e.id && old->type == e.type;
  const std::uint32_t base_version = update ? old->version : 0;
  const bool memo = cache != nullptr && baseline != nullptr && (!update || base_version != 0);
  if (memo)
    if (const auto bits = cache->cost(world.tick(), e, base_version)) return *bits;
  const std::uint32_t bits = codec_->record_bits(world, &e, baseline, old);
  if (memo) cache->remember(world.tick(), e, base_version, bits);
  return bits;
}

// Left out, candidate `c` would fall back to the baseline's state while the
// client may already hold the newest view's (acks lag): if that differs, the
// view holds the newest view's state instead. Sets hold_ and c.hold_bits;
// returns the bits the hold costs (0: none needed).
std::uint64_t ChangeSelection::hold(const Snapshot& world, const Snapshot* baseline,
                                    const Snapshot* latest, Candidate& c) {
  hold_[c.index] = nullptr;
  c.hold_bits = 0;
  if (latest == nullptr || c.removal) return 0;
  const EntityRecord* e = world.find(c.index);
  const EntityRecord* l = latest->find(c.index);
  if (e == nullptr || l == nullptr || l->id != e->id || l->type != e->type) return 0;
  const EntityRecord* old = baseline != nullptr ? baseline->find(c.index) : nullptr;
  if (c.update && old != nullptr && same_state(*latest, *l, *baseline, *old)) return 0;
  hold_[c.index] = l;
  c.hold_bits = codec_->record_bits(*latest, l, baseline, c.update ? old : nullptr);
  return c.hold_bits + kGapEstimateBits;
}

void ChangeSelection::sort_by_priority() {
  if (sorted_) return;
  std::sort(candidates_.begin(), candidates_.end(), [](const Candidate& a, const Candidate& b) {
    return a.priority != b.priority ? a.priority > b.priority : a.index < b.index;
  });
  sorted_ = true;
}

void ChangeSelection::choose(const Snapshot& world, const Snapshot* baseline,
                             const Snapshot* latest, std::uint64_t budget_bits,
                             std::uint32_t header_bits) {
  left_out_ = 0;
  std::uint64_t total = header_bits;
  for (const Candidate& c : candidates_) total += c.bits + kGapEstimateBits;
  if (budget_bits == 0 || total <= budget_bits) {
    for (const Candidate& c : candidates_) chosen_[c.index] = kChosen;
    estimate_ = total;
    return;
  }
  sort_by_priority();
  std::uint64_t used = header_bits;
  bool any = false;
  for (const Candidate& c : candidates_) {
    const std::uint64_t cost = c.bits + kGapEstimateBits;
    if (!any || used + cost <= budget_bits) {  // the top one always goes: progress
      chosen_[c.index] = kChosen;
      used += cost;
      any = true;
    } else {
      chosen_[c.index] = kLeftOut;
      ++left_out_;
    }
  }
  estimate_ = used;
  // Holds for what was left out (only when acks lag behind the newest view);
  // they go whatever else does, so the lowest-priority chosen changes give
  // way until the total fits again.
  if (latest == nullptr) return;
  for (Candidate& c : candidates_)
    if (chosen_[c.index] == kLeftOut) used += hold(world, baseline, latest, c);
  for (std::size_t k = candidates_.size(); k-- > 1 && used > budget_bits;) {
    Candidate& c = candidates_[k];
    if (chosen_[c.index] != kChosen) continue;
    chosen_[c.index] = kLeftOut;
    ++left_out_;
    used -= std::min<std::uint64_t>(used, c.bits + kGapEstimateBits);
    used += hold(world, baseline, latest, c);
  }
  estimate_ = used;
}

bool ChangeSelection::trim(const Snapshot& world, const Snapshot* baseline, const Snapshot* latest,
                           std::uint64_t excess_bits) {
  sort_by_priority();
  const std::uint64_t left_before = left_out_;
  std::size_t first_chosen = candidates_.size();
  for (std::size_t k = 0; k < candidates_.size(); ++k)
    if (chosen_[candidates_[k].index] == kChosen) {
      first_chosen = k;
      break;
    }
  for (std::size_t k = candidates_.size(); k-- > first_chosen + 1 && excess_bits > 0;) {
    Candidate& c = candidates_[k];
    if (chosen_[c.index] != kChosen) continue;
    chosen_[c.index] = kLeftOut;
    estimate_ -= std::min<std::uint64_t>(estimate_, c.bits + kGapEstimateBits);
    estimate_ += hold(world, baseline, latest, c);
    ++left_out_;
    excess_bits = excess_bits > c.bits ? excess_bits - c.bits : 0;
  }
  return left_out_ != left_before;
}

void ChangeSelection::build_view(const Snapshot& world, const Snapshot* baseline,
                                 const Snapshot* latest, Snapshot& view) const {
  // Everything relevant and nothing left out: the view is the world. When
  // only updates were left out, it is the world with their old states put back.
  if (irrelevant_ == 0) {
    bool only_updates = true;
    for (const Candidate& c : candidates_)
      if (chosen_[c.index] != kChosen && !c.update) only_updates = false;
    if (only_updates && view.assign(world)) {
      if (left_out_ == 0) return;
      bool patched = true;
      for (const Candidate& c : candidates_) {
        if (chosen_[c.index] == kChosen) continue;
        const EntityRecord* held = hold_[c.index];
        const EntityRecord* old = held != nullptr ? held : baseline->find(c.index);
        patched = patched && old != nullptr &&
                  view.overwrite(held != nullptr ? *latest : *baseline, *old);
      }
      if (patched) return;
    }
  }
  view.clear(world.tick());
  const auto w = world.entities();
  const auto b = baseline != nullptr ? baseline->entities() : std::span<const EntityRecord>{};
  auto keep = [&](const Snapshot& from, const EntityRecord& e) {
    const auto dst = view.append(e.id, e.type, e.words, e.version);
    const auto src = from.codes(e);
    std::copy(src.begin(), src.end(), dst.begin());
  };
  std::size_t i = 0, j = 0;
  while (i < w.size() || j < b.size()) {
    if (i == w.size() || (j < b.size() && b[j].id.index() < w[i].id.index())) {
      const EntityRecord& old = b[j++];
      if (this->state(old.id.index()) == kLeftOut) keep(*baseline, old);  // removal deferred
      continue;
    }
    const EntityRecord& e = w[i++];
    const EntityRecord* old = nullptr;
    if (j < b.size() && b[j].id.index() == e.id.index()) old = &b[j++];
    const std::uint32_t index = e.id.index();
    const std::uint8_t state = this->state(index);
    if (weight(index) == 0.0f) {
      if (old != nullptr && state == kLeftOut) keep(*baseline, *old);  // removal deferred
    } else if (state != kLeftOut) {
      keep(world, e);  // chosen, or the same as the client's
    } else if (hold_[index] != nullptr) {
      keep(*latest, *hold_[index]);  // change deferred, at the state last sent
    } else if (old != nullptr && old->id == e.id && old->type == e.type) {
      keep(*baseline, *old);  // change deferred
    }
    // else: a new entity that did not fit (a replaced one is removed).
  }
}

bool ChangeSelection::left_out_list(std::vector<std::uint32_t>& out) const {
  out.clear();
  bool held = false;
  for (const Candidate& c : candidates_) {
    if (chosen_[c.index] == kChosen) continue;
    const bool h = hold_[c.index] != nullptr;
    out.push_back(c.index << 1 | (h ? 1u : 0u));
    held = held || h;
  }
  std::sort(out.begin(), out.end());
  return held;
}

std::uint32_t ChangeSelection::commit() noexcept {
  std::uint32_t sent = 0;
  for (const Candidate& c : candidates_)
    if (chosen_[c.index] == kChosen) {
      priority_[c.index] = 0.0f;
      ++sent;
    }
  return sent;
}

}  // namespace tickwire
