// Fuzz target: the server's handshake packet parser. Any bytes from any
// sender go through ServerSecurity::open (requests, responses, sealed
// packets from an address without a session) and parse_request.
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tickwire;
  static fuzz::NullWire wire;
  static auto server = fuzz::make_server(wire);
  static std::vector<std::uint8_t> out(8192);
  const std::span<const std::uint8_t> bytes(data, size);
  secure::RequestView request;
  if (secure::parse_request(bytes, request)) {
    secure::PrivateToken token;
    (void)secure::open_private(secure::Key{}, request, token);
  }
  (void)server->open(fuzz::kClient, bytes, out, 1'000'000);
  server->tick(2'000'000);
  return 0;
}
