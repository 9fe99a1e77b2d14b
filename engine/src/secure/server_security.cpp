#include "secure/server_security.hpp"

#include "common/clock.hpp"

#include <algorithm>
#include <optional>

namespace tickwire::secure {

namespace {

// Challenge token plaintext offsets (410 bytes). c2s and s2c are the
// session's keys; deny_key is the token's server-to-client key, for a Denied.
namespace challenge_at {
constexpr std::size_t client_id = 0, expires_us = 8, host = 16, port = 20, token_id = 22, c2s = 46,
                      s2c = 78, timeout_s = 110, user_data = 114, attempt = 370, deny_key = 378,
                      suite = 410;
}
static_assert(challenge_at::suite + 1 == kChallengePlainBytes);

DenyReason deny_reason(JoinRefusal why) {
  switch (why) {
    case JoinRefusal::TokenExpired: return DenyReason::TokenExpired;
    case JoinRefusal::WrongServer: return DenyReason::WrongServer;
    case JoinRefusal::TokenInUse: return DenyReason::TokenInUse;
    case JoinRefusal::AddressLimit: return DenyReason::AddressLimit;
    case JoinRefusal::ServerFull:
    case JoinRefusal::NeverConnected: return DenyReason::ServerFull;
    case JoinRefusal::ProtocolMismatch: return DenyReason::ProtocolMismatch;
    case JoinRefusal::TokenInvalid: return DenyReason::TokenInvalid;
    case JoinRefusal::CipherMismatch: return DenyReason::CipherMismatch;
  }
  return DenyReason::TokenInvalid;
}

}  // namespace

ServerSecurity::ServerSecurity(ServerSecurityConfig config)
    : config_(std::move(config)),
      sessions_(config_.max_sessions),
      burnt_(std::max<std::size_t>(64, std::size_t{config_.max_sessions} * 4)) {
  crypto_aead_xchacha20poly1305_ietf_keygen(challenge_key_.bytes.data());
  handshake_sequence_ =
      kHandshakeSequenceBase + std::uint64_t{randombytes_random() % (1u << 30)} * (1ull << 32);
  reply_budget_ = config_.replies_per_sec / 10.0;
}

ServerSecurity::~ServerSecurity() = default;  // Keys wipe themselves

bool ServerSecurity::take_reply(std::uint64_t now_us) {
  // Token bucket: refills at replies_per_sec, holds a tenth of a second's worth.
  const double rate = config_.replies_per_sec;
  if (budget_time_us_ != 0)
    reply_budget_ =
        std::min(rate / 10.0 + 1.0,
                 reply_budget_ + rate * static_cast<double>(now_us - budget_time_us_) / 1e6);
  budget_time_us_ = now_us;
  if (reply_budget_ < 1.0) return false;
  reply_budget_ -= 1.0;
  return true;
}

void ServerSecurity::erase(socket::Endpoint peer) {
  if (const Session* s = sessions_.find(peer)) {
    burnt_[next_burnt_] = Burnt{s->challenge_nonce, s->challenge_expires_us};
    next_burnt_ = (next_burnt_ + 1) % burnt_.size();
  }
  sessions_.erase(peer);
}

bool ServerSecurity::burnt(const std::uint8_t* challenge_nonce, std::uint64_t now_us) const {
  for (const Burnt& b : burnt_)
    if (b.expires_us >= now_us && sodium_memcmp(b.nonce.data(), challenge_nonce, kXNonceBytes) == 0)
      return true;
  return false;
}

void ServerSecurity::refused(socket::Endpoint from, JoinRefusal why) {
  ++refusals_.count[static_cast<std::size_t>(why)];
  if (config_.on_refusal) config_.on_refusal(from, why);
}

bool ServerSecurity::address_full(socket::Endpoint from) {
  if (config_.max_sessions_per_address == 0) return false;
  std::uint32_t held = 0;
  sessions_.for_each([&](socket::Endpoint at, Session&) {
    if (at.host == from.host && !(at == from)) ++held;
  });
  return held >= config_.max_sessions_per_address;
}

bool ServerSecurity::listed(const PrivateToken& token) const {
  for (std::size_t i = 0; i < token.server_count; ++i)
    for (const socket::Endpoint& mine : config_.public_endpoints)
      if (token.servers[i] == mine) return true;
  return false;
}

bool ServerSecurity::token_in_use(const std::array<std::uint8_t, kXNonceBytes>& token_id,
                                  socket::Endpoint except) {
  bool used = false;
  sessions_.for_each([&](socket::Endpoint at, Session& s) {
    if (!(at == except) && sodium_memcmp(s.token_id.data(), token_id.data(), kXNonceBytes) == 0)
      used = true;
  });
  return used;
}

void ServerSecurity::send_denied(socket::Endpoint to, const Key& server_to_client,
                                 DenyReason reason, const std::uint8_t* attempt) {
  std::array<std::uint8_t, 1 + kAttemptBytes> body{static_cast<std::uint8_t>(reason)};
  std::memcpy(body.data() + 1, attempt, kAttemptBytes);
  std::array<std::uint8_t, 1 + 8 + body.size() + kTagBytes> packet{};
  const std::size_t n = secure::seal(PacketType::Denied, handshake_sequence_++, server_to_client,
                                     config_.protocol_id, body, packet);
  wire_->transmit(to, {packet.data(), n});
}

void ServerSecurity::send_keepalive(socket::Endpoint to, Session& session) {
  std::array<std::uint8_t, 1 + 8 + kTagBytes> packet{};
  const std::size_t n = session.server_to_client.seal(
      PacketType::KeepAlive, session.send_sequence++, config_.protocol_id, {}, packet);
  wire_->transmit(to, {packet.data(), n});
}

void ServerSecurity::handle_request(socket::Endpoint from, std::span<const std::uint8_t> wire,
                                    std::uint64_t now_us) {
  // Nothing authenticated to answer with: a Rejected echoing the token's
  // nonce, which an off-path sender cannot know, so it cannot forge one.
  auto reject = [&](const std::uint8_t* nonce, DenyReason reason, JoinRefusal why) {
    refused(from, why);
    if (!take_reply(now_us)) {
      wire_->drop(from, &DropCounters::rate_limited);
      return;
    }
    wire_->drop(from, &DropCounters::token_rejected);
    std::array<std::uint8_t, 1 + kXNonceBytes + 1> packet{};
    packet[0] = static_cast<std::uint8_t>(PacketType::Rejected);
    std::copy_n(nonce, kXNonceBytes, packet.begin() + 1);
    packet.back() = static_cast<std::uint8_t>(reason);
    wire_->transmit(from, packet);
  };
  RequestView request;
  if (!parse_request(wire, request)) {
    const bool other_version =
        wire.size() >= request_at::sealed &&
        std::equal(kTokenMagic.begin(), kTokenMagic.begin() + kMagicVersionAt,
                   wire.begin() + request_at::magic) &&
        wire[request_at::magic + kMagicVersionAt] != kTokenMagic[kMagicVersionAt];
    if (other_version) {
      reject(wire.data() + request_at::nonce, DenyReason::VersionMismatch,
             JoinRefusal::ProtocolMismatch);
    } else {
      wire_->drop(from, &DropCounters::malformed);
    }
    return;
  }
  if (request.protocol_id != config_.protocol_id) {
    reject(request.nonce, DenyReason::ProtocolMismatch, JoinRefusal::ProtocolMismatch);
    return;
  }
  PrivateToken token;
  if (!open_private(config_.token_key, request, token)) {
    reject(request.nonce, DenyReason::TokenInvalid, JoinRefusal::TokenInvalid);
    return;
  }
  // The attempt id and public key travel outside the sealed part: the MAC
  // under the token's key proves the token's holder chose them.
  if (sodium_memcmp(
          request_mac(token.client_to_server, request.attempt, request.kx_public, request.suites)
              .data(),
          request.mac, kRequestMacBytes) != 0) {
    wire_->drop(from, &DropCounters::auth_failed);
    return;
  }
  if (!take_reply(now_us)) {
    wire_->drop(from, &DropCounters::rate_limited);
    return;
  }
  std::array<std::uint8_t, kXNonceBytes> token_id{};
  std::copy_n(request.nonce, kXNonceBytes, token_id.begin());
  // The suite: AES-256-GCM when both allow it, else ChaCha20-Poly1305.
  const std::uint8_t common = request.suites & config_.suites;
  const Suite suite =
      (common & suite_bit(Suite::Aes256Gcm)) != 0 ? Suite::Aes256Gcm : Suite::ChaCha20Poly1305;
  std::optional<JoinRefusal> refusal;
  if (common == 0) {
    refusal = JoinRefusal::CipherMismatch;
  } else if (request.expires_unix_s <= unix_seconds()) {
    refusal = JoinRefusal::TokenExpired;
  } else if (!listed(token)) {
    refusal = JoinRefusal::WrongServer;
  } else if (token_in_use(token_id, from)) {
    refusal = JoinRefusal::TokenInUse;
  } else if (sessions_.find(from) == nullptr && sessions_.size() >= sessions_.capacity()) {
    refusal = JoinRefusal::ServerFull;
  } else if (sessions_.find(from) == nullptr && address_full(from)) {
    refusal = JoinRefusal::AddressLimit;
  }
  if (refusal) {
    refused(from, *refusal);
    wire_->drop(from, &DropCounters::token_rejected);
    send_denied(from, token.server_to_client, deny_reason(*refusal), request.attempt);
    return;
  }

  // The ephemeral key exchange: a fresh X25519 key pair for this challenge.
  // Its secret half lives only here; the session keys it yields travel in
  // the challenge token, sealed under the server's own key.
  std::array<std::uint8_t, crypto_kx_PUBLICKEYBYTES> server_public{};
  std::array<std::uint8_t, crypto_kx_SECRETKEYBYTES> server_secret{};
  std::array<std::uint8_t, crypto_kx_SESSIONKEYBYTES> from_client{}, to_client{};
  crypto_kx_keypair(server_public.data(), server_secret.data());
  const int exchanged =
      crypto_kx_server_session_keys(from_client.data(), to_client.data(), server_public.data(),
                                    server_secret.data(), request.kx_public);
  sodium_memzero(server_secret.data(), server_secret.size());
  if (exchanged != 0) {  // the client's public key is not a usable point
    wire_->drop(from, &DropCounters::malformed);
    return;
  }
  const std::span<const std::uint8_t, kKxPublicBytes> client_public(request.kx_public,
                                                                    kKxPublicBytes);
  const Key c2s = session_key(token.client_to_server, Direction::ClientToServer, suite,
                              std::span<const std::uint8_t, kKeyBytes>(from_client), client_public,
                              server_public);
  const Key s2c = session_key(token.server_to_client, Direction::ServerToClient, suite,
                              std::span<const std::uint8_t, kKeyBytes>(to_client), client_public,
                              server_public);
  sodium_memzero(from_client.data(), from_client.size());
  sodium_memzero(to_client.data(), to_client.size());

  // The challenge token: what the server needs back, sealed under its own key.
  std::array<std::uint8_t, kChallengePlainBytes> plain{};
  put_u64(plain.data() + challenge_at::client_id, token.client_id);
  put_u64(plain.data() + challenge_at::expires_us, now_us + kChallengeLifetimeUs);
  std::memcpy(plain.data() + challenge_at::host, &from.host, 4);
  put_u16(plain.data() + challenge_at::port, from.port);
  std::copy(token_id.begin(), token_id.end(), plain.begin() + challenge_at::token_id);
  std::memcpy(plain.data() + challenge_at::c2s, c2s.bytes.data(), kKeyBytes);
  std::memcpy(plain.data() + challenge_at::s2c, s2c.bytes.data(), kKeyBytes);
  put_u32(plain.data() + challenge_at::timeout_s, std::min(token.timeout_s, config_.max_timeout_s));
  std::memcpy(plain.data() + challenge_at::user_data, token.user_data.data(), kUserData);
  std::memcpy(plain.data() + challenge_at::attempt, request.attempt, kAttemptBytes);
  std::memcpy(plain.data() + challenge_at::deny_key, token.server_to_client.bytes.data(),
              kKeyBytes);
  plain[challenge_at::suite] = static_cast<std::uint8_t>(suite);

  std::array<std::uint8_t, kChallengeTokenBytes> challenge{};
  randombytes_buf(challenge.data(), kXNonceBytes);
  crypto_aead_xchacha20poly1305_ietf_encrypt(challenge.data() + kXNonceBytes, nullptr, plain.data(),
                                             plain.size(), nullptr, 0, nullptr, challenge.data(),
                                             challenge_key_.bytes.data());
  sodium_memzero(plain.data(), plain.size());

  // Sealed with the token's server-to-client key: only the token's holder
  // can read it, and it proves to the client that the server opened the token.
  // The attempt id in front tells the client it answers this attempt; the
  // server's public key lets it compute the same session keys.
  std::array<std::uint8_t, kChallengeBodyBytes> body{};
  std::memcpy(body.data(), request.attempt, kAttemptBytes);
  std::copy(server_public.begin(), server_public.end(), body.begin() + kAttemptBytes);
  body[kAttemptBytes + kKxPublicBytes] = static_cast<std::uint8_t>(suite);
  std::copy(challenge.begin(), challenge.end(), body.begin() + kAttemptBytes + kKxPublicBytes + 1);
  std::array<std::uint8_t, 1 + 8 + body.size() + kTagBytes> packet{};
  static_assert(packet.size() < kRequestBytes, "every reply is smaller than its request");
  const std::size_t n = secure::seal(PacketType::Challenge, handshake_sequence_++,
                                     token.server_to_client, config_.protocol_id, body, packet);
  wire_->transmit(from, {packet.data(), n});
}

void ServerSecurity::handle_response(socket::Endpoint from, std::span<const std::uint8_t> wire,
                                     std::uint64_t now_us) {
  if (wire.size() != kResponseBytes) {
    wire_->drop(from, &DropCounters::malformed);
    return;
  }
  const std::uint8_t* sealed = wire.data() + 1;
  std::array<std::uint8_t, kChallengePlainBytes> plain{};
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          plain.data(), nullptr, nullptr, sealed + kXNonceBytes, kChallengePlainBytes + kTagBytes,
          nullptr, 0, sealed, challenge_key_.bytes.data()) != 0) {
    wire_->drop(from, &DropCounters::auth_failed);
    return;
  }
  socket::Endpoint bound;
  std::memcpy(&bound.host, plain.data() + challenge_at::host, 4);
  bound.port = get_u16(plain.data() + challenge_at::port);
  const std::uint64_t expires_us = get_u64(plain.data() + challenge_at::expires_us);
  std::array<std::uint8_t, kXNonceBytes> token_id{};
  std::memcpy(token_id.data(), plain.data() + challenge_at::token_id, kXNonceBytes);
  const std::uint8_t* attempt = plain.data() + challenge_at::attempt;
  Key deny_key;
  std::memcpy(deny_key.bytes.data(), plain.data() + challenge_at::deny_key, kKeyBytes);

  auto refuse = [&](JoinRefusal why) {
    refused(from, why);
    if (take_reply(now_us)) {
      wire_->drop(from, &DropCounters::token_rejected);
      send_denied(from, deny_key, deny_reason(why), attempt);
    } else {
      wire_->drop(from, &DropCounters::rate_limited);
    }
  };
  Session* existing = sessions_.find(from);
  // A challenge answered from another address (replayed, spoofed) is refused;
  // an expired one too, unless its session already exists.
  const bool misdirected = !(bound == from);
  if (!misdirected && existing != nullptr) {
    // The client did not hear our keep-alive yet: say it again (even after
    // the challenge expired, or the client would be stuck).
    if (sodium_memcmp(existing->token_id.data(), token_id.data(), kXNonceBytes) != 0) {
      wire_->drop(from, &DropCounters::token_rejected);
    } else if (take_reply(now_us)) {
      send_keepalive(from, *existing);
    } else {
      wire_->drop(from, &DropCounters::rate_limited);
    }
  } else if (misdirected || now_us > expires_us) {
    wire_->drop(from, &DropCounters::token_rejected);
  } else if (burnt(sealed, now_us)) {
    wire_->drop(from, &DropCounters::replayed);  // its session already was, and ended
  } else if (token_in_use(token_id, from)) {
    refuse(JoinRefusal::TokenInUse);
  } else if (sessions_.size() >= sessions_.capacity()) {
    refuse(JoinRefusal::ServerFull);
  } else if (address_full(from)) {
    refuse(JoinRefusal::AddressLimit);
  } else {
    Session* session = sessions_.insert(from);
    session->client_id = get_u64(plain.data() + challenge_at::client_id);
    session->token_id = token_id;
    // The suite was the server's own choice, sealed under its own key.
    const auto suite = static_cast<Suite>(plain[challenge_at::suite]);
    Key key;
    std::memcpy(key.bytes.data(), plain.data() + challenge_at::c2s, kKeyBytes);
    session->client_to_server.set(suite, key);
    std::memcpy(key.bytes.data(), plain.data() + challenge_at::s2c, kKeyBytes);
    session->server_to_client.set(suite, key);
    session->timeout_us =
        std::uint64_t{get_u32(plain.data() + challenge_at::timeout_s)} * 1'000'000;
    session->last_receive_us = now_us;
    session->created_us = now_us;
    std::copy_n(sealed, kXNonceBytes, session->challenge_nonce.begin());
    session->challenge_expires_us = expires_us;
    std::memcpy(session->user_data.data(), plain.data() + challenge_at::user_data, kUserData);
    // Not charged to the reply budget: one per session made, 18 bytes for 419.
    send_keepalive(from, *session);
  }
  sodium_memzero(plain.data(), plain.size());
}

