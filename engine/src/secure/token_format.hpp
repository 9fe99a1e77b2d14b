// Byte layouts of connect tokens and connection requests (docs/PROTOCOL.md,
// "Connect tokens"), shared by the token API, the client stage and the
// server stage. Internal to the engine.
#pragma once

#include <array>
#include <cstdint>
#include <span>

#include "secure/crypto.hpp"
#include "socket/endpoint.hpp"
#include "tickwire/version.hpp"

namespace tickwire::secure {

// "TWTOKEN" and the wire version as a digit. The first 49 bytes of a request
// (prefix, magic, protocol id, expiry, nonce) keep their places in every
// version, so a server can tell a client of another version why it refuses.
static_assert(kWireVersion < 10, "the token magic holds the wire version as one digit");
inline constexpr std::array<std::uint8_t, 8> kTokenMagic = {
    'T', 'W', 'T', 'O', 'K', 'E', 'N', static_cast<std::uint8_t>('0' + kWireVersion)};
inline constexpr std::size_t kMagicVersionAt = 7;
inline constexpr std::size_t kTokenBytes = 1024;
inline constexpr std::size_t kMaxServers = 32;
inline constexpr std::size_t kUserData = 256;
inline constexpr std::size_t kPrivatePlainBytes = 624;
inline constexpr std::size_t kPrivateSealedBytes = kPrivatePlainBytes + kTagBytes;  // 640
inline constexpr std::size_t kRequestBytes = 1024;
// The client's random attempt id sits after the sealed private part; the
// server echoes it in Challenge tokens and Denied packets, so a reply from an
// earlier attempt is not taken for an answer to this one.
inline constexpr std::size_t kRequestAttemptAt = 689;
// Then the client's ephemeral X25519 public key for this attempt (crypto_kx).
inline constexpr std::size_t kRequestKxAt = kRequestAttemptAt + kAttemptBytes;  // 697
// Then a 16-byte BLAKE2b MAC of the attempt id and the public key, keyed with
// the token's client-to-server key: the server checks it once it has opened
// the private part, so neither can be changed on the way.
inline constexpr std::size_t kRequestMacAt = kRequestKxAt + kKxPublicBytes;  // 729
inline constexpr std::size_t kRequestMacBytes = 16;
// Then the cipher suites the client offers (bit 1 << Suite; at least one,
// no unknown bit), also covered by the MAC: nobody on the way can take
// AES-256-GCM out of the offer to force the slower suite.
inline constexpr std::size_t kRequestSuitesAt = kRequestMacAt + kRequestMacBytes;  // 745

// Offsets in the public token.
namespace token_at {
inline constexpr std::size_t magic = 0, protocol = 8, created = 16, expires = 24, nonce = 32,
                             timeout = 56, count = 60, servers = 61, c2s = 253, s2c = 285,
                             sealed = 317;
}
// Offsets in a connection request (type 0).
namespace request_at {
inline constexpr std::size_t prefix = 0, magic = 1, protocol = 9, expires = 17, nonce = 25,
                             sealed = 49;
}

using Servers = std::array<socket::Endpoint, kMaxServers>;

// The private part, in clear.
struct PrivateToken {
  std::uint64_t client_id = 0;
  std::uint32_t timeout_s = 0;
  std::uint8_t server_count = 0;
  Servers servers{};
  Key client_to_server;
  Key server_to_client;
  std::array<std::uint8_t, kUserData> user_data{};
  ~PrivateToken() { sodium_memzero(user_data.data(), user_data.size()); }
};

// The public part, parsed.
struct PublicToken {
  std::uint64_t protocol_id = 0;
  std::uint64_t created_unix_s = 0;
  std::uint64_t expires_unix_s = 0;
  std::array<std::uint8_t, kXNonceBytes> nonce{};
  std::uint32_t timeout_s = 0;
  std::uint8_t server_count = 0;
  Servers servers{};
  Key client_to_server;
  Key server_to_client;
  std::array<std::uint8_t, kPrivateSealedBytes> sealed{};
};

// Associated data of the private part: magic, protocol id, expiry.
std::array<std::uint8_t, 24> private_ad(std::uint64_t protocol_id, std::uint64_t expires_unix_s);

// Server list: count (1..32) then 32 slots of IPv4 (4, network order) + port (2, LE).
void write_servers(std::uint8_t* at, const Servers& servers);
void read_servers(const std::uint8_t* at, Servers& servers);

// False when the magic, server count, timeout or padding is wrong.
bool parse_public(std::span<const std::uint8_t> token, PublicToken& out);
// The 1024-byte request a client sends for `token` in the attempt `attempt`,
// with its ephemeral public key `kx_public`, offering the suites `suites`.
void write_request(const PublicToken& token, std::span<const std::uint8_t, kAttemptBytes> attempt,
                   std::span<const std::uint8_t, kKxPublicBytes> kx_public, std::uint8_t suites,
                   std::span<std::uint8_t, kRequestBytes> out);

// Fields of a request, pointing into the datagram.
struct RequestView {
  std::uint64_t protocol_id = 0;
  std::uint64_t expires_unix_s = 0;
  const std::uint8_t* nonce = nullptr;      // kXNonceBytes, inside the datagram
  const std::uint8_t* sealed = nullptr;     // kPrivateSealedBytes, inside the datagram
  const std::uint8_t* attempt = nullptr;    // kAttemptBytes, inside the datagram
  const std::uint8_t* kx_public = nullptr;  // kKxPublicBytes, inside the datagram
  const std::uint8_t* mac = nullptr;        // kRequestMacBytes, inside the datagram
  std::uint8_t suites = 0;                  // offered: bit 1 << Suite
};
// False unless the datagram is exactly kRequestBytes with the right prefix
// and magic, zero padding, and an offer of known suites (at least one).
bool parse_request(std::span<const std::uint8_t> wire, RequestView& out);
// The request's MAC over the attempt id, public key and offered suites,
// under the token's client-to-server key.
std::array<std::uint8_t, kRequestMacBytes> request_mac(const Key& client_to_server,
                                                       const std::uint8_t* attempt,
                                                       const std::uint8_t* kx_public,
                                                       std::uint8_t suites);
// Opens and parses the private part; false when it fails authentication or
// its fields are out of range.
bool open_private(const Key& token_key, const RequestView& request, PrivateToken& out);

}  // namespace tickwire::secure
