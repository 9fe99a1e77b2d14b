// What Server and Client share: an ENet host beneath a seam Pipeline, the
// connect and disconnect codes, per-connection accounting and stats.
// Internal to the engine.
#pragma once

#include <enet/enet.h>
#include <enet/time.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "net/direct_lane.hpp"
#include "socket/address.hpp"
#include "socket/pipeline.hpp"
#include "tickwire/event.hpp"
#include "tickwire/settings.hpp"
#include "tickwire/stats.hpp"
#include "tickwire/status.hpp"

namespace tickwire::net {

// ENet's 32-bit connect data: [wire version:8][hash of protocol id and channel layout:24].
std::uint32_t connect_code(const TransportSettings& settings) noexcept;
// Checks a peer's connect code against ours: None when it matches.
DisconnectReason check_connect_code(std::uint32_t theirs, std::uint32_t ours) noexcept;

// ENet's 32-bit disconnect data: 'T''W' marker in the high half, the reason in the low.
std::uint32_t disconnect_code(DisconnectReason reason) noexcept;
// Reads the reason a peer gave. ENet reports 0 for a timeout.
DisconnectReason decode_disconnect(std::uint32_t data) noexcept;

// Every connection has one more ENet channel than the game's lanes: the
// control lane (the last), reliable, for the engine's own messages.
inline std::size_t control_channel(const TransportSettings& settings) noexcept {
  return settings.channels.size();
}
// Control messages: one type byte, then the body.
enum class Control : std::uint8_t {
  Welcome = 1,  // server -> client: accepted; the client reports Connected
};
// Queues a control message to `peer` on the control lane.
bool send_control(ENetPeer* peer, const TransportSettings& settings, Control type);

// ENet packet flags for a lane's kind.
std::uint32_t packet_flags(ChannelKind kind) noexcept;

using socket::endpoint_of;
using socket::resolve;
using socket::to_string;

// What one connection has sent and ENet has not yet released. ENet calls a
// packet's free callback when it is done with it: a reliable packet once
// acknowledged, an unreliable one once sent, any on a reset.
//
// The reliable span guards against a deadlock in ENet: the receiver holds
// acknowledged messages behind a missing one, and once it holds
// maximumWaitingData it refuses every new message, the missing one included.
// So the sender keeps the bytes sent reliably since its oldest unacknowledged
// reliable message under half the receiver's buffer.
class SendAccount {
 public:
  [[nodiscard]] std::uint64_t queued_bytes() const noexcept { return queued_; }
  // Reliable bytes from the oldest unacknowledged reliable message on.
  [[nodiscard]] std::uint64_t reliable_span() const noexcept {
    return reliable_.empty() ? 0 : reliable_total_ - reliable_.front().start;
  }
  // Whether `size` more bytes fit under the settings' limits.
  [[nodiscard]] Status admit(std::size_t size, ChannelKind kind,
                             const TransportSettings& settings) const;
  void on_queued(const ENetPacket* packet);
  void on_released(const ENetPacket* packet);

 private:
  struct Reliable {
    const ENetPacket* packet;
    std::uint64_t start;  // reliable_total_ when it was queued
    bool released;
  };
  std::uint64_t queued_ = 0;
  std::uint64_t reliable_total_ = 0;
  std::deque<Reliable> reliable_;  // in send order; released ones leave from the front
};

// Copies `data` into a new ENet packet charged to `account`. Null on failure.
ENetPacket* make_packet(std::span<const std::uint8_t> data, ChannelKind kind, SendAccount* account);

// Per-connection rates over the last second, from the seam's counters.
struct RateMeter {
  std::uint64_t last_us = 0;
  socket::PeerCounters last{};
  float in_bytes = 0, out_bytes = 0, in_packets = 0, out_packets = 0;
  float in_loss = 0;  // percent of the peer's datagrams that did not arrive
  bool has_tally = false;
  std::uint64_t last_accepted = 0, last_newest = 0;

