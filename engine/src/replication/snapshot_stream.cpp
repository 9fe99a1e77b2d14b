#include "tickwire/snapshot_stream.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>

#include "replication/change_selection.hpp"
#include "replication/snapshot_history.hpp"
#include "wire/envelope.hpp"

namespace tickwire {

namespace {
// Tick order modulo 2^32, as the histories compare them.
bool newer(std::uint32_t a, std::uint32_t b) noexcept {
  return static_cast<std::int32_t>(a - b) > 0;
}
}  // namespace

// ---- SnapshotSender ----
//
// Five jobs, each in its own part: the views this client may hold
// (SnapshotHistory), interest, priorities and the byte budget
// (ChangeSelection), coding (the codec, through the shared cache), and the
// envelope (wire/envelope). encode() runs them in that order.

struct SnapshotSender::Impl {
  const Schema* schema = nullptr;
  ReplicationSettings settings;
  std::unique_ptr<SnapshotCodec> codec;
  std::vector<std::uint8_t> stream;  // the codec's output
  SnapshotHistory views;             // views sent, settings.snapshot_ring of them
  // The view being built: this sender's alone until kept (without a cache,
  // the view the history let go of; with one, a spare of the cache's).
  std::shared_ptr<Snapshot> scratch;
  ChangeSelection selection;
  std::vector<std::uint32_t> left_out;  // the recipe of a view from a shared scan
  std::optional<std::uint32_t> acked;
  InterestFn interest;
  SnapshotEncodeCache* cache = nullptr;
  std::uint32_t budget_bytes = 0;
  // The codec's estimates (record_bits, header_bits) against what it wrote:
  // coded bits per estimated bit, in 1/kScaleOne. The budget is applied in
  // estimate units, budget x kScaleOne / scale, so a coder that writes less
  // than its estimates (the range coder) fills its budget.
  static constexpr std::uint32_t kScaleOne = 256;
  std::uint32_t scale = kScaleOne;
  SenderStats stats;

  Impl(const Schema& s, const ReplicationSettings& settings)
      : schema(&s),
        settings(settings),
        codec(make_codec(s, settings)),
        budget_bytes(settings.budget_bytes) {
    if (codec == nullptr) return;
    stream.resize(codec->max_encoded_bytes());
    views = SnapshotHistory(settings.snapshot_ring);
    selection = ChangeSelection(*codec, settings.max_entities);
    left_out.reserve(std::size_t{settings.max_entities} * 2);
  }

