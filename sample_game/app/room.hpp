// arena — how a match is protected: room codes and token keys.
#pragma once

#include <string>

#include <tickwire/token.hpp>

namespace arena::app {

// A new random room code, e.g. "k7xq-m2pd-9tfa": 12 characters from 31
// unambiguous ones (about 59 bits), from the system's secure generator.
std::string random_room_code();

// The address to print in the join line: the first of `public_addresses`, or
// this host's first non-loopback IPv4 address with `port`, or 127.0.0.1.
std::string join_address(const std::vector<std::string>& public_addresses, std::uint16_t port);

}  // namespace arena::app
