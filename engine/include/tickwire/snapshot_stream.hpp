// tickwire — per-client snapshot streams, Quake 3's model.
//
// The server keeps one SnapshotSender per client. Each snapshot is that
// client's view of the world (what its interest admits and its byte budget
// lets through) and goes as a delta against the newest view that client
// acknowledged and the sender still holds, or in full when there is none. The
// client's SnapshotReceiver decodes it against its own copy of that baseline,
// keeps the result for interpolation, and reports the tick to acknowledge in
// its next input packet. Lost snapshots and lost acks only make deltas larger
// until an ack gets through: nothing is resent.
//
// Ticks are the caller's (server simulation ticks); nothing here reads a
// clock. Not thread-safe: one thread drives all senders of a server (they
// share the world snapshot, whose conforms() answer and range-codec flags
// are cached in it even through a const reference, and possibly a
// SnapshotEncodeCache); one object per client on each side.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "tickwire/entity_store.hpp"
#include "tickwire/snapshot_codec.hpp"

namespace tickwire {

// Most bytes a snapshot envelope adds to its stream.
inline constexpr std::size_t kSnapshotEnvelopeOverhead = 80;

// How much one client sees of one entity at this snapshot: 0 or less (or
// NaN) means "not relevant": the client does not see the entity at all, and
// an entity that stops being relevant is removed on that client. A positive
// value is the entity's priority: what its send priority grows by for each
// snapshot it has changes the client lacks but does not fit the budget.
// Called once per live entity per encode(); it must not call the sender.
using InterestFn = std::function<float(EntityId id, TypeId type)>;

// Shares the coding of snapshots between the senders of one server. Two
// clients whose new view and baseline view are the same (the same entities at
// the same change stamps: same interest, same budget outcome, acks of the
// same tick) are sent the same stream; with a cache it is coded once and
// copied for the others. Optional: give the same cache to every sender of a
// server with set_cache(). Entries hold streams of the current tick only.
// It also shares the senders' change scans: senders without an interest
// function whose baselines hold the same records are told once which
// entities changed and what each costs, so each then pays for the changes,
// not for every entity of the world. Such senders share their views too: a
// view is known by how it was made (the world, the baseline, the newest view
// sent and which changes were left out), so a sender whose view is made the
// same way as one already coded takes that view and its stream without
// building either, and keeps the view itself, not a copy, as what it sent.
//
// Snapshots are known to the cache by their records' (id, stamp) lists; a
// snapshot compared once carries a key id that its copies keep, so later
// comparisons of it cost nothing.
//
// Memory: entries x (4 x max_entities x 8 + max stream) bytes for the
// streams, plus up to entries x 2 x max_entities scan items of 16 bytes as
// used, plus the shared views: one snapshot per view kept by any sender
// (at most senders x snapshot_ring), made as needed and reused.
// Views whose world has no change stamps (snapshots not captured from an
// EntityStore) are never cached. Stamps are unique in the process, so
// senders of different worlds may even share one cache safely.
class SnapshotEncodeCache {
 public:
  SnapshotEncodeCache(const Schema& schema, const ReplicationSettings& settings,
                      std::uint32_t entries = 8);

  // The stream of `view` against `baseline` (nullptr: full), or empty.
  [[nodiscard]] std::span<const std::uint8_t> find(const Snapshot& view,
                                                   const Snapshot* baseline) noexcept;
  // Remembers a stream, over the least recently stored entry.
  void store(const Snapshot& view, const Snapshot* baseline,
             std::span<const std::uint8_t> stream) noexcept;

  [[nodiscard]] std::uint64_t hits() const noexcept { return hits_; }
  [[nodiscard]] std::uint64_t misses() const noexcept { return misses_; }
  // Change scans taken from the cache instead of walking the world.
  [[nodiscard]] std::uint64_t scan_hits() const noexcept { return scan_hits_; }
  // Views (and their streams) taken from the cache instead of being built.
  [[nodiscard]] std::uint64_t view_hits() const noexcept { return view_hits_; }
  // Snapshots made for shared views so far (a high-water mark: they are reused).
  [[nodiscard]] std::size_t views_made() const noexcept { return pool_.size(); }

