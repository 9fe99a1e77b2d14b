// Hand-made ENet 1.3.17 datagrams for the tests of the ENet command guard
// (unit) and of the attacks on a live server (security): big-endian field
// writers and the commands the tests forge. The layouts are ENet's
// (include/enet/protocol.h); docs/PROTOCOL.md lists what the guard checks.
#pragma once

#include <cstdint>
#include <vector>

#include "socket/enet_guard.hpp"

namespace tickwire::test {

using Datagram8 = std::vector<std::uint8_t>;

inline void be16(Datagram8& d, std::uint16_t v) {
  d.push_back(static_cast<std::uint8_t>(v >> 8));
  d.push_back(static_cast<std::uint8_t>(v));
}
inline void be32(Datagram8& d, std::uint32_t v) {
  be16(d, static_cast<std::uint16_t>(v >> 16));
  be16(d, static_cast<std::uint16_t>(v));
}

// ENet's protocol header with a sent time: `peer_field` is the peer id with
// the session bits (socket::enet_wire::kNoPeer for a new connection).
inline Datagram8 enet_header(std::uint16_t peer_field) {
  Datagram8 d;
  be16(d, static_cast<std::uint16_t>(peer_field | socket::enet_wire::kFlagSentTime));
  be16(d, 0x1234);
  return d;
}

// SEND_RELIABLE on `channel` with `length` bytes of data.
inline void send_reliable(Datagram8& d, std::uint8_t channel, std::uint16_t sequence,
                          std::size_t length) {
  d.push_back(socket::enet_wire::kSendReliable | 0x80);  // acknowledge flag
  d.push_back(channel);
  be16(d, sequence);
  be16(d, static_cast<std::uint16_t>(length));
  d.insert(d.end(), length, 0xAB);
}

// SEND_FRAGMENT (acknowledged) or SEND_UNRELIABLE_FRAGMENT on channel 0,
// with `length` bytes of data.
inline void send_fragment(Datagram8& d, std::uint8_t type, std::uint16_t sequence,
                          std::uint16_t start, std::uint32_t count, std::uint32_t number,
                          std::uint32_t total, std::uint32_t offset, std::size_t length) {
  d.push_back(
      static_cast<std::uint8_t>(type | (type == socket::enet_wire::kSendFragment ? 0x80 : 0)));
  d.push_back(0);
  be16(d, sequence);
  be16(d, start);
  be16(d, static_cast<std::uint16_t>(length));
  be32(d, count);
  be32(d, number);
  be32(d, total);
  be32(d, offset);
  d.insert(d.end(), length, 0xCD);
}

// A CONNECT for a new connection (peer id 0xFFF), as ENet's client writes it.
inline Datagram8 enet_connect(std::uint32_t connect_id, std::uint32_t data,
                              std::uint32_t channels = 4, std::uint32_t mtu = 1375) {
  Datagram8 d = enet_header(socket::enet_wire::kNoPeer);
  d.push_back(socket::enet_wire::kConnect | 0x80);
  d.push_back(socket::enet_wire::kConnectionChannel);
  be16(d, 1);
  be16(d, 0);         // outgoing peer id
  d.push_back(0xFF);  // session ids
  d.push_back(0xFF);
  be32(d, mtu);
  be32(d, 65536);  // window size
  be32(d, channels);
  be32(d, 0);  // bandwidths
  be32(d, 0);
  be32(d, 5000);  // throttle interval, acceleration, deceleration
  be32(d, 2);
  be32(d, 2);
  be32(d, connect_id);
  be32(d, data);
  return d;
}

}  // namespace tickwire::test