  void reset(std::uint64_t now_us) { *this = RateMeter{now_us}; }
  // Once a second: rates from the seam's counters, incoming loss from the
  // secure stage's tally of the peer's session.
  void sample(std::uint64_t now_us, const socket::PeerCounters& now,
              const socket::SecureStage& stage, socket::Endpoint peer);
};

ConnectionStats make_stats(const ENetPeer* peer, const socket::PeerCounters* counters,
                           const RateMeter& rates, const SendAccount& account);

// An ENet host whose socket is registered with the seam.
class Host {
 public:
  Host() = default;
  ~Host() { close(); }
  Host(const Host&) = delete;
  Host& operator=(const Host&) = delete;

  // `bind` null for a client. `peer_count` ENet peers, `channels` lanes.
  // `stage` seals and opens every datagram of the host's socket.
  Status open(const ENetAddress* bind, std::size_t peer_count, const TransportSettings& settings,
              std::uint32_t tracked_peers, std::unique_ptr<socket::SecureStage> stage);
  void close() noexcept;
  [[nodiscard]] bool is_open() const noexcept { return host_ != nullptr; }

  // Applies timeouts, ping interval and MTU to a peer.
  void configure_peer(ENetPeer* peer) const noexcept;
  // What needs a command to the peer (the throttle): only once ENet reports
  // it connected, since a command queued earlier would spoil the handshake.
  void configure_connected_peer(ENetPeer* peer) const noexcept;
  // Sends the direct lane's pending datagrams and due datagrams, then
  // services ENet until the socket is drained;
  // `now_us` is the update's clock (monotonic_us()), read once by the caller.
  // Within the millisecond of the last service, with nothing to read and
  // nothing queued for ENet since (note_enet_queued()), ENet is not serviced.
  void service(std::uint64_t now_us);
  // The game queued something with ENet (a send, a disconnect): the next
  // service() must not skip ENet.
  void note_enet_queued() noexcept { enet_queued_ = true; }
  void flush();
  // Blocks until a datagram can be read or `timeout_ms` passes, but not past
  // the moment the link conditioner releases a held datagram. True when
  // update() has something to read.
  bool wait(std::uint32_t timeout_ms);
  Status set_conditioner(const LinkConditionerSettings& settings);

  [[nodiscard]] HostStats stats() const;
  [[nodiscard]] ENetHost* enet() const noexcept { return host_; }
  [[nodiscard]] socket::Pipeline& pipeline() noexcept { return *pipeline_; }
  // The capture writer, when this host records a trace; nullptr otherwise.
  [[nodiscard]] trace::CaptureWriter* capture() noexcept { return capture_.get(); }
  [[nodiscard]] const socket::SecureStage& stage() const noexcept { return *stage_; }
  [[nodiscard]] const socket::Pipeline& pipeline() const noexcept { return *pipeline_; }
  [[nodiscard]] const TransportSettings& settings() const noexcept { return settings_; }
  [[nodiscard]] DirectLane& direct() noexcept { return direct_; }

 private:
  // Opens the capture file the settings or TICKWIRE_CAPTURE name, if any.
  Status open_capture(bool server);
  // Clamps ENet's doubling retransmit timeouts (settings.retransmit_cap_ms).
  void cap_retransmit_timeouts() noexcept;
  // Whether service() may leave ENet alone this time (see service()).
  bool quiet(std::uint64_t now_us);
  std::uint64_t last_service_ms_ = ~std::uint64_t{0};
  bool enet_queued_ = false;

  // Per ENet peer, ENet's loss count and epoch when its retransmit timeouts
  // were last walked.
  struct LossMark {
    std::uint32_t lost = 0;
    std::uint32_t epoch = 0;
  };
  std::vector<LossMark> loss_marks_;

  ENetHost* host_ = nullptr;
  std::unique_ptr<trace::CaptureWriter> capture_;  // outlives the pipeline that writes to it
  std::unique_ptr<socket::SecureStage> stage_;     // outlives the pipeline that refers to it
  std::unique_ptr<socket::Pipeline> pipeline_;
  DirectLane direct_;
  TransportSettings settings_;
};

}  // namespace tickwire::net
