#include "socket/enet_guard.hpp"

#include <array>
#include <cstring>

namespace tickwire::socket {

namespace {

using namespace enet_wire;

std::uint16_t be16(const std::uint8_t* p) noexcept {
  return static_cast<std::uint16_t>((p[0] << 8) | p[1]);
}
std::uint32_t be32(const std::uint8_t* p) noexcept {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         std::uint32_t{p[3]};
}
void put_be32(std::uint8_t* p, std::uint32_t v) noexcept {
  p[0] = static_cast<std::uint8_t>(v >> 24);
  p[1] = static_cast<std::uint8_t>(v >> 16);
  p[2] = static_cast<std::uint8_t>(v >> 8);
  p[3] = static_cast<std::uint8_t>(v);
}

GuardVerdict refuse(GuardRefusal refusal, const char* why) noexcept {
  GuardVerdict v;
  v.refusal = refusal;
  v.why = why;
  return v;
}

// Commands this datagram adds to each (channel, queue), and how many ENet
// holds there already (counted once per datagram, on first use).
struct QueueTally {
  struct Entry {
    std::uint8_t channel;
    bool reliable;
    std::uint32_t held;   // ENet's count, up to cap + 1
    std::uint32_t added;  // kept from this datagram so far
  };
  std::array<Entry, 64> entries{};
  std::size_t count = 0;

