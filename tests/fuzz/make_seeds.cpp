// Writes the seed corpora: real packets of every type from a handshake and a
// session with the fuzz targets' fixed key, plus a few edge cases.
// Usage: make_seeds DIR (creates DIR/handshake, DIR/token, DIR/datagram).
#include <filesystem>
#include <fstream>
#include <string>

#include "fuzz_common.hpp"

namespace {
namespace fs = std::filesystem;

void write(const fs::path& dir, const std::string& name, std::span<const std::uint8_t> bytes) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}
}  // namespace

int main(int argc, char** argv) {
  using namespace tickwire;
  if (argc != 2) return 2;
  const fs::path root = argv[1];
  fuzz::NullWire server_wire, client_wire;
  auto server = fuzz::make_server(server_wire);
  const ConnectToken token = fuzz::make_token();
  write(root / "token", "token", token.bytes);
  secure::PublicToken pub;
  if (!secure::parse_public(token.bytes, pub)) return 1;
  secure::ClientSecurity client(pub, fuzz::kServer);
  client.attach(&client_wire);
  std::vector<std::uint8_t> out(8192);

  client.tick(1);
  const auto request = client_wire.sent.back();
  write(root / "handshake", "request", request);
  write(root / "token", "request", request);
  (void)server->open(fuzz::kClient, request, out, 1);
  const auto challenge = server_wire.sent.back();
  write(root / "datagram", "challenge", challenge);
  (void)client.open(fuzz::kServer, challenge, out, 1);
  const auto response = client_wire.sent.back();
  write(root / "handshake", "response", response);
  (void)server->open(fuzz::kClient, response, out, 1);
  const auto keepalive = server_wire.sent.back();
  write(root / "datagram", "keepalive", keepalive);
  std::vector<std::uint8_t> sealed(64);
  const std::vector<std::uint8_t> hello = {'h', 'i'};
  sealed.resize(client.seal(fuzz::kServer, hello, sealed, 1));
  write(root / "datagram", "payload", sealed);
  write(root / "handshake", "payload", sealed);
  const std::uint8_t rejected[26] = {6};
  write(root / "datagram", "rejected", rejected);
  const std::uint8_t empty[1] = {0};
  write(root / "handshake", "byte", empty);
  return 0;
}
