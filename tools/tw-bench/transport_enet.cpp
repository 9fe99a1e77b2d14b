// Bare-ENet baseline: ENet's own API, no tickwire objects. Its sockets are
// not registered with tickwire's seam, so its datagrams take the seam's plain
// pass-through (the same sendmsg/recvmsg ENet's unix backend makes).
//
// Parameters match what tickwire gives ENet with its default settings: lane
// and peer counts, MTU, size limits, ping interval, timeouts, no bandwidth
// limits, the packet throttle, and a free-callback account of queued bytes
// like tickwire's. They are read from tickwire::TransportSettings{}, so the
// baseline follows tickwire's defaults when those change.
#include <arpa/inet.h>
#include <enet/enet.h>

#include <tickwire/settings.hpp>

#include "transport_common.hpp"

namespace twbench {
namespace {

// tickwire's defaults, which the baseline copies.
const tickwire::TransportSettings& tickwire_defaults() {
  static const tickwire::TransportSettings defaults;
  return defaults;
}

std::size_t channel_count() {
  return tickwire_defaults().channels.size();
}

// enet_host_create with tickwire's lane count and bandwidth limits (none by default).
ENetHost* create_host(const ENetAddress* bind, std::size_t peers) {
  const tickwire::TransportSettings& d = tickwire_defaults();
  return enet_host_create(bind, peers, channel_count(), d.incoming_bandwidth, d.outgoing_bandwidth);
}

void configure_host(ENetHost* host) {
  const tickwire::TransportSettings& d = tickwire_defaults();
  // The same largest UDP payload as tickwire's (whose ENet MTU is this less
  // the seam's 25 bytes): both put datagrams of at most d.mtu on the wire.
  host->mtu = d.mtu;
  for (std::size_t i = 0; i < host->peerCount; ++i) {
    host->peers[i].mtu = d.mtu;
  }
  host->maximumPacketSize = d.max_message_bytes;
  host->maximumWaitingData = d.max_receive_buffer_bytes;
}

void configure_peer(ENetPeer* peer) {
  const tickwire::TransportSettings& d = tickwire_defaults();
  enet_peer_timeout(peer, kTimeoutLimit, d.idle_timeout_ms, d.idle_timeout_ms);
  enet_peer_ping_interval(peer, d.ping_interval_ms);
}

// Once connected (a command queued earlier would spoil the handshake), as
// tickwire does: with TransportSettings::enet_throttle off, the throttle is
// pinned at its maximum (full acceleration, no deceleration).
void configure_connected_peer(ENetPeer* peer) {
  if (!tickwire_defaults().enet_throttle) {
    enet_peer_throttle_configure(peer, ENET_PEER_PACKET_THROTTLE_INTERVAL,
                                 ENET_PEER_PACKET_THROTTLE_SCALE, 0);
  }
}

// Bytes handed to ENet and not yet freed by it, as tickwire's SendAccount.
struct Account {
  std::uint64_t queued = 0;
};

void release(ENetPacket* packet) {
  static_cast<Account*>(packet->userData)->queued -= packet->dataLength;
}

ENetPacket* make_packet(std::span<const std::uint8_t> data, Account* account) {
  ENetPacket* packet = enet_packet_create(data.data(), data.size(), ENET_PACKET_FLAG_RELIABLE);
  if (packet == nullptr) {
    return nullptr;
  }
  packet->userData = account;
  packet->freeCallback = &release;
  account->queued += data.size();
  return packet;
}

void serve_enet(ServerShared& shared) {
  ENetAddress bind{};
  bind.host = htonl(INADDR_LOOPBACK);
  ENetHost* host = create_host(&bind, kServerPeers);
  if (host == nullptr) {
    return shared.fail("enet_host_create failed");
  }
  configure_host(host);
  ENetAddress bound{};
  enet_socket_get_address(host->socket, &bound);
  shared.ready(bound.port);

  Account account;
  std::uint64_t bulk = 0;
  while (!shared.stop.load(std::memory_order_relaxed)) {
    bool echoed = false;
    ENetEvent event;
    while (enet_host_service(host, &event, 0) > 0) {
      if (event.type == ENET_EVENT_TYPE_CONNECT) {
        configure_peer(event.peer);
        configure_connected_peer(event.peer);
      } else if (event.type == ENET_EVENT_TYPE_RECEIVE) {
        const std::span<const std::uint8_t> data(event.packet->data, event.packet->dataLength);
        if (data.size() <= kPingBytes) {
          if (ENetPacket* pong = make_packet(data, &account)) {
            if (enet_peer_send(event.peer, 0, pong) != 0) {
              enet_packet_destroy(pong);
            }
          }
          echoed = true;
        } else {
          bulk += data.size();
          shared.bulk_bytes.store(bulk, std::memory_order_relaxed);
        }
        enet_packet_destroy(event.packet);
      }
    }
    if (echoed) {
      enet_host_flush(host);
    }
  }
  enet_host_destroy(host);
}

class EnetLink {
 public:
  EnetLink() = default;
  ~EnetLink() {
    if (peer_ != nullptr) {
      enet_peer_disconnect_now(peer_, 0);
    }
    if (host_ != nullptr) {
      enet_host_destroy(host_);
    }
  }
  EnetLink(const EnetLink&) = delete;
  EnetLink& operator=(const EnetLink&) = delete;

