// The window's loop: SDL events and input sampling, the client (and a local
// match's server), interpolation, drawing, screenshots.
#include <SDL.h>

#include <cmath>
#include <cstdio>
#include <thread>

#include "app/explain.hpp"
#include "app/reconnect.hpp"
#include "app/run.hpp"
#include "client/net_graph.hpp"
#include "render/renderer.hpp"

namespace arena::app {

namespace {

using Clock = std::chrono::steady_clock;

// Frames closer together than this are spread out (vsync missing, e.g. under
// Xvfb): at most about 144 frames per second.
constexpr auto kMinFrame = std::chrono::microseconds(6900);

sim::Input sample_input(const render::Renderer& renderer, const sim::World& view, int own) {
  sim::Input in;
  const Uint8* keys = SDL_GetKeyboardState(nullptr);
  if (keys[SDL_SCANCODE_W] || keys[SDL_SCANCODE_UP]) in.move_y -= 1;
  if (keys[SDL_SCANCODE_S] || keys[SDL_SCANCODE_DOWN]) in.move_y += 1;
  if (keys[SDL_SCANCODE_A] || keys[SDL_SCANCODE_LEFT]) in.move_x -= 1;
  if (keys[SDL_SCANCODE_D] || keys[SDL_SCANCODE_RIGHT]) in.move_x += 1;
  int mx = 0, my = 0;
  const Uint32 buttons = SDL_GetMouseState(&mx, &my);
  in.fire = (buttons & SDL_BUTTON_LMASK) != 0;
  float wx = 0, wy = 0;
  renderer.window_to_world(mx, my, wx, wy);
  if (own >= 0) {
    const sim::Ship& s = view.ships[static_cast<std::size_t>(own)];
    in.aim_x = wx - s.x;
    in.aim_y = wy - s.y;
    // Mouse on the ship itself: keep the last aim (the simulation does).
    if (std::fabs(in.aim_x) + std::fabs(in.aim_y) < 1.0f) in.aim_x = in.aim_y = 0;
  }
  return in;
}

// A connection silent this long is shown as interrupted (ENet gives up,
// and the game ends, only after its timeout).
constexpr double kInterruptedS = 1.0;

// What the window says over the game: the phase, an interruption, or why
// the connection ended and what to do. `alert` when something is wrong.
struct Status {
  std::string text, detail;
  bool alert = false;
};

Status status_of(const client::GameClient& c, Clock::time_point now) {
  switch (c.phase()) {
    case client::Phase::Connecting: return {"connecting to " + c.server_address() + " ...", ""};
    case client::Phase::Joining: return {"joining ...", ""};
    case client::Phase::Playing:
      if (const double s = c.silence_s(now); s >= kInterruptedS)
        return {"Connection interrupted",
                "no word from the server for " + std::to_string(static_cast<int>(s)) +
                    " s; waiting for it",
                true};
      return {c.states().stats().received == 0 ? "waiting for the first state ..." : "", ""};
    case client::Phase::Ended: {
      const Explanation e = explain_end(c);
      return {e.what, e.advice.empty() ? "Esc quits." : e.advice + " Esc quits.", true};
    }
  }
  return {};
}

}  // namespace

int run_window(const Options& o, const client::ClientOptions& co, client::GameClient& game,
               server::GameServer* local) {
  render::Renderer renderer;
  std::string error;
  if (!renderer.open("arena \xE2\x80\x94 tickwire", o.width, o.height, error)) {
    std::fprintf(stderr, "arena: %s\n", error.c_str());
    return 1;
  }
  client::NetGraph graph;
  sim::World view;
  bool show_net_graph = true, show_ghost = o.ghost, quit = false, shot_failed = false;
  Status shown;  // the status on screen: each change is said on stderr too
  Reconnector again(o.reconnect);
  const auto start = Clock::now();
  double first_state_s = -1;
  auto last_frame = start;

  bool reconnect_asked = false;
  while (!quit && !g_stop) {
    const auto now = Clock::now();
    if (o.duration_s > 0 && std::chrono::duration<double>(now - start).count() >= o.duration_s)
      break;
    SDL_Event e;
    while (SDL_PollEvent(&e)) {
      if (e.type == SDL_QUIT) quit = true;
      if (e.type == SDL_KEYDOWN && !e.key.repeat) {
        if (e.key.keysym.sym == SDLK_ESCAPE) quit = true;
        if (e.key.keysym.sym == SDLK_F3) show_net_graph = !show_net_graph;
        if (e.key.keysym.sym == SDLK_g) show_ghost = !show_ghost;
        if (e.key.keysym.sym == SDLK_r) reconnect_asked = true;
      }
    }
    if (local) local->pump(now);
    game.set_local_input(sample_input(renderer, view, game.slot()));
    game.pump(now);
    // An ended session stays on screen, the last world drawn, with the
    // reason in words, until the player closes the window or joins again.
    if (again.due(game, now, reconnect_asked)) {
      std::fprintf(stderr, "arena: reconnecting to %s ...\n", co.server.c_str());
      if (tickwire::Status s = game.connect(co); !s)
        std::fprintf(stderr, "arena: cannot connect to %s: %s\n", co.server.c_str(),
                     s.message.c_str());
    }
    reconnect_asked = false;

    const double now_s = game.seconds(now);
    view = game.view();
    const client::ClientStats stats = game.stats();  // once a frame: it is computed
    graph.frame(now_s, game.net_stats(), stats);
    const render::Session session = render::session_of(game, stats);

    render::Frame frame;
    frame.world = &view;
    frame.session = &session;
    frame.graph = &graph;
    frame.now_s = now_s;
    frame.show_net_graph = show_net_graph;
    frame.ghost = show_ghost ? game.server_ship() : nullptr;
    frame.show_scoreboard = o.scoreboard || SDL_GetKeyboardState(nullptr)[SDL_SCANCODE_TAB] != 0;
    Status status = status_of(game, now);
    if (game.phase() == client::Phase::Ended) {
      const double in = again.next_in_s(now);
      status.detail += in >= 0 ? " Trying again in " + std::to_string(static_cast<int>(in + 0.99)) +
                                     " s (R: now)."
                               : " R joins again.";
    }
    if (status.text != shown.text) {
      if (status.alert)
        std::fprintf(stderr, "arena: %s (%s)\n", status.text.c_str(), status.detail.c_str());
      else if (shown.alert)
        std::fprintf(stderr, "arena: connection back\n");
    }
    shown = status;
    frame.status = status.text;
    frame.status_detail = status.detail;
    frame.alert = status.alert;
    renderer.draw(frame);

    if (!o.screenshot.empty() && game.states().stats().received > 0) {
      if (first_state_s < 0) first_state_s = now_s;
      if (now_s - first_state_s >= o.screenshot_at_s) {
        if (!renderer.save_bmp(o.screenshot, error)) {
          std::fprintf(stderr, "arena: cannot save the screenshot %s: %s\n", o.screenshot.c_str(),
                       error.c_str());
          shot_failed = true;
        }
        quit = true;
      }
    }
    renderer.present();

    const auto frame_end = Clock::now();
    if (frame_end - last_frame < kMinFrame) std::this_thread::sleep_until(last_frame + kMinFrame);
    last_frame = Clock::now();
  }

  const ClientReport report = report_of(game);
  game.disconnect(std::chrono::milliseconds(1000), [&] {
    if (local) local->pump(Clock::now());
  });
  if (local) local->stop();
  const int status = finish_client(o, game, report);
  return status != 0 ? status : (shot_failed ? 1 : 0);
}

}  // namespace arena::app