std::size_t ServerSecurity::seal_carried(socket::Endpoint to, std::span<std::uint8_t> buffer,
                                         std::size_t plain_size, std::uint64_t /*now_us*/,
                                         std::size_t& start, socket::Carrier carrier) {
  Session* session = sessions_.find(to);
  if (session == nullptr) {
    wire_->drop(to, &DropCounters::no_session);
    return 0;
  }
  return session->server_to_client.seal_in_place(
      carrier == socket::Carrier::Direct ? PacketType::Direct : PacketType::Payload,
      session->send_sequence++, config_.protocol_id, buffer, plain_size, start);
}

std::size_t ServerSecurity::open_carried(socket::Endpoint from, std::span<const std::uint8_t> wire,
                                         std::span<std::uint8_t> out, std::uint64_t now_us,
                                         socket::Carrier& carrier) {
  if (wire.empty()) {
    wire_->drop(from, &DropCounters::malformed);
    return 0;
  }
  const auto type = static_cast<PacketType>(wire[0] & 0x0F);
  if (wire[0] == static_cast<std::uint8_t>(PacketType::Request)) {
    handle_request(from, wire, now_us);
    return 0;
  }
  if (wire[0] == static_cast<std::uint8_t>(PacketType::Response)) {
    handle_response(from, wire, now_us);
    return 0;
  }
  // Clients send no keep-alives (ENet's pings keep a session alive), so
  // once the handshake is done only Payloads and Direct packets come from a
  // client.
  if (type != PacketType::Payload && type != PacketType::Direct) {
    wire_->drop(from, &DropCounters::malformed);
    return 0;
  }
  Session* session = sessions_.find(from);
  if (session == nullptr) {
    wire_->drop(from, &DropCounters::no_session);
    return 0;
  }
  Header header;
  if (!read_sealed_header(wire, header)) {
    wire_->drop(from, &DropCounters::malformed);
    return 0;
  }
  if (session->received.already_received(header.sequence)) {
    // A duplicate is opened only for a capture, which records it; a forgery
    // or a datagram older than the window is not.
    std::size_t seen = 0;
    if (type == PacketType::Payload && session->received.duplicate(header.sequence) &&
        wire_->recording(from) &&
        session->client_to_server.open(header, config_.protocol_id, wire, out, seen))
      wire_->replayed(from, out.first(seen), now_us);
    wire_->drop(from, &DropCounters::replayed);
    return 0;
  }
  std::size_t plain = 0;
  if (!session->client_to_server.open(header, config_.protocol_id, wire, out, plain)) {
    wire_->drop(from, &DropCounters::auth_failed);
    return 0;
  }
  session->received.accept(header.sequence);
  carrier = type == PacketType::Direct ? socket::Carrier::Direct : socket::Carrier::Enet;
  return plain;
}

