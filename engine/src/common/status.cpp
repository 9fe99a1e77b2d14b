#include "tickwire/status.hpp"
#include "tickwire/channel.hpp"
#include "tickwire/cipher.hpp"
#include "tickwire/client.hpp"
#include "tickwire/event.hpp"
#include "tickwire/stats.hpp"

namespace tickwire {

const char* to_string(Errc code) noexcept {
  switch (code) {
    case Errc::Ok: return "ok";
    case Errc::InvalidSettings: return "invalid_settings";
    case Errc::InvalidArgument: return "invalid_argument";
    case Errc::ResolveFailed: return "resolve_failed";
    case Errc::AddressInUse: return "address_in_use";
    case Errc::SocketError: return "socket_error";
    case Errc::SeamUnavailable: return "seam_unavailable";
    case Errc::NotRunning: return "not_running";
    case Errc::UnknownConnection: return "unknown_connection";
    case Errc::MessageTooLarge: return "message_too_large";
    case Errc::QueueFull: return "queue_full";
    case Errc::OutOfMemory: return "out_of_memory";
    case Errc::TokenInvalid: return "token_invalid";
    case Errc::TokenExpired: return "token_expired";
    case Errc::WrongServer: return "wrong_server";
  }
  return "unknown";
}

const char* to_string(DisconnectReason reason) noexcept {
  switch (reason) {
    case DisconnectReason::None: return "none";
    case DisconnectReason::Timeout: return "timeout";
    case DisconnectReason::Kicked: return "kicked";
    case DisconnectReason::ServerFull: return "server full";
    case DisconnectReason::ProtocolMismatch: return "protocol mismatch";
    case DisconnectReason::VersionMismatch: return "version mismatch";
    case DisconnectReason::ClosedByPeer: return "closed by peer";
    case DisconnectReason::ClosedLocally: return "closed locally";
    case DisconnectReason::TokenInvalid: return "token invalid (wrong key or room code)";
    case DisconnectReason::TokenExpired: return "token expired";
    case DisconnectReason::WrongServer: return "token not valid for this server";
    case DisconnectReason::TokenInUse: return "token in use from another address";
    case DisconnectReason::AddressLimit: return "too many connections from this address";
    case DisconnectReason::CipherMismatch: return "no cipher suite in common with the server";
  }
  return "unknown";
}

const char* describe(DisconnectReason reason) noexcept {
  switch (reason) {
    case DisconnectReason::Timeout: return "stopped answering (timed out)";
    case DisconnectReason::Kicked: return "kicked";
    case DisconnectReason::ClosedByPeer: return "disconnected";
    case DisconnectReason::ClosedLocally: return "disconnected by this host";
    default: return to_string(reason);
  }
}

const char* to_string(JoinRefusal refusal) noexcept {
  switch (refusal) {
    case JoinRefusal::TokenInvalid: return "token_invalid";
    case JoinRefusal::TokenExpired: return "token_expired";
    case JoinRefusal::WrongServer: return "wrong_server";
    case JoinRefusal::TokenInUse: return "token_in_use";
    case JoinRefusal::ServerFull: return "server_full";
    case JoinRefusal::AddressLimit: return "address_limit";
    case JoinRefusal::ProtocolMismatch: return "protocol_mismatch";
    case JoinRefusal::NeverConnected: return "never_connected";
    case JoinRefusal::CipherMismatch: return "cipher_mismatch";
  }
  return "unknown";
}

const char* describe(JoinRefusal refusal) noexcept {
  switch (refusal) {
    case JoinRefusal::TokenInvalid:
      return "the connect token could not be opened (wrong room code or token key)";
    case JoinRefusal::TokenExpired: return "the connect token has expired";
    case JoinRefusal::WrongServer: return "the connect token is for another server address";
    case JoinRefusal::TokenInUse: return "the connect token is in use from another address";
    case JoinRefusal::ServerFull: return "the server is full";
    case JoinRefusal::AddressLimit: return "too many connections from that address";
    case JoinRefusal::ProtocolMismatch: return "another game, channel layout or wire version";
    case JoinRefusal::NeverConnected: return "it did not complete the connection in time";
    case JoinRefusal::CipherMismatch: return "it offers no cipher suite this server accepts";
  }
  return "unknown";
}

const char* to_string(CipherSuite suite) noexcept {
  switch (suite) {
    case CipherSuite::Auto: return "auto";
    case CipherSuite::ChaCha20Poly1305: return "chacha20poly1305";
    case CipherSuite::Aes256Gcm: return "aes256gcm";
  }
  return "unknown";
}

std::optional<CipherSuite> parse_cipher_suite(std::string_view name) noexcept {
  for (CipherSuite s : {CipherSuite::Auto, CipherSuite::ChaCha20Poly1305, CipherSuite::Aes256Gcm})
    if (name == to_string(s)) return s;
  return std::nullopt;
}

const char* to_string(ChannelKind kind) noexcept {
  switch (kind) {
    case ChannelKind::ReliableOrdered: return "reliable ordered";
    case ChannelKind::UnreliableSequenced: return "unreliable sequenced";
    case ChannelKind::Unreliable: return "unreliable";
  }
  return "unknown";
}

const char* to_string(ClientState state) noexcept {
  switch (state) {
    case ClientState::Disconnected: return "disconnected";
    case ClientState::Connecting: return "connecting";
    case ClientState::Connected: return "connected";
    case ClientState::Disconnecting: return "disconnecting";
  }
  return "unknown";
}

}  // namespace tickwire
