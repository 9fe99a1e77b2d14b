// tickwire — connection and host statistics. Plain structs, units in comments.
#pragma once

#include <cstdint>

#include "tickwire/cipher.hpp"

namespace tickwire {

// Datagrams the seam dropped before ENet saw them (or, outgoing, before they
// left), by cause. Counted per connection where the sender is known and per
// host in total.
struct DropCounters {
  std::uint64_t oversized = 0;         // larger than the receive buffer, or empty; never parsed
  std::uint64_t malformed = 0;         // wrong size, type or version for its kind; never decrypted
  std::uint64_t no_session = 0;        // to or from an address without an encrypted session
  std::uint64_t auth_failed = 0;       // failed authentication: tampered, forged or wrong key
  std::uint64_t replayed = 0;          // sequence number already seen or older than the window
  std::uint64_t token_rejected = 0;    // handshake refused: token invalid, expired, in use, full
  std::uint64_t rate_limited = 0;      // handshake replies over the server's reply budget
  std::uint64_t held_overflow = 0;     // client: datagrams beyond the hold queue before the session
  std::uint64_t conditioner_loss = 0;  // dropped by the link conditioner's loss setting
  std::uint64_t conditioner_queue =
      0;                           // the conditioner's delay queue was full or over its rate cap
  std::uint64_t socket_error = 0;  // the OS refused to send or receive it
  // Authenticated, but refused by the ENet command guard before ENet saw it:
  std::uint64_t enet_malformed = 0;   // inconsistent ENet commands (forged fragments, bad lengths,
                                      // unknown types, channels the connection lacks)
  std::uint64_t enet_over_limit = 0;  // over a connection's bound: too many commands, or
                                      // commands over a queue cap (those are taken out and the
                                      // rest goes on; this counts datagrams)
  std::uint64_t connect_refused = 0;  // a second ENet connection on one session, or a CONNECT
                                      // asking for another channel layout
  // Authenticated direct-lane datagrams (Direct packets) refused whole:
  std::uint64_t direct_refused = 0;     // no live connection at that address and session, a
                                        // lane that is missing or not Unreliable, bad framing
  std::uint64_t direct_over_limit = 0;  // over what the lane holds until the game polls

  [[nodiscard]] std::uint64_t total() const noexcept {
    return oversized + malformed + no_session + auth_failed + replayed + token_rejected +
           rate_limited + held_overflow + conditioner_loss + conditioner_queue + socket_error +
           enet_malformed + enet_over_limit + connect_refused + direct_refused + direct_over_limit;
  }
};

// Each drop cause with its snake_case name (the field's), for logs and JSON.
struct DropCause {
  const char* name;
  std::uint64_t DropCounters::*count;
};
inline constexpr DropCause kDropCauses[] = {
    {"oversized", &DropCounters::oversized},
    {"malformed", &DropCounters::malformed},
    {"no_session", &DropCounters::no_session},
    {"auth_failed", &DropCounters::auth_failed},
    {"replayed", &DropCounters::replayed},
    {"token_rejected", &DropCounters::token_rejected},
    {"rate_limited", &DropCounters::rate_limited},
    {"held_overflow", &DropCounters::held_overflow},
    {"conditioner_loss", &DropCounters::conditioner_loss},
    {"conditioner_queue", &DropCounters::conditioner_queue},
    {"socket_error", &DropCounters::socket_error},
    {"enet_malformed", &DropCounters::enet_malformed},
    {"enet_over_limit", &DropCounters::enet_over_limit},
    {"connect_refused", &DropCounters::connect_refused},
    {"direct_refused", &DropCounters::direct_refused},
    {"direct_over_limit", &DropCounters::direct_over_limit},
};

// Why a server refused or dropped a join (a connect token's handshake or an
// ENet connection attempt).
enum class JoinRefusal : std::uint8_t {
  TokenInvalid,      // the token could not be opened: wrong token key or room code
  TokenExpired,      // the token's expiry passed
  WrongServer,       // the token does not list this server's address
  TokenInUse,        // the token already holds a session from another address
  ServerFull,        // no free session or connection slot
  AddressLimit,      // the address already holds max_sessions_per_address sessions
  ProtocolMismatch,  // another game, channel layout or wire version
  NeverConnected,    // a session that did not complete ENet's connect in time
  CipherMismatch,    // the client offers no cipher suite the server accepts
};
inline constexpr std::size_t kJoinRefusalCount = 9;
// snake_case key for JSON and counters ("token_invalid").
const char* to_string(JoinRefusal refusal) noexcept;
// A sentence for a host's log ("the token could not be opened (wrong key or room code)").
const char* describe(JoinRefusal refusal) noexcept;

// Joins refused or dropped, by reason.
struct JoinRefusals {
  std::uint64_t count[kJoinRefusalCount] = {};  // indexed by JoinRefusal
  [[nodiscard]] std::uint64_t of(JoinRefusal r) const noexcept {
    return count[static_cast<std::size_t>(r)];
  }
  [[nodiscard]] std::uint64_t total() const noexcept {
    std::uint64_t n = 0;
    for (std::uint64_t c : count) n += c;
    return n;
  }
};

struct ConnectionStats {
  // The round trip: 0 until measured (ENet's starting 500 ms is no
  // measurement). A server has a sample when it reports the connection; a
  // client gets its first from the server's ACK of its first reliable
  // command, at most a ping interval (ping_interval_ms) after connecting.
  float rtt_ms = 0;           // smoothed round-trip time, ms
  float rtt_min_ms = 0;       // lowest round-trip time seen recently, ms
  float rtt_variance_ms = 0;  // mean deviation of the round-trip time, ms
  float loss_pct = 0;         // our reliable packets lost on the way out recently (ENet), percent
  float in_loss_pct = 0;      // the peer's datagrams lost on the way in over the last second,
                              // percent (from gaps in the sealed sequence numbers)

