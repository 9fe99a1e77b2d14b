// tw-trace send: takes the inputs one client sent in a recorded arena match
// (its InputBatch messages, as the server's host got them: rebuilt from the
// trace by EnetDelivery, with the direct lane's in record order, decoded by
// arena's own decoder) and has new clients play them, one input per tick
// from the first recorded tick to the last, against a live server: a
// recorded session becomes a regression or load run. The clients are
// arena's own GameClient (prediction, the snapshot stream, time sync), so
// the server sees ordinary players; each joins with a fresh connect token
// made from the room code (or the token given), named after the recorded
// player.
#include "send.hpp"

#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <memory>
#include <thread>
#include <variant>
#include <vector>

#include <tickwire/token.hpp>
#include <tickwire/trace.hpp>

#include "client/game_client.hpp"
#include "direct.hpp"
#include "peers.hpp"
#include "proto/messages.hpp"
#include "proto/trace_decoder.hpp"
#include "say.hpp"

namespace twtrace {

namespace {

using namespace tickwire::trace;
using Clock = std::chrono::steady_clock;

struct Recorded {
  std::vector<arena::sim::Input> inputs;  // one per tick, in order
  std::uint32_t first_tick = 0;
  std::string name = "replay";
};

// The client's inputs, from what it sent: a client's trace's outgoing
// records, or a server's trace's records from connection `wanted`.
bool read_inputs(const std::string& path, long connection, Recorded& out, std::string& error) {
  TraceReader file;
  if (!file.open(path, error)) return false;
  const bool server = file.info().server;
  const std::size_t wanted = connection < 0 ? 0 : static_cast<std::size_t>(connection);
  Peers peers;
  // What the server's host got from the client: ENet's messages and the
  // direct lane's (while the connection was up), in record order.
  HostDelivery delivery;
  std::map<std::uint32_t, arena::sim::Input> by_tick;
  Record r;
  arena::proto::Message msg;
  while (file.next(r, error)) {
    if (peers.index(r) != wanted) continue;
    if (r.outgoing == server) continue;  // only the client's sends
    for (const DeliveredMessage& m : delivery.receive(r)) {
      if (arena::proto::decode(m.bytes, msg) != arena::proto::DecodeResult::Ok) continue;
      if (const auto* hello = std::get_if<arena::proto::HelloMsg>(&msg)) out.name = hello->name;
      if (const auto* batch = std::get_if<arena::proto::InputMsg>(&msg))
        for (int i = 0; i < batch->count; ++i)
          by_tick.try_emplace(batch->frames[static_cast<std::size_t>(i)].tick,
                              batch->frames[static_cast<std::size_t>(i)].input);
    }
  }
  if (!error.empty()) return false;
  if (wanted >= peers.list().size()) {
    error = "the trace has no connection " + std::to_string(wanted);
    return false;
  }
  if (by_tick.empty()) {
    error = "no inputs of the client in the trace (it never played)";
    return false;
  }
  // One input per tick; a tick the trace lacks repeats the one before, as
  // the server does for a missing input.
  out.first_tick = by_tick.begin()->first;
  const std::uint32_t last = by_tick.rbegin()->first;
  arena::sim::Input held;
  for (std::uint32_t t = out.first_tick; t != last + 1; ++t) {
    if (const auto f = by_tick.find(t); f != by_tick.end()) held = f->second;
    out.inputs.push_back(held);
    if (out.inputs.size() > 60u * 60 * 60 * 4) break;  // four hours at most
  }
  return true;
}

// Whether HOST of "HOST:PORT" names an IPv4 address (a literal one, or one
// the resolver knows).
bool resolves(const std::string& host_port) {
  const std::string host = host_port.substr(0, host_port.rfind(':'));
  addrinfo hints{};
  hints.ai_family = AF_INET;
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* found = nullptr;
  if (getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0) return false;
  freeaddrinfo(found);
  return true;
}

// One line on stderr; returns exit status 1.
int fail(const std::string& what) {
  say("tw-trace send", what);
  return 1;
}

}  // namespace

int send(const std::string& path, const SendOptions& o) {
  // What the command line names, before the trace is read (main.cpp checked
  // its syntax): the token file and the server's host.
  tickwire::ConnectToken token;
  if (!o.token_file.empty())
    if (tickwire::Status s = tickwire::ConnectToken::load(o.token_file, token); !s)
      return fail(s.message);
  if (!resolves(o.to)) return fail("cannot resolve the host of " + o.to + " to an IPv4 address");
  std::string error;
  {
    TraceReader probe;
    if (!probe.open(path, error)) return fail(error);
    if (probe.info().protocol_id != arena::proto::kProtocolId) {
      char id[20];
      std::snprintf(id, sizeof id, "0x%016" PRIx64, probe.info().protocol_id);
      return fail(std::string("send needs the game's decoder to find the inputs: protocol id ") +
                  id + " has none");
    }
  }
  Recorded rec;
  if (!read_inputs(path, o.connection, rec, error)) return fail(error);
  const double seconds = static_cast<double>(rec.inputs.size()) / arena::sim::kTickRate;
  std::fprintf(stderr,
               "tw-trace send: sending %zu inputs of \"%s\" (%.1f s) to %s with %d client(s)\n",
               rec.inputs.size(), rec.name.c_str(), seconds, o.to.c_str(), o.clients);

  struct Player {
    arena::client::GameClient game;
    std::size_t next = 0;  // the next input to play
  };
  std::vector<std::unique_ptr<Player>> players;
  for (int i = 0; i < o.clients; ++i) {
    auto p = std::make_unique<Player>();
    arena::client::ClientOptions co;
    co.server = o.to;
    co.name = o.clients == 1 ? rec.name : rec.name + "-" + std::to_string(i + 1);
    co.room_code = o.code;
    if (!o.token_file.empty()) co.token = token;
    Player* raw = p.get();
    co.input_script = [raw, &rec]() {
      // Past the end, the last input is held until the client leaves.
      const std::size_t at = std::min(raw->next, rec.inputs.size() - 1);
      ++raw->next;
      return rec.inputs[at];
    };
    if (tickwire::Status s = p->game.connect(co); !s)
      return fail("cannot connect to " + o.to + ": " + s.message);
    players.push_back(std::move(p));
  }

  const auto start = Clock::now();
  auto next_line = start + std::chrono::seconds(1);
  const auto give_up = start + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(seconds + 15));
  for (;;) {
    const auto now = Clock::now();
    bool all_done = true;
    for (auto& p : players) {
      p->game.pump(now);
      if (p->game.phase() != arena::client::Phase::Ended && p->next < rec.inputs.size())
        all_done = false;
    }
    if (all_done || now >= give_up) break;
    if (!o.quiet && now >= next_line) {
      std::size_t playing = 0, sent = 0;
      for (const auto& p : players) {
        playing += p->game.phase() == arena::client::Phase::Playing ? 1 : 0;
        sent += std::min(p->next, rec.inputs.size());
      }
      std::printf("t=%.0fs playing=%zu/%zu inputs=%zu/%zu\n",
                  std::chrono::duration<double>(now - start).count(), playing, players.size(), sent,
                  rec.inputs.size() * players.size());
      std::fflush(stdout);
      next_line += std::chrono::seconds(1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  int status = 0;
  for (std::size_t i = 0; i < players.size(); ++i) {
    arena::client::GameClient& g = players[i]->game;
    const arena::client::ClientStats cs = g.stats();
    const bool through = players[i]->next >= rec.inputs.size();
    std::printf(
        "client %zu: %s, %zu of %zu inputs played, %" PRIu64 " worlds received, %" PRIu64
        " refused\n",
        i + 1,
        !g.ever_connected() ? "never connected"
        : g.phase() == arena::client::Phase::Ended
            ? (std::string("dropped: ") + tickwire::to_string(g.disconnect_reason())).c_str()
            : "played",
        std::min(players[i]->next, rec.inputs.size()), rec.inputs.size(), cs.updates_received,
        cs.decode_errors);
    if (!through || !g.ever_connected()) status = 1;
  }
  for (auto& p : players) p->game.disconnect();
  return status;
}

}  // namespace twtrace
