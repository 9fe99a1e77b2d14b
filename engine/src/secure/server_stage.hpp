// The server's secure stage: answers connection requests with challenges,
// turns valid responses into sessions, and seals and opens every datagram of
// an established session. Datagrams from addresses without a session never
// reach ENet.
//
// State before a valid response: none per sender. The challenge token, sealed
// under a key made at start, carries everything the server needs back, bound
// to the sender's address. Replies never exceed the datagram that caused
// them, and a reply budget caps them per second. Memory: the session table,
// fixed at max_sessions entries, nothing else grows.
#pragma once

#include <cstdint>
#include <vector>

#include "secure/crypto.hpp"
#include "secure/token_format.hpp"
#include "socket/endpoint_map.hpp"
#include "socket/stage.hpp"

namespace tickwire::secure {

inline constexpr std::size_t kChallengePlainBytes = 378;
inline constexpr std::size_t kChallengeTokenBytes = kXNonceBytes + kChallengePlainBytes + kTagBytes;
inline constexpr std::size_t kResponseBytes = 1 + kChallengeTokenBytes;  // 419
inline constexpr std::uint64_t kChallengeLifetimeUs = 10'000'000;

struct ServerSecurityConfig {
  std::uint64_t protocol_id = 0;
  Key token_key;                                   // shared with the backend
  std::vector<socket::Endpoint> public_endpoints;  // addresses tokens must list (one of)
  std::uint32_t max_sessions = 32;
  std::uint32_t replies_per_sec = 2000;  // handshake replies, all senders together
};

struct SessionInfo {
  std::uint64_t client_id = 0;
  std::array<std::uint8_t, kUserData> user_data{};
};

class ServerSecurity final : public socket::SecureStage {
 public:
  explicit ServerSecurity(ServerSecurityConfig config);
  ~ServerSecurity() override;
  void set_public_endpoints(std::vector<socket::Endpoint> endpoints) {
    config_.public_endpoints = std::move(endpoints);
  }

  [[nodiscard]] std::uint32_t overhead() const noexcept override { return kSealOverhead; }
  std::size_t seal(socket::Endpoint to, std::span<const std::uint8_t> plain,
                   std::span<std::uint8_t> out, std::uint64_t now_us) override;
  std::size_t open(socket::Endpoint from, std::span<const std::uint8_t> wire,
                   std::span<std::uint8_t> out, std::uint64_t now_us) override;
  void tick(std::uint64_t now_us) override;
  bool receive_tally(socket::Endpoint peer, std::uint64_t& accepted,
                     std::uint64_t& newest) const noexcept override;

  // Who is behind an established session; false when there is none.
  bool session_info(socket::Endpoint peer, SessionInfo& out);
  // Ends a session at once (its keys are wiped): the net layer calls it when
  // ENet's connection ends.
  void end_session(socket::Endpoint peer);
  [[nodiscard]] std::size_t session_count() const noexcept { return sessions_.size(); }

 private:
  struct Session {
    Key client_to_server;
    Key server_to_client;
    std::uint64_t send_sequence = 0;
    ReplayWindow received;
    std::uint64_t client_id = 0;
    std::array<std::uint8_t, kXNonceBytes> token_id{};  // the connect token's nonce
    std::uint64_t timeout_us = 0;
    std::uint64_t last_receive_us = 0;
    std::array<std::uint8_t, kUserData> user_data{};
  };

  void handle_request(socket::Endpoint from, std::span<const std::uint8_t> wire,
                      std::uint64_t now_us);
  void handle_response(socket::Endpoint from, std::span<const std::uint8_t> wire,
                       std::uint64_t now_us);
  // Spends one reply from the budget; false when it is empty. Callers count
  // exactly one drop cause per datagram.
  bool take_reply(std::uint64_t now_us);
  // A Denied sealed with the token's server-to-client key, echoing the attempt.
  void send_denied(socket::Endpoint to, const Key& server_to_client, DenyReason reason,
                   const std::uint8_t* attempt);
  void send_keepalive(socket::Endpoint to, Session& session);
  // The session holding this connect token at another address, if any.
  bool token_in_use(const std::array<std::uint8_t, kXNonceBytes>& token_id,
                    socket::Endpoint except);
  bool listed(const PrivateToken& token) const;

  ServerSecurityConfig config_;
  Key challenge_key_;  // made at start, never leaves the process
  std::uint64_t handshake_sequence_ = kHandshakeSequenceBase;  // randomised at construction
  socket::EndpointMap<Session> sessions_;
  double reply_budget_ = 0;
  std::uint64_t budget_time_us_ = 0;
  std::uint64_t next_expiry_check_us_ = 0;
};

}  // namespace tickwire::secure
