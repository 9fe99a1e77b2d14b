#include "tickwire/client.hpp"

#include <optional>

#include "net/host.hpp"
#include "secure/client_security.hpp"
#include "secure/suites.hpp"

namespace tickwire {

namespace {
constexpr std::uint64_t kDisconnectGraceUs = 1'000'000;  // wait this long for the server's ack

DisconnectReason reason_for(secure::DenyReason deny) {
  switch (deny) {
    case secure::DenyReason::TokenInvalid: return DisconnectReason::TokenInvalid;
    case secure::DenyReason::TokenExpired: return DisconnectReason::TokenExpired;
    case secure::DenyReason::WrongServer: return DisconnectReason::WrongServer;
    case secure::DenyReason::TokenInUse: return DisconnectReason::TokenInUse;
    case secure::DenyReason::ServerFull: return DisconnectReason::ServerFull;
    case secure::DenyReason::ProtocolMismatch: return DisconnectReason::ProtocolMismatch;
    case secure::DenyReason::VersionMismatch: return DisconnectReason::VersionMismatch;
    case secure::DenyReason::AddressLimit: return DisconnectReason::AddressLimit;
    case secure::DenyReason::CipherMismatch: return DisconnectReason::CipherMismatch;
  }
  return DisconnectReason::TokenInvalid;
}

// The token's public part, checked against what this client is about to do.
Status check_token(const ClientSettings& settings, const ENetAddress& server,
                   std::string_view server_text, secure::PublicToken& out) {
  if (settings.token.empty())
    return {Errc::TokenInvalid,
            "no connect token: set ClientSettings::token (from the game's "
            "backend, tw-token, or make_room_token)"};
  if (!secure::parse_public(settings.token.bytes, out))
    return {Errc::TokenInvalid, "the connect token is malformed"};
  if (out.protocol_id != settings.protocol_id)
    return {Errc::TokenInvalid,
            "the connect token is for another game or version (its protocol id differs from "
            "ClientSettings::protocol_id)"};
  if (out.expires_unix_s <= unix_seconds())
    return {Errc::TokenExpired, "the connect token has expired"};
  for (std::size_t i = 0; i < out.server_count; ++i)
    if (out.servers[i] == net::endpoint_of(server)) return {};
  return {Errc::WrongServer, "the connect token is not valid for " + std::string(server_text) +
                                 " (" + net::to_string(server) + ")"};
}
}  // namespace

struct Client::Impl {
  ClientSettings settings;
  net::Host host;
  ENetPeer* peer = nullptr;
  socket::Endpoint endpoint;
  secure::ClientSecurity* security = nullptr;  // owned by host
  ClientState state = ClientState::Disconnected;
  DisconnectReason reason = DisconnectReason::None;
  std::uint64_t deadline_us = 0;  // connect timeout, or the end of a graceful disconnect
  net::SendAccount account;
  net::RateMeter rates;
  ENetPacket* held = nullptr;
  ENetPacket* early = nullptr;  // a game message that arrived before the welcome
  std::uint8_t early_channel = 0;
  // A direct-lane message that arrived before the welcome (copied: the
  // lane's storage turns over at the next update()).
  std::vector<std::uint8_t> early_direct;
  bool has_early_direct = false;
  std::optional<Event> synthetic;

  // The server accepted us: report Connected.
  Event accepted() {
    state = ClientState::Connected;
    return Event{EventType::Connected, 0, 0, DisconnectReason::None, {}};
  }
  Event message(ENetPacket* packet, std::uint8_t channel) {
    held = packet;
    return Event{EventType::Message, 0, channel, DisconnectReason::None,
                 std::span<const std::uint8_t>(packet->data, packet->dataLength)};
  }

