#include "app/room.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <sodium.h>

#include <vector>

#include <tickwire/token.hpp>

namespace arena::app {

std::string random_room_code() {
  static constexpr char kAlphabet[] = "abcdefghjkmnpqrstuvwxyz23456789";  // no 0/o, 1/i/l
  if (sodium_init() < 0) return {};
  std::string code;
  // tickwire refuses codes its estimate finds weak (runs like "abc", one
  // kind of character only); a random draw is one now and then, so draw again.
  for (int attempt = 0; attempt < 64; ++attempt) {
    code.clear();
    for (int i = 0; i < 12; ++i) {
      if (i > 0 && i % 4 == 0) code += '-';
      code += kAlphabet[randombytes_uniform(sizeof(kAlphabet) - 1)];
    }
    if (tickwire::room_code_bits(code) >= tickwire::kMinRoomCodeBits + 8) break;
  }
  return code;
}

std::string join_address(const std::vector<std::string>& public_addresses, std::uint16_t port) {
  if (!public_addresses.empty()) return public_addresses.front();
  std::string found = "127.0.0.1";
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) == 0) {
    for (ifaddrs* it = list; it != nullptr; it = it->ifa_next) {
      if (it->ifa_addr == nullptr || it->ifa_addr->sa_family != AF_INET) continue;
      const auto* sin = reinterpret_cast<const sockaddr_in*>(it->ifa_addr);
      if ((ntohl(sin->sin_addr.s_addr) >> 24) == 127) continue;
      char text[INET_ADDRSTRLEN] = {};
      inet_ntop(AF_INET, &sin->sin_addr, text, sizeof(text));
      found = text;
      break;
    }
    freeifaddrs(list);
  }
  return found + ":" + std::to_string(port);
}

}  // namespace arena::app
