#include "tickwire/server.hpp"

#include <algorithm>
#include <deque>

#include <ifaddrs.h>
#include <netinet/in.h>

#include "net/host.hpp"
#include "secure/server_security.hpp"
#include "secure/suites.hpp"

namespace tickwire {

namespace {
constexpr std::uint64_t kKickGraceUs = 1'000'000;   // wait this long for a kicked client's ack
constexpr std::uint64_t kStopGraceUs = 200'000;     // stop() waits this long for acks
constexpr std::uint32_t kRefusalTimeoutMs = 2'000;  // a refused peer's slot is freed by then
constexpr std::uint32_t kSlotBits = 12;             // peer index bits in a ConnectionId

constexpr std::uint64_t kHalfOpenUs = 3'000'000;  // an ENet connect not completed by then is reset

enum class SlotState : std::uint8_t { Free, Connected, Kicking, Refusing };

struct Slot {
  SlotState state = SlotState::Free;
  std::uint32_t generation = 0;
  std::uint64_t kick_deadline_us = 0;
  std::uint64_t pending_since_us = 0;  // when the slot's ENet peer was first seen half-open
  socket::Endpoint endpoint;
  net::SendAccount account;
  net::RateMeter rates;
};
}  // namespace

struct Server::Impl {
  ServerSettings settings;
  net::Host host;
  secure::ServerSecurity* security = nullptr;  // owned by host
  std::uint32_t code = 0;
  std::vector<Slot> slots;  // one per ENet peer; never resized while running
  std::size_t connected = 0;
  std::size_t kicking = 0;
  std::uint64_t next_sample_us = 0;  // when update() next walks the slots for rates
  JoinRefusals refused;              // at the ENet level; the secure stage counts its own
  // The host's log, at most kLogPerSec lines a second on average.
  double log_budget = 0;
  std::uint64_t log_time_us = 0;
  std::uint64_t log_held_back = 0;
  ENetPacket* held = nullptr;   // the packet behind the last Message event
  std::deque<Event> synthetic;  // events the engine makes itself; at most one per slot

  ConnectionId id_of(std::size_t index) const {
    return ((slots[index].generation & 0xFFFFFu) << kSlotBits) | static_cast<std::uint32_t>(index);
  }
  // The slot and ENet peer for a live id, or null.
  Slot* live(ConnectionId id, ENetPeer** peer = nullptr) {
    const std::size_t index = id & ((1u << kSlotBits) - 1);
    if (!host.is_open() || index >= slots.size()) return nullptr;
    Slot& slot = slots[index];
    if (slot.state != SlotState::Connected || id_of(index) != id) return nullptr;
    if (peer) *peer = &host.enet()->peers[index];
    return &slot;
  }
  const Slot* live(ConnectionId id) const { return const_cast<Impl*>(this)->live(id); }

