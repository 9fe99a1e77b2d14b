// tw-trace view: plays one client's recorded match back through the same
// path as replay (ENet's delivery rebuilt from the trace, then arena's
// decoder), drawn by arena's renderer: the world as the client drew other
// ships (tickwire's InterpolationClock on the trace's clock), the
// scoreboard and kill feed as they were, the net graph computed from the
// trace at that moment, and a timeline of the whole match (traffic and
// round trip per second) to seek on.
//
// Playback is streaming: the trace is read forward as time passes; seeking
// back reopens it and plays forward to the target as fast as it goes (a
// 10-minute match replays in about a second).
#include "view.hpp"

#include <SDL.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <deque>
#include <map>
#include <optional>
#include <thread>
#include <vector>

#include <tickwire/prediction.hpp>
#include <tickwire/trace.hpp>

#include "client/interpolate.hpp"
#include "client/net_graph.hpp"
#include "peers.hpp"
#include "proto/trace_decoder.hpp"
#include "render/renderer.hpp"
#include "round_trips.hpp"

namespace twtrace {

const char* const kViewKeys =
    "           Space pause/play, Left/Right back/forward 5 s (Shift: 30 s),\n"
    "           , and . step one snapshot back/forward while paused, - and +\n"
    "           half/double the speed (1/8x to 64x), Home to the start; click\n"
    "           the timeline to seek; Tab scoreboard, F3 net graph, Esc quits\n";

namespace {

using namespace tickwire::trace;
namespace render = arena::render;
using Clock = std::chrono::steady_clock;

// Which records belong to the viewed client: those it received (in) and
// sent (out), on the followed connection (the remote end `remote`: a
// client's trace's server, a server's trace's client), the other way round
// in a server's trace.
struct Side {
  bool server_trace = false;
  Address remote;
  enum Dir { None, In, Out };
  Dir of(const Record& r) const noexcept {
    if (!((r.outgoing ? r.dst : r.src) == remote)) return None;
    return r.outgoing == server_trace ? In : Out;
  }
};

// The client's connection stats as the trace shows them at a moment: the
// last second's traffic, the round trip from ENet's acks (smoothed as
// ENet does), loss on the way in from skipped unreliable numbers.
class Meter {
 public:
  void on(const Record& r, Side::Dir dir, const EnetDatagram* d) {
    const std::uint64_t bytes = r.payload.size();
    window_.push_back({r.time_us, bytes, dir == Side::In});
    (dir == Side::In ? total_in_ : total_out_) += bytes;
    if (d == nullptr) return;
    // The round trip as the recording host measured it (its sends, the
    // peer's acks): a server's trace measures the same path.
    if (const std::optional<double> rtt = trips_.on_datagram(r, *d)) {
      const double err = *rtt - rtt_;
      rtt_ = have_rtt_ ? rtt_ + err / 8 : *rtt;
      var_ = have_rtt_ ? var_ + (std::abs(err) - var_) / 4 : *rtt / 2;
      have_rtt_ = true;
    }
    if (dir != Side::In) return;
    for (std::size_t i = 0; i < d->count; ++i) {
      const EnetCommand& c = d->commands[i];
      if (c.type != 7) continue;  // SEND_UNRELIABLE: numbered without gaps by the sender
      const std::uint32_t key = std::uint32_t{c.reliable_seq} << 16 | c.unreliable_seq;
      auto [it, fresh] = newest_.try_emplace(c.channel, key);
      std::uint32_t gap = 0;
      if (!fresh && static_cast<std::int32_t>(key - it->second) > 0) {
        if ((key >> 16) == (it->second >> 16)) gap = key - it->second - 1;
        it->second = key;
      }
      seq_.push_back({r.time_us, gap});
    }
  }

  tickwire::ConnectionStats at(std::uint64_t now_us) {
    while (!window_.empty() && window_.front().t + 1'000'000 < now_us) window_.pop_front();
    while (!seq_.empty() && seq_.front().t + 1'000'000 < now_us) seq_.pop_front();
    tickwire::ConnectionStats s;
    for (const auto& w : window_) {
      (w.in ? s.in_bytes_per_sec : s.out_bytes_per_sec) += static_cast<float>(w.bytes);
      (w.in ? s.in_packets_per_sec : s.out_packets_per_sec) += 1;
    }
    std::uint64_t got = 0, missed = 0;
    for (const auto& q : seq_) {
      ++got;
      missed += q.gap;
    }
    s.in_loss_pct =
        got + missed ? 100.0f * static_cast<float>(missed) / static_cast<float>(got + missed) : 0;
    s.rtt_ms = static_cast<float>(rtt_);
    s.rtt_variance_ms = static_cast<float>(var_);
    s.bytes_received = total_in_;
    s.bytes_sent = total_out_;
    return s;
  }

