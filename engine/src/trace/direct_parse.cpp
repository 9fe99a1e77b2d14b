#include "socket/direct_frames.hpp"
#include "tickwire/trace.hpp"

namespace tickwire::trace {

bool parse_direct(std::span<const std::uint8_t> bytes, DirectDatagram& out, std::string& error) {
  out.messages.clear();
  socket::DirectReader reader(bytes);
  if (!reader.has_head()) {
    error = "a direct datagram shorter than its 2-byte head";
    return false;
  }
  if (reader.peer() >> 14 != 0) {
    error = "a direct datagram whose peer field has bits above the session set";
    return false;
  }
  out.peer_id = reader.peer() & 0x0FFF;
  out.session = static_cast<std::uint8_t>((reader.peer() >> 12) & 0x3);
  socket::DirectFrame frame;
  while (reader.next(frame)) out.messages.push_back({frame.channel, frame.message});
  if (reader.malformed()) {
    error = "a direct datagram's frame " + std::to_string(out.messages.size() + 1) +
            " does not fit (or its length is not in its shortest form)";
    return false;
  }
  if (out.messages.empty()) {
    error = "a direct datagram without a message";
    return false;
  }
  return true;
}

}  // namespace tickwire::trace
