// tickwire — reading packet traces (TICKWIRE_CAPTURE; the format is in
// docs/PROTOCOL.md, "Packet traces").
//
// A trace is a pcap file of what one host sent and received beneath the
// encryption. This header reads one back, one record at a time (streaming:
// memory does not grow with the trace), takes ENet's datagrams apart, and
// rebuilds the messages ENet delivered to the application, so a tool can
// run a recorded client's traffic through the same decoders the live client
// used. A game plugs in its own message decoder (TraceDecoder); tw-trace
// is the tool built on this.
//
// Nothing in a file is trusted: every record is checked before use, a bad
// one ends the read with a one-line reason, and every queue is bounded.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tickwire::trace {

// ---- records ----

// What a record holds (the kind byte after the synthetic UDP header).
// Replayed (trace version 2): an authentic ENet datagram the replay window
// refused (a duplicate on the path, or older than the window), recorded
// opened; ENet never saw it.
// Direct (trace version 3): the plaintext of a Direct packet, messages of the
// direct lane that never pass through ENet (parse_direct()).
enum class Kind : std::uint8_t {
  Meta = 0,
  Enet = 1,
  Handshake = 2,
  KeepAlive = 3,
  Replayed = 4,
  Direct = 5
};
const char* to_string(Kind k) noexcept;

struct Address {
  std::uint32_t host = 0;  // IPv4, network byte order
  std::uint16_t port = 0;
  friend bool operator==(const Address&, const Address&) = default;
};
std::string to_string(Address a);  // "a.b.c.d:port"

struct TraceInfo {
  std::uint16_t version = 0;
  bool server = false;  // whose trace: a server's or a client's
  std::uint64_t protocol_id = 0;
  std::uint64_t start_unix_us = 0;
  Address local;  // the recording host's address
};

struct Record {
  std::uint64_t time_us = 0;  // since the trace began
  Address src, dst;
  bool outgoing = false;  // sent by the recording host
  Kind kind = Kind::Enet;
  std::span<const std::uint8_t> payload;  // valid until the next next()
};

class TraceReader {
 public:
  TraceReader();
  ~TraceReader();
  TraceReader(const TraceReader&) = delete;
  TraceReader& operator=(const TraceReader&) = delete;

  // Opens a trace and reads its Meta record. False with a one-line `error`
  // when the file is not a pcap, not a tickwire trace, or of a newer version.
  bool open(const std::string& path, std::string& error);
  // Opens a trace held in memory (which must outlive the reader).
  bool open_memory(std::span<const std::uint8_t> bytes, std::string& error);
  [[nodiscard]] const TraceInfo& info() const noexcept;

  // The next record; false at the end, or with `error` set when a record is
  // malformed (truncated, not IPv4/UDP, lengths that disagree, unknown kind).
  bool next(Record& out, std::string& error);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ---- ENet datagrams (the public enet/protocol.h of ENet 1.3) ----

struct EnetCommand {
  std::uint8_t type = 0;     // 1 ACK .. 12 SEND_UNRELIABLE_FRAGMENT (enet_command_name())
  bool ack_wanted = false;   // flag 0x80
  bool unsequenced = false;  // flag 0x40
  std::uint8_t channel = 0;  // 0xFF: the connection's own commands
  std::uint16_t reliable_seq = 0;
  std::uint16_t unreliable_seq = 0;  // SEND_UNRELIABLE; SEND_UNSEQUENCED: its group
  // ACK: the acknowledged command's sequence and its datagram's sent time (ms, 16 bits).
  std::uint16_t acked_seq = 0, acked_sent_time = 0;
  // Fragments: the message's first sequence, part number and count, total length, offset.
  std::uint16_t fragment_start = 0;
  std::uint32_t fragment_number = 0, fragment_count = 0, total_length = 0, fragment_offset = 0;
  // CONNECT and VERIFY_CONNECT: the sender's peer id, MTU, channels and connect id.
  std::uint16_t outgoing_peer_id = 0;
  std::uint32_t mtu = 0, channel_count = 0, connect_id = 0;
  std::span<const std::uint8_t> data;  // the message (or fragment) bytes, within the datagram
};

inline constexpr std::size_t kMaxEnetCommands = 32;

struct EnetDatagram {
  std::uint16_t peer_id = 0;  // 0x0FFF: no peer yet (a CONNECT)
  std::uint8_t session = 0;
  bool has_sent_time = false;
  bool compressed = false;
  std::uint16_t sent_time = 0;  // ms, 16 bits
  EnetCommand commands[kMaxEnetCommands];
  std::size_t count = 0;
};

// Parses `bytes`; false with `error` (what and where) when it is not a whole
// ENet datagram. Commands parsed before the error stay in `out`.
bool parse_enet(std::span<const std::uint8_t> bytes, EnetDatagram& out, std::string& error);

const char* enet_command_name(std::uint8_t type) noexcept;

// ---- the direct lane (Direct records; docs/PROTOCOL.md, "The direct lane") ----

struct DirectMessage {
  std::uint8_t channel = 0;
  std::span<const std::uint8_t> bytes;  // within the record's payload
};

struct DirectDatagram {
  std::uint16_t peer_id = 0;  // the receiver's ENet peer index for the connection
  std::uint8_t session = 0;   // ENet's session bits, as in its own datagram header
  std::vector<DirectMessage> messages;
};

// Parses a Direct record's payload; false with `error` when it is malformed
// (no head, no message, a frame that does not fit). Each message is one the
// receiving end delivered as it came (the direct lane carries only
// unreliable, unsequenced lanes).
bool parse_direct(std::span<const std::uint8_t> bytes, DirectDatagram& out, std::string& error);

// ---- messages: what ENet delivered ----

// One message as ENet handed it to the application.
struct DeliveredMessage {
  std::uint8_t channel = 0;
  bool reliable = false;
  std::span<const std::uint8_t> bytes;  // valid until the next receive()
};

struct DeliveryStats {
  std::uint64_t connections = 0;      // connections begun (CONNECT or VERIFY_CONNECT)
  std::uint64_t delivered = 0;        // messages handed on
  std::uint64_t duplicates = 0;       // reliable or unsequenced commands already had
  std::uint64_t stale = 0;            // sequenced commands older than one delivered
  std::uint64_t out_of_window = 0;    // sequence numbers outside ENet's receive window
  std::uint64_t refused = 0;          // commands ENet would refuse (no connection, bad channel
                                      // or fragment, over a bound): the rest of the datagram too
  std::uint64_t partial_dropped = 0;  // fragmented messages never completed, dropped
};

// The messages one end's ENet delivered, rebuilt from the datagrams that end
// received, in the order it received them: ENet 1.3's incoming queues
// (reliable messages once and in order, fragments joined, sequenced
// messages dropped when older than one delivered, unsequenced ones once).
// One connection at a time: a CONNECT or VERIFY_CONNECT starts over.
//
// Bounded, as the live engine bounds ENet: at most `max_pending` queued
// commands in each of a channel's two queues (plus the reliable one the
// channel waits for next, which is always taken so that a full queue can
// drain), messages of at most `max_message_bytes`, fragments of at least
// one byte each, and at most `max_waiting_bytes` held (message bytes and
// fragment maps; the engine's default max_receive_buffer_bytes), past
// which commands are refused and counted. Objects that follow many
// connections of one trace can share one DeliveryBudget on top. One
// difference from the live ENet 1.3.17 stays: that ENet never gives back
// the receive-buffer space of messages it drops unread, and refuses
// everything once the total reaches its limit (fixed in later ENet); the
// model frees them.
struct DeliveryBudget {
  std::size_t limit = 64u << 20;  // bytes all sharing objects may hold waiting
  std::size_t used = 0;
};

class EnetDelivery {
 public:
  explicit EnetDelivery(std::uint32_t max_message_bytes = 1u << 20,
                        std::uint32_t max_pending = 1024, std::size_t max_waiting_bytes = 2u << 20,
                        DeliveryBudget* shared = nullptr);
  ~EnetDelivery();
  EnetDelivery(EnetDelivery&&) noexcept;
  EnetDelivery& operator=(EnetDelivery&&) noexcept;