 private:
  struct Traffic {
    std::uint64_t t, bytes;
    bool in;
  };
  struct Seq {
    std::uint64_t t;
    std::uint32_t gap;
  };
  std::deque<Traffic> window_;
  std::deque<Seq> seq_;
  std::map<int, std::uint32_t> newest_;
  RoundTrips trips_;
  double rtt_ = 0, var_ = 0;
  bool have_rtt_ = false;
  std::uint64_t total_in_ = 0, total_out_ = 0;
};

// The timeline: traffic and median round trip per second, in one pass;
// then merged into at most kMaxBuckets entries (a day-long trace, or a file
// whose timestamps claim one, stays a small table).
constexpr std::size_t kMaxSeconds = 7 * 24 * 3600;  // a week: later records count in the last
constexpr std::size_t kMaxBuckets = 1200;

bool summarize(const std::string& path, const Side& side, render::Timeline& t, std::string& error) {
  TraceReader file;
  if (!file.open(path, error)) return false;
  Record r;
  EnetDatagram d;
  std::string why;
  RoundTrips trips;
  std::vector<std::vector<float>> rtts;
  while (file.next(r, error)) {
    t.duration_s = static_cast<double>(r.time_us) / 1e6;
    const Side::Dir dir = side.of(r);
    if (dir == Side::None) continue;
    const auto second = std::min<std::size_t>(r.time_us / 1'000'000, kMaxSeconds - 1);
    if (second >= t.kbps_in.size()) {
      t.kbps_in.resize(second + 1);
      t.kbps_out.resize(second + 1);
      rtts.resize(second + 1);
    }
    (dir == Side::In ? t.kbps_in : t.kbps_out)[second] +=
        static_cast<float>(r.payload.size()) * 8 / 1000;
    if (r.kind != Kind::Enet || !parse_enet(r.payload, d, why)) continue;
    if (const std::optional<double> rtt = trips.on_datagram(r, d))
      rtts[second].push_back(static_cast<float>(*rtt));
  }
  if (!error.empty()) return false;
  t.rtt_ms.assign(rtts.size(), 0);
  for (std::size_t i = 0; i < rtts.size(); ++i) {
    if (rtts[i].empty()) continue;
    std::nth_element(rtts[i].begin(), rtts[i].begin() + static_cast<long>(rtts[i].size() / 2),
                     rtts[i].end());
    t.rtt_ms[i] = rtts[i][rtts[i].size() / 2];
  }
  const std::size_t n = t.kbps_in.size();
  if (n > kMaxBuckets) {
    const std::size_t per = (n + kMaxBuckets - 1) / kMaxBuckets;
    auto merge = [&](std::vector<float>& v, bool peak) {
      std::vector<float> out((n + per - 1) / per, 0.0f);
      for (std::size_t i = 0; i < n; ++i)
        out[i / per] =
            peak ? std::max(out[i / per], v[i]) : out[i / per] + v[i] / static_cast<float>(per);
      v = std::move(out);
    };
    merge(t.kbps_in, false);
    merge(t.kbps_out, false);
    merge(t.rtt_ms, true);
    t.bucket_s = static_cast<double>(per);
  }
  return true;
}

// The client's side of the trace, played forward to a moment.
class Playback {
 public:
  Playback(std::string path, Side side) : path_(std::move(path)), side_(side) {}

  bool restart(std::string& error) {
    file_ = std::make_unique<TraceReader>();
    if (!file_->open(path_, error)) return false;
    delivery_ = EnetDelivery{};
    decoder_.reset();
    interp_ = tickwire::InterpolationClock{};
    meter_ = Meter{};
    world_times_.clear();
    have_pending_ = false;
    ended_ = false;
    now_us_ = 0;
    connections_ = 0;
    return true;
  }