  float in_bytes_per_sec = 0;     // UDP payload received over the last second, bytes/s
  float out_bytes_per_sec = 0;    // UDP payload sent over the last second, bytes/s
  float in_packets_per_sec = 0;   // datagrams received over the last second, 1/s
  float out_packets_per_sec = 0;  // datagrams sent over the last second, 1/s

  std::uint32_t reliable_bytes_in_flight = 0;  // sent reliably, not yet acknowledged, bytes
  std::uint32_t queued_bytes = 0;  // messages accepted by send() and not yet released, bytes
  // Data ENet holds from this peer for reassembly and ordering, or delivered
  // and not yet polled, bytes (at most max_receive_buffer_bytes + one message).
  std::uint64_t receive_buffer_bytes = 0;

  std::uint64_t bytes_sent = 0;          // UDP payload since connecting, bytes
  std::uint64_t bytes_received = 0;      // UDP payload since connecting, bytes
  std::uint64_t datagrams_sent = 0;      // since connecting
  std::uint64_t datagrams_received = 0;  // since connecting
  DropCounters drops;                    // datagrams from or to this peer that were dropped
  // The suite sealing this connection's datagrams (Auto: no session yet).
  CipherSuite cipher = CipherSuite::Auto;
};

// Whole-host counters: what passed through the datagram seam and what ENet
// itself counted, so a test or a tool can prove that every datagram took the
// seam (seam counts equal ENet's).
struct HostStats {
  std::uint64_t seam_datagrams_sent = 0;      // datagrams ENet handed to the seam
  std::uint64_t seam_datagrams_received = 0;  // datagrams the seam handed to ENet
  std::uint64_t enet_datagrams_sent = 0;      // ENet's own totalSentPackets
  std::uint64_t enet_datagrams_received = 0;  // ENet's own totalReceivedPackets
  std::uint64_t wire_datagrams_sent = 0;  // datagrams that reached the OS (after the conditioner)
  std::uint64_t wire_datagrams_received = 0;  // datagrams read from the OS (before the conditioner)
  std::uint64_t direct_datagrams_sent = 0;    // direct-lane datagrams sealed and sent
  std::uint64_t direct_datagrams_received = 0;  // direct-lane datagrams opened (taken or refused)
  JoinRefusals joins;                           // server: joins refused or dropped, by reason
  DropCounters drops;                           // all drops on this host's socket
};

}  // namespace tickwire