  Entry* find(std::uint8_t channel, bool reliable) noexcept {
    for (std::size_t i = 0; i < count; ++i)
      if (entries[i].channel == channel && entries[i].reliable == reliable) return &entries[i];
    return nullptr;
  }
};

// A fragment's fields, checked against the connection's MTU: the count must
// be what the total length needs, and the part must sit where ENet's sender
// puts it. Anything else is a forged fragment (ENet 1.3.17 would allocate a
// bitmap for the claimed count, whatever the length).
const char* check_fragment(const std::uint8_t* c, std::uint16_t data_length, std::uint32_t mtu,
                           std::uint32_t max_message, bool reliable) noexcept {
  const std::uint16_t header_sequence = be16(c + 2);
  const std::uint16_t start = be16(c + 4);
  const std::uint32_t count = be32(c + 8);
  const std::uint32_t number = be32(c + 12);
  const std::uint32_t total = be32(c + 16);
  const std::uint32_t offset = be32(c + 20);
  if (mtu < kMinMtu || mtu > kMaxMtu) return "fragment on a connection without a valid MTU";
  const std::uint32_t part = mtu - kFragmentOverhead;
  if (total == 0 || total > max_message) return "fragment total length out of range";
  if (count != (total + part - 1) / part) return "fragment count does not match its total length";
  if (number >= count) return "fragment number beyond its count";
  if (std::uint64_t{number} * part != offset) return "fragment offset does not match its number";
  const std::uint32_t expected = total - offset < part ? total - offset : part;
  if (data_length != expected) return "fragment length does not match its place";
  if (reliable && static_cast<std::uint16_t>(start + number) != header_sequence)
    return "fragment sequence does not follow its start";
  return nullptr;
}

}  // namespace

GuardVerdict check_enet_datagram(std::span<std::uint8_t> datagram, Endpoint from,
                                 const GuardLimits& limits, GuardPeers& peers) noexcept {
  const std::size_t size = datagram.size();
  std::uint8_t* const d = datagram.data();
  if (size < 2) return refuse(GuardRefusal::Malformed, "shorter than ENet's header");
  const std::uint16_t peer_field = be16(d);
  if (peer_field & kFlagCompressed)
    return refuse(GuardRefusal::Malformed, "compressed (tickwire hosts use no compressor)");
  const std::size_t header = (peer_field & kFlagSentTime) ? 4 : 2;
  if (size <= header) return refuse(GuardRefusal::Malformed, "no commands");
  const std::uint16_t peer_id = peer_field & kPeerIdMask;
  const bool connecting = peer_id == kNoPeer;
  const auto session = static_cast<std::uint8_t>((peer_field >> kSessionShift) & 3);
  if (!connecting && !peers.select(peer_id, session, from))
    return refuse(GuardRefusal::Malformed, "no live connection with that peer id at this address");

  GuardVerdict verdict;
  verdict.size = size;
  const std::uint32_t max_commands = limits.max_commands < 64 ? limits.max_commands : 64;
  std::uint32_t commands = 0;
  std::size_t at = header;
  // First pass: every command must be well-formed, or nothing goes to ENet.
  while (at < size) {
    if (size - at < 4) return refuse(GuardRefusal::Malformed, "truncated command header");
    std::uint8_t* const c = d + at;
    const std::uint8_t type = c[0] & kCommandMask;
    if (type == 0 || type >= kCommandCount)
      return refuse(GuardRefusal::Malformed, "unknown command type");
    const std::size_t fixed = kCommandSize[type];
    if (size - at < fixed) return refuse(GuardRefusal::Malformed, "truncated command");
    if (++commands > max_commands) return refuse(GuardRefusal::OverLimit, "too many commands");
    const std::uint8_t channel = c[1];
    std::size_t payload = 0;

    // A datagram for a new connection holds its CONNECT and nothing else;
    // a CONNECT anywhere else is an error to ENet.
    if (connecting != (type == kConnect))
      return refuse(GuardRefusal::Malformed, connecting ? "only a CONNECT may lack a peer id"
                                                        : "CONNECT on an existing connection");
    switch (type) {
      case kConnect: {
        if (commands != 1) return refuse(GuardRefusal::Malformed, "more than one CONNECT");
        if (!limits.accept_connect)
          return refuse(GuardRefusal::ConnectRefused, "this host takes no connections");
        if (channel != kConnectionChannel)
          return refuse(GuardRefusal::Malformed, "CONNECT on a channel");
        if (be16(c + kConnectOutgoingPeer) >= kNoPeer)
          return refuse(GuardRefusal::Malformed, "CONNECT with an invalid peer id");
        if (be32(c + kConnectMtu) > limits.max_mtu) put_be32(c + kConnectMtu, limits.max_mtu);
        verdict.connect = true;
        verdict.connect_id = be32(c + kConnectId);
        break;
      }
      case kAcknowledge:
        // An acknowledgement names the channel of what it acknowledges.
        if (channel != kConnectionChannel && channel >= peers.channels())
          return refuse(GuardRefusal::Malformed,
                        "acknowledgement for a channel beyond the connection's");
        break;
      case kVerifyConnect:
      case kDisconnect:
      case kPing:
      case kBandwidthLimit:
      case kThrottleConfigure:
        if (channel != kConnectionChannel)
          return refuse(GuardRefusal::Malformed, "connection command on a channel");
        break;
      case kSendReliable:
      case kSendUnreliable:
      case kSendUnsequenced:
      case kSendFragment:
      case kSendUnreliableFragment: {
        if (channel >= peers.channels())
          return refuse(GuardRefusal::Malformed, "channel beyond the connection's");
        payload = be16(c + (type == kSendReliable ? 4 : 6));
        if (size - at - fixed < payload)
          return refuse(GuardRefusal::Malformed, "payload runs past the datagram");
        if (type == kSendFragment || type == kSendUnreliableFragment) {
          if (const char* why = check_fragment(c, static_cast<std::uint16_t>(payload), peers.mtu(),
                                               limits.max_message_bytes, type == kSendFragment))
            return refuse(GuardRefusal::Malformed, why);
        }
        break;
      }
      default: return refuse(GuardRefusal::Malformed, "unknown command type");
    }
    at += fixed + payload;
  }
  if (connecting) return verdict;

  // Second pass: each command that may become an entry ENet holds is kept
  // only while its queue is under the cap. The command ENet waits for next
  // on a channel (which lets the queue drain) is always kept, so a full
  // queue never locks out its own cure. Dropped commands are taken out of
  // the datagram; reliable ones are resent by their sender, unacknowledged.
  QueueTally tally;
  std::size_t write = header;
  at = header;
  while (at < size) {
    std::uint8_t* const c = d + at;
    const std::uint8_t type = c[0] & kCommandMask;
    std::size_t length = kCommandSize[type];
    bool keep = true;
    if (type == kSendReliable || type == kSendUnreliable || type == kSendUnsequenced ||
        type == kSendFragment || type == kSendUnreliableFragment) {
      length += be16(c + (type == kSendReliable ? 4 : 6));
      const std::uint8_t channel = c[1];
      const bool reliable = type == kSendReliable || type == kSendFragment;
      QueueTally::Entry* e = tally.find(channel, reliable);
      if (e == nullptr && tally.count < tally.entries.size()) {
        e = &tally.entries[tally.count++];
        *e = QueueTally::Entry{channel, reliable, peers.queued(channel, reliable, limits.queue_cap),
                               0};
      }
      const std::uint16_t sequence = type == kSendFragment ? be16(c + 4) : be16(c + 2);
      const bool next = reliable && sequence == peers.next_reliable(channel);
      if (!next && (e == nullptr || e->held + e->added >= limits.queue_cap)) {
        keep = false;
      } else if (e != nullptr) {
        ++e->added;
      }
    }
    if (keep) {
      if (write != at) std::memmove(d + write, c, length);
      write += length;
    } else {
      ++verdict.trimmed;
    }
    at += length;
  }
  verdict.size = write;
  if (write == header) return refuse(GuardRefusal::OverLimit, "every command over a queue cap");
  if (verdict.trimmed > 0) verdict.why = "commands over a queue cap taken out";
  return verdict;
}

}  // namespace tickwire::socket
