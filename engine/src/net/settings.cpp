#include "tickwire/settings.hpp"

#include "secure/crypto.hpp"
#include "tickwire/client.hpp"
#include "tickwire/server.hpp"

namespace tickwire {

namespace {
Status invalid(std::string message) {
  return {Errc::InvalidSettings, std::move(message)};
}
}  // namespace

Status TransportSettings::validate() const {
  if (channels.empty() || channels.size() > 255)
    return invalid("channels: between 1 and 255 lanes are needed (got " +
                   std::to_string(channels.size()) + ")");
  for (ChannelKind kind : channels) {
    if (kind != ChannelKind::ReliableOrdered && kind != ChannelKind::UnreliableSequenced &&
        kind != ChannelKind::Unreliable)
      return invalid("channels: unknown channel kind");
  }
  // ENet's own MTU (this less the seam's overhead) must stay at or above
  // ENet's least, 576: ENet raises a smaller one on one side only, and the
  // two ends would then cut fragments differently.
  if (mtu < 576 + secure::kSealOverhead || mtu > 4096)
    return invalid("mtu: must be within 601..4096 bytes (ENet's least, 576, plus the seam's 25)");
  if (idle_timeout_ms < 1000 || idle_timeout_ms > 600'000)
    return invalid("idle_timeout_ms: must be within 1000..600000 ms");
  if (ping_interval_ms < 10 || ping_interval_ms >= idle_timeout_ms)
    return invalid("ping_interval_ms: must be at least 10 ms and below idle_timeout_ms");
  if (retransmit_cap_ms < 10 || retransmit_cap_ms > 10'000)
    return invalid("retransmit_cap_ms: must be within 10..10000 ms");
  if (max_message_bytes == 0 || max_message_bytes > (64u << 20))
    return invalid("max_message_bytes: must be within 1..67108864 bytes");
  if (max_queued_bytes < max_message_bytes)
    return invalid("max_queued_bytes: must be at least max_message_bytes");
  if (capture_max_bytes < 4096) return invalid("capture_max_bytes: must be at least 4096 bytes");
  if (max_receive_buffer_bytes / 2 < max_message_bytes)
    return invalid("max_receive_buffer_bytes: must be at least twice max_message_bytes");
  return conditioner.validate();
}

Status ServerSettings::validate() const {
  if (Status s = TransportSettings::validate(); !s) return s;
  if (bind_address.empty()) return invalid("bind_address: must not be empty");
  if (token_key.empty())
    return invalid(
        "token_key: not set; load one made by `tw-token keygen` or derive one "
        "with TokenKey::from_room_code");
  if (handshake_replies_per_sec < 10)
    return invalid("handshake_replies_per_sec: must be at least 10");
  if (max_clients < 1 || max_clients > kMaxPeers)
    return invalid("max_clients: must be within 1..4095 (got " + std::to_string(max_clients) + ")");
  return {};
}

Status ClientSettings::validate() const {
  if (Status s = TransportSettings::validate(); !s) return s;
  if (connect_timeout_ms < 100 || connect_timeout_ms > 600'000)
    return invalid("connect_timeout_ms: must be within 100..600000 ms");
  return {};
}

}  // namespace tickwire
