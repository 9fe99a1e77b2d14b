// arena --clients N: N bot players from one process, for load and soak runs
// (scripts/soak). Each is an ordinary GameClient with its own socket,
// session and name; one loop pumps them all, so 32 players cost one process
// instead of 32. A session that ends without being asked to counts as a
// disconnect; with --reconnect the bot joins again after the usual back-off.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "app/explain.hpp"
#include "app/reconnect.hpp"
#include "app/run.hpp"
#include "app/stats_json.hpp"
#include "proto/messages.hpp"

namespace arena::app {

namespace {

using Clock = std::chrono::steady_clock;

struct Bot {
  explicit Bot(bool reconnect) : again(reconnect) {}
  client::GameClient game;
  client::ClientOptions settings;
  Reconnector again;
  bool was_connected = false;
  std::uint32_t disconnects = 0;  // sessions that ended while this process ran on
};

double since(Clock::time_point start, Clock::time_point now) {
  return std::chrono::duration<double>(now - start).count();
}

}  // namespace

int run_bots(const Options& o) {
  const client::ClientOptions base = client_settings(o, o.connect, o.code);
  std::vector<std::unique_ptr<Bot>> bots;
  for (int i = 1; i <= o.clients; ++i) {
    auto bot = std::make_unique<Bot>(o.reconnect);
    bot->settings = base;
    // Names are cut to proto::kMaxNameBytes: cut the base so that the
    // numbers stay and the names differ.
    const std::string suffix = "-" + std::to_string(i);
    bot->settings.name = base.name.substr(0, proto::kMaxNameBytes - suffix.size()) + suffix;
    if (tickwire::Status s = bot->game.connect(bot->settings); !s) {
      std::fprintf(stderr, "arena: cannot connect to %s: %s\n", o.connect.c_str(),
                   s.message.c_str());
      return 1;
    }
    bots.push_back(std::move(bot));
  }
  std::printf("arena: %d bot players joining %s\n", o.clients, o.connect.c_str());
  std::fflush(stdout);

  const auto start = Clock::now();
  auto next_line = start + std::chrono::seconds(1);
  bool all_ended = false;
  while (!g_stop && !all_ended) {
    const auto now = Clock::now();
    if (o.duration_s > 0 && since(start, now) >= o.duration_s) break;
    all_ended = true;
    for (auto& b : bots) {
      b->game.pump(Clock::now());  // each its own time: the loop takes a while at 32
      const bool connected = b->game.connected();
      if (b->was_connected && b->game.phase() == client::Phase::Ended) {
        ++b->disconnects;
        std::fprintf(stderr, "arena: %s: %s\n", b->settings.name.c_str(),
                     explain_end(b->game).what.c_str());
      }
      b->was_connected = connected;
      if (b->again.due(b->game, now, false)) {
        if (tickwire::Status s = b->game.connect(b->settings); !s)
          std::fprintf(stderr, "arena: %s: cannot connect again: %s\n", b->settings.name.c_str(),
                       s.message.c_str());
      }
      all_ended = all_ended && b->game.phase() == client::Phase::Ended && !b->again.automatic();
    }
    if (now >= next_line) {
      int playing = 0;
      std::uint64_t decode_errors = 0, disconnects = 0;
      double rtt = 0, in_kbps = 0;
      for (const auto& b : bots) {
        if (b->game.phase() != client::Phase::Playing) continue;
        ++playing;
        const tickwire::ConnectionStats net = b->game.net_stats();
        rtt += net.rtt_ms;
        in_kbps += net.in_bytes_per_sec * 8.0 / 1000.0;
      }
      for (const auto& b : bots) {
        decode_errors += b->game.stats().decode_errors;
        disconnects += b->disconnects;
      }
      std::printf(
          "t=%.0fs %d/%d playing, rtt %.0f ms, in %.1f kbps each, decode errors %llu, "
          "disconnects %llu\n",
          since(start, now), playing, o.clients, playing ? rtt / playing : 0.0,
          playing ? in_kbps / playing : 0.0, static_cast<unsigned long long>(decode_errors),
          static_cast<unsigned long long>(disconnects));
      std::fflush(stdout);
      next_line += std::chrono::seconds(1);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }

  std::vector<BotReport> reports;
  for (const auto& b : bots) reports.push_back({report_of(b->game), b->disconnects});
  for (auto& b : bots) b->game.disconnect(std::chrono::milliseconds(300));
  int status = 0;
  if (!o.stats_json.empty()) {
    std::string error;
    if (!write_bots_json(o.stats_json, reports, error)) {
      std::fprintf(stderr, "arena: %s\n", error.c_str());
      status = 1;
    }
  }
  const bool any_in = std::any_of(reports.begin(), reports.end(),
                                  [](const BotReport& r) { return r.client.ever_connected; });
  if (!any_in && !g_stop) {
    const Explanation e = explain_end(bots.front()->game);
    std::fprintf(stderr, "arena: %s%s%s\n", e.what.c_str(), e.advice.empty() ? "" : " ",
                 e.advice.c_str());
    return 1;
  }
  return status;
}

}  // namespace arena::app