  // Bits in the codec's estimate units.
  [[nodiscard]] std::uint64_t in_estimates(std::uint64_t bits) const noexcept {
    return bits * kScaleOne / scale;
  }
  // Learns the scale from a stream of `coded_bits` whose selection was
  // estimated at selection.estimate_bits(): only from streams whose
  // estimate was at least half the budget in estimate units, or that left a
  // change out (where the budget binds, and the header does not dominate;
  // judged in estimate units, so a scale too high still meets streams that
  // correct it). Its target is the stream's ratio plus 1/16: it rises to a
  // higher target at once (fewer streams over budget, fewer re-codes) and
  // falls toward a lower one by 1/8 of the difference per stream, rounded up.
  void learn_scale(std::uint64_t budget_bits, std::uint64_t coded_bits) noexcept {
    const std::uint64_t estimate = selection.estimate_bits();
    if (budget_bits == 0 || estimate == 0) return;
    if (estimate * 2 < in_estimates(budget_bits) && selection.left_out() == 0) return;
    const auto ratio = static_cast<std::uint32_t>(
        std::clamp<std::uint64_t>(coded_bits * kScaleOne / estimate, kScaleOne / 8, kScaleOne * 2));
    const std::uint32_t target = ratio + ratio / 16;  // a margin: fewer streams run over
    scale = target > scale ? target : scale - (scale - target + 7) / 8;
  }
  // The newest view sent, when it is not the baseline (the client may hold it).
  [[nodiscard]] const Snapshot* latest_view(const Snapshot* baseline) const noexcept {
    const Snapshot* latest = views.newest();
    return latest == baseline ? nullptr : latest;
  }
  // A snapshot to build a view in, held by nobody else.
  Snapshot& fresh_scratch() {
    if (cache != nullptr)
      scratch = cache->spare();
    else if (scratch == nullptr || scratch.use_count() != 1)
      scratch = std::make_shared<Snapshot>(*schema, settings);
    return *scratch;
  }
  // Codes `view` against `baseline`, through the cache when there is one.
  EncodeResult code(const Snapshot& view, const Snapshot* baseline,
                    std::span<const std::uint8_t>& encoded) {
    encoded = cache != nullptr ? cache->find(view, baseline) : std::span<const std::uint8_t>{};
    if (!encoded.empty()) {
      ++stats.cache_hits;
      return {SnapshotError::None, encoded.size()};
    }
    const EncodeResult r = codec->encode(view, baseline, stream);
    if (r.error != SnapshotError::None) return r;
    encoded = {stream.data(), r.bytes};
    if (cache != nullptr) cache->store(view, baseline, encoded);
    return r;
  }
  // The view the selection made and its stream: from the cache when a
  // sender already made that view (shared scans only), else built and coded.
  EncodeResult make_view(const Snapshot& world, const Snapshot* baseline, const Snapshot* latest,
                         std::shared_ptr<const Snapshot>& view,
                         std::span<const std::uint8_t>& encoded) {
    view.reset();  // an earlier attempt's: the scratch is this sender's alone again
    SnapshotEncodeCache::Recipe recipe;
    bool by_recipe = cache != nullptr && selection.shared_scan();
    if (by_recipe) {
      const bool held = selection.left_out_list(left_out);
      recipe = {world.tick(), SnapshotEncodeCache::identify(world),
                baseline != nullptr ? SnapshotEncodeCache::identify(*baseline) : 0,
                held && latest != nullptr ? SnapshotEncodeCache::identify(*latest) : 0, left_out};
      // Every snapshot the view is made from must be known by a key id (a
      // held change reads the newest view), or one recipe could name two views.
      by_recipe = recipe.world != 0 && (baseline == nullptr || recipe.baseline != 0) &&
                  (!held || recipe.latest != 0);
    }
    if (by_recipe) {
      if (const auto* hit = cache->find_view(recipe)) {
        ++stats.cache_hits;
        view = hit->view;
        encoded = {hit->stream.data(), hit->bytes};
        return {SnapshotError::None, hit->bytes};
      }
    }
    selection.build_view(world, baseline, latest, fresh_scratch());
    view = scratch;
    if (!by_recipe) return code(*scratch, baseline, encoded);
    const EncodeResult r = codec->encode(*scratch, baseline, stream);
    if (r.error != SnapshotError::None) return r;
    encoded = {stream.data(), r.bytes};
    cache->store_view(recipe, scratch, encoded);
    return r;
  }
};

SnapshotSender::SnapshotSender(const Schema& schema, const ReplicationSettings& settings)
    : impl_(std::make_unique<Impl>(schema, settings)) {}
SnapshotSender::~SnapshotSender() = default;
SnapshotSender::SnapshotSender(SnapshotSender&&) noexcept = default;
SnapshotSender& SnapshotSender::operator=(SnapshotSender&&) noexcept = default;

void SnapshotSender::acknowledge(std::uint32_t tick) noexcept {
  // Only a tick this sender sent can be a baseline; anything else is ignored
  // (a confused or hostile client cannot point the baseline anywhere).
  if (sent(tick) == nullptr) return;
  if (!impl_->acked || newer(tick, *impl_->acked)) impl_->acked = tick;
}

void SnapshotSender::reset() noexcept {
  impl_->acked.reset();
  impl_->views.clear();
  impl_->selection.reset();
  impl_->scale = Impl::kScaleOne;
}

void SnapshotSender::set_interest(InterestFn interest) {
  impl_->interest = std::move(interest);
}
void SnapshotSender::set_budget_bytes(std::uint32_t bytes) noexcept {
  impl_->budget_bytes = bytes == 0 ? 0 : std::max(bytes, kMinBudgetBytes);
}
std::uint32_t SnapshotSender::budget_bytes() const noexcept {
  return impl_->budget_bytes;
}
void SnapshotSender::set_cache(SnapshotEncodeCache* cache) noexcept {
  impl_->cache = cache;
}
std::optional<std::uint32_t> SnapshotSender::acked() const noexcept {
  return impl_->acked;
}
const Snapshot* SnapshotSender::sent(std::uint32_t tick) const noexcept {
  return impl_->views.find(tick);
}
const SenderStats& SnapshotSender::stats() const noexcept {
  return impl_->stats;
}

SnapshotError SnapshotSender::encode(const Snapshot& world, const SnapshotMeta& meta,
                                     std::vector<std::uint8_t>& out) {
  Impl& m = *impl_;
  if (m.codec == nullptr || world.capacity() > m.settings.max_entities)
    return SnapshotError::BadSnapshot;
  if (const Snapshot* newest = m.views.newest();
      newest != nullptr && !newer(world.tick(), newest->tick()))
    return SnapshotError::BadSnapshot;
  // Checked here, once per world however many clients it is coded for: the
  // views copy the answer along with the world's entities.
  if (!world.conforms(*m.schema, m.settings.max_entities)) return SnapshotError::BadSnapshot;
  // The newest view the client has that is still kept; none: a full snapshot.
  const Snapshot* baseline = m.acked ? m.views.find(*m.acked) : nullptr;
  const Snapshot* latest = m.latest_view(baseline);

  // Selection: what this client sees, and what of it fits the budget.
  m.selection.collect(world, baseline, m.interest, m.cache);
  const std::uint64_t budget_bits = std::uint64_t{m.budget_bytes} * 8;
  m.selection.choose(world, baseline, latest, m.in_estimates(budget_bits),
                     m.codec->header_bits(baseline != nullptr));

  // Coding: the view, coded; when the estimate ran over, leave out more and
  // code again (a few times at most). Then the scale learns from the result.
  EncodeResult r;
  std::span<const std::uint8_t> encoded;
  std::shared_ptr<const Snapshot> view;
  for (int attempt = 0;; ++attempt) {
    r = m.make_view(world, baseline, latest, view, encoded);
    if (r.error != SnapshotError::None) return r.error;
    if (budget_bits == 0 || r.bytes * 8 <= budget_bits || attempt == 3) break;
    ++m.stats.budget_retries;
    if (!m.selection.trim(world, baseline, latest, m.in_estimates(r.bytes * 8 - budget_bits + 8)))
      break;
  }
  m.learn_scale(budget_bits, r.bytes * 8);
  m.stats.entities_sent += m.selection.commit();
  m.stats.entities_deferred += m.selection.left_out();
  m.stats.stream_bytes += r.bytes;
  (baseline != nullptr ? m.stats.delta_sent : m.stats.full_sent) += 1;

  // The envelope, before the view is kept: its slot may hold the baseline.
  wire::SnapshotHeader header;
  header.tick = world.tick();
  header.has_baseline = baseline != nullptr;
  header.baseline_tick = baseline != nullptr ? baseline->tick() : 0;
  header.acked_input_tick = meta.acked_input_tick;
  header.server_time_us = meta.server_time_us;
  header.input_received_tick = meta.input_received_tick;
  if (meta.input_slack_ticks && std::isfinite(*meta.input_slack_ticks))
    header.input_slack = static_cast<std::int16_t>(
        std::lround(std::clamp(*meta.input_slack_ticks, -2047.0, 2047.0) * 16.0));
  wire::write_snapshot_envelope(header, encoded, out);
  std::shared_ptr<const Snapshot> dropped = m.views.keep_shared(std::move(view));
  // Without a cache nobody else holds views: the one let go is the next scratch.
  if (m.cache == nullptr && dropped != nullptr && dropped.use_count() == 1)
    m.scratch = std::const_pointer_cast<Snapshot>(std::move(dropped));
  return SnapshotError::None;
}

// ---- SnapshotEncodeCache ----

namespace {
bool keyable(const Snapshot& s) noexcept {
  for (const EntityRecord& e : s.entities())
    if (e.version == 0) return false;
  return true;
}
std::uint64_t key_of(const EntityRecord& r) noexcept {
  return (std::uint64_t{r.id.value} << 32) | r.version;
}
std::size_t fill_key(std::vector<std::uint64_t>& key, const Snapshot& s) noexcept {
  std::size_t i = 0;
  for (const EntityRecord& r : s.entities()) key[i++] = key_of(r);
  return i;
}
// Key ids are unique in the process (caches of different servers may meet
// the same snapshot only through copies, which agree anyway).
std::atomic<std::uint64_t> g_next_key_id{1};
}  // namespace

std::uint64_t SnapshotEncodeCache::identify(const Snapshot& s) noexcept {
  if (s.key_id_ == 0 && keyable(s)) s.key_id_ = g_next_key_id.fetch_add(1);
  return s.key_id_;
}

bool SnapshotEncodeCache::same_key(std::uint64_t id, const std::vector<std::uint64_t>& key,
                                   std::size_t size, const Snapshot& s) noexcept {
  if (id != 0 && s.key_id_ == id) return true;
  const auto records = s.entities();
  if (records.size() != size) return false;
  for (std::size_t i = 0; i < size; ++i)
    if (key[i] != key_of(records[i])) return false;
  if (id != 0) s.key_id_ = id;
  return true;
}

void SnapshotEncodeCache::PairKey::reserve(std::uint32_t max_entities) {
  key.resize(max_entities);
  baseline_key.resize(max_entities);
}

bool SnapshotEncodeCache::PairKey::can_hold(const Snapshot& s,
                                            const Snapshot* baseline) const noexcept {
  return s.size() <= key.size() && keyable(s) &&
         (baseline == nullptr || (baseline->size() <= baseline_key.size() && keyable(*baseline)));
}

void SnapshotEncodeCache::PairKey::set(const Snapshot& s, const Snapshot* baseline) noexcept {
  used = true;
  tick = s.tick();
  has_baseline = baseline != nullptr;
  baseline_tick = baseline != nullptr ? baseline->tick() : 0;
  id = identify(s);
  baseline_id = baseline != nullptr ? identify(*baseline) : 0;
  size = fill_key(key, s);
  baseline_size = baseline != nullptr ? fill_key(baseline_key, *baseline) : 0;
}

bool SnapshotEncodeCache::PairKey::matches(const Snapshot& s,
                                           const Snapshot* baseline) const noexcept {
  // Equal keys hold zero stamps nowhere (set() is only called when
  // can_hold()), so the contents are equal too.
  return used && tick == s.tick() && has_baseline == (baseline != nullptr) &&
         (baseline == nullptr || baseline_tick == baseline->tick()) && same_key(id, key, size, s) &&
         (baseline == nullptr || same_key(baseline_id, baseline_key, baseline_size, *baseline));
}

SnapshotEncodeCache::SnapshotEncodeCache(const Schema& schema, const ReplicationSettings& settings,
                                         std::uint32_t entries)
    : schema_(&schema), settings_(settings) {
  const auto codec = make_codec(schema, settings);
  if (codec == nullptr) return;
  entries_.resize(std::max<std::uint32_t>(entries, 1));
  scans_.resize(entries_.size());
  views_.resize(entries_.size());
  for (ViewEntry& v : views_) v.stream.resize(codec->max_encoded_bytes());
  costs_.resize(settings.max_entities);
  for (Entry& e : entries_) {
    e.key.reserve(settings.max_entities);
    e.stream.resize(codec->max_encoded_bytes());
  }
  for (Scan& s : scans_) s.key.reserve(settings.max_entities);
}

const SnapshotEncodeCache::Scan* SnapshotEncodeCache::find_scan(const Snapshot& world,
                                                                const Snapshot* baseline) noexcept {
  for (const Scan& s : scans_) {
    if (!s.key.matches(world, baseline)) continue;
    ++scan_hits_;
    return &s;
  }
  return nullptr;
}

SnapshotEncodeCache::Scan* SnapshotEncodeCache::new_scan(const Snapshot& world,
                                                         const Snapshot* baseline) noexcept {
  if (scans_.empty() || !scans_[0].key.can_hold(world, baseline)) return nullptr;
  Scan& s = scans_[next_scan_];
  next_scan_ = (next_scan_ + 1) % static_cast<std::uint32_t>(scans_.size());
  s.key.set(world, baseline);
  s.items.clear();
  return &s;
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

std::span<const std::uint8_t> SnapshotEncodeCache::find(const Snapshot& view,
                                                        const Snapshot* baseline) noexcept {
  for (const Entry& e : entries_) {
    if (!e.key.matches(view, baseline)) continue;
    ++hits_;
    return {e.stream.data(), e.bytes};
  }
  ++misses_;
  return {};
}

void SnapshotEncodeCache::store(const Snapshot& view, const Snapshot* baseline,
                                std::span<const std::uint8_t> stream) noexcept {
  if (entries_.empty() || stream.size() > entries_[0].stream.size() ||
      !entries_[0].key.can_hold(view, baseline))
    return;
  Entry& e = entries_[next_];
  next_ = (next_ + 1) % static_cast<std::uint32_t>(entries_.size());
  e.key.set(view, baseline);
  std::copy(stream.begin(), stream.end(), e.stream.begin());
  e.bytes = stream.size();
}

const SnapshotEncodeCache::ViewEntry* SnapshotEncodeCache::find_view(
    const Recipe& recipe) noexcept {
  for (const ViewEntry& v : views_) {
    if (!v.used || v.tick != recipe.tick || v.world != recipe.world ||
        v.baseline != recipe.baseline || v.latest != recipe.latest ||
        !std::equal(v.left_out.begin(), v.left_out.end(), recipe.left_out.begin(),
                    recipe.left_out.end()))
      continue;
    ++view_hits_;
    ++hits_;
    return &v;
  }
  ++misses_;
  return nullptr;
}

void SnapshotEncodeCache::store_view(const Recipe& recipe, std::shared_ptr<const Snapshot> view,
                                     std::span<const std::uint8_t> stream) {
  if (views_.empty() || stream.size() > views_[0].stream.size()) return;
  ViewEntry& v = views_[next_view_];
  next_view_ = (next_view_ + 1) % static_cast<std::uint32_t>(views_.size());
  v.used = true;
  v.tick = recipe.tick;
  v.world = recipe.world;
  v.baseline = recipe.baseline;
  v.latest = recipe.latest;
  v.left_out.assign(recipe.left_out.begin(), recipe.left_out.end());
  v.view = std::move(view);
  std::copy(stream.begin(), stream.end(), v.stream.begin());
  v.bytes = stream.size();
}

std::shared_ptr<Snapshot> SnapshotEncodeCache::spare() {
  // Views leave the senders' histories oldest first, so the one after the
  // last taken is the likeliest to be free.
  for (std::size_t n = 0; n < pool_.size(); ++n) {
    std::shared_ptr<Snapshot>& s = pool_[next_spare_];
    next_spare_ = (next_spare_ + 1) % static_cast<std::uint32_t>(pool_.size());
    if (s.use_count() == 1) return s;
  }
  pool_.push_back(std::make_shared<Snapshot>(*schema_, settings_));
  return pool_.back();
}

// ---- SnapshotReceiver ----

struct SnapshotReceiver::Impl {
  std::unique_ptr<SnapshotCodec> codec;
  SnapshotHistory ring;  // settings.snapshot_ring snapshots
  Snapshot scratch;      // decode target; kept when good
  std::uint32_t acked_input_tick = 0;
  std::uint64_t server_time_us = 0;
  std::int16_t input_slack = wire::kNoInputSlack;
  std::uint32_t input_received_tick = 0;
  ReceiverStats stats;
  CodecStats no_codec;  // what codec_stats() shows without a codec

  Impl(const Schema& schema, const ReplicationSettings& settings)
      : codec(make_codec(schema, settings)), ring(schema, settings), scratch(schema, settings) {}
};

SnapshotReceiver::SnapshotReceiver(const Schema& schema, const ReplicationSettings& settings)
    : impl_(std::make_unique<Impl>(schema, settings)) {}
SnapshotReceiver::~SnapshotReceiver() = default;
SnapshotReceiver::SnapshotReceiver(SnapshotReceiver&&) noexcept = default;
SnapshotReceiver& SnapshotReceiver::operator=(SnapshotReceiver&&) noexcept = default;

const Snapshot* SnapshotReceiver::find(std::uint32_t tick) const noexcept {
  return impl_->ring.find(tick);
}
const Snapshot* SnapshotReceiver::newest() const noexcept {
  return impl_->ring.newest();
}
std::optional<std::uint32_t> SnapshotReceiver::ack() const noexcept {
  if (const Snapshot* s = newest()) return s->tick();
  return std::nullopt;
}
std::uint32_t SnapshotReceiver::acked_input_tick() const noexcept {
  return impl_->acked_input_tick;
}
std::uint64_t SnapshotReceiver::server_time_us() const noexcept {
  return impl_->server_time_us;
}
std::optional<double> SnapshotReceiver::input_slack_ticks() const noexcept {
  if (impl_->input_slack == wire::kNoInputSlack) return std::nullopt;
  return impl_->input_slack / 16.0;
}
std::uint32_t SnapshotReceiver::input_received_tick() const noexcept {
  return impl_->input_received_tick;
}
const ReceiverStats& SnapshotReceiver::stats() const noexcept {
  return impl_->stats;
}
const CodecStats& SnapshotReceiver::codec_stats() const noexcept {
  return impl_->codec != nullptr ? impl_->codec->stats() : impl_->no_codec;
}

const Snapshot* SnapshotReceiver::receive(std::span<const std::uint8_t> envelope) {
  Impl& m = *impl_;
  wire::SnapshotHeader header;
  std::span<const std::uint8_t> stream;
  if (m.codec == nullptr || m.ring.slots() == 0 ||
      wire::read_snapshot_envelope(envelope, header, stream) != wire::EnvelopeError::Ok) {
    ++m.stats.bad_envelope;
    return nullptr;
  }
  if (const Snapshot* n = newest(); n != nullptr && !newer(header.tick, n->tick())) {
    ++m.stats.stale;  // late or duplicated: a newer one is already in hand
    return nullptr;
  }
  const Snapshot* baseline = nullptr;
  if (header.has_baseline) {
    baseline = find(header.baseline_tick);
    if (baseline == nullptr) {
      ++m.stats.unknown_baseline;
      return nullptr;
    }
  }
  if (m.codec->decode(stream, baseline, m.scratch) != SnapshotError::None ||
      m.scratch.tick() != header.tick) {
    ++m.stats.decode_errors;
    return nullptr;
  }
  // Keep it over the oldest slot. Decoding finished in scratch, so the slot
  // may even have held the baseline just used.
  const Snapshot& kept = m.ring.keep(m.scratch);
  m.acked_input_tick = header.acked_input_tick;
  m.server_time_us = header.server_time_us;
  m.input_slack = header.input_slack;
  m.input_received_tick = header.input_received_tick;
  ++m.stats.received;
  ++(header.has_baseline ? m.stats.delta_received : m.stats.full_received);
  m.stats.last_bytes = envelope.size();
  return &kept;
}

}  // namespace tickwire