  // The senders' record costs, shared the same way: the bits of entity `cur`
  // (stamp cur.version) against a baseline record of stamp `base_version`
  // (0: a create), memoised per entity slot for the world tick `tick`.
  // nullopt when not known; remember() stores one.
  [[nodiscard]] std::optional<std::uint32_t> cost(std::uint32_t tick, const EntityRecord& cur,
                                                  std::uint32_t base_version) const noexcept;
  void remember(std::uint32_t tick, const EntityRecord& cur, std::uint32_t base_version,
                std::uint32_t bits) noexcept;

 private:
  friend class ChangeSelection;
  friend class SnapshotSender;

  // A snapshot (a view, or a world) and its baseline, by their records'
  // (id << 32 | stamp): equal keys hold equal contents. The key ids make a
  // second comparison of the same snapshot (or a copy) free.
  struct PairKey {
    bool used = false;
    std::uint32_t tick = 0;
    bool has_baseline = false;
    std::uint32_t baseline_tick = 0;
    std::uint64_t id = 0, baseline_id = 0;  // the snapshots' key ids
    std::vector<std::uint64_t> key, baseline_key;
    std::size_t size = 0, baseline_size = 0;

    void reserve(std::uint32_t max_entities);
    // Whether both snapshots fit and every record has a stamp.
    [[nodiscard]] bool can_hold(const Snapshot& s, const Snapshot* baseline) const noexcept;
    void set(const Snapshot& s, const Snapshot* baseline) noexcept;
    [[nodiscard]] bool matches(const Snapshot& s, const Snapshot* baseline) const noexcept;
  };
  struct Entry {
    PairKey key;  // the view and its baseline
    std::vector<std::uint8_t> stream;
    std::size_t bytes = 0;
  };

  struct Cost {
    std::uint32_t tick = 0, id = 0, version = 0, base_version = 0, bits = 0;
    bool valid = false;
  };

  // One world's changes against one baseline, as ChangeSelection found them
  // (in its order: by slot index, a removal where the baseline held an entity
  // the world does not).
  struct ScanItem {
    std::uint32_t index = 0;  // entity slot
    std::uint32_t bits = 0;   // the record's cost
    EntityId id;              // the world's entity (the baseline's for a removal)
    bool update = false;      // the baseline holds this entity
    bool removal = false;
  };
  struct Scan {
    PairKey key;  // the world and the baseline
    std::vector<ScanItem> items;
  };
  // The scan of `world` against `baseline`, or nullptr.
  [[nodiscard]] const Scan* find_scan(const Snapshot& world, const Snapshot* baseline) noexcept;
  // A scan to fill for them (keys set, items empty), over the least recently
  // used one; nullptr when either has a record without a stamp.
  Scan* new_scan(const Snapshot& world, const Snapshot* baseline) noexcept;

  // How a view was made from a shared scan: the world, the baseline (key id
  // 0: none), the newest view sent when a left-out change is held at its
  // state (else 0), and the changes left out, sorted (slot index << 1 | held).
  struct Recipe {
    std::uint32_t tick = 0;
    std::uint64_t world = 0, baseline = 0, latest = 0;
    std::span<const std::uint32_t> left_out;
  };
  struct ViewEntry {
    bool used = false;
    std::uint32_t tick = 0;
    std::uint64_t world = 0, baseline = 0, latest = 0;
    std::vector<std::uint32_t> left_out;
    std::shared_ptr<const Snapshot> view;
    std::vector<std::uint8_t> stream;
    std::size_t bytes = 0;
  };
  // The view made by `recipe` and its stream, or nullptr.
  [[nodiscard]] const ViewEntry* find_view(const Recipe& recipe) noexcept;
  void store_view(const Recipe& recipe, std::shared_ptr<const Snapshot> view,
                  std::span<const std::uint8_t> stream);
  // A snapshot no sender holds, to build a view in (made when none is free).
  std::shared_ptr<Snapshot> spare();
  // `s`'s key id, given now when it has none; 0 when a record has no stamp.
  static std::uint64_t identify(const Snapshot& s) noexcept;
  // Whether `s` holds the records of `key` (known by key id `id`); on a
  // match by comparison, `s` takes that key id.
  static bool same_key(std::uint64_t id, const std::vector<std::uint64_t>& key, std::size_t size,
                       const Snapshot& s) noexcept;

