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

// The options' syntax is the caller's to check (main.cpp); send loads the
// token file and resolves the server's host before it reads the trace.
// Returns the exit status: 0 every client played the inputs through, 1 an
// unreadable token file, a host that does not resolve, a bad trace, a trace
// of a game send has no decoder for (it plays arena's), no inputs in it, or
// a client that could not connect or was dropped.
int send(const std::string& path, const SendOptions& options);

}  // namespace twtrace