  // Takes one received datagram; returns the messages it made deliverable,
  // in delivery order (valid until the next call).
  std::span<const DeliveredMessage> receive(const EnetDatagram& datagram);
  // Whether a connection is up (its VERIFY_CONNECT or CONNECT was seen and
  // no DISCONNECT since).
  [[nodiscard]] bool connected() const noexcept;
  // The connection's ENet channels (its VERIFY_CONNECT's or CONNECT's); 0
  // before one. tickwire's control lane is the last of them.
  [[nodiscard]] std::uint32_t channel_count() const noexcept;
  [[nodiscard]] const DeliveryStats& stats() const noexcept;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// ---- snapshot envelopes ----

// The header of a snapshot envelope (docs/PROTOCOL.md, "Envelope").
struct EnvelopeHeader {
  std::uint32_t tick = 0;
  std::optional<std::uint32_t> baseline_tick;  // none: a full snapshot
  std::uint32_t acked_input_tick = 0;
  std::uint64_t server_time_us = 0;
  std::optional<double> input_slack_ticks;
  std::uint32_t input_received_tick = 0;
  std::size_t stream_bytes = 0;  // the snapshot's coded stream
};
// Reads a message as a snapshot envelope; none when it is not one (it does
// not verify). Never decodes the stream (that needs the game's schema).
std::optional<EnvelopeHeader> read_envelope(std::span<const std::uint8_t> message);

// ---- the game's part ----

// A world a decoder reconstructed: the game's tick and a hash of its state.
struct WorldHash {
  std::uint32_t tick = 0;
  std::uint64_t hash = 0;
};

// A game's reading of its own messages, for tools that show or replay its
// traces. tickwire itself knows envelopes and ENet; what a message means,
// and how a snapshot becomes a world, only the game knows.
class TraceDecoder {
 public:
  virtual ~TraceDecoder() = default;
  // The game's name and tickwire protocol id (TraceInfo::protocol_id of its traces).
  [[nodiscard]] virtual std::string_view name() const = 0;
  [[nodiscard]] virtual std::uint64_t protocol_id() const = 0;
  // A message named (`from_server`: which way it went): `name` a short
  // word that counts messages of its kind ("Input"), `detail` the rest of a
  // line. An empty name: the game does not know the message.
  struct Description {
    std::string name, detail;
  };
  virtual Description describe(std::uint8_t channel, std::span<const std::uint8_t> message,
                               bool from_server) = 0;
  // Replay, as the game's client: forget everything (a new connection).
  virtual void reset() = 0;
  // Replay: a message from the server, in the order the client's ENet
  // delivered it, at `time_us` into the trace. Returns the world it
  // completed, if it completed one.
  virtual std::optional<WorldHash> deliver(std::uint8_t channel,
                                           std::span<const std::uint8_t> message,
                                           std::uint64_t time_us) = 0;
};

}  // namespace tickwire::trace