  void release_held() {
    if (held != nullptr) {
      enet_packet_destroy(held);
      held = nullptr;
    }
  }
  void release_all() {
    release_held();
    has_early_direct = false;
    if (early != nullptr) {
      enet_packet_destroy(early);
      early = nullptr;
    }
  }
  // Ends the connection without waiting and reports `why` through poll().
  void end(DisconnectReason why) {
    release_all();
    if (peer != nullptr) enet_peer_reset(peer);
    finish(why);
    synthetic = Event{EventType::Disconnected, 0, 0, why, {}};
  }
  // The direct lane's messages, after ENet's events.
  bool poll_direct(Event& event) {
    net::DirectLane::Inbound in;
    while (host.direct().next(in)) {
      const bool ours = peer != nullptr && in.connect_id == peer->connectID;
      if (ours && state == ClientState::Connecting && early == nullptr && !has_early_direct) {
        // As on ENet's lanes: the server sends only to clients it accepted.
        early_direct.assign(in.message.begin(), in.message.end());
        early_channel = in.channel;
        has_early_direct = true;
        event = accepted();
        return true;
      }
      // An earlier connection's, or one that is ending: dropped, as ENet
      // drops what it still held for them.
      if (!ours || state != ClientState::Connected) continue;
      event = Event{EventType::Message, 0, in.channel, DisconnectReason::None, in.message};
      return true;
    }
    return false;
  }
  void finish(DisconnectReason why) {
    if (host.is_open()) host.pipeline().peers().erase(endpoint);
    state = ClientState::Disconnected;
    reason = why;
  }
};

Client::Client() : impl_(std::make_unique<Impl>()) {}
Client::~Client() {
  if (!impl_) return;
  Impl& m = *impl_;
  m.release_all();
  if (m.peer != nullptr && m.state == ClientState::Connected) {
    enet_peer_disconnect_now(m.peer, net::disconnect_code(DisconnectReason::ClosedLocally));
  }
  m.host.close();
}
Client::Client(Client&&) noexcept = default;
Client& Client::operator=(Client&&) noexcept = default;

Status Client::connect(std::string_view server, const ClientSettings& settings) {
  Impl& m = *impl_;
  if (Status s = settings.validate(); !s) return s;
  ENetAddress address{};
  if (Status s = net::resolve(server, kDefaultPort, address); !s) return s;
  secure::PublicToken token;
  if (Status s = check_token(settings, address, server, token); !s) return s;

  m.release_all();
  if (m.peer != nullptr && m.state == ClientState::Connected)
    enet_peer_disconnect_now(m.peer, net::disconnect_code(DisconnectReason::ClosedLocally));
  m.peer = nullptr;
  m.synthetic.reset();
  m.state = ClientState::Disconnected;
  if (sodium_init() < 0) return {Errc::SocketError, "libsodium failed to initialise"};
  std::uint8_t suites = 0;
  if (Status s = secure::allowed_suites(settings, suites); !s) return s;
  auto stage = std::make_unique<secure::ClientSecurity>(token, net::endpoint_of(address), suites);
  m.security = stage.get();
  if (Status s = m.host.open(nullptr, 1, settings, 1, std::move(stage)); !s) {
    m.security = nullptr;
    return s;
  }
  m.settings = settings;
  m.peer = enet_host_connect(m.host.enet(), &address, settings.channels.size() + 1,
                             net::connect_code(settings));
  if (m.peer == nullptr) {
    m.host.close();
    m.security = nullptr;
    return {Errc::OutOfMemory, "ENet could not start a connection"};
  }
  m.host.configure_peer(m.peer);
  m.endpoint = net::endpoint_of(address);
  // The socket talks to this server only: the kernel keeps the route, and
  // drops datagrams from anyone else before the seam sees them.
  if (m.host.pipeline().io() != nullptr) m.host.pipeline().io()->connect(m.endpoint);
  m.host.pipeline().peers().insert(m.endpoint);
  m.rates.reset(monotonic_us());
  m.state = ClientState::Connecting;
  m.reason = DisconnectReason::None;
  m.deadline_us = monotonic_us() + std::uint64_t{settings.connect_timeout_ms} * 1000;
  m.host.flush();  // the CONNECT leaves now, not at the next update()
  return {};
}

void Client::disconnect() {
  Impl& m = *impl_;
  if (m.peer == nullptr) return;
  if (m.state == ClientState::Connecting) {
    m.end(DisconnectReason::ClosedLocally);
  } else if (m.state == ClientState::Connected) {
    enet_peer_disconnect(m.peer, net::disconnect_code(DisconnectReason::ClosedLocally));
    m.host.flush();
    m.state = ClientState::Disconnecting;
    m.deadline_us = monotonic_us() + kDisconnectGraceUs;
  }
}

ClientState Client::state() const noexcept {
  return impl_->state;
}
DisconnectReason Client::disconnect_reason() const noexcept {
  return impl_->reason;
}

void Client::update() {
  Impl& m = *impl_;
  m.release_held();
  if (!m.host.is_open()) return;
  const std::uint64_t now = monotonic_us();  // the one clock read of this update
  m.host.service(now);
  if (m.state == ClientState::Connecting &&
      m.security->state() == secure::ClientSecurity::State::Denied) {
    m.end(reason_for(m.security->denied()));
  } else if (m.state == ClientState::Connecting && now >= m.deadline_us) {
    m.end(DisconnectReason::Timeout);
  } else if (m.state == ClientState::Disconnecting && now >= m.deadline_us) {
    m.end(DisconnectReason::ClosedLocally);
  } else if (m.state == ClientState::Connected) {
    if (const socket::PeerCounters* c = m.host.pipeline().peers().find(m.endpoint))
      m.rates.sample(now, *c, m.host.stage(), m.endpoint);
  }
}

bool Client::poll(Event& event) {
  Impl& m = *impl_;
  m.release_held();
  if (m.synthetic) {
    event = *m.synthetic;
    m.synthetic.reset();
    return true;
  }
  if (m.early != nullptr && m.state == ClientState::Connected) {
    event = m.message(m.early, m.early_channel);
    m.early = nullptr;
    return true;
  }
  if (m.has_early_direct && m.state == ClientState::Connected) {
    m.has_early_direct = false;
    event = Event{EventType::Message, 0, m.early_channel, DisconnectReason::None, m.early_direct};
    return true;
  }
  if (!m.host.is_open()) return false;
  const std::size_t control = net::control_channel(m.settings);
  ENetEvent e;
  while (enet_host_check_events(m.host.enet(), &e) > 0) {
    switch (e.type) {
      case ENET_EVENT_TYPE_CONNECT:
        // ENet's handshake is done, but the server may still refuse us
        // (full, mismatch): Connected waits for its welcome.
        m.host.configure_connected_peer(m.peer);
        m.host.note_enet_queued();
        continue;
      case ENET_EVENT_TYPE_DISCONNECT: {
        if (m.state == ClientState::Disconnected) continue;
        const DisconnectReason why = m.state == ClientState::Disconnecting
                                         ? DisconnectReason::ClosedLocally
                                         : net::decode_disconnect(e.data);
        m.release_all();
        m.finish(why);
        event = Event{EventType::Disconnected, 0, 0, why, {}};
        return true;
      }
      case ENET_EVENT_TYPE_RECEIVE:
        if (e.channelID == control) {
          const bool welcome =
              e.packet->dataLength >= 1 &&
              e.packet->data[0] == static_cast<std::uint8_t>(net::Control::Welcome);
          enet_packet_destroy(e.packet);
          if (welcome && m.state == ClientState::Connecting) {
            event = m.accepted();
            return true;
          }
          continue;
        }
        if (m.state == ClientState::Connecting && m.early == nullptr) {
          // The server only sends to clients it accepted, so a game message
          // is a welcome too (its own welcome may have been lost and resent).
          m.early = e.packet;
          m.early_channel = e.channelID;
          event = m.accepted();
          return true;
        }
        if (m.state != ClientState::Connected) {
          enet_packet_destroy(e.packet);
          continue;
        }
        event = m.message(e.packet, e.channelID);
        return true;
      case ENET_EVENT_TYPE_NONE: break;
    }
  }
  return m.poll_direct(event);
}

void Client::flush() {
  impl_->host.flush();
}

bool Client::wait(std::uint32_t timeout_ms) {
  return impl_->host.wait(timeout_ms);
}

Status Client::send(std::uint8_t channel, std::span<const std::uint8_t> data) {
  Impl& m = *impl_;
  if (m.state != ClientState::Connected) return {Errc::NotRunning, "the client is not connected"};
  if (channel >= m.settings.channels.size())
    return {Errc::InvalidArgument, "channel " + std::to_string(channel) + " does not exist (" +
                                       std::to_string(m.settings.channels.size()) + " channels)"};
  if (data.size() > m.settings.max_message_bytes)
    return {Errc::MessageTooLarge,
            "message of " + std::to_string(data.size()) + " bytes exceeds max_message_bytes"};
  if (m.host.direct().takes(m.peer, channel, data.size())) {
    m.host.direct().queue(m.peer, channel, data);
    return {};
  }
  if (Status s = m.account.admit(data.size(), m.settings.channels[channel], m.settings); !s)
    return s;
  ENetPacket* packet = net::make_packet(data, m.settings.channels[channel], &m.account);
  if (packet == nullptr) return {Errc::OutOfMemory, "cannot allocate a packet"};
  if (enet_peer_send(m.peer, channel, packet) != 0) {
    enet_packet_destroy(packet);
    return {Errc::OutOfMemory, "ENet refused the packet"};
  }
  m.host.note_enet_queued();
  return {};
}

ConnectionStats Client::stats() const {
  const Impl& m = *impl_;
  if (!m.host.is_open() || m.peer == nullptr) return {};
  ConnectionStats s = net::make_stats(
      m.peer, const_cast<Impl&>(m).host.pipeline().peers().find(m.endpoint), m.rates, m.account);
  if (m.security != nullptr && m.security->state() == secure::ClientSecurity::State::Established)
    s.cipher = secure::public_suite(m.security->suite());
  return s;
}

HostStats Client::host_stats() const {
  return impl_->host.stats();
}

std::uint16_t Client::local_port() const noexcept {
  if (!impl_->host.is_open()) return 0;
  ENetAddress address{};
  if (enet_socket_get_address(impl_->host.enet()->socket, &address) != 0) return 0;
  return address.port;
}

Status Client::set_conditioner(const LinkConditionerSettings& settings) {
  return impl_->host.set_conditioner(settings);
}

}  // namespace tickwire
