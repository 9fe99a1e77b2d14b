#include "app/options.hpp"

#include <tickwire/token.hpp>

#include <cstdio>
#include <string_view>

#include "args.hpp"

namespace arena::app {

const char* usage() noexcept {
  return R"(usage:
  arena [--port 27015]                 local match: server in-process, a window, 3 bots
  arena --server [--port 27015] [--bots N] [--max-players 32]      dedicated server, no window
  arena --connect HOST[:PORT] --code CODE [--name NAME]             join a server
                                     (or --token FILE instead of --code)
        --bot              the client plays by itself
        --reconnect        when the connection ends, join again by itself (after 1 s, then
                           2, 4, ... up to 16 s between tries); in a window, R does it at once
        --headless         no window; a one-line text net graph on stdout every second
        --clients N        join as N bot players from this one process (1..32; implies
                           --bot --headless; needs --code; names NAME-1..NAME-N, NAME cut
                           to fit 15 bytes with them). For load and soak runs (scripts/soak)
        --no-predict       draw your own ship as the server sends it, a round trip late
                           (no client-side prediction; for comparison, like cl_predict 0)
        --duration SEC     exit cleanly after SEC seconds (server and client)
        --stats-json FILE  on exit write stats as JSON to FILE
        --world-hashes FILE
                           client: write "TICK HASH" for every world a snapshot gave
                           (compare with `tw-trace replay` of the client's trace)
        --sim SPEC         link conditioner for this process, e.g. "both.lag=50,both.loss=5"
                           (a bare key: what this process sends; in.: what it receives;
                           both.: both ways. The net graph shows the loss of what arrives)
        --code CODE        the room's secret code: random, 10+ letters and digits (codes
                           easy to guess are refused). A server without --code or
                           --token-key makes one and prints the join line; players
                           need it to get in. Traffic is always encrypted.
        --token FILE       join with a connect token from the game's backend (tw-token make)
        --token-key FILE   server: open backend tokens with this key (tw-token keygen)
        --max-per-address N
                           server: connections one IP address may hold (default 8;
                           0 = no limit). Raise it when many players share one NAT.
        --public-address HOST:PORT
                           server: the address players use when it is not this host's own
                           (port forwarding, NAT); tokens must list it. May be repeated.
        --help

In a window: WASD or arrow keys move, the mouse aims, the left button fires,
Tab shows the scoreboard, F3 toggles the net graph, G shows where the server
has your ship (the ghost), Esc quits.
Hosting for other machines: run `arena --server --bots 3` and open UDP port
27015 (e.g. `ufw allow 27015/udp`). The server prints the line players use to
join, e.g. `arena --connect 192.168.1.20:27015 --code k7xq-m2pd-9tfa`.
)";
}

