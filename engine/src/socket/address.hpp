// IPv4 addresses as ENet holds them: parsing and resolving "host[:port]",
// and printing. The lowest layer that names addresses, so every layer above
// (secure for tokens, net for connections) uses these.
#pragma once

#include <enet/enet.h>

#include <string>
#include <string_view>

#include "socket/endpoint.hpp"
#include "tickwire/status.hpp"

namespace tickwire::socket {

Endpoint endpoint_of(const ENetAddress& address) noexcept;
// "a.b.c.d:port".
std::string to_string(const ENetAddress& address);
std::string to_string(Endpoint endpoint);
// Parses "host[:port]"; resolves names. `default_port` when none is given.
Status resolve(std::string_view text, std::uint16_t default_port, ENetAddress& out);

}  // namespace tickwire::socket
