#include "tickwire/trace.hpp"

#include "socket/enet_guard.hpp"

namespace tickwire::trace {

namespace {

namespace wire = tickwire::socket::enet_wire;

std::uint16_t be16(const std::uint8_t* p) noexcept {
  return static_cast<std::uint16_t>(p[0] << 8 | p[1]);
}
std::uint32_t be32(const std::uint8_t* p) noexcept {
  return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 | p[3];
}

}  // namespace

const char* enet_command_name(std::uint8_t type) noexcept {
  static constexpr const char* kNames[13] = {"?",
                                             "ACK",
                                             "CONNECT",
                                             "VERIFY_CONNECT",
                                             "DISCONNECT",
                                             "PING",
                                             "SEND_RELIABLE",
                                             "SEND_UNRELIABLE",
                                             "SEND_FRAGMENT",
                                             "SEND_UNSEQUENCED",
                                             "BANDWIDTH_LIMIT",
                                             "THROTTLE_CONFIGURE",
                                             "SEND_UNRELIABLE_FRAGMENT"};
  return type < 13 ? kNames[type] : "?";
}

bool parse_enet(std::span<const std::uint8_t> bytes, EnetDatagram& out, std::string& error) {
  out = EnetDatagram{};
  if (bytes.size() < 2) {
    error = "shorter than an ENet header";
    return false;
  }
  const std::uint16_t word = be16(bytes.data());
  out.has_sent_time = (word & wire::kFlagSentTime) != 0;
  out.compressed = (word & wire::kFlagCompressed) != 0;
  out.session = static_cast<std::uint8_t>((word >> wire::kSessionShift) & 3);
  out.peer_id = word & wire::kPeerIdMask;
  std::size_t at = 2;
  if (out.has_sent_time) {
    if (bytes.size() < 4) {
      error = "header cut short";
      return false;
    }
    out.sent_time = be16(bytes.data() + 2);
    at = 4;
  }
  if (out.compressed) {
    error = "compressed (tickwire never compresses)";
    return false;
  }
  while (at < bytes.size()) {
    if (out.count == kMaxEnetCommands) {
      error = "more than 32 commands";
      return false;
    }
    const std::uint8_t* c = bytes.data() + at;
    const std::size_t left = bytes.size() - at;
    if (left < 4) {
      error = "a command header cut short at byte " + std::to_string(at);
      return false;
    }
    EnetCommand& cmd = out.commands[out.count];
    cmd = EnetCommand{};
    cmd.type = c[0] & wire::kCommandMask;
    cmd.ack_wanted = (c[0] & 0x80) != 0;
    cmd.unsequenced = (c[0] & 0x40) != 0;
    cmd.channel = c[1];
    cmd.reliable_seq = be16(c + 2);
    if (cmd.type == 0 || cmd.type >= wire::kCommandCount) {
      error = "unknown command " + std::to_string(cmd.type) + " at byte " + std::to_string(at);
      return false;
    }
    const std::size_t size = wire::kCommandSize[cmd.type];
    if (left < size) {
      error = std::string(enet_command_name(cmd.type)) + " cut short at byte " + std::to_string(at);
      return false;
    }
    std::size_t data_length = 0;
    switch (cmd.type) {
      case wire::kAcknowledge:
        cmd.acked_seq = be16(c + 4);
        cmd.acked_sent_time = be16(c + 6);
        break;
      case wire::kSendReliable: data_length = be16(c + 4); break;
      case wire::kSendUnreliable:
      case wire::kSendUnsequenced:
        cmd.unreliable_seq = be16(c + 4);
        data_length = be16(c + 6);
        break;
      case wire::kSendFragment:
      case wire::kSendUnreliableFragment:
        cmd.fragment_start = be16(c + 4);
        data_length = be16(c + 6);
        cmd.fragment_count = be32(c + 8);
        cmd.fragment_number = be32(c + 12);
        cmd.total_length = be32(c + 16);
        cmd.fragment_offset = be32(c + 20);
        break;
      case wire::kConnect:
      case wire::kVerifyConnect:
        cmd.outgoing_peer_id = be16(c + 4);
        cmd.mtu = be32(c + 8);
        cmd.channel_count = be32(c + 16);
        cmd.connect_id = be32(c + 40);
        break;
      default: break;
    }
    if (left - size < data_length) {
      error = std::string(enet_command_name(cmd.type)) + " claims " + std::to_string(data_length) +
              " bytes, " + std::to_string(left - size) + " are left";
      return false;
    }
    cmd.data = bytes.subspan(at + size, data_length);
    at += size + data_length;
    ++out.count;
  }
  return true;
}

}  // namespace tickwire::trace
