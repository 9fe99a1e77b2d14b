// The bare-ENet baseline of `tw-bench server`: ENet's own API, no tickwire
// objects, so no encryption and no replication. Its sockets are not
// registered with tickwire's seam, so its datagrams take the seam's plain
// pass-through (the sendmsg/recvmsg of ENet's unix backend).
//
// It runs ENet as tickwire's Server and Client do with default settings
// (read from tickwire::TransportSettings{}, as transport_enet.cpp does): the
// same peer count, lane count (tickwire's lanes plus its control lane),
// largest datagram, size limits, ping interval, timeouts, pinned throttle and
// a free-callback account of queued bytes; the server reads datagrams as
// tickwire's does (enet_host_service without an event, again while ENet
// stopped at its 256-datagram cap rather than on an empty socket, then
// enet_host_check_events).
#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <thread>

#include "server_fleets.hpp"
#include "transport_common.hpp"

namespace twbench {

namespace {

constexpr std::int64_t kStartTimeoutNs = 15'000'000'000;
constexpr std::uint8_t kSnapshotLane = 1;  // tickwire::kChannelSequenced: unreliable, sequenced
constexpr std::uint8_t kAckLane = 2;       // tickwire::kChannelUnreliable: unsequenced
// ENet 1.3 reads at most this many datagrams per enet_host_service
// (enet_protocol_receive_incoming_commands); tickwire's Host::service calls it
// up to kServiceRounds times while ENet stopped there (engine/src/net/host.cpp).
constexpr std::uint32_t kEnetReadsPerService = 256;
constexpr std::uint32_t kServiceRounds = 16;

const tickwire::TransportSettings& defaults() {
  static const tickwire::TransportSettings settings;
  return settings;
}

std::size_t lane_count() {
  return defaults().channels.size() + 1;  // tickwire's host adds a control lane
}

ENetHost* create_host(const ENetAddress* bind, std::size_t peers) {
  const tickwire::TransportSettings& d = defaults();
  ENetHost* host =
      enet_host_create(bind, peers, lane_count(), d.incoming_bandwidth, d.outgoing_bandwidth);
  if (host == nullptr) return nullptr;
  // tickwire's datagrams are at most d.mtu on the wire (its ENet MTU is this
  // less the seam's overhead); the baseline's are at most d.mtu too.
  host->mtu = d.mtu;
  for (std::size_t i = 0; i < host->peerCount; ++i) host->peers[i].mtu = d.mtu;
  host->maximumPacketSize = d.max_message_bytes;
  host->maximumWaitingData = d.max_receive_buffer_bytes;
  return host;
}

void configure_peer(ENetPeer* peer) {
  const tickwire::TransportSettings& d = defaults();
  enet_peer_timeout(peer, kTimeoutLimit, d.idle_timeout_ms, d.idle_timeout_ms);
  enet_peer_ping_interval(peer, d.ping_interval_ms);
}

// Once connected, as tickwire does: with enet_throttle off (the default) the
// throttle stays at its maximum, so no unreliable packet is dropped by it.
void configure_connected_peer(ENetPeer* peer) {
  if (!defaults().enet_throttle) {
    enet_peer_throttle_configure(peer, ENET_PEER_PACKET_THROTTLE_INTERVAL,
                                 ENET_PEER_PACKET_THROTTLE_SCALE, 0);
  }
}

}  // namespace

std::uint32_t tickwire_server_peers(std::uint32_t max_clients) {
  const std::uint32_t spare = std::min(
      16 + max_clients / 8, tickwire::kMaxPeers - std::min(max_clients, tickwire::kMaxPeers));
  return max_clients + spare;
}

EnetFleet::EnetFleet(std::uint32_t clients) : clients_(clients) {}

EnetFleet::~EnetFleet() {
  for (Peer& p : peers_) {
    if (p.to_server != nullptr) enet_peer_disconnect_now(p.to_server, 0);
    if (p.host != nullptr) enet_host_destroy(p.host);
  }
  if (server_ != nullptr) enet_host_destroy(server_);  // frees queued packets: account_ lives on
}

bool EnetFleet::start(std::string& error) {
  ENetAddress bind{};
  bind.host = htonl(INADDR_LOOPBACK);
  server_ = create_host(&bind, tickwire_server_peers(clients_));
  if (server_ == nullptr) {
    error = "enet_host_create failed for the baseline server";
    return false;
  }
  ENetAddress to{};
  enet_socket_get_address(server_->socket, &to);
  to.host = htonl(INADDR_LOOPBACK);
  peers_.resize(clients_);
  for (std::uint32_t i = 0; i < clients_; ++i) {
    Peer& p = peers_[i];
    p.host = create_host(nullptr, 1);
    if (p.host == nullptr) {
      error = "enet_host_create failed for baseline client " + std::to_string(i);
      return false;
    }
    p.to_server = enet_host_connect(p.host, &to, lane_count(), i + 1);  // data: index + 1
    if (p.to_server == nullptr) {
      error = "enet_host_connect failed for baseline client " + std::to_string(i);
      return false;
    }
    configure_peer(p.to_server);
  }
  const std::int64_t deadline = now_ns() + kStartTimeoutNs;
  std::uint32_t both_sides = 0;
  while (now_ns() < deadline) {
    ENetEvent e;
    while (enet_host_service(server_, &e, 0) > 0) {
      if (e.type == ENET_EVENT_TYPE_CONNECT && e.data >= 1 && e.data <= clients_) {
        configure_peer(e.peer);
        configure_connected_peer(e.peer);
        peers_[e.data - 1].from_server = e.peer;
      } else if (e.type == ENET_EVENT_TYPE_RECEIVE) {
        enet_packet_destroy(e.packet);
      }
    }
    both_sides = 0;
    for (std::uint32_t i = 0; i < clients_; ++i) {
      Peer& p = peers_[i];
      while (enet_host_service(p.host, &e, 0) > 0) {
        if (e.type == ENET_EVENT_TYPE_CONNECT) {
          configure_connected_peer(p.to_server);
          p.connected = true;
        } else if (e.type == ENET_EVENT_TYPE_DISCONNECT) {
          p.to_server = nullptr;
          error = "baseline client " + std::to_string(i) + " could not connect";
          return false;
        } else if (e.type == ENET_EVENT_TYPE_RECEIVE) {
          enet_packet_destroy(e.packet);
        }
      }
      if (p.connected && p.from_server != nullptr) ++both_sides;
    }
    if (both_sides == clients_) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  error = "only " + std::to_string(both_sides) + " of " + std::to_string(clients_) +
          " baseline ENet clients connected within 15 s";
  return false;
}

bool EnetFleet::tick(std::span<const std::uint32_t> sizes, TickTimes& times, std::string& error) {
  const std::uint32_t largest = sizes.empty() ? 0 : *std::max_element(sizes.begin(), sizes.end());
  if (payload_.size() < largest) payload_.resize(largest, 0xA5);
  bool lost = false;
  bool refused = false;
  const std::int64_t t0 = now_ns();
  // One enet_host_service reads at most kEnetReadsPerService datagrams; with
  // hundreds of clients more arrive per frame (an ack each, pings, their
  // ACKs), so a single call falls behind until the socket's buffer overflows,
  // drops ACKs of reliable pings and ENet times the peers out. As tickwire's
  // Host::service does: service again while a call stopped at the cap.
  for (std::uint32_t round = 0; round < kServiceRounds; ++round) {
    const enet_uint32 before = server_->totalReceivedPackets;
    enet_host_service(server_, nullptr, 0);
    if (server_->totalReceivedPackets - before < kEnetReadsPerService) break;
  }
  ENetEvent e;
  while (enet_host_check_events(server_, &e) > 0) {
    if (e.type == ENET_EVENT_TYPE_RECEIVE) {
      if (e.packet->dataLength == kAckBytes) ++acks_;
      enet_packet_destroy(e.packet);
    } else if (e.type == ENET_EVENT_TYPE_DISCONNECT) {
      lost = true;
    }
  }
  const std::int64_t t1 = now_ns();
  for (std::size_t i = 0; i < peers_.size() && i < sizes.size(); ++i) {
    if (sizes[i] == 0) continue;
    ENetPacket* packet = enet_packet_create(payload_.data(), sizes[i], 0);
    if (packet == nullptr) {
      refused = true;
      continue;
    }
    packet->userData = &account_;
    packet->freeCallback = [](ENetPacket* freed) {
      static_cast<Account*>(freed->userData)->queued -= freed->dataLength;
    };
    account_.queued += sizes[i];
    if (enet_peer_send(peers_[i].from_server, kSnapshotLane, packet) != 0) {
      enet_packet_destroy(packet);
      refused = true;
    }
  }
  const std::int64_t t2 = now_ns();
  enet_host_flush(server_);
  const std::int64_t t3 = now_ns();
  times = TickTimes{t1 - t0, 0, 0, t2 - t1, t3 - t2, t3 - t0};
  if (lost) {
    error = "a baseline ENet client disconnected";
  } else if (refused) {
    error = "the baseline ENet server could not queue a packet";
  } else {
    return true;
  }
  return false;
}

bool EnetFleet::pump(std::string& error) {
  static constexpr std::array<std::uint8_t, kAckBytes> kAck{1, 0, 0, 0};
  for (std::uint32_t i = 0; i < clients_; ++i) {
    Peer& p = peers_[i];
    ENetEvent e;
    int got = 0;
    while ((got = enet_host_service(p.host, &e, 0)) > 0) {
      if (e.type == ENET_EVENT_TYPE_RECEIVE) {
        ++p.got;
        ++received_;
        enet_packet_destroy(e.packet);
      } else if (e.type == ENET_EVENT_TYPE_DISCONNECT) {
        p.to_server = nullptr;
        error = "baseline client " + std::to_string(i) + " was disconnected";
        return false;
      }
    }
    if (got < 0) {
      error = "enet_host_service failed on baseline client " + std::to_string(i);
      return false;
    }
    if (p.got == 0) continue;
    ENetPacket* ack = enet_packet_create(kAck.data(), kAck.size(), ENET_PACKET_FLAG_UNSEQUENCED);
    if (ack == nullptr || enet_peer_send(p.to_server, kAckLane, ack) != 0) {
      if (ack != nullptr) enet_packet_destroy(ack);
      error = "baseline client " + std::to_string(i) + " could not send its ack";
      return false;
    }
    enet_host_flush(p.host);
  }
  return true;
}

}  // namespace twbench
