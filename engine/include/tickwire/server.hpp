// tickwire — the authoritative server end of a tickwire session.
//
// Single-threaded: call update() once per frame, then drain poll(). Every
// method must be called from the thread that calls update().
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "tickwire/event.hpp"
#include "tickwire/settings.hpp"
#include "tickwire/stats.hpp"
#include "tickwire/status.hpp"
#include "tickwire/token.hpp"

namespace tickwire {

struct ServerSettings : TransportSettings {
  std::string bind_address = "0.0.0.0";  // IPv4 address or host name to listen on
  std::uint16_t port = kDefaultPort;     // UDP port; 0 picks a free one (see Server::port())
  std::uint32_t max_clients = 32;        // connected clients at once, 1..kMaxPeers

  // Opens connect tokens; shared with the game's backend (tw-token keygen),
  // or derived from a room code (TokenKey::from_room_code). Required.
  TokenKey token_key;
  // "host:port" that clients use to reach this server, when it differs from
  // the bound address (port forwarding, NAT, relays). Tokens must list one.
  // Empty: the bound address and port, or every local IPv4 address when
  // bound to 0.0.0.0.
  std::vector<std::string> public_addresses;
  std::uint32_t handshake_replies_per_sec = 2000;  // all senders together, 1/s
  // Sessions (and so connections) one IPv4 address may hold at once; more
  // are refused with DisconnectReason::AddressLimit. Players behind one NAT
  // share an address: raise it for LAN events. 0: no limit.
  std::uint32_t max_sessions_per_address = 8;

  // Where the server writes one line for each join it refuses or drops (wrong
  // code or token, expired, wrong server, in use, full, too many from one
  // address, a session that never connected) and each client that leaves,
  // with the reason. At most 10 lines a second on average (bursts of 20);
  // what is held back is counted in the next line. Empty: nothing is logged.
  // Called from update() and poll(), on the server's thread.
  std::function<void(const std::string& line)> log;

  [[nodiscard]] Status validate() const;
};

class Server {
 public:
  Server();
  ~Server();  // stops the server (clients are told ClosedByPeer)
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;
  Server(Server&&) noexcept;
  Server& operator=(Server&&) noexcept;

  // Validates the settings, binds the socket and proves the datagram seam is
  // in use. On failure nothing is left open.
  Status start(const ServerSettings& settings);
  // Disconnects every client (they see ClosedByPeer) and closes the socket.
  void stop();
  [[nodiscard]] bool running() const noexcept;
  [[nodiscard]] std::uint16_t port() const noexcept;  // bound port, 0 when stopped

  // Sends datagrams that are due, reads every datagram waiting, runs
  // timeouts. Never blocks.
  void update();
  // Takes the next event produced by update(); false when there is none.
  bool poll(Event& event);
  // Sends queued messages now instead of at the next update().
  void flush();
  // Sleeps until a datagram arrives or `timeout_ms` passes (never past a
  // datagram the link conditioner is due to release), so a game can sleep
  // until its next tick without missing traffic. Then call update().
  // Returns true when there is something to read.
  bool wait(std::uint32_t timeout_ms);

  // Queues a message. Copies `data`. Errors: unknown_connection,
  // invalid_argument (bad channel), message_too_large, queue_full.
  Status send(ConnectionId to, std::uint8_t channel, std::span<const std::uint8_t> data);
  // To every connected client. Clients whose queue is full are skipped and
  // counted in the returned status (queue_full) while the rest still get it.
  Status broadcast(std::uint8_t channel, std::span<const std::uint8_t> data);
  Status broadcast_except(ConnectionId except, std::uint8_t channel,
                          std::span<const std::uint8_t> data);

  // Disconnects one client: it sees DisconnectReason::Kicked, and this
  // server reports Disconnected(ClosedLocally) once the client has been told
  // (or after one second).
  void kick(ConnectionId id);

  [[nodiscard]] bool connected(ConnectionId id) const noexcept;
  [[nodiscard]] std::vector<ConnectionId> connections() const;
  [[nodiscard]] std::size_t connection_count() const noexcept;
  // Stats of one connection; all zero for an unknown id.
  [[nodiscard]] ConnectionStats stats(ConnectionId id) const;
  [[nodiscard]] HostStats host_stats() const;
  // The peer's address as "a.b.c.d:port"; empty for an unknown id.
  [[nodiscard]] std::string address(ConnectionId id) const;
  // The client id and user data from the connection's connect token; zero
  // for an unknown id.
  [[nodiscard]] std::uint64_t client_id(ConnectionId id) const;
  [[nodiscard]] std::array<std::uint8_t, kUserDataBytes> user_data(ConnectionId id) const;

  // With a capture running (TransportSettings::capture_path or
  // TICKWIRE_CAPTURE): record only this connection's traffic from now on;
  // kInvalidConnection records everyone again. False when there is no
  // capture or the id is unknown.
  bool capture_only(ConnectionId id);

  // Replaces the link conditioner while running (tests, tools).
  Status set_conditioner(const LinkConditionerSettings& settings);

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace tickwire
