// tickwire — library and wire versions.
#pragma once

#include <cstdint>

namespace tickwire {

inline constexpr int kVersionMajor = 0;
inline constexpr int kVersionMinor = 1;
inline constexpr int kVersionPatch = 0;

// Version of tickwire's own wire format (docs/PROTOCOL.md). Peers whose wire
// versions differ are refused with DisconnectReason::VersionMismatch.
inline constexpr std::uint8_t kWireVersion = 5;

}  // namespace tickwire