  bool connect(std::uint16_t port) {
    host_ = create_host(nullptr, 1);
    if (host_ == nullptr) {
      return fail("enet_host_create failed");
    }
    configure_host(host_);
    ENetAddress to{};
    to.host = htonl(INADDR_LOOPBACK);
    to.port = port;
    peer_ = enet_host_connect(host_, &to, channel_count(), 0);
    if (peer_ == nullptr) {
      return fail("enet_host_connect failed");
    }
    configure_peer(peer_);
    const std::int64_t deadline = now_ns() + kConnectTimeoutNs;
    while (now_ns() < deadline) {
      ENetEvent event;
      const int got = enet_host_service(host_, &event, 1);
      if (got < 0) {
        return fail("enet_host_service failed while connecting");
      }
      if (got > 0 && event.type == ENET_EVENT_TYPE_CONNECT) {
        configure_connected_peer(peer_);
        return true;
      }
      if (got > 0 && event.type == ENET_EVENT_TYPE_DISCONNECT) {
        peer_ = nullptr;
        return fail("the server refused the connection");
      }
    }
    return fail("connecting to 127.0.0.1:" + std::to_string(port) + " timed out after 5 s");
  }

  bool send_ping(std::span<const std::uint8_t> data) {
    if (!send_bulk(data)) {
      return false;
    }
    enet_host_flush(host_);
    return true;
  }
  bool send_bulk(std::span<const std::uint8_t> data) {
    ENetPacket* packet = make_packet(data, &account_);
    if (packet == nullptr) {
      return fail("enet_packet_create failed");
    }
    if (enet_peer_send(peer_, 0, packet) != 0) {
      enet_packet_destroy(packet);
      return fail("enet_peer_send refused the packet");
    }
    return true;
  }
  std::size_t queued_bytes() const noexcept { return account_.queued; }

  template <class F>
  bool service(F&& on_message) {
    ENetEvent event;
    int got;
    while ((got = enet_host_service(host_, &event, 0)) > 0) {
      if (event.type == ENET_EVENT_TYPE_DISCONNECT) {
        peer_ = nullptr;
        return fail("the server disconnected");
      }
      if (event.type != ENET_EVENT_TYPE_RECEIVE) {
        continue;
      }
      const bool stop =
          on_message(std::span<const std::uint8_t>(event.packet->data, event.packet->dataLength));
      enet_packet_destroy(event.packet);
      if (stop) {
        return true;
      }
    }
    return got == 0 || fail("enet_host_service failed");
  }
  const std::string& error() const noexcept { return error_; }

 private:
  bool fail(std::string why) {
    error_ = std::move(why);
    return false;
  }
  ENetHost* host_ = nullptr;
  ENetPeer* peer_ = nullptr;
  Account account_;
  std::string error_;
};

}  // namespace

bool run_enet(const PhasePlan& plan, VariantSamples& out, std::string& error) {
  return run_variant<EnetLink>(serve_enet, plan, out, error);
}

}  // namespace twbench