void ServerSecurity::tick(std::uint64_t now_us) {
  if (now_us < next_expiry_check_us_) return;
  next_expiry_check_us_ = now_us + 100'000;
  // Collect first: erasing while walking would move entries under the walk.
  std::array<socket::Endpoint, 64> expired{};
  std::size_t count = 0;
  std::array<bool, 64> never_connected{};
  sessions_.for_each([&](socket::Endpoint at, Session& s) {
    const bool idle = now_us - s.last_receive_us > s.timeout_us;
    const bool late = !s.connected && now_us - s.created_us > config_.connect_deadline_us;
    if ((idle || late) && count < expired.size()) {
      never_connected[count] = !s.connected;
      expired[count++] = at;
    }
  });
  for (std::size_t i = 0; i < count; ++i) {
    erase(expired[i]);
    if (never_connected[i]) refused(expired[i], JoinRefusal::NeverConnected);
    if (config_.on_expired) config_.on_expired(expired[i]);
  }
}

bool ServerSecurity::claim_connection(socket::Endpoint from, std::uint32_t connect_id,
                                      std::uint64_t /*now_us*/) {
  Session* session = sessions_.find(from);
  if (session == nullptr) return false;
  if (!session->claimed) {
    session->claimed = true;
    session->connect_id = connect_id;
    return true;
  }
  // A resent CONNECT names the same connection; any other is a second one.
  return session->connect_id == connect_id && !session->connected;
}

