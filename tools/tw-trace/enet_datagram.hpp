// tw-trace: an ENet 1.3 datagram taken apart (the public enet/protocol.h:
// a 2- or 4-byte header, then up to 32 commands). Reads only within the
// bytes given; a datagram that does not parse says where it stopped.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace twtrace {

struct EnetCommand {
  std::uint8_t type = 0;     // 1 ACK .. 12 SEND_UNRELIABLE_FRAGMENT
  bool ack_wanted = false;   // flag 0x80
  bool unsequenced = false;  // flag 0x40
  std::uint8_t channel = 0;  // 0xFF: the connection's own commands
  std::uint16_t reliable_seq = 0;
  std::uint16_t unreliable_seq = 0;  // SEND_UNRELIABLE; SEND_UNSEQUENCED: its group
  // ACK: the acknowledged command's sequence and its datagram's sent time (ms, 16 bits).
  std::uint16_t acked_seq = 0, acked_sent_time = 0;
  // Fragments: the message's first sequence, part number and count, total length, offset.
  std::uint16_t fragment_start = 0;
  std::uint32_t fragment_number = 0, fragment_count = 0, total_length = 0, fragment_offset = 0;
  std::span<const std::uint8_t> data;  // the message (or fragment) bytes, within the datagram
};

inline constexpr std::size_t kMaxEnetCommands = 32;

struct EnetDatagram {
  std::uint16_t peer_id = 0;  // 0x0FFF: no peer yet (a CONNECT)
  std::uint8_t session = 0;
  bool has_sent_time = false;
  bool compressed = false;
  std::uint16_t sent_time = 0;  // ms, 16 bits
  EnetCommand commands[kMaxEnetCommands];
  std::size_t count = 0;
};

// Parses `bytes`; false with `error` (what and where) when it is not a whole
// ENet datagram. Commands parsed before the error stay in `out`.
bool parse_enet(std::span<const std::uint8_t> bytes, EnetDatagram& out, std::string& error);

const char* enet_command_name(std::uint8_t type) noexcept;

}  // namespace twtrace
