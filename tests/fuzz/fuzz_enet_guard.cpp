// Fuzz target: the ENet command guard (socket/enet_guard.hpp), which reads
// every opened datagram before ENet does. The first 8 bytes set up a model of
// the sender's connection (live or not, MTU, channels, queue lengths, what
// the host takes); the rest is the datagram. Properties: no read past the
// datagram (ASan); what it passes on passes again unchanged (trimming and
// the CONNECT's MTU are idempotent) and is no longer than what came in; an
// accepted CONNECT's MTU is within the host's.
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

#include "socket/enet_guard.hpp"

namespace {
using namespace tickwire::socket;

struct Model final : GuardPeers {
  bool live = false;
  std::uint32_t mtu_ = 1375, channels_ = 4, reliable_ = 0, unreliable_ = 0;
  bool select(std::uint16_t peer_id, std::uint8_t session, Endpoint) noexcept override {
    return live && peer_id < 8 && session == 0;
  }
  std::uint32_t mtu() const noexcept override { return mtu_; }
  std::uint32_t channels() const noexcept override { return channels_; }
  std::uint32_t queued(std::uint8_t, bool reliable, std::uint32_t cap) const noexcept override {
    const std::uint32_t n = reliable ? reliable_ : unreliable_;
    return n > cap ? cap + 1 : n;
  }
  std::uint16_t next_reliable(std::uint8_t channel) const noexcept override {
    return static_cast<std::uint16_t>(channel * 257u);
  }
};

std::uint32_t be32(const std::uint8_t* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) |
         p[3];
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 8) return 0;
  Model model;
  model.live = data[0] & 1;
  GuardLimits limits;
  limits.accept_connect = data[0] & 2;
  limits.max_mtu = 576 + (data[1] % 16) * 220;
  limits.max_message_bytes = 1u << (10 + data[2] % 11);
  model.mtu_ = 500 + ((data[3] << 8) | data[4]) % 3700;  // also outside ENet's 576..4096
  model.channels_ = data[5];
  model.reliable_ = data[6] * 2u;
  model.unreliable_ = data[7] * 2u;
  // A copy the size of the datagram, so ASan sees any read past its end.
  std::vector<std::uint8_t> datagram(data + 8, data + size);
  const Endpoint from{0x0100007Fu, 5000};
  const GuardVerdict first = check_enet_datagram(datagram, from, limits, model);
  if (first.ok() && first.size > datagram.size()) std::abort();
  // Asked again about what it passed on: the same, with nothing more taken out.
  const std::span<std::uint8_t> passed(datagram.data(), first.ok() ? first.size : datagram.size());
  const GuardVerdict again = check_enet_datagram(passed, from, limits, model);
  if (first.ok() && (!again.ok() || again.connect != first.connect ||
                     again.connect_id != first.connect_id || again.size != first.size))
    std::abort();
  if (first.ok() && first.connect) {
    const std::size_t header = (datagram[0] & 0x80) ? 4 : 2;
    if (be32(datagram.data() + header + enet_wire::kConnectMtu) > limits.max_mtu) std::abort();
  }
  return 0;
}
