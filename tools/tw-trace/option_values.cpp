// The values tw-trace's options take, checked (option_values.hpp).
#include "option_values.hpp"

#include <charconv>
#include <cmath>
#include <system_error>

#include <tickwire/token.hpp>
#include "args.hpp"

namespace twtrace {

namespace cli = tickwire::cli;

// "--from"/"--to": a number of seconds, 0 or more.
std::string seconds_at_least_zero(const char* flag, std::string_view v, double& out) {
  double value = 0;
  const auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), value);
  if (v.empty() || ec != std::errc{} || end != v.data() + v.size() || !std::isfinite(value) ||
      value < 0)
    return std::string(flag) + ": expected seconds at least 0, got '" + std::string(v) + "'";
  out = value;
  return {};
}

// "--size WxH": a window of 320x200 to 7680x4320.
std::string size(std::string_view v, int& w, int& h) {
  const std::size_t x = v.find('x');
  long lw = 0, lh = 0;
  if (x == std::string_view::npos || !cli::parse_number<long>(v.substr(0, x), 320, 7680, lw) ||
      !cli::parse_number<long>(v.substr(x + 1), 200, 4320, lh))
    return "--size: expected WxH within 320x200..7680x4320, got '" + std::string(v) + "'";
  w = static_cast<int>(lw);
  h = static_cast<int>(lh);
  return {};
}

namespace {

// A host to look up: a name or a dotted IPv4 address, not empty, no blanks
// (whether it resolves is send's to find out: exit status 1, as DNS may fail).
bool host_name(std::string_view host) {
  if (host.empty() || host.size() > 253) return false;
  for (const char c : host)
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7F) return false;
  return true;
}

}  // namespace

// "--to HOST:PORT" for send: the syntax only (send resolves the name).
std::string host_and_port(std::string_view v) {
  const std::size_t colon = v.rfind(':');
  if (colon == std::string_view::npos)
    return "--to: expected HOST:PORT, got '" + std::string(v) + "'";
  long port = 0;
  if (!cli::parse_number(v.substr(colon + 1), 1L, 65535L, port))
    return "--to: expected a port 1..65535 after HOST:, got '" + std::string(v) + "'";
  if (!host_name(v.substr(0, colon)))
    return "--to: expected HOST:PORT with HOST a host name or an IPv4 address, got '" +
           std::string(v) + "'";
  return {};
}

// "--code CODE": a room code the server could have, as arena takes it.
std::string room_code(std::string_view v) {
  if (v.size() < 6 || v.size() > 128)
    return "--code: a room code has 6 to 128 characters, got " + std::to_string(v.size());
  if (const double bits = tickwire::room_code_bits(v); bits < tickwire::kMinRoomCodeBits)
    return "--code: '" + std::string(v) + "' is too easy to guess (about " +
           std::to_string(std::lround(bits)) + " bits, at least " +
           std::to_string(static_cast<int>(tickwire::kMinRoomCodeBits)) +
           " needed): no room has it";
  return {};
}

}  // namespace twtrace
