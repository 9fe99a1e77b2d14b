#include "app/options.hpp"

#include <tickwire/token.hpp>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <string_view>

namespace arena::app {

namespace {

bool parse_int(std::string_view text, long lo, long hi, long& out) {
  long v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || v < lo || v > hi) return false;
  out = v;
  return true;
}

bool parse_seconds(std::string_view text, double& out) {
  // std::from_chars for double is in GCC 11+.
  double v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || !std::isfinite(v) || v <= 0 ||
      v > 1e7)
    return false;
  out = v;
  return true;
}

}  // namespace

const char* usage() noexcept {
  return R"(usage:
  arena [--port 27015]                 local match: server in-process, a window, 3 bots
  arena --server [--port 27015] [--bots N] [--max-players 32]      dedicated server, no window
  arena --connect HOST[:PORT] --code CODE [--name NAME]             join a server
                                     (or --token FILE instead of --code)
        --bot              the client plays by itself
        --headless         no window; a one-line text net graph on stdout every second
        --duration SEC     exit cleanly after SEC seconds (server and client)
        --stats-json FILE  on exit write stats as JSON to FILE
        --sim SPEC         link conditioner for this process, e.g. "lag=100,jitter=20,loss=5"
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
Tab shows the scoreboard, F3 toggles the net graph, Esc quits.
Hosting for other machines: run `arena --server --bots 3` and open UDP port
27015 (e.g. `ufw allow 27015/udp`). The server prints the line players use to
join, e.g. `arena --connect 192.168.1.20:27015 --code k7xq-m2pd-9tfa`.
)";
}

