#include "net/host.hpp"

#include "common/clock.hpp"

#include <arpa/inet.h>
#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstring>

#include <sodium.h>

#include "socket/seam.hpp"
#include "tickwire/version.hpp"

namespace tickwire::net {

namespace {
constexpr std::uint32_t kDisconnectMarker = 0x54570000u;  // 'T' 'W'
constexpr std::uint32_t kTimeoutLimit = 32;  // ENet's multiplier for one command's retry budget
}  // namespace

std::uint32_t connect_code(const TransportSettings& settings) noexcept {
  // FNV-1a over the protocol id and the lane kinds: peers that would
  // misread each other's lanes are refused as a protocol mismatch.
  std::uint32_t h = 2166136261u;
  auto mix = [&h](std::uint8_t byte) {
    h ^= byte;
    h *= 16777619u;
  };
  for (int i = 0; i < 8; ++i) mix(static_cast<std::uint8_t>(settings.protocol_id >> (8 * i)));
  for (ChannelKind kind : settings.channels) mix(static_cast<std::uint8_t>(kind));
  return (std::uint32_t{kWireVersion} << 24) | ((h ^ (h >> 24)) & 0xFFFFFFu);
}

DisconnectReason check_connect_code(std::uint32_t theirs, std::uint32_t ours) noexcept {
  if ((theirs >> 24) != (ours >> 24)) return DisconnectReason::VersionMismatch;
  if (theirs != ours) return DisconnectReason::ProtocolMismatch;
  return DisconnectReason::None;
}

std::uint32_t disconnect_code(DisconnectReason reason) noexcept {
  return kDisconnectMarker | static_cast<std::uint32_t>(reason);
}

DisconnectReason decode_disconnect(std::uint32_t data) noexcept {
  if (data == 0) return DisconnectReason::Timeout;
  if ((data & 0xFFFF0000u) != kDisconnectMarker) return DisconnectReason::ClosedByPeer;
  const std::uint32_t code = data & 0xFFFFu;
  if (code == 0 || code > static_cast<std::uint32_t>(DisconnectReason::ClosedLocally))
    return DisconnectReason::ClosedByPeer;
  const auto reason = static_cast<DisconnectReason>(code);
  // What one side calls closing locally, the other sees as closed by its peer.
  return reason == DisconnectReason::ClosedLocally ? DisconnectReason::ClosedByPeer : reason;
}

std::uint32_t packet_flags(ChannelKind kind) noexcept {
  switch (kind) {
    case ChannelKind::ReliableOrdered: return ENET_PACKET_FLAG_RELIABLE;
    case ChannelKind::UnreliableSequenced: return 0;  // ENet sequences unreliable packets
    case ChannelKind::Unreliable: return ENET_PACKET_FLAG_UNSEQUENCED;
  }
  return ENET_PACKET_FLAG_RELIABLE;
}

bool send_control(ENetPeer* peer, const TransportSettings& settings, Control type) {
  const auto byte = static_cast<std::uint8_t>(type);
  ENetPacket* packet = enet_packet_create(&byte, 1, ENET_PACKET_FLAG_RELIABLE);
  if (packet == nullptr) return false;
  if (enet_peer_send(peer, static_cast<std::uint8_t>(control_channel(settings)), packet) != 0) {
    enet_packet_destroy(packet);
    return false;
  }
  return true;
}

Status SendAccount::admit(std::size_t size, ChannelKind kind,
                          const TransportSettings& settings) const {
  if (queued_ + size > settings.max_queued_bytes)
    return {Errc::QueueFull, "send queue is full (max_queued_bytes)"};
  if (kind == ChannelKind::ReliableOrdered &&
      reliable_span() + size > settings.max_receive_buffer_bytes / 2)
    return {Errc::QueueFull,
            "reliable window is full: the peer could not buffer more while an earlier message "
            "is being resent (max_receive_buffer_bytes / 2)"};
  return {};
}

void SendAccount::on_queued(const ENetPacket* packet) {
  queued_ += packet->dataLength;
  if (packet->flags & ENET_PACKET_FLAG_RELIABLE) {
    reliable_.push_back(Reliable{packet, reliable_total_, false});
    reliable_total_ += packet->dataLength;
  }
}

void SendAccount::on_released(const ENetPacket* packet) {
  queued_ -= packet->dataLength;
  if (!(packet->flags & ENET_PACKET_FLAG_RELIABLE)) return;
  // Acknowledgements mostly come in order, so the packet is near the front.
  for (Reliable& r : reliable_) {
    if (r.packet == packet && !r.released) {
      r.released = true;
      break;
    }
  }
  while (!reliable_.empty() && reliable_.front().released) reliable_.pop_front();
}

namespace {
void release_account(ENetPacket* packet) {
  if (auto* account = static_cast<SendAccount*>(packet->userData)) account->on_released(packet);
}
}  // namespace

ENetPacket* make_packet(std::span<const std::uint8_t> data, ChannelKind kind,
                        SendAccount* account) {
  ENetPacket* packet = enet_packet_create(data.data(), data.size(), packet_flags(kind));
  if (packet == nullptr) return nullptr;
  packet->userData = account;
  packet->freeCallback = &release_account;
  account->on_queued(packet);
  return packet;
}

void RateMeter::sample(std::uint64_t now_us, const socket::PeerCounters& now,
                       const socket::SecureStage& stage, socket::Endpoint peer) {
  const std::uint64_t elapsed = now_us - last_us;
  if (elapsed < 1'000'000) return;
  std::uint64_t accepted = 0, newest = 0;
  if (stage.receive_tally(peer, accepted, newest)) {
    if (has_tally && newest > last_newest) {
      const double expected = static_cast<double>(newest - last_newest);
      const double got = static_cast<double>(accepted - last_accepted);
      in_loss = static_cast<float>(std::max(0.0, 1.0 - got / expected) * 100.0);
    }
    has_tally = true;
    last_accepted = accepted;
    last_newest = newest;
  }
  const float scale = 1e6f / static_cast<float>(elapsed);
  in_bytes = static_cast<float>(now.bytes_received - last.bytes_received) * scale;
  out_bytes = static_cast<float>(now.bytes_sent - last.bytes_sent) * scale;
  in_packets = static_cast<float>(now.datagrams_received - last.datagrams_received) * scale;
  out_packets = static_cast<float>(now.datagrams_sent - last.datagrams_sent) * scale;
  last = now;
  last_us = now_us;
}

ConnectionStats make_stats(const ENetPeer* peer, const socket::PeerCounters* counters,
                           const RateMeter& rates, const SendAccount& account) {
  ConnectionStats s;
  // ENet's starting figures (500 ms, no variance) are no measurement: the
  // round trip reads 0 until the handshake's or a first sample replaces them.
  const bool measured =
      peer != nullptr && (peer->roundTripTime != ENET_PEER_DEFAULT_ROUND_TRIP_TIME ||
                          peer->roundTripTimeVariance != 0);
  if (measured) {
    s.rtt_ms = static_cast<float>(peer->roundTripTime);
    s.rtt_min_ms = static_cast<float>(peer->lowestRoundTripTime);
    s.rtt_variance_ms = static_cast<float>(peer->roundTripTimeVariance);
  }
  if (peer != nullptr) {
    s.loss_pct = static_cast<float>(peer->packetLoss) * 100.0f /
                 static_cast<float>(ENET_PEER_PACKET_LOSS_SCALE);
    s.reliable_bytes_in_flight = peer->reliableDataInTransit;
    s.receive_buffer_bytes = peer->totalWaitingData;
  }
  if (counters != nullptr) {
    s.bytes_sent = counters->bytes_sent;
    s.bytes_received = counters->bytes_received;
    s.datagrams_sent = counters->datagrams_sent;
    s.datagrams_received = counters->datagrams_received;
    s.drops = counters->drops;
  }
  s.in_loss_pct = rates.in_loss;
  s.in_bytes_per_sec = rates.in_bytes;
  s.out_bytes_per_sec = rates.out_bytes;
  s.in_packets_per_sec = rates.in_packets;
  s.out_packets_per_sec = rates.out_packets;
  s.queued_bytes = static_cast<std::uint32_t>(account.queued_bytes());
  return s;
}

// ---- Host -------------------------------------------------------------------

Status Host::open(const ENetAddress* bind, std::size_t peer_count,
                  const TransportSettings& settings, std::uint32_t tracked_peers,
                  std::unique_ptr<socket::SecureStage> stage) {
  close();
  if (sodium_init() < 0) return {Errc::SocketError, "libsodium failed to initialise"};
  if (Status s = socket::ensure_seam(); !s) return s;
  settings_ = settings;
  if (Status s = conditioner_from_env(settings_.conditioner); !s) return s;
  if (Status s = settings_.conditioner.validate(); !s) return s;

  errno = 0;
  host_ = enet_host_create(bind, peer_count, settings.channels.size() + 1,
                           settings.incoming_bandwidth, settings.outgoing_bandwidth);
  if (host_ == nullptr) {
    const int err = errno;
    if (bind != nullptr && err == EADDRINUSE)
      return {Errc::AddressInUse, "UDP port " + std::to_string(bind->port) +
                                      " is already in use on " +
                                      to_string(*bind).substr(0, to_string(*bind).rfind(':'))};
    std::string what = bind ? "cannot listen on " + to_string(*bind) : "cannot open a UDP socket";
    if (err != 0) what += std::string(": ") + std::strerror(err);
    return {Errc::SocketError, what};
  }
  loss_marks_.assign(host_->peerCount, LossMark{});
  stage_ = std::move(stage);
  pipeline_ = std::make_unique<socket::Pipeline>(tracked_peers, *stage_);
  pipeline_->set_conditioner(settings_.conditioner);
  if (Status s = socket::attach(host_->socket, pipeline_.get()); !s) {
    close();
    return s;
  }
  // Bound what a remote sender can make ENet hold for reassembly and ordering.
  host_->maximumPacketSize = settings.max_message_bytes;
  host_->maximumWaitingData = settings.max_receive_buffer_bytes;
  // The seam's bytes ride inside the UDP payload: ENet must leave room for them.
  host_->mtu = settings.mtu - pipeline_->overhead();
  for (std::size_t i = 0; i < host_->peerCount; ++i) host_->peers[i].mtu = host_->mtu;
  // Every opened datagram passes the ENet command guard before ENet parses it.
  socket::GuardLimits guard;
  guard.max_message_bytes = settings.max_message_bytes;
  guard.accept_connect = bind != nullptr;
  guard.max_mtu = host_->mtu;
  pipeline_->set_guard(host_, guard);
  direct_.open(host_, pipeline_.get(), settings_);
  pipeline_->set_direct_sink(&direct_);
  return open_capture(bind != nullptr);
}

Status Host::open_capture(bool server) {
  const std::string path = trace::capture_path(settings_.capture_path);
  if (path.empty()) return {};
  ENetAddress local{};
  if (!server) {
    // A client's socket gets its port from the first send; the trace names
    // it from the first record, so take one now (what that send would do).
    local.host = ENET_HOST_ANY;
    local.port = 0;
    enet_socket_bind(host_->socket, &local);
  }
  enet_socket_get_address(host_->socket, &local);
  capture_ = std::make_unique<trace::CaptureWriter>();
  if (Status s = capture_->open(
          path, settings_.capture_max_bytes, server ? "server" : "client", settings_.protocol_id,
          {local.host, local.port}, monotonic_us(), unix_us(),
          [](const std::string& line) { std::fprintf(stderr, "tickwire: %s\n", line.c_str()); });
      !s) {
    close();
    return s;
  }
  pipeline_->set_capture(capture_.get());
  return {};
}

void Host::close() noexcept {
  if (host_ != nullptr) {
    const ENetSocket fd = host_->socket;
    enet_host_destroy(host_);  // resets peers: packet free callbacks run here
    socket::detach(fd);
    host_ = nullptr;
  }
  direct_.close();
  pipeline_.reset();
  stage_.reset();    // wipes the session keys
  capture_.reset();  // flushes and closes the trace
}

void Host::configure_peer(ENetPeer* peer) const noexcept {
  enet_peer_timeout(peer, kTimeoutLimit, settings_.idle_timeout_ms, settings_.idle_timeout_ms);
  enet_peer_ping_interval(peer, settings_.ping_interval_ms);
}

void Host::configure_connected_peer(ENetPeer* peer) const noexcept {
  if (!settings_.enet_throttle) {
    // Full speed, never decelerate: the throttle stays at its maximum.
    enet_peer_throttle_configure(peer, ENET_PEER_PACKET_THROTTLE_INTERVAL,
                                 ENET_PEER_PACKET_THROTTLE_SCALE, 0);
  }
}

void Host::cap_retransmit_timeouts() noexcept {
  for (std::size_t i = 0; i < host_->peerCount; ++i) {
    ENetPeer& peer = host_->peers[i];
    if (peer.state != ENET_PEER_STATE_CONNECTED || enet_list_empty(&peer.sentReliableCommands))
      continue;
    // ENet doubles a timeout only where it counts a loss (packetsLost, which
    // it zeroes when a loss epoch starts), and a first timeout (RTT + 4
    // variance) is never above the cap: a peer with no loss counted since the
    // last walk has nothing to cap.
    LossMark& mark = loss_marks_[i];
    if (peer.packetsLost == mark.lost && peer.packetLossEpoch == mark.epoch) continue;
    mark = LossMark{peer.packetsLost, peer.packetLossEpoch};
    const std::uint32_t cap = std::max(settings_.retransmit_cap_ms,
                                       2 * peer.roundTripTime + 4 * peer.roundTripTimeVariance);
    for (ENetListIterator it = enet_list_begin(&peer.sentReliableCommands);
         it != enet_list_end(&peer.sentReliableCommands); it = enet_list_next(it)) {
      auto* command = reinterpret_cast<ENetOutgoingCommand*>(it);
      if (command->roundTripTimeout > cap) command->roundTripTimeout = cap;
    }
    // ENet checks for retransmits only once the front command is due.
    const auto* front =
        reinterpret_cast<const ENetOutgoingCommand*>(enet_list_front(&peer.sentReliableCommands));
    const std::uint32_t due = front->sentTime + front->roundTripTimeout;
    if (ENET_TIME_LESS(due, peer.nextTimeout)) peer.nextTimeout = due;
  }
}

void Host::service(std::uint64_t now_us) {
  if (host_ == nullptr) return;
  pipeline_->pump(now_us);
  direct_.begin_update();
  direct_.flush();
  if (quiet(now_us)) return;
  last_service_ms_ = now_us / 1000;
  enet_queued_ = false;
  cap_retransmit_timeouts();
  // ENet reads at most 256 datagrams per service; keep going while the
  // socket still has more, within reason.
  for (int round = 0; round < 16; ++round) {
    enet_host_service(host_, nullptr, 0);
    if (!pipeline_->more_to_read()) break;
  }
}

bool Host::quiet(std::uint64_t now_us) {
  // ENet keeps time in milliseconds: within the millisecond of its last
  // service, with nothing queued for it since and nothing to read, a service
  // would only walk its peers (ENet's timers move on the next millisecond).
  // The direct lane's datagrams are taken here, without ENet.
  if (now_us / 1000 != last_service_ms_ || enet_queued_ || pipeline_->incoming().active())
    return false;
  // What arrived may all be the direct lane's, which needs no ENet.
  return !pipeline_->read_direct();
}

bool Host::wait(std::uint32_t timeout_ms) {
  if (host_ == nullptr) return false;
  std::uint64_t limit_us = std::uint64_t{timeout_ms} * 1000;
  const std::uint64_t now = monotonic_us();
  for (const socket::Conditioner* held : {&pipeline_->incoming(), &pipeline_->outgoing()}) {
    std::uint64_t due = 0;
    if (held->next_due(due)) limit_us = std::min(limit_us, due > now ? due - now : 0);
  }
  if (limit_us == 0) return true;
  const socket::DatagramIo* io = pipeline_->io();
  // Datagrams already taken from the socket would not wake a poll.
  if (io != nullptr && io->pending()) return true;
  // An I/O without a descriptor (an in-memory link) cannot be waited on.
  const int fd = io != nullptr ? io->wait_fd() : -1;
  if (fd < 0) return true;
  pollfd p{fd, POLLIN, 0};
  const int ms = static_cast<int>((limit_us + 999) / 1000);
  int r;
  do {
    r = ::poll(&p, 1, ms);
  } while (r < 0 && errno == EINTR);
  return r > 0;
}

void Host::flush() {
  if (host_ == nullptr) return;
  pipeline_->pump(monotonic_us());
  direct_.flush();
  enet_host_flush(host_);
  enet_queued_ = false;
}

Status Host::set_conditioner(const LinkConditionerSettings& settings) {
  if (Status s = settings.validate(); !s) return s;
  if (host_ == nullptr) return {Errc::NotRunning, "set_conditioner: the host is not open"};
  settings_.conditioner = settings;
  pipeline_->set_conditioner(settings);
  return {};
}

HostStats Host::stats() const {
  HostStats s;
  if (host_ == nullptr) return s;
  s.seam_datagrams_sent = pipeline_->seam_sent();
  s.seam_datagrams_received = pipeline_->seam_received();
  s.enet_datagrams_sent = host_->totalSentPackets;
  s.enet_datagrams_received = host_->totalReceivedPackets;
  s.wire_datagrams_sent = pipeline_->wire_sent();
  s.wire_datagrams_received = pipeline_->wire_received();
  s.direct_datagrams_sent = pipeline_->direct_sent();
  s.direct_datagrams_received = pipeline_->direct_received();
  s.drops = pipeline_->drops();
  return s;
}

}  // namespace tickwire::net
