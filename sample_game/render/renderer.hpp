// arena — drawing with SDL2's 2D renderer and SDL2_ttf.
//
// Owns the window, the renderer, the fonts and a bounded cache of text
// textures. The whole arena is scaled to fit the window (letterboxed), so
// every player sees the same field. Only this module includes SDL.
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "client/game_client.hpp"
#include "client/net_graph.hpp"
#include "sim/world.hpp"

namespace arena::render {

struct Rgb {
  std::uint8_t r, g, b;
};

// The colour of the ship in `slot`: distinct for the first 12, then varied.
Rgb ship_colour(int slot) noexcept;

// What the overlays show of a player's session: a live GameClient's
// (session_of()), or one a trace replays (tw-trace view). Pointers are
// borrowed for the draw() call; null ones are not shown.
struct Session {
  std::string server;  // top bar, after "arena"
  int own_slot = -1;   // the player's ship; -1: none
  const proto::ScoreboardMsg* scoreboard = nullptr;
  const std::deque<client::KillFeedEntry>* kill_feed = nullptr;
  const client::ClientStats* stats = nullptr;  // the net graph's game lines
  std::string keys;                            // the top bar's key help; empty: the game's

  // The scoreboard's entry for `slot`, or nullptr.
  [[nodiscard]] const proto::PlayerInfo* player(int slot) const noexcept;
};

// A live client's session. `stats` must outlive the Session's use.
Session session_of(const client::GameClient& c, const client::ClientStats& stats);

// A recorded match's timeline (tw-trace view): a strip along the bottom
// with the traffic and round trip of every second, and where playback is.
struct Timeline {
  double duration_s = 0;                 // the trace's length
  double now_s = 0;                      // where playback is
  double bucket_s = 1;                   // seconds each entry below covers
  std::vector<float> kbps_in, kbps_out;  // per bucket of the trace, kbit/s
  std::vector<float> rtt_ms;             // per bucket, round trip (median; merged: peak; 0: none)
  double speed = 1;                      // playback speed
  bool paused = false;
  std::string label;  // left of the strip (the trace's name)
};

// Everything one frame shows. Pointers are borrowed for the draw() call.
struct Frame {
  const sim::World* world = nullptr;  // interpolated view
  const Session* session = nullptr;
  const client::NetGraph* graph = nullptr;
  const Timeline* timeline = nullptr;
  double now_s = 0;  // client clock, seconds (kill feed ages)
  bool show_scoreboard = false;
  bool show_net_graph = true;
  // Debug overlay (G): the server's newest state of the own ship drawn as an
  // outline next to the predicted one.
  const sim::Ship* ghost = nullptr;
  std::string status;         // shown centred when not empty ("connecting to ...")
  std::string status_detail;  // a second, smaller line under it
  bool alert = false;  // something is wrong (interrupted, ended): status and net graph in red
};

class Renderer {
 public:
  Renderer();
  ~Renderer();
  Renderer(const Renderer&) = delete;
  Renderer& operator=(const Renderer&) = delete;

  // Initialises SDL video and SDL_ttf, opens a resizable window (vsync when
  // the driver has it) and loads the fonts. False with `error` on failure.
  bool open(const std::string& title, int width, int height, std::string& error);

  // Draws one frame into the back buffer; present() shows it.
  void draw(const Frame& frame);
  void present();
  // Saves the back buffer (call between draw() and present()) as a BMP.
  bool save_bmp(const std::string& path, std::string& error);

  // Window pixels to world units, for aiming with the mouse.
  void window_to_world(int px, int py, float& wx, float& wy) const noexcept;
  // The time a click at window pixel (px, py) points at on the last drawn
  // timeline; negative when it is not on the timeline.
  [[nodiscard]] double timeline_seconds_at(int px, int py) const noexcept;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace arena::render