  // Plays every record up to `t_us`. With `one_world`, stops after the
  // first record that made a world (stepping). False with `error` on a bad
  // record.
  bool advance(std::uint64_t t_us, std::string& error, bool one_world = false) {
    while (!ended_) {
      if (!have_pending_) {
        Record r;
        if (!file_->next(r, error)) {
          ended_ = true;
          if (!error.empty()) return false;
          break;
        }
        pending_ = r;
        payload_.assign(r.payload.begin(), r.payload.end());
        pending_.payload = payload_;
        have_pending_ = true;
      }
      if (pending_.time_us > t_us) break;
      have_pending_ = false;
      now_us_ = std::max(now_us_, pending_.time_us);
      if (play(pending_) && one_world) return true;
    }
    if (!one_world) now_us_ = std::max(now_us_, t_us);
    return true;
  }

  // The world as the client drew other ships at the time played to.
  void world(arena::sim::World& out) {
    const arena::proto::StateReceiver& st = decoder_.states();
    std::array<std::uint32_t, arena::proto::StateReceiver::kCapacity> ticks{};
    for (std::size_t i = 0; i < st.size(); ++i) ticks[i] = st.at(i).world.tick;
    const double rt = interp_.render_tick(now_us_);
    const tickwire::InterpolationClock::Sample pick =
        interp_.sample(std::span(ticks.data(), st.size()), rt, now_us_);
    arena::client::blend(st, pick, rt, out);
  }

  arena::client::ClientStats stats() const {
    arena::client::ClientStats cs;
    arena::client::take_state_stats(decoder_.states().stats(), cs);
    cs.bad_messages = decoder_.bad_messages();
    // Worlds of the last second: world_times_ is in order, so two searches.
    const std::uint64_t from = now_us_ >= 1'000'000 ? now_us_ - 1'000'000 + 1 : 0;
    cs.updates_per_sec =
        static_cast<double>(std::upper_bound(world_times_.begin(), world_times_.end(), now_us_) -
                            std::lower_bound(world_times_.begin(), world_times_.end(), from));
    return cs;
  }

  tickwire::ConnectionStats net() { return meter_.at(now_us_); }

  // The kill feed as the client showed it (names from the scoreboard).
  std::deque<arena::client::KillFeedEntry> kill_feed(const render::Session& s) const {
    std::deque<arena::client::KillFeedEntry> feed;
    for (const auto& k : decoder_.kills()) {
      auto name = [&](int slot) {
        const arena::proto::PlayerInfo* p = s.player(slot);
        return p ? p->name : "#" + std::to_string(slot);
      };
      feed.push_back({k.msg.killer, k.msg.victim, static_cast<double>(k.time_us) / 1e6,
                      name(k.msg.killer), name(k.msg.victim)});
    }
    return feed;
  }

  // The arrival time of the world before the newest one held, if any.
  [[nodiscard]] std::optional<std::uint64_t> previous_world_time() const {
    if (world_times_.size() < 2) return std::nullopt;
    return world_times_[world_times_.size() - 2];
  }

  [[nodiscard]] std::uint64_t now_us() const noexcept { return now_us_; }
  [[nodiscard]] bool ended() const noexcept { return ended_; }
  [[nodiscard]] const arena::proto::TraceDecoder& decoder() const noexcept { return decoder_; }

 private:
  // One record; true when it made a world.
  bool play(const Record& r) {
    const Side::Dir dir = side_.of(r);
    if (dir == Side::None) return false;
    EnetDatagram d;
    std::string why;
    const bool enet = r.kind == Kind::Enet && parse_enet(r.payload, d, why);
    meter_.on(r, dir, enet ? &d : nullptr);
    if (!enet || dir != Side::In) return false;
    const std::span<const DeliveredMessage> messages = delivery_.receive(d);
    if (delivery_.stats().connections != connections_) {
      connections_ = delivery_.stats().connections;
      decoder_.reset();
      interp_ = tickwire::InterpolationClock{};
    }
    bool made = false;
    const std::uint32_t channels = delivery_.channel_count();
    for (const DeliveredMessage& m : messages) {
      if (channels > 0 && m.channel == channels - 1) continue;  // the control lane
      if (const std::optional<WorldHash> w = decoder_.deliver(m.channel, m.bytes, r.time_us)) {
        interp_.on_snapshot(w->tick, r.time_us);
        world_times_.push_back(r.time_us);
        made = true;
      }
    }
    return made;
  }

