// Packet sealing for the encrypted datagram layer (docs/PROTOCOL.md,
// "Encrypted datagrams"): prefix byte, variable-length sequence, ciphertext,
// 16-byte tag, with the nonce from the 64-bit sequence and the protocol id,
// wire version and prefix as associated data. Handshake packets use
// ChaCha20-Poly1305 (IETF) under the token's keys; a session uses the suite
// its handshake chose (AES-256-GCM or ChaCha20-Poly1305, SessionCipher).
// Internal to the engine.
#pragma once

#include <sodium.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <span>

#include "socket/stage.hpp"

namespace tickwire::secure {

inline constexpr std::size_t kKeyBytes = 32;
inline constexpr std::size_t kTagBytes = 16;
inline constexpr std::size_t kXNonceBytes = 24;
// Prefix + longest sequence + tag: what sealing adds to a datagram.
inline constexpr std::size_t kSealOverhead = 1 + 8 + kTagBytes;
// Sealing in place: the header goes in the head room before the plaintext.
inline constexpr std::size_t kHeadRoom = socket::SecureStage::kHeadRoom;
static_assert(kSealOverhead == kHeadRoom + kTagBytes);
// Challenge and Denied packets are sealed with the token's server-to-client
// key; their sequences are at or above this, so they never meet a session's
// (which use keys of their own anyway). Each server starts its counter at a
// random point in [2^63, 2^64 - 2^40), so two servers (or two runs) holding
// the same token do not count through the same nonces.
inline constexpr std::uint64_t kHandshakeSequenceBase = 1ull << 63;
inline constexpr std::size_t kAttemptBytes = 8;  // a client's random id for one handshake attempt

enum class PacketType : std::uint8_t {
  Request = 0,    // client -> server, in clear, fixed size: carries the connect token
  Denied = 1,     // server -> client, sealed: why the token was refused
  Challenge = 2,  // server -> client, sealed: the challenge token
  Response = 3,   // client -> server, in clear: the challenge token back
  KeepAlive = 4,  // both ways, sealed, empty: session established / alive
  Payload = 5,    // both ways, sealed: one ENet datagram
  Rejected = 6,   // server -> client, in clear: the token could not be opened
  Direct = 7,     // both ways, sealed: messages of the direct lane (no ENet)
};
inline constexpr std::uint8_t kPacketTypeCount = 8;

// Denial reasons carried by Denied and Rejected packets (one byte).
enum class DenyReason : std::uint8_t {
  TokenInvalid = 1,  // could not be opened: wrong key (room code) or corrupted
  TokenExpired = 2,
  WrongServer = 3,  // this server's address is not in the token
  TokenInUse = 4,   // the token holds a session from another address
  ServerFull = 5,
  ProtocolMismatch = 6,  // the token is for another game (Rejected only)
  VersionMismatch = 7,   // the request is of another wire version (Rejected only)
  AddressLimit = 8,      // the server holds as many sessions from this address as it allows
  CipherMismatch = 9,    // no cipher suite both ends allow (Denied only)
};

// Which of the secure stage's own packets `wire` is, by its type (for the
// capture tap; nothing is checked).
socket::SecureStage::Control control_kind(std::span<const std::uint8_t> wire) noexcept;

// A secret key, wiped when it goes away.
struct Key {
  std::array<std::uint8_t, kKeyBytes> bytes{};
  Key() = default;
  Key(const Key&) = default;
  Key& operator=(const Key&) = default;
  ~Key() { sodium_memzero(bytes.data(), bytes.size()); }
};

enum class Direction : std::uint8_t { ClientToServer = 'c', ServerToClient = 's' };

// Session cipher suites, as the wire numbers them. A request offers a set of
// them (bit 1 << suite); the challenge names the one chosen.
enum class Suite : std::uint8_t { ChaCha20Poly1305 = 0, Aes256Gcm = 1 };
inline constexpr std::uint8_t kSuiteCount = 2;
inline constexpr std::uint8_t suite_bit(Suite s) noexcept {
  return static_cast<std::uint8_t>(1u << static_cast<unsigned>(s));
}
inline constexpr std::uint8_t kKnownSuites = (1u << kSuiteCount) - 1;
// Whether this machine can run AES-256-GCM (libsodium needs AES-NI and
// CLMUL); sodium_init() must have run.
bool aes256gcm_available() noexcept;

inline constexpr std::size_t kKxPublicBytes = 32;  // X25519 public key (crypto_kx)

// A session's key for one direction: BLAKE2b-256 keyed with the token's key
// for that direction, over the direction, the cipher suite, that direction's key from the
// handshake's ephemeral X25519 exchange (crypto_kx) and both ephemeral
// public keys. Whoever lacks either secret (the token's keys, or one side's
// ephemeral secret key, wiped once the session is up) cannot compute it: a
// room-code holder or a later thief of the token key who recorded the
// handshake cannot read or forge the session (forward secrecy).
Key session_key(const Key& token_key, Direction direction, Suite suite,
                std::span<const std::uint8_t, kKeyBytes> exchanged,
                std::span<const std::uint8_t, kKxPublicBytes> client_public,
                std::span<const std::uint8_t, kKxPublicBytes> server_public);

// Little-endian field access.
inline void put_u64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
inline void put_u32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}
inline void put_u16(std::uint8_t* p, std::uint16_t v) {
  p[0] = static_cast<std::uint8_t>(v);
  p[1] = static_cast<std::uint8_t>(v >> 8);
}
inline std::uint64_t get_u64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= std::uint64_t{p[i]} << (8 * i);
  return v;
}
inline std::uint32_t get_u32(const std::uint8_t* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= std::uint32_t{p[i]} << (8 * i);
  return v;
}
inline std::uint16_t get_u16(const std::uint8_t* p) {
  return static_cast<std::uint16_t>(p[0] | (p[1] << 8));
}

