// What the fuzz targets and the seed maker share: a fixed token key, a
// server stage listening as 127.0.0.1:4000, and a wire that records instead
// of sending.
#pragma once

#include <arpa/inet.h>

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "secure/client_security.hpp"
#include "secure/server_security.hpp"
#include "tickwire/token.hpp"

namespace tickwire::fuzz {

struct NullWire : socket::Wire {
  std::vector<std::vector<std::uint8_t>> sent;  // kept small: the last few only
  void transmit(socket::Endpoint, std::span<const std::uint8_t> d) override {
    if (sent.size() > 4) sent.erase(sent.begin());
    sent.emplace_back(d.begin(), d.end());
  }
  void drop(socket::Endpoint, std::uint64_t DropCounters::*) override {}
};

inline const socket::Endpoint kServer{htonl(0x7F000001u), 4000};
inline const socket::Endpoint kClient{htonl(0x7F000001u), 5000};
inline constexpr std::uint64_t kProtocol = kDefaultProtocolId;

inline TokenKey fixed_key() {
  TokenKey key;
  (void)TokenKey::from_hex("1111111111111111111111111111111111111111111111111111111111111111", key);
  return key;
}

inline std::unique_ptr<secure::ServerSecurity> make_server(NullWire& wire) {
  secure::ServerSecurityConfig config;
  config.protocol_id = kProtocol;
  config.token_key.bytes = fixed_key().bytes();
  config.public_endpoints = {kServer};
  config.max_sessions = 4;
  config.replies_per_sec = 1'000'000;
  auto server = std::make_unique<secure::ServerSecurity>(std::move(config));
  server->attach(&wire);
  return server;
}

inline ConnectToken make_token() {
  ConnectToken token;
  ConnectTokenParams params;
  params.client_id = 7;
  params.servers = {"127.0.0.1:4000"};
  params.expires_in_s = 365u * 24 * 3600;
  (void)make_connect_token(fixed_key(), params, token);
  return token;
}

}  // namespace tickwire::fuzz
