#include "app/explain.hpp"

namespace arena::app {

Explanation explain_end(const client::GameClient& c) {
  using R = tickwire::DisconnectReason;
  const std::string& to = c.server_address();
  const bool was_in = c.ever_connected();
  switch (c.disconnect_reason()) {
    case R::ServerFull:
      return {"The server at " + to + " is full.", "Try again later, or join another server."};
    case R::AddressLimit:
      return {"The server at " + to + " has as many players from your address as it allows.",
              "Ask the host to raise --max-per-address, or join from another address."};
    case R::ProtocolMismatch:
    case R::VersionMismatch:
      return {"The server at " + to + " runs a different version of arena.",
              "Use the same version as the host."};
    case R::Kicked:
      return {was_in ? "The server removed you from the match."
                     : "The server at " + to + " refused to let you in.",
              "Ask the host why."};
    case R::TokenInvalid:
      return {"The server at " + to + " did not accept your room code.",
              "Check the code the host gave you (--code)."};
    case R::TokenExpired:
      return {"Your connect token has expired.", "Get a new one from the game's backend."};
    case R::WrongServer:
      return {"Your connect token is not for the server at " + to + ".",
              "A server behind NAT needs --public-address; get a token that lists it."};
    case R::TokenInUse:
      return {"Your connect token is already in use by another connection.",
              "Each player needs a token of their own."};
    case R::ClosedByPeer:
      return {"The server closed the connection: it was stopped or restarted.",
              "Join again once it is back."};
    case R::CipherMismatch:
      return {"The server at " + to + " accepts no encryption this computer offers.",
              "Unset TICKWIRE_CIPHER on both sides (the default picks one both can run)."};
    case R::ClosedLocally: return {"You left the match.", ""};
    case R::Timeout:
    case R::None: break;
  }
  if (was_in)
    return {"The server at " + to + " stopped answering.",
            "It may have stopped, or the network between you broke. Join again when it is back."};
  return {"No answer from " + to + ".",
          "Is a server running there, and is its UDP port open (and the address right)?"};
}

}  // namespace arena::app
