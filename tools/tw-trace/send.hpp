// tw-trace send: one recorded player's inputs, played again against a live
// server by new clients.
#pragma once

#include <string>

namespace twtrace {

struct SendOptions {
  long connection = -1;    // a server's trace: the client whose inputs to take (default 0)
  std::string to;          // HOST:PORT of the live server
  std::string code;        // its room code, or
  std::string token_file;  // a connect token from its backend
  int clients = 1;         // how many clients play the inputs at once (1..64)
  bool quiet = false;      // no line a second
};

// Returns the exit status: 0 every client played the inputs through, 1 a
// bad trace, no inputs in it, or a client that could not connect or was
// dropped, 2 a trace of a game send cannot play.
int send(const std::string& path, const SendOptions& options);

}  // namespace twtrace