  const Schema* schema_ = nullptr;
  ReplicationSettings settings_;
  std::vector<ViewEntry> views_;
  std::vector<std::shared_ptr<Snapshot>> pool_;  // every shared view made; free when only here
  std::uint32_t next_view_ = 0, next_spare_ = 0;
  std::vector<Entry> entries_;
  std::vector<Cost> costs_;  // per entity slot
  std::vector<Scan> scans_;
  std::uint32_t next_ = 0, next_scan_ = 0;
  std::uint64_t hits_ = 0, misses_ = 0, scan_hits_ = 0, view_hits_ = 0;
};

// What an envelope carries for the client besides the stream: the input
// side's facts (see prediction.hpp).
struct SnapshotMeta {
  // The newest input tick of this client the server has stepped with its
  // own input (InputBuffer::take_report_ack()); 0: none.
  std::uint32_t acked_input_tick = 0;
  std::uint64_t server_time_us = 0;  // the server's clock at this tick, microseconds
  // How early this client's inputs arrive (InputTiming::slack()), ticks;
  // sent in 1/16 ticks within +-2047; none: not reported.
  std::optional<double> input_slack_ticks;
  // The newest input tick up to which the server holds or has used every
  // input (InputBuffer::received_through()): the client's next input packet
  // starts after it. 0: not reported.
  std::uint32_t input_received_tick = 0;
};

struct SenderStats {
  std::uint64_t full_sent = 0;          // snapshots coded with no baseline
  std::uint64_t delta_sent = 0;         // snapshots coded against an acked one
  std::uint64_t stream_bytes = 0;       // their streams' total size, bytes
  std::uint64_t entities_sent = 0;      // records written (creates, updates, removals)
  std::uint64_t entities_deferred = 0;  // changes left for a later snapshot by the budget
  std::uint64_t budget_retries = 0;     // re-encodes because an estimate ran over
  std::uint64_t cache_hits = 0;         // streams taken from a SnapshotEncodeCache
};

class SnapshotSender {
 public:
  // `schema` must be validated and outlive the sender. The sender keeps the
  // last settings.snapshot_ring snapshots it sent (what this client may hold
  // as a baseline). Memory: up to snapshot_ring + 1 snapshots of about
  // max_entities x (17 + 4 x max words) bytes, made as they are first needed
  // (with a SnapshotEncodeCache, views are shared with other senders and made
  // by the cache), plus about 40 bytes per entity slot.
  SnapshotSender(const Schema& schema, const ReplicationSettings& settings);
  ~SnapshotSender();
  SnapshotSender(SnapshotSender&&) noexcept;
  SnapshotSender& operator=(SnapshotSender&&) noexcept;

  // The client says it has snapshot `tick` (acks older than the one held are ignored).
  void acknowledge(std::uint32_t tick) noexcept;
  // Forget the client (a new connection): acks, sent snapshots, priorities.
  void reset() noexcept;

  // Relevance and priority for this client; none: everything, priority 1.
  void set_interest(InterestFn interest);
  // Most bytes of stream per snapshot for this client (the envelope adds
  // kSnapshotEnvelopeOverhead at most); 0: no limit; otherwise at least
  // kMinBudgetBytes. Starts at settings.budget_bytes.
  void set_budget_bytes(std::uint32_t bytes) noexcept;
  [[nodiscard]] std::uint32_t budget_bytes() const noexcept;
  // Share coding with other senders (see SnapshotEncodeCache); nullptr: none.
  // The cache must outlive the sender or be unset first.
  void set_cache(SnapshotEncodeCache* cache) noexcept;

