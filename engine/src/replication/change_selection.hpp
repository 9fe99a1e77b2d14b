// What one snapshot to one client carries: the SnapshotSender's selection
// of changes under its byte budget. Internal to the engine.
//
// Pass 1 (collect) walks the world against the client's baseline: which
// entities the client sees (its interest), which differ from what it holds,
// what each change costs (the codec's record_bits) and each one's priority,
// which grows by the entity's interest for every snapshot its change waits.
// choose() keeps the highest priorities that fit the budget (the top one
// always goes, so every client converges), trim() leaves out more when the
// coded stream still ran over, build_view() writes the view the client will
// hold, and commit() resets the priority of what went. A change left out
// while the client may already hold a newer view than its baseline (acks
// lag) is "held" at that newer view's state instead, so the client never
// steps back.
//
// With a shared SnapshotEncodeCache and no interest function, collect()
// takes the world's changes against the baseline from the cache when another
// sender already scanned the same pair, and then touches only the changed
// slots: per-slot states are read through a pass number (mark_), so slots it
// does not touch read as "the client has it as it is".
//
// Memory: fixed at construction, about 28 bytes per entity slot plus a
// candidate list of max_entities x 2 entries.
#pragma once

#include <cstdint>
#include <vector>

#include "tickwire/snapshot_codec.hpp"
#include "tickwire/snapshot_stream.hpp"

namespace tickwire {

class ChangeSelection {
 public:
  ChangeSelection() = default;  // no capacity: use the other constructor
  // `codec` must outlive the selection.
  ChangeSelection(const SnapshotCodec& codec, std::uint32_t max_entities);

  // Pass 1 for `world` against `baseline` (nullptr: the client holds
  // nothing). `interest` may be empty (everything, priority 1); `cache`
  // (optional) memoises record costs across the senders of one server.
  void collect(const Snapshot& world, const Snapshot* baseline, const InterestFn& interest,
               SnapshotEncodeCache* cache);
  // Marks what goes within `budget_bits` (0: everything) after a header of
  // `header_bits`. `latest`: the newest view sent when it is not the
  // baseline (the client may hold it), or nullptr.
  void choose(const Snapshot& world, const Snapshot* baseline, const Snapshot* latest,
              std::uint64_t budget_bits, std::uint32_t header_bits);
  // The coded stream ran `excess_bits` over the budget: leaves out the
  // lowest-priority chosen changes that cover it (never the top one). False
  // when nothing more could be left out.
  bool trim(const Snapshot& world, const Snapshot* baseline, const Snapshot* latest,
            std::uint64_t excess_bits);
  // Pass 2: the client's view, into `view`: chosen changes at their world
  // state, the rest as the client holds them (or absent).
  void build_view(const Snapshot& world, const Snapshot* baseline, const Snapshot* latest,
                  Snapshot& view) const;
  // The snapshot went: what was chosen resets its priority; what waits keeps
  // what it gained. Returns the number of changes sent.
  std::uint32_t commit() noexcept;
  // Forgets every priority (a new client).
  void reset() noexcept;

  [[nodiscard]] std::uint64_t left_out() const noexcept { return left_out_; }
  // The estimated size of what choose() and trim() left in: the header, the
  // chosen changes with their index gaps, and the holds, bits.
  [[nodiscard]] std::uint64_t estimate_bits() const noexcept { return estimate_; }
  // Whether this pass's changes came from (or went into) the cache's shared
  // scan: then the view is made from the world, the baseline, the newest
  // view (holds) and which changes were left out, and nothing else.
  [[nodiscard]] bool shared_scan() const noexcept { return scanned_; }
  // The changes left out, sorted: slot index << 1 | 1 when held at the
  // newest view's state. Returns whether any is held.
  bool left_out_list(std::vector<std::uint32_t>& out) const;
  [[nodiscard]] std::size_t candidates() const noexcept { return candidates_.size(); }
  // Whether the change of entity slot `index` goes in this snapshot, and the
  // priority it has gained.
  [[nodiscard]] bool chosen(std::uint32_t index) const noexcept;
  [[nodiscard]] float priority(std::uint32_t index) const noexcept;

 private:
  struct Candidate {
    float priority;
    std::uint32_t index;      // slot index of the entity
    std::uint32_t bits;       // estimated cost of its record
    std::uint32_t hold_bits;  // cost of holding the state last sent instead (see hold_)
    bool update;              // the client holds this entity (left out, it keeps that state)
    bool removal;             // a removal (destroyed, or no longer relevant)
  };

  std::uint32_t record_bits(const Snapshot& world, const EntityRecord& e, const Snapshot* baseline,
                            const EntityRecord* old, SnapshotEncodeCache* cache) const;
  // collect() from a shared scan: only its changed slots are touched.
  void apply(const SnapshotEncodeCache::Scan& scan);
  // A new pass: slots not marked in it read as kSame.
  void begin_pass() noexcept;
  // Slot `index` is a candidate of this pass: its priority grows by `weight`
  // from what it gained while waiting (from 0 when it did not wait in the
  // previous pass: it was sent, or the client had it).
  float gain(std::uint32_t index, EntityId id, float weight) noexcept;
  [[nodiscard]] std::uint8_t state(std::uint32_t index) const noexcept;
  [[nodiscard]] float weight(std::uint32_t index) const noexcept;
  std::uint64_t hold(const Snapshot& world, const Snapshot* baseline, const Snapshot* latest,
                     Candidate& c);
  void sort_by_priority();

  const SnapshotCodec* codec_ = nullptr;
  std::vector<float> priority_;        // per slot index: accumulated priority
  std::vector<EntityId> priority_of_;  // per slot index: the entity it belongs to
  std::vector<float> weight_;          // per slot index: this snapshot's interest (0: none)
  std::vector<std::uint8_t> chosen_;   // per slot index: kLeftOut, kChosen or kSame
  // Per slot index, for this snapshot's candidates: the entity's record in the
  // newest view sent when it is held at that state, or nullptr.
  std::vector<const EntityRecord*> hold_;
  std::vector<Candidate> candidates_;  // capacity max_entities x 2
  std::vector<std::uint32_t> mark_;    // per slot index: the pass chosen_ was set in
  std::vector<std::uint32_t> waited_;  // per slot index: the last pass it was a candidate in
  std::uint32_t pass_ = 1;
  bool shared_ = false;   // this pass came from a shared scan (no interest: weight 1)
  bool scanned_ = false;  // ... or it was recorded into one
  bool sorted_ = false;
  std::uint32_t irrelevant_ = 0;  // live entities the interest excluded
  std::uint64_t left_out_ = 0;    // changes left out of this snapshot
  std::uint64_t estimate_ = 0;    // estimate_bits()
};

}  // namespace tickwire
