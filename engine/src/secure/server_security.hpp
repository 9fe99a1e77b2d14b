// The server's secure stage: answers connection requests with challenges,
// turns valid responses into sessions, and seals and opens every datagram of
// an established session. Datagrams from addresses without a session never
// reach ENet.
//
// State before a valid response: none per sender. The challenge token, sealed
// under a key made at start, carries everything the server needs back, bound
// to the sender's address, the session keys included (the server's ephemeral
// X25519 secret never leaves handle_request). Replies never exceed the
// datagram that caused them, and a reply budget caps them per second.
// Memory: the session table, fixed at max_sessions entries, nothing else grows.
//
// What one session may hold: one ENet connection (claim_connection), which
// it must complete within connect_deadline_us; it stays alive only through
// traffic that passes the ENet command guard (accepted()).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <vector>

#include "secure/crypto.hpp"
#include "secure/token_format.hpp"
#include "socket/endpoint_map.hpp"
#include "socket/stage.hpp"
#include "tickwire/stats.hpp"

namespace tickwire::secure {

// Challenge token plaintext: client id, expiry, address, token id, the two
// session keys, timeout, user data, attempt id, the token's
// server-to-client key (to seal a Denied for a response) and the suite.
inline constexpr std::size_t kChallengePlainBytes = 411;
inline constexpr std::size_t kChallengeTokenBytes = kXNonceBytes + kChallengePlainBytes + kTagBytes;
inline constexpr std::size_t kResponseBytes = 1 + kChallengeTokenBytes;  // 452
// A Challenge's plaintext: attempt id, the server's ephemeral public key, the
// chosen suite (1), the challenge token.
inline constexpr std::size_t kChallengeBodyBytes =
    kAttemptBytes + kKxPublicBytes + 1 + kChallengeTokenBytes;
inline constexpr std::uint64_t kChallengeLifetimeUs = 10'000'000;

struct ServerSecurityConfig {
  std::uint64_t protocol_id = 0;
  Key token_key;                                   // shared with the backend
  std::vector<socket::Endpoint> public_endpoints;  // addresses tokens must list (one of)
  std::uint32_t max_sessions = 32;
  std::uint32_t replies_per_sec = 2000;  // handshake replies, all senders together
  // Sessions one IPv4 address may hold at once; 0: no limit.
  std::uint32_t max_sessions_per_address = 0;
  // A session's idle timeout is the token's, capped at this, s.
  std::uint32_t max_timeout_s = 600;
  // A session whose ENet connection is not established by then ends, us.
  std::uint64_t connect_deadline_us = 5'000'000;
  // Cipher suites sessions may use (bit 1 << Suite; those this machine can
  // run). Of those a client offers, AES-256-GCM is chosen first.
  std::uint8_t suites = suite_bit(Suite::ChaCha20Poly1305);
  // Told of every join refused or dropped (for the host's log and counters).
  std::function<void(socket::Endpoint, JoinRefusal)> on_refusal;
  // Told of every session that ended by itself (idle, or not connected in
  // time), so the ENet connection at that address ends with it: a new
  // session from the same address must never inherit it.
  std::function<void(socket::Endpoint)> on_expired;
};

struct SessionInfo {
  std::uint64_t client_id = 0;
  std::array<std::uint8_t, kUserData> user_data{};
};

class ServerSecurity final : public socket::SecureStage {
 public:
  [[nodiscard]] Control control_kind(std::span<const std::uint8_t> wire) const noexcept override {
    return secure::control_kind(wire);
  }
  explicit ServerSecurity(ServerSecurityConfig config);
  ~ServerSecurity() override;
  void set_public_endpoints(std::vector<socket::Endpoint> endpoints) {
    config_.public_endpoints = std::move(endpoints);
  }

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

  bool claim_connection(socket::Endpoint from, std::uint32_t connect_id,
                        std::uint64_t now_us) override;
  void accepted(socket::Endpoint from, std::uint64_t now_us) override;

  // The cipher suite of the session at `peer`, if there is one.
  [[nodiscard]] std::optional<Suite> suite(socket::Endpoint peer);
  // Who is behind an established session; false when there is none.
  bool session_info(socket::Endpoint peer, SessionInfo& out);
  // The session's ENet connection is established: its connect deadline no
  // longer applies.
  void connection_established(socket::Endpoint peer);
  // Ends a session at once (its keys are wiped): the net layer calls it when
  // ENet's connection ends.
  void end_session(socket::Endpoint peer);
  [[nodiscard]] std::size_t session_count() const noexcept { return sessions_.size(); }
  [[nodiscard]] const JoinRefusals& refusals() const noexcept { return refusals_; }

 private:
  struct Session {
    SessionCipher client_to_server;
    SessionCipher server_to_client;
    std::uint64_t send_sequence = 0;
    ReplayWindow received;
    std::uint64_t client_id = 0;
    std::array<std::uint8_t, kXNonceBytes> token_id{};  // the connect token's nonce
    std::uint64_t timeout_us = 0;
    std::uint64_t last_receive_us = 0;
    std::uint64_t created_us = 0;
    std::uint32_t connect_id = 0;  // the ENet connection it carries, once claimed
    bool claimed = false;
    bool connected = false;  // ENet's connection is established
    // The challenge token it was made from, until that token expires: a
    // replayed Response must not make the session (and its keys) again.
    std::array<std::uint8_t, kXNonceBytes> challenge_nonce{};
    std::uint64_t challenge_expires_us = 0;
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
  // Whether `from`'s address holds as many sessions as it may (not counting `from`'s own).
  bool address_full(socket::Endpoint from);
  bool listed(const PrivateToken& token) const;
  void refused(socket::Endpoint from, JoinRefusal why);
  // Ends a session, remembering its challenge token while that could still
  // be answered (so a replayed Response is refused, never a session made
  // twice with the same keys and sequences).
  void erase(socket::Endpoint peer);
  [[nodiscard]] bool burnt(const std::uint8_t* challenge_nonce, std::uint64_t now_us) const;

  ServerSecurityConfig config_;
  Key challenge_key_;  // made at start, never leaves the process
  std::uint64_t handshake_sequence_ = kHandshakeSequenceBase;  // randomised at construction
  socket::EndpointMap<Session> sessions_;
  // Challenge tokens of ended sessions, newest over oldest; 4 x max_sessions
  // of them (a token lives 10 s, and every session needs one).
  struct Burnt {
    std::array<std::uint8_t, kXNonceBytes> nonce{};
    std::uint64_t expires_us = 0;
  };
  std::vector<Burnt> burnt_;
  std::size_t next_burnt_ = 0;
  JoinRefusals refusals_;
  double reply_budget_ = 0;
  std::uint64_t budget_time_us_ = 0;
  std::uint64_t next_expiry_check_us_ = 0;
};

}  // namespace tickwire::secure