  // Codes `world` (the server's snapshot of this tick, ticks increasing) for
  // this client into `out`: a snapshot envelope holding the tick, the
  // baseline tick, `acked_input_tick`, `server_time_us` and the stream.
  //
  // What the client is sent is its view of the world: the relevant entities,
  // each either at its state in `world` or, when the budget left it out, at
  // the state the client already holds (or absent, when it holds none). The
  // view is coded against the newest view the client acked that is still
  // kept, or in full when there is none. Left-out changes gain priority and
  // go first next time; at least one change goes in every snapshot, so every
  // client converges on its relevant world once the world stops changing.
  // What fits is chosen by the codec's size estimates, scaled by what the
  // sender learned of how they compare with the streams it coded (so a
  // range-coded stream fills the budget as a bit-packed one does).
  SnapshotError encode(const Snapshot& world, const SnapshotMeta& meta,
                       std::vector<std::uint8_t>& out);
  // The same, with no input slack reported.
  SnapshotError encode(const Snapshot& world, std::uint32_t acked_input_tick,
                       std::uint64_t server_time_us, std::vector<std::uint8_t>& out) {
    return encode(world, SnapshotMeta{acked_input_tick, server_time_us, std::nullopt, 0}, out);
  }

  [[nodiscard]] std::optional<std::uint32_t> acked() const noexcept;
  // The view sent for `tick`, or nullptr when it is no longer kept.
  [[nodiscard]] const Snapshot* sent(std::uint32_t tick) const noexcept;
  [[nodiscard]] const SenderStats& stats() const noexcept;
  [[nodiscard]] std::uint64_t full_sent() const noexcept { return stats().full_sent; }
  [[nodiscard]] std::uint64_t delta_sent() const noexcept { return stats().delta_sent; }

 private:
  struct Impl;  // engine/src/replication/snapshot_stream.cpp
  std::unique_ptr<Impl> impl_;
};

// Why a received snapshot was not used (besides the codec's own causes).
struct ReceiverStats {
  std::uint64_t received = 0;          // snapshots decoded and kept
  std::uint64_t full_received = 0;     // ... of which were full (no baseline)
  std::uint64_t delta_received = 0;    // ... of which were deltas
  std::uint64_t last_bytes = 0;        // size of the newest envelope kept, bytes
  std::uint64_t stale = 0;             // not newer than the newest kept: ignored
  std::uint64_t bad_envelope = 0;      // the envelope did not verify
  std::uint64_t unknown_baseline = 0;  // a delta against a snapshot no longer (or never) held
  std::uint64_t decode_errors = 0;     // the stream was refused (see codec_stats())
};

class SnapshotReceiver {
 public:
  // `schema` must be validated and outlive the receiver. Keeps the last
  // settings.snapshot_ring snapshots.
  SnapshotReceiver(const Schema& schema, const ReplicationSettings& settings);
  ~SnapshotReceiver();
  SnapshotReceiver(SnapshotReceiver&&) noexcept;
  SnapshotReceiver& operator=(SnapshotReceiver&&) noexcept;

  // Takes one envelope from the server. Returns the kept snapshot, or nullptr
  // when it was stale or refused (counted in stats()).
  const Snapshot* receive(std::span<const std::uint8_t> envelope);

  // The tick to acknowledge in the next input packet; none before the first.
  [[nodiscard]] std::optional<std::uint32_t> ack() const noexcept;
  [[nodiscard]] const Snapshot* newest() const noexcept;
  [[nodiscard]] const Snapshot* find(std::uint32_t tick) const noexcept;
  // The server's acked input tick and time from the newest envelope kept.
  [[nodiscard]] std::uint32_t acked_input_tick() const noexcept;
  [[nodiscard]] std::uint64_t server_time_us() const noexcept;
  // The server's report of how early this client's inputs arrive, ticks
  // (negative: late), from the newest envelope kept; none when not reported.
  [[nodiscard]] std::optional<double> input_slack_ticks() const noexcept;
  // The server's input-received tick from the newest envelope kept (0: none).
  [[nodiscard]] std::uint32_t input_received_tick() const noexcept;
  [[nodiscard]] const ReceiverStats& stats() const noexcept;
  [[nodiscard]] const CodecStats& codec_stats() const noexcept;

 private:
  struct Impl;  // engine/src/replication/snapshot_stream.cpp
  std::unique_ptr<Impl> impl_;
};

}  // namespace tickwire
