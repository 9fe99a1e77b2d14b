// tickwire — connect tokens: who may join which server, and the session keys.
//
// A game's backend (or tw-token) makes a token for a client with the token
// key that it shares with the game's servers. The client hands the token to
// Client::connect(); only a server holding the same key can open its private
// part. Without a backend, a room code (a shared secret) derives the key on
// both sides and the client makes its own token (make_room_token).
//
// Layouts are in docs/PROTOCOL.md ("Connect tokens").
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "tickwire/status.hpp"

namespace tickwire {

inline constexpr std::size_t kTokenKeyBytes = 32;
inline constexpr std::size_t kConnectTokenBytes = 1024;
inline constexpr std::size_t kUserDataBytes = 256;
inline constexpr std::size_t kMaxTokenServers = 32;
// The protocol id tickwire uses unless a game sets its own ("tickwire").
inline constexpr std::uint64_t kDefaultProtocolId = 0x7469636b77697265ull;

// The secret shared by a game's servers and its backend. All zero means
// "not set". Wiped from memory when destroyed. Never logged.
class TokenKey {
 public:
  TokenKey() = default;
  TokenKey(const TokenKey& other) = default;
  TokenKey& operator=(const TokenKey& other) = default;
  ~TokenKey();

  // A new random key.
  static TokenKey generate();
  // Derives the key of a room from its code (Argon2id with a salt from the
  // protocol id, so a captured request cannot be brute-forced cheaply).
  // Refuses codes estimated below kMinRoomCodeBits (room_code_bits): whoever
  // captured one connection request can test guesses offline, at the cost of
  // one Argon2id run each (docs/SECURITY.md).
  static Status from_room_code(std::string_view code, std::uint64_t protocol_id, TokenKey& out);
  // 64 hex digits, surrounding white space ignored.
  static Status from_hex(std::string_view hex, TokenKey& out);
  // Reads a key file written by save() or `tw-token keygen`.
  static Status load(const std::string& path, TokenKey& out);
  // Writes the key as hex with permissions 0600.
  [[nodiscard]] Status save(const std::string& path) const;
  [[nodiscard]] std::string to_hex() const;

  [[nodiscard]] bool empty() const noexcept;
  // Derived from a room code: clients mint their own tokens with it, so a
  // server caps their sessions' idle timeout (kRoomSessionTimeoutS).
  [[nodiscard]] bool from_room() const noexcept { return room_; }
  [[nodiscard]] const std::array<std::uint8_t, kTokenKeyBytes>& bytes() const noexcept {
    return bytes_;
  }

 private:
  std::array<std::uint8_t, kTokenKeyBytes> bytes_{};
  bool room_ = false;
};

// The least estimated strength of a room code, bits. At about 20 ms per
// Argon2id guess on one core, 2^47 guesses (half the space) take ~89,000
// core-years. A random code of 10 characters from 31 letters and digits has
// 49.5 bits; arena's default (12 characters) has 59.
inline constexpr double kMinRoomCodeBits = 48.0;
// Estimated strength of a room code, bits: each character counts log2 of the
// pool of the character classes the code uses (lower case 26, upper case 26,
// digits 10, other printable 33), a repeat or a step (aa, ab, 21) only 1
// bit, separators (- _ . space) nothing. It cannot tell words from random
// letters: make codes random (arena makes one when none is given).
double room_code_bits(std::string_view code) noexcept;

// The idle timeout a server allows sessions of room-code tokens, s (a token
// made from a code is made by the client, who could ask for up to 600 s).
inline constexpr std::uint32_t kRoomSessionTimeoutS = 15;

struct ConnectTokenParams {
  std::uint64_t client_id = 0;                     // the game's id for this player
  std::uint64_t protocol_id = kDefaultProtocolId;  // must equal the server's
  std::vector<std::string> servers;  // "host:port" the token is valid for, 1..32 (IPv4)
  std::uint32_t expires_in_s = 300;  // the token can start a session until then, s
  std::uint32_t timeout_s = 10;      // a session silent this long ends, s (1..600)
  std::array<std::uint8_t, kUserDataBytes> user_data{};  // opaque to tickwire; the server sees it
};

// What a client holds: the public part in clear (including the session keys,
// so keep the token as secret as a password) and the private part that only
// servers can open. Wiped from memory when destroyed.
class ConnectToken {
 public:
  ConnectToken() = default;
  ConnectToken(const ConnectToken&) = default;
  ConnectToken& operator=(const ConnectToken&) = default;
  ~ConnectToken();

  [[nodiscard]] bool empty() const noexcept;
  static Status load(const std::string& path, ConnectToken& out);
  [[nodiscard]] Status save(const std::string& path) const;  // permissions 0600

  std::array<std::uint8_t, kConnectTokenBytes> bytes{};
};

// The public part of a token, for display and for a client's own checks.
struct ConnectTokenInfo {
  std::uint64_t protocol_id = 0;
  std::uint64_t created_unix_s = 0;
  std::uint64_t expires_unix_s = 0;
  std::uint32_t timeout_s = 0;
  std::vector<std::string> servers;  // "a.b.c.d:port"
};

// Checks the public part's format; does not (cannot) check the private part.
Status inspect_token(const ConnectToken& token, ConnectTokenInfo& out);

// Makes a token. Errors: invalid_argument (no or too many servers, a server
// that does not resolve to IPv4, bad times), invalid_settings (empty key).
Status make_connect_token(const TokenKey& key, const ConnectTokenParams& params, ConnectToken& out);

// For play without a backend: the token key from the room code, a token for
// the one server the client is about to join, with a random client id.
Status make_room_token(std::string_view code, std::string_view server, std::uint64_t protocol_id,
                       ConnectToken& out);

}  // namespace tickwire
