// The cipher suites tests that build secure stages by hand give them: what a
// host with default settings allows, so TICKWIRE_CIPHER (as CI sets it for a
// second run of the security tests) picks the suite for these tests too.
#pragma once

#include <cstdint>
#include <cstdlib>

#include "secure/suites.hpp"

namespace tickwire {

inline std::uint8_t test_suites() {
  std::uint8_t suites = 0;
  if (sodium_init() < 0 || !secure::allowed_suites(TransportSettings{}, suites)) std::abort();
  return suites;
}

}  // namespace tickwire
