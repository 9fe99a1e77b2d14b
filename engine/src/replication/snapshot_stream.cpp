#include "tickwire/snapshot_stream.hpp"

#include <algorithm>
#include <limits>

#include "wire/envelope.hpp"

namespace tickwire {

namespace {
// Tick order modulo 2^32, as the ring compares them.
bool newer(std::uint32_t a, std::uint32_t b) noexcept {
  return static_cast<std::int32_t>(a - b) > 0;
}

// Whether record `a` of `sa` and `b` of `sb` are the same entity with the same
// codes; equal non-zero change stamps settle it without comparing.
[[gnu::always_inline]] inline bool same_state(const Snapshot& sa, const EntityRecord& a,
                                              const Snapshot& sb, const EntityRecord& b) noexcept {
  if (a.id != b.id || a.type != b.type || a.words != b.words) return false;
  if (a.version != 0 && a.version == b.version) return true;
  const std::uint32_t* x = sa.codes(a).data();
  const std::uint32_t* y = sb.codes(b).data();
  for (std::uint32_t i = 0; i < a.words; ++i)
    if (x[i] != y[i]) return false;
  return true;
}

// chosen_ values.
constexpr std::uint8_t kLeftOut = 0;  // not in this snapshot (or not a candidate yet)
constexpr std::uint8_t kChosen = 1;   // its change goes in this snapshot
constexpr std::uint8_t kSame = 2;     // the client already has it as it is
}  // namespace

SnapshotSender::SnapshotSender(const Schema& schema, const ReplicationSettings& settings)
    : schema_(&schema),
      max_entities_(settings.max_entities),
      codec_(make_codec(schema, settings)),
      stream_(codec_ ? codec_->max_encoded_bytes() : 0),
      budget_bytes_(settings.budget_bytes) {
  if (codec_ == nullptr) return;
  views_.reserve(settings.snapshot_ring);
  for (std::uint32_t i = 0; i < settings.snapshot_ring; ++i) views_.emplace_back(schema, settings);
  held_.assign(settings.snapshot_ring, false);
  scratch_ = Snapshot(schema, settings);
  priority_.assign(settings.max_entities, 0.0f);
  priority_of_.assign(settings.max_entities, EntityId{});
  weight_.assign(settings.max_entities, 0.0f);
  chosen_.assign(settings.max_entities, 0);
  hold_.assign(settings.max_entities, nullptr);
  candidates_.reserve(settings.max_entities);
}

void SnapshotSender::acknowledge(std::uint32_t tick) noexcept {
  // Only a tick this sender sent can be a baseline; anything else is ignored
  // (a confused or hostile client cannot point the baseline anywhere).
  if (sent(tick) == nullptr) return;
  if (!acked_ || newer(tick, *acked_)) acked_ = tick;
}

void SnapshotSender::reset() noexcept {
  acked_.reset();
  std::fill(held_.begin(), held_.end(), false);
  newest_.reset();
  std::fill(priority_.begin(), priority_.end(), 0.0f);
  std::fill(priority_of_.begin(), priority_of_.end(), EntityId{});
}

const Snapshot* SnapshotSender::sent(std::uint32_t tick) const noexcept {
  for (std::size_t i = 0; i < views_.size(); ++i)
    if (held_[i] && views_[i].tick() == tick) return &views_[i];
  return nullptr;
}

// Pass 1: which entities of `world` this client sees (weight_), which differ
// from what it holds (candidates_, with their cost), and their priorities.
void SnapshotSender::collect(const Snapshot& world, const Snapshot* baseline) {
  candidates_.clear();
  irrelevant_ = 0;
  const auto w = world.entities();
  const auto b = baseline != nullptr ? baseline->entities() : std::span<const EntityRecord>{};
  auto removal = [&](const EntityRecord& old) {
    chosen_[old.id.index()] = kLeftOut;
    candidates_.push_back({std::numeric_limits<float>::infinity(), old.id.index(),
                           codec_->record_bits(world, nullptr, baseline, &old), 0, false, true});
    hold_[old.id.index()] = nullptr;
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
    float weight = interest_ ? interest_(e.id, e.type) : 1.0f;
    if (!(weight > 0.0f)) weight = 0.0f;  // NaN too
    weight_[index] = weight;
    chosen_[index] = kLeftOut;
    if (priority_of_[index] != e.id) {
      priority_of_[index] = e.id;
      priority_[index] = 0.0f;
    }
    if (weight == 0.0f) {
      ++irrelevant_;
      priority_[index] = 0.0f;
      if (old != nullptr) removal(*old);  // left this client's interest
      continue;
    }
    if (old != nullptr && same_state(world, e, *baseline, *old)) {
      chosen_[index] = kSame;
      priority_[index] = 0.0f;  // the client has it as it is
      continue;
    }
    priority_[index] += weight;
    const bool update = old != nullptr && old->id == e.id && old->type == e.type;
    hold_[index] = nullptr;  // set by choose() when this change is left out
    candidates_.push_back(
        {priority_[index], index, record_bits(world, e, baseline, old), 0, update, false});
  }
}

// The codec's record cost, through the shared cache when there is one (deltas
// only). A create is keyed by base stamp 0 (whatever the baseline held in that
// slot does not change its cost); an update whose baseline has no stamp is
// computed.
std::uint32_t SnapshotSender::record_bits(const Snapshot& world, const EntityRecord& e,
                                          const Snapshot* baseline, const EntityRecord* old) {
  const bool update = old != nullptr && old->id == e.id && old->type == e.type;
  const std::uint32_t base_version = update ? old->version : 0;
  const bool memo = cache_ != nullptr && baseline != nullptr && (!update || base_version != 0);
  if (memo)
    if (const auto bits = cache_->cost(world.tick(), e, base_version)) return *bits;
  const std::uint32_t bits = codec_->record_bits(world, &e, baseline, old);
  if (memo) cache_->remember(world.tick(), e, base_version, bits);
  return bits;
}

// The newest view sent, when it is not the baseline (the client may hold it).
const Snapshot* SnapshotSender::latest_view(const Snapshot* baseline) const noexcept {
  const Snapshot* latest = newest_ ? &views_[*newest_] : nullptr;
  return latest == baseline ? nullptr : latest;
}

// Left out, candidate `c` would fall back to the baseline's state while the
// client may already hold the newest view's (acks lag): if that differs, the
// view holds the newest view's state instead. Sets hold_ and c.hold_bits;
// returns the bits the hold costs (0: none needed).
std::uint64_t SnapshotSender::hold(const Snapshot& world, const Snapshot* baseline,
                                   const Snapshot* latest, Candidate& c) {
  constexpr std::uint32_t kGapEstimateBits = 5;
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

// Marks what goes in (chosen_) within `budget_bits`; returns the changes left out.
std::uint64_t SnapshotSender::choose(const Snapshot& world, const Snapshot* baseline,
                                     std::uint64_t budget_bits, std::uint32_t header_bits) {
  // Each record also pays for its index gap: about this many bits at the
  // densities seen in practice (an over-run is caught after encoding).
  constexpr std::uint32_t kGapEstimateBits = 5;
  std::uint64_t total = header_bits;
  for (const Candidate& c : candidates_) total += c.bits + kGapEstimateBits;
  if (budget_bits == 0 || total <= budget_bits) {
    for (const Candidate& c : candidates_) chosen_[c.index] = kChosen;
    return 0;
  }
  std::sort(candidates_.begin(), candidates_.end(), [](const Candidate& a, const Candidate& b) {
    return a.priority != b.priority ? a.priority > b.priority : a.index < b.index;
  });
  std::uint64_t used = header_bits;
  std::uint64_t left_out = 0;
  bool any = false;
  for (const Candidate& c : candidates_) {
    const std::uint64_t cost = c.bits + kGapEstimateBits;
    if (!any || used + cost <= budget_bits) {  // the top one always goes: progress
      chosen_[c.index] = kChosen;
      used += cost;
      any = true;
    } else {
      chosen_[c.index] = kLeftOut;
      ++left_out;
    }
  }
  // Holds for what was left out (only when acks lag behind the newest view);
  // they go whatever else does, so the lowest-priority chosen changes give
  // way until the total fits again.
  const Snapshot* latest = latest_view(baseline);
  if (latest == nullptr) return left_out;
  for (Candidate& c : candidates_)
    if (chosen_[c.index] == kLeftOut) used += hold(world, baseline, latest, c);
  for (std::size_t k = candidates_.size(); k-- > 1 && used > budget_bits;) {
    Candidate& c = candidates_[k];
    if (chosen_[c.index] != kChosen) continue;
    chosen_[c.index] = kLeftOut;
    ++left_out;
    used -= std::min<std::uint64_t>(used, c.bits + kGapEstimateBits);
    used += hold(world, baseline, latest, c);
  }
  return left_out;
}

// Pass 2: the client's view: chosen changes at their world state, the rest as
// the client holds them (or absent).
void SnapshotSender::build_view(const Snapshot& world, const Snapshot* baseline,
                                std::uint64_t left_out, Snapshot& view) {
  const Snapshot* latest = newest_ ? &views_[*newest_] : nullptr;
  // Everything relevant and nothing left out: the view is the world. When
  // only updates were left out, it is the world with their old states put back.
  if (irrelevant_ == 0) {
    bool only_updates = true;
    for (const Candidate& c : candidates_)
      if (chosen_[c.index] != kChosen && !c.update) only_updates = false;
    if (only_updates && view.assign(world)) {
      if (left_out == 0) return;
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
      if (chosen_[old.id.index()] == kLeftOut) keep(*baseline, old);  // removal deferred
      continue;
    }
    const EntityRecord& e = w[i++];
    const EntityRecord* old = nullptr;
    if (j < b.size() && b[j].id.index() == e.id.index()) old = &b[j++];
    const std::uint32_t index = e.id.index();
    const std::uint8_t state = chosen_[index];
    if (weight_[index] == 0.0f) {
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

SnapshotError SnapshotSender::encode(const Snapshot& world, std::uint32_t acked_input_tick,
                                     std::uint64_t server_time_us, std::vector<std::uint8_t>& out) {
  if (codec_ == nullptr || world.capacity() > scratch_.capacity())
    return SnapshotError::BadSnapshot;
  if (newest_ && !newer(world.tick(), views_[*newest_].tick())) return SnapshotError::BadSnapshot;
  // Checked here, once per world however many clients it is coded for: the
  // views copy the answer along with the world's entities.
  if (!world.conforms(*schema_, max_entities_)) return SnapshotError::BadSnapshot;
  // The newest view the client has that is still kept; none: a full snapshot.
  const Snapshot* baseline = acked_ ? sent(*acked_) : nullptr;
  collect(world, baseline);
  const std::uint64_t budget_bits = std::uint64_t{budget_bytes_} * 8;
  const std::uint32_t header = codec_->header_bits(baseline != nullptr);
  std::uint64_t left_out = choose(world, baseline, budget_bits, header);
  EncodeResult r;
  std::span<const std::uint8_t> encoded;
  for (int attempt = 0;; ++attempt) {
    build_view(world, baseline, left_out, scratch_);
    encoded =
        cache_ != nullptr ? cache_->find(scratch_, baseline) : std::span<const std::uint8_t>{};
    if (!encoded.empty()) {
      ++stats_.cache_hits;
      r = {SnapshotError::None, encoded.size()};
    } else {
      r = codec_->encode(scratch_, baseline, stream_);
      if (r.error != SnapshotError::None) return r.error;
      encoded = {stream_.data(), r.bytes};
      if (cache_ != nullptr) cache_->store(scratch_, baseline, encoded);
    }
    if (budget_bits == 0 || r.bytes * 8 <= budget_bits || attempt == 3) break;
    // The estimate ran over: leave out the lowest-priority changes that cover
    // the excess (candidates_ is sorted when anything was left out already;
    // sort it now otherwise) and code again.
    ++stats_.budget_retries;
    if (left_out == 0)
      std::sort(candidates_.begin(), candidates_.end(), [](const Candidate& a, const Candidate& b) {
        return a.priority != b.priority ? a.priority > b.priority : a.index < b.index;
      });
    const std::uint64_t left_before = left_out;
    std::uint64_t excess = r.bytes * 8 - budget_bits + 8;
    std::size_t first_chosen = candidates_.size();
    for (std::size_t k = 0; k < candidates_.size(); ++k)
      if (chosen_[candidates_[k].index] == kChosen) {
        first_chosen = k;
        break;
      }
    for (std::size_t k = candidates_.size(); k-- > first_chosen + 1 && excess > 0;) {
      Candidate& c = candidates_[k];
      if (chosen_[c.index] != kChosen) continue;
      chosen_[c.index] = kLeftOut;
      hold(world, baseline, latest_view(baseline), c);
      ++left_out;
      excess = excess > c.bits ? excess - c.bits : 0;
    }
    if (left_out == left_before) break;  // nothing left to drop: send it as it is
  }
  // What went resets its priority; what waits keeps what it gained.
  for (const Candidate& c : candidates_)
    if (chosen_[c.index] == kChosen) {
      priority_[c.index] = 0.0f;
      ++stats_.entities_sent;
    }
  stats_.entities_deferred += left_out;
  stats_.stream_bytes += r.bytes;
  (baseline != nullptr ? stats_.delta_sent : stats_.full_sent) += 1;

  // The envelope first: the slot the view goes to may hold the baseline.
  wire::SnapshotHeader header_out;
  header_out.tick = world.tick();
  header_out.has_baseline = baseline != nullptr;
  header_out.baseline_tick = baseline != nullptr ? baseline->tick() : 0;
  header_out.acked_input_tick = acked_input_tick;
  header_out.server_time_us = server_time_us;
  wire::write_snapshot_envelope(header_out, encoded, out);

  // Keep the view over the oldest slot (coding is done, so that slot may even
  // have held the baseline just used).
  const std::uint32_t slot = next_;
  next_ = (next_ + 1) % static_cast<std::uint32_t>(views_.size());
  std::swap(views_[slot], scratch_);
  held_[slot] = true;
  newest_ = slot;
  return SnapshotError::None;
}

// ---- SnapshotEncodeCache ----

SnapshotEncodeCache::SnapshotEncodeCache(const Schema& schema, const ReplicationSettings& settings,
                                         std::uint32_t entries) {
  const auto codec = make_codec(schema, settings);
  if (codec == nullptr) return;
  entries_.resize(std::max<std::uint32_t>(entries, 1));
  costs_.resize(settings.max_entities);
  for (Entry& e : entries_) {
    e.view_key.resize(settings.max_entities);
    e.baseline_key.resize(settings.max_entities);
    e.stream.resize(codec->max_encoded_bytes());
  }
}

std::optional<std::uint32_t> SnapshotEncodeCache::cost(std::uint32_t tick, const EntityRecord& cur,
                                                       std::uint32_t base_version) const noexcept {
  if (cur.version == 0 || cur.id.index() >= costs_.size()) return std::nullopt;
  const Cost& c = costs_[cur.id.index()];
  if (!c.valid || c.tick != tick || c.id != cur.id.value || c.version != cur.version ||
      c.base_version != base_version)
    return std::nullopt;
  return c.bits;
}

void SnapshotEncodeCache::remember(std::uint32_t tick, const EntityRecord& cur,
                                   std::uint32_t base_version, std::uint32_t bits) noexcept {
  if (cur.version == 0 || cur.id.index() >= costs_.size()) return;
  costs_[cur.id.index()] = {tick, cur.id.value, cur.version, base_version, bits, true};
}

bool SnapshotEncodeCache::keyable(const Snapshot& s) noexcept {
  for (const EntityRecord& e : s.entities())
    if (e.version == 0) return false;
  return true;
}

bool SnapshotEncodeCache::matches(const std::vector<std::uint64_t>& key, std::size_t size,
                                  const Snapshot& s) noexcept {
  const auto records = s.entities();
  if (records.size() != size) return false;
  for (std::size_t i = 0; i < size; ++i)
    if (key[i] != ((std::uint64_t{records[i].id.value} << 32) | records[i].version)) return false;
  return true;
}

std::span<const std::uint8_t> SnapshotEncodeCache::find(const Snapshot& view,
                                                        const Snapshot* baseline) noexcept {
  for (const Entry& e : entries_) {
    if (!e.used || e.tick != view.tick() || e.has_baseline != (baseline != nullptr)) continue;
    if (baseline != nullptr && e.baseline_tick != baseline->tick()) continue;
    if (!matches(e.view_key, e.view_size, view)) continue;
    if (baseline != nullptr && !matches(e.baseline_key, e.baseline_size, *baseline)) continue;
    // Equal keys hold zero stamps nowhere (store() refuses those), so the
    // contents are equal too.
    ++hits_;
    return {e.stream.data(), e.bytes};
  }
  ++misses_;
  return {};
}

void SnapshotEncodeCache::store(const Snapshot& view, const Snapshot* baseline,
                                std::span<const std::uint8_t> stream) noexcept {
  if (entries_.empty() || stream.size() > entries_[0].stream.size() || !keyable(view) ||
      (baseline != nullptr && !keyable(*baseline)) || view.size() > entries_[0].view_key.size() ||
      (baseline != nullptr && baseline->size() > entries_[0].baseline_key.size()))
    return;
  Entry& e = entries_[next_];
  next_ = (next_ + 1) % static_cast<std::uint32_t>(entries_.size());
  auto fill = [](std::vector<std::uint64_t>& key, const Snapshot& s) {
    std::size_t i = 0;
    for (const EntityRecord& r : s.entities())
      key[i++] = (std::uint64_t{r.id.value} << 32) | r.version;
    return i;
  };
  e.used = true;
  e.tick = view.tick();
  e.has_baseline = baseline != nullptr;
  e.baseline_tick = baseline != nullptr ? baseline->tick() : 0;
  e.view_size = fill(e.view_key, view);
  e.baseline_size = baseline != nullptr ? fill(e.baseline_key, *baseline) : 0;
  std::copy(stream.begin(), stream.end(), e.stream.begin());
  e.bytes = stream.size();
}

SnapshotReceiver::SnapshotReceiver(const Schema& schema, const ReplicationSettings& settings)
    : codec_(make_codec(schema, settings)),
      held_(settings.snapshot_ring, false),
      scratch_(schema, settings) {
  ring_.reserve(settings.snapshot_ring);
  for (std::uint32_t i = 0; i < settings.snapshot_ring; ++i) ring_.emplace_back(schema, settings);
}

const Snapshot* SnapshotReceiver::find(std::uint32_t tick) const noexcept {
  for (std::size_t i = 0; i < ring_.size(); ++i)
    if (held_[i] && ring_[i].tick() == tick) return &ring_[i];
  return nullptr;
}

const Snapshot* SnapshotReceiver::newest() const noexcept {
  return newest_slot_ ? &ring_[*newest_slot_] : nullptr;
}

std::optional<std::uint32_t> SnapshotReceiver::ack() const noexcept {
  if (const Snapshot* s = newest()) return s->tick();
  return std::nullopt;
}

const Snapshot* SnapshotReceiver::receive(std::span<const std::uint8_t> envelope) {
  wire::SnapshotHeader header;
  std::span<const std::uint8_t> stream;
  if (codec_ == nullptr ||
      wire::read_snapshot_envelope(envelope, header, stream) != wire::EnvelopeError::Ok) {
    ++stats_.bad_envelope;
    return nullptr;
  }
  if (const Snapshot* n = newest(); n != nullptr && !newer(header.tick, n->tick())) {
    ++stats_.stale;  // late or duplicated: a newer one is already in hand
    return nullptr;
  }
  const Snapshot* baseline = nullptr;
  if (header.has_baseline) {
    baseline = find(header.baseline_tick);
    if (baseline == nullptr) {
      ++stats_.unknown_baseline;
      return nullptr;
    }
  }
  if (codec_->decode(stream, baseline, scratch_) != SnapshotError::None ||
      scratch_.tick() != header.tick) {
    ++stats_.decode_errors;
    return nullptr;
  }
  // Keep it over the oldest slot. Decoding finished in scratch_, so the slot
  // may even have held the baseline just used.
  const std::uint32_t slot = next_;
  next_ = (next_ + 1) % static_cast<std::uint32_t>(ring_.size());
  std::swap(ring_[slot], scratch_);
  held_[slot] = true;
  newest_slot_ = slot;
  acked_input_tick_ = header.acked_input_tick;
  server_time_us_ = header.server_time_us;
  ++stats_.received;
  ++(header.has_baseline ? stats_.delta_received : stats_.full_received);
  stats_.last_bytes = envelope.size();
  return &ring_[slot];
}

}  // namespace tickwire
