#include "secure/client_security.hpp"

#include <algorithm>

namespace tickwire::secure {

ClientSecurity::ClientSecurity(const PublicToken& token, socket::Endpoint server,
                               std::uint8_t suites)
    : token_(token), server_(server), suites_(suites), scratch_(4096 + kSealOverhead) {
  new_attempt();
  held_.reserve(kHoldCapacity);
}

void ClientSecurity::new_attempt() {
  randombytes_buf(attempt_.data(), attempt_.size());
  static_assert(crypto_kx_SECRETKEYBYTES == kKeyBytes &&
                crypto_kx_PUBLICKEYBYTES == kKxPublicBytes);
  crypto_kx_keypair(kx_public_.data(), kx_secret_.bytes.data());
  write_request(token_, attempt_, kx_public_, suites_, request_);
  state_ = State::SendingRequest;
}

void ClientSecurity::take_challenge(std::span<const std::uint8_t> plain, std::uint64_t now_us) {
  if (plain.size() != kChallengeBodyBytes ||
      !std::equal(attempt_.begin(), attempt_.end(), plain.begin())) {
    wire_->drop(server_, &DropCounters::replayed);  // an answer to another attempt
    return;
  }
  const auto server_public = plain.subspan<kAttemptBytes, kKxPublicBytes>();
  const std::uint8_t suite_byte = plain[kAttemptBytes + kKxPublicBytes];
  const auto token = plain.subspan<kAttemptBytes + kKxPublicBytes + 1, kChallengeTokenBytes>();
  // The server must choose from what was offered (the Challenge is sealed
  // with the token's key, so nobody else chose).
  if (suite_byte >= kSuiteCount || (suites_ & suite_bit(static_cast<Suite>(suite_byte))) == 0) {
    wire_->drop(server_, &DropCounters::malformed);
    return;
  }
  const auto suite = static_cast<Suite>(suite_byte);
  std::array<std::uint8_t, crypto_kx_SESSIONKEYBYTES> from_server{}, to_server{};
  if (crypto_kx_client_session_keys(from_server.data(), to_server.data(), kx_public_.data(),
                                    kx_secret_.bytes.data(), server_public.data()) != 0) {
    wire_->drop(server_, &DropCounters::auth_failed);  // not a usable public key
    return;
  }
  response_[0] = static_cast<std::uint8_t>(PacketType::Response);
  std::copy(token.begin(), token.end(), response_.begin() + 1);
  const std::span<const std::uint8_t, kKxPublicBytes> client_public(kx_public_);
  session_c2s_.set(suite, session_key(token_.client_to_server, Direction::ClientToServer, suite,
                                      std::span<const std::uint8_t, kKeyBytes>(to_server),
                                      client_public, server_public));
  session_s2c_.set(suite, session_key(token_.server_to_client, Direction::ServerToClient, suite,
                                      std::span<const std::uint8_t, kKeyBytes>(from_server),
                                      client_public, server_public));
  sodium_memzero(from_server.data(), from_server.size());
  sodium_memzero(to_server.data(), to_server.size());
  // Forward secrecy: with the secret gone, nobody can derive these keys again.
  kx_secret_ = Key{};
  received_ = ReplayWindow{};
  send_sequence_ = 0;
  state_ = State::SendingResponse;
  responding_since_us_ = now_us;
  send_handshake(now_us);
}

void ClientSecurity::deny(DenyReason reason) {
  state_ = State::Denied;
  denied_ = reason;
  held_.clear();
}

void ClientSecurity::send_handshake(std::uint64_t now_us) {
  next_send_us_ = now_us + kResendUs;
  if (state_ == State::SendingRequest) wire_->transmit(server_, request_);
  if (state_ == State::SendingResponse) wire_->transmit(server_, response_);
}

void ClientSecurity::establish(std::uint64_t now_us) {
  state_ = State::Established;
  // What ENet tried to send meanwhile (its CONNECT) leaves now, sealed.
  for (const auto& plain : held_) {
    const std::size_t n = seal(server_, plain, scratch_, now_us);
    if (n > 0) wire_->transmit(server_, {scratch_.data(), n});
  }
  held_.clear();
}

std::size_t ClientSecurity::seal_carried(socket::Endpoint to, std::span<std::uint8_t> buffer,
                                         std::size_t plain_size, std::uint64_t /*now_us*/,
                                         std::size_t& start, socket::Carrier carrier) {
  if (!(to == server_) || (carrier == socket::Carrier::Direct && state_ != State::Established)) {
    wire_->drop(to, &DropCounters::no_session);
    return 0;
  }
  if (state_ != State::Established) {
    if (state_ == State::Denied) return 0;
    if (held_.size() >= kHoldCapacity) {
      held_.erase(held_.begin());  // ENet resends; keep the newest
      wire_->drop(to, &DropCounters::held_overflow);
    }
    const auto plain = buffer.subspan(kHeadRoom, plain_size);
    held_.emplace_back(plain.begin(), plain.end());
    return 0;
  }
  return session_c2s_.seal_in_place(
      carrier == socket::Carrier::Direct ? PacketType::Direct : PacketType::Payload,
      send_sequence_++, token_.protocol_id, buffer, plain_size, start);
}

std::size_t ClientSecurity::open_carried(socket::Endpoint from, std::span<const std::uint8_t> wire,
                                         std::span<std::uint8_t> out, std::uint64_t now_us,
                                         socket::Carrier& carrier) {
  if (!(from == server_)) {
    wire_->drop(from, &DropCounters::no_session);
    return 0;
  }
  if (wire.empty()) {
    wire_->drop(from, &DropCounters::malformed);
    return 0;
  }
  if (wire[0] == static_cast<std::uint8_t>(PacketType::Rejected)) {
    // In clear, so only believed when it echoes our token's nonce (which an
    // off-path sender cannot know) and only before anything was sealed.
    const bool ours = wire.size() == 1 + kXNonceBytes + 1 &&
                      std::equal(token_.nonce.begin(), token_.nonce.end(), wire.begin() + 1);
    const std::uint8_t reason = wire.back();
    const bool known = reason == static_cast<std::uint8_t>(DenyReason::TokenInvalid) ||
                       reason == static_cast<std::uint8_t>(DenyReason::ProtocolMismatch) ||
                       reason == static_cast<std::uint8_t>(DenyReason::VersionMismatch);
    if (ours && known && state_ == State::SendingRequest) {
      deny(static_cast<DenyReason>(reason));
    } else {
      wire_->drop(from, &DropCounters::malformed);
    }
    return 0;
  }
  Header header;
  if (!read_sealed_header(wire, header)) {
    wire_->drop(from, &DropCounters::malformed);
    return 0;
  }
  std::size_t plain = 0;
  switch (header.type) {
    case PacketType::Challenge:
    case PacketType::Denied: {
      // Handshake packets carry this attempt's id, so one from an earlier
      // attempt (replayed) is not believed; after the session is up they are
      // all stale.
      if (header.sequence < kHandshakeSequenceBase || state_ == State::Established ||
          state_ == State::Denied) {
        wire_->drop(from, &DropCounters::replayed);
        return 0;
      }
      if (!secure::open(header, token_.server_to_client, token_.protocol_id, wire, scratch_,
                        plain)) {
        wire_->drop(from, &DropCounters::auth_failed);
        return 0;
      }
      if (header.type == PacketType::Denied) {
        const bool ours = plain == 1 + kAttemptBytes &&
                          std::equal(attempt_.begin(), attempt_.end(), scratch_.begin() + 1);
        const std::uint8_t reason = scratch_[0];
        const bool known = (reason >= 1 && reason <= 5) ||
                           reason == static_cast<std::uint8_t>(DenyReason::AddressLimit) ||
                           reason == static_cast<std::uint8_t>(DenyReason::CipherMismatch);
        if (!ours || !known) {
          wire_->drop(from, &DropCounters::replayed);
          return 0;
        }
        deny(static_cast<DenyReason>(reason));
      } else if (state_ == State::SendingRequest) {
        take_challenge({scratch_.data(), plain}, now_us);
      } else {
        // Each resent request gets its own challenge. Keep the first: the
        // server makes the session (and its keys) from whichever response
        // arrives first, so all our responses must carry the same token.
        wire_->drop(from, &DropCounters::replayed);
      }
      return 0;
    }
    case PacketType::KeepAlive:
    case PacketType::Payload:
    case PacketType::Direct: {
      if (state_ == State::SendingRequest || state_ == State::Denied) {
        wire_->drop(from, &DropCounters::no_session);
        return 0;
      }
      if (header.sequence >= kHandshakeSequenceBase) {
        wire_->drop(from, &DropCounters::replayed);
        return 0;
      }
      if (received_.already_received(header.sequence)) {
        // A duplicate is opened only for a capture, which records it; a
        // forgery or a datagram older than the window is not.
        std::size_t seen = 0;
        if (header.type == PacketType::Payload && received_.duplicate(header.sequence) &&
            wire_->recording(from) &&
            session_s2c_.open(header, token_.protocol_id, wire, out, seen))
          wire_->replayed(from, out.first(seen), now_us);
        wire_->drop(from, &DropCounters::replayed);
        return 0;
      }
      if (!session_s2c_.open(header, token_.protocol_id, wire, out, plain)) {
        wire_->drop(from, &DropCounters::auth_failed);
        return 0;
      }
      received_.accept(header.sequence);
      if (state_ == State::SendingResponse) establish(now_us);
      carrier = header.type == PacketType::Direct ? socket::Carrier::Direct : socket::Carrier::Enet;
      return header.type == PacketType::KeepAlive ? 0 : plain;
    }
    default: wire_->drop(from, &DropCounters::malformed); return 0;
  }
}

bool ClientSecurity::receive_tally(socket::Endpoint peer, std::uint64_t& accepted,
                                   std::uint64_t& newest) const noexcept {
  if (!(peer == server_) || state_ != State::Established) return false;
  accepted = received_.accepted();
  newest = received_.newest();
  return true;
}

void ClientSecurity::tick(std::uint64_t now_us) {
  // A challenge token lives 10 s: past that, answering it is pointless.
  if (state_ == State::SendingResponse && now_us - responding_since_us_ > kChallengeLifetimeUs)
    new_attempt();
  if ((state_ == State::SendingRequest || state_ == State::SendingResponse) &&
      now_us >= next_send_us_)
    send_handshake(now_us);
}

}  // namespace tickwire::secure
