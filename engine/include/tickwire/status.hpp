// tickwire — error codes and the Status every fallible call returns.
//
// No exceptions cross the public API. A failed call returns a Status whose
// code says what class of failure it was and whose message is one readable
// sentence for a log or a terminal.
#pragma once

#include <cstdint>
#include <string>
#include <utility>

namespace tickwire {

enum class Errc : std::uint8_t {
  Ok = 0,
  InvalidSettings,    // a settings struct failed validate()
  InvalidArgument,    // an argument is out of range (bad channel, empty address)
  ResolveFailed,      // a host name could not be resolved
  AddressInUse,       // the port is taken
  SocketError,        // the OS refused to create or bind a socket
  SeamUnavailable,    // ENet does not route datagrams through tickwire's seam
  NotRunning,         // the server or client is not started or not connected
  UnknownConnection,  // the connection id is stale or was never valid
  MessageTooLarge,    // larger than the configured max_message_bytes
  QueueFull,          // the connection's send queue is at max_queued_bytes
  OutOfMemory,        // ENet could not allocate
  TokenInvalid,       // the connect token is malformed or for another game
  TokenExpired,       // the connect token's expiry has passed
  WrongServer,        // the connect token does not list the server being joined
};

// Short name of an error code, for logs ("queue_full").
const char* to_string(Errc code) noexcept;

struct Status {
  Errc code = Errc::Ok;
  std::string message;  // empty when ok

  Status() = default;
  Status(Errc c, std::string msg) : code(c), message(std::move(msg)) {}

  [[nodiscard]] bool ok() const noexcept { return code == Errc::Ok; }
  explicit operator bool() const noexcept { return ok(); }
};

}  // namespace tickwire
