// Which cipher suites a host offers or accepts, from its settings
// (TransportSettings::cipher, or TICKWIRE_CIPHER). Internal to the engine.
#pragma once

#include <cstdint>

#include "secure/crypto.hpp"
#include "tickwire/settings.hpp"
#include "tickwire/status.hpp"

namespace tickwire::secure {

// The suites (bit 1 << Suite) a host with `settings` offers (client) or
// accepts (server): Auto gives ChaCha20-Poly1305 and, where this machine can
// run it, AES-256-GCM. TICKWIRE_CIPHER, when set, overrides the setting. An
// error (nothing may be sent) for an unknown TICKWIRE_CIPHER or AES-256-GCM
// asked for on a machine without it. sodium_init() must have run.
Status allowed_suites(const TransportSettings& settings, std::uint8_t& suites);

// The public name of a session's suite.
CipherSuite public_suite(Suite suite) noexcept;

}  // namespace tickwire::secure
