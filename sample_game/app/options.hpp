// arena — the command line. Parsing is pure (no I/O) so that it is tested.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <tickwire/conditioner.hpp>

namespace arena::app {

enum class Mode : std::uint8_t {
  Local,    // no --server, no --connect: server in-process, a window (or --headless), bots
  Server,   // --server: dedicated server, no window
  Connect,  // --connect HOST[:PORT]: join a server
};

struct Options {
  Mode mode = Mode::Local;
  std::uint16_t port = 27015;  // UDP port to listen on (local, server) or the default to join
  int bots = -1;               // -1: the mode's default (local 3, server 0)
  int max_players = 32;        // 1..32
  int max_per_address = 8;     // connections one IP address may hold, 0..32; 0 = no limit
  std::string connect;         // "host:port" (the port filled in from --port when absent)
  std::string name;            // empty: the caller picks a default
  bool bot = false;            // the client plays by itself
  bool headless = false;       // no window; a text net graph every second
  bool no_predict = false;     // draw the own ship as the server sends it (--no-predict)
  bool reconnect = false;      // --reconnect: join again by itself when the connection ends
  int clients = 1;             // --clients N: N bot players in this process (load tests)
  bool ghost = false;          // start with the ghost overlay shown (G; not in --help)
  double duration_s = 0;       // exit cleanly after this long, seconds; 0 = until stopped
  std::string stats_json;      // write stats here on exit; empty = no file
  std::string world_hashes;    // client: a line "tick hash" per world received; empty = none
  std::string code;            // --code: room code (empty: a server makes a random one)
  std::string token_file;      // --token: a connect token from the game's backend (client)
  std::string token_key_file;  // --token-key: the key that opens backend tokens (server)
  std::vector<std::string> public_addresses;      // --public-address HOST:PORT (server)
  std::string sim;                                // --sim spec as given
  tickwire::LinkConditionerSettings conditioner;  // parsed from --sim
  bool help = false;

  // Not in --help (tests and docs): save the window's frame as a BMP file
  // `screenshot_at_s` seconds after the first state arrived, then exit.
  std::string screenshot;
  double screenshot_at_s = 2.0;
  int width = 1280, height = 720;  // window size, pixels (--size WxH)
  bool scoreboard = false;         // --scoreboard: always show it (as if Tab were held)
};

// Fills `out` from argv. Returns false with a one-line `error` on a bad flag
// or value (the caller prints it with the usage and exits with status 2).
bool parse_options(int argc, const char* const* argv, Options& out, std::string& error);

// The --help text.
const char* usage() noexcept;

}  // namespace arena::app
