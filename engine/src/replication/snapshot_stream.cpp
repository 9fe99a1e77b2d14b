#include "tickwire/snapshot_stream.hpp"

#include <algorithm>
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
  std::uint32_t max_entities = 0;
  std::unique_ptr<SnapshotCodec> codec;
  std::vector<std::uint8_t> stream;  // the codec's output
  SnapshotHistory views;             // views sent, settings.snapshot_ring of them
  Snapshot scratch;                  // the view being built
  ChangeSelection selection;
  std::optional<std::uint32_t> acked;
  InterestFn interest;
  SnapshotEncodeCache* cache = nullptr;
  std::uint32_t budget_bytes = 0;
  SenderStats stats;

  Impl(const Schema& s, const ReplicationSettings& settings)
      : schema(&s),
        max_entities(settings.max_entities),
        codec(make_codec(s, settings)),
        budget_bytes(settings.budget_bytes) {
    if (codec == nullptr) return;
    stream.resize(codec->max_encoded_bytes());
    views = SnapshotHistory(s, settings);
    scratch = Snapshot(s, settings);
    selection = ChangeSelection(*codec, settings.max_entities);
  }

  // The newest view sent, when it is not the baseline (the client may hold it).
  [[nodiscard]] const Snapshot* latest_view(const Snapshot* baseline) const noexcept {
    const Snapshot* latest = views.newest();
    return latest == baseline ? nullptr : latest;
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
  if (m.codec == nullptr || world.capacity() > m.scratch.capacity())
    return SnapshotError::BadSnapshot;
  if (const Snapshot* newest = m.views.newest();
      newest != nullptr && !newer(world.tick(), newest->tick()))
    return SnapshotError::BadSnapshot;
  // Checked here, once per world however many clients it is coded for: the
  // views copy the answer along with the world's entities.
  if (!world.conforms(*m.schema, m.max_entities)) return SnapshotError::BadSnapshot;
  // The newest view the client has that is still kept; none: a full snapshot.
  const Snapshot* baseline = m.acked ? m.views.find(*m.acked) : nullptr;
  const Snapshot* latest = m.latest_view(baseline);

  // Selection: what this client sees, and what of it fits the budget.
  m.selection.collect(world, baseline, m.interest, m.cache);
  const std::uint64_t budget_bits = std::uint64_t{m.budget_bytes} * 8;
  m.selection.choose(world, baseline, latest, budget_bits,
                     m.codec->header_bits(baseline != nullptr));

  // Coding: the view, coded; when the estimate ran over, leave out more and
  // code again (a few times at most).
  EncodeResult r;
  std::span<const std::uint8_t> encoded;
  for (int attempt = 0;; ++attempt) {
    m.selection.build_view(world, baseline, latest, m.scratch);
    r = m.code(m.scratch, baseline, encoded);
    if (r.error != SnapshotError::None) return r.error;
    if (budget_bits == 0 || r.bytes * 8 <= budget_bits || attempt == 3) break;
    ++m.stats.budget_retries;
    if (!m.selection.trim(world, baseline, latest, r.bytes * 8 - budget_bits + 8)) break;
  }
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
  m.views.keep(m.scratch);
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
bool key_matches(const std::vector<std::uint64_t>& key, std::size_t size,
                 const Snapshot& s) noexcept {
  const auto records = s.entities();
  if (records.size() != size) return false;
  for (std::size_t i = 0; i < size; ++i)
    if (key[i] != key_of(records[i])) return false;
  return true;
}
}  // namespace

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
  size = fill_key(key, s);
  baseline_size = baseline != nullptr ? fill_key(baseline_key, *baseline) : 0;
}

bool SnapshotEncodeCache::PairKey::matches(const Snapshot& s,
                                           const Snapshot* baseline) const noexcept {
  // Equal keys hold zero stamps nowhere (set() is only called when
  // can_hold()), so the contents are equal too.
  return used && tick == s.tick() && has_baseline == (baseline != nullptr) &&
         (baseline == nullptr || baseline_tick == baseline->tick()) && key_matches(key, size, s) &&
         (baseline == nullptr || key_matches(baseline_key, baseline_size, *baseline));
}

SnapshotEncodeCache::SnapshotEncodeCache(const Schema& schema, const ReplicationSettings& settings,
                                         std::uint32_t entries) {
  const auto codec = make_codec(schema, settings);
  if (codec == nullptr) return;
  entries_.resize(std::max<std::uint32_t>(entries, 1));
  scans_.resize(entries_.size());
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
