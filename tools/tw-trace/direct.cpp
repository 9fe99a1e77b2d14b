#include "direct.hpp"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

namespace twtrace {

using namespace tickwire::trace;

const char* to_string(DirectFate fate) noexcept {
  switch (fate) {
    case DirectFate::Delivered: return "delivered";
    case DirectFate::Malformed: return "malformed";
    case DirectFate::NoConnection: return "no connection";
    case DirectFate::UnknownChannel: return "a channel not among the connection's lanes";
    case DirectFate::Unfollowed: return "not followed";
  }
  return "?";
}

std::span<const DeliveredMessage> DirectDelivery::receive(std::span<const std::uint8_t> payload,
                                                          const EnetDelivery* enet) {
  out_.clear();
  error_.clear();
  ++stats_.datagrams;
  stats_.bytes += payload.size();
  if (!parse_direct(payload, d_, error_)) {
    ++stats_.malformed;
    fate_ = DirectFate::Malformed;
    return {};
  }
  stats_.messages += d_.messages.size();
  for (const DirectMessage& m : d_.messages) ++stats_.per_channel[m.channel];
  if (enet == nullptr) {
    fate_ = DirectFate::Unfollowed;
    return {};
  }
  if (!enet->connected()) {
    fate_ = DirectFate::NoConnection;
    return {};
  }
  // The host checks every frame before it takes any: one on a channel that
  // is not one of the game's lanes (ENet's channels but the last, tickwire's
  // control lane) refuses the datagram whole.
  for (const DirectMessage& m : d_.messages) {
    if (m.channel + 1u >= enet->channel_count()) {
      fate_ = DirectFate::UnknownChannel;
      return {};
    }
  }
  fate_ = DirectFate::Delivered;
  auto rounded = [](std::size_t n) { return (n + 15) & ~std::size_t{15}; };
  std::size_t total = 0;
  for (const DirectMessage& m : d_.messages) total += rounded(m.bytes.size());
  aligned_.resize(total);  // once, so the spans below stay valid
  std::size_t at = 0;
  for (const DirectMessage& m : d_.messages) {
    std::copy(m.bytes.begin(), m.bytes.end(), aligned_.begin() + static_cast<std::ptrdiff_t>(at));
    out_.push_back({m.channel, false, {aligned_.data() + at, m.bytes.size()}});
    at += rounded(m.bytes.size());
  }
  stats_.delivered += out_.size();
  return out_;
}

std::string DirectDelivery::text() const {
  if (fate_ == DirectFate::Malformed) return "malformed: " + error_;
  char buf[64];
  std::snprintf(buf, sizeof buf, "peer %u session %u:", unsigned{d_.peer_id}, unsigned{d_.session});
  std::string s = buf;
  // A datagram of a live host holds a few; one made up may hold thousands.
  constexpr std::size_t kShown = 32;
  for (std::size_t i = 0; i < d_.messages.size() && i < kShown; ++i) {
    std::snprintf(buf, sizeof buf, "%s ch%u %zu B", i ? "," : "", unsigned{d_.messages[i].channel},
                  d_.messages[i].bytes.size());
    s += buf;
  }
  if (d_.messages.size() > kShown)
    s += ", and " + std::to_string(d_.messages.size() - kShown) + " more";
  if (fate_ == DirectFate::NoConnection || fate_ == DirectFate::UnknownChannel)
    s += std::string("; not delivered: ") + to_string(fate_);
  return s;
}

std::string direct_json(const DirectStats& s) {
  std::string j =
      "{\"datagrams\": " + std::to_string(s.datagrams) + ", \"bytes\": " + std::to_string(s.bytes) +
      ", \"messages\": " + std::to_string(s.messages) +
      ", \"delivered\": " + std::to_string(s.delivered) +
      ", \"malformed\": " + std::to_string(s.malformed) + ", \"messages_per_channel\": {";
  bool first = true;
  for (const auto& [ch, n] : s.per_channel) {
    j += std::string(first ? "" : ", ") + "\"" + std::to_string(ch) + "\": " + std::to_string(n);
    first = false;
  }
  return j + "}}";
}

std::string direct_line(const DirectStats& s) {
  if (s.datagrams == 0) return {};
  char buf[160];
  std::snprintf(buf, sizeof buf,
                "direct lane: %" PRIu64 " datagrams, %" PRIu64 " bytes, %" PRIu64 " messages",
                s.datagrams, s.bytes, s.messages);
  std::string line = buf;
  bool first = true;
  for (const auto& [ch, n] : s.per_channel) {
    std::snprintf(buf, sizeof buf, "%schannel %d: %" PRIu64, first ? " (" : ", ", ch, n);
    line += buf;
    first = false;
  }
  std::snprintf(buf, sizeof buf, "%s, %" PRIu64 " delivered, %" PRIu64 " malformed",
                first ? "" : ")", s.delivered, s.malformed);
  return line + buf;
}

std::span<const DeliveredMessage> HostDelivery::receive(const Record& r) {
  parsed_enet_ = began_ = false;
  if (r.kind == Kind::Direct) return direct_.receive(r.payload, &enet_);
  if (r.kind != Kind::Enet) return {};  // the handshake's, keep-alives, Replayed copies
  if (!parse_enet(r.payload, datagram_, why_)) {
    ++malformed_enet_;
    return {};
  }
  parsed_enet_ = true;
  const std::uint64_t connections = enet_.stats().connections;
  const std::span<const DeliveredMessage> messages = enet_.receive(datagram_);
  began_ = enet_.stats().connections != connections;
  return messages;
}

}  // namespace twtrace