  std::string path_;
  Side side_;
  std::unique_ptr<TraceReader> file_;
  EnetDelivery delivery_;
  arena::proto::TraceDecoder decoder_;
  tickwire::InterpolationClock interp_;
  Meter meter_;
  std::vector<std::uint64_t> world_times_;  // arrival of every world made (8 bytes each)
  Record pending_;
  std::vector<std::uint8_t> payload_;
  bool have_pending_ = false, ended_ = false;
  std::uint64_t now_us_ = 0, connections_ = 0;
};

std::uint64_t to_us(double s) {
  return static_cast<std::uint64_t>(std::llround(std::max(0.0, s) * 1e6));
}

}  // namespace

int view(const std::string& path, const ViewOptions& o) {
  Side side;
  std::string error;
  {
    TraceReader probe;
    if (!probe.open(path, error)) {
      std::fprintf(stderr, "tw-trace: %s\n", error.c_str());
      return 1;
    }
    const TraceInfo& ti = probe.info();
    arena::proto::TraceDecoder arena;
    if (ti.protocol_id != arena.protocol_id()) {
      std::fprintf(
          stderr,
          "tw-trace: view draws arena's matches; this trace is of protocol id 0x%016" PRIx64
          " (tw-trace dump and replay read it at tickwire's level)\n",
          ti.protocol_id);
      return 2;
    }
    side.server_trace = ti.server;
    // The n-th remote end in order of appearance, as info numbers them.
    const std::size_t wanted = o.connection < 0 ? 0 : static_cast<std::size_t>(o.connection);
    Peers seen;
    Record r;
    while (seen.list().size() <= wanted && probe.next(r, error)) seen.index(r);
    if (!error.empty()) {
      std::fprintf(stderr, "tw-trace: %s\n", error.c_str());
      return 1;
    }
    if (seen.list().size() <= wanted) {
      std::fprintf(stderr, "tw-trace: the trace has no connection %zu\n", wanted);
      return 1;
    }
    side.remote = seen.list()[wanted];
  }
  render::Timeline timeline;
  if (!summarize(path, side, timeline, error)) {
    std::fprintf(stderr, "tw-trace: %s\n", error.c_str());
    return 1;
  }
  const std::size_t slash = path.find_last_of('/');
  timeline.label = slash == std::string::npos ? path : path.substr(slash + 1);
  timeline.speed = o.speed;
  timeline.paused = o.paused;

  Playback play(path, side);
  arena::client::NetGraph graph;
  // A screenshot shows the net graph as a player would have seen it: the
  // four seconds before are played at 60 frames a second into the graph.
  const double warm_from = o.screenshot.empty() ? o.from_s : std::max(0.0, o.from_s - 4);
  if (!play.restart(error) || !play.advance(to_us(warm_from), error)) {
    std::fprintf(stderr, "tw-trace: %s\n", error.c_str());
    return 1;
  }
  for (double t = warm_from; t < o.from_s; t += 1.0 / 60) {
    if (!play.advance(to_us(t), error)) {
      std::fprintf(stderr, "tw-trace: %s\n", error.c_str());
      return 1;
    }
    graph.frame(t, play.net(), play.stats());
  }
  if (!play.advance(to_us(o.from_s), error)) {
    std::fprintf(stderr, "tw-trace: %s\n", error.c_str());
    return 1;
  }
  render::Renderer renderer;
  if (!renderer.open("tw-trace view \xE2\x80\x94 " + timeline.label, o.width, o.height, error)) {
    std::fprintf(stderr, "tw-trace: cannot open a window: %s\n", error.c_str());
    return 1;
  }

  arena::sim::World world;
  bool show_net_graph = true, quit = false;
  double speed = o.speed;
  bool paused = o.paused || !o.screenshot.empty();
  double t_s = static_cast<double>(play.now_us()) / 1e6;
  auto seek = [&](double to_s) {
    to_s = std::clamp(to_s, 0.0, timeline.duration_s);
    if (to_us(to_s) < play.now_us() && !play.restart(error)) return false;
    if (!play.advance(to_us(to_s), error)) return false;
    t_s = to_s;
    graph = arena::client::NetGraph{};
    return true;
  };
  auto last = Clock::now();
  int status = 0;
  while (!quit) {
    SDL_Event e;
    while (SDL_PollEvent(&e)) {
      if (e.type == SDL_QUIT) quit = true;
      if (e.type == SDL_MOUSEBUTTONDOWN && e.button.button == SDL_BUTTON_LEFT) {
        const double at = renderer.timeline_seconds_at(e.button.x, e.button.y);
        if (at >= 0 && !seek(at)) quit = true;
      }
      if (e.type != SDL_KEYDOWN) continue;
      const bool shift = (e.key.keysym.mod & KMOD_SHIFT) != 0;
      switch (e.key.keysym.sym) {
        case SDLK_ESCAPE:
        case SDLK_q: quit = true; break;
        case SDLK_SPACE: paused = !paused; break;
        case SDLK_F3: show_net_graph = !show_net_graph; break;
        case SDLK_LEFT:
          if (!seek(t_s - (shift ? 30 : 5))) quit = true;
          break;
        case SDLK_RIGHT:
          if (!seek(t_s + (shift ? 30 : 5))) quit = true;
          break;
        case SDLK_HOME:
          if (!seek(0)) quit = true;
          break;
        case SDLK_MINUS:
        case SDLK_KP_MINUS: speed = std::max(0.125, speed / 2); break;
        case SDLK_PLUS:
        case SDLK_EQUALS:
        case SDLK_KP_PLUS: speed = std::min(64.0, speed * 2); break;
        case SDLK_PERIOD:
          if (paused) {
            if (!play.advance(UINT64_MAX, error, /*one_world=*/true)) quit = true;
            t_s = static_cast<double>(play.now_us()) / 1e6;
          }
          break;
        case SDLK_COMMA:
          if (paused) {
            if (const auto prev = play.previous_world_time())
              if (!seek(static_cast<double>(*prev) / 1e6)) quit = true;
          }
          break;
        default: break;
      }
    }
    if (!error.empty()) {
      std::fprintf(stderr, "tw-trace: %s\n", error.c_str());
      status = 1;
      break;
    }
    const auto now = Clock::now();
    const double dt = std::chrono::duration<double>(now - last).count();
    last = now;
    if (!paused && t_s < timeline.duration_s) {
      t_s = std::min(timeline.duration_s, t_s + dt * speed);
      if (!play.advance(to_us(t_s), error)) {
        std::fprintf(stderr, "tw-trace: %s\n", error.c_str());
        status = 1;
        break;
      }
    }

    play.world(world);
    const arena::client::ClientStats cs = play.stats();
    graph.frame(t_s, play.net(), cs);
    render::Session session;
    session.server = timeline.label;
    session.own_slot = play.decoder().slot().value_or(-1);
    session.scoreboard = &play.decoder().scoreboard();
    const std::deque<arena::client::KillFeedEntry> feed = play.kill_feed(session);
    session.kill_feed = &feed;
    session.keys =
        "Space pause  \xC2\xB7  \xE2\x86\x90/\xE2\x86\x92 seek  \xC2\xB7  ,/. step  \xC2\xB7  -/+ "
        "speed  \xC2\xB7  Tab scores  \xC2\xB7  F3 net graph";
    timeline.now_s = t_s;
    timeline.speed = speed;
    timeline.paused = paused;

    render::Frame frame;
    frame.world = &world;
    frame.session = &session;
    frame.graph = &graph;
    frame.timeline = &timeline;
    frame.now_s = t_s;
    frame.show_net_graph = show_net_graph;
    frame.show_scoreboard = SDL_GetKeyboardState(nullptr)[SDL_SCANCODE_TAB] != 0;
    if (play.decoder().states().size() == 0) frame.status = "no world yet at this time";
    renderer.draw(frame);
    if (!o.screenshot.empty()) {
      if (!renderer.save_bmp(o.screenshot, error)) {
        std::fprintf(stderr, "tw-trace: cannot save the screenshot %s: %s\n", o.screenshot.c_str(),
                     error.c_str());
        status = 1;
      }
      break;
    }
    renderer.present();
    std::this_thread::sleep_for(std::chrono::milliseconds(8));
  }
  return status;
}

}  // namespace twtrace