void ServerSecurity::accepted(socket::Endpoint from, std::uint64_t now_us) {
  if (Session* session = sessions_.find(from)) session->last_receive_us = now_us;
}

void ServerSecurity::connection_established(socket::Endpoint peer) {
  if (Session* session = sessions_.find(peer)) session->connected = true;
}

std::optional<Suite> ServerSecurity::suite(socket::Endpoint peer) {
  const Session* session = sessions_.find(peer);
  if (session == nullptr) return std::nullopt;
  return session->server_to_client.suite();
}

bool ServerSecurity::session_info(socket::Endpoint peer, SessionInfo& out) {
  const Session* session = sessions_.find(peer);
  if (session == nullptr) return false;
  out.client_id = session->client_id;
  out.user_data = session->user_data;
  return true;
}

bool ServerSecurity::receive_tally(socket::Endpoint peer, std::uint64_t& accepted,
                                   std::uint64_t& newest) const noexcept {
  const Session* session = const_cast<socket::EndpointMap<Session>&>(sessions_).find(peer);
  if (session == nullptr) return false;
  accepted = session->received.accepted();
  newest = session->received.newest();
  return true;
}

void ServerSecurity::end_session(socket::Endpoint peer) {
  erase(peer);
}

}  // namespace tickwire::secure
