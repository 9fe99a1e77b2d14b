// tw-trace view: plays one client's recorded match back through the same
// path as replay (what its host delivered, on ENet's lanes and the direct
// lane, rebuilt from the trace, then arena's decoder), drawn by arena's
// renderer: the world as the client drew other ships (tickwire's
// InterpolationClock on the trace's clock), the scoreboard and kill feed
// as they were, the net graph computed from the trace as it was at that
// moment, and a timeline of the whole match (traffic and round trip per
// second) to seek on. Another game's trace
// (no decoder for its protocol id) plays at tickwire's level: the timeline
// and the net graph, no world, and the window says so.
//
// Playback is streaming: the trace is read forward as time passes; seeking
// back reopens it and plays forward to the target as fast as it goes (a
// 10-minute match replays in about a second). What the keys and clicks do
// is Playback's (playback.hpp); this file carries it out on the trace.
#include "view.hpp"

#include <SDL.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <tickwire/prediction.hpp>
#include <tickwire/trace.hpp>

#include "client/interpolate.hpp"
#include "client/net_graph.hpp"
#include "direct.hpp"
#include "peers.hpp"
#include "playback.hpp"
#include "proto/trace_decoder.hpp"
#include "render/renderer.hpp"
#include "round_trips.hpp"
#include "say.hpp"

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

// The client's side of the trace, played forward to a moment. With the
// game's decoder (arena's), the worlds it had; without one (another game's
// trace), tickwire's level only: the traffic, round trip and the snapshot
// envelopes it received, no world.
class TracePlayer {
 public:
  TracePlayer(std::string path, Side side, bool arena)
      : path_(std::move(path)), side_(side), arena_(arena) {}

  bool restart(std::string& error) {
    file_ = std::make_unique<TraceReader>();
    if (!file_->open(path_, error)) return false;
    delivery_ = HostDelivery{};
    decoder_.reset();
    envelopes_ = {};
    interp_ = tickwire::InterpolationClock{};
    meter_ = Meter{};
    update_times_.clear();
    have_pending_ = false;
    ended_ = false;
    now_us_ = 0;
    return true;
  }

  // Plays every record up to `t_us`. With `one_update`, stops after the
  // first record that made a world (without the game's decoder: brought a
  // snapshot envelope), for stepping. False with `error` on a bad record.
  bool advance(std::uint64_t t_us, std::string& error, bool one_update = false) {
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
      if (play(pending_) && one_update) return true;
    }
    if (!one_update) now_us_ = std::max(now_us_, t_us);
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
    arena::client::take_state_stats(arena_ ? decoder_.states().stats() : envelopes_, cs);
    cs.bad_messages = decoder_.bad_messages();
    // Updates of the last second: update_times_ is in order, so two searches.
    const std::uint64_t from = now_us_ >= 1'000'000 ? now_us_ - 1'000'000 + 1 : 0;
    cs.updates_per_sec =
        static_cast<double>(std::upper_bound(update_times_.begin(), update_times_.end(), now_us_) -
                            std::lower_bound(update_times_.begin(), update_times_.end(), from));
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

  // The arrival time of the update before the newest one held, if any.
  [[nodiscard]] std::optional<std::uint64_t> previous_update_time() const {
    if (update_times_.size() < 2) return std::nullopt;
    return update_times_[update_times_.size() - 2];
  }

  [[nodiscard]] std::uint64_t now_us() const noexcept { return now_us_; }
  [[nodiscard]] bool ended() const noexcept { return ended_; }
  [[nodiscard]] const arena::proto::TraceDecoder& decoder() const noexcept { return decoder_; }