bool parse_options(int argc, const char* const* argv, Options& out, std::string& error) {
  out = Options{};
  bool server = false, have_bots = false, have_max = false;
  bool have_name = false, have_clients = false;
  using tickwire::cli::Flag;
  auto set = [](bool& flag) {
    return [&flag](std::string_view) { return (flag = true), std::string(); };
  };
  auto count = [](const char* name, long lo, long hi, int& to, bool* seen = nullptr) {
    return [=, &to](std::string_view v) {
      long n = 0;
      std::string e = tickwire::cli::number(name, v, lo, hi, n);
      if (e.empty()) {
        to = static_cast<int>(n);
        if (seen != nullptr) *seen = true;
      }
      return e;
    };
  };
  auto file = [](const char* name, std::string& to) {
    return [=, &to](std::string_view v) {
      if (v.empty()) return std::string(name) + ": expected a file name";
      to = v;
      return std::string();
    };
  };
  auto seconds = [](const char* name, double& to) {
    return [=, &to](std::string_view v) { return tickwire::cli::seconds(name, v, 1e7, to); };
  };
  const Flag flags[] = {
      {"--server", false, set(server)},
      {"--bot", false, set(out.bot)},
      {"--reconnect", false, set(out.reconnect)},
      {"--headless", false, set(out.headless)},
      {"--no-predict", false, set(out.no_predict)},
      {"--scoreboard", false, set(out.scoreboard)},
      {"--ghost", false, set(out.ghost)},
      {"--port", true,
       [&](std::string_view v) {
         // 0 (any free port) is for tests of a local match or a server.
         long n = 0;
         if (!tickwire::cli::parse_number(v, 0L, 65535L, n))
           return "--port: expected a UDP port 1..65535, got '" + std::string(v) + "'";
         out.port = static_cast<std::uint16_t>(n);
         return std::string();
       }},
      {"--bots", true, count("--bots", 0, 32, out.bots, &have_bots)},
      {"--clients", true, count("--clients", 1, 32, out.clients, &have_clients)},
      {"--max-players", true, count("--max-players", 1, 32, out.max_players, &have_max)},
      {"--max-per-address", true,
       count("--max-per-address", 0, 32, out.max_per_address, &have_max)},
      {"--connect", true,
       [&](std::string_view v) {
         if (v.empty()) return std::string("--connect: expected HOST[:PORT]");
         out.connect = v;
         return std::string();
       }},
      {"--name", true,
       [&](std::string_view v) { return (out.name = v), (have_name = true), std::string(); }},
      {"--duration", true, seconds("--duration", out.duration_s)},
      {"--stats-json", true, file("--stats-json", out.stats_json)},
      {"--world-hashes", true, file("--world-hashes", out.world_hashes)},
      {"--code", true,
       [&](std::string_view v) {
         if (v.size() < 6 || v.size() > 128)
           return std::string("--code: a room code has 6 to 128 characters");
         if (const double bits = tickwire::room_code_bits(v); bits < tickwire::kMinRoomCodeBits) {
           char text[240];
           std::snprintf(text, sizeof(text),
                         "--code: '%.*s' is too easy to guess (about %.0f bits, at least %.0f "
                         "needed): use 10 or more random letters and digits, or leave --code "
                         "out and the server makes one",
                         static_cast<int>(v.size()), v.data(), bits, tickwire::kMinRoomCodeBits);
           return std::string(text);
         }
         out.code = v;
         return std::string();
       }},
      {"--token", true, file("--token", out.token_file)},
      {"--token-key", true, file("--token-key", out.token_key_file)},
      {"--public-address", true,
       [&](std::string_view v) {
         const auto colon = v.rfind(':');
         long port = 0;
         if (colon == std::string_view::npos || colon == 0 ||
             !tickwire::cli::parse_number(v.substr(colon + 1), 1L, 65535L, port))
           return "--public-address: expected HOST:PORT, got '" + std::string(v) + "'";
         out.public_addresses.emplace_back(v);
         return std::string();
       }},
      {"--sim", true,
       [&](std::string_view v) {
         out.sim = v;
         if (tickwire::Status s = tickwire::parse_conditioner_spec(v, out.conditioner); !s)
           return "--sim: " + s.message;
         return std::string();
       }},
      {"--screenshot", true,
       [&](std::string_view v) { return (out.screenshot = v), std::string(); }},
      {"--screenshot-at", true, seconds("--screenshot-at", out.screenshot_at_s)},
      {"--size", true,
       [&](std::string_view v) {
         const auto x = v.find('x');
         long w = 0, h = 0;
         if (x == std::string_view::npos ||
             !tickwire::cli::parse_number(v.substr(0, x), 320L, 7680L, w) ||
             !tickwire::cli::parse_number(v.substr(x + 1), 240L, 4320L, h))
           return std::string("--size: expected WIDTHxHEIGHT, e.g. 1280x720");
         out.width = static_cast<int>(w);
         out.height = static_cast<int>(h);
         return std::string();
       }},
  };
  switch (tickwire::cli::parse(argc, argv, flags, error)) {
    case tickwire::cli::Outcome::Help: out.help = true; return true;
    case tickwire::cli::Outcome::Bad: return false;
    case tickwire::cli::Outcome::Ok: break;
  }

  if (server && !out.connect.empty()) {
    error = "--server and --connect cannot be used together";
    return false;
  }
  out.mode = server ? Mode::Server : (out.connect.empty() ? Mode::Local : Mode::Connect);
  if (out.reconnect && out.mode != Mode::Connect) {
    error = "--reconnect is for a client that joins a server (--connect)";
    return false;
  }
  if (have_clients) {
    if (out.mode != Mode::Connect) {
      error = "--clients is for joining a server (--connect)";
      return false;
    }
    if (!out.token_file.empty() || !out.world_hashes.empty() || !out.screenshot.empty()) {
      error =
          "--clients: each bot needs its own way in (use --code, not --token) and none "
          "writes --world-hashes or a --screenshot";
      return false;
    }
    out.bot = out.headless = true;
  }
  if (out.mode == Mode::Connect && (have_bots || have_max)) {
    error =
        "--bots, --max-players and --max-per-address are for the server (--server or a local "
        "match)";
    return false;
  }
  if (out.mode == Mode::Server && (out.bot || have_name || !out.screenshot.empty() ||
                                   out.no_predict || !out.world_hashes.empty())) {
    error =
        "--bot, --name, --no-predict, --screenshot and --world-hashes are for a client "
        "(--connect or a local match)";
    return false;
  }
  if (out.mode == Mode::Server) out.headless = true;
  if (!out.token_file.empty() && out.mode != Mode::Connect) {
    error = "--token is for joining a server (--connect)";
    return false;
  }
  if ((!out.token_key_file.empty() || !out.public_addresses.empty()) && out.mode != Mode::Server) {
    error = "--token-key and --public-address are for a dedicated server (--server)";
    return false;
  }
  if (!out.code.empty() && (!out.token_file.empty() || !out.token_key_file.empty())) {
    error = "--code and --token/--token-key are two ways in; use one";
    return false;
  }
  if (out.mode == Mode::Connect && out.code.empty() && out.token_file.empty()) {
    error = "to join, give the room's --code (the server prints it) or a --token FILE";
    return false;
  }
  if (out.bots < 0) out.bots = out.mode == Mode::Local ? 3 : 0;
  if (out.bots > out.max_players) {
    error = "--bots: more bots than --max-players";
    return false;
  }
  if (out.mode == Mode::Connect) {
    // "host" or "host:port"; ENet speaks IPv4 only, so one colon at most.
    if (out.connect.find(':') == std::string::npos) {
      out.connect += ":" + std::to_string(out.port);
    } else {
      long port_check = 0;
      const auto colon = out.connect.rfind(':');
      if (!tickwire::cli::parse_number(std::string_view(out.connect).substr(colon + 1), 1L, 65535L,
                                       port_check) ||
          colon == 0) {
        error = "--connect: expected HOST[:PORT] with a port 1..65535, got '" + out.connect + "'";
        return false;
      }
    }
  }
  if (out.mode == Mode::Connect && out.port == 0) {
    error = "--port: 0 is not a port to join";
    return false;
  }
  return true;
}

}  // namespace arena::app
