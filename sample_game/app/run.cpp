#include "app/run.hpp"

#include "app/room.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <thread>

#include "app/explain.hpp"
#include "app/reconnect.hpp"
#include "app/stats_json.hpp"
#include "client/net_graph.hpp"
#include "proto/messages.hpp"

namespace arena::app {

volatile std::sig_atomic_t g_stop = 0;

namespace {

using Clock = std::chrono::steady_clock;

extern "C" void on_signal(int) {
  g_stop = 1;
}

double since(Clock::time_point start, Clock::time_point now) {
  return std::chrono::duration<double>(now - start).count();
}

std::string default_name(const Options& o) {
  if (!o.name.empty()) return o.name;
  if (o.bot) return "bot-" + std::to_string(::getpid() % 10000);
  const char* user = std::getenv("USER");
  return user && *user ? user : "player";
}

std::string listen_error(std::uint16_t port, const tickwire::Status& s) {
  if (s.code == tickwire::Errc::AddressInUse)
    return "UDP port " + std::to_string(port) +
           " is already in use (another arena server?); pick another with --port";
  return "cannot start the server on UDP port " + std::to_string(port) + ": " + s.message;
}

// The server's token key: from --token-key, from --code, or from `code`
// (a random one the caller made). Fills `error` on failure.
bool server_key(const Options& o, const std::string& code, server::ServerOptions& so,
                std::string& error) {
  tickwire::Status s;
  if (!o.token_key_file.empty()) {
    s = tickwire::TokenKey::load(o.token_key_file, so.token_key);
  } else {
    s = tickwire::TokenKey::from_room_code(code, proto::kProtocolId, so.token_key);
  }
  if (!s) error = s.message;
  return static_cast<bool>(s);
}

server::ServerOptions server_options(const Options& o, bool local) {
  server::ServerOptions so;
  so.bind_address = local ? "127.0.0.1" : "0.0.0.0";
  so.port = o.port;
  so.bots = o.bots;
  so.max_players = o.max_players;
  so.max_per_address = o.max_per_address;
  so.verbose = !local;
  // --sim conditions this process's traffic. In a local match it applies to
  // the client only, or the delays would count twice.
  if (!local) so.conditioner = o.conditioner;
  so.public_addresses = o.public_addresses;
  return so;
}

}  // namespace

client::ClientOptions client_settings(const Options& o, const std::string& address,
                                      const std::string& code) {
  client::ClientOptions co;
  co.server = address;
  co.name = default_name(o);
  co.bot = o.bot;
  co.predict = !o.no_predict;
  co.conditioner = o.conditioner;
  co.room_code = code;
  return co;
}

int finish_client(const Options& o, client::GameClient& c, const ClientReport& report) {
  int status = 0;
  if (!o.stats_json.empty()) {
    std::string error;
    if (!write_client_json(o.stats_json, report, error)) {
      std::fprintf(stderr, "arena: %s\n", error.c_str());
      status = 1;
    }
  }
  if (!report.ever_connected || (!report.connected && !g_stop)) {
    const Explanation e = explain_end(c);
    std::fprintf(stderr, "arena: %s%s%s\n", e.what.c_str(), e.advice.empty() ? "" : " ",
                 e.advice.c_str());
    return 1;
  }
  return status;
}

void install_signal_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
}

int run_server(const Options& o) {
  server::GameServer game;
  server::ServerOptions so = server_options(o, false);
  const std::string code = !o.code.empty() ? o.code : random_room_code();
  std::string key_error;
  if (!server_key(o, code, so, key_error)) {
    std::fprintf(stderr, "arena: %s\n", key_error.c_str());
    return 1;
  }
  if (tickwire::Status s = game.start(so); !s) {
    std::fprintf(stderr, "arena: %s\n", listen_error(o.port, s).c_str());
    return 1;
  }
  std::printf("arena server: listening on UDP port %u, %d bot%s, up to %d players%s%s\n",
              game.port(), o.bots, o.bots == 1 ? "" : "s", o.max_players,
              o.sim.empty() ? "" : ", --sim ", o.sim.c_str());
  if (o.token_key_file.empty()) {
    std::printf("arena server: players join with:\n  arena --connect %s --code %s\n",
                join_address(o.public_addresses, game.port()).c_str(), code.c_str());
  } else {
    std::printf(
        "arena server: players join with connect tokens made with %s, e.g.\n"
        "  tw-token make --key %s --protocol-id 0x%016llx --server %s --client-id N "
        "--out player.token\n"
        "  arena --connect %s --token player.token\n",
        o.token_key_file.c_str(), o.token_key_file.c_str(),
        static_cast<unsigned long long>(proto::kProtocolId),
        join_address(o.public_addresses, game.port()).c_str(),
        join_address(o.public_addresses, game.port()).c_str());
  }
  std::fflush(stdout);
  const auto start = Clock::now();
  auto next_status = start + std::chrono::seconds(5);
  while (!g_stop) {
    const auto now = Clock::now();
    if (o.duration_s > 0 && since(start, now) >= o.duration_s) break;
    game.pump(now);
    if (now >= next_status) {
      const server::ServerStats s = game.stats();
      std::printf(
          "arena server: t=%.0fs tick=%llu (%.2f/%.2f ms median/p99) players=%d bots=%d "
          "in=%.1fkbps out=%.1fkbps bad_msgs=%llu dropped: %s refused: %s\n",
          since(start, now), static_cast<unsigned long long>(s.ticks), s.tick_ms.median_ms,
          s.tick_ms.p99_ms, s.humans + s.bots, s.bots,
          static_cast<double>(s.in_bytes_per_sec) * 8 / 1000,
          static_cast<double>(s.out_bytes_per_sec) * 8 / 1000,
          static_cast<unsigned long long>(s.bad_messages.total()), drop_summary(s.drops).c_str(),
          refusal_summary(s.joins_refused).c_str());
      std::fflush(stdout);
      next_status += std::chrono::seconds(5);
    }
    // Sleep to the next tick, or until a datagram arrives, so that acks and
    // pings are answered at once and RTTs stay honest.
    game.wait_until(std::min(game.next_tick_at(), next_status));
  }
  const server::ServerStats stats = game.stats();
  int status = 0;
  if (!o.stats_json.empty()) {
    std::string error;
    if (!write_server_json(o.stats_json, stats, game.port(), error)) {
      std::fprintf(stderr, "arena: %s\n", error.c_str());
      status = 1;
    }
  }
  game.stop();
  std::printf("arena server: stopped after %llu ticks, %u players seen\n",
              static_cast<unsigned long long>(stats.ticks), stats.players_seen);
  return status;
}

