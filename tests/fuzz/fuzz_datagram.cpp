// Fuzz target: the datagram opener. An established session (both stages,
// real handshake) is fed arbitrary bytes on each side; each input is opened
// by the server as from the client and by the client as from the server.
#include "fuzz_common.hpp"

namespace {
struct Session {
  tickwire::fuzz::NullWire server_wire, client_wire;
  std::unique_ptr<tickwire::secure::ServerSecurity> server;
  std::unique_ptr<tickwire::secure::ClientSecurity> client;
  std::vector<std::uint8_t> out = std::vector<std::uint8_t>(8192);

  Session() {
    using namespace tickwire;
    server = fuzz::make_server(server_wire);
    secure::PublicToken pub;
    const ConnectToken token = fuzz::make_token();
    (void)secure::parse_public(token.bytes, pub);
    client = std::make_unique<secure::ClientSecurity>(
        pub, fuzz::kServer, secure::suite_bit(secure::Suite::ChaCha20Poly1305));
    client->attach(&client_wire);
    // Handshake: request -> challenge -> response -> keep-alive.
    client->tick(1);
    for (int step = 0; step < 4; ++step) {
      if (!client_wire.sent.empty()) {
        auto d = client_wire.sent.back();
        client_wire.sent.clear();
        (void)server->open(fuzz::kClient, d, out, 1);
      }
      if (!server_wire.sent.empty()) {
        auto d = server_wire.sent.back();
        server_wire.sent.clear();
        (void)client->open(fuzz::kServer, d, out, 1);
      }
    }
  }
};
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace tickwire;
  static Session session;
  const std::span<const std::uint8_t> bytes(data, size);
  (void)session.server->open(fuzz::kClient, bytes, session.out, 2);
  (void)session.client->open(fuzz::kServer, bytes, session.out, 2);
  secure::Header header;
  if (secure::read_sealed_header(bytes, header)) {
    secure::Key key;
    std::size_t n = 0;
    (void)secure::open(header, key, fuzz::kProtocol, bytes, session.out, n);
  }
  return 0;
}
