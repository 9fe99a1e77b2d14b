// Writes the seed corpora: real packets of every type from a handshake and a
// session with the fuzz targets' fixed key, plus a few edge cases.
// Usage: make_seeds DIR (creates DIR/handshake, DIR/token, DIR/datagram,
// DIR/snapshot, DIR/snapshot_range, DIR/envelope, DIR/enet_guard, DIR/direct).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>

#include "fuzz_common.hpp"
#include "snapshot_world.hpp"
#include "socket/direct_frames.hpp"
#include "wire/envelope.hpp"

namespace {
namespace fs = std::filesystem;

void write(const fs::path& dir, const std::string& name, std::span<const std::uint8_t> bytes) {
  fs::create_directories(dir);
  std::ofstream(dir / name, std::ios::binary)
      .write(reinterpret_cast<const char*>(bytes.data()),
             static_cast<std::streamsize>(bytes.size()));
}

// Real encoded snapshots of the fuzz target's world: full streams of both
// ticks and of an empty world, and deltas against the baseline (changes,
// everything removed, nothing changed).
// With `range`, the range codec's streams, which the envelope corpus also
// takes (range coding is the default the envelope target decodes with).
bool write_snapshot_seeds(const fs::path& dir, bool range = false) {
  using namespace tickwire;
  const Schema schema = fuzz::snapshot_schema();
  Snapshot baseline(schema, fuzz::kSnapshotSettings), current(schema, fuzz::kSnapshotSettings);
  fuzz::snapshot_world(schema, baseline, current);
  auto codec = range ? make_range_codec(schema, fuzz::kSnapshotSettings)
                     : make_delta_codec(schema, fuzz::kSnapshotSettings);
  if (!codec) return false;
  std::vector<std::uint8_t> buffer(codec->max_encoded_bytes());
  auto encode = [&](const std::string& name, const Snapshot& s, const Snapshot* base) {
    const EncodeResult r = codec->encode(s, base, buffer);
    if (r.error != SnapshotError::None) return false;
    write(dir, name, std::span<const std::uint8_t>(buffer.data(), r.bytes));
    if (!range) return true;
    // The same stream in its envelope, for the envelope target.
    std::vector<std::uint8_t> envelope;
    wire::write_snapshot_envelope({s.tick(), base ? base->tick() : 0u, base != nullptr, 7, 99},
                                  {buffer.data(), r.bytes}, envelope);
    write(dir.parent_path() / "envelope", name, envelope);
    return true;
  };
  Snapshot empty(schema, fuzz::kSnapshotSettings);
  empty.clear(fuzz::kCurrentTick);
  Snapshot same = baseline;
  same.clear(fuzz::kCurrentTick);
  for (const EntityRecord& e : baseline.entities()) {
    const auto src = baseline.codes(e);
    const auto dst = same.append(e.id, e.type, e.words);
    std::copy(src.begin(), src.end(), dst.begin());
  }
  return encode("full", current, nullptr) && encode("delta", current, &baseline) &&
         encode("full_baseline", baseline, nullptr) && encode("empty", empty, nullptr) &&
         encode("removed_all", empty, &baseline) && encode("unchanged", same, &baseline);
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
  secure::ClientSecurity client(pub, fuzz::kServer,
                                secure::suite_bit(secure::Suite::ChaCha20Poly1305));
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
  // Direct packets' plaintexts for fuzz_direct, after its lane count (3):
  // one short message, three to two lanes, one with a 2-byte length.
  auto direct_seed = [&](const std::string& name,
                         const std::vector<std::pair<std::uint8_t, std::size_t>>& frames) {
    std::vector<std::uint8_t> plain;
    tickwire::socket::begin_direct(plain, 0x1005);
    for (const auto& [channel, size] : frames)
      tickwire::socket::append_direct_frame(plain, channel, std::vector<std::uint8_t>(size, 0x5A));
    plain.insert(plain.begin(), 3);
    write(root / "direct", name, plain);
  };
  direct_seed("one", {{2, 5}});
  direct_seed("three", {{2, 1}, {0, 0}, {2, 40}});
  direct_seed("long", {{2, 300}});
  // ENet datagrams for the guard, after fuzz_enet_guard's 8-byte model
  // (live connection taking CONNECTs, MTU 1375, 4 channels, empty queues):
  // a reliable message with a ping, a fragment of a 5000-byte message, a
  // CONNECT, and the memory bomb.
  const std::vector<std::uint8_t> model = {3, 5, 10, 0x03, 0x6B, 4, 0, 0};  // MTU 500 + 875
  auto guard_seed = [&](const std::string& name, std::vector<std::uint8_t> body) {
    body.insert(body.begin(), model.begin(), model.end());
    write(root / "enet_guard", name, body);
  };
  guard_seed("reliable", {0x80, 0x01, 0x12, 0x34, 0x86, 0x00, 0x00, 0x07, 0x00, 0x02, 'h', 'i',
                          0x85, 0xFF, 0x00, 0x08});
  std::vector<std::uint8_t> frag = {0x80, 0x01, 0x12, 0x34, 0x88, 0x00, 0x00, 0x14, 0x00, 0x14,
                                    0x05, 0x43, 0,    0,    0,    4,    0,    0,    0,    0,
                                    0,    0,    0x13, 0x88, 0,    0,    0,    0};
  frag.insert(frag.end(), 1347, 0xCD);
  guard_seed("fragment", frag);
  std::vector<std::uint8_t> connect = {0x8F, 0xFF, 0x12, 0x34, 0x82, 0xFF,
                                       0x00, 0x01, 0,    0,    0xFF, 0xFF};
  for (std::uint32_t v : {1375u, 65536u, 4u, 0u, 0u, 5000u, 2u, 2u, 0xC0FFEEu, 0x02123456u})
    for (int b = 3; b >= 0; --b) connect.push_back(static_cast<std::uint8_t>(v >> (8 * b)));
  guard_seed("connect", connect);
  guard_seed("bomb",
             {0x80, 0x01, 0x12, 0x34, 0x88, 0x00, 0x00, 0x14, 0x00, 0x14, 0x00, 0x01, 0x00, 0x10, 0,
              0,    0,    0,    0,    0,    0,    0,    0,    1,    0,    0,    0,    0,    0x55});
  return write_snapshot_seeds(root / "snapshot") &&
                 write_snapshot_seeds(root / "snapshot_range", true)
             ? 0
             : 1;
}