 private:
  // One record; true when it made an update (a world, or an envelope).
  bool play(const Record& r) {
    const Side::Dir dir = side_.of(r);
    if (dir == Side::None) return false;
    if (dir != Side::In) {
      EnetDatagram d;
      std::string why;
      const bool enet = r.kind == Kind::Enet && parse_enet(r.payload, d, why);
      meter_.on(r, dir, enet ? &d : nullptr);
      return false;
    }
    // What the client's host delivered: ENet's messages, and the direct
    // lane's while its connection was up.
    const std::span<const DeliveredMessage> messages = delivery_.receive(r);
    meter_.on(r, dir, delivery_.enet_datagram());
    if (delivery_.began_connection()) {
      decoder_.reset();
      envelopes_ = {};
      interp_ = tickwire::InterpolationClock{};
    }
    bool made = false;
    const std::uint32_t channels = delivery_.enet().channel_count();
    for (const DeliveredMessage& m : messages) {
      if (channels > 0 && m.channel == channels - 1) continue;  // the control lane
      if (!arena_) {
        if (const std::optional<EnvelopeHeader> e = read_envelope(m.bytes)) {
          ++envelopes_.envelopes;
          envelopes_.envelope_bytes += m.bytes.size();
          ++envelopes_.received;
          ++(e->baseline_tick ? envelopes_.delta_received : envelopes_.full_received);
          update_times_.push_back(r.time_us);
          made = true;
        }
      } else if (const std::optional<WorldHash> w =
                     decoder_.deliver(m.channel, m.bytes, r.time_us)) {
        interp_.on_snapshot(w->tick, r.time_us);
        update_times_.push_back(r.time_us);
        made = true;
      }
    }
    return made;
  }

  std::string path_;
  Side side_;
  bool arena_;  // arena's trace: decoded into worlds; otherwise envelopes only
  std::unique_ptr<TraceReader> file_;
  HostDelivery delivery_;
  arena::proto::TraceDecoder decoder_;
  // Without the game's decoder: the snapshot envelopes received (as a
  // StateReceiver counts them, every one taken as kept).
  arena::proto::StateReceiverStats envelopes_;
  tickwire::InterpolationClock interp_;
  Meter meter_;
  std::vector<std::uint64_t> update_times_;  // arrival of every update (8 bytes each)
  Record pending_;
  std::vector<std::uint8_t> payload_;
  bool have_pending_ = false, ended_ = false;
  std::uint64_t now_us_ = 0;
};

std::uint64_t to_us(double s) {
  return static_cast<std::uint64_t>(std::llround(std::max(0.0, s) * 1e6));
}

// The trace played to a moment with the net graph as the client had it
// then: the graph takes a frame every 1/60 s of trace time (a client drawing
// 60 frames a second), whatever the playback speed, and none while paused.
// Every moment is reached through go_to(): the start (and a screenshot), a
// seek, a step, playing on.
class Moment {
 public:
  static constexpr double kFramesPerSecond = 60;
  // Frames the graph shows: at 60 a second, the four seconds before a moment.
  static constexpr std::size_t kSamples = arena::client::NetGraph::kSamples;

  explicit Moment(TracePlayer& play) : play_(play) {}

  // Goes to `to_s`. Forward within the graph's span, the graph takes the
  // frames on the way; a jump further, or back (the trace is read again
  // from its start), starts a new graph and plays the seconds it shows
  // before `to_s` into it.
  bool go_to(double to_s, std::string& error) {
    to_s = std::max(0.0, to_s);
    const auto last = static_cast<std::int64_t>(std::floor(to_s * kFramesPerSecond));
    // The frames the graph shows, and one more: a graph counts the bytes
    // since its previous frame, so a new one's first frame only sets its
    // counters (it would hold every byte since the trace began), and
    // scrolls out.
    const std::int64_t first =
        std::max<std::int64_t>(0, last - static_cast<std::int64_t>(kSamples));
    std::int64_t next = last_frame_ + 1;
    const bool back = to_us(to_s) < play_.now_us();
    if (back || last_frame_ < first) {
      if (back && !play_.restart(error)) return false;
      graph_ = arena::client::NetGraph{};
      next = first;
    }
    for (std::int64_t k = next; k <= last; ++k) {
      if (!play_.advance(to_us(frame_s(k)), error)) return false;
      graph_.frame(frame_s(k), play_.net(), play_.stats());
      last_frame_ = k;
    }
    return play_.advance(to_us(to_s), error);
  }

