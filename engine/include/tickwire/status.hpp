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
  ok = 0,
  invalid_settings,    // a settings struct failed validate()
  invalid_argument,    // an argument is out of range (bad channel, empty address)
  resolve_failed,      // a host name could not be resolved
  address_in_use,      // the port is taken
  socket_error,        // the OS refused to create or bind a socket
  seam_unavailable,    // ENet does not route datagrams through tickwire's seam
  not_running,         // the server or client is not started or not connected
  unknown_connection,  // the connection id is stale or was never valid
  message_too_large,   // larger than the configured max_message_bytes
  queue_full,          // the connection's send queue is at max_queued_bytes
  out_of_memory,       // ENet could not allocate
  token_invalid,       // the connect token is malformed or for another game
  token_expired,       // the connect token's expiry has passed
  wrong_server,        // the connect token does not list the server being joined
};

// Short name of an error code, for logs ("queue_full").
const char* to_string(Errc code) noexcept;

struct Status {
  Errc code = Errc::ok;
  std::string message;  // empty when ok

  Status() = default;
  Status(Errc c, std::string msg) : code(c), message(std::move(msg)) {}

  [[nodiscard]] bool ok() const noexcept { return code == Errc::ok; }
  explicit operator bool() const noexcept { return ok(); }
};

}  // namespace tickwire
