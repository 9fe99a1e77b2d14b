// tickwire — the client end of a tickwire session.
//
// Single-threaded: call update() once per frame, then drain poll(). Every
// method must be called from the thread that calls update().
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "tickwire/event.hpp"
#include "tickwire/settings.hpp"
#include "tickwire/stats.hpp"
#include "tickwire/status.hpp"
#include "tickwire/token.hpp"

namespace tickwire {

struct ClientSettings : TransportSettings {
  std::uint32_t connect_timeout_ms = 5000;  // give up connecting after this long, ms
  // From the game's backend, or make_room_token(). Required: there is no
  // unencrypted connection.
  ConnectToken token;

  [[nodiscard]] Status validate() const;
};

enum class ClientState : std::uint8_t {
  Disconnected,
  Connecting,
  Connected,
  Disconnecting,
};

const char* to_string(ClientState state) noexcept;

class Client {
 public:
  Client();
  ~Client();  // disconnects at once (the server sees ClosedByPeer or a timeout)
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;

  // Starts connecting to "host:port" (IPv4 or a name; the port defaults to
  // 27015) with settings.token. Returns at once; a Connected or Disconnected
  // event follows. Errors found locally: token_invalid, token_expired,
  // wrong_server (the token does not list this server).
  Status connect(std::string_view server, const ClientSettings& settings);
  // Graceful: the server is told (ClosedByPeer), then Disconnected(ClosedLocally)
  // is reported once it acknowledged, or after one second.
  void disconnect();

  [[nodiscard]] ClientState state() const noexcept;
  [[nodiscard]] bool connected() const noexcept { return state() == ClientState::Connected; }
  // Why the last connection ended; None while connected or never connected.
  [[nodiscard]] DisconnectReason disconnect_reason() const noexcept;

  void update();
  bool poll(Event& event);
  void flush();
  // Sleeps until a datagram arrives or `timeout_ms` passes (never past a
  // datagram the link conditioner is due to release), so a game can sleep
  // until its next tick without missing traffic. Then call update().
  // Returns true when there is something to read.
  bool wait(std::uint32_t timeout_ms);

  // Queues a message to the server. Copies `data`. Errors: not_running,
  // invalid_argument (bad channel), message_too_large, queue_full.
  Status send(std::uint8_t channel, std::span<const std::uint8_t> data);

  [[nodiscard]] ConnectionStats stats() const;
  [[nodiscard]] HostStats host_stats() const;
  [[nodiscard]] std::uint16_t local_port() const noexcept;  // 0 when not connecting

  Status set_conditioner(const LinkConditionerSettings& settings);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace tickwire