  [[nodiscard]] const arena::client::NetGraph& graph() const noexcept { return graph_; }

 private:
  static double frame_s(std::int64_t k) { return static_cast<double>(k) / kFramesPerSecond; }

  TracePlayer& play_;
  arena::client::NetGraph graph_;
  std::int64_t last_frame_ = -1;  // the graph's newest frame (k: k/60 s); -1 none
};

// SDL's keys as the controls know them.
std::optional<Playback::Key> key_of(SDL_Keycode k) {
  using Key = Playback::Key;
  switch (k) {
    case SDLK_ESCAPE:
    case SDLK_q: return Key::Quit;
    case SDLK_SPACE: return Key::PlayPause;
    case SDLK_LEFT: return Key::Back;
    case SDLK_RIGHT: return Key::Forward;
    case SDLK_HOME: return Key::Start;
    case SDLK_COMMA: return Key::StepBack;
    case SDLK_PERIOD: return Key::StepForward;
    case SDLK_MINUS:
    case SDLK_KP_MINUS: return Key::Slower;
    case SDLK_PLUS:
    case SDLK_EQUALS:
    case SDLK_KP_PLUS: return Key::Faster;
    case SDLK_F3: return Key::NetGraph;
    case SDLK_TAB: return Key::Scoreboard;
    default: return std::nullopt;
  }
}

// Carries out what the controls asked of the trace.
bool apply(const Playback::Move& m, Playback& controls, TracePlayer& play, Moment& moment,
           std::string& error) {
  using Kind = Playback::Move::Kind;
  switch (m.kind) {
    case Kind::None: return true;
    case Kind::Seek: return moment.go_to(m.to_s, error);
    case Kind::NextSnapshot:
      if (!play.advance(UINT64_MAX, error, /*one_update=*/true)) return false;
      controls.moved_to(static_cast<double>(play.now_us()) / 1e6);
      return moment.go_to(controls.position_s(), error);
    case Kind::PreviousSnapshot:
      if (const std::optional<std::uint64_t> prev = play.previous_update_time()) {
        controls.moved_to(static_cast<double>(*prev) / 1e6);
        return moment.go_to(controls.position_s(), error);
      }
      return true;
  }
  return true;
}

}  // namespace