bool parse_options(int argc, const char* const* argv, Options& out, std::string& error) {
  out = Options{};
  bool server = false, have_bots = false, have_max = false;
  bool have_name = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    // Flags that take a value: accept "--flag VALUE" and "--flag=VALUE".
    std::string_view flag = arg, value;
    bool inline_value = false;
    if (arg.starts_with("--")) {
      if (const auto eq = arg.find('='); eq != std::string_view::npos) {
        flag = arg.substr(0, eq);
        value = arg.substr(eq + 1);
        inline_value = true;
      }
    }
    auto take = [&](std::string_view& v) {
      if (inline_value) {
        v = value;
        return true;
      }
      if (i + 1 >= argc) {
        error = std::string(flag) + " needs a value";
        return false;
      }
      v = argv[++i];
      return true;
    };
    auto no_value = [&] {
      if (!inline_value) return true;
      error = std::string(flag) + " takes no value";
      return false;
    };
    std::string_view v;
    long n = 0;
    if (flag == "--help" || flag == "-h") {
      if (!no_value()) return false;
      out.help = true;
    } else if (flag == "--server") {
      if (!no_value()) return false;
      server = true;
    } else if (flag == "--bot") {
      if (!no_value()) return false;
      out.bot = true;
    } else if (flag == "--headless") {
      if (!no_value()) return false;
      out.headless = true;
    } else if (flag == "--port") {
      if (!take(v)) return false;
      // 0 (any free port) is for tests of a local match or a server.
      if (!parse_int(v, 0, 65535, n)) {
        error = "--port: expected a UDP port 1..65535, got '" + std::string(v) + "'";
        return false;
      }
      out.port = static_cast<std::uint16_t>(n);
    } else if (flag == "--bots") {
      if (!take(v)) return false;
      if (!parse_int(v, 0, 32, n)) {
        error = "--bots: expected 0..32, got '" + std::string(v) + "'";
        return false;
      }
      out.bots = static_cast<int>(n);
      have_bots = true;
    } else if (flag == "--max-players") {
      if (!take(v)) return false;
      if (!parse_int(v, 1, 32, n)) {
        error = "--max-players: expected 1..32, got '" + std::string(v) + "'";
        return false;
      }
      out.max_players = static_cast<int>(n);
      have_max = true;
    } else if (flag == "--max-per-address") {
      if (!take(v)) return false;
      if (!parse_int(v, 0, 32, n)) {
        error = "--max-per-address: expected 0..32 (0 = no limit), got '" + std::string(v) + "'";
        return false;
      }
      out.max_per_address = static_cast<int>(n);
      have_max = true;
    } else if (flag == "--connect") {
      if (!take(v)) return false;
      if (v.empty()) {
        error = "--connect: expected HOST[:PORT]";
        return false;
      }
      out.connect = v;
    } else if (flag == "--name") {
      if (!take(v)) return false;
      out.name = v;
      have_name = true;
    } else if (flag == "--duration") {
      if (!take(v)) return false;
      if (!parse_seconds(v, out.duration_s)) {
        error = "--duration: expected a positive number of seconds, got '" + std::string(v) + "'";
        return false;
      }
    } else if (flag == "--stats-json") {
      if (!take(v)) return false;
      if (v.empty()) {
        error = "--stats-json: expected a file name";
        return false;
      }
      out.stats_json = v;
    } else if (flag == "--code") {
      if (!take(v)) return false;
      if (v.size() < 6 || v.size() > 128) {
        error = "--code: a room code has 6 to 128 characters";
        return false;
      }
      if (const double bits = tickwire::room_code_bits(v); bits < tickwire::kMinRoomCodeBits) {
        char text[240];
        std::snprintf(text, sizeof(text),
                      "--code: '%.*s' is too easy to guess (about %.0f bits, at least %.0f "
                      "needed): use 10 or more random letters and digits, or leave --code out "
                      "and the server makes one",
                      static_cast<int>(v.size()), v.data(), bits, tickwire::kMinRoomCodeBits);
        error = text;
        return false;
      }
      out.code = v;
    } else if (flag == "--token") {
      if (!take(v)) return false;
      if (v.empty()) {
        error = "--token: expected a file name";
        return false;
      }
      out.token_file = v;
    } else if (flag == "--token-key") {
      if (!take(v)) return false;
      if (v.empty()) {
        error = "--token-key: expected a file name";
        return false;
      }
      out.token_key_file = v;
    } else if (flag == "--public-address") {
      if (!take(v)) return false;
      const auto colon = v.rfind(':');
      long port_check = 0;
      if (colon == std::string_view::npos || colon == 0 ||
          !parse_int(v.substr(colon + 1), 1, 65535, port_check)) {
        error = "--public-address: expected HOST:PORT, got '" + std::string(v) + "'";
        return false;
      }
      out.public_addresses.emplace_back(v);
    } else if (flag == "--sim") {
      if (!take(v)) return false;
      out.sim = v;
      if (tickwire::Status s = tickwire::parse_conditioner_spec(v, out.conditioner); !s) {
        error = "--sim: " + s.message;
        return false;
      }
    } else if (flag == "--screenshot") {
      if (!take(v)) return false;
      out.screenshot = v;
    } else if (flag == "--screenshot-at") {
      if (!take(v)) return false;
      if (!parse_seconds(v, out.screenshot_at_s)) {
        error = "--screenshot-at: expected seconds";
        return false;
      }
    } else if (flag == "--scoreboard") {
      if (!no_value()) return false;
      out.scoreboard = true;
    } else if (flag == "--size") {
      if (!take(v)) return false;
      const auto x = v.find('x');
      long w = 0, h = 0;
      if (x == std::string_view::npos || !parse_int(v.substr(0, x), 320, 7680, w) ||
          !parse_int(v.substr(x + 1), 240, 4320, h)) {
        error = "--size: expected WIDTHxHEIGHT, e.g. 1280x720";
        return false;
      }
      out.width = static_cast<int>(w);
      out.height = static_cast<int>(h);
    } else {
      error = "unknown option '" + std::string(arg) + "'";
      return false;
    }
  }
  if (out.help) return true;

  if (server && !out.connect.empty()) {
    error = "--server and --connect cannot be used together";
    return false;
  }
  out.mode = server ? Mode::Server : (out.connect.empty() ? Mode::Local : Mode::Connect);
  if (out.mode == Mode::Connect && (have_bots || have_max)) {
    error =
        "--bots, --max-players and --max-per-address are for the server (--server or a local "
        "match)";
    return false;
  }
  if (out.mode == Mode::Server && (out.bot || have_name || !out.screenshot.empty())) {
    error = "--bot, --name and --screenshot are for a client (--connect or a local match)";
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
      if (!parse_int(std::string_view(out.connect).substr(colon + 1), 1, 65535, port_check) ||
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
