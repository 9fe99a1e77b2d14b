// tw-trace: the direct lane in a trace (Direct records, trace version 3).
// A message of an unreliable, unsequenced lane that fits in one datagram
// travels as a Direct packet beside ENet, and the trace records its
// plaintext (tickwire::trace::parse_direct). Its receiving host hands the
// messages to the game as they come, while its connection is up; ENet
// never sees them. DirectDelivery makes that decision for one record, and
// HostDelivery joins it with ENet's delivery (EnetDelivery), so that info,
// dump, replay, view and send all see what a host delivered on both lanes,
// in record order.
#pragma once

#include <tickwire/trace.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace twtrace {

// What became of a Direct record at its receiving end.
enum class DirectFate : std::uint8_t {
  Delivered,       // every message handed to the game, in frame order
  Malformed,       // not a Direct datagram (parse_direct's error): dropped
  NoConnection,    // no ENet connection up at that end: dropped
  UnknownChannel,  // a message on a channel not among the connection's lanes: refused whole
  Unfollowed,      // parsed and counted, delivery not modelled (no EnetDelivery given)
};
const char* to_string(DirectFate fate) noexcept;

// One direction's Direct records (tw-trace info).
struct DirectStats {
  std::uint64_t datagrams = 0, bytes = 0;    // records, their payload bytes
  std::uint64_t malformed = 0;               // records that are not Direct datagrams
  std::uint64_t messages = 0;                // messages in the well-formed records
  std::uint64_t delivered = 0;               // of those, handed to the game
  std::map<int, std::uint64_t> per_channel;  // messages (well-formed records), by channel
};

// The direct lane of one end (or of many, for counting): takes Direct
// records one at a time. Bounded: a record holds at most one datagram's
// frames, and nothing is kept between records but the counts.
class DirectDelivery {
 public:
  // A Direct record that one end received. `enet` is that end's ENet
  // delivery, rebuilt from the ENet datagrams it received before (whether
  // a connection is up, its channels: the game's lanes and tickwire's
  // control lane, the last, which the direct lane never carries); nullptr:
  // not modelled (DirectFate::Unfollowed). What the trace cannot show is
  // not checked: the lanes' kinds (a host takes Direct messages for its
  // Unreliable lanes only), the peer field (the connection's peer index
  // and session) and the lane's bounds on what the game has not polled. Returns the messages the
  // end delivered, in order, as ENet's are (reliable false), valid until the next call and while
  // the payload is.
  std::span<const tickwire::trace::DeliveredMessage> receive(
      std::span<const std::uint8_t> payload, const tickwire::trace::EnetDelivery* enet);

  // The last record's fate, its datagram (parsed as far as it went) and,
  // when malformed, why.
  [[nodiscard]] DirectFate fate() const noexcept { return fate_; }
  [[nodiscard]] const tickwire::trace::DirectDatagram& datagram() const noexcept { return d_; }
  [[nodiscard]] const std::string& error() const noexcept { return error_; }
  [[nodiscard]] const DirectStats& stats() const noexcept { return stats_; }

  // The last record for tw-trace dump: "peer 2 session 1: ch1 57 B, ch1 60 B"
  // (the first 32 messages, then how many more), then "; not delivered: no
  // connection" when it was not; or "malformed: WHY".
  [[nodiscard]] std::string text() const;

 private:
  tickwire::trace::DirectDatagram d_;
  std::vector<tickwire::trace::DeliveredMessage> out_;
  // The delivered messages' bytes, each at a multiple of 16 as a live host
  // hands them out (a record's payload is not aligned; decoders such as
  // FlatBuffers read in place).
  std::vector<std::uint8_t> aligned_;
  DirectFate fate_ = DirectFate::Unfollowed;
  std::string error_;
  DirectStats stats_;
};

// tw-trace info's report of one direction's Direct records: a JSON object
// ({"datagrams": ..., "bytes": ..., "messages": ..., "delivered": ...,
// "malformed": ..., "messages_per_channel": {"1": ...}}), and a line of the
// table ("direct lane: ...", empty when there were none).
std::string direct_json(const DirectStats& s);
std::string direct_line(const DirectStats& s);

// What one end's host delivered to its game, message by message, rebuilt
// from the records that end received, in record order: ENet datagrams
// through EnetDelivery, Direct records through DirectDelivery (delivered
// while that ENet's connection is up). Other kinds deliver nothing. replay,
// view and send follow one client with it.
class HostDelivery {
 public:
  HostDelivery() = default;
  explicit HostDelivery(tickwire::trace::EnetDelivery enet) : enet_(std::move(enet)) {}

  // One record the end received. Returns the messages it made deliverable,
  // in delivery order (valid until the next call and while the record is).
  std::span<const tickwire::trace::DeliveredMessage> receive(const tickwire::trace::Record& r);

  // Whether the last receive() began a connection (the game starts over).
  [[nodiscard]] bool began_connection() const noexcept { return began_; }
  // The last record's ENet datagram, parsed; nullptr when it was not one
  // or is malformed.
  [[nodiscard]] const tickwire::trace::EnetDatagram* enet_datagram() const noexcept {
    return parsed_enet_ ? &datagram_ : nullptr;
  }
  [[nodiscard]] const tickwire::trace::EnetDelivery& enet() const noexcept { return enet_; }
  [[nodiscard]] const DirectDelivery& direct() const noexcept { return direct_; }
  // Messages delivered, both lanes; records that did not parse (ENet
  // datagrams and Direct records).
  [[nodiscard]] std::uint64_t delivered() const noexcept {
    return enet_.stats().delivered + direct_.stats().delivered;
  }
  [[nodiscard]] std::uint64_t malformed() const noexcept {
    return malformed_enet_ + direct_.stats().malformed;
  }

 private:
  tickwire::trace::EnetDelivery enet_;
  DirectDelivery direct_;
  tickwire::trace::EnetDatagram datagram_;
  std::string why_;
  bool parsed_enet_ = false, began_ = false;
  std::uint64_t malformed_enet_ = 0;
};

}  // namespace twtrace
