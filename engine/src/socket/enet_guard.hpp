// The ENet command guard: every opened datagram passes it before ENet parses
// it. ENet 1.3.17 trusts what an authenticated peer sends (a fragment that
// claims 2^20 parts costs the receiver a 128 KiB bitmap; out-of-order
// commands are queued without a count and inserted by a linear walk), so
// the guard refuses any datagram whose commands are inconsistent or would
// take a connection past its bounds. docs/PROTOCOL.md ("The ENet command
// guard") lists the rules; docs/SECURITY.md states the bounds they give.
//
// The check reads the datagram once, front to back, allocates nothing and
// counts at most 2 x (queue_cap + 1) list entries per channel it touches.
#pragma once

#include <cstdint>
#include <span>

#include "socket/endpoint.hpp"

namespace tickwire::socket {

// ENet 1.3.17's wire constants (include/enet/protocol.h), big-endian fields.
namespace enet_wire {
inline constexpr std::uint16_t kFlagSentTime = 0x8000;
inline constexpr std::uint16_t kFlagCompressed = 0x4000;
inline constexpr std::uint16_t kPeerIdMask = 0x0FFF;
inline constexpr unsigned kSessionShift = 12;     // two bits above the peer id
inline constexpr std::uint16_t kNoPeer = 0x0FFF;  // a CONNECT's peer id
inline constexpr std::uint8_t kCommandMask = 0x0F;
inline constexpr std::uint8_t kConnectionChannel = 0xFF;  // channel of connection commands
inline constexpr std::uint32_t kMinMtu = 576;
inline constexpr std::uint32_t kMaxMtu = 4096;
// A fragment carries mtu - kFragmentOverhead bytes (protocol header with
// sent time, 4, plus the fragment command, 24), the last one fewer.
inline constexpr std::uint32_t kFragmentOverhead = 28;
enum Command : std::uint8_t {
  kAcknowledge = 1,
  kConnect = 2,
  kVerifyConnect = 3,
  kDisconnect = 4,
  kPing = 5,
  kSendReliable = 6,
  kSendUnreliable = 7,
  kSendFragment = 8,
  kSendUnsequenced = 9,
  kBandwidthLimit = 10,
  kThrottleConfigure = 11,
  kSendUnreliableFragment = 12,
  kCommandCount = 13,
};
// Size of each command, its 4-byte header included, without payload.
inline constexpr std::uint8_t kCommandSize[kCommandCount] = {0, 8,  48, 44, 8,  4, 6,
                                                             8, 24, 8,  12, 16, 24};
// Offsets of CONNECT's fields from the command's start.
inline constexpr std::size_t kConnectOutgoingPeer = 4, kConnectMtu = 8, kConnectId = 40;
}  // namespace enet_wire

// What the guard allows. Defaults are ENet's own sending limits.
struct GuardLimits {
  // ENet puts at most 32 commands in a datagram (ENET_PROTOCOL_MAXIMUM_PACKET_COMMANDS).
  std::uint32_t max_commands = 32;
  // Commands ENet may hold per channel and queue (reliable commands waiting
  // for an earlier one; unreliable ones waiting for their reliable or
  // their other fragments). Bounds ENet's memory per connection beyond the
  // bytes it charges, and the length of the list every insertion walks.
  std::uint32_t queue_cap = 256;
  std::uint32_t max_message_bytes = 1u << 20;  // largest fragmented message, bytes
  // Hosts that take connections (servers). A client refuses every CONNECT.
  bool accept_connect = false;
  // A CONNECT's MTU is lowered to this (ENet 1.3.17 adopts the client's up
  // to 4096 and would send datagrams larger than the host's own MTU).
  std::uint32_t max_mtu = enet_wire::kMaxMtu;
};

// The sender's ENet connection as the guard needs to see it. The pipeline
// answers from ENet's peer table; the fuzz target from a model.
class GuardPeers {
 public:
  // Selects the connection that `peer_id` names, if it is live, at `from`,
  // and of the header's `session` (2 bits; ENet drops a datagram of an
  // earlier session of the same peer slot).
  virtual bool select(std::uint16_t peer_id, std::uint8_t session, Endpoint from) noexcept = 0;
  // Of the selected connection:
  [[nodiscard]] virtual std::uint32_t mtu() const noexcept = 0;
  [[nodiscard]] virtual std::uint32_t channels() const noexcept = 0;
  // Commands queued in one of the channel's incoming queues, counted up to `cap`.
  [[nodiscard]] virtual std::uint32_t queued(std::uint8_t channel, bool reliable,
                                             std::uint32_t cap) const noexcept = 0;
  // The reliable sequence number ENet waits for next on the channel.
  [[nodiscard]] virtual std::uint16_t next_reliable(std::uint8_t channel) const noexcept = 0;

 protected:
  ~GuardPeers() = default;
};

enum class GuardRefusal : std::uint8_t {
  None = 0,
  Malformed,       // inconsistent commands, or not for a live connection at that address
  OverLimit,       // too many commands, or every command over a queue cap
  ConnectRefused,  // a CONNECT on a host that takes no connections (a client)
};

struct GuardVerdict {
  GuardRefusal refusal = GuardRefusal::None;
  const char* why = "";          // a short static reason, for tests and logs
  bool connect = false;          // a CONNECT for a new connection (peer id 0xFFF)
  std::uint32_t connect_id = 0;  // its connect id, which names the connection
  std::size_t size = 0;          // the datagram's length for ENet (after trimming)
  std::uint32_t trimmed = 0;     // commands taken out: their queue was at its cap
  [[nodiscard]] bool ok() const noexcept { return refusal == GuardRefusal::None; }
};

// Checks one plaintext ENet datagram from `from`. A datagram with any
// inconsistent command is refused whole. Of a consistent one, commands that
// would take a queue past limits.queue_cap are taken out (the rest moved up
// in place; `size` is the new length), except the reliable command ENet
// waits for next, which always stays. A CONNECT's MTU is lowered in place to
// limits.max_mtu. Nothing else changes.
GuardVerdict check_enet_datagram(std::span<std::uint8_t> datagram, Endpoint from,
                                 const GuardLimits& limits, GuardPeers& peers) noexcept;

}  // namespace tickwire::socket