struct Header {
  PacketType type = PacketType::Request;
  std::uint8_t prefix = 0;
  std::uint64_t sequence = 0;
  std::size_t size = 0;  // prefix + sequence bytes
};

// Parses the prefix and sequence of a sealed packet. False when the type is
// not a sealed one, the sequence length is not 1..8, or no room is left for
// the tag.
bool read_sealed_header(std::span<const std::uint8_t> wire, Header& out) noexcept;

// Seals `plain` as a packet of `type` into `out`; returns its size, or 0 when
// `out` is too small. `plain` may not overlap `out`.
std::size_t seal(PacketType type, std::uint64_t sequence, const Key& key, std::uint64_t protocol_id,
                 std::span<const std::uint8_t> plain, std::span<std::uint8_t> out) noexcept;

// Opens a sealed packet whose header was read by read_sealed_header, writing
// the plaintext to `out`. Returns false when authentication fails or `out`
// is too small; `plain_size` is set on success.
bool open(const Header& header, const Key& key, std::uint64_t protocol_id,
          std::span<const std::uint8_t> wire, std::span<std::uint8_t> out,
          std::size_t& plain_size) noexcept;

// One direction of a session: its suite and key, with AES-256-GCM's
// expanded key computed once (libsodium's beforenm state) instead of for
// every datagram. Wiped when it goes away. Seals and opens Payload, Direct
// and KeepAlive packets in the layout of seal() and open().
class SessionCipher {
 public:
  SessionCipher() = default;  // ChaCha20-Poly1305 with a zero key: set() it first
  SessionCipher(const SessionCipher& other) { *this = other; }
  SessionCipher& operator=(const SessionCipher& other) noexcept;
  ~SessionCipher();

  // Requires aes256gcm_available() for Suite::Aes256Gcm.
  void set(Suite suite, const Key& key) noexcept;
  [[nodiscard]] Suite suite() const noexcept { return suite_; }

  // Seals the plaintext at buffer[kHeadRoom, kHeadRoom + plain_size) where it
  // lies (socket::SecureStage::seal_in_place's layout): returns the packet's
  // size and sets `start`; 0 when `buffer` is too small.
  std::size_t seal_in_place(PacketType type, std::uint64_t sequence, std::uint64_t protocol_id,
                            std::span<std::uint8_t> buffer, std::size_t plain_size,
                            std::size_t& start) const noexcept;
  // The same, copied: `plain` in, the packet at the start of `out`.
  std::size_t seal(PacketType type, std::uint64_t sequence, std::uint64_t protocol_id,
                   std::span<const std::uint8_t> plain, std::span<std::uint8_t> out) const noexcept;
  bool open(const Header& header, std::uint64_t protocol_id, std::span<const std::uint8_t> wire,
            std::span<std::uint8_t> out, std::size_t& plain_size) const noexcept;

 private:
  Suite suite_ = Suite::ChaCha20Poly1305;
  Key key_;
  alignas(16) crypto_aead_aes256gcm_state aes_{};  // Aes256Gcm only
};

// Which sequence numbers were received: the newest and the 255 before it.
// Anything older than the window is treated as already received.
class ReplayWindow {
 public:
  static constexpr std::uint64_t kSize = 256;
  [[nodiscard]] bool already_received(std::uint64_t sequence) const noexcept;
  // Received before and still inside the window: a duplicate (not merely
  // older than the window).
  [[nodiscard]] bool duplicate(std::uint64_t sequence) const noexcept;
  // Only after the packet was authenticated.
  void accept(std::uint64_t sequence) noexcept;

  // For loss measurement: datagrams accepted so far and the newest sequence.
  [[nodiscard]] std::uint64_t accepted() const noexcept { return accepted_; }
  [[nodiscard]] std::uint64_t newest() const noexcept { return newest_; }

 private:
  std::uint64_t newest_ = 0;
  std::uint64_t accepted_ = 0;
  bool any_ = false;
  std::array<std::uint64_t, kSize / 64> bits_{};  // bit (s % 256) set: s received
};

}  // namespace tickwire::secure
