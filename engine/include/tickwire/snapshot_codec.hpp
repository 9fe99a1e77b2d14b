// tickwire — coding a snapshot as a delta against a baseline, and decoding
// it with every check (docs/PROTOCOL.md, "Snapshots"): the bit-packed codec
// and the range-coded one behind one interface.
//
// Every field value is quantized when it is set and kept as unsigned integer
// codes ("words", one uint32 per scalar component), so two snapshots compare
// and delta exactly. Nothing here reads a clock: ticks are given by the caller.
// Single-threaded: one owner calls everything. No call throws; storage is
// sized once from the schema and ReplicationSettings and never grows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "tickwire/snapshot.hpp"

namespace tickwire {

// ---- Snapshot codec --------------------------------------------------------

// Why a decode (or encode) failed. Errors are counted by cause in CodecStats.
enum class SnapshotError : std::uint8_t {
  None = 0,
  Overrun,          // the stream ended inside a value
  TrailingData,     // bytes or non-zero padding bits after the last value
  BadHeader,        // baseline age beyond 2^32 - 1
  MissingBaseline,  // the stream is a delta but no baseline was given
  WrongBaseline,    // the stream is a delta against another tick than the baseline's
  TooManyEntities,  // an entity count or the result exceeds max_entities
  IndexOutOfRange,  // an entity index at or beyond max_entities
  UnknownType,      // an entity type the schema does not have
  BadGeneration,    // generation 0 or beyond 2^20 - 1
  NoSuchEntity,     // update or removal of an entity the baseline does not hold
  EmptyUpdate,      // an update that changes no field
  ValueOutOfRange,  // a code beyond its field's range
  CountMismatch,    // the result's entity count differs from the stated count
  BufferTooSmall,   // encode: the output buffer cannot hold the stream
  BadSnapshot,      // encode: the snapshot does not fit the schema or settings
};
inline constexpr std::size_t kSnapshotErrorCount =
    static_cast<std::size_t>(SnapshotError::BadSnapshot) + 1;

const char* to_string(SnapshotError error) noexcept;

struct CodecStats {
  std::uint64_t encoded = 0;        // streams written
  std::uint64_t encoded_bytes = 0;  // their total size, bytes
  std::uint64_t decoded = 0;        // streams accepted
  std::uint64_t decode_errors = 0;  // streams rejected (sum of errors[] from decode)
  std::array<std::uint64_t, kSnapshotErrorCount> errors{};  // by cause, encode and decode
};

struct EncodeResult {
  SnapshotError error = SnapshotError::None;
  std::size_t bytes = 0;  // stream size when error is none
};

// A way of coding a snapshot against an optional baseline: the bit-packed
// delta codec or the range-coded one below.
// decode() never trusts its input: bounded time (linear in the stream and
// the baseline) and no allocation. On error `out` is left empty.
class SnapshotCodec {
 public:
  virtual ~SnapshotCodec() = default;
  SnapshotCodec() = default;
  SnapshotCodec(const SnapshotCodec&) = delete;
  SnapshotCodec& operator=(const SnapshotCodec&) = delete;

  // `baseline` nullptr: a full snapshot. Both snapshots must come from the
  // schema this codec was made with.
  EncodeResult encode(const Snapshot& current, const Snapshot* baseline,
                      std::span<std::uint8_t> out) noexcept;
  // `baseline` is needed when the stream is a delta; it is ignored otherwise.
  // `out` must have the capacity of the codec's settings.
  SnapshotError decode(std::span<const std::uint8_t> in, const Snapshot* baseline,
                       Snapshot& out) noexcept;

  // The bits of a stream's header, and of one record without its index gap:
  // `cur` of `current` coded against `base` of `baseline` (nullptr `cur`: a
  // removal; nullptr `base`, or another entity: a create). Exact for the
  // delta codec; the sender's budget uses them to choose what fits.
  [[nodiscard]] virtual std::uint32_t header_bits(bool delta) const noexcept = 0;
  [[nodiscard]] virtual std::uint32_t record_bits(const Snapshot& current, const EntityRecord* cur,
                                                  const Snapshot* baseline,
                                                  const EntityRecord* base) const noexcept = 0;
  // Upper bound of an encoded stream for this schema and settings, bytes.
  [[nodiscard]] virtual std::size_t max_encoded_bytes() const noexcept = 0;
  [[nodiscard]] const CodecStats& stats() const noexcept { return stats_; }

 protected:
  virtual EncodeResult do_encode(const Snapshot& current, const Snapshot* baseline,
                                 std::span<std::uint8_t> out) noexcept = 0;
  virtual SnapshotError do_decode(std::span<const std::uint8_t> in, const Snapshot* baseline,
                                  Snapshot& out) noexcept = 0;

 private:
  CodecStats stats_;
};

// The bit-packed delta codec (docs/PROTOCOL.md, "Snapshots"). `schema` must be validated
// and outlive the codec; nullptr when schema or settings are invalid.
std::unique_ptr<SnapshotCodec> make_delta_codec(const Schema& schema,
                                                const ReplicationSettings& settings);

// The range-coded codec (docs/PROTOCOL.md, "Range-coded streams"), the
// default coding: a delta walks its baseline (a modelled "changed" decision
// per entity whose flag is set, runs of unchanged entities for the others),
// then which fields changed and each changed code's residual, all through
// an adaptive binary range coder whose models
// restart with each stream (from ReplicationSettings::range_priors when
// set), so each stream decodes on its own. The same decoder guarantees as
// the bit-packed codec. header_bits() and record_bits() return the delta
// codec's costs, an estimate above this codec's (SnapshotSender learns the
// ratio and budgets with it). `schema` must be validated
// and outlive the codec; nullptr when schema or settings are invalid, or
// when range_priors does not fit this schema (wrong length, or a value
// outside 31 .. 2017).
std::unique_ptr<SnapshotCodec> make_range_codec(const Schema& schema,
                                                const ReplicationSettings& settings);

// Learns the range codec's starting probabilities (ReplicationSettings::
// range_priors) from a game's own snapshots, for example a recorded match:
// add() each snapshot with the baseline it would be sent against, then
// priors() gives one probability per model, the share of 0s each model coded.
// A trained table makes every stream cheaper without any state kept from
// stream to stream. It belongs to the schema it was trained with.
class RangePriorTrainer {
 public:
  RangePriorTrainer(const Schema& schema, const ReplicationSettings& settings);
  ~RangePriorTrainer();
  RangePriorTrainer(const RangePriorTrainer&) = delete;
  RangePriorTrainer& operator=(const RangePriorTrainer&) = delete;

  // False when the schema or settings are invalid (add() then does nothing).
  [[nodiscard]] bool valid() const noexcept;
  // False when a snapshot does not fit the schema and settings.
  bool add(const Snapshot& current, const Snapshot* baseline) noexcept;
  [[nodiscard]] std::uint64_t streams() const noexcept { return streams_; }
  [[nodiscard]] std::vector<std::uint16_t> priors() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::uint64_t streams_ = 0;
};

// The codec settings.coding names (what the senders and receivers use).
std::unique_ptr<SnapshotCodec> make_codec(const Schema& schema,
                                          const ReplicationSettings& settings);

}  // namespace tickwire