int view(const std::string& path, const ViewOptions& o) {
  Side side;
  std::string error;
  std::string engine_only;  // set: no decoder for the trace's game (the line saying so)
  {
    TraceReader probe;
    if (!probe.open(path, error)) {
      say("tw-trace view", error);
      return 1;
    }
    const TraceInfo& ti = probe.info();
    arena::proto::TraceDecoder arena;
    if (ti.protocol_id != arena.protocol_id()) {
      char line[96];
      std::snprintf(line, sizeof line, "no decoder for protocol id 0x%016" PRIx64, ti.protocol_id);
      engine_only = line;
      say("tw-trace view", std::string(line) +
                               " (a game tw-trace does not know): viewing at tickwire's level "
                               "(timeline and net graph, no world)");
    }
    side.server_trace = ti.server;
    // The n-th remote end in order of appearance, as info numbers them.
    const std::size_t wanted = o.connection < 0 ? 0 : static_cast<std::size_t>(o.connection);
    Peers seen;
    Record r;
    while (seen.list().size() <= wanted && probe.next(r, error)) seen.index(r);
    if (!error.empty()) {
      say("tw-trace view", error);
      return 1;
    }
    if (seen.list().size() <= wanted) {
      say("tw-trace view", "the trace has no connection " + std::to_string(wanted));
      return 1;
    }
    side.remote = seen.list()[wanted];
  }
  render::Timeline timeline;
  if (!summarize(path, side, timeline, error)) {
    say("tw-trace view", error);
    return 1;
  }
  const std::size_t slash = path.find_last_of('/');
  timeline.label = slash == std::string::npos ? path : path.substr(slash + 1);

  // A screenshot is one frame, paused at --from.
  Playback controls(timeline.duration_s, o.from_s, o.speed, o.paused || !o.screenshot.empty());
  TracePlayer play(path, side, engine_only.empty());
  Moment moment(play);
  if (!play.restart(error) || !moment.go_to(controls.position_s(), error)) {
    say("tw-trace view", error);
    return 1;
  }
  render::Renderer renderer;
  if (!renderer.open("tw-trace view \xE2\x80\x94 " + timeline.label, o.width, o.height, error)) {
    say("tw-trace view", "cannot open a window: " + error);
    return 1;
  }

  arena::sim::World world;
  auto last = Clock::now();
  int status = 0;
  while (!controls.quit()) {
    SDL_Event e;
    while (error.empty() && !controls.quit() && SDL_PollEvent(&e)) {
      Playback::Move m;
      if (e.type == SDL_QUIT) controls.key_down(Playback::Key::Quit);
      if (e.type == SDL_MOUSEBUTTONDOWN && e.button.button == SDL_BUTTON_LEFT)
        m = controls.click(renderer.timeline_seconds_at(e.button.x, e.button.y));
      if (e.type == SDL_KEYDOWN || e.type == SDL_KEYUP) {
        const std::optional<Playback::Key> k = key_of(e.key.keysym.sym);
        // A held key repeats; a toggle does not flicker.
        const bool toggle = k == Playback::Key::PlayPause || k == Playback::Key::NetGraph;
        if (k && e.type == SDL_KEYUP) controls.key_up(*k);
        if (k && e.type == SDL_KEYDOWN && !(toggle && e.key.repeat != 0))
          m = controls.key_down(*k, (e.key.keysym.mod & KMOD_SHIFT) != 0);
      }
      if (!apply(m, controls, play, moment, error)) break;
    }
    const auto now = Clock::now();
    const double dt = std::chrono::duration<double>(now - last).count();
    last = now;
    if (error.empty()) moment.go_to(controls.run(dt), error);
    if (!error.empty()) {
      say("tw-trace view", error);
      status = 1;
      break;
    }
    if (controls.quit()) break;

    render::Session session;
    session.server = timeline.label;
    session.keys =
        "Space pause  \xC2\xB7  \xE2\x86\x90/\xE2\x86\x92 seek  \xC2\xB7  ,/. step  \xC2\xB7  -/+ "
        "speed  \xC2\xB7  Tab scores  \xC2\xB7  F3 net graph";
    std::deque<arena::client::KillFeedEntry> feed;
    render::Frame frame;
    if (engine_only.empty()) {
      play.world(world);
      session.own_slot = play.decoder().slot().value_or(-1);
      session.scoreboard = &play.decoder().scoreboard();
      feed = play.kill_feed(session);
      session.kill_feed = &feed;
      frame.world = &world;
      frame.show_scoreboard = controls.show_scoreboard();
      if (play.decoder().states().size() == 0) frame.status = "no world yet at this time";
    } else {
      frame.status = engine_only + ": engine level only";
      frame.status_detail = "tickwire's traffic, round trip and snapshots; no world drawn";
    }
    timeline.now_s = controls.position_s();
    timeline.speed = controls.speed();
    timeline.paused = controls.paused();
    frame.session = &session;
    frame.graph = &moment.graph();
    frame.timeline = &timeline;
    frame.now_s = controls.position_s();
    frame.show_net_graph = controls.show_net_graph();
    renderer.draw(frame);
    if (!o.screenshot.empty()) {
      if (!renderer.save_bmp(o.screenshot, error)) {
        say("tw-trace view", "cannot save the screenshot " + o.screenshot + ": " + error);
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
