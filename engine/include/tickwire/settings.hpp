// tickwire — settings shared by Server and Client. Plain structs: defaults
// here, units in the comments, checked once by validate().
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tickwire/channel.hpp"
#include "tickwire/cipher.hpp"
#include "tickwire/conditioner.hpp"
#include "tickwire/status.hpp"
#include "tickwire/token.hpp"

namespace tickwire {

// The UDP port a server listens on, and a client connects to, when none is given.
inline constexpr std::uint16_t kDefaultPort = 27015;

// Largest number of peers ENet can address (ENET_PROTOCOL_MAXIMUM_PEER_ID).
inline constexpr std::uint32_t kMaxPeers = 4095;

struct TransportSettings {
  // Identifies the game and its message format. Client and server must agree,
  // or the client is refused with DisconnectReason::ProtocolMismatch.
  std::uint64_t protocol_id = kDefaultProtocolId;          // "tickwire"
  std::vector<ChannelKind> channels = default_channels();  // 1..255 lanes; must match the peer's

  std::uint32_t mtu = 1400;  // largest UDP payload sent, bytes (601..4096), seam overhead included
  std::uint32_t idle_timeout_ms = 10000;  // a silent peer is dropped after this long, ms
  std::uint32_t ping_interval_ms = 250;   // keep-alive when idle; also paces RTT samples, ms
  std::uint32_t incoming_bandwidth = 0;   // downstream limit announced to peers, bytes/s; 0 = none
  std::uint32_t outgoing_bandwidth = 0;   // upstream limit, bytes/s; 0 = none

  // ENet's own throttle: when the round trip rises above its recent mean it
  // drops unreliable messages at the sender and shrinks the reliable window.
  // Off by default: jitter alone would make it drop state updates, and
  // tickwire's replication budgets bandwidth per client itself.
  bool enet_throttle = false;
  // Longest wait before a lost reliable datagram is sent again, ms, unless
  // the round trip itself is longer (then 2 x RTT + 4 x variance). ENet alone
  // doubles the wait on every loss without bound, so a few losses in a row
  // stall a lane for seconds.
  std::uint32_t retransmit_cap_ms = 200;
  // The direct lane: a message on an Unreliable lane that fits in one
  // datagram travels sealed beside ENet instead of through it (several to
  // one peer share a datagram), which makes it about as cheap as plain
  // encrypted UDP. Used only while outgoing_bandwidth is 0 and enet_throttle
  // is off, since ENet could not pace or drop these. Peers need not agree:
  // each end sends as it chooses and takes both.
  bool direct_lane = true;

  std::uint32_t max_message_bytes = 1u << 20;  // largest message sent or accepted, bytes
  std::uint32_t max_queued_bytes = 2u << 20;   // per connection: send() refuses beyond this, bytes
  // Per connection: data ENet may hold for reassembly and ordering, bytes.
  // Peers should agree on it: a sender keeps its reliable bytes in flight
  // (from the oldest unacknowledged message on) under half of it. With the
  // two above it sets what one connection can cost a server's memory at
  // most (docs/SECURITY.md, "A hostile client").
  std::uint32_t max_receive_buffer_bytes = 2u << 20;

  // Which AEAD seals this host's connections. Auto: AES-256-GCM where both
  // ends have the hardware for it, ChaCha20-Poly1305 otherwise. A named suite
  // is the only one this host offers (a client) or accepts (a server); a
  // host that cannot run AES-256-GCM refuses to start with it, and a client
  // and server that share no suite are refused with
  // DisconnectReason::CipherMismatch. The choice is authenticated by the
  // handshake. TICKWIRE_CIPHER (a to_string() name), when set, overrides it
  // at start.
  CipherSuite cipher = CipherSuite::Auto;

  // Link conditioner for this host. TICKWIRE_SIM, when set, overrides it at start.
  LinkConditionerSettings conditioner;

  // Packet capture (docs/PROTOCOL.md, "Packet traces"): every datagram this
  // host sends and receives, decrypted, into this pcap file (created
  // readable by its owner only; the program prints one line saying so).
  // Empty: none. TICKWIRE_CAPTURE, when set, overrides it at start (a second
  // host in the same process writes FILE-2.pcap, and so on).
  std::string capture_path;
  std::uint64_t capture_max_bytes = 256ull << 20;  // recording stops beyond this, bytes (>= 4096)

  [[nodiscard]] Status validate() const;
};

}  // namespace tickwire
