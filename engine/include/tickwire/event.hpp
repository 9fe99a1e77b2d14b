// tickwire — what poll() hands the game: connections made and lost, messages.
#pragma once

#include <cstdint>
#include <span>

namespace tickwire {

// Identifies one connection on a server for its whole life. Ids are never
// reused while a game could still hold them: the low 12 bits are the slot,
// the high 20 bits a generation bumped on every reuse of the slot.
using ConnectionId = std::uint32_t;
inline constexpr ConnectionId kInvalidConnection = 0xFFFFFFFFu;

enum class DisconnectReason : std::uint8_t {
  None = 0,          // still connected
  Timeout,           // the other side stopped answering (or never answered)
  Kicked,            // the server disconnected this client on purpose
  ServerFull,        // the server had no free slot
  ProtocolMismatch,  // different game protocol id or channel layout
  VersionMismatch,   // different tickwire wire version
  ClosedByPeer,      // the other side disconnected cleanly
  ClosedLocally,     // this side called disconnect() or stop()
  TokenInvalid,      // the server could not open the connect token (wrong key or room code)
  TokenExpired,      // the server found the connect token expired
  WrongServer,       // the connect token does not list this server's address
  TokenInUse,        // the connect token already holds a session from another address
  AddressLimit,      // the server holds as many sessions from this address as it allows
  CipherMismatch,    // the server accepts no cipher suite this client offers (see
                     // TransportSettings::cipher)
};

// Lower-case words for logs and JSON ("server full").
const char* to_string(DisconnectReason reason) noexcept;
// Why a peer left, for a host's log: "disconnected", "stopped answering
// (timed out)", "kicked", ...
const char* describe(DisconnectReason reason) noexcept;

enum class EventType : std::uint8_t {
  Connected,     // a connection is established (server: a new client)
  Disconnected,  // a connection ended; see `reason`
  Message,       // a message arrived; see `channel` and `data`
};

struct Event {
  EventType type = EventType::Message;
  ConnectionId connection = kInvalidConnection;      // on a Client, always 0
  std::uint8_t channel = 0;                          // Message only
  DisconnectReason reason = DisconnectReason::None;  // Disconnected only
  // Message only. Starts at an address aligned to at least 8 bytes (a game
  // may read it in place, as FlatBuffers do). Owned by the engine and valid until the next call to
  // poll(), update() or stop() on the same object; copy it to keep it.
  std::span<const std::uint8_t> data;
};

}  // namespace tickwire