int run_client(const Options& o) {
  std::unique_ptr<server::GameServer> local;
  std::string address = o.connect;
  std::string code = o.code;
  if (o.mode == Mode::Local) {
    local = std::make_unique<server::GameServer>();
    if (code.empty()) code = random_room_code();  // a local match is private
    server::ServerOptions so = server_options(o, true);
    std::string key_error;
    if (!server_key(o, code, so, key_error)) {
      std::fprintf(stderr, "arena: %s\n", key_error.c_str());
      return 1;
    }
    if (tickwire::Status s = local->start(so); !s) {
      std::fprintf(stderr, "arena: %s\n", listen_error(o.port, s).c_str());
      return 1;
    }
    address = "127.0.0.1:" + std::to_string(local->port());
  }
  client::GameClient game;
  client::ClientOptions co = client_settings(o, address, code);
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> hashes(nullptr, &std::fclose);
  if (!o.world_hashes.empty()) {
    hashes.reset(std::fopen(o.world_hashes.c_str(), "w"));
    if (!hashes) {
      std::fprintf(stderr, "arena: --world-hashes: cannot write %s: %s\n", o.world_hashes.c_str(),
                   std::strerror(errno));
      return 1;
    }
    co.on_world = [f = hashes.get()](const sim::World& w) {
      std::fprintf(f, "%" PRIu32 " %016" PRIx64 "\n", w.tick, sim::world_hash(w));
    };
  }
  if (!o.token_file.empty()) {
    if (tickwire::Status s = tickwire::ConnectToken::load(o.token_file, co.token); !s) {
      std::fprintf(stderr, "arena: %s\n", s.message.c_str());
      return 1;
    }
    tickwire::ConnectTokenInfo info;
    if (tickwire::inspect_token(co.token, info) && info.protocol_id != proto::kProtocolId) {
      std::fprintf(stderr,
                   "arena: the token in %s is for another game (protocol id 0x%016llx, arena's "
                   "is 0x%016llx): make it with `tw-token make ... --game arena` (or `tw-token "
                   "room ... --game arena`)\n",
                   o.token_file.c_str(), static_cast<unsigned long long>(info.protocol_id),
                   static_cast<unsigned long long>(proto::kProtocolId));
      return 1;
    }
  }
  if (tickwire::Status s = game.connect(co); !s) {
    std::fprintf(stderr, "arena: cannot connect to %s: %s\n", address.c_str(), s.message.c_str());
    return 1;
  }
  if (!o.headless) return run_window(o, co, game, local.get());

  client::NetGraph graph;
  Reconnector again(o.reconnect);
  bool ended_said = false;
  const auto start = Clock::now();
  auto next_line = start + std::chrono::seconds(1);
  while (!g_stop) {
    const auto now = Clock::now();
    if (o.duration_s > 0 && since(start, now) >= o.duration_s) break;
    if (local) local->pump(now);
    game.pump(now);
    if (game.phase() == client::Phase::Ended) {
      if (!again.automatic()) break;
      if (!ended_said) {
        const Explanation e = explain_end(game);
        std::fprintf(stderr, "arena: %s\n", e.what.c_str());
        ended_said = true;
      }
    }
    if (again.due(game, now, false)) {
      std::fprintf(stderr, "arena: reconnecting to %s ...\n", address.c_str());
      if (tickwire::Status s = game.connect(co); !s) {
        std::fprintf(stderr, "arena: cannot connect to %s: %s\n", address.c_str(),
                     s.message.c_str());
        return 1;
      }
      ended_said = false;
    }
    if (now >= next_line) {
      graph.frame(game.seconds(now), game.net_stats(), game.stats());
      if (game.phase() == client::Phase::Ended) {
        std::printf("t=%.0fs disconnected; trying again in %.0f s\n", since(start, now),
                    std::max(0.0, again.next_in_s(now)));
      } else if (game.phase() == client::Phase::Playing) {
        std::printf(
            "%s\n",
            graph.line(since(start, now), static_cast<int>(game.scoreboard().players.size()))
                .c_str());
      } else {
        std::printf("t=%.0fs connecting to %s\n", since(start, now), address.c_str());
      }
      std::fflush(stdout);
      next_line += std::chrono::seconds(1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  const ClientReport report = report_of(game);
  game.disconnect(std::chrono::milliseconds(1000), [&] {
    if (local) local->pump(Clock::now());
  });
  if (local) local->stop();
  return finish_client(o, game, report);
}

}  // namespace arena::app
