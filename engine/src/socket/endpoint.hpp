// An IPv4 UDP endpoint as ENet holds it.
#pragma once

#include <cstdint>

namespace tickwire::socket {

struct Endpoint {
  std::uint32_t host = 0;  // IPv4 address, network byte order
  std::uint16_t port = 0;  // host byte order
  friend bool operator==(const Endpoint&, const Endpoint&) = default;
};

}  // namespace tickwire::socket
