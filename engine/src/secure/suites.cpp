#include "secure/suites.hpp"

#include <cstdlib>
#include <string>

namespace tickwire {

bool cipher_suite_available(CipherSuite suite) noexcept {
  if (suite != CipherSuite::Aes256Gcm) return true;
  return sodium_init() >= 0 && secure::aes256gcm_available();
}

namespace secure {

Status allowed_suites(const TransportSettings& settings, std::uint8_t& suites) {
  CipherSuite choice = settings.cipher;
  if (const char* env = std::getenv("TICKWIRE_CIPHER"); env != nullptr && *env != '\0') {
    const auto parsed = parse_cipher_suite(env);
    if (!parsed)
      return {Errc::InvalidSettings, std::string("TICKWIRE_CIPHER: unknown cipher suite '") + env +
                                         "' (auto, chacha20poly1305 or aes256gcm)"};
    choice = *parsed;
  }
  const bool aes = aes256gcm_available();
  switch (choice) {
    case CipherSuite::Auto:
      suites = static_cast<std::uint8_t>(suite_bit(Suite::ChaCha20Poly1305) |
                                         (aes ? suite_bit(Suite::Aes256Gcm) : 0));
      return {};
    case CipherSuite::ChaCha20Poly1305: suites = suite_bit(Suite::ChaCha20Poly1305); return {};
    case CipherSuite::Aes256Gcm:
      if (!aes)
        return {Errc::InvalidSettings,
                "AES-256-GCM is not available on this CPU (it needs AES-NI and CLMUL); use "
                "cipher auto or chacha20poly1305"};
      suites = suite_bit(Suite::Aes256Gcm);
      return {};
  }
  return {Errc::InvalidSettings, "unknown cipher suite"};
}

CipherSuite public_suite(Suite suite) noexcept {
  return suite == Suite::Aes256Gcm ? CipherSuite::Aes256Gcm : CipherSuite::ChaCha20Poly1305;
}

}  // namespace secure
}  // namespace tickwire
