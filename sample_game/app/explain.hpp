// arena — why a session ended, in words a player understands, and what to
// do about it: for the window's end screen and the headless client's last
// line on stderr.
#pragma once

#include <string>

#include "client/game_client.hpp"

namespace arena::app {

struct Explanation {
  std::string what;    // one sentence: what happened
  std::string advice;  // one sentence: what the player can do about it
};

// For a client whose connection ended (or never came up).
Explanation explain_end(const client::GameClient& c);

}  // namespace arena::app
