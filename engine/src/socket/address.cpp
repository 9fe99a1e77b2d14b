#include "socket/address.hpp"

#include <arpa/inet.h>

#include <charconv>

namespace tickwire::socket {

Endpoint endpoint_of(const ENetAddress& address) noexcept {
  return Endpoint{address.host, address.port};
}

std::string to_string(const ENetAddress& address) {
  char ip[INET_ADDRSTRLEN] = {};
  in_addr in{};
  in.s_addr = address.host;
  inet_ntop(AF_INET, &in, ip, sizeof(ip));
  return std::string(ip) + ":" + std::to_string(address.port);
}

Status resolve(std::string_view text, std::uint16_t default_port, ENetAddress& out) {
  std::string_view host = text;
  std::uint16_t port = default_port;
  if (const std::size_t colon = text.rfind(':'); colon != std::string_view::npos) {
    host = text.substr(0, colon);
    const std::string_view digits = text.substr(colon + 1);
    unsigned value = 0;
    const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (digits.empty() || ec != std::errc{} || end != digits.data() + digits.size() || value == 0 ||
        value > 65535)
      return {Errc::InvalidArgument,
              "'" + std::string(text) + "': the port must be a number within 1..65535"};
    port = static_cast<std::uint16_t>(value);
  }
  if (host.empty())
    return {Errc::InvalidArgument, "'" + std::string(text) + "': no host name or address"};
  const std::string name(host);
  out = ENetAddress{};
  if (enet_address_set_host(&out, name.c_str()) != 0)
    return {Errc::ResolveFailed, "cannot resolve host '" + name + "'"};
  out.port = port;
  return {};
}

std::string to_string(Endpoint endpoint) {
  ENetAddress a{};
  a.host = endpoint.host;
  a.port = endpoint.port;
  return to_string(a);
}

}  // namespace tickwire::socket
