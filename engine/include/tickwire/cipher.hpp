// tickwire — the AEAD cipher suites that seal a connection's datagrams
// (docs/PROTOCOL.md, "Cipher suites"; docs/SECURITY.md).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace tickwire {

enum class CipherSuite : std::uint8_t {
  // Setting: AES-256-GCM when both ends can run it (libsodium's
  // crypto_aead_aes256gcm_is_available: AES-NI and CLMUL), ChaCha20-Poly1305
  // otherwise. In stats: no session yet.
  Auto = 0,
  ChaCha20Poly1305,  // IETF ChaCha20-Poly1305: fast everywhere, no hardware needed
  Aes256Gcm,         // AES-256-GCM: about twice as fast where the CPU has AES-NI
};

// "auto", "chacha20poly1305", "aes256gcm".
const char* to_string(CipherSuite suite) noexcept;
// The inverse of to_string(); nullopt for anything else.
std::optional<CipherSuite> parse_cipher_suite(std::string_view name) noexcept;
// Whether this machine can run `suite` (Auto and ChaCha20Poly1305 always can).
bool cipher_suite_available(CipherSuite suite) noexcept;

}  // namespace tickwire
