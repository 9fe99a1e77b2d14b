// The client's secure stage: runs the handshake for one connect token, holds
// ENet's datagrams (never sends them in clear) until the session is up, then
// seals and opens every datagram to and from the server.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "secure/crypto.hpp"
#include "secure/server_security.hpp"
#include "secure/token_format.hpp"
#include "socket/stage.hpp"

namespace tickwire::secure {

class ClientSecurity final : public socket::SecureStage {
 public:
  [[nodiscard]] Control control_kind(std::span<const std::uint8_t> wire) const noexcept override {
    return secure::control_kind(wire);
  }
  enum class State : std::uint8_t { SendingRequest, SendingResponse, Established, Denied };

  static constexpr std::uint64_t kResendUs = 100'000;  // requests and responses, 10 a second
  static constexpr std::size_t kHoldCapacity = 8;      // ENet datagrams held before the session

  // `token` must have passed parse_public. `server` is where it connects.
  // `suites`: the cipher suites offered (bit 1 << Suite, at least one this
  // machine can run); the server chooses.
  ClientSecurity(const PublicToken& token, socket::Endpoint server, std::uint8_t suites);

  [[nodiscard]] std::uint32_t overhead() const noexcept override { return kSealOverhead; }
  std::size_t seal_carried(socket::Endpoint to, std::span<std::uint8_t> buffer,
                           std::size_t plain_size, std::uint64_t now_us, std::size_t& start,
                           socket::Carrier carrier) override;
  std::size_t open_carried(socket::Endpoint from, std::span<const std::uint8_t> wire,
                           std::span<std::uint8_t> out, std::uint64_t now_us,
                           socket::Carrier& carrier) override;
  void tick(std::uint64_t now_us) override;
  bool receive_tally(socket::Endpoint peer, std::uint64_t& accepted,
                     std::uint64_t& newest) const noexcept override;

  [[nodiscard]] State state() const noexcept { return state_; }
  // Why the server refused the token (only in State::Denied).
  [[nodiscard]] DenyReason denied() const noexcept { return denied_; }
  // The session's cipher suite (once a challenge was taken).
  [[nodiscard]] Suite suite() const noexcept { return session_c2s_.suite(); }

 private:
  void send_handshake(std::uint64_t now_us);
  void establish(std::uint64_t now_us);
  void deny(DenyReason reason);
  // A fresh attempt: a new random attempt id and request.
  void new_attempt();
  // Handles a Challenge's plaintext: attempt id, then the challenge token.
  void take_challenge(std::span<const std::uint8_t> plain, std::uint64_t now_us);

  PublicToken token_;
  socket::Endpoint server_;
  State state_ = State::SendingRequest;
  DenyReason denied_{};
  std::array<std::uint8_t, kAttemptBytes> attempt_{};
  // This attempt's ephemeral X25519 key pair; the secret is wiped once the
  // session keys are derived.
  std::array<std::uint8_t, kKxPublicBytes> kx_public_{};
  Key kx_secret_;
  std::array<std::uint8_t, kRequestBytes> request_{};
  std::array<std::uint8_t, kResponseBytes> response_{};
  std::uint8_t suites_ = 0;    // offered
  SessionCipher session_c2s_;  // derived from the challenge; used once established
  SessionCipher session_s2c_;
  std::uint64_t next_send_us_ = 0;
  std::uint64_t responding_since_us_ = 0;
  std::uint64_t send_sequence_ = 0;
  ReplayWindow received_;
  std::vector<std::vector<std::uint8_t>> held_;  // at most kHoldCapacity, oldest first
  std::vector<std::uint8_t> scratch_;
};

}  // namespace tickwire::secure