  void release_held() {
    if (held != nullptr) {
      enet_packet_destroy(held);
      held = nullptr;
    }
  }
  void free_slot(std::size_t index) {
    Slot& slot = slots[index];
    if (slot.state == SlotState::Connected || slot.state == SlotState::Kicking) --connected;
    if (slot.state == SlotState::Kicking) --kicking;
    host.pipeline().peers().erase(slot.endpoint);
    security->end_session(slot.endpoint);  // wipes its keys
    slot.state = SlotState::Free;
  }
  bool translate(const ENetEvent& e, Event& out);
  void log(const std::string& line);
  void refuse_join(socket::Endpoint from, JoinRefusal why);
  // Resets ENet peers that did not complete their connect within kHalfOpenUs.
  void reap_half_open(std::uint64_t now_us);
  // The secure session at `at` ended by itself: so does its ENet connection.
  void session_expired(socket::Endpoint at);
  Status send_to(std::size_t index, std::uint8_t channel, std::span<const std::uint8_t> data);
  Status check_message(std::uint8_t channel, std::size_t size) const;
  Status broadcast(const ConnectionId* except, std::uint8_t channel,
                   std::span<const std::uint8_t> data);
};

void Server::Impl::log(const std::string& line) {
  if (!settings.log) return;
  constexpr double kLogPerSec = 10, kLogBurst = 20;
  const std::uint64_t now = monotonic_us();
  log_budget =
      log_time_us == 0
          ? kLogBurst
          : std::min(kLogBurst,
                     log_budget + kLogPerSec * static_cast<double>(now - log_time_us) / 1e6);
  log_time_us = now;
  if (log_budget < 1.0) {
    ++log_held_back;
    return;
  }
  log_budget -= 1.0;
  if (log_held_back == 0) {
    settings.log(line);
  } else {
    settings.log(line + " (" + std::to_string(log_held_back) + " earlier lines held back)");
    log_held_back = 0;
  }
}

void Server::Impl::refuse_join(socket::Endpoint from, JoinRefusal why) {
  ENetAddress a{from.host, from.port};
  log("join refused from " + net::to_string(a) + ": " + describe(why));
}

void Server::Impl::reap_half_open(std::uint64_t now_us) {
  ENetHost* h = host.enet();
  for (std::size_t i = 0; i < slots.size(); ++i) {
    ENetPeer& peer = h->peers[i];
    const bool half_open =
        slots[i].state == SlotState::Free && peer.state != ENET_PEER_STATE_DISCONNECTED &&
        peer.state != ENET_PEER_STATE_ZOMBIE && peer.state != ENET_PEER_STATE_CONNECTED;
    if (!half_open) {
      slots[i].pending_since_us = 0;
      continue;
    }
    if (slots[i].pending_since_us == 0) {
      slots[i].pending_since_us = now_us;
      continue;
    }
    if (now_us - slots[i].pending_since_us < kHalfOpenUs) continue;
    const socket::Endpoint at = net::endpoint_of(peer.address);
    enet_peer_reset(&peer);
    slots[i].pending_since_us = 0;
    security->end_session(at);  // a new attempt needs a new handshake
    ++refused.count[static_cast<std::size_t>(JoinRefusal::NeverConnected)];
    refuse_join(at, JoinRefusal::NeverConnected);
  }
}

void Server::Impl::session_expired(socket::Endpoint at) {
  ENetHost* h = host.enet();
  for (std::size_t i = 0; i < slots.size(); ++i) {
    ENetPeer& peer = h->peers[i];
    if (peer.state == ENET_PEER_STATE_DISCONNECTED || !(net::endpoint_of(peer.address) == at))
      continue;
    Slot& slot = slots[i];
    const bool reported = slot.state == SlotState::Connected || slot.state == SlotState::Kicking;
    const ConnectionId id = id_of(i);
    const bool kicked = slot.state == SlotState::Kicking;
    enet_peer_reset(&peer);
    if (slot.state != SlotState::Free) free_slot(i);
    slot.pending_since_us = 0;
    if (reported) {
      log("connection " + std::to_string(id) + " (" + net::to_string(at) +
          ") left: " + describe(DisconnectReason::Timeout));
      synthetic.push_back(
          Event{EventType::Disconnected,
                id,
                0,
                kicked ? DisconnectReason::ClosedLocally : DisconnectReason::Timeout,
                {}});
    }
  }
}

bool Server::Impl::translate(const ENetEvent& e, Event& out) {
  const std::size_t index = static_cast<std::size_t>(e.peer - host.enet()->peers);
  Slot& slot = slots[index];
  switch (e.type) {
    case ENET_EVENT_TYPE_CONNECT: {
      DisconnectReason refusal = net::check_connect_code(e.data, code);
      // The connect code covers the layout, but a hand-made CONNECT can pair
      // the right code with fewer channels (ENet takes what it asks for).
      if (refusal == DisconnectReason::None && e.peer->channelCount != host.enet()->channelLimit)
        refusal = DisconnectReason::ProtocolMismatch;
      if (refusal == DisconnectReason::None && connected >= settings.max_clients)
        refusal = DisconnectReason::ServerFull;
      if (refusal != DisconnectReason::None) {
        const JoinRefusal why = refusal == DisconnectReason::ServerFull
                                    ? JoinRefusal::ServerFull
                                    : JoinRefusal::ProtocolMismatch;
        ++refused.count[static_cast<std::size_t>(why)];
        refuse_join(net::endpoint_of(e.peer->address), why);
        slot.state = SlotState::Refusing;
        slot.endpoint = net::endpoint_of(e.peer->address);  // its session ends with it
        enet_peer_timeout(e.peer, 0, kRefusalTimeoutMs, kRefusalTimeoutMs);
        enet_peer_disconnect(e.peer, net::disconnect_code(refusal));
        host.note_enet_queued();
        return false;
      }
      slot.state = SlotState::Connected;
      ++slot.generation;
      slot.endpoint = net::endpoint_of(e.peer->address);
      slot.rates.reset(monotonic_us());
      host.pipeline().peers().insert(slot.endpoint);
      host.configure_peer(e.peer);
      host.configure_connected_peer(e.peer);
      security->connection_established(slot.endpoint);
      net::send_control(e.peer, settings, net::Control::Welcome);
      host.note_enet_queued();
      ++connected;
      out = Event{EventType::Connected, id_of(index), 0, DisconnectReason::None, {}};
      return true;
    }
    case ENET_EVENT_TYPE_DISCONNECT: {
      const SlotState was = slot.state;
      if (was == SlotState::Free) {
        security->end_session(net::endpoint_of(e.peer->address));
        return false;
      }
      const ConnectionId id = id_of(index);
      free_slot(index);
      if (was == SlotState::Refusing) return false;
      const DisconnectReason reason = was == SlotState::Kicking ? DisconnectReason::ClosedLocally
                                                                : net::decode_disconnect(e.data);
      log("connection " + std::to_string(id) + " (" + net::to_string(e.peer->address) +
          ") left: " + (was == SlotState::Kicking ? "kicked" : describe(reason)));
      out = Event{EventType::Disconnected, id, 0, reason, {}};
      return true;
    }
    case ENET_EVENT_TYPE_RECEIVE:
      // Nothing on the control lane is for the game; clients send nothing there yet.
      if (slot.state != SlotState::Connected || e.channelID >= settings.channels.size()) {
        enet_packet_destroy(e.packet);
        return false;
      }
      held = e.packet;
      out = Event{EventType::Message, id_of(index), e.channelID, DisconnectReason::None,
                  std::span<const std::uint8_t>(e.packet->data, e.packet->dataLength)};
      return true;
    case ENET_EVENT_TYPE_NONE: break;
  }
  return false;
}

Status Server::Impl::check_message(std::uint8_t channel, std::size_t size) const {
  if (channel >= settings.channels.size())
    return {Errc::InvalidArgument, "channel " + std::to_string(channel) + " does not exist (" +
                                       std::to_string(settings.channels.size()) + " channels)"};
  if (size > settings.max_message_bytes)
    return {Errc::MessageTooLarge, "message of " + std::to_string(size) +
                                       " bytes exceeds max_message_bytes (" +
                                       std::to_string(settings.max_message_bytes) + ")"};
  return {};
}

Status Server::Impl::send_to(std::size_t index, std::uint8_t channel,
                             std::span<const std::uint8_t> data) {
  Slot& slot = slots[index];
  ENetPeer* peer = &host.enet()->peers[index];
  if (host.direct().takes(peer, channel, data.size())) {
    host.direct().queue(peer, channel, data);
    return {};
  }
  if (Status s = slot.account.admit(data.size(), settings.channels[channel], settings); !s) {
    s.message = "connection " + std::to_string(id_of(index)) + ": " + s.message;
    return s;
  }
  ENetPacket* packet = net::make_packet(data, settings.channels[channel], &slot.account);
  if (packet == nullptr) return {Errc::OutOfMemory, "cannot allocate a packet"};
  if (enet_peer_send(peer, channel, packet) != 0) {
    enet_packet_destroy(packet);
    return {Errc::OutOfMemory, "ENet refused the packet"};
  }
  host.note_enet_queued();
  return {};
}

Status Server::Impl::broadcast(const ConnectionId* except, std::uint8_t channel,
                               std::span<const std::uint8_t> data) {
  if (!host.is_open()) return {Errc::NotRunning, "the server is not running"};
  if (Status s = check_message(channel, data.size()); !s) return s;
  std::size_t skipped = 0;
  for (std::size_t i = 0; i < slots.size(); ++i) {
    if (slots[i].state != SlotState::Connected) continue;
    if (except != nullptr && id_of(i) == *except) continue;
    if (!send_to(i, channel, data)) ++skipped;
  }
  if (skipped > 0)
    return {Errc::QueueFull, std::to_string(skipped) + " client(s) skipped: send queue full"};
  return {};
}

namespace {
// The addresses clients use to reach this server: tokens must list one.
Status public_endpoints(const ServerSettings& settings, const ENetAddress& bind,
                        std::uint16_t bound_port, std::vector<socket::Endpoint>& out) {
  out.clear();
  for (const std::string& text : settings.public_addresses) {
    ENetAddress a{};
    if (Status s = net::resolve(text, bound_port, a); !s) {
      s.message = "public_addresses: " + s.message;
      return s;
    }
    out.push_back(net::endpoint_of(a));
  }
  if (!out.empty()) return {};
  if (bind.host != ENET_HOST_ANY) {
    out.push_back(socket::Endpoint{bind.host, bound_port});
    return {};
  }
  ifaddrs* list = nullptr;
  if (getifaddrs(&list) != 0)
    return {Errc::SocketError, "cannot list this host's addresses; set public_addresses"};
  for (ifaddrs* it = list; it != nullptr && out.size() < 64; it = it->ifa_next) {
    if (it->ifa_addr == nullptr || it->ifa_addr->sa_family != AF_INET) continue;
    const auto* sin = reinterpret_cast<const sockaddr_in*>(it->ifa_addr);
    out.push_back(socket::Endpoint{sin->sin_addr.s_addr, bound_port});
  }
  freeifaddrs(list);
  return {};
}
}  // namespace

Server::Server() : impl_(std::make_unique<Impl>()) {}
Server::~Server() {
  if (impl_) stop();
}
Server::Server(Server&&) noexcept = default;
Server& Server::operator=(Server&&) noexcept = default;

Status Server::start(const ServerSettings& settings) {
  stop();
  if (Status s = settings.validate(); !s) return s;
  Impl& m = *impl_;
  ENetAddress bind{};
  if (enet_address_set_host(&bind, settings.bind_address.c_str()) != 0)
    return {Errc::ResolveFailed, "cannot resolve bind address '" + settings.bind_address + "'"};
  bind.port = settings.port;
  // Spare ENet peers so that a client over the limit is told ServerFull
  // instead of being ignored (ENet drops a CONNECT when no peer is free).
  const std::uint32_t spare =
      std::min(16 + settings.max_clients / 8, kMaxPeers - settings.max_clients);
  const std::uint32_t peers = settings.max_clients + spare;
  if (sodium_init() < 0) return {Errc::SocketError, "libsodium failed to initialise"};
  secure::ServerSecurityConfig security;
  if (Status s = secure::allowed_suites(settings, security.suites); !s) return s;
  security.protocol_id = settings.protocol_id;
  security.token_key.bytes = settings.token_key.bytes();
  security.max_sessions = peers;
  security.replies_per_sec = settings.handshake_replies_per_sec;
  security.max_sessions_per_address = settings.max_sessions_per_address;
  if (settings.token_key.from_room()) security.max_timeout_s = kRoomSessionTimeoutS;
  security.on_refusal = [&m](socket::Endpoint from, JoinRefusal why) { m.refuse_join(from, why); };
  security.on_expired = [&m](socket::Endpoint at) { m.session_expired(at); };
  auto stage = std::make_unique<secure::ServerSecurity>(std::move(security));
  m.security = stage.get();
  if (Status s = m.host.open(&bind, peers, settings, peers, std::move(stage)); !s) {
    m.security = nullptr;
    return s;
  }
  std::vector<socket::Endpoint> endpoints;
  if (Status s = public_endpoints(settings, bind, port(), endpoints); !s) {
    m.host.close();
    m.security = nullptr;
    return s;
  }
  m.security->set_public_endpoints(std::move(endpoints));
  // ENet's own count of peers per address (it would let one address take
  // every peer): the same limit as the sessions'.
  m.host.enet()->duplicatePeers =
      settings.max_sessions_per_address == 0 ? kMaxPeers : settings.max_sessions_per_address;
  m.settings = settings;
  m.log_budget = 0;
  m.log_time_us = m.log_held_back = 0;
  m.code = net::connect_code(settings);
  m.slots.assign(peers, Slot{});
  m.connected = m.kicking = 0;
  m.refused = JoinRefusals{};
  m.synthetic.clear();
  return {};
}

void Server::stop() {
  Impl& m = *impl_;
  m.release_held();
  if (!m.host.is_open()) return;
  ENetHost* host = m.host.enet();
  bool any = false;
  for (std::size_t i = 0; i < m.slots.size(); ++i) {
    if (m.slots[i].state == SlotState::Free) continue;
    enet_peer_disconnect(&host->peers[i], net::disconnect_code(DisconnectReason::ClosedLocally));
    m.host.note_enet_queued();
    any = true;
  }
  // Give the disconnects a moment to be acknowledged, so clients learn at
  // once instead of timing out.
  const std::uint64_t until = monotonic_us() + kStopGraceUs;
  for (std::uint64_t now = monotonic_us(); any && now < until; now = monotonic_us()) {
    m.host.service(now);
    any = false;
    for (std::size_t i = 0; i < host->peerCount; ++i)
      any |= host->peers[i].state != ENET_PEER_STATE_DISCONNECTED &&
             host->peers[i].state != ENET_PEER_STATE_ZOMBIE;
    ENetEvent e;
    while (enet_host_check_events(host, &e) > 0) {
      if (e.type == ENET_EVENT_TYPE_RECEIVE) enet_packet_destroy(e.packet);
    }
  }
  m.host.close();
  m.security = nullptr;
  m.slots.clear();
  m.synthetic.clear();
  m.connected = m.kicking = 0;
}

bool Server::running() const noexcept {
  return impl_->host.is_open();
}

std::uint16_t Server::port() const noexcept {
  if (!impl_->host.is_open()) return 0;
  ENetAddress address{};
  if (enet_socket_get_address(impl_->host.enet()->socket, &address) != 0) return 0;
  return address.port;
}

void Server::update() {
  Impl& m = *impl_;
  m.release_held();
  if (!m.host.is_open()) return;
  const std::uint64_t now = monotonic_us();  // the one clock read of this update
  m.host.service(now);
  // The slot walk is for once-a-second rates, half-open peers and pending kicks only.
  if (now < m.next_sample_us && m.kicking == 0) return;
  if (now >= m.next_sample_us) {
    m.next_sample_us = now + 1'000'000;
    m.reap_half_open(now);
  }
  for (std::size_t i = 0; i < m.slots.size(); ++i) {
    Slot& slot = m.slots[i];
    if (slot.state == SlotState::Connected) {
      if (const socket::PeerCounters* c = m.host.pipeline().peers().find(slot.endpoint))
        slot.rates.sample(now, *c, m.host.stage(), slot.endpoint);
    } else if (slot.state == SlotState::Kicking && now >= slot.kick_deadline_us) {
      const ConnectionId id = m.id_of(i);
      enet_peer_reset(&m.host.enet()->peers[i]);
      m.free_slot(i);
      m.synthetic.push_back(
          Event{EventType::Disconnected, id, 0, DisconnectReason::ClosedLocally, {}});
    }
  }
}

bool Server::poll(Event& event) {
  Impl& m = *impl_;
  m.release_held();
  if (!m.synthetic.empty()) {
    event = m.synthetic.front();
    m.synthetic.pop_front();
    return true;
  }
  if (!m.host.is_open()) return false;
  ENetEvent e;
  while (enet_host_check_events(m.host.enet(), &e) > 0) {
    if (m.translate(e, event)) return true;
  }
  // The direct lane's messages, after ENet's events (a connection's
  // Connected comes before its first message).
  net::DirectLane::Inbound in;
  while (m.host.direct().next(in)) {
    const ENetPeer& peer = m.host.enet()->peers[in.peer];
    // A connection that ended since (its slot may hold a new one): dropped,
    // as ENet drops what it still held for it.
    if (m.slots[in.peer].state != SlotState::Connected || peer.connectID != in.connect_id) continue;
    event =
        Event{EventType::Message, m.id_of(in.peer), in.channel, DisconnectReason::None, in.message};
    return true;
  }
  return false;
}

void Server::flush() {
  impl_->host.flush();
}

bool Server::wait(std::uint32_t timeout_ms) {
  return impl_->host.wait(timeout_ms);
}

Status Server::send(ConnectionId to, std::uint8_t channel, std::span<const std::uint8_t> data) {
  Impl& m = *impl_;
  if (!m.host.is_open()) return {Errc::NotRunning, "the server is not running"};
  if (m.live(to) == nullptr)
    return {Errc::UnknownConnection, "connection " + std::to_string(to) + " is not connected"};
  if (Status s = m.check_message(channel, data.size()); !s) return s;
  return m.send_to(to & ((1u << kSlotBits) - 1), channel, data);
}

Status Server::broadcast(std::uint8_t channel, std::span<const std::uint8_t> data) {
  return impl_->broadcast(nullptr, channel, data);
}

Status Server::broadcast_except(ConnectionId except, std::uint8_t channel,
                                std::span<const std::uint8_t> data) {
  return impl_->broadcast(&except, channel, data);
}

void Server::kick(ConnectionId id) {
  Impl& m = *impl_;
  ENetPeer* peer = nullptr;
  Slot* slot = m.live(id, &peer);
  if (slot == nullptr) return;
  enet_peer_disconnect(peer, net::disconnect_code(DisconnectReason::Kicked));
  m.host.note_enet_queued();
  slot->state = SlotState::Kicking;
  slot->kick_deadline_us = monotonic_us() + kKickGraceUs;
  ++m.kicking;
}

bool Server::connected(ConnectionId id) const noexcept {
  return impl_->live(id) != nullptr;
}

std::vector<ConnectionId> Server::connections() const {
  std::vector<ConnectionId> ids;
  for (std::size_t i = 0; i < impl_->slots.size(); ++i)
    if (impl_->slots[i].state == SlotState::Connected) ids.push_back(impl_->id_of(i));
  return ids;
}

std::size_t Server::connection_count() const noexcept {
  return impl_->connected - impl_->kicking;
}

ConnectionStats Server::stats(ConnectionId id) const {
  Impl& m = *impl_;
  ENetPeer* peer = nullptr;
  Slot* slot = m.live(id, &peer);
  if (slot == nullptr) return {};
  ConnectionStats s = net::make_stats(peer, m.host.pipeline().peers().find(slot->endpoint),
                                      slot->rates, slot->account);
  if (m.security != nullptr)
    if (const auto suite = m.security->suite(slot->endpoint))
      s.cipher = secure::public_suite(*suite);
  return s;
}

HostStats Server::host_stats() const {
  HostStats s = impl_->host.stats();
  if (impl_->security != nullptr) s.joins = impl_->security->refusals();
  for (std::size_t i = 0; i < kJoinRefusalCount; ++i) s.joins.count[i] += impl_->refused.count[i];
  return s;
}

std::string Server::address(ConnectionId id) const {
  ENetPeer* peer = nullptr;
  if (impl_->live(id, &peer) == nullptr) return {};
  return net::to_string(peer->address);
}

bool Server::capture_only(ConnectionId id) {
  trace::CaptureWriter* capture = impl_->host.is_open() ? impl_->host.capture() : nullptr;
  if (capture == nullptr) return false;
  if (id == kInvalidConnection) {
    capture->only({});
    return true;
  }
  ENetPeer* peer = nullptr;
  if (impl_->live(id, &peer) == nullptr) return false;
  capture->only(net::endpoint_of(peer->address));
  return true;
}

std::uint64_t Server::client_id(ConnectionId id) const {
  ENetPeer* peer = nullptr;
  secure::SessionInfo info;
  if (impl_->live(id, &peer) == nullptr ||
      !impl_->security->session_info(net::endpoint_of(peer->address), info))
    return 0;
  return info.client_id;
}

std::array<std::uint8_t, kUserDataBytes> Server::user_data(ConnectionId id) const {
  ENetPeer* peer = nullptr;
  secure::SessionInfo info;
  if (impl_->live(id, &peer) == nullptr ||
      !impl_->security->session_info(net::endpoint_of(peer->address), info))
    return {};
  return info.user_data;
}

Status Server::set_conditioner(const LinkConditionerSettings& settings) {
  return impl_->host.set_conditioner(settings);
}

}  // namespace tickwire
