// A hostile client for the attack tests, built on the engine's internals: a
// real ENet host behind the datagram seam with the client's secure stage,
// so it completes the handshake with a valid token and every datagram it
// sends is sealed under its own session. On top of what ENet does by itself
// it sends any plaintext ENet datagram the test writes (enet_socket_send
// passes through the seam, which seals it).
#pragma once

#include <enet/enet.h>
#include <sys/resource.h>

#include <cstdint>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "enet_datagrams.hpp"
#include "harness.hpp"
#include "net/host.hpp"
#include "secure/client_security.hpp"
#include "secure/token_format.hpp"
#include "socket/enet_guard.hpp"
#include "test_suites.hpp"

namespace tickwire::test {

// Resident memory of this process, KiB (server and attackers share it).
inline std::uint64_t resident_kib() {
  std::ifstream status("/proc/self/status");
  std::string key;
  while (status >> key) {
    if (key == "VmRSS:") {
      std::uint64_t kib = 0;
      status >> kib;
      return kib;
    }
  }
  return 0;
}

class Hostile {
 public:
  // A session with `server` from a fresh port, with a token made by `key`.
  // `peers`: ENet peers it may open (one per connection it tries).
  Hostile(const Server& server, std::size_t peers = 1, const TokenKey& key = test_key()) {
    ConnectTokenParams params;
    params.servers = {address_of(server)};
    params.client_id = 666;
    EXPECT_TRUE(make_connect_token(key, params, token_));
    secure::PublicToken pub;
    EXPECT_TRUE(secure::parse_public(token_.bytes, pub));
    EXPECT_TRUE(net::resolve(address_of(server), 0, server_));
    auto stage =
        std::make_unique<secure::ClientSecurity>(pub, net::endpoint_of(server_), test_suites());
    security_ = stage.get();
    const Status s = host_.open(nullptr, peers, settings_, 1, std::move(stage));
    EXPECT_TRUE(s) << s.message;
  }

  // Runs the handshake only (no ENet connection): until the session is up.
  void pump() {
    host_.service(monotonic_us());
    ENetEvent e;
    while (enet_host_check_events(host_.enet(), &e) > 0)
      if (e.type == ENET_EVENT_TYPE_RECEIVE) enet_packet_destroy(e.packet);
  }
  [[nodiscard]] bool session_up() const {
    return security_->state() == secure::ClientSecurity::State::Established;
  }
  [[nodiscard]] secure::ClientSecurity::State state() const { return security_->state(); }
  [[nodiscard]] secure::DenyReason denied() const { return security_->denied(); }

  // Opens an ENet connection as a real client would (`channels` ENet
  // channels; the server's layout has lanes + 1).
  ENetPeer* connect(std::size_t channels = default_channels().size() + 1) {
    return enet_host_connect(host_.enet(), &server_, channels, net::connect_code(settings_));
  }

  // Sends `plain` as one ENet datagram, sealed by the seam.
  void send_raw(const std::vector<std::uint8_t>& plain) {
    ENetBuffer buffer{};
    buffer.data = const_cast<std::uint8_t*>(plain.data());
    buffer.dataLength = plain.size();
    enet_socket_send(host_.enet()->socket, &server_, &buffer, 1);
  }

  // Sends `plain` as one Direct packet (the direct lane's), sealed.
  void send_direct(const std::vector<std::uint8_t>& plain) {
    host_.pipeline().send_direct(net::endpoint_of(server_), plain);
  }

  // ENet's protocol header for datagrams on `peer`'s connection, with a sent time.
  static std::vector<std::uint8_t> header(const ENetPeer* peer) {
    return enet_header(
        static_cast<std::uint16_t>(peer->outgoingPeerID | (peer->outgoingSessionID << 12)));
  }

  // A CONNECT for a new connection, written by hand (so nothing answers
  // the server's VERIFY_CONNECT: the connection stays half-open).
  void send_connect(std::uint32_t connect_id) {
    send_raw(enet_connect(connect_id, net::connect_code(settings_)));
  }

  [[nodiscard]] ENetHost* enet() const { return host_.enet(); }
  [[nodiscard]] const TransportSettings& settings() const { return settings_; }

 private:
  TransportSettings settings_;
  ConnectToken token_;
  ENetAddress server_{};
  net::Host host_;
  secure::ClientSecurity* security_ = nullptr;
};

}  // namespace tickwire::test
